// Package petitions runs the union's petitions on its own server:
// declared in content, signed without JavaScript, confirmed by email,
// counted live, delivered to the target, and forgotten on time.
//
// # Declaration
//
// A page declares a petition with a `petition:` block in its front matter,
// or with `type: petition` and the same keys at the top level
// (internal/content, petition.go, reports mistakes with the other content
// errors): goal, closes, target, fields (city required by default;
// workplace and comment optional), publicNames, eraseAfterDays. The cs and
// en versions of one page are one petition: its id is `id`/`petitionId`,
// else the page's translation key without "petitions/" (ID).
//
// # Signing
//
//   - The petition's own page (Wrap) shows the text, the counter and goal
//     bar (a <progress>: no script, no inline style, allowed by the CSP),
//     the latest names of signers who opted in (escaped by html/template),
//     the form, and a share/embed box. After `closes` or an early close it
//     shows the result and no form.
//   - A POST goes through the join form's guards (internal/formguard,
//     shared with internal/membership): a hidden honeypot, a signed
//     timestamp checked for a minimum fill time and a maximum age, a
//     per-address token bucket in memory only ([petitions]
//     signatures_per_hour). Every refusal is the page again in its language
//     with what was typed kept (413, 400, 422, 429, 409, 503); a field sent
//     twice is refused by name.
//   - The signer's data (name, email, city, workplace, comment, consent) is
//     sealed as one blob bound to the row id; beside it only flags (news,
//     show name, member), the language and a blind index of the email
//     scoped to the petition (two petitions' signers cannot be linked by
//     it). The unique index on (petition, index) makes one signature per
//     address; a repeat re-sends the link (or, once confirmed, a note) and
//     the page answers exactly the same either way, so it cannot be asked
//     whether someone signed.
//   - Writes go through db.Batcher (group commit): Sign returns only after
//     the batch holding the signature and its outbox email committed.
//     Success answers 303 to a "check your email" page (Post/Redirect/Get).
//   - The email links to /{lang}/signature/confirm?token=<row>-<secret>;
//     the GET shows a button and changes nothing (mail scanners open
//     links), its POST confirms. Only confirmed signatures count. The
//     token names its row so no index of random hashes is needed.
//   - A member signed in to the portal sees "Sign as <name>" and signs with
//     one click, confirmed at once (their address is known); a pending
//     signature of the same address is confirmed by it.
//
// # Counting fast
//
// A viral petition is a thousand writers on one number. The counts are
// sharded (petition_counts, petition_days: one row per shard, the shard
// chosen per batch transaction, so the PostgreSQL batcher's parallel
// transactions neither queue on one row lock nor deadlock) and summed on
// read. Readers never hit the database per view: the count is kept in
// memory for a second (cache.go), the public names for five (names.go),
// and a visitor's rendered page, with its gzip form, for the second its
// form timestamp names (fresh.go); a member's page is never shared. The
// "check your email" page is rendered once per language (sent.go).
// Signature ids begin with the time, so inserts append to the primary key.
//
// The page is therefore not the site's cached page (internal/site):
// the form's timestamp and the member's button are per request, and a
// counter in a cached page would be stale. The costly parts are still
// cached: the Markdown body (content), the chrome (site.Layout's frame).
//
// # Embedding
//
// /petitions/{id}/embed is a page of its own for an <iframe>: it links only
// its own stylesheet, sends `frame-ancestors *` (the only page that may be
// framed) and no X-Frame-Options, and links to the petition in a new tab
// to sign (signing inside a third-party frame would need third-party
// cookies). /petitions/{id}/count.json gives id, title, url, confirmed,
// goal, open and closes, never pending or names. Both are served through
// Wrap because ServeMux refuses those patterns beside the portal's
// /{lang}/member/{rest...}.
//
// # Organisers and erasure
//
// The console section (console*.go) lists, exports and closes; the
// service's organiser methods (CloseEarly, Reopen, Message) audit in the
// same transaction as the change. EraseDue, run hourly (RunErasure), erases
// a petition's signers eraseAfterDays (petition, else [petitions]
// erase_after_days, 90) after it closed: sealed data, indexes and tokens
// are nulled, unconfirmed signatures deleted; the counts, the per-day
// numbers and the rows' status stay, so the result is still shown.
package petitions
