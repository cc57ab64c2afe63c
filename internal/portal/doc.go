// Package portal is the member portal (issue 9): members sign in with
// nothing but their email, see and correct what the union holds about
// them, take it with them (JSON and PDF), read the member-only pages of
// the site, and can leave and be forgotten.
//
// Routes (Register): everything under /<lang>/member/ and, in Czech,
// /cs/clen/ (/cs/member/ redirects there): the home page (the sign-in form
// without a session), signin, link, details, application.pdf, export.json,
// export.pdf, leave, signout, signout-everywhere. The site's member-only
// pages ask SignedIn and show SignInPage (401) to everyone else.
//
// Why it is built so:
//
//   - Sign-in is the console's, on tables of its own. The one-time link
//     and session code is auth.Tokens, shared with internal/auth, over
//     member_login_tokens and member_sessions (migration 00050) and a
//     cookie of its own (unionhall_member), so a member session can never
//     pass for a console session, nor the other way round
//     (TestMemberSessionGrantsNothingInConsole). The link goes to the
//     email on the member's record (members.email_bidx), lives 15 minutes,
//     works once, and opens a page with a button: only the POST spends
//     it, so mail scanners cannot. The request answers the same, and as
//     fast, whether or not the address is a member's: the look-up runs
//     after the answer (as auth.RequestLink), and the rate limits
//     (auth.Limiter: 20 per client address and 5 per address in 15
//     minutes) count every attempt. A member who left can still sign in
//     until their data is erased, to take it with them; an erased one
//     cannot (the sweep ends their sessions and links).
//   - The registry is internal/members, reached through a small interface
//     defined here (Registry: find by email, load, update contact details,
//     request or withdraw leaving, who left before when, erase, notes) and
//     answered by registryAdapter, so the pages speak the portal's own
//     types. Only the signed application's PDF and date are read from
//     internal/membership's applications table, which the registry links
//     to but does not hold. The portal never imports the console.
//   - Editing goes through members.UpdateContact, which audits the changed
//     field names (never values) as the member's own act
//     (members.SelfActor) and refuses an email another member's record has
//     (under db.LockKey, as the console's edit), with the same words as
//     there. A changed email is told to the committee address (settings'
//     committee_email, else the site's params.committeeEmail) with the
//     member number and a console link only, because a changed address is
//     also how an account is taken over; the notice is queued after the
//     change committed, so none goes out for a change that did not happen.
//     The member signs in with the new address from then on.
//   - Export (export.go, docs/member-export.md): one BuildExport feeds the
//     JSON (stable snake_case names, a format and version field) and the
//     PDF (go-pdf/fpdf with the application PDF's embedded DejaVu subset,
//     in the member's preferred language). The JSON carries the signed
//     application PDF itself (base64): it is part of what the union holds.
//     The audit trail is given as actions and times with "member",
//     "committee" or "retention" as the doer: committee members are not
//     named to the member. Each download is recorded before it is sent.
//   - Leaving takes two POSTs (what happens, then a ticked box), without
//     script. The confirmed request goes to the registry
//     (members.RequestLeave: the committee's queue, LeaveRequests, and the
//     record's trail), and the member and the committee are told by email.
//     The committee records the leaving, as for any member (dues may need
//     settling first); until then the member can withdraw the request on
//     their page. Erasure follows from the leaving, not from the request:
//     RunRetention sweeps hourly for members who left more than [members]
//     erase_after_days ago (default 30; 0 = at the next sweep) and erases
//     them with members.Erase, which keeps the member number, dates and
//     workplaces so dues history stays whole, and ends their portal
//     sessions. The sweep reads the database each time, so a restart or an
//     outage loses nothing: what fell due meanwhile goes at the next run.
//     It applies to every member who left, however they left: personal
//     data is kept only as long as needed.
//   - Bad input keeps what was typed: the form comes back (422, 409 for an
//     address another member has) with an error summary linking to each
//     field, the message beside it, every value as typed with refused
//     characters (control, direction overrides) shown as "�". Nothing is
//     written until every check passed.
//   - No personal data in URLs (the sign-in email is POSTed; the only
//     query parameters are the link's token, a local return path and
//     saved=1) or logs (log lines name what failed, never whom). Pages are
//     no-store, noindex and no-referrer. The portal has no JavaScript.
//   - Czech and English (messages.json); other site languages fall back to
//     English texts. Pages speak the language of their URL; emails to the
//     member speak their preferred language; notices to the committee the
//     site's default language.
package portal
