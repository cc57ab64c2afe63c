// Package console is the contract between the committee's console (the
// shell, internal/admin) and the features that plug pages into it:
// Section (navigation entries, routes with their permission and handler,
// declared permissions with labels in Czech and English, page templates),
// Page (what a handler answers with: a page inside the console's layout,
// an error page), the console's texts, and the form kit every console page
// uses to answer bad input (Form).
//
// Why a package of its own: features must not import the console (it
// imports them, through the wiring, to show their pages), and the shell
// must not know each feature's pages. Both import this small package
// instead — a feature's console pages live in its own folder
// (internal/events/console*.go) and the shell only walks the sections it
// is given. It is not under internal/web because it is not HTTP plumbing
// for every page: it knows console accounts (auth.Account), permissions
// and the console's layout rules.
//
// Why the permissions and texts are declared from init (Declare,
// AddTexts): they are static facts of a feature, and the command line
// (`unionhall admin create --role`) must accept a feature's permissions
// without building its services, as database/sql drivers register
// themselves. Routes and navigation, which need the feature's running
// service, come in the Section the wiring builds.
//
// The form kit's own messages (messages.json: a required field, a text
// too long, a refused character…) are part of the console's texts, so a
// section's form says what is wrong in the same words as the shell's.
//
// Bad input loses nothing (forms.go). A form that comes back with
// problems is the same page again, never a separate error page: 422, or
// 409 for a conflict the person can resolve; an error summary at the top
// (role="alert") linking to each field by id; the message next to the
// field, which carries aria-invalid and aria-describedby; and every value
// as typed, html/template escaping markup. Characters the console refuses
// — control characters, the direction overrides and marks such as U+202E,
// broken UTF-8 — each get their own message and are shown as "�" in the
// field, so the person sees where they are and an unchanged resubmission
// is refused again. The refused characters are internal/textrule's, the
// rule the public forms use too, so a value the join form accepted is never
// refused when the committee edits it, and the other way round.
package console
