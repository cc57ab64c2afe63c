package site

import (
	"html/template"
	"time"

	"unionhall/internal/content"
)

// ui binds the site's translations and date formats to one language for
// the templates: {{.UI.T "key"}}, {{.UI.Date .Page.Date}}.
type ui struct {
	site *content.Site
	lang string
}

// T returns the UI string for key through Site.T: the site's
// i18n/<lang>.toml over the built-in Czech and English defaults.
func (u ui) T(key string) string { return u.site.T(u.lang, key) }

// TN is T with a count (plural forms).
func (u ui) TN(key string, n int) string { return u.site.T(u.lang, key, n) }

// TM is T with named arguments given as key, value pairs.
func (u ui) TM(key string, kv ...any) string {
	m := map[string]any{}
	for i := 0; i+1 < len(kv); i += 2 {
		if k, ok := kv[i].(string); ok {
			m[k] = kv[i+1]
		}
	}
	return u.site.T(u.lang, key, m)
}

func (u ui) loc() *time.Location {
	if u.site.Location != nil {
		return u.site.Location
	}
	return time.UTC
}

// Date formats a date in the language's form ("24. ledna 2024").
func (u ui) Date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return u.site.FormatDate(u.lang, t.In(u.loc()))
}

// ISO is the machine-readable form for <time datetime>.
func (u ui) ISO(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(u.loc()).Format(time.RFC3339)
}

// ISODate is the date-only machine-readable form.
func (u ui) ISODate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(u.loc()).Format(time.DateOnly)
}

// When describes an event's time in the language's form: on one day
// "24. ledna 2024, 18:30–20:00", across days a range; an end that is not
// after the start shows the start only.
func (u ui) When(p *content.Page) string {
	if p.StartDate.IsZero() {
		return u.Date(p.Date)
	}
	return u.site.FormatDateRange(u.lang, p.StartDate, p.End())
}

func sameDay(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	return ay == by && am == bm && ad == bd
}

// duration is the event's free-text duration, else computed for events
// within one day ("1 h 30 min"); multi-day events show their range instead.
func (u ui) duration(p *content.Page) string {
	if p.Duration != "" {
		return p.Duration
	}
	start, end := p.StartDate, p.End()
	if start.IsZero() || end.IsZero() || !end.After(start) || !sameDay(start.In(u.loc()), end.In(u.loc())) {
		return ""
	}
	d := end.Sub(start).Round(time.Minute)
	h, m := int(d.Hours()), int(d.Minutes())%60
	switch {
	case h == 0:
		return u.TN("minutes", m)
	case m == 0:
		return u.TN("hours", h)
	}
	return u.TN("hours", h) + " " + u.TN("minutes", m)
}

// link is a labelled URL.
type link struct {
	Title, URL string
	Current    bool
	Lang       string
}

// itemView is a page in a list.
type itemView struct {
	UI   ui
	P    *content.Page
	Date time.Time
}

// eventView is an event with everything computed for "now".
type eventView struct {
	UI         ui
	P          *content.Page
	State      string
	StateLabel string
	When       string
	Duration   string
	MapURL     string
	CTA        *cta
	QR         template.URL // data: URI of a PNG
	QRAlt      string
	// Poster is the poster's URL when it is served by us; a poster on
	// another host would make the browser contact it, so it is left out.
	Poster string
	// Extra is Options.EventExtra's HTML (event page only).
	Extra template.HTML
}

// cta is an event's call to action; Disabled once the event has ended.
type cta struct {
	URL, Label string
	Disabled   bool
	Reason     string
}

type pager struct {
	Current, Total     int
	PrevURL, NextURL   string
	Label, PageOfText  string
	PrevText, NextText string
}

type faqItem struct {
	ID string
	P  *content.Page
}

// mainView is what every main template receives.
type mainView struct {
	UI   ui
	Lang string
	Page *content.Page
	// MemberExtra is Options.MemberExtra's HTML (member-only pages).
	MemberExtra template.HTML

	Items      []itemView
	Pager      *pager
	Upcoming   []eventView
	Past       []eventView
	Event      *eventView
	Statements []itemView
	FAQ        []faqItem
	// The member-only meetings section: coming (soonest first) and past
	// (newest first).
	Meetings, PastMeetings []itemView
	Share                  []link
	ShareURL               string
	FirstPage              bool

	JoinURL, WorkplaceURL, EventsURL, StatementsURL string
}

// layoutData is what the layout template receives.
type layoutData struct {
	UI          ui
	Lang        string
	Title       string
	FullTitle   string
	Description string
	Canonical   string
	OGType      string
	OGImage     string
	OGLocale    string
	SiteName    string
	NoIndex     bool
	Alternates  []link
	Switcher    []link
	Nav         []link
	Feeds       []link
	Main        template.HTML
	CSS, Icon   string
	HomeURL     string
	Brand       string
	Tagline     string
	Logo        string
	JoinURL     string
	Footer      footerView
}

type footerView struct {
	LegalName, RegNo, Address string
	Legal                     string // "name, reg. no. …"
	Email, Phone              string
	PhoneHref                 template.URL // tel: + digits only, built by telHref
	Social, Partners, Links   []link
}
