package membership

import (
	"bytes"
	"context"
	"database/sql"
	"embed"
	"encoding/base64"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"
	"unionhall/internal/formguard"

	"unionhall/internal/config"
	"unionhall/internal/content"
	"unionhall/internal/db"
	"unionhall/internal/jobs"
	"unionhall/internal/seal"
	"unionhall/internal/site"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Deps is what the service needs. DB, Keys and Site are required.
type Deps struct {
	DB   *db.DB
	Keys *seal.Keyring
	// Queue runs the background work (PDF, verification email).
	Queue *jobs.Queue
	// Outbox sends emails durably (sealed, through the queue).
	Outbox Outbox
	// Site returns the current site; it reloads live.
	Site func() *content.Site
	// Layout renders a page inside the site's chrome ((*site.Server).Layout);
	// nil writes a bare page (tests of this package alone).
	Layout func(w http.ResponseWriter, r *http.Request, v site.LayoutView)
	// BaseURL is where people reach the server (links in emails), without a
	// trailing slash.
	BaseURL  string
	Settings config.Join
	Now      func() time.Time
	Logger   *slog.Logger
}

// Service is the membership application flow.
type Service struct {
	d       Deps
	tmpl    *template.Template
	stamp   formguard.Stamper
	limit   *formguard.Limiter
	facts   factsCache
	static  fs.FS
	log     *slog.Logger
	maxBody int64
}

// Job kinds registered on the queue.
const (
	JobVerification = "membership.verification"
)

// MaxRequestBytes is the largest form or API request accepted (issue 3).
const MaxRequestBytes = 3 << 20

// New builds the service and registers its job handlers on the queue.
func New(d Deps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.Settings.VerificationTTL.Duration <= 0 {
		d.Settings.VerificationTTL.Duration = 14 * 24 * time.Hour
	}
	if d.Settings.RateLimit <= 0 {
		d.Settings.RateLimit = 10
	}
	if d.Settings.RateWindow.Duration <= 0 {
		d.Settings.RateWindow.Duration = time.Hour
	}
	d.BaseURL = strings.TrimRight(d.BaseURL, "/")
	s := &Service{
		d:       d,
		log:     d.Logger.With("component", "membership"),
		limit:   formguard.NewLimiter(d.Settings.RateLimit, d.Settings.RateWindow.Duration),
		maxBody: MaxRequestBytes,
	}
	// A subkey derived like a blind index: stable across restarts and
	// processes, unrelated to any other key use.
	s.stamp = formguard.Stamper{Purpose: "join", Keys: func() [2][]byte { return d.Keys.LookupIndexes("membership.form-stamp", "v1") }}
	s.tmpl = template.Must(template.New("").Funcs(template.FuncMap{
		"t":   func(lang, key string, args ...any) string { return T(lang, key, args...) },
		"fld": fieldFor,
	}).ParseFS(templateFS, "templates/*.html"))
	sub, _ := fs.Sub(staticFS, "static")
	s.static = sub
	if d.Queue != nil {
		d.Queue.Handle(JobVerification, s.runVerification)
	}
	return s
}

// Register adds the join routes to mux.
func (s *Service) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /{lang}/join", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/"+r.PathValue("lang")+"/join/", http.StatusMovedPermanently)
	})
	mux.Handle("GET /{lang}/join/{$}", s.FormHandler())
	mux.Handle("POST /{lang}/join/{$}", s.FormHandler())
	mux.HandleFunc("GET /{lang}/join/sent/{$}", s.handleSent)
	mux.HandleFunc("GET /{lang}/join/confirm", s.handleConfirmPage)
	mux.HandleFunc("POST /{lang}/join/confirm", s.handleConfirm)
	mux.HandleFunc("POST /{lang}/join/resend", s.handleResend)
	mux.HandleFunc("POST "+APIPath, s.handleAPI)
	mux.HandleFunc("GET /static/membership/{file}", s.handleStatic)
}

// FormHandler serves GET and POST of the form at /{lang}/join/; the language
// comes from the {lang} path value.
func (s *Service) FormHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.ServeForm(w, r, r.PathValue("lang"), nil)
	})
}

// ServeForm serves the form (GET) or takes a submission (POST) in lang at
// the request's own URL, so the site's `register` section (e.g.
// /cs/prihlaska/) can show it below its intro page.
func (s *Service) ServeForm(w http.ResponseWriter, r *http.Request, lang string, intro *content.Page) {
	cs := s.d.Site()
	if cs.Lang(lang) == nil {
		http.NotFound(w, r)
		return
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		s.showForm(w, r, cs, lang, intro, &formState{}, http.StatusOK)
	case http.MethodPost:
		s.submitForm(w, r, cs, lang, intro)
	default:
		w.Header().Set("Allow", "GET, HEAD, POST")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
	}
}

func (s *Service) handleStatic(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	b, err := fs.ReadFile(s.static, name)
	if err != nil || strings.Contains(name, "/") {
		http.NotFound(w, r)
		return
	}
	switch {
	case strings.HasSuffix(name, ".js"):
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	case strings.HasSuffix(name, ".css"):
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
	}
	w.Header().Set("Cache-Control", "public, max-age=3600")
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(b))
}

// render executes a template into the layout.
func (s *Service) render(w http.ResponseWriter, r *http.Request, name string, data any, v site.LayoutView) {
	var buf bytes.Buffer
	if err := s.tmpl.ExecuteTemplate(&buf, name, data); err != nil {
		s.log.Error("render template", "template", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	v.Main = template.HTML(buf.String())
	// Pages of the join flow may show personal data (a kept form) or hold a
	// token.
	site.WritePrivate(w, r, s.d.Layout, v)
}

// message shows a simple page: title, paragraphs, optional resend form.
type messageView struct {
	Lang       string
	Title      string
	Paragraphs []string
	Body       template.HTML
	Resend     string
	// ResendEmail fills the resend form's address (kept after a refusal).
	ResendEmail string
	Link        string
	LinkText    string
}

func (s *Service) showMessage(w http.ResponseWriter, r *http.Request, mv messageView, status int) {
	s.render(w, r, "message", mv, site.LayoutView{Lang: mv.Lang, Title: mv.Title, Status: status})
}

func (s *Service) handleSent(w http.ResponseWriter, r *http.Request) {
	lang := r.PathValue("lang")
	if s.d.Site().Lang(lang) == nil {
		http.NotFound(w, r)
		return
	}
	days := int(s.d.Settings.VerificationTTL.Hours() / 24)
	s.showMessage(w, r, messageView{Lang: lang, Title: T(lang, "sent.title"), Paragraphs: []string{
		T(lang, "sent.body"), T(lang, "sent.spam"), T(lang, "sent.link_valid", "days", days),
	}}, http.StatusOK)
}

func dataURL(png []byte) string {
	if len(png) == 0 {
		return ""
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(png)
}

// txExec runs a rebinding Exec inside a transaction.
func (s *Service) exec(ctx context.Context, tx *sql.Tx, q string, args ...any) (sql.Result, error) {
	return tx.ExecContext(ctx, s.d.DB.Rebind(q), args...)
}
