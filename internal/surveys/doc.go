// Package surveys is surveys declared in the site's content (issue 11
// part 5): questions of five kinds, for the public or for members, named
// or anonymous, with a closing time and optional public results; the
// answer form, the member's list of surveys, the results in the console
// (charts as server-side SVG with a table beside each, text answers, CSV)
// and the public results page. docs/surveys.md is the organiser's and the
// operator's account; this file says how the code meets it.
//
// Why it is built this way:
//
//   - Declared in content, like events. A page's `survey:` block (or a
//     page of `type: survey`) is read by internal/content (survey.go) into
//     Page.Survey; bad front matter is a content problem with its line, and
//     a survey with one is left out rather than guessed. The survey's id is
//     the block's `id` (or `surveyId`), else the page's translation key, so
//     the Czech and English pages share one survey: question and option ids
//     are shared, texts are per page. A language version whose audience,
//     mode, closing time or question ids differ from the default language's
//     is left out and logged — a translation must not open a members'
//     survey to the public. A survey on a members-only page is for members
//     whatever its block says.
//
//   - The database holds only state and answers (migration 00095):
//     survey_state (closed early, rewritten), survey_takers (who has
//     answered a member-only survey: member id and the day only) and
//     survey_answers (a random id "surveyID/hex(16 bytes)" and the sealed
//     answers, no time). The two share no column but the survey's id.
//
//   - Anonymous member-only surveys are the secret ballot of internal/votes
//     without receipts. The sealed record of an anonymous answer holds the
//     answers only — no member, no language, no time. The takers' row is
//     the one-answer-per-member guard: INSERT … ON CONFLICT DO NOTHING, and
//     no row inserted means "already answered", so concurrent submissions
//     of one member give one answer (tested with eight at once on both
//     databases). Answers are SQLite WITHOUT ROWID tables keyed by the
//     random id, so their order in the file is random, not the order of
//     answering. Every transaction that writes answers sets secure_delete
//     on SQLite. At the close (Tick at the closing time, or an organiser's
//     early close) one transaction reads every answer, deletes it and
//     writes it again sealed under a fresh random id, and deletes and
//     re-inserts the takers in member order: every row then carries the
//     close's transaction id (PostgreSQL xmin) and none of the ids given
//     while open remains. Then PostgreSQL runs VACUUM FULL on the survey
//     tables (dead row versions carry the answering transactions' ids) and
//     SQLite checkpoints and truncates its write-ahead log (pages in commit
//     order). TestAnonymousSurveySecrecy checks each of these and fails
//     when any one is removed. While a survey is open, someone with the
//     database files and the key could still match a taker's row to an
//     answer by transaction id or WAL order — the same window as a vote's,
//     and why the results of an anonymous survey show nothing but the
//     number of answers below Suppress (10), and no text answers either.
//
//   - Named surveys keep who answered inside the sealed record: the
//     member id for members, the optional name and email for the public,
//     with the language and time. Member-only named surveys use the same
//     takers guard.
//
//   - Members answer through the portal's session (Deps.Session,
//     *portal.Service.MemberID): the answer page of a member-only survey is
//     the same page as the public one's, <page URL>answer/, and a visitor
//     without a session gets the portal's sign-in page with that page as
//     the next one. The portal-side list of a member's surveys is
//     /<lang>/member/surveys/ (Czech /cs/clen/ankety/), beside the
//     portal's own routes; it says which are open and on which day the
//     member answered. The member id comes only from the session, never
//     from the form, and the member must be current (not left, not erased)
//     when the answer is written.
//
//   - Public surveys cannot promise one answer per person, and the
//     console and docs say so. They get the join form's guards: a honeypot
//     (a filled one gets the ordinary thanks and nothing is stored), a
//     keyed time token (a post sooner than MinSeconds after the form was
//     shown, older than a day, or with a forged token is refused with
//     everything typed kept), and a per-address limit kept in memory only
//     (429 with Retry-After).
//
//   - The form is server-rendered and works without JavaScript: every
//     choice and scale question is a fieldset with a legend, every
//     question says "(required)" or "(optional)", the form is novalidate
//     so the server's messages (in the page's language, beside the field
//     and in a summary linking to it) are what people see, and everything
//     typed comes back, with refused characters shown as U+FFFD
//     (console.Visible). Text answers refuse control characters and
//     direction overrides (internal/textrule; long answers allow line
//     breaks and tabs), and are limited to MaxShort and MaxLong characters;
//     a post over 256 KiB is 413 with the answers read before the cut kept.
//     Answers are written through db.Batcher (group commit): Submit returns
//     after the commit, and the page redirects to a thanks page (303).
//
//   - The form is its own page, not part of the survey page, because
//     internal/site caches content pages; the survey page links to it
//     (ctaType: fill, or a Markdown link in the body).
//
//   - Results are counted from the sealed answers on each request (a
//     survey has hundreds or thousands of answers, not millions). Charts
//     are SVG written here: fixed size, role="img" with a <title> and a
//     <desc> naming every number, labels escaped, and a table with the
//     same numbers beside each. Text answers are listed sorted (not in the
//     order given) in the console only, never on the public results page.
//     The CSV quotes a cell starting with = + - @ tab or CR so a
//     spreadsheet shows it as text; an anonymous survey's CSV holds the
//     answers only, in the stored random order, and is refused below
//     Suppress answers.
//
//   - Closing is audited (survey.close, by the organiser or "system") and
//     so is the CSV export (survey.export). Answering is not audited: the
//     takers' day is the record, and an audit row would be a timestamp
//     beside a member id.
//
//   - Erasing a member (members.Eraser, wired by the app) deletes their
//     answers to named member-only surveys in the same transaction.
//     Anonymous answers cannot be found and stay; so do the takers' rows
//     (an id and a day, which keep an erased member from answering again).
//
//   - Surveys live in content: a survey removed from the site disappears
//     from the console, but its stored answers stay in the database until
//     it comes back (the same id shows them again).
//
// Console permissions: list-surveys (the list, results, text answers and
// CSV — for a named survey that includes who answered), manage-surveys
// (close early).
package surveys
