// Package events is built-in registration for events on the public site:
// the registration form, a personal page to see, change or cancel, the
// waiting list, confirmation / promotion / reminder / "time changed" emails,
// calendars (.ics per event, a feed per language, add-to-calendar links) and
// the erasure of registrants' personal data after the event. It also holds
// its own pages of the committee's console — a console.Section
// (console_section.go: navigation, routes, the list-events and
// manage-events permissions it declares; console.go and
// console_handlers.go; templates in console/, texts in console.json) — on
// the store API of admin.go. It imports internal/console, the contract,
// never the console itself (internal/admin).
//
// Why it is built this way:
//
//   - An event's settings live in its front matter (`registration:
//     internal`, `capacity`, `registrationCloses`, `meetingUrl`, `anonymous`,
//     `questions`, `reminder`, `id`), read by FromPage. Its key is `id`, else
//     the content file path without the language suffix, so the Czech and
//     English pages share one list of seats and a changed title or date keeps
//     the registrations.
//
//   - Never over-booked. Every change of seats runs in one transaction that
//     first takes the event's row in event_state: on SQLite the single writer
//     connection (BEGIN IMMEDIATE) serialises such transactions anyway; on
//     PostgreSQL the row is locked with SELECT … FOR UPDATE, so two
//     registrations cannot both see the last free seat. The same row holds
//     the live counters (the seat count is one primary-key read), the last
//     seen start and end (a change bumps the calendar SEQUENCE and queues the
//     "time changed" emails) and which reminder and erasure jobs are
//     scheduled.
//
//   - The registration form is its own page at <event URL>register/, not a
//     block inside the event page: internal/site renders and caches event
//     pages, and the seat count and a kept form must never be cached. The
//     event page stays static and fast and shows only a "Register" link and
//     the calendar links (site.Options.EventExtra → Service.EventExtra).
//
//   - Closing early must reach that cached page. The button depends on two
//     things: the deadline (time: the site's cache ends there through
//     NextDeadline) and the organiser's "closed early" flag (stored in
//     event_state.closed, set by SetClosed from the console). EventExtra
//     reads the flag on each cache miss — one primary-key read, never a
//     live number — and SetClosed, after its transaction commits, calls
//     Deps.PublicChanged, which the app wires to site.Server.DropCache, so
//     the next visitor sees the button gone (or back after reopening) at
//     once. It is done inside SetClosed so the console (or any other
//     caller) cannot forget it. A closed event's page says registration
//     has closed rather than silently lacking the button. The registration
//     page and its POST, never cached, check the flag themselves; the POST
//     refuses before judging the answers (409, "Nothing was saved", in the
//     page's language), and Signup checks again under the event's lock. The
//     app wires PublicChanged to internal/changes, so on PostgreSQL every
//     other server process sharing the database drops its cached pages
//     too (LISTEN/NOTIFY); should a notice be lost, its registration page
//     and POST still refuse.
//
//   - The form marks every field it requires, as the membership form does:
//     name, email and the organiser's `required: true` questions say
//     "(required)" in the visitor's language and carry `required` and
//     aria-required (for screen readers; the form is `novalidate`, so the
//     server's messages, in the visitor's language and with everything
//     typed kept, are what people see); optional questions say
//     "(optional)". A missing required answer is listed in the error
//     summary under the question's label and flagged beside the field.
//
//   - Every refusal is a page of the site's layout in the visitor's
//     language that says nothing was saved (or changed) and what to do,
//     with what was typed kept in the form: closed (409), invalid (422),
//     rate limit (429, Retry-After: the window's hour), a failing database
//     (503), and a post over 64 KB (413). Such a post cannot be parsed
//     whole, so the pairs before the cut are kept and the field the limit
//     fell in — nearly always a text pasted too long — is named with its
//     limit; a post cut before its personal-link token gets a page saying
//     to open the link again. A filled honeypot on the registration form
//     gets the ordinary "check your email" page and nothing is stored: the
//     field has the hidden attribute, so people and password managers do
//     not fill it, and a bot learns nothing.
//
//   - Once the event is over (as the public site shows it: after its end,
//     or its start when it has none) a registration can be neither changed
//     nor cancelled: there is no seat left to pass on, and the organiser's
//     record of who was registered must stay. The personal page offers no
//     forms and says why; a change or cancellation posted anyway gets 409
//     and the same reason, and Update and Cancel themselves return
//     ErrEventOver, so no other caller can get round it.
//
//   - Personal data is sealed: name (or nickname), email and answers are one
//     sealed JSON blob bound to the row id; the email is found through a
//     blind index scoped to the event. The personal link's token is stored
//     only as its hash and travels in the query string (never logged: the
//     access log keeps paths only); every page with a token is no-store and
//     no-referrer. The same email twice gets the link re-sent with a fresh
//     token, and the page answers the same either way, so the form cannot be
//     used to learn who registered. Cancelling erases the person's data at
//     once; everyone's is erased Retention (30 days) after the event ends,
//     keeping only statuses and counts. Anonymous events ask for a nickname.
//
//   - The meeting link is for registered people only: it appears in the
//     confirmation (for a confirmed seat), the promotion email, the reminder
//     and the personal page, never on a public page or in a public calendar.
//
//   - Emails go through the outbox inside the transaction that decided
//     them, so they are sent if and only if the change committed. Reminder,
//     "time changed" and erasure run as durable jobs carrying only the event
//     key; each re-reads the current state, so a job for an old date is a
//     no-op, and each person is marked (reminded_at, notified_seq) in the
//     same transaction that queues their email: exactly once, also across a
//     restart or a second server process.
//
//   - Calendars are written by a small writer of our own (ics.go) with a
//     VTIMEZONE derived from Go's zone data; tests parse every calendar back
//     with github.com/arran4/golang-ical.
package events
