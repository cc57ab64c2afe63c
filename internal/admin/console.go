package admin

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"unionhall/internal/auth"
	"unionhall/internal/console"
	"unionhall/internal/db"
	"unionhall/internal/jobs"
	"unionhall/internal/mail"
	"unionhall/internal/members"
	"unionhall/internal/membership"
	"unionhall/internal/seal"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Deps is what the console needs. DB, Keys and Auth are required.
type Deps struct {
	DB   *db.DB
	Keys *seal.Keyring
	// Auth checks sessions (its Middleware guards every console route) and
	// lists accounts for the representatives page.
	Auth *auth.Service
	// Queue carries "re-send verification" to internal/membership's job.
	Queue *jobs.Queue
	// Outbox sends emails to members (*mail.Outbox).
	Outbox Outbox
	// Members is the member registry (internal/members), shared with
	// the portal and later features; nil builds one on DB, Keys and Auth
	// with the applications' eraser (membership.MemberApplicationEraser).
	Members *members.Registry
	// Sections are the features' parts of the console (their pages,
	// navigation entries and permissions; internal/console), plugged in
	// after the console's own.
	Sections []console.Section
	// FeeInfo returns the fee information for a language, the {fee_info}
	// of member emails (from settings); nil leaves it empty.
	FeeInfo func(lang string) string
	// Location is the time zone times are shown in (default Europe/Prague).
	Location *time.Location
	Now      func() time.Time
	Logger   *slog.Logger
}

// Outbox queues an email inside the caller's transaction (*mail.Outbox).
type Outbox interface {
	Enqueue(ctx context.Context, tx *sql.Tx, m mail.Message) error
}

// Console is the administration console under /admin/.
type Console struct {
	d   Deps
	log *slog.Logger
	// pages are the parsed templates, by language and file name, made on
	// first use (see page).
	pagesMu sync.Mutex
	pages   map[[3]string]*template.Template
	static  fs.FS
	reg     *members.Registry
	actors  actorCache
	// routes are every route, the console's own and each section's.
	routes []route
}

// route is a route of the one table with the section it comes from (nil:
// the console's own).
type route struct {
	console.Route
	sec *console.Section
}

// New builds the console.
func New(d Deps) *Console {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.Location == nil {
		loc, err := time.LoadLocation("Europe/Prague")
		if err != nil {
			loc = time.UTC
		}
		d.Location = loc
	}
	if d.Members == nil {
		d.Members = members.New(members.Deps{DB: d.DB, Keys: d.Keys, Auth: d.Auth, Now: d.Now, Logger: d.Logger,
			Erasers: []members.Eraser{membership.MemberApplicationEraser(d.DB, d.Keys)}})
	}
	c := &Console{d: d, log: d.Logger.With("component", "admin"), pages: map[[3]string]*template.Template{}, reg: d.Members}
	c.static, _ = fs.Sub(staticFS, "static")
	seen := map[string]bool{}
	add := func(rt console.Route, sec *console.Section) {
		key := rt.Method + " " + rt.Pattern
		switch {
		case rt.Perm == "" || (rt.Perm != auth.SignedIn && !auth.ValidRole(rt.Perm)):
			panic(fmt.Sprintf("admin: route %s needs permission %q, which nobody declares", key, rt.Perm))
		case seen[key]:
			panic("admin: route " + key + " twice")
		case sec != nil && !strings.HasPrefix(rt.Pattern, "/admin/"):
			panic("admin: route " + key + " is outside /admin/")
		}
		seen[key] = true
		c.routes = append(c.routes, route{rt, sec})
	}
	for _, rt := range shellRoutes {
		h := rt.Handler
		add(console.Route{Method: rt.Method, Pattern: rt.Pattern, Perm: rt.Perm,
			Handler: func(_ console.Page, w http.ResponseWriter, r *http.Request, a *auth.Account) { h(c, w, r, a) }}, nil)
	}
	for i := range c.d.Sections {
		for _, rt := range c.d.Sections[i].Routes {
			add(rt, &c.d.Sections[i])
		}
	}
	return c
}

// Routes is the one route table: the console's own routes, then each
// section's. The route-by-role tests walk it, so a section's routes are
// tested as soon as it is plugged in.
func (c *Console) Routes() []console.Route {
	out := make([]console.Route, len(c.routes))
	for i, rt := range c.routes {
		out[i] = rt.Route
	}
	return out
}

