package count

import (
	"fmt"
	"strings"
	"testing"
)

// profile builds ballots from "N:a>b>c" lines (N identical ballots; an
// empty ranking is an abstention). Receipts are R000001, R000002, …
func profile(t testing.TB, lines ...string) []Ballot {
	t.Helper()
	var out []Ballot
	for _, l := range lines {
		var n int
		var rank string
		if _, err := fmt.Sscanf(strings.Replace(l, ":", " ", 1)+" ", "%d %s", &n, &rank); err != nil && !strings.HasSuffix(l, ":") {
			t.Fatalf("bad profile line %q: %v", l, err)
		}
		if strings.HasSuffix(l, ":") {
			fmt.Sscanf(l, "%d:", &n)
			rank = ""
		}
		for i := 0; i < n; i++ {
			b := Ballot{Receipt: fmt.Sprintf("R%06d", len(out)+1)}
			if rank == "" {
				b.Abstain = true
			} else {
				b.Choices = strings.Split(rank, ">")
			}
			out = append(out, b)
		}
	}
	return out
}

func mustCount(t testing.TB, r Rule, ballots []Ballot) Result {
	t.Helper()
	res, err := Count(r, ballots)
	if err != nil {
		t.Fatalf("Count: %v", err)
	}
	checkConservation(t, r, res)
	return res
}

// checkConservation asserts that every stage of a ranked count accounts
// for every valid ballot: candidates' values, plus the non-transferable and
// the fractions lost so far, add up to the valid ballots.
func checkConservation(t testing.TB, r Rule, res Result) {
	t.Helper()
	if res.Valid+res.Abstained != res.Cast {
		t.Fatalf("valid %d + abstained %d != cast %d", res.Valid, res.Abstained, res.Cast)
	}
	var lost Value
	for _, rd := range res.Rounds {
		lost += rd.NonTransferable + rd.Fractions
		sum := lost
		for _, v := range rd.Values {
			sum += v.Value
		}
		if sum != Value(res.Valid)*Unit {
			t.Fatalf("stage %d: values+lost = %v, valid = %d", rd.Stage, sum, res.Valid)
		}
	}
	if r.Kind != KindRanked {
		total := 0
		for _, c := range res.Counts {
			total += c.Votes
		}
		if r.Kind != KindMultiple && total != res.Valid {
			t.Fatalf("counts %d != valid %d", total, res.Valid)
		}
	}
}

func val(t testing.TB, s string) Value {
	t.Helper()
	v, err := ParseValue(s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
