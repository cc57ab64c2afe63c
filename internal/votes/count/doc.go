// Package count counts votes: validity of ballots, tallies, thresholds,
// quorum, Scottish STV and instant run-off, ties by lot, the public board
// format and its independent recount (Verify). It knows no database and no
// HTTP.
package count
