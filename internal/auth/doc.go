// Package auth is who may use the console: accounts, passwordless sign-in
// by emailed one-time link, server-side sessions, and the audit trail's
// writer.
//
// Why it is built so:
//
//   - No passwords. A committee of volunteers reuses passwords; a link sent
//     to the address the union already trusts is safer and needs no reset
//     flow. `unionhall admin create` prints the first link, so the first
//     administrator gets in before mail works.
//   - Links are spent by a POST. The emailed URL opens a page with one
//     button; only pressing it spends the token. Mail scanners and link
//     previews that fetch every URL therefore cannot burn (or use) the link.
//     The token may sit in the query string because the access log never
//     logs query strings, and pages send Referrer-Policy: no-referrer. It
//     lives 15 minutes, works once (one UPDATE … WHERE used_at IS NULL …
//     RETURNING, so two concurrent presses cannot both win), and only its
//     SHA-256 is stored.
//   - Sessions live in the database (table sessions), keyed by the SHA-256
//     of a random 256-bit cookie value: a copy of the database lets nobody
//     in, "sign out everywhere" is one DELETE, and several server processes
//     share them. Idle time-out 2h, absolute 12h. last_seen_at is written at
//     most once a minute so reading pages does not queue on SQLite's single
//     writer. The cookie is HttpOnly, SameSite=Lax, and Secure when the
//     request came over TLS or the public URL is https.
//   - The login form answers the same whether or not the address has an
//     account. Rate limits (per client address and per email's blind index,
//     fixed windows in memory) count every attempt, so a limit reveals
//     nothing either. Memory is enough: the goal is to stop a flood of
//     emails from one process, not to be exact across processes. Nor does
//     the time to answer differ: the account look-up and the write that only
//     a known address causes run after the answer, in the background
//     (RequestLink; TestLinkRequestAnswersBeforeAccountWork).
//   - Permissions are the roles themselves (list-members, view-member, …)
//     stored space-separated on the account; no role → permission mapping
//     to keep in sync. A workplace representative is an account linked to
//     workplaces (account_workplaces); without holding list-members or
//     view-member they still get those for their own workplaces, and
//     Account.Scoped tells the queries to limit the rows. super-powers gates
//     only the dangerous actions and is not a wildcard.
//     Events have their own two: list-events (counts, registrants with
//     their personal data, the CSV export, check-in at the door) and
//     manage-events (close or reopen registration early, message the
//     registrants). A workplace representative gets neither through their
//     workplaces: event registrants belong to no workplace.
//   - The audit trail (table audit) is written here because every feature,
//     and sign-in itself, writes it; Audit takes the caller's transaction
//     so an action and its record commit together. It is append-only and
//     holds ids and field names, never personal data.
//   - Passkeys (go-webauthn): after a first sign-in by link, a person
//     registers passkeys on /auth/account and can then sign in with one
//     alone (discoverable credentials, so no email is typed). The ceremony's
//     challenge travels in a sealed, 5-minute, SameSite=Strict cookie rather
//     than in memory, so any server process can finish it. A signature
//     counter that goes backwards (a cloned authenticator) is refused.
//     Passkeys need a domain name as relying-party id: with an IP address
//     as the public URL they are not offered. The only JavaScript of the
//     console is static/passkey.js (served from our origin, CSP-clean);
//     without it the passkey buttons stay hidden.
//   - Optional OIDC single sign-on (coreos/go-oidc + x/oauth2): code flow
//     with PKCE, state and nonce in an HttpOnly cookie, ID token verified
//     against the issuer's keys. Roles come from a configurable claim path
//     (Keycloak: resource_access.<client>.roles) and workplaces from
//     another (ids or names); both replace the account's at every SSO
//     sign-in, so the identity provider stays the source of truth. A person
//     with neither gets no account. The issuer is discovered on first use,
//     so a provider that is down does not stop the server.
//   - Language (lang.go, messages.json): pages, errors and the emails a
//     request causes speak Czech or English. Signed in, the account's own
//     choice (accounts.lang, set on the account page, audited) wins; else
//     Accept-Language; else English. The sign-in email takes the language
//     of the request that asked for it (carried in the context into the
//     background half of RequestLink); an invitation takes the inviting
//     member's. passkey.js reads its status texts from data attributes the
//     server fills in the page's language, so it has no catalog of its own.
package auth
