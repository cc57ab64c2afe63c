// Package content loads a Hugo-style site folder (config, content, data, i18n,
// static, assets) into memory and checks it.
//
// The loaded Site is immutable: a reload builds a new Site and the server swaps
// it in atomically, so a broken edit never replaces the last good site.
// Everything that depends on the current time (drafts are fixed at load, but
// publishDate and event state are not) is decided by the caller at request time
// through the methods that take a `now` argument.
package content

import (
	"html/template"
	"io/fs"
	"time"
)

// Site is one loaded site folder.
type Site struct {
	// Title is the site title (config `title`, overridable per language).
	Title string
	// BaseURL from config (`baseURL`), used for absolute links in feeds,
	// sitemap and Open Graph. May be empty; handlers then use the request host.
	BaseURL string
	// Languages sorted by weight, then code. Never empty.
	Languages []*Language
	// DefaultLang is `defaultContentLanguage` (default "en" or the first language).
	DefaultLang string
	// DefaultLangInSubdir mirrors `defaultContentLanguageInSubdir`. Unionhall
	// always serves every language under its prefix (/en/, /cs/); when this is
	// false the default language's pages are ALSO reachable without the prefix
	// through a redirect, so old links keep working.
	DefaultLangInSubdir bool
	// Location is the site's time zone (config `timeZone`, default Europe/Prague).
	Location *time.Location
	// TimesInUTC is true when the config says content times written with `Z`
	// really are UTC (`[unionhall] timesInUTC = true`). By default they are read
	// as site wall-clock time, which is how unions write them.
	TimesInUTC bool
	// Params are the top-level `params` (lower-cased keys, as Hugo does).
	Params map[string]any
	// Pages holds every page of every language, drafts and future pages
	// included; use Visible(now) to filter.
	Pages []*Page
	// Data holds the parsed files under data/, keyed by file name without
	// extension (e.g. Data["occupations"]).
	Data map[string]any
	// Static is the site's static/ folder (nil when absent), served at /.
	Static fs.FS
	// Assets is the site's assets/ folder (nil when absent); files referenced by
	// params (e.g. a logo) are served from /assets/.
	Assets fs.FS
	// Problems found while loading (also what `unionhall check` reports).
	Problems []Problem
	// LoadedAt is when this Site was built.
	LoadedAt time.Time

	byURL     map[string]*Page   // URL -> page (first file wins on collision)
	fragments map[string][]*Page // ref name -> unpublished pages (build.go)
	resources map[string]string  // URL -> file of every bundle resource
	aliases   map[string]string  // alias URL -> page URL
	byKey     map[string][]*Page // TranslationKey -> pages
	homes     map[string]*Page   // lang -> home
	sections  map[string]*Page   // lang + "/" + section -> section page
	langs     map[string]*Language
	i18n      *catalog
	fsys      fs.FS // the site root, for Check's line look-ups
}

// Language is one configured language.
type Language struct {
	Code   string // "en", "cs", "sr"
	Name   string // languageName, e.g. "Čeština"
	Weight int
	Title  string         // per-language title override, may be empty
	Params map[string]any // per-language params merged over site params
	// Permalinks per section for this language ("events" -> "/akce/:year/:slug/"),
	// already merged over the site-wide permalinks.
	Permalinks map[string]string
}

// Kind of a page.
type Kind string

const (
	KindHome    Kind = "home"    // content/_index.<lang>.md, or synthesised
	KindSection Kind = "section" // content/<section>/_index.<lang>.md, or synthesised
	KindPage    Kind = "page"    // a regular page or page bundle
)