// shellRoute is one of the console's own routes: every route names the
// permission it needs. The route-by-role test walks the whole table
// (Routes), so a route cannot be added without a permission being declared
// and tested.
type shellRoute struct {
	Method, Pattern, Perm string
	Handler               func(c *Console, w http.ResponseWriter, r *http.Request, a *auth.Account)
}

// shellRoutes are the console's own routes (the features' come in
// Deps.Sections).
var shellRoutes = []shellRoute{
	{"GET", "/admin/{$}", auth.SignedIn, (*Console).dashboard},

	{"GET", "/admin/applications", auth.ListApplications, (*Console).applications},
	{"GET", "/admin/applications/{id}", auth.ViewApplication, (*Console).application},
	{"GET", "/admin/applications/{id}/signature", auth.ViewApplication, (*Console).applicationFile},
	{"GET", "/admin/applications/{id}/pdf", auth.ViewApplication, (*Console).applicationFile},
	{"POST", "/admin/applications/{id}/verify", auth.ResolveApplications, (*Console).applicationAction},
	{"POST", "/admin/applications/{id}/resend", auth.ResolveApplications, (*Console).applicationAction},
	{"POST", "/admin/applications/{id}/reject", auth.ResolveApplications, (*Console).applicationAction},
	{"POST", "/admin/applications/{id}/invalidate", auth.ResolveApplications, (*Console).applicationAction},
	{"POST", "/admin/applications/{id}/reevaluate", auth.ResolveApplications, (*Console).applicationAction},
	{"POST", "/admin/applications/{id}/accept", auth.ResolveApplications, (*Console).applicationAccept},
	{"GET", "/admin/applications/{id}/delete", auth.SuperPowers, (*Console).applicationDeleteForm},
	{"POST", "/admin/applications/{id}/delete", auth.SuperPowers, (*Console).applicationDelete},
	{"POST", "/admin/applications/{id}/notes", auth.ResolveApplications, (*Console).applicationNote},

	{"GET", "/admin/members", auth.ListMembers, (*Console).members},
	{"POST", "/admin/members", auth.ListMembers, (*Console).members},
	{"GET", "/admin/members/new", auth.ManageMembers, (*Console).memberNewForm},
	{"POST", "/admin/members/new", auth.ManageMembers, (*Console).memberCreate},
	{"GET", "/admin/members/{id}", auth.ViewMember, (*Console).member},
	{"GET", "/admin/members/{id}/signature", auth.ViewMember, (*Console).memberFile},
	{"GET", "/admin/members/{id}/pdf", auth.ViewMember, (*Console).memberFile},
	{"POST", "/admin/members/{id}/edit", auth.ManageMembers, (*Console).memberEdit},
	{"POST", "/admin/members/{id}/onboarded", auth.ManageMembers, (*Console).memberAction},
	{"POST", "/admin/members/{id}/leave", auth.ManageMembers, (*Console).memberAction},
	{"GET", "/admin/members/{id}/erase", auth.ManageMembers, (*Console).memberEraseForm},
	{"POST", "/admin/members/{id}/erase", auth.ManageMembers, (*Console).memberErase},
	{"POST", "/admin/members/{id}/workplaces", auth.ManageMembers, (*Console).memberAction},
	{"POST", "/admin/members/{id}/occupations", auth.ManageMembers, (*Console).memberAction},
	{"POST", "/admin/members/{id}/notes", auth.ManageMembers, (*Console).memberAction},

	{"GET", "/admin/workplaces", auth.ListWorkplaces, (*Console).workplaces},
	{"POST", "/admin/workplaces", auth.ManageWorkplaces, (*Console).workplaceSave},
	{"GET", "/admin/workplaces/{id}", auth.ListWorkplaces, (*Console).workplace},
	{"POST", "/admin/workplaces/{id}", auth.ManageWorkplaces, (*Console).workplaceSave},
	{"POST", "/admin/workplaces/{id}/representatives", auth.ManageWorkplaces, (*Console).workplaceRep},
	{"POST", "/admin/workplaces/{id}/newsletter", auth.ManageMembers, (*Console).workplaceNewsletter},

	{"POST", "/admin/members/{id}/email", auth.ManageMembers, (*Console).memberEmail},

	{"GET", "/admin/emails", auth.ManageMembers, (*Console).emails},
	{"GET", "/admin/emails/{name}/{lang}", auth.ManageMembers, (*Console).emailForm},
	{"POST", "/admin/emails/{name}/{lang}", auth.ManageMembers, (*Console).emailSave},

	{"GET", "/admin/export", auth.ManageMembers, (*Console).exportForm},
	{"POST", "/admin/export", auth.ManageMembers, (*Console).exportMembers},

	{"GET", "/admin/audit", auth.SuperPowers, (*Console).auditPage},

	{"GET", "/admin/accounts", auth.SuperPowers, (*Console).accounts},
	{"POST", "/admin/accounts", auth.SuperPowers, (*Console).accountInvite},
	{"POST", "/admin/accounts/{id}/roles", auth.SuperPowers, (*Console).accountRoles},
	{"POST", "/admin/accounts/{id}/disable", auth.SuperPowers, (*Console).accountDisable},
}

