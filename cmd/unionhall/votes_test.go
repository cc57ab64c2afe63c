package main

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"unionhall/internal/votes/count"
)

// testBoard is a closed ranked election of 9 ballots as the board JSON
// serves it; tamper changes it before it is encoded.
func testBoard(t *testing.T, tamper func(b *count.Board)) []byte {
	t.Helper()
	v := count.BoardVote{ID: "v7", Title: map[string]string{"cs": "Volba výboru", "en": "Committee election"},
		Kind: count.KindRanked, Seats: 1, Threshold: count.ThresholdPlurality, QuorumPercent: 50, Eligible: 12,
		OpensAt: time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC), ClosesAt: time.Date(2026, 6, 8, 20, 0, 0, 0, time.UTC)}
	for _, o := range []string{"o1", "o2", "o3"} {
		v.Options = append(v.Options, count.BoardOption{ID: o, Label: map[string]string{"cs": "Kandidát " + o, "en": "Candidate " + o}})
	}
	var ballots []count.Ballot
	add := func(n int, choices ...string) {
		for range n {
			ballots = append(ballots, count.Ballot{Receipt: fmt.Sprintf("K7Q2-%04d", 9-len(ballots)), Choices: choices})
		}
	}
	add(4, "o1", "o2")
	add(3, "o2", "o3")
	add(2, "o3", "o2")
	ballots = append(ballots, count.Ballot{Receipt: "ZZZZ-0000", Abstain: true})
	res, err := count.Count(v.Rule(), ballots)
	if err != nil {
		t.Fatal(err)
	}
	b := count.MakeBoard(v, ballots, res)
	if tamper != nil {
		tamper(&b)
	}
	js, err := count.MarshalBoard(b)
	if err != nil {
		t.Fatal(err)
	}
	return js
}

func runVotes(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(append([]string{"votes"}, args...), &out, &errOut)
	return code, out.String(), errOut.String()
}

func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

var tampered = []struct {
	name   string
	tamper func(b *count.Board)
	want   []string
}{
	{"changed choice", func(b *count.Board) { b.Ballots[0].Choices = []string{"o1", "o2"} },
		[]string{"votes for o1: the board says o1 has 4, the recount gives 5"}},
	{"duplicated receipt", func(b *count.Board) { b.Ballots[1].Receipt = b.Ballots[0].Receipt },
		[]string{"receipt K7Q2-0001 appears more than once", "lot seed: the board says"}},
	{"wrong eligible count", func(b *count.Board) { b.Vote.Eligible = 8 },
		[]string{"10 ballots on the board but only 8 eligible voters", "eligible voters: the board says 12, the recount gives 8"}},
}

func TestVotesVerifyFiles(t *testing.T) {
	good := writeFile(t, "board.json", testBoard(t, nil))
	code, out, errOut := runVotes(t, "verify", good)
	if code != 0 || !strings.Contains(out, "The recount agrees with the board.") {
		t.Fatalf("good board: exit %d\n%s\n%s", code, out, errOut)
	}
	for _, w := range []string{"Vote v7: Committee election", "ranked, 1 seat, instant run-off",
		"10 ballots cast of 12 eligible (83.33 %), 1 abstained, 9 with a choice", "Quorum 50 %: met",
		"Outcome: elected: o2 (Candidate o2)"} {
		if !strings.Contains(out, w) {
			t.Errorf("good board output lacks %q:\n%s", w, out)
		}
	}
	for _, c := range tampered {
		p := writeFile(t, "board.json", testBoard(t, c.tamper))
		code, out, _ := runVotes(t, "verify", p)
		if code != 1 || !strings.Contains(out, "The recount DISAGREES with the board") {
			t.Errorf("%s: exit %d\n%s", c.name, code, out)
		}
		for _, w := range c.want {
			if !strings.Contains(out, w) {
				t.Errorf("%s: output lacks %q:\n%s", c.name, w, out)
			}
		}
	}
	// Bad input: exit 2 with a clear message on stderr.
	bad := []struct {
		args []string
		want string
	}{
		{[]string{"verify", filepath.Join(t.TempDir(), "missing.json")}, "no such file"},
		{[]string{"verify", writeFile(t, "x.json", []byte(`{"format":`))}, "is not a vote board"},
		{[]string{"verify", writeFile(t, "x.json", []byte(`<html>board</html>`))}, "is not a vote board"},
		{[]string{"verify", writeFile(t, "x.json", append(testBoard(t, nil), []byte(`{}`)...))}, "data after"},
		{[]string{"verify", "--max-bytes", "100", good}, "larger than the limit of 100 bytes"},
		{[]string{"verify", "ftp://example.org/board.json"}, "only http:// and https://"},
		{[]string{"verify"}, "Usage"},
		{[]string{"verify", good, good}, "Usage"},
		{[]string{"count", good}, "Usage"},
		{nil, "Usage"},
	}
	for _, c := range bad {
		code, _, errOut := runVotes(t, c.args...)
		if code != 2 || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, stderr %q, want 2 and %q", c.args, code, errOut, c.want)
		}
	}
	if code, _, _ := runVotes(t, "verify", "-h"); code != 0 {
		t.Errorf("-h: exit %d", code)
	}
}

