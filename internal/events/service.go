package events

import (
	"context"
	"database/sql"
	"embed"
	"html/template"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"unionhall/internal/content"
	"unionhall/internal/db"
	"unionhall/internal/jobs"
	"unionhall/internal/mail"
	"unionhall/internal/seal"
	"unionhall/internal/site"
)

//go:embed templates/*.html
var templateFS embed.FS

// Outbox queues an email inside the caller's transaction (*mail.Outbox).
type Outbox interface {
	Enqueue(ctx context.Context, tx *sql.Tx, m mail.Message) error
}

// Deps is what the service needs. DB, Keys, Queue, Outbox and Site are
// required.
type Deps struct {
	DB     *db.DB
	Keys   *seal.Keyring
	Queue  *jobs.Queue
	Outbox Outbox
	// Site returns the current site; it reloads live.
	Site func() *content.Site
	// Layout renders inside the site's chrome ((*site.Server).Layout); nil
	// writes a bare page.
	Layout func(w http.ResponseWriter, r *http.Request, v site.LayoutView)
	// BaseURL is where people reach the server (links in emails and
	// calendars), without a trailing slash.
	BaseURL string
	// Retention is how long after an event ends its registrants' personal
	// data is kept (default 30 days; the app passes the [events]
	// erase_after_days setting). Sync reschedules known events' erasure
	// when it changes.
	Retention time.Duration
	// PublicChanged, when set, is called after a committed change that
	// alters what EventExtra returns for some event page — an organiser
	// closing or reopening registration early (SetClosed). The public site
	// caches event pages with EventExtra's HTML in them, so the app wires
	// this to (*site.Server).DropCache; without it a closed event would keep
	// offering "Register" until the cache next expired.
	PublicChanged func()
	// RateLimit registrations per client address per hour (default 20; the
	// app passes [events] registrations_per_hour). The address is
	// web.ClientKey's: behind a trusted proxy, the visitor's.
	RateLimit int
	Now       func() time.Time
	Logger    *slog.Logger
}

// Service is event registration: store, pages, calendars and jobs.
type Service struct {
	d     Deps
	log   *slog.Logger
	tmpl  *template.Template
	limit *limiter

	keysMu   sync.Mutex
	keysSite *content.Site
	keys     map[string][]*content.Page // event key → its pages (one per language)
}

// Job kinds registered on the queue.
const (
	JobReminder = "events.reminder"
	JobMoved    = "events.moved"
	JobErase    = "events.erase"
)

// DefaultRetention is how long personal data is kept after an event ends.
const DefaultRetention = 30 * 24 * time.Hour

// New builds the service and registers its job handlers on the queue.
func New(d Deps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.Retention <= 0 {
		d.Retention = DefaultRetention
	}
	if d.RateLimit <= 0 {
		d.RateLimit = 20
	}
	d.BaseURL = strings.TrimRight(d.BaseURL, "/")
	s := &Service{d: d, log: d.Logger.With("component", "events"), limit: newLimiter(d.RateLimit, time.Hour)}
	s.tmpl = template.Must(template.New("").Funcs(template.FuncMap{
		"t": func(lang, key string, args ...any) string { return T(lang, key, args...) },
	}).ParseFS(templateFS, "templates/*.html"))
	if d.Queue != nil {
		d.Queue.Handle(JobReminder, s.runReminder)
		d.Queue.Handle(JobMoved, s.runMoved)
		d.Queue.Handle(JobErase, s.runErase)
	}
	return s
}

func (s *Service) now() time.Time { return s.d.Now() }

// loc is the site's time zone.
func (s *Service) loc(cs *content.Site) *time.Location {
	if cs != nil && cs.Location != nil {
		return cs.Location
	}
	return time.UTC
}

// pagesByKey indexes the current site's event pages by event key; it is
// rebuilt when the site is reloaded.
func (s *Service) pagesByKey(cs *content.Site) map[string][]*content.Page {
	s.keysMu.Lock()
	defer s.keysMu.Unlock()
	if s.keysSite == cs && s.keys != nil {
		return s.keys
	}
	m := map[string][]*content.Page{}
	for _, p := range cs.Pages {
		if p.Kind == content.KindPage && !p.StartDate.IsZero() {
			k := Key(p)
			m[k] = append(m[k], p)
		}
	}
	s.keysSite, s.keys = cs, m
	return m
}

// EventByKey returns the event with key in lang (falling back to any
// language it exists in); ok is false when no page has that key.
func (s *Service) EventByKey(key, lang string) (Event, bool) {
	cs := s.d.Site()
	if cs == nil {
		return Event{}, false
	}
	ps := s.pagesByKey(cs)[key]
	if len(ps) == 0 {
		return Event{}, false
	}
	p := ps[0]
	for _, q := range ps {
		if q.Lang == lang {
			p = q
			break
		}
		if q.Lang == cs.DefaultLang && p.Lang != lang {
			p = q
		}
	}
	ev, _, _ := FromPage(p, cs)
	return ev, true
}

// EventAt returns the event whose page is at urlPath.
func (s *Service) EventAt(urlPath string) (Event, bool) {
	cs := s.d.Site()
	if cs == nil {
		return Event{}, false
	}
	ev, _, ok := FromPage(cs.PageByURL(urlPath), cs)
	return ev, ok
}

// AllEvents lists every event once (in the default language when it has it).
func (s *Service) AllEvents() []Event {
	cs := s.d.Site()
	if cs == nil {
		return nil
	}
	var out []Event
	for key := range s.pagesByKey(cs) {
		if ev, ok := s.EventByKey(key, cs.DefaultLang); ok {
			out = append(out, ev)
		}
	}
	return out
}

// InternalEvents lists the site's events with internal registration, one
// page per key (in the site's default language when it has one).
func (s *Service) InternalEvents() []Event {
	cs := s.d.Site()
	if cs == nil {
		return nil
	}
	var out []Event
	for key := range s.pagesByKey(cs) {
		ev, ok := s.EventByKey(key, cs.DefaultLang)
		if ok && ev.Internal {
			out = append(out, ev)
		}
	}
	return out
}

// NextDeadline is the first registration deadline after now among cs's
// events with built-in registration (zero: none). The public site's cache
// ends there, so an event page stops offering "Register" on time.
func (s *Service) NextDeadline(cs *content.Site, now time.Time) time.Time {
	var next time.Time
	for _, p := range cs.Pages {
		ev, _, ok := FromPage(p, cs)
		if !ok || !ev.Internal {
			continue
		}
		if t := ev.ClosesAt(); t.After(now) && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	return next
}
