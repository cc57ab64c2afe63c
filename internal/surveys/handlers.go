package surveys

import (
	"bytes"
	"crypto/hmac"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unionhall/internal/formguard"

	"unionhall/internal/console"
	"unionhall/internal/content"
	"unionhall/internal/site"
	"unionhall/internal/web"
)

//go:embed templates/*.html
var templateFS embed.FS

// The pages a survey's page has, reached through Wrap because the page's
// URL comes from content: the form at <page URL>answer/ and, when the
// survey offers them, the results at <page URL>results/. The survey page
// itself is internal/site's, cached, and links here; the form is never
// cached (it carries what was typed, and a member's state).
const (
	answerSuffix  = "answer/"
	resultsSuffix = "results/"
	// maxForm bounds a post: every long answer at its limit (4 bytes a
	// character, percent-encoded) fits several times over in a survey of
	// a few long questions; more is refused with 413.
	maxForm = 256 << 10
)

// Patterns recorded on the request for metrics and logs (never the page's
// own URL).
const (
	AnswerPattern  = "/{survey}/" + answerSuffix
	ResultsPattern = "/{survey}/" + resultsSuffix
)

// AnswerURL is the form of a survey page.
func AnswerURL(p *content.Page) string { return p.URL + answerSuffix }

// ResultsURL is the public results of a survey page.
func ResultsURL(p *content.Page) string { return p.URL + resultsSuffix }

// MemberBase is the member's list of surveys in lang, beside the portal.
func MemberBase(lang string) string {
	if lang == "cs" {
		return "/cs/clen/ankety/"
	}
	return "/" + lang + "/member/surveys/"
}

// Register adds the member's list of surveys (more specific than the
// portal's /{lang}/member/{rest...} and /cs/clen/{rest...}).
func (s *Service) Register(mux *http.ServeMux) {
	mux.HandleFunc("/{lang}/member/surveys/{$}", func(w http.ResponseWriter, r *http.Request) {
		lang := r.PathValue("lang")
		if lang == "cs" {
			http.Redirect(w, r, MemberBase("cs"), http.StatusMovedPermanently)
			return
		}
		s.handleMemberList(w, r, lang)
	})
	mux.HandleFunc("/cs/clen/ankety/{$}", func(w http.ResponseWriter, r *http.Request) { s.handleMemberList(w, r, "cs") })
}