// TestVotesVerifyStdin: "-" reads the board from standard input, as in
// curl … | unionhall votes verify -.
func TestVotesVerifyStdin(t *testing.T) {
	f, err := os.Open(writeFile(t, "board.json", testBoard(t, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	old := os.Stdin
	os.Stdin = f
	defer func() { os.Stdin = old }()
	if code, out, errOut := runVotes(t, "verify", "-"); code != 0 || !strings.Contains(out, "agrees") {
		t.Errorf("stdin: exit %d\n%s%s", code, out, errOut)
	}
}

func TestVotesVerifyURL(t *testing.T) {
	boards := map[string][]byte{"/votes/v7/board.json": testBoard(t, nil)}
	for i, c := range tampered {
		boards[fmt.Sprintf("/votes/t%d/board.json", i)] = testBoard(t, c.tamper)
	}
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/slow/board.json":
			// Answers only when the client gives up (or the test ends).
			select {
			case <-r.Context().Done():
			case <-release:
			}
			return
		case "/huge/board.json":
			w.Header().Set("Content-Type", "application/json")
			w.Write(bytes.Repeat([]byte(" "), 4096))
			return
		}
		b, ok := boards[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(b)
	}))
	defer srv.Close()
	defer close(release)

	code, out, errOut := runVotes(t, "verify", srv.URL+"/votes/v7/board.json")
	if code != 0 || !strings.Contains(out, "agrees") {
		t.Fatalf("good board by URL: exit %d\n%s\n%s", code, out, errOut)
	}
	for i, c := range tampered {
		code, out, _ := runVotes(t, "verify", fmt.Sprintf("%s/votes/t%d/board.json", srv.URL, i))
		if code != 1 || !strings.Contains(out, c.want[0]) {
			t.Errorf("%s by URL: exit %d\n%s", c.name, code, out)
		}
	}
	bad := []struct {
		args []string
		want string
	}{
		{[]string{"verify", srv.URL + "/votes/nope/board.json"}, "404 Not Found"},
		{[]string{"verify", "--timeout", "200ms", srv.URL + "/slow/board.json"}, "within 200ms"},
		{[]string{"verify", "--max-bytes", "1000", srv.URL + "/huge/board.json"}, "larger than the limit of 1000 bytes"},
		{[]string{"verify", "http://127.0.0.1:1/board.json"}, "fetch http://127.0.0.1:1/board.json"},
		{[]string{"verify", "http://[::1"}, "bad URL"},
	}
	for _, c := range bad {
		code, _, errOut := runVotes(t, c.args...)
		if code != 2 || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, stderr %q, want 2 and %q", c.args, code, errOut, c.want)
		}
	}
}

func TestVotesVerifyHostileText(t *testing.T) {
	js := testBoard(t, func(b *count.Board) {
		b.Vote.Title = map[string]string{"en": "Vote\x1b[2J\u202eevil"}
		b.Vote.Options[0].Label = map[string]string{"en": "<script>alert(1)</script>\r\n"}
	})
	code, out, _ := runVotes(t, "verify", writeFile(t, "b.json", js))
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	if strings.ContainsAny(out, "\x1b\u202e\r") || !strings.Contains(out, `Vote\u001B[2J\u202Eevil`) {
		t.Errorf("control characters reach the terminal:\n%q", out)
	}
}
