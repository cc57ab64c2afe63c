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
//     cannot (erasure deletes the sessions and links too).
//   - The registry is an interface (Registry) defined here, with what the
//     portal needs: find by email, load, update contact details, record a
//     leave request, erase, the signed application PDF, notes.
//     tableRegistry answers it from the member tables, with the console's
//     sealing (members.data JSON under AAD members/data/<id>, the blind
//     index member.email), until the member registry package lands; the
//     portal never imports the console.
//   - Editing is audited by field names only ("by the member; changed:
//     phone"), in the change's own transaction. A changed email is checked
//     against other members' records under db.LockKey (as the console's
//     edit) and refused with the same words as there; the committee
//     address (settings' committee_email, else the site's
//     params.committeeEmail) is told in the same transaction, with the
//     member number and a console link only, because a changed address is
//     also how an account is taken over. The member signs in with the new
//     address from then on.
//   - Export (export.go, docs/member-export.md): one BuildExport feeds the
//     JSON (stable snake_case names, a format and version field) and the
//     PDF (go-pdf/fpdf with the application PDF's embedded DejaVu subset,
//     in the member's preferred language). The JSON carries the signed
//     application PDF itself (base64): it is part of what the union holds.
//     The audit trail is given as actions and times with "member",
//     "committee" or "retention" as the doer: committee members are not
//     named to the member. Each download is recorded before it is sent.
//   - Leaving takes two POSTs (what happens, then a ticked box), without
//     script. The member stops being a member at once (left_at), the
//     request is marked (leave_requested_at, which the console shows), the
//     member and the committee are told by email, and erasure is due after
//     [members] erase_after_days (default 30; 0 erases in the same
//     transaction). Erasure is a durable job (portal.erase) enqueued with
//     the request, so a restart cannot forget it; it keeps the member
//     number, dates and workplaces, as the console's erasure does, so dues
//     history stays whole. A request the committee has withdrawn meanwhile
//     (leave_requested_at cleared) is not erased.
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
