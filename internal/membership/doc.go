// Package membership is the union's joining flow (issue 3): the application
// form and its JSON API, spam protection, sealed storage, the verification
// email with the application PDF, confirmation, and the committee notice.
//
// Routes (Register): GET/POST /{lang}/join/ (also served at the site's
// `register` section URL through ServeForm), GET /{lang}/join/sent/,
// GET and POST /{lang}/join/confirm, POST /{lang}/join/resend,
// POST /api/registration/join, GET /static/membership/{signature.js,join.css}.
//
// Why it is built so, and the decisions the issue left open:
//
//   - Durable before acknowledged. A valid submission is sealed first (outside
//     the transaction, which db.Tx may re-run), then the application row and
//     the verification job commit in one transaction; only then does the
//     person see "check your email" (303 → /{lang}/join/sent/, so a reload
//     cannot submit twice) or the API answer 202.
//
//   - Nothing personal in the clear. All personal fields are one JSON blob
//     sealed with AAD bound to table, column and row id; the signature PNG
//     and the PDF are sealed the same way. The email is found only through a
//     keyed blind index of its normalised form. Plain columns: random id,
//     state, dates, the preferred language (needed to choose the email and
//     PDF language, and not identifying) and the typed-signature flag.
//     The raw confirmation token exists only in memory and inside the sealed
//     outbox message; the database keeps its SHA-256.
//
//   - One job makes the PDF, stores it, replaces the tokens and queues the
//     email, in one transaction. The job payload carries a send id that is
//     recorded with the email, so a job delivered twice (the queue is
//     at-least-once) sends once. Sending a new link expires the older links:
//     only the newest email confirms.
//
//   - Confirmation is a POST. The emailed link opens a page with a Confirm
//     button (the GET reads the token's state and changes nothing), so mail
//     scanners confirm nobody. Confirming moves unverified → processing, sets
//     confirmed_at and queues the committee notice in the same transaction.
//     The notice holds only <BaseURL>/admin/applications/<id>, in the site's
//     default language, to settings' committee email, else the site param
//     committeeEmail; with neither, nothing is sent and a warning is logged.
//     Expired or used links show a page offering a new link by email; its
//     answer is the same whether an application exists or not. A used link
//     of a confirmed application says "already confirmed" (the holder of the
//     token learns nothing new).
//
//   - Repeats. A submission whose email matches an application of the last
//     24 hours (not invalid) stores nothing: an unverified one gets a fresh
//     verification email (new token, old ones expired, original data and PDF
//     kept — a stranger who knows the address cannot overwrite it); a
//     confirmed one gets nothing. The person always sees the same page, so
//     the answer never reveals whether an application exists. After 24 hours
//     a new application is a new row (people re-apply after a rejection).
//     Simultaneous submissions of one address (a double click, a retrying
//     client) take turns on db.LockKey over the email's blind index, so they
//     too make one row (TestSimultaneousRepeatsMakeOneRow, both engines).
//
//   - Spam without third parties. A honeypot field (in an aria-hidden,
//     off-screen container, tabindex=-1, autocomplete=off), a signed
//     timestamp (HMAC under a key derived from the keyring like a blind
//     index; sooner than MinFillTime or forged → refused; older than 24 h →
//     asked to send again), and a per-client token bucket in memory
//     (RateLimit per RateWindow, IPv6 grouped by /64, swept as buckets
//     refill, bounded to 100 000 clients). The bucket is charged only for
//     valid submissions that reach the database or send mail, so a person
//     fixing typos is never locked out, while a flood of valid-looking
//     applications is. A honeypot or timestamp refusal gets the form back
//     (400) with what was typed kept and one neutral message, the same for
//     each, so a bot cannot tell which check tripped. A honeypot hit is
//     deliberately not answered with a fake "sent": a password manager may
//     fill the hidden field for a real person, who would then wait for an
//     email that never comes. A stale timestamp (the form left open over a
//     day) asks to send it again, data kept, with a fresh timestamp. Over
//     the rate limit the form comes back (429, Retry-After) with everything
//     kept — the signature too, as after any error — saying that nothing was
//     sent and roughly when to send again ("60 min", "2 h": abbreviations
//     need no Czech plural forms). A failing database also gets the form
//     back (503) with everything kept. Whenever the timestamp itself passed
//     (a validation error, the size or rate limit, the database), the form
//     keeps the original one, so sending again is not "too fast". The JSON
//     API has no honeypot or timestamp (the calling sites cannot carry
//     them) and no statutes checkbox (those sites ask on their side); the
//     rate limit and every other rule apply.
//
//   - The API from other sites' pages. A union's existing website may call
//     POST /api/registration/join (APIPath) with fetch from the visitor's
//     browser, often from another origin. The app opens that path, and only
//     it, to the origins in the join.allowed_origins setting (exact origins,
//     no "*"): web.CrossOriginRoutes answers the CORS preflight, adds
//     Access-Control-Allow-Origin and lets those origins past the
//     cross-origin protection; it sends no Allow-Credentials, so no cookies
//     travel. Other sites get 403 and nothing is stored; the join form and
//     every other route still refuse cross-origin posts. Server-to-server
//     calls (no Origin) and same-origin pages need no setting. The rate
//     limit counts the visitor, not the calling site, and behind a trusted
//     reverse proxy the visitor rather than the proxy (web.ClientKey).
//
//   - Validation (validate.go) is shared by the form and the API; error
//     codes are the API's: required, email, employer_email, length,
//     characters, date, age, phone, postal_code, language, choice, type, and
//     the signature package's codes. Text is trimmed and NFC-normalised;
//     control characters, bidi overrides and isolates (U+202A–U+202E,
//     U+2066–U+2069) and BOM are refused. Company and occupation are
//     required (the issue lists only address and postal code as optional).
//     The date of birth also accepts "31. 5. 1990"; the age is counted on the
//     site's calendar. Phones become +<country code><digits>, the default
//     code from site param defaultCountryCode, else 381 for a site whose first
//     language is Serbian, else 420; a national trunk 0 is dropped. Czech and
//     Slovak postal codes are written "123 45".
//
//   - The form is server-rendered and works without JavaScript: upload
//     (multipart) and typed signature need none; drawing appears only when
//     signature.js runs. The drawn or uploaded signature is kept across an
//     error as a data URL of our own re-encoded PNG (never the raw upload)
//     and shown as a preview. No inline scripts or styles (CSP). The body
//     is read as a stream rather than with ParseMultipartForm, so a request
//     over 3 MB still yields the fields before the point where it went over
//     (a browser sends them in the form's order: everything above the
//     signature upload): the form comes back (413) with them kept, the
//     upload named as too large and the limits stated. The rest of such a
//     body is read and dropped up to 32 MB, so the browser reads the answer
//     instead of a connection reset; nothing goes to temporary files.
//
//   - Texts are in messages.json (cs and en; other languages fall back to
//     English), one embedded file for translators.
package membership
