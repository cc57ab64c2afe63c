package count

// ValidBallot reports whether b is a well-formed ballot under r; the error
// is a *BallotError.
func ValidBallot(r Rule, b Ballot) error { return errNotYet }

// OrderFromRanks turns a rank form (option id → rank 1, 2, …; options left
// out are unranked) into a preference order, refusing gaps and repeats.
func OrderFromRanks(options []string, ranks map[string]int) ([]string, error) {
	return nil, errNotYet
}

// Count counts ballots under r.
func Count(r Rule, ballots []Ballot) (Result, error) { return Result{}, errNotYet }

// Verify recounts a board and lists every disagreement in words.
func Verify(b Board) (Result, []string) { return Result{}, []string{errNotYet.Error()} }
