package count

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func testVote(kind Kind, options []string, seats, eligible int) BoardVote {
	v := BoardVote{ID: "v1", Title: map[string]string{"cs": "Volba výboru", "en": "Committee election"}, Kind: kind,
		Seats: seats, Threshold: ThresholdPlurality, Eligible: eligible,
		OpensAt: time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC), ClosesAt: time.Date(2026, 6, 8, 20, 0, 0, 0, time.UTC)}
	for _, o := range options {
		v.Options = append(v.Options, BoardOption{ID: o, Label: map[string]string{"cs": o, "en": o}})
	}
	if kind == KindMultiple {
		v.MaxChoices = len(options)
	}
	return v
}

func boardOf(t *testing.T, v BoardVote, ballots []Ballot) Board {
	t.Helper()
	res, err := Count(v.Rule(), ballots)
	if err != nil {
		t.Fatal(err)
	}
	return MakeBoard(v, ballots, res)
}

// roundTrip encodes and decodes a board as a verifier downloading it would.
func roundTrip(t *testing.T, b Board) Board {
	t.Helper()
	js, err := MarshalBoard(b)
	if err != nil {
		t.Fatal(err)
	}
	back, err := ReadBoard(bytes.NewReader(js))
	if err != nil {
		t.Fatalf("%v\n%s", err, js)
	}
	return back
}

func hasProblem(problems []string, substr string) bool {
	for _, p := range problems {
		if strings.Contains(p, substr) {
			return true
		}
	}
	return false
}

func TestVerifyAgrees(t *testing.T) {
	r, ballots, _ := readBLT(t, "testdata/scotland/Calton-2007.blt")
	v := testVote(KindRanked, r.Options, r.Seats, r.Eligible+100)
	// Unique receipts in scrambled order: MakeBoard sorts them.
	for i := range ballots {
		ballots[i].Receipt = string(rune('A'+i%26)) + ballots[i].Receipt
	}
	boards := []Board{
		boardOf(t, v, ballots),
		boardOf(t, testVote(KindYesNo, []string{"yes", "no"}, 1, 10), profile(t, "3:yes", "2:no", "1:")),
		boardOf(t, testVote(KindMultiple, []string{"a", "b", "c"}, 2, 10), profile(t, "2:a>b", "2:c>a", "1:b")),
		boardOf(t, testVote(KindSingle, []string{"a", "b"}, 1, 10), profile(t, "2:a", "2:b")), // a lot
		boardOf(t, testVote(KindSingle, []string{"a", "b"}, 1, 10), nil),
	}
	for i, b := range boards {
		res, problems := Verify(roundTrip(t, b))
		if len(problems) != 0 {
			t.Errorf("board %d: %v", i, problems)
		}
		if res.Outcome != b.Result.Outcome || !equalStrings(res.Elected, b.Result.Elected) {
			t.Errorf("board %d: recount %+v", i, res)
		}
	}
	if len(boards[3].Result.Lots) != 1 {
		t.Errorf("expected a lot on board 3")
	}
}

