package portal

import (
	"context"
	"database/sql"
	"embed"
	"html/template"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"path"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"unionhall/internal/auth"
	"unionhall/internal/content"
	"unionhall/internal/db"
	"unionhall/internal/events"
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

// EventRegistrations lists the event registrations made with an email
// (*events.Service).
type EventRegistrations interface {
	RegistrationsOf(ctx context.Context, email, lang string) ([]events.MemberRegistration, error)
}

// Votes is the member votes feature as the portal's home needs it
// (internal/votes/pages): where the member's votes are, and how many open
// votes still wait for their ballot. Optional: without it the home page
// has no votes link.
type Votes interface {
	MemberVotesURL(lang string) string
	Waiting(ctx context.Context, memberID string) (int, error)
}

// Deps is what the portal needs. DB, Keys, Registry (NewRegistry over the
// member registry) and Outbox are required.
type Deps struct {
	DB       *db.DB
	Keys     *seal.Keyring
	Registry Registry
	Outbox   Outbox
	Events   EventRegistrations
	Votes    Votes
	// SurveysURL, when set, is where the member's surveys are in a
	// language (internal/surveys' member list); the home page links it.
	SurveysURL func(lang string) string
	// Site returns the current site (member-only pages, the language
	// list, the committee address); Layout renders inside its chrome.
	Site   func() *content.Site
	Layout func(http.ResponseWriter, *http.Request, site.LayoutView)
	// BaseURL is where people reach the server, without a trailing slash.
	BaseURL string
	// CommitteeEmail is told when a member changes their email or asks to
	// leave; empty falls back to the site's params.committeeEmail.
	CommitteeEmail string
	// EraseAfter is how long after leaving the personal data is erased
	// ([members] erase_after_days; 0 = at once).
	EraseAfter time.Duration
	Now        func() time.Time
	Logger     *slog.Logger
	// Timings; zero values take the defaults (15m, 2h, 12h), as the
	// console's sign-in.
	LinkTTL, IdleTimeout, AbsoluteTimeout time.Duration
	// Rate limits on sign-in link requests per 15 minutes: per client
	// address (default 20) and per email (default 5).
	PerAddress, PerEmail int
	ClientAddr           func(*http.Request) string
}

// Service is the member portal.
type Service struct {
	d    Deps
	log  *slog.Logger
	tmpl *template.Template
	// byLang are tmpl with the texts already translated, per language of
	// the portal (translatedTemplates); other languages use tmpl.
	byLang map[string]*template.Template
	byAddr *auth.Limiter
	byMail *auth.Limiter
	// pending counts sign-in links being prepared after their request was
	// answered; Wait waits for them.
	pending sync.WaitGroup
	// tokens are the sign-in links and sessions, on tables of their own
	// (member_login_tokens, member_sessions) with the console's code.
	tokens *auth.Tokens
}

// New builds the portal.
func New(d Deps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	auth.SignInDefaults(&d.LinkTTL, &d.IdleTimeout, &d.AbsoluteTimeout, &d.PerAddress, &d.PerEmail)
	if d.ClientAddr == nil {
		d.ClientAddr = func(r *http.Request) string {
			if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
				return host
			}
			return r.RemoteAddr
		}
	}
	d.BaseURL = strings.TrimRight(d.BaseURL, "/")
	s := &Service{
		d:   d,
		log: d.Logger.With("component", "portal"),
		tokens: &auth.Tokens{DB: d.DB, LinkTable: "member_login_tokens", SessionTable: "member_sessions", Owner: "member_id",
			LinkTTL: d.LinkTTL, IdleTimeout: d.IdleTimeout, AbsoluteTimeout: d.AbsoluteTimeout, Logger: d.Logger},
		byAddr: auth.NewLimiter(d.PerAddress, 15*time.Minute, d.Now),
		byMail: auth.NewLimiter(d.PerEmail, 15*time.Minute, d.Now),
	}
	s.tmpl = template.Must(template.New("").Funcs(funcs).ParseFS(templateFS, "templates/*.html"))
	s.byLang = map[string]*template.Template{}
	for _, lang := range Languages {
		s.byLang[lang] = translatedTemplates(lang)
	}
	return s
}

// plainText matches a text without arguments in a template: {{.T "key"}}
// or {{$.T "key"}}.
var plainText = regexp.MustCompile(`\{\{\s*\$?\.T\s+"([a-z0-9_.]+)"\s*\}\}`)

// translatedTemplates are the portal's templates with every text without
// arguments already in lang, as a string constant: html/template still
// escapes it where it stands, but the page no longer makes a reflective
// method call per text (a sixth of a portal page's CPU went to those).
// Texts with arguments ({{.T "key" "name" ...}}) stay calls.
func translatedTemplates(lang string) *template.Template {
	t := template.New("").Funcs(funcs)
	files, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	for _, f := range files {
		src, err := templateFS.ReadFile(f)
		if err != nil {
			panic(err)
		}
		out := plainText.ReplaceAllStringFunc(string(src), func(m string) string {
			key := plainText.FindStringSubmatch(m)[1]
			return "{{" + strconv.Quote(T(lang, key)) + "}}"
		})
		template.Must(t.New(path.Base(f)).Parse(out))
	}
	return t
}

// Wait blocks until the sign-in links requested so far are queued or have
// failed (tests, and a server shutting down).
func (s *Service) Wait() { s.pending.Wait() }

// committee is the address told of email changes and leave requests.
func (s *Service) committee() string {
	if s.d.CommitteeEmail != "" {
		return s.d.CommitteeEmail
	}
	if s.d.Site != nil {
		if cs := s.d.Site(); cs != nil {
			return cs.ParamString(cs.DefaultLang, "committeeEmail")
		}
	}
	return ""
}