// Register adds the console to mux: the route table, each behind the
// session middleware and its permission check, and the console's style
// sheet (public: it holds nothing personal, and the login page uses it).
func (c *Console) Register(mux *http.ServeMux) {
	for _, rt := range c.routes {
		mux.Handle(rt.Method+" "+rt.Pattern, c.d.Auth.Middleware(c.guard(rt)))
	}
	mux.HandleFunc("GET /admin/static/{file}", c.handleStatic)
}

// failForm answers a form's problems on a plain error page, for the rare
// case where the form's own page may not be shown to this account (a
// resolve-applications holder without view-application must not see the
// applicant through a failed note).
func (c *Console) failForm(w http.ResponseWriter, r *http.Request, a *auth.Account, f *console.Form) {
	lang := langOf(r)
	c.renderForm(w, r, a, f.Status(), "error.html", statusTitle(lang, f.Status()), nil, f)
}

// audit writes an entry of the shared trail (auth.Audit) inside tx.
func (c *Console) audit(ctx context.Context, tx *sql.Tx, actor *auth.Account, action, typ, id, detail string) error {
	return auth.Audit(ctx, c.d.DB, tx, auth.Entry{At: c.d.Now(), ActorID: actor.ID, Action: action, SubjectType: typ, SubjectID: id, Detail: detail})
}

// maxForm bounds console form bodies.
const maxForm = 64 << 10

// guard checks the route's permission against the signed-in account, and
// settles the request's language (the account's choice, else the
// browser's) once, in the context, for the handler and its templates.
func (c *Console) guard(rt route) http.Handler {
	var p console.Page = c
	if rt.sec != nil {
		p = sectionPage{c, rt.sec}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a := auth.FromContext(r.Context())
		lang := auth.NegotiateLang(r)
		if c.d.Auth != nil {
			lang = c.d.Auth.Lang(r, a)
		}
		r = r.WithContext(auth.WithLang(r.Context(), lang))
		if !a.Can(rt.Perm) {
			c.fail(w, r, a, http.StatusForbidden, "err.forbidden")
			return
		}
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, maxForm)
			if err := r.ParseForm(); err != nil {
				c.fail(w, r, a, http.StatusBadRequest, "err.form_unread")
				return
			}
		}
		rt.Handler(p, w, r, a)
	})
}

func (c *Console) handleStatic(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	b, err := fs.ReadFile(c.static, name)
	if err != nil || strings.Contains(name, "/") {
		http.NotFound(w, r)
		return
	}
	if strings.HasSuffix(name, ".css") {
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
	}
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Write(b)
}

// navItem is a link in the console's navigation.
type navItem struct {
	Href, Label string
	Current     bool
}

// view is what every page template gets.
type view struct {
	Lang  string // <html lang>; the templates' texts are already in it
	Title string
	// DocTitle, when set, is the <title> instead of Title ("Error: …").
	DocTitle string
	Account  *auth.Account
	Nav      []navItem
	Flash    string
	Error    string
	// Form is the form sent with this request, when it comes back with
	// problems (forms.go); nil otherwise.
	Form *console.Form
	Data any
}

func (c *Console) nav(lang string, a *auth.Account, path string) []navItem {
	var out []navItem
	add := func(perm, href, key string) {
		if a.Can(perm) {
			cur := path == href || (href != "/admin/" && strings.HasPrefix(path, href))
			out = append(out, navItem{href, T(lang, key), cur})
		}
	}
	add(auth.SignedIn, "/admin/", "nav.dashboard")
	add(auth.ListApplications, "/admin/applications", "nav.applications")
	add(auth.ListMembers, "/admin/members", "nav.members")
	add(auth.ListWorkplaces, "/admin/workplaces", "nav.workplaces")
	for _, s := range c.d.Sections {
		for _, n := range s.Nav {
			add(n.Perm, n.Href, n.Label)
		}
	}
	add(auth.ManageMembers, "/admin/emails", "nav.emails")
	add(auth.ManageMembers, "/admin/export", "nav.export")
	add(auth.SuperPowers, "/admin/accounts", "nav.accounts")
	add(auth.SuperPowers, "/admin/audit", "nav.audit")
	return out
}

