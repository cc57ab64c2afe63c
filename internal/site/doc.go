// Package site serves a union's public website from a loaded content.Site with
// Unionhall's built-in theme: pages in every language under /<lang>/, feeds,
// sitemap, robots.txt, static files, bundle resources and the theme's CSS.
//
// Why it is built so:
//
//   - Speed comes from caching whole responses, not templates. A page is
//     rendered on first request and its complete bytes (identity and gzip,
//     with ETag and Content-Length ready) are kept in memory, so the hot path
//     is one map lookup and one write. The cache is a "generation": it belongs
//     to one Site and is valid until Site.NextChange(now) — the next moment a
//     future page becomes visible or an event changes state — or until
//     SetSite swaps in a reloaded site. Nothing has to be rebuilt on a
//     schedule, and no request ever sees a stale event state. A feature
//     whose contribution to a page (Options.EventExtra) depends on a
//     stored setting the site cannot see — registration closed early by an
//     organiser — calls DropCache after changing it.
//   - ServeCached (issue 8) lets the app answer a cached page before its
//     router and middleware: a cached path is one only the catch-all route
//     reaches, the response is complete (its own gzip variant and Vary), and
//     the security headers are assigned from web's shared slices, so the
//     answer is exactly the full stack's (internal/app's fast-path test
//     compares them for every page and request variant). Look-ups allocate
//     nothing: with no base URL, the host selects a map of its own instead
//     of being joined to the path.
//   - The cache's budget (DefaultCacheBytes, 4 MiB) is small on purpose: the
//     memory goal of issue 2 leaves little beside the loaded site, a miss
//     costs about a millisecond, and entries hold exactly their bytes
//     (no buffer slack) with compressors reused from a pool, so the budget
//     is what the cache really uses.
//   - Time is injected (Options.Now) so tests can walk an event through its
//     states exactly at its boundaries.
//   - The theme uses no JavaScript and loads nothing from other hosts: one
//     small embedded stylesheet served under a content-hashed URL with a long
//     cache lifetime, system fonts, QR codes generated here and inlined as
//     data: URIs. Share buttons are plain links.
//   - Every UI string goes through content.Site.T, so a union's
//     i18n/<lang>.toml can override it; the theme keeps its own Czech and
//     English wording as a last resort so a missing key never shows up raw.
//   - Other features (joining, event registration, admin) render inside the
//     same chrome with Layout, so the site looks like one thing. The
//     chrome around <main> is rendered once per generation, language,
//     title and alternates and kept split at the main content (a frame,
//     layout.go); each feature page writes head, its own HTML, tail.
//   - Member-only pages (content's Page.MembersOnly: front matter
//     `members: true` or `protected: true`, or a section that has it) are
//     gated before the cache, on the full path only (ServeCached declines
//     them): Options.Members, the member portal, says whether the visitor
//     has a member session, and everyone else gets its sign-in page with
//     401 in the page's language, never the content and never a 404. The
//     page, its pagination, feed and bundle files (all under its URL,
//     content.Site.MembersOnlyPath) are guarded alike. Members get the
//     cached bytes, sent private, no-store and noindex (privateWriter);
//     such pages are left out of the sitemap, feeds, navigation, the home
//     page and public lists. A `meetings` section lists coming and past
//     meetings by date with their agenda and minutes. Options.MemberExtra
//     (internal/votes: a meeting's votes) adds the reading member's own
//     HTML below such a page; it is asked on every request and a page it
//     adds to is rendered afresh and never cached, while a page it leaves
//     empty is served from the cache as before.
//   - Hostile input: URLs are never reflected into pages, file names are
//     checked with fs.ValidPath and dotfiles other than .well-known are not
//     served; the cache only stores responses for URLs that exist, so random
//     paths cannot grow memory.
package site
