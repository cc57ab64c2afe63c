// Package votes is member votes and elections (issue 10): the votes the
// committee sets up, the roll of who may vote, secret ballots, receipts,
// the close with its count and public board, cancellation, and the
// invitations. Counting itself is internal/votes/count (no database); the
// console and member pages are internal/votes/pages, on this package's
// Service. docs/votes.md holds the threat model; this file says how the
// code meets it.
//
// Why it is built this way:
//
//   - Secret by construction. Who may vote and who did (vote_roll: member
//     id in plain, a voted flag and the day) and what was voted
//     (vote_ballots: a random slot, the tracker, the change code's hash and
//     the sealed choices) share no column but the vote's id, and no time:
//     ballots have no time column at all, the roll only the day. The
//     ballot's key is "voteID/hex(16 random bytes)" — a column named id
//     (not the spec's (vote_id, slot) pair) because key rotation
//     (internal/rekey) walks sealed tables by id; the AAD is the same
//     seal.AAD("vote_ballots", "sealed", voteID+"/"+hex(slot)). SQLite
//     stores ballots WITHOUT ROWID, so the table's order is the random
//     slot's, not the order of casting.
//
//   - The close undoes what the engines keep. One transaction reads and
//     opens every ballot, counts (count.Count), writes vote_board in
//     tracker order, deletes the ballots, and deletes and re-inserts the
//     roll rows in member order (so every roll row carries the close's
//     transaction id on PostgreSQL, and a fresh place in storage on both).
//     Then PostgreSQL runs VACUUM FULL on the vote tables (dead row
//     versions, each stamped with the cast's transaction id, are what would
//     link a ballot to a roll update), and SQLite checkpoints and truncates
//     the write-ahead log (it holds pages in commit order). Every
//     transaction that deletes or replaces a ballot sets secure_delete on
//     SQLite's writer first, so the old bytes are zeroed, not left in free
//     space. TestVoteSecrecy checks each of these, and fails when any one
//     is removed.
//
//   - A change of vote rewrites the ballot in place (same id, same
//     tracker) and does not touch the roll: the roll's day stays the day of
//     the first ballot, and no roll row is written in the transaction that
//     replaces a ballot. The change code is shown once; only its SHA-256
//     (with the vote id, no key: it must survive a key rotation) is stored.
//     The service cannot check that a code is the caller's own — nothing
//     links them — so it requires that the caller is on the roll and has
//     voted, and relies on 60 random bits.
//
//   - Casting is group-committed (db.Batcher): concurrent casts share one
//     transaction, each in its own savepoint, so a thousand members voting
//     at once share a few fsyncs instead of queueing behind a thousand on
//     SQLite's single writer. Cast returns after the commit. The roll
//     update "voted = true WHERE NOT voted" is the double-submission guard:
//     two casts of one member serialise on that row and the second finds it
//     voted. While a vote is open its definition cannot change, so Cast
//     takes it from memory and re-reads only the state in the transaction
//     (under FOR SHARE on PostgreSQL; the close takes FOR UPDATE), so a cast
//     racing the close is either counted or refused, never lost.
//
//   - The lifecycle runs on the injected clock. Tick opens the scheduled
//     votes that are due and closes the open ones past their time, each in
//     its own transaction under an advisory lock (db.LockKey) with the state
//     re-read, so two servers ticking at once open and close a vote once.
//     Opening fixes the roll in one INSERT … SELECT: members not left and
//     not erased (accepted members who have not finished onboarding are
//     members), of the vote's workplaces if it names some. Fixed both ways:
//     a member who leaves may still vote; one who joins later gets
//     ErrJoinedLater. Fewer eligible than [votes] min_eligible keeps the
//     vote scheduled with OpenProblem "eligible.too_few" (audited once) and
//     Tick retries until the closing time.
//
//   - The roll is read from the registry's tables (members,
//     member_workplaces) by SQL inside the opening transaction, not through
//     a members.Registry method: it must be one INSERT … SELECT in the same
//     transaction as the state change, so that the roll is exactly the
//     members at that instant, and the registry has no transaction-scoped
//     query for it. The same goes for the workplace check of the form and
//     joined_at (ErrJoinedLater). Invitations use members.Registry
//     (Recipients: address and language).
//
//   - Invitations are jobs: the opening transaction queues the first, each
//     run queues one email per roll member of the next 200 (by member id,
//     in their language, with a portal sign-in link valid until the close
//     from Deps.Links) together with the job for the batch after, so a
//     crash resumes where it stopped. Without Links the email carries the
//     ballot page's address (the member signs in as usual). Emails hold no
//     tracker and nothing about any ballot.
//
//   - Every state change is audited (auth.Audit, the console's trail) with
//     the actor, the clock's as SystemActor; casting is not audited (the
//     roll's day is the record).
//
// Problems keys (Input validation; the pages own the texts): title.required,
// text.refused (control, direction-override and the other characters
// internal/textrule refuses), text.too_long, kind.invalid, options.too_few,
// options.too_many, options.duplicate, options.count_mismatch (another
// language has a different number of lines), max_choices.range,
// seats.range, quorum.range, threshold.invalid, threshold.ranked (ranked
// counts by STV: plurality only), opens.required, opens.invalid,
// opens.past (scheduling); OpenProblem: eligible.too_few, closes.passed; closes.required, closes.invalid,
// closes.before_opens, workplaces.unknown, meeting.invalid,
// reason.required (Cancel). Fields: title.<lang>, text.<lang>, kind,
// options, options.<lang>, max_choices, seats, quorum, threshold, opens,
// closes, workplaces, meeting, reason.
package votes