// flashCodes are the messages a redirect after a POST may show (texts
// "flash.<code>" in messages.json); the URL carries only their code, never
// personal data.
var flashCodes = []string{"verify", "resend", "reject", "invalidate", "reevaluate", "delete", "accept", "note",
	"saved", "onboarded", "leave", "workplaces", "occupations", "notes", "created", "rep", "sent", "reset",
	"invited", "roles", "disabled", "erased"}

// flash is the notice for a ?done= code (the console's or a section's),
// "" for an unknown one.
func (c *Console) flash(lang, code string) string {
	known := code != "" && contains(flashCodes, code)
	for _, s := range c.d.Sections {
		known = known || (code != "" && contains(s.Flashes, code))
	}
	if !known {
		return ""
	}
	return T(lang, "flash."+code)
}

// page returns the template set of one console page (layout.html and the
// page's file) in lang, parsing it on first use. Parsing every page in
// every language at start-up kept about 2 MB of parse trees alive in every
// server, also one whose console nobody opens, and the public site's
// collector had to mark them on every cycle (p99 at 50 connections went
// from 4.0 to 5.5 ms; docs/performance.md). TestAllPagesParse parses them
// all, so a broken template still fails the tests, not a committee member.
//
// A section's page (sec not nil) is its own file parsed with the same
// layout and functions, so it looks and behaves like the console's.
func (c *Console) page(sec *console.Section, lang, name string) (*template.Template, error) {
	c.pagesMu.Lock()
	defer c.pagesMu.Unlock()
	owner := ""
	if sec != nil {
		owner = sec.Name
	}
	key := [3]string{owner, lang, name}
	if t, ok := c.pages[key]; ok {
		return t, nil
	}
	if name == "layout.html" || strings.Contains(name, "/") {
		return nil, fmt.Errorf("admin: no page template %q", name)
	}
	t, err := template.New("").Funcs(c.funcs(lang)).ParseFS(templateFS, "templates/layout.html")
	if err == nil && sec == nil {
		t, err = t.ParseFS(templateFS, "templates/"+name)
	} else if err == nil {
		t, err = t.ParseFS(sec.Templates, name)
	}
	if err != nil {
		return nil, fmt.Errorf("admin: page template %s %s: %w", owner, name, err)
	}
	c.pages[key] = t
	return t, nil
}

// render shows page with title (already in the request's language).
func (c *Console) render(w http.ResponseWriter, r *http.Request, a *auth.Account, status int, page, title string, data any) {
	c.renderForm(w, r, a, status, page, title, data, nil)
}

// renderForm is render with a submitted form f shown again: its values as
// typed and, when it has problems, the error summary at the top and
// "Error:" before the title, so a screen reader says so first.
func (c *Console) renderForm(w http.ResponseWriter, r *http.Request, a *auth.Account, status int, page, title string, data any, f *console.Form) {
	c.renderIn(nil, w, r, a, status, page, title, data, f)
}