func TestVerifyFindsTampering(t *testing.T) {
	v := testVote(KindRanked, []string{"a", "b", "c"}, 1, 10)
	good := boardOf(t, v, profile(t, "4:a>b", "3:b>c", "2:c>b"))
	cases := []struct {
		name   string
		tamper func(b *Board)
		want   []string
	}{
		{"changed choice", func(b *Board) { b.Ballots[0].Choices = []string{"c", "b"} },
			[]string{"votes for a: the board says a has 4, the recount gives 3", "stage 2 excluded: the board says [c], the recount gives [a]", "lots: the board records 0, the recount draws 1"}},
		{"duplicated receipt", func(b *Board) { b.Ballots[1].Receipt = b.Ballots[0].Receipt },
			[]string{"receipt R000001 appears more than once", "lot seed"}},
		{"duplicate far apart", func(b *Board) { b.Ballots[8].Receipt = b.Ballots[0].Receipt },
			[]string{"receipt R000001 appears more than once", "not sorted"}},
		{"added ballot", func(b *Board) {
			b.Ballots = append(b.Ballots, Ballot{Receipt: "R999999", Choices: []string{"a"}})
		}, []string{"ballots cast: the board says 9, the recount gives 10"}},
		{"wrong eligible", func(b *Board) { b.Vote.Eligible = 5 },
			[]string{"9 ballots on the board but only 5 eligible voters", "eligible voters: the board says 10, the recount gives 5"}},
		{"unsorted", func(b *Board) { b.Ballots[0], b.Ballots[1] = b.Ballots[1], b.Ballots[0] },
			[]string{"not sorted by receipt: R000001 comes after R000002"}},
		{"invalid ballot", func(b *Board) { b.Ballots[2].Choices = []string{"a", "a"} },
			[]string{`ballot R000003 is not valid: repeat (option "a")`}},
		{"empty receipt", func(b *Board) { b.Ballots[0].Receipt = "" }, []string{"ballot 1 has no receipt"}},
		{"quorum claimed", func(b *Board) { b.Vote.QuorumPercent = 100 },
			[]string{"quorum: the board says met, but 9 of 10 eligible cast a ballot and 100 % are needed, so it was not met", "outcome: the board says elected, the recount gives no-quorum"}},
		{"stage value", func(b *Board) { b.Result.Rounds[1].Values[0].Value++ }, []string{"stage 2 value of a: the board says 4.00001"}},
		{"lot added", func(b *Board) { b.Result.Lots = []Lot{{Purpose: LotElect, Among: []string{"a"}, Chosen: "a"}} },
			[]string{"lots: the board records 1, the recount draws 0"}},
		{"format", func(b *Board) { b.Format, b.Version = "helios", 2 }, []string{`format is "helios"`, "version is 2"}},
		{"bad rule", func(b *Board) { b.Vote.Kind = "borda" }, []string{"cannot be counted"}},
	}
	yn := boardOf(t, testVote(KindYesNo, []string{"yes", "no"}, 1, 10), profile(t, "5:yes", "3:no"))
	yn.Vote.Threshold = ThresholdTwoThirds // 5 of 8 is 62.5 %
	if _, problems := Verify(roundTrip(t, yn)); !hasProblem(problems, "adopted: the board says true, the recount gives false (5 yes, 3 no, threshold two-thirds, quorum met)") {
		t.Errorf("threshold raised after the count: %v", problems)
	}
	for _, c := range cases {
		b := roundTrip(t, good)
		c.tamper(&b)
		_, problems := Verify(roundTrip(t, b))
		for _, w := range c.want {
			if !hasProblem(problems, w) {
				t.Errorf("%s: no problem %q in\n  %s", c.name, w, strings.Join(problems, "\n  "))
			}
		}
	}
	if _, problems := Verify(roundTrip(t, good)); len(problems) != 0 {
		t.Errorf("untouched board: %v", problems)
	}
}

func TestVerifyCapsRepeats(t *testing.T) {
	v := testVote(KindSingle, []string{"a", "b"}, 1, 100)
	b := boardOf(t, v, profile(t, "60:a"))
	for i := range b.Ballots {
		b.Ballots[i].Choices = []string{"zz"}
	}
	_, problems := Verify(b)
	n := 0
	for _, p := range problems {
		if strings.Contains(p, "is not valid") {
			n++
		}
	}
	if n != maxSame || !hasProblem(problems, `… and 40 more problems of the kind "ballot"`) {
		t.Errorf("%d ballot lines; %v", n, problems)
	}
}

func TestReadBoardRefuses(t *testing.T) {
	for _, in := range []string{
		``,
		`{`,
		`[]`,
		`{"format":"unionhall-vote-board","version":1,"extra":true}`,
		`{"format":"unionhall-vote-board","version":1} {}`,
		`{"format":"unionhall-vote-board","version":1,"result":{"quota":1e5}}`,
		`{"format":"unionhall-vote-board","version":1,"result":{"quota":"1"}}`,
		`{"format":"unionhall-vote-board","version":"1"}`,
	} {
		if _, err := ReadBoard(strings.NewReader(in)); err == nil {
			t.Errorf("ReadBoard(%q) accepted", in)
		}
	}
}
