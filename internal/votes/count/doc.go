// Package count counts votes: whether a ballot is valid, tallies with
// thresholds and quorum, the single transferable vote by the Scottish
// rules and instant run-off, ties by lot, the public board format and its
// independent recount (Verify). It knows no database, no HTTP and no
// member: what it is given is what the public board shows, so the server's
// count and anybody's recount run the same code on the same data. The
// `unionhall votes verify` command and docs/vote-counting.md build on it.
//
// # Ballots
//
// A Ballot is a receipt and either Abstain or a list of option ids
// (ranked: most preferred first). ValidBallot returns a *BallotError whose
// Code the web layer maps to texts in cs and en:
//
//	unknown-option     a choice that is not one of the vote's options (Option names it)
//	repeat             an option chosen twice (Option names it); in a rank form, two options with one rank
//	too-many           more marks than allowed: single 1, multiple MaxChoices, ranked MaxChoices or the options
//	yesno              a yes/no ballot without exactly one of "yes" and "no"
//	abstain-and-marks  an abstention together with choices
//	empty              no choice and no abstention
//	gap                rank form: ranks with a hole (1, 3) or not starting at 1
//	bad-rank           rank form: a rank below 0 or above the number of options
//
// Rank selects are a form matter: OrderFromRanks turns option → rank into
// an order (0 or absent = unranked) and refuses gaps, repeats and bad
// ranks, so the ballot page and any other caller share one reading.
// Count refuses (with *CountError) an invalid ballot, an empty or repeated
// receipt and more ballots than Rule.Eligible: the server never publishes
// a board it could not recount. Rule.Check says whether a rule can be
// counted at all (the console should call it when a vote is saved).
//
// # Turnout, quorum, thresholds
//
// Every kind offers an abstention; it counts for turnout and quorum, for no
// option. Quorum is met iff cast×100 ≥ QuorumPercent×Eligible (integers, so
// 40 % of 25 is exactly 10 ballots). TurnoutPercent is cast/eligible in
// percent rounded half up to two decimals (basis points, then /100).
//
// Thresholds compare with the ballots that chose something (Valid):
// "majority" v×2 > total, "two-thirds" v×3 ≥ total×2, "three-quarters"
// v×4 ≥ total×3; "plurality" (or "") asks nothing more than most votes.
//
//   - yesno: adopted iff the quorum is met, yes > 0 and yes meets the
//     threshold of yes+no; plurality there means yes > no. Equal is not
//     adopted; all abstaining is not adopted ("rejected").
//   - single, multiple (approval): the Seats options with the most votes
//     win (single: one), each needing at least one vote; with a threshold
//     each winner must also reach it of the valid ballots, and a seat nobody
//     reaches stays empty (Result.Unfilled). A tie for the last seat(s) is
//     drawn by lot (one lot per seat, recorded).
//   - ranked: see below. A threshold other than plurality applies to a
//     one-seat vote only: the winner's final value must reach it of all
//     valid ballots, exhausted ones included (STV with several seats has
//     its own quota; the threshold is ignored there).
//
// Outcome is "no-quorum" when the quorum is not met (no winner is
// determined, nothing is drawn; counts are still shown), else "adopted" /
// "rejected" for yesno, "elected" when anybody won, "no-majority" when
// nobody did (a threshold not reached, no valid ballot at all).
//
// # Ranked: the Scottish single transferable vote
//
// The rules are rules 45–52 of Schedule 1 to The Scottish Local Government
// Elections Order 2007 (SSI 2007/42), followed literally:
//
//   - 45, 46: first preferences; quota = ⌊valid / (seats+1)⌋ + 1 (Droop).
//   - 47: a candidate whose value reaches the quota at the end of a stage
//     is elected (several at once are listed by value, highest first).
//   - 48: a surplus (value above the quota) is transferred by the weighted
//     inclusive Gregory method: every paper the candidate holds goes on to
//     its next preference for a continuing candidate at
//     surplus × (the paper's value) / (the candidate's value), truncated to
//     five decimals; papers with no such preference are non-transferable;
//     what truncation loses is recorded as Fractions. The candidate keeps
//     the quota.
//   - 49: the largest surplus first, one per stage; equal surpluses: the
//     candidate with more votes at the most recent earlier stage where they
//     differed; equal at every stage: lot.
//   - 50, 51: with no surplus left, the candidate with the lowest value is
//     excluded, one per stage, and their papers go on at the value they
//     had; a tie for lowest looks back the same way (the lowest earlier
//     goes), then lot.
//   - 52: when the continuing candidates are no more than the seats left
//     they are deemed elected (Round.Remaining) and nothing more moves;
//     the count also ends as soon as every seat is filled (surpluses left
//     untransferred).
//
// Looking back with three or more tied: at each earlier stage we keep the
// tied candidates with the highest (surplus) or lowest (exclusion) value
// there and go on back while more than one remains; the rules speak of two.
// All values are integers in hundred-thousandths (Value), so each figure
// is exact and the same everywhere; JSON writes them as decimals with five
// places and reads them back without floating point.
//
// One seat is instant run-off by the same code: the quota is a majority of
// the valid ballots, and the lowest are excluded until somebody has it or
// one remains.
//
// Identical rankings are counted as one group with a number (papers that
// start together travel together, at the same value), which is what keeps
// 100,000 ballots fast; the result is the same as paper by paper.
//
// Tested against: Glasgow City Council's published ballots for the Calton
// ward, 2007 (every stage to five decimals, matching Droop's independent
// Scottish STV), Wikipedia's food election (STV) and the Tennessee
// capital example (instant run-off), and hand-checked ties.
//
// # Lots
//
// A tie no rule resolves is drawn from a seed nobody knows before the
// close and everybody can recompute: seed = SHA-256 of the receipts,
// sorted bytewise and joined by "\n"; the tied option ids are ordered by
// SHA-256(seed ‖ 0x00 ‖ id), bytewise, and the first is drawn (to win the
// seat, to have their surplus transferred first, or to be excluded). Each
// draw is recorded in Result.Lots with its purpose, stage and the tied
// options in lot order.
//
// # Board
//
// Board is the published JSON: {"format":"unionhall-vote-board",
// "version":1, "vote":{…}, "ballots":[…sorted by receipt], "result":{…}}.
// MakeBoard sorts the ballots, MarshalBoard writes it (no HTML escaping:
// the JSON is served as application/json), ReadBoard reads it strictly
// (unknown fields and trailing data are errors). Verify recounts it and
// lists every disagreement in words, at most 20 of a kind.
package count
