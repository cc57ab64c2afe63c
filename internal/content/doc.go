// Design notes for package content.
//
// A union already has a Hugo site; Unionhall must serve that folder as it is,
// so the loader follows Hugo's conventions wherever the site can tell the
// difference and keeps the rest small:
//
//   - Config: the first of hugo.toml, config.toml, hugo.yaml/yml,
//     config.yaml/yml, hugo.json, config.json. Keys are case-insensitive and
//     params keys are lower-cased, as in Hugo. Unknown keys are ignored (Hugo
//     sites carry many). Hugo's config/_default/ directory is not read.
//     `[unionhall] timesInUTC = true` makes "Z" times real UTC.
//   - Every language lives under its prefix (/cs/, /en/). `url` front matter
//     is relative to that prefix ("deklarace" in a Czech page is
//     /cs/deklarace/); a `url` already starting with /<lang>/ is kept. All
//     page URLs end in "/". White space and control characters in `url` or
//     `aliases` become "-" and are reported: a URL travels into hrefs, the
//     sitemap, feeds, calendars and Location headers, where a line break
//     would start something new (found by FuzzLoadPage).
//   - Without a permalink pattern a page is at /<lang>/<dirs>/<slug or file
//     name>/, with every segment urlized (lower case, no diacritics). A
//     section list is at the static prefix of its pattern (/akce/:year/:slug/
//     -> /cs/akce/) so trimming an event URL lands on the list.
//   - Times written with "Z" or with no zone are wall-clock times in the
//     site's zone (that is how the unions write them); explicit offsets are
//     respected; a date alone is local midnight. An unparsable publishDate
//     hides the page (a typo must not publish early) and is reported.
//   - `expiryDate` (Hugo) hides a page from that instant; `aliases` give old
//     URLs that the server may redirect (Site.AliasTarget).
//   - Markdown is rendered once at load with goldmark (GFM, heading IDs made
//     ASCII so they survive sanitising). A document containing raw HTML is
//     rendered with that HTML kept and then sanitised with bluemonday's UGC
//     policy, because content comes from many hands; a document without raw
//     HTML goes through goldmark's safe renderer (which escapes text and
//     drops javascript: and similar URLs) and skips bluemonday, which would
//     otherwise be the biggest cost of loading a large site.
//     External links get rel="noopener noreferrer": a visitor's browsing is
//     nobody else's business. Control characters and bidi overrides
//     (U+202A–E, U+2066–9) are removed from content files before parsing.
//   - ref/relref resolve a path under content/ ("about", "about/index.en.md",
//     "events/intro") to the page in the referring page's language (or the
//     `lang` argument); a missing translation links the other language with
//     a warning, a missing page is an error.
//   - Load reports every fatal problem at once as *LoadError; Check adds
//     link and translation checks; CheckWith lets the server declare its own
//     routes (/cs/join/ …) so links to them are not "broken".
//   - YAML alias expansion is bounded (billion-laughs documents fail with
//     file:line instead of eating memory); data/ may nest folders.
//   - Shortcodes are replaced by placeholders before Markdown and their HTML
//     is put back after sanitising, so our own markup (classes, mailto:
//     links) survives and is never reinterpreted as Markdown. {{< >}} and
//     {{% %}} behave the same. An unknown shortcode is left out and reported;
//     for a paired unknown shortcode only the tags go, the text between them
//     stays (losing an author's words is worse than losing a decoration).
//     {{</* x */>}} prints the tag literally, as in Hugo. Shortcode output
//     that starts a link target (href, src) must be a path or an http(s),
//     mailto or tel URL, or it becomes "#": the placeholder passed the
//     sanitiser as plain letters. A tag's ">}}" is looked for at most 8 KB
//     ahead, so files of unclosed tags load in linear time.
//   - A file without front matter is a plain document: first non-empty line
//     is the title, blank-line separated blocks are paragraphs, everything is
//     escaped text — except shortcodes and links ([text](dest), <https://…>,
//     bare http(s) URLs), which are expanded exactly as in Markdown, because
//     authors paste them into plain files too (plain.go). If the first line
//     is a Markdown heading ("# Title") the rest is rendered as Markdown.
//   - Hugo's build options (`_build`/`build`: render, list,
//     publishResources; `headless: true`; cascaded from an _index) keep
//     fragments a theme composes into other pages from being pages of their
//     own; Markdown files inside a leaf bundle are such fragments, attached
//     to the bundle as Page.Parts (build.go says what each value does).
//   - Markdown files inside a leaf bundle other than its index are not pages
//     (Hugo treats them as resources; see build options below); non-Markdown
//     files in a bundle are served under the page URL unless the bundle says
//     publishResources: false. Loose files outside bundles are not served.
//   - `members: true` (alias `protected: true`) makes a page member-only
//     (Page.MembersOnly), and a section's page makes its pages so too; a
//     value that is neither true nor false is reported and read as true,
//     as for `draft`: a typo must not publish. Site.MembersOnlyPath tells
//     whether a URL lies under such a page (internal/site gates it). In a
//     `meetings` section, `agenda` (Markdown or a list) and `minutes`
//     (Markdown, or a file of the bundle) are rendered at load.
//   - Files over 4 MB are refused: no real page is that big.
//   - Memory (issue 2: a 5,000-page site served in under 60 MB resident):
//     after loading, packSite (pack.go) copies what the site keeps into
//     dense memory — all rendered HTML in one string, other strings
//     de-duplicated into shared blocks, Page structs in one array, maps
//     rebuilt — because the originals were allocated amid ten times as much
//     parser garbage and would otherwise pin half-empty memory spans. Loading
//     reads each file in one exactly sized allocation, renders Markdown into
//     pooled buffers and fills shortcodes without building a Replacer per
//     page, so a 5,000-page load allocates a quarter less.
//   - Page bodies are kept compressed (body.go, issue 8: under 45 MB): the
//     rendered HTML was half of the loaded site's heap, while a server
//     renders only the pages it is asked for into its response cache. So
//     Body is a method that decompresses (microseconds, on a cache miss),
//     not a field.
//   - Loading parses and renders on all cores; the result is immutable, and
//     time-dependent decisions (publishDate, event state) take `now` so they
//     are made per request; NextChange tells the server how long a rendered
//     page stays valid.
//
// The built-in UI strings are in defaults/*.toml (English and Czech); a
// site's i18n/<lang>.toml (or .yaml/.json) overrides them key by key.
package content

// The binary must know Europe/Prague even on a machine without tzdata.
import _ "time/tzdata"
