// Package admin is the committee's console under /admin/: applications,
// members, workplaces, exports, the dashboard and the audit trail.
//
// Why it is built so:
//
//   - One route table (Routes): method, pattern, permission, handler.
//     Register wraps every entry in the session middleware (internal/auth)
//     and a permission check, and panics on an entry without a permission.
//     TestRouteTableDeclared holds a hand-written copy of every route's
//     permission, so a new route fails the tests until someone decides who
//     may use it; TestRouteByRole walks every route with every role, a
//     representative, an account without roles and an anonymous visitor.
//   - Scoping is on the data. A workplace representative passes the route
//     check for list-members/view-member, and then every member query
//     carries the SQL condition from scope(): only members linked to the
//     representative's workplaces. Another workplace's member is "not
//     found" (404), the same answer as a made-up id.
//   - The console reads the applications table itself, with the sealed
//     JSON type (membership.Applicant), states and job kind imported from
//     internal/membership so the two cannot drift apart; it does not go
//     through membership's handlers, which can change freely. "Re-send
//     verification" queues membership's own job.
//   - Member numbers: a counters row ('member_number') is incremented with
//     UPDATE … RETURNING inside the accepting transaction. The row lock
//     (PostgreSQL) or the single writer (SQLite) makes concurrent accepts
//     take turns, so numbers are distinct and dense; numbers already taken
//     by hand are skipped; members.number is UNIQUE as the last line of
//     defence (a violation re-runs the transaction, or is reported as
//     "already taken" for a chosen number). 100 concurrent accepts give 100
//     distinct numbers on both engines (TestConcurrentAcceptsGetDistinctNumbers).
//   - Personal data is sealed per row (members.data JSON, occupations,
//     notes); email look-ups use a blind index. A search by name has to
//     open every member in scope, which is cheap enough at the union's size
//     (see BenchmarkMembers: 10,000 members); a number or an email is found
//     by index. Names fold diacritics, so "dvorak" finds "Dvořák".
//   - Every state change, edit, export, and every opening of an application
//     or member page writes an audit entry in the same transaction. Details
//     name fields and numbers, never values.
//   - Safety: pages are noindex and no-store (set by auth.Middleware), the
//     CSP of internal/web allows no inline script (the console has no
//     JavaScript at all), every state change is a POST behind
//     http.CrossOriginProtection (web.Stack), ids in URLs are random, and a
//     member search is POSTed so a name or email never lands in a URL.
//   - Files (person.go): an application's signature and PDF are served
//     under the application to view-application holders, and under the
//     member's record (its Files section: the application the member is
//     linked to) to whoever may view that member, scoped like the member
//     page, so a workplace representative gets the files of their own
//     workplaces' members and "not found" for anyone else's. That is no
//     more than the member page already shows them (address, birth date),
//     and the signed application is part of the member's record; opening
//     applications as such stays with view-application. Every file served
//     is an opening of the person's data and is in the audit trail
//     (application.pdf/.signature, member.pdf/.signature naming the
//     application), written before the file goes out; the signature shown
//     on the application page records an entry each time it is shown.
//   - Duplicates: accepting an application and adding a member by hand
//     look for members with the same email (members.email_bidx) inside
//     the writing transaction, after db.LockKey on that index, so two
//     accepts of one person's two applications take turns and the second
//     sees the first's member (TestConcurrentAcceptsOfOneEmail). A match
//     is refused (409) until the committee chooses. "Link to the existing
//     member" is meant for the person who left and rejoins (or re-applied
//     by mistake): the record keeps its number (dues history stays one),
//     one who had left is a member again with onboarding to do anew, the
//     contact data becomes the application's (the person has just signed
//     it), the occupation is added to the history unless it is the latest
//     entry, and the record now points to this application, whose PDF and
//     signature become its files; the previous application stays,
//     accepted, named in the trail (member.rejoin / member.link), and
//     still the member's (applications.member_id, see erasure). Linking
//     goes to the match who has not left, else the highest number. "Accept
//     anyway as a new member" (and "add anyway" by hand) is for two people
//     sharing an address; the trail says the committee knew. The notice on
//     the application page and the refused form name and link a matching
//     member only for a viewer who may open that member; anyone else
//     learns that a member has the email and nothing more. Erased members
//     have no email index and never match. Editing a member's email to one
//     another member has is refused the same way (409, under db.LockKey on
//     the new email's index) until the committee ticks "the same address is
//     shared"; an unchanged email is not checked again.
//   - Irreversible actions take two steps, without script: the button for
//     erasing a member's personal data and the one for deleting an
//     application for good are GET forms leading to a confirmation page
//     (recorded as an opening) that lists what goes and what stays; only
//     its POST acts, and only with the member number typed as shown, or
//     the box ticked. Anything else is that page again (422), nothing
//     changed. The old erase=yes on /leave now leads to the confirmation.
//   - The dashboard shows super-powers holders the number of dead
//     background jobs (emails and PDFs that failed for about three days,
//     jobs.Queue.Counts) with the command that runs them again.
//   - Plain server-rendered HTML with its own small chrome and style sheet
//     (/admin/static/admin.css): the console must work for volunteers on
//     any device, and axe-core finds no violations on any page
//     (TestAdministratorAcceptsInBrowser).
//   - Bad input loses nothing (forms.go). A form that comes back with
//     problems is the same page again, never a separate error page:
//     422, or 409 for a conflict the person can resolve (a member number
//     someone has, a record already in another state); an error summary
//     at the top (role="alert", focused by autofocus since the console
//     has no script) linking to each field by id; the message next to the
//     field, which carries aria-invalid and aria-describedby; and every
//     value as typed, html/template escaping markup. Characters the
//     console refuses — control characters, the direction overrides and
//     marks such as U+202E, broken UTF-8 — each get their own message and
//     are shown as "�" in the field, so the person sees where they are
//     and an unchanged resubmission is refused again. Checks run before
//     anything is written, and a conflict found while writing rolls back
//     with the change, so a failed submit stores nothing (the page shown
//     again records its opening in the audit trail, like any opening).
//     The page comes back only to someone who may see it: a
//     resolve-applications holder without view-application gets the
//     problems on a plain error page, not the applicant. Forms use
//     novalidate so every message comes from the server, in the
//     console's language rather than the browser's. A body over 64 KiB
//     cannot be read and is still refused on an error page (400); fields'
//     maxlength keeps a browser below it.
//   - Emails to members (the welcome email): Markdown templates per
//     language with {first_name}, {last_name}, {member_number} and
//     {fee_info}; defaults ship in mail/*.md, edits live in email_templates
//     and "restore the default" deletes them. Variables are substituted as
//     plain text and goldmark renders without raw HTML, so a hostile name
//     cannot inject markup. Preview first, then send through the outbox in
//     the same transaction as the audit entry.
//   - Events (events.go): counts, registrants, check-in at the door, the
//     CSV export, messages and closing registration, on the store API of
//     internal/events, behind list-events and manage-events. Check-in,
//     closing and messages hand their audit entry to the store (events.InTx),
//     which runs it inside the change's own transaction: like every other
//     console action, a change and its record commit together.
//   - Czech and English (i18n.go, messages.json). The committee works in
//     Czech, but volunteers and staff who do not read Czech help too, so
//     each person gets their own language: the account's saved choice
//     (the language select on /auth/account, accounts.lang, migration
//     00041) when there is one, else the browser's Accept-Language
//     (web.NegotiateLanguage over auth.Languages), else English. The
//     choice lives on the account, not in the URL or a cookie: console
//     URLs are bookmarked and shared between committee members, and the
//     choice follows the person to every device. guard settles the
//     language once per request (auth.WithLang) before the permission
//     check, so even a refusal is in the right language. Templates are
//     parsed once per language with a function map bound to it, so
//     {{t "key"}} works everywhere, nested templates included; tests walk
//     the templates and the Go code for every key and check both
//     languages have it, with the shared checks of
//     internal/web/catalogtest. Counts use CLDR plural forms
//     (x/text/feature/plural): "1 přihláška, 3 přihlášky, 5 přihlášek".
//     What stays as stored: audit action codes, record types and details
//     are written in English codes and shown translated (AuditActions
//     lists the codes; an unknown one shows as itself, and the code stays
//     visible next to its label so the audit search, which matches codes,
//     keeps working); details are free text written at the time and are
//     shown as stored, but for an application's state change, whose
//     states are translated. Times are numeric (2006-01-02 15:04), the same in
//     both languages. CSV exports (members, newsletter, event
//     registrants) keep English column headers in every language: they
//     are a machine format that spreadsheets and scripts read, and a
//     header that changed with the exporter's language would break them
//     (the export form shows each column's translated name next to its
//     header). Member and email-template data, event titles and the
//     welcome email are content, in the language they were written in.
//
// Speed (BenchmarkMembers, 10,000 members and 2,000 applications from
// Seed, on the shared 2-core test machine under load): members list first
// page p99 ≈ 1.3 ms SQLite / 8 ms PostgreSQL; member detail p99 ≈ 0.5 ms /
// 1 ms; search by email or number < 1 ms; search by name p99 ≈ 130 ms /
// 55 ms once the search cache is warm (the first name search after a start
// opens all 10,000 rows: ≈ 130–340 ms; WarmSearch does it at start).
//
// Erasure on leaving replaces the sealed data with an empty record and
// deletes occupations and notes, and erases every application the member
// signed the same way (empty sealed data, no signature, PDF, notes, tokens
// or email index; the rows stay, accepted, so the trail's references
// resolve); the member number, dates, workplaces and the audit trail stay,
// so dues history (keyed by number) remains intact. "Every application" is
// applications.member_id (migration 00043), set on accepting and on
// linking, because members.application_id names only the latest one and a
// re-join link moves it; the migration fills it in from
// members.application_id (links arrived with the column, so there are no
// older ones) (TestEraseClearsEveryApplication,
// TestMigrationBackfillsApplicationMember).
package admin
