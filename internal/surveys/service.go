package surveys

import (
	"html/template"
	"log/slog"
	"net/http"
	"sync"
	"time"
	"unionhall/internal/formguard"

	"unionhall/internal/content"
	"unionhall/internal/db"
	"unionhall/internal/seal"
	"unionhall/internal/site"
)

// Session is the member portal's sign-in as surveys need it
// (*portal.Service): who is signed in, and the sign-in page for everyone
// else. Surveys never read the portal's cookie themselves.
type Session interface {
	MemberID(r *http.Request) (string, error)
	SignInPage(w http.ResponseWriter, r *http.Request, lang, next string)
}

// Deps is what the service needs. DB, Keys and Site are required.
type Deps struct {
	DB   *db.DB
	Keys *seal.Keyring
	// Site returns the current site; it reloads live.
	Site func() *content.Site
	// Layout renders inside the site's chrome ((*site.Server).Layout); nil
	// writes a bare page (tests).
	Layout func(w http.ResponseWriter, r *http.Request, v site.LayoutView)
	// Session is the member portal; without it member-only surveys refuse
	// everyone.
	Session Session
	// RateLimit is answers to public surveys per client address per hour
	// (default 20).
	RateLimit int
	// MinSeconds is the shortest time between showing the form and a
	// public answer that is taken as a person's (default 3 s).
	MinSeconds int
	Now        func() time.Time
	Logger     *slog.Logger
}

// Service is surveys: the store, the public and member pages, and the
// console section.
type Service struct {
	d     Deps
	log   *slog.Logger
	batch *db.Batcher
	limit *formguard.Limiter
	tmpl  *template.Template

	mu      sync.Mutex
	idxSite *content.Site
	idx     map[string]*Survey
	// pubCache holds the public results pages' counts (publicResults).
	pubCache map[string]cachedResult
	// ensured are the surveys whose state row exists (ensureState).
	ensured sync.Map
}

// Suppress is the least number of answers an anonymous survey must have
// before any result of it is shown: fewer, and an organiser who knows who
// answered could tell who said what.
const Suppress = 10

// New builds the service and starts its group-commit batcher (Close stops
// it).
func New(d Deps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.RateLimit <= 0 {
		d.RateLimit = 20
	}
	if d.MinSeconds <= 0 {
		d.MinSeconds = 3
	}
	s := &Service{d: d, log: d.Logger.With("component", "surveys"), limit: formguard.NewLimiter(d.RateLimit, time.Hour)}
	s.batch = db.NewBatcher(d.DB, db.BatchOptions{})
	s.tmpl = template.Must(template.New("").Funcs(pageFuncs).ParseFS(templateFS, "templates/*.html"))
	return s
}

// Close stops the batcher (after the answers under way are written).
func (s *Service) Close() { s.batch.Close() }

func (s *Service) now() time.Time { return s.d.Now() }

func (s *Service) site() *content.Site {
	if s.d.Site == nil {
		return nil
	}
	return s.d.Site()
}

func (s *Service) loc() *time.Location {
	if cs := s.site(); cs != nil && cs.Location != nil {
		return cs.Location
	}
	return time.UTC
}

// surveys is the current site's surveys by id (rebuilt when the site
// reloads).
func (s *Service) surveys() map[string]*Survey {
	cs := s.site()
	if cs == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.idxSite != cs {
		idx, problems := index(cs)
		for _, p := range problems {
			s.log.Warn("surveys: " + p)
		}
		s.idxSite, s.idx = cs, idx
	}
	return s.idx
}

// Get returns the survey with id.
func (s *Service) Get(id string) (*Survey, bool) {
	sv, ok := s.surveys()[id]
	return sv, ok
}

// List is every survey, by id.
func (s *Service) List() []*Survey {
	m := s.surveys()
	out := make([]*Survey, 0, len(m))
	for _, sv := range m {
		out = append(out, sv)
	}
	sortSurveys(out)
	return out
}

// At returns the survey whose page (in any language) is at urlPath.
func (s *Service) At(urlPath string) (*Survey, *content.Page, bool) {
	cs := s.site()
	if cs == nil {
		return nil, nil, false
	}
	p := cs.PageByURL(urlPath)
	if p == nil || p.Survey == nil {
		return nil, nil, false
	}
	sv, ok := s.Get(Key(p))
	if !ok || sv.Pages[p.Lang] != p {
		return nil, nil, false
	}
	return sv, p, true
}
