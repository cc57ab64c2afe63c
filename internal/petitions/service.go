package petitions

import (
	"context"
	"database/sql"
	"embed"
	"html/template"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
	"unionhall/internal/formguard"

	"unionhall/internal/content"
	"unionhall/internal/db"
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

// MemberSigner is a member signed in to the portal, as a one-click
// signature needs them: their address is known, so nothing is confirmed
// by email.
type MemberSigner struct {
	ID, Name, Email, City string
}

// Members finds the member signed in on a request (internal/portal through
// the app); ok is false for a visitor.
type Members func(r *http.Request) (m MemberSigner, ok bool, err error)

// Deps is what the service needs. DB, Keys, Outbox and Site are required.
type Deps struct {
	DB     *db.DB
	Keys   *seal.Keyring
	Outbox Outbox
	// Batcher group-commits signatures; nil builds one on DB.
	Batcher *db.Batcher
	// Site returns the current site; it reloads live.
	Site func() *content.Site
	// Layout renders inside the site's chrome ((*site.Server).Layout); nil
	// writes a bare page.
	Layout func(w http.ResponseWriter, r *http.Request, v site.LayoutView)
	// Members, when set, lets a member signed in to the portal sign with
	// one click.
	Members Members
	// BaseURL is where people reach the server (links in emails), without
	// a trailing slash.
	BaseURL string
	// EraseAfterDays is the default time after closing when signers'
	// personal data is erased ([petitions] erase_after_days, default 90);
	// a petition's own eraseAfterDays wins.
	EraseAfterDays int
	// RateLimit signatures per client address per hour (default 20).
	RateLimit int
	// MinFillTime is how long a person needs at least to fill the form
	// (default 3 s): a faster post is a script.
	MinFillTime time.Duration
	Now         func() time.Time
	Logger      *slog.Logger
}

// Service is petitions: declarations from content, signatures, pages.
type Service struct {
	d         Deps
	log       *slog.Logger
	tmpl      *template.Template
	batch     *db.Batcher
	ownBatch  bool
	limit     *formguard.Limiter
	stamp     formguard.Stamper
	counts    *counter
	names     *nameCache
	known     sync.Map // petition ids whose state row exists
	sent      sentCache
	fresh     freshCache
	indexMu   sync.Mutex
	indexSite *content.Site
	index     map[string]map[string]*content.Page // id → lang → page
}

// DefaultEraseAfterDays is used when neither settings nor the petition say.
const DefaultEraseAfterDays = 90

// New builds the service.
func New(d Deps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.EraseAfterDays <= 0 {
		d.EraseAfterDays = DefaultEraseAfterDays
	}
	if d.RateLimit <= 0 {
		d.RateLimit = 20
	}
	if d.MinFillTime <= 0 {
		d.MinFillTime = 3 * time.Second
	}
	d.BaseURL = strings.TrimRight(d.BaseURL, "/")
	s := &Service{d: d, log: d.Logger.With("component", "petitions"), batch: d.Batcher,
		limit: formguard.NewLimiter(d.RateLimit, time.Hour)}
	if s.batch == nil {
		s.batch, s.ownBatch = db.NewBatcher(d.DB, db.BatchOptions{}), true
	}
	s.stamp = formguard.Stamper{Purpose: "petition", Keys: func() [2][]byte { return d.Keys.LookupIndexes("petitions.form-stamp", "v1") }}
	s.counts = newCounter(s)
	s.names = newNameCache(s)
	s.tmpl = template.Must(template.New("").Funcs(template.FuncMap{
		"t": func(lang, key string, args ...any) string { return T(lang, key, args...) },
	}).ParseFS(templateFS, "templates/*.html"))
	return s
}

// Close stops the service's own batcher (not one passed in Deps).
func (s *Service) Close() {
	if s.ownBatch {
		s.batch.Close()
	}
}

func (s *Service) now() time.Time { return s.d.Now() }

func (s *Service) loc() *time.Location {
	if cs := s.d.Site(); cs != nil && cs.Location != nil {
		return cs.Location
	}
	return time.UTC
}

// pages indexes the current site's petition pages by id and language; it
// is rebuilt when the site is reloaded.
func (s *Service) pages() map[string]map[string]*content.Page {
	cs := s.d.Site()
	s.indexMu.Lock()
	defer s.indexMu.Unlock()
	if cs == nil {
		return nil
	}
	if s.indexSite == cs && s.index != nil {
		return s.index
	}
	m := map[string]map[string]*content.Page{}
	for _, p := range cs.Pages {
		if p.Petition == nil || p.Kind != content.KindPage && p.Kind != content.KindSection && p.Kind != content.KindHome {
			continue
		}
		id := ID(p)
		if m[id] == nil {
			m[id] = map[string]*content.Page{}
		}
		if _, dup := m[id][p.Lang]; !dup {
			m[id][p.Lang] = p
		}
	}
	s.indexSite, s.index = cs, m
	return m
}

// declared returns the petition id declared by content in lang (falling
// back to the default language, then any), without stored state.
func (s *Service) declared(id, lang string) (Petition, bool) {
	byLang := s.pages()[id]
	if len(byLang) == 0 {
		return Petition{}, false
	}
	p := byLang[lang]
	if p == nil {
		if cs := s.d.Site(); cs != nil {
			p = byLang[cs.DefaultLang]
		}
	}
	if p == nil {
		langs := make([]string, 0, len(byLang))
		for l := range byLang {
			langs = append(langs, l)
		}
		sort.Strings(langs)
		p = byLang[langs[0]]
	}
	return Petition{ID: id, Decl: *p.Petition, Page: p, Pages: byLang, Title: p.Title, Closes: p.Petition.Closes}, true
}

// pageAt returns the petition whose page is at urlPath.
func (s *Service) pageAt(urlPath string) (*content.Page, bool) {
	cs := s.d.Site()
	if cs == nil {
		return nil, false
	}
	p := cs.PageByURL(urlPath)
	if p == nil || p.Petition == nil || !p.Visible(s.now()) {
		return nil, false
	}
	return p, true
}

// eraseAfter is how long after closing p's signers' data is kept.
func (s *Service) eraseAfter(p Petition) time.Duration {
	days := p.Decl.EraseAfterDays
	if days <= 0 {
		days = s.d.EraseAfterDays
	}
	return time.Duration(days) * 24 * time.Hour
}
