package count

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
)

// readBLT reads an election in the BLT format (first line: candidates and
// seats; then "weight pref pref … 0" lines ending with a lone 0; then the
// candidates' names). Candidates become options c1, c2, …
func readBLT(t *testing.T, path string) (Rule, []Ballot, []string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Scan()
	var ncand, seats int
	if _, err := fmt.Sscan(sc.Text(), &ncand, &seats); err != nil {
		t.Fatalf("%s: header: %v", path, err)
	}
	r := Rule{Kind: KindRanked, Seats: seats}
	for i := 1; i <= ncand; i++ {
		r.Options = append(r.Options, "c"+strconv.Itoa(i))
	}
	var ballots []Ballot
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 1 && fields[0] == "0" {
			break
		}
		n, _ := strconv.Atoi(fields[0])
		var prefs []string
		for _, p := range fields[1 : len(fields)-1] {
			prefs = append(prefs, "c"+p)
		}
		for i := 0; i < n; i++ {
			ballots = append(ballots, Ballot{Receipt: fmt.Sprintf("B%05d", len(ballots)), Choices: prefs})
		}
	}
	var names []string
	for sc.Scan() {
		names = append(names, strings.Trim(sc.Text(), `"`))
	}
	r.Eligible = len(ballots)
	return r, ballots, names
}

// Glasgow City Council, Calton ward, 3 May 2007: the first election under
// The Scottish Local Government Elections Order 2007. The council
// published every ballot's preferences; testdata/scotland/Calton-2007.blt
// holds them as distributed with Droop (github.com/jklundell/droop,
// test/blt/scotland). 5,199 valid ballots, 10 candidates, 3 seats, quota
// 1,300; George Redmond, Alison Thewliss and Ruth Simpson are elected.
// The stage-by-stage values below, to five decimals, are
// those of Droop's reference report for its Scottish rule
// (test/ref/report/scotland/Calton-2007-scotland-fixed-p5-d5.txt), an
// independent implementation of rules 45–52; "residual" there is our
// Fractions.
func TestGlasgowCalton2007(t *testing.T) {
	r, ballots, names := readBLT(t, "testdata/scotland/Calton-2007.blt")
	if len(ballots) != 5199 || names[7] != "George Redmond" {
		t.Fatalf("read %d ballots, names %v", len(ballots), names)
	}
	res := mustCount(t, r, ballots)
	if res.Quota != val(t, "1300") {
		t.Fatalf("quota %v, want 1300", res.Quota)
	}
	// Redmond (c8), Thewliss (c10), Simpson (c9).
	if !equalStrings(res.Elected, []string{"c8", "c10", "c9"}) {
		t.Fatalf("elected %v, want c8 c10 c9", res.Elected)
	}
	type stage struct {
		action, option string
		values         string // c1..c10, "-" = excluded
		nonTransferred string // cumulative
		fractions      string // cumulative
		elected        []string
	}
	want := []stage{
		{"first", "", "128 219 302 245 231 195 126 1982 628 1143", "0", "0", []string{"c8"}},
		{"surplus", "c8", "130.40863 224.84953 325.39812 250.84953 245.79587 217.36585 134.94634 1300 1035.05847 1175.68855", "158.62549", "0.01362", nil},
		{"exclude", "c1", "- 235.19362 349.74221 257.84953 252.79587 220.36585 140.29043 1300 1050.74665 1196.68855", "195.31367", "0.01362", nil},
		{"exclude", "c7", "- 251.22589 373.77448 260.53771 257.82814 225.70994 - 1300 1072.12301 1221.72082", "236.06639", "0.01362", nil},
		{"exclude", "c6", "- 264.91407 382.49493 348.69906 265.20450 - - 1300 1086.94027 1231.40900", "319.32455", "0.01362", nil},
		{"exclude", "c2", "- - 420.83902 371.04315 329.26904 - - 1300 1115.34890 1282.75309", "379.73318", "0.01362", nil},
		{"exclude", "c5", "- - 446.24765 409.10769 - - - 1300 1189.88661 1360.12945", "493.61498", "0.01362", []string{"c10"}},
		{"surplus", "c10", "- - 461.35742 412.58571 - - - 1300 1199.81406 1300", "525.21759", "0.02522", nil},
		{"exclude", "c4", "- - 485.84120 - - - - 1300 1271.90931 1300", "841.22427", "0.02522", nil},
		{"exclude", "c3", "- - - - - - - 1300 1393.86735 1300", "1205.10743", "0.02522", []string{"c9"}},
	}
	if len(res.Rounds) != len(want) {
		t.Fatalf("%d stages, want %d", len(res.Rounds), len(want))
	}
	var nt, fr Value
	for i, w := range want {
		rd := res.Rounds[i]
		nt += rd.NonTransferable
		fr += rd.Fractions
		if rd.Stage != i+1 || rd.Action != w.action || rd.Option != w.option || !equalStrings(rd.Elected, w.elected) {
			t.Errorf("stage %d: %s %s elected %v; want stage %d %s %s elected %v", rd.Stage, rd.Action, rd.Option, rd.Elected, i+1, w.action, w.option, w.elected)
		}
		got := map[string]Value{}
		for _, cv := range rd.Values {
			got[cv.Option] = cv.Value
		}
		for c, ws := range strings.Fields(w.values) {
			id := "c" + strconv.Itoa(c+1)
			v, ok := got[id]
			if ws == "-" {
				if ok {
					t.Errorf("stage %d: %s shown with %v after exclusion", i+1, id, v)
				}
				continue
			}
			if !ok || v != val(t, ws) {
				t.Errorf("stage %d: %s (%s) = %v, want %s", i+1, id, names[c], v, ws)
			}
		}
		if nt != val(t, w.nonTransferred) || fr != val(t, w.fractions) {
			t.Errorf("stage %d: non-transferable %v fractions %v, want %s %s", i+1, nt, fr, w.nonTransferred, w.fractions)
		}
	}
	// Droop's report says "Elect remaining candidates: Ruth Simpson", but
	// with 1,393.86735 she has passed the quota at the last stage, so rule
	// 47 elects her there, before rule 52 is needed.
	if last := res.Rounds[len(res.Rounds)-1]; len(last.Remaining) != 0 {
		t.Errorf("remaining %v, want none", last.Remaining)
	}
}