// Wrap serves the answer and results pages of survey pages and passes
// everything else to next.
func (s *Service) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		switch {
		case strings.HasSuffix(p, "/"+answerSuffix):
			if sv, pg, ok := s.At(strings.TrimSuffix(p, answerSuffix)); ok && pg.Visible(s.now()) {
				r.Pattern = AnswerPattern
				s.serveAnswer(w, r, sv, pg)
				return
			}
		case strings.HasSuffix(p, "/"+resultsSuffix) && (r.Method == http.MethodGet || r.Method == http.MethodHead):
			if sv, pg, ok := s.At(strings.TrimSuffix(p, resultsSuffix)); ok && pg.Visible(s.now()) && sv.PublicResults {
				r.Pattern = ResultsPattern
				s.serveResults(w, r, sv, pg)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// view is what every public template gets.
type view struct {
	Lang, Title string
	Survey      *Survey
	Page        *content.Page
	ActionURL   string
	PageURL     string
	Notice      string // a message above the form (closed, too fast…)
	Questions   []qView
	Errors      []errItem
	Named       bool // a named public survey: optional name and email
	Name, Email string
	NameErr     string
	EmailErr    string
	Token       string
	Closes      string
	Message     string
	Result      *Result
	ResultsURL  string
	List        []listItem
}

func (v view) T(key string, args ...any) string { return T(v.Lang, key, args...) }

type qView struct {
	ID, Field, Kind, Text, Help, Error string
	Required                           bool
	Options                            []optView
	Value                              string
	MinLabel, MaxLabel                 string
}

type optView struct {
	ID, InputID, Text string
	Checked           bool
}

type errItem struct{ Href, Label, Message string }

type listItem struct {
	Title, URL, Closes, Answered string
	Anonymous, Open              bool
}

var pageFuncs = template.FuncMap{
	"pair": func(v view, q qView) map[string]any { return map[string]any{"V": v, "Q": q} },
}

func (s *Service) noStore(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Robots-Tag", "noindex")
}

// render writes template name inside the site's layout.
func (s *Service) render(w http.ResponseWriter, r *http.Request, name string, v view, status int) {
	var buf bytes.Buffer
	if err := s.tmpl.ExecuteTemplate(&buf, name, v); err != nil {
		s.log.Error("surveys: render", "page", name, "err", err)
		http.Error(w, "500 internal server error", http.StatusInternalServerError)
		return
	}
	if s.d.Layout != nil {
		s.d.Layout(w, r, site.LayoutView{Lang: v.Lang, Title: v.Title, Main: template.HTML(buf.String()), Status: status, NoIndex: true})
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintf(w, "<!doctype html><html lang=\"%s\"><head><meta charset=\"utf-8\"><title>%s</title></head><body><main>%s</main></body></html>",
		template.HTMLEscapeString(v.Lang), template.HTMLEscapeString(v.Title), buf.String())
}

func (s *Service) message(w http.ResponseWriter, r *http.Request, pg *content.Page, titleKey, textKey string, status int) {
	v := view{Lang: pg.Lang, Title: T(pg.Lang, titleKey), PageURL: pg.URL, Message: T(pg.Lang, textKey)}
	s.render(w, r, "message", v, status)
}

func (s *Service) serveAnswer(w http.ResponseWriter, r *http.Request, sv *Survey, pg *content.Page) {
	s.noStore(w)
	lang := pg.Lang
	get := r.Method == http.MethodGet || r.Method == http.MethodHead
	if !get && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, HEAD, POST")
		http.Error(w, "405 method not allowed", http.StatusMethodNotAllowed)
		return
	}
	var memberID string
	if sv.Members() {
		if s.d.Session != nil {
			id, err := s.d.Session.MemberID(r)
			if err != nil {
				s.message(w, r, pg, "title.failed", "msg.failed", http.StatusServiceUnavailable)
				return
			}
			memberID = id
		}
		if memberID == "" {
			if s.d.Session == nil {
				s.message(w, r, pg, "title.members", "msg.members", http.StatusForbidden)
				return
			}
			s.d.Session.SignInPage(w, r, lang, AnswerURL(pg))
			return
		}
	}
	if get && r.URL.Query().Get("sent") == "1" {
		s.message(w, r, pg, "title.thanks", "msg.thanks", http.StatusOK)
		return
	}
	if memberID != "" {
		day, err := s.Answered(r.Context(), sv.ID, memberID)
		if err != nil {
			s.log.Error("surveys: answered", "survey", sv.ID, "err", err)
			s.message(w, r, pg, "title.failed", "msg.failed", http.StatusServiceUnavailable)
			return
		}
		if day != "" {
			status := http.StatusOK
			if !get {
				status = http.StatusConflict
			}
			s.message(w, r, pg, "title.answered", "msg.answered", status)
			return
		}
	}
	open, err := s.Open(r.Context(), sv)
	if err != nil {
		s.log.Error("surveys: state", "survey", sv.ID, "err", err)
		s.message(w, r, pg, "title.failed", "msg.failed", http.StatusServiceUnavailable)
		return
	}
	if !open {
		status := http.StatusOK
		if !get {
			status = http.StatusConflict
		}
		s.message(w, r, pg, "title.closed", "msg.closed", status)
		return
	}
	if get {
		s.renderForm(w, r, sv, pg, url.Values{}, nil, "", http.StatusOK)
		return
	}
	s.submit(w, r, sv, pg, memberID)
}

func (s *Service) submit(w http.ResponseWriter, r *http.Request, sv *Survey, pg *content.Page, memberID string) {
	lang := pg.Lang
	body, err := io.ReadAll(io.LimitReader(r.Body, maxForm+1))
	if err != nil {
		http.Error(w, "400 bad request", http.StatusBadRequest)
		return
	}
	if len(body) > maxForm {
		// Keep the pairs before the cut; the one the limit fell in is
		// dropped whole.
		cut := string(body[:maxForm])
		if i := strings.LastIndexByte(cut, '&'); i >= 0 {
			cut = cut[:i]
		} else {
			cut = ""
		}
		kept, _ := url.ParseQuery(cut)
		s.renderForm(w, r, sv, pg, kept, nil, T(lang, "err.form_too_big"), http.StatusRequestEntityTooLarge)
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		s.renderForm(w, r, sv, pg, form, nil, T(lang, "err.form_malformed"), http.StatusBadRequest)
		return
	}
	if !sv.Members() {
		// A filled honeypot: the ordinary thanks, nothing stored.
		if form.Get("website") != "" {
			http.Redirect(w, r, AnswerURL(pg)+"?sent=1", http.StatusSeeOther)
			return
		}
		if !s.validToken(sv.ID, form.Get("ts")) {
			s.renderForm(w, r, sv, pg, form, nil, T(lang, "err.too_fast"), http.StatusUnprocessableEntity)
			return
		}
	}
	a, who, problems := Check(sv, lang, form)
	if !problems.OK() {
		s.renderForm(w, r, sv, pg, form, problems, "", http.StatusUnprocessableEntity)
		return
	}
	if !sv.Members() {
		if ok, retry := s.limit.Allow(web.ClientKey(r), s.now()); !ok {
			w.Header().Set("Retry-After", formguard.RetryAfter(retry))
			s.renderForm(w, r, sv, pg, form, nil, T(lang, "err.rate"), http.StatusTooManyRequests)
			return
		}
	}
	who.MemberID, who.Lang = memberID, lang
	switch err := s.Submit(r.Context(), sv, who, a); {
	case err == nil:
		http.Redirect(w, r, AnswerURL(pg)+"?sent=1", http.StatusSeeOther)
	case errors.Is(err, ErrAlreadyAnswered):
		s.message(w, r, pg, "title.answered", "msg.answered", http.StatusConflict)
	case errors.Is(err, ErrClosed):
		s.message(w, r, pg, "title.closed", "msg.closed", http.StatusConflict)
	case errors.Is(err, ErrNotMember), errors.Is(err, ErrSignIn):
		s.message(w, r, pg, "title.members", "msg.not_member", http.StatusForbidden)
	default:
		s.log.Error("surveys: submit", "survey", sv.ID, "err", err)
		s.renderForm(w, r, sv, pg, form, nil, T(lang, "msg.failed"), http.StatusServiceUnavailable)
	}
}

// renderForm shows the form with what was typed (form) and the problems.
func (s *Service) renderForm(w http.ResponseWriter, r *http.Request, sv *Survey, pg *content.Page, form url.Values, p Problems, notice string, status int) {
	lang := pg.Lang
	v := view{Lang: lang, Title: pg.Title, Survey: sv, Page: pg, ActionURL: AnswerURL(pg), PageURL: pg.URL, Notice: notice,
		Named: !sv.Members() && !sv.Anonymous(), Token: s.newToken(sv.ID)}
	if !sv.Closes.IsZero() {
		v.Closes = when(lang, sv.Closes.In(s.loc()))
	}
	msg := func(pr Problem) string { return T(lang, pr.Key, pr.Args...) }
	for _, q := range sv.Questions(lang) {
		qv := qView{ID: q.ID, Field: field(q.ID), Kind: q.Kind, Text: q.Text, Help: q.Help, Required: q.Required, MinLabel: q.MinLabel, MaxLabel: q.MaxLabel}
		sent := form[field(q.ID)]
		has := func(id string) bool {
			for _, x := range sent {
				if strings.TrimSpace(x) == id {
					return true
				}
			}
			return false
		}
		switch q.Kind {
		case content.QuestionSingle, content.QuestionMultiple:
			for _, o := range q.Options {
				qv.Options = append(qv.Options, optView{ID: o.ID, InputID: field(q.ID) + "-" + o.ID, Text: o.Text, Checked: has(o.ID)})
			}
		case content.QuestionScale:
			for n := q.Min; n <= q.Max; n++ {
				id := strconv.Itoa(n)
				qv.Options = append(qv.Options, optView{ID: id, InputID: field(q.ID) + "-" + strings.ReplaceAll(id, "-", "m"), Text: id, Checked: has(id)})
			}
		default:
			qv.Value = console.Visible(strings.Join(sent, "\n"), q.Kind == content.QuestionLong)
		}
		if pr, bad := p[q.ID]; bad {
			qv.Error = msg(pr)
			href := "#" + field(q.ID)
			if len(qv.Options) > 0 {
				href = "#" + qv.Options[0].InputID
			}
			v.Errors = append(v.Errors, errItem{Href: href, Label: q.Text, Message: qv.Error})
		}
		v.Questions = append(v.Questions, qv)
	}
	if v.Named {
		v.Name, v.Email = console.Visible(form.Get("name"), false), console.Visible(form.Get("email"), false)
		if pr, bad := p["name"]; bad {
			v.NameErr = msg(pr)
			v.Errors = append(v.Errors, errItem{Href: "#f-name", Label: T(lang, "field.name"), Message: v.NameErr})
		}
		if pr, bad := p["email"]; bad {
			v.EmailErr = msg(pr)
			v.Errors = append(v.Errors, errItem{Href: "#f-email", Label: T(lang, "field.email"), Message: v.EmailErr})
		}
	}
	s.render(w, r, "form", v, status)
}

// newToken is the form's time stamp, keyed so a script cannot forge an
// old one: "unix seconds.hex(HMAC)". The blind-index key serves as the
// MAC key (seal.Keyring.BlindIndex is an HMAC with a purpose).
func (s *Service) newToken(id string) string {
	ts := strconv.FormatInt(s.now().Unix(), 10)
	return ts + "." + hex.EncodeToString(s.d.Keys.BlindIndex("surveys.form", id+"/"+ts))
}

// validToken: a token of this survey's form, shown at least MinSeconds
// and at most a day ago.
func (s *Service) validToken(id, tok string) bool {
	ts, mac, ok := strings.Cut(tok, ".")
	if !ok {
		return false
	}
	n, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return false
	}
	want := hex.EncodeToString(s.d.Keys.BlindIndex("surveys.form", id+"/"+ts))
	if !hmac.Equal([]byte(mac), []byte(want)) {
		return false
	}
	age := s.now().Sub(time.Unix(n, 0))
	return age >= time.Duration(s.d.MinSeconds)*time.Second && age <= 24*time.Hour
}

func (s *Service) serveResults(w http.ResponseWriter, r *http.Request, sv *Survey, pg *content.Page) {
	res, err := s.publicResults(r, sv, pg.Lang)
	if err != nil {
		s.log.Error("surveys: results", "survey", sv.ID, "err", err)
		s.message(w, r, pg, "title.failed", "msg.failed", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Cache-Control", "no-cache")
	s.render(w, r, "results", view{Lang: pg.Lang, Title: T(pg.Lang, "title.results", "survey", pg.Title), Survey: sv, Page: pg, PageURL: pg.URL, Result: res}, http.StatusOK)
}

// handleMemberList is the signed-in member's surveys: the member-only
// surveys with a page in lang, open or closed, and whether they answered.
func (s *Service) handleMemberList(w http.ResponseWriter, r *http.Request, lang string) {
	s.noStore(w)
	cs := s.site()
	if cs == nil || cs.Lang(lang) == nil {
		http.NotFound(w, r)
		return
	}
	if s.d.Session == nil {
		http.NotFound(w, r)
		return
	}
	memberID, err := s.d.Session.MemberID(r)
	if err != nil {
		http.Error(w, T(lang, "msg.failed"), http.StatusServiceUnavailable)
		return
	}
	if memberID == "" {
		s.d.Session.SignInPage(w, r, lang, MemberBase(lang))
		return
	}
	v := view{Lang: lang, Title: T(lang, "title.member_list")}
	for _, sv := range s.List() {
		pg, ok := sv.Pages[lang]
		if !ok || !sv.Members() || !pg.Visible(s.now()) {
			continue
		}
		open, err := s.Open(r.Context(), sv)
		if err != nil {
			http.Error(w, T(lang, "msg.failed"), http.StatusServiceUnavailable)
			return
		}
		day, err := s.Answered(r.Context(), sv.ID, memberID)
		if err != nil {
			http.Error(w, T(lang, "msg.failed"), http.StatusServiceUnavailable)
			return
		}
		it := listItem{Title: pg.Title, URL: AnswerURL(pg), Anonymous: sv.Anonymous(), Open: open, Answered: day}
		if !sv.Closes.IsZero() {
			it.Closes = when(lang, sv.Closes.In(s.loc()))
		}
		v.List = append(v.List, it)
	}
	s.render(w, r, "list", v, http.StatusOK)
}

// publicTTL is how long the public results page reuses its count: the
// count opens every sealed answer (10–30 µs each, BenchmarkResults), so
// a popular survey's results page must not do that per visitor.
const publicTTL = 10 * time.Second

type cachedResult struct {
	res *Result
	at  time.Time
}

func (s *Service) publicResults(r *http.Request, sv *Survey, lang string) (*Result, error) {
	key := sv.ID + "/" + lang
	now := s.now()
	s.mu.Lock()
	c, ok := s.pubCache[key]
	s.mu.Unlock()
	if ok && now.Sub(c.at) < publicTTL && !now.Before(c.at) {
		return c.res, nil
	}
	res, err := s.Results(r.Context(), sv, lang, false)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	if s.pubCache == nil || len(s.pubCache) > 1000 {
		s.pubCache = map[string]cachedResult{}
	}
	s.pubCache[key] = cachedResult{res, now}
	s.mu.Unlock()
	return res, nil
}

// when is a time as the page's language writes it.
func when(lang string, t time.Time) string {
	if lang == "cs" {
		return t.Format("2. 1. 2006 15:04")
	}
	return t.Format("2 January 2006, 15:04")
}