// renderIn is renderForm for a page of section sec (nil: the console's).
func (c *Console) renderIn(sec *console.Section, w http.ResponseWriter, r *http.Request, a *auth.Account, status int, page, title string, data any, f *console.Form) {
	lang := langOf(r)
	if !auth.ValidLang(lang) {
		lang = auth.FallbackLang
	}
	t, err := c.page(sec, lang, page)
	if err != nil {
		panic(err) // a template that does not parse is a programming error (TestAllPagesParse)
	}
	v := view{Lang: lang, Title: title, Account: a, Nav: c.nav(lang, a, r.URL.Path), Flash: c.flash(lang, r.URL.Query().Get("done")), Data: data, Form: f}
	if f.Failed() {
		v.DocTitle = T(lang, "form.error_prefix", "title", title)
	}
	if e, ok := data.(errorData); ok {
		v.Error = e.Message
	}
	var b strings.Builder
	if err := t.ExecuteTemplate(&b, "layout", v); err != nil {
		c.log.Error("render console page", "page", page, "err", err)
		http.Error(w, T(lang, "err.render"), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Language", lang)
	w.WriteHeader(status)
	fmt.Fprint(w, b.String())
}

type errorData struct{ Message string }

// The console is the console.Page of its own routes; a section's routes get
// a sectionPage, which renders the section's templates.

// Render implements console.Page with the console's own templates.
func (c *Console) Render(w http.ResponseWriter, r *http.Request, a *auth.Account, status int, page, title string, data any, f *console.Form) {
	c.renderForm(w, r, a, status, page, title, data, f)
}

// Fail implements console.Page.
func (c *Console) Fail(w http.ResponseWriter, r *http.Request, a *auth.Account, status int, key string, args ...any) {
	c.fail(w, r, a, status, key, args...)
}

// FailErr implements console.Page.
func (c *Console) FailErr(w http.ResponseWriter, r *http.Request, a *auth.Account, err error) {
	c.failErr(w, r, a, err)
}

// FailForm implements console.Page.
func (c *Console) FailForm(w http.ResponseWriter, r *http.Request, a *auth.Account, f *console.Form) {
	c.failForm(w, r, a, f)
}

// sectionPage is the console.Page of a section's routes.
type sectionPage struct {
	*Console
	sec *console.Section
}

// Render shows a page of the section's own templates.
func (p sectionPage) Render(w http.ResponseWriter, r *http.Request, a *auth.Account, status int, page, title string, data any, f *console.Form) {
	p.renderIn(p.sec, w, r, a, status, page, title, data, f)
}

// fail shows an error page with the message key (and its args) in the
// request's language.
func (c *Console) fail(w http.ResponseWriter, r *http.Request, a *auth.Account, status int, key string, args ...any) {
	lang := langOf(r)
	c.render(w, r, a, status, "error.html", statusTitle(lang, status), errorData{Message: T(lang, key, args...)})
}

// failErr maps an error to a clear answer on an error page, for requests
// with no form to go back to (forms answer their own problems, forms.go);
// unknown errors are logged (they
// carry ids, never personal data) and shown as a generic failure.
func (c *Console) failErr(w http.ResponseWriter, r *http.Request, a *auth.Account, err error) {
	switch {
	case errors.Is(err, ErrNotFound):
		c.fail(w, r, a, http.StatusNotFound, "err.not_found")
	case errors.Is(err, ErrWrongState):
		c.fail(w, r, a, http.StatusConflict, "err.wrong_state")
	case errors.Is(err, ErrNumberTaken):
		c.fail(w, r, a, http.StatusConflict, "err.number_taken")
	case errors.Is(err, ErrBadNumber):
		c.fail(w, r, a, http.StatusUnprocessableEntity, "err.bad_number")
	case errors.Is(err, errNoEmail):
		c.fail(w, r, a, http.StatusConflict, "err.no_email")
	case errors.Is(err, errBadEmail):
		c.fail(w, r, a, http.StatusConflict, "err.bad_email")
	case errors.Is(err, auth.ErrExists):
		c.fail(w, r, a, http.StatusConflict, "err.account_exists")
	case errors.Is(err, auth.ErrBadEmail):
		c.fail(w, r, a, http.StatusUnprocessableEntity, "err.account_email")
	case errors.Is(err, auth.ErrBadRole):
		c.fail(w, r, a, http.StatusUnprocessableEntity, "err.account_role")
	case errors.Is(err, auth.ErrBadWorkpl):
		c.fail(w, r, a, http.StatusUnprocessableEntity, "err.account_workplace")
	case errors.Is(err, auth.ErrNoAccount):
		c.fail(w, r, a, http.StatusNotFound, "err.no_account")
	case errors.Is(err, errEmpty):
		c.fail(w, r, a, http.StatusUnprocessableEntity, "err.nothing_chosen")
	case errors.Is(err, context.Canceled):
	default:
		c.log.Error("console action failed", "path", r.URL.Path, "err", err)
		c.fail(w, r, a, http.StatusInternalServerError, "err.failed")
	}
}

func redirect(w http.ResponseWriter, r *http.Request, to, done string) {
	if done != "" {
		to += "?done=" + done
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// lastSegment is the action name at the end of a POST path.
func lastSegment(p string) string { return p[strings.LastIndexByte(p, '/')+1:] }

func sortedKeys(m map[string]int) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
