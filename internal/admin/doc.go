// Package admin is the committee's console under /admin/: applications,
// members, workplaces, exports, the dashboard and the audit trail.
//
// The member records themselves — members, numbers, occupation history,
// workplaces and representatives, notes, leaving and erasure, with their
// SQL and sealing — are the member registry's (internal/members), which
// the portal and later features share; the console holds the pages and
// calls the registry (Deps.Members; New builds one when none is given, as
// the tests and `unionhall dev seed` do). Nothing outside the console
// imports it. The audit trail is written and read through internal/auth
// (auth.Audit, auth.AuditFor, auth.SearchAudit).
//
// Why it is built so:
//
//   - The console is a shell: layout, navigation, sessions, the one
//     permission table, the dashboard, accounts and the audit trail, plus
//     the pages of applications, members, workplaces, emails and exports.
//     Every other feature plugs in a console.Section from its own folder
//     (Deps.Sections; internal/console is the contract, so no feature
//     imports this package): its navigation entry (with a dashboard
//     hint), its routes with their permission and handler, its
//     permissions with labels in Czech and English (console.Declare, which
//     makes them grantable in auth.Roles), its page templates, parsed with
//     the shell's layout and functions, and its flash codes. The events
//     pages are the first (internal/events, console*.go).
//   - One route table (Routes): the shell's own routes, then each
//     section's. Register wraps every entry in the session middleware
//     (internal/auth) and a permission check; New panics on a route whose
//     permission nobody declares, on a route twice, and on a section's
//     route outside /admin/. TestRouteTableDeclared holds a hand-written
//     copy of every route's permission (the sections' included), so a new
//     route — or a whole new section the rig plugs in as the server does —
//     fails the tests until someone decides who may use it; TestRouteByRole
//     walks every route with every role, a representative, an account
//     without roles and an anonymous visitor.
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
//   - Member numbers, sealing, the name search and its cache, and the
//     duplicate checks are the registry's (see internal/members). The
//     console's accept (AcceptWith) is one transaction: the application
//     moves to accepted and members.Registry.Join makes (or links) the
//     member, so 100 concurrent accepts still give 100 distinct numbers
//     on both engines (TestConcurrentAcceptsGetDistinctNumbers).
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
//   - Duplicates: the registry refuses a second member with an email a
//     member has (members.DuplicateError, checked under a lock on the
//     email's blind index; TestConcurrentAcceptsOfOneEmail) until the
//     committee chooses: "link to the existing member" (the person who
//     left and rejoins keeps their number; the previous application stays,
//     accepted, named in the trail as member.rejoin / member.link) or
//     "accept anyway as a new member" / "add anyway" / "the same address
//     is shared" (the trail says the committee knew). The console answers
//     409 with the choice on the same page, and names and links a matching
//     member only for a viewer who may open that member; anyone else
//     learns that a member has the email and nothing more.
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
//   - Bad input loses nothing (console.Form). A form that comes back with
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
//   - Events are a section (internal/events: counts, registrants, check-in
//     at the door, the CSV export, messages and closing registration,
//     behind list-events and manage-events, which the events feature
//     declares). Their tests stay here (events_test.go): they exercise the
//     section inside the shell, and a test in internal/events would have to
//     import the console.
//   - Texts: the shell's messages.json and each section's are one catalog
//     (console.AddTexts, from each package's init), so a section's pages
//     use the shell's words (form errors, field labels) and the shell
//     labels a section's permissions; a key two catalogs define
//     differently panics. The audit codes' labels stay here, with the
//     audit page that shows them (AuditActions lists the sections' codes
//     too).
//   - Forms (internal/console, forms.go) are the shared form kit of every
//     console page, the shell's and the sections'.
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
// Erasure on leaving is the registry's (members.Registry.RecordLeaving,
// Erase): the member's sealed data, occupations and notes go, and the
// registry's erasers run in the same transaction — the one for
// applications (membership.MemberApplicationEraser) erases every
// application the member signed (applications.member_id, migration 00043;
// TestEraseClearsEveryApplication, TestMigrationBackfillsApplicationMember);
// the member number, dates, workplaces and the audit trail stay, so dues
// history (keyed by number) remains intact. The console's confirmation
// page counts those applications with membership.CountMemberApplications.
package admin