// Page is one page in one language.
type Page struct {
	// File is the source path relative to the site root, e.g.
	// "content/events/intro/index.en.md". Used in messages as File:Line.
	File string
	Lang string
	Kind Kind
	// Section is the first directory under content/ ("events", "statements",
	// "about", …); empty for files directly in content/.
	Section string
	// Type is front matter `type`, else Section, else "page". The theme chooses
	// its template by Type (about, declaration, statutes, statements, faq,
	// workplaces, careers, events, register; anything else is generic).
	Type   string
	Layout string
	// URL is the page's path including the language prefix and a trailing
	// slash, e.g. "/en/events/2024/introduction-to-unions-in-it/".
	URL string
	// TranslationKey groups translations of one page: front matter
	// `translationKey`, else the bundle directory or file base name relative to
	// content/ without language suffix.
	TranslationKey string

	Title          string
	SubTitle       string        // `subTitle` or `subtitle`
	Description    template.HTML // Markdown rendered, shortcodes expanded
	SubDescription template.HTML
	// DescriptionText is the description as plain text (for meta tags).
	DescriptionText string
	// body is the rendered, sanitised Markdown (Body), or "" when zbody
	// holds it compressed.
	body  template.HTML
	zbody string
	// Plain is true for documents without front matter (first line = title).
	Plain bool

	Slug        string
	Date        time.Time // `date` (for events: the END time); zero if absent
	PublishDate time.Time // zero if absent
	Draft       bool
	Weight      int
	Download    string // link to a downloadable file (declaration, statutes)
	Author      string
	AuthorInfo  string

	// Event fields.
	StartDate    time.Time // zero if absent
	Duration     string
	Place        string
	PlaceAddress string
	PlaceURL     string
	Lat, Lon     *float64
	Poster       string // URL of the poster (bundle resource resolved to its URL)
	RegisterURL  string
	CTAType      string // register | fill | sign
	PetitionID   string
	SurveyID     string
	// Survey is the page's survey (front matter `survey:`, or `type:
	// survey`), nil when it declares none (survey.go).
	Survey *Survey
	// Petition is the page's petition declaration (a `petition:` block, or
	// `type: petition`); nil when the page declares none (petition.go).
	Petition *PetitionDecl

	// MembersOnly is front matter `members: true` (alias `protected:
	// true`), or a page of a section whose own page has it: the page, its
	// pagination, feed and bundle resources are served to signed-in
	// members only, and it is left out of the sitemap, feeds, navigation
	// and public lists (internal/site, internal/portal).
	MembersOnly bool
	// Meeting fields (the `meetings` section): Agenda is front matter
	// `agenda` (Markdown, or a list of items) rendered; Minutes is
	// `minutes` rendered when it is Markdown, MinutesURL the bundle file
	// it names otherwise (e.g. minutes.pdf).
	Agenda     template.HTML
	Minutes    template.HTML
	MinutesURL string

	// Params is the whole front matter (keys lower-cased) for fields the theme
	// or later features read (registration, capacity, meetingUrl, id…).
	Params map[string]any

	// Resources of a page bundle: URL path -> file path relative to the site
	// root (e.g. "/en/events/2024/intro/poster.png" -> "content/events/intro/poster.png").
	// They are served only when Build.PublishResources; a fragment (no URL)
	// keys them by their name inside the bundle ("hero.jpg") instead.
	Resources map[string]string

	// Build holds Hugo's build options (`_build`/`build`, `headless`); see
	// build.go. Pages in Site.Pages always have Render "always".
	Build BuildOptions
	// Parts are the rendered Markdown resources of a leaf bundle (Hugo's
	// page resources), ordered by weight then file, for a template that
	// composes them (a headless landing-page bundle). They are fragments:
	// no URL, never listed.
	Parts []*Page

	// Synthetic is true for a home or section page made up because the site
	// has no _index file for it (File is then empty).
	Synthetic bool
	// Aliases are old URLs (front matter `aliases`) that should redirect to
	// URL; see Site.AliasTarget.
	Aliases []string
	// ExpiryDate (front matter `expiryDate`, as in Hugo) hides the page from
	// that instant on; zero if absent.
	ExpiryDate time.Time
	// Line is the file line of the body's first line (for messages).
	Line int

	// links are the internal link destinations found in the body and
	// descriptions, checked by Check.
	links []string
}

// EventState is computed at request time in the site's time zone.
type EventState string

const (
	EventNone     EventState = ""         // not an event (no StartDate)
	EventUpcoming EventState = "upcoming" // now < start
	EventOngoing  EventState = "ongoing"  // start <= now < end
	EventPast     EventState = "past"     // now >= end (or >= start when no valid end)
)

// Severity of a Problem.
type Severity string

const (
	SevError   Severity = "error"
	SevWarning Severity = "warning"
)

// Problem is one finding of the loader or checker, printed as
// "file:line: severity: message".
type Problem struct {
	File     string
	Line     int
	Severity Severity
	Message  string
}
