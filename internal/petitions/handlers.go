package petitions

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unionhall/internal/formguard"

	"unionhall/internal/content"
	"unionhall/internal/site"
	"unionhall/internal/web"
)

//go:embed embed.css
var embedCSS []byte

// maxFormBytes bounds a signing post: the largest legitimate one (a full
// comment in a script of multi-byte letters) is under 16 KB.
const maxFormBytes = 32 << 10

// maxDrainBytes bounds how much of an over-limit post is read and dropped.
const maxDrainBytes = 1 << 20

// Register adds the confirmation page. Petition pages live at their
// content URL; they and the fixed /petitions/ paths (the embed page, the
// count as JSON, the embed stylesheet) are served through Wrap, because
// ServeMux refuses /petitions/{id}/embed beside the portal's
// /{lang}/member/{rest...} (neither pattern is more specific).
func (s *Service) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /{lang}/signature/confirm", s.handleConfirmPage)
	mux.HandleFunc("POST /{lang}/signature/confirm", s.handleConfirm)
	mux.HandleFunc("GET /{lang}/signature/sent", s.handleSent(sentKind))
	mux.HandleFunc("GET /{lang}/signature/thanks", s.handleSent(thanksKind))
}

// The patterns Wrap records on the requests it serves, for metrics and
// logs that count by route (never a petition's own URL).
const (
	PagePattern  = "/{petition}/"
	EmbedPattern = "/petitions/{id}/embed"
	CountPattern = "/petitions/{id}/count.json"
	EmbedCSSPath = "/petitions/embed.css"
	fixedPrefix  = "/petitions/"
	embedSuffix  = "/embed"
	countSuffix  = "/count.json"
	maxIDInAPath = 64
)

// Wrap serves the pages that declare a petition (GET shows it with the
// live counter and the form, POST signs) and the fixed /petitions/ paths,
// and passes everything else to next. The page is not the site's cached
// page: the form carries a signed timestamp and a member sees a one-click
// button, both per request. What is costly stays cached all the same: the
// Markdown body is rendered once per site load (content), the site's
// chrome once per language (site.Layout's frame), the count and names in
// memory (cache.go, names.go), so a page view under a signing rush reads
// nothing from the database.
func (s *Service) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path := r.URL.Path
		if strings.HasPrefix(path, fixedPrefix) && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
			rest := strings.TrimPrefix(path, fixedPrefix)
			switch {
			case path == EmbedCSSPath:
				r.Pattern = EmbedCSSPath
				w.Header().Set("Content-Type", "text/css; charset=utf-8")
				w.Header().Set("Cache-Control", "public, max-age=86400")
				_, _ = w.Write(embedCSS)
				return
			case strings.HasSuffix(rest, embedSuffix) && validPathID(strings.TrimSuffix(rest, embedSuffix)):
				r.Pattern = EmbedPattern
				s.handleEmbed(w, r, strings.TrimSuffix(rest, embedSuffix))
				return
			case strings.HasSuffix(rest, countSuffix) && validPathID(strings.TrimSuffix(rest, countSuffix)):
				r.Pattern = CountPattern
				s.handleCount(w, r, strings.TrimSuffix(rest, countSuffix))
				return
			}
		}
		if p, ok := s.pageAt(path); ok && !p.MembersOnly {
			r.Pattern = PagePattern
			switch r.Method {
			case http.MethodGet, http.MethodHead:
				s.serveFresh(w, r, p)
			case http.MethodPost:
				s.submit(w, r, p)
			default:
				w.Header().Set("Allow", "GET, HEAD, POST")
				http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
			}
			return
		}
		next.ServeHTTP(w, r)
	})
}

// validPathID is a petition id as it may appear in a fixed path: one
// segment, not empty, bounded.
func validPathID(id string) bool {
	return id != "" && len(id) <= maxIDInAPath && !strings.ContainsAny(id, "/%")
}

// petitionOf is the petition p declares, with its stored state (from the
// in-memory counter).
func (s *Service) petitionOf(ctx context.Context, p *content.Page) (Petition, error) {
	pt, ok := s.declared(ID(p), p.Lang)
	if !ok {
		return Petition{}, ErrNotFound
	}
	pt.Page, pt.Title = p, p.Title
	return s.counts.state(ctx, pt)
}

type fieldView struct {
	Lang, Name, Label, Hint, Type, Value, Auto, Error string
	Required                                          bool
	Max                                               int
}

type checkView struct {
	Name, Label, Error string
	Checked, Required  bool
}

type errItem struct{ Field, Message string }

type pageView struct {
	Lang, Title, Target, Closes, ClosedText, Notice string
	Description, Body                               template.HTML
	CountText                                       string
	Goal, BarValue                                  int
	Open                                            bool
	Names                                           []PublicName
	ActionURL, PageURL, AbsURL, EmbedCode, Stamp    string
	Fields                                          []fieldView
	Consent, News                                   checkView
	ShowName                                        *checkView
	ConsentText                                     string
	Member                                          string
	ErrorList                                       []errItem
}

// counterView fills the counter part of v.
func (s *Service) counterView(v *pageView, pt Petition, lang string) {
	v.Goal = pt.Decl.Goal
	v.BarValue = min(pt.Confirmed, max(pt.Decl.Goal, 0))
	if v.Goal > 0 {
		v.CountText = T(lang, "page.signatures_goal", "count", formatInt(lang, pt.Confirmed), "goal", formatInt(lang, v.Goal))
	} else {
		v.CountText = T(lang, "page.signatures", "count", formatInt(lang, pt.Confirmed))
	}
	v.Open = pt.Open(s.now())
	if !v.Open {
		if v.Goal > 0 {
			v.ClosedText = T(lang, "page.closed_goal", "count", formatInt(lang, pt.Confirmed), "goal", formatInt(lang, v.Goal))
		} else {
			v.ClosedText = T(lang, "page.closed", "count", formatInt(lang, pt.Confirmed))
		}
	}
}

// formatInt groups digits as each language writes numbers (1,234 / 1 234).
func formatInt(lang string, n int) string {
	s := strconv.Itoa(n)
	sep := ","
	if lang == "cs" {
		sep = "\u00a0"
	}
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// servePage renders the petition page with f as typed and errs.
func (s *Service) servePage(w http.ResponseWriter, r *http.Request, p *content.Page, f *form, errs map[string]fieldError, notice string, status int) {
	s.renderPage(w, r, p, f, errs, notice, status, nil)
}

// renderPage is servePage; stampOut, when set, receives the form's
// timestamp ("" when the page was made for a signed-in member).
func (s *Service) renderPage(w http.ResponseWriter, r *http.Request, p *content.Page, f *form, errs map[string]fieldError, notice string, status int, stampOut *string) {
	lang := p.Lang
	pt, err := s.petitionOf(r.Context(), p)
	if err != nil {
		s.log.Error("petition state", "petition", ID(p), "err", err)
		http.Error(w, "503 service unavailable", http.StatusServiceUnavailable)
		return
	}
	now := s.now()
	v := pageView{Lang: lang, Title: p.Title, Description: p.Description, Body: p.Body(), Notice: notice,
		ActionURL: p.URL + "#sign", PageURL: p.URL, AbsURL: s.absURL(r, p.URL)}
	v.EmbedCode = fmt.Sprintf(`<iframe src="%s" title="%s" width="360" height="200" loading="lazy"></iframe>`,
		s.absURL(r, "/petitions/"+url.PathEscape(pt.ID)+"/embed?lang="+url.QueryEscape(lang)), template.HTMLEscapeString(p.Title))
	if pt.Decl.Target != "" {
		v.Target = T(lang, "page.target", "target", pt.Decl.Target)
	}
	s.counterView(&v, pt, lang)
	if v.Open && !pt.Closes.IsZero() {
		if cs := s.d.Site(); cs != nil {
			v.Closes = T(lang, "page.closes", "date", cs.FormatDate(lang, pt.Closes.In(s.loc())))
		}
	}
	if pt.Decl.PublicNames {
		if names, err := s.LatestNames(r.Context(), pt.ID); err != nil {
			s.log.Error("public names", "petition", pt.ID, "err", err)
		} else {
			v.Names = names
		}
	}
	msg := func(field string) string {
		if e, ok := errs[field]; ok {
			return T(lang, e.Key, e.Args...)
		}
		return ""
	}
	days := int(s.eraseAfter(pt).Hours() / 24)
	v.Consent = checkView{Name: "consent", Label: T(lang, "field.consent", "days", days), Checked: f.Consent, Required: true, Error: msg("consent")}
	v.ConsentText = v.Consent.Label
	v.News = checkView{Name: "news", Label: T(lang, "field.news"), Checked: f.News, Error: msg("news")}
	if pt.Decl.PublicNames {
		label := T(lang, "field.show_name_plain")
		if pt.Decl.Target != "" {
			label = T(lang, "field.show_name", "target", pt.Decl.Target)
		}
		v.ShowName = &checkView{Name: "show_name", Label: label, Checked: f.ShowName, Error: msg("show_name")}
	}
	if v.Open && s.d.Members != nil && r.Method != http.MethodPost {
		if m, ok, err := s.d.Members(r); err != nil {
			s.log.Error("member session", "err", err)
		} else if ok {
			v.Member = m.Name
		}
	}
	fields := []fieldView{
		{Name: "name", Label: T(lang, "field.name"), Type: "text", Value: f.Name, Auto: "name", Required: true, Max: maxName},
		{Name: "email", Label: T(lang, "field.email"), Hint: T(lang, "hint.email"), Type: "email", Value: f.Email, Auto: "email", Required: true, Max: maxEmail},
	}
	for _, d := range pt.Decl.Fields {
		fv := fieldView{Name: d.Name, Label: T(lang, "field."+d.Name), Type: "text", Required: d.Required}
		switch d.Name {
		case "city":
			fv.Value, fv.Max, fv.Auto = f.City, maxCity, "address-level2"
		case "workplace":
			fv.Value, fv.Max, fv.Auto = f.Workplace, maxWorkplace, "organization"
		case "comment":
			fv.Value, fv.Max = f.Comment, maxComment
		}
		fields = append(fields, fv)
	}
	for i := range fields {
		fields[i].Lang = lang
		if m := msg(fields[i].Name); m != "" {
			fields[i].Error = m
			v.ErrorList = append(v.ErrorList, errItem{Field: fields[i].Name, Message: fields[i].Label + ": " + m})
		}
	}
	for _, c := range []checkView{v.Consent, v.News} {
		if c.Error != "" {
			v.ErrorList = append(v.ErrorList, errItem{Field: c.Name, Message: c.Error})
		}
	}
	if v.ShowName != nil && v.ShowName.Error != "" {
		v.ErrorList = append(v.ErrorList, errItem{Field: "show_name", Message: v.ShowName.Error})
	}
	v.Fields = fields
	v.Stamp = f.Stamp
	if v.Stamp == "" {
		v.Stamp = s.stamp.Stamp(now)
	}
	if stampOut != nil {
		*stampOut = v.Stamp
		if v.Member != "" {
			*stampOut = "" // per member: not for the shared cache
		}
	}
	title := p.Title
	if len(v.ErrorList) > 0 || notice != "" {
		title = "⚠ " + title
	}
	alt := map[string]string{}
	for l, q := range pt.Pages {
		alt[l] = q.URL
	}
	s.render(w, r, "page", v, site.LayoutView{Lang: lang, Title: title, Description: p.DescriptionText,
		Status: status, Alternates: alt, Canonical: p.URL, NoIndex: status != http.StatusOK})
}

// absURL is path on the server's base URL (or the request's host).
func (s *Service) absURL(r *http.Request, path string) string {
	if s.d.BaseURL != "" {
		return s.d.BaseURL + path
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + path
}

// readPost reads a URL-encoded post of at most maxFormBytes; over the
// limit, the pairs before the cut are kept so the page can show them.
func readPost(r *http.Request) (vals url.Values, tooLarge bool) {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "application/x-www-form-urlencoded" {
		return url.Values{}, false
	}
	b, _ := io.ReadAll(io.LimitReader(r.Body, maxFormBytes+1))
	if len(b) > maxFormBytes {
		tooLarge = true
		b = b[:bytes.LastIndexByte(b[:maxFormBytes], '&')+1]
		_, _ = io.CopyN(io.Discard, r.Body, maxDrainBytes)
	}
	vals, _ = url.ParseQuery(string(b))
	return vals, tooLarge
}

// submit takes the signing form. Every refusal is the page again in its
// language with what was typed kept and a message saying nothing was
// saved: closed (409), too large (413), honeypot or timestamp (400, one
// neutral message whatever tripped), invalid fields (422), rate limit
// (429), a fault on our side (503). Success answers the same whether the
// address was new or had signed: the page cannot be asked who signed.
func (s *Service) submit(w http.ResponseWriter, r *http.Request, p *content.Page) {
	lang := p.Lang
	vals, tooLarge := readPost(r)
	pt, err := s.petitionOf(r.Context(), p)
	if err != nil {
		s.log.Error("petition state", "petition", ID(p), "err", err)
		http.Error(w, "503 service unavailable", http.StatusServiceUnavailable)
		return
	}
	now := s.now()
	if vals.Get("action") == "member" && s.d.Members != nil {
		s.submitMember(w, r, p, pt, vals)
		return
	}
	f, errs := readForm(vals)
	if !pt.Open(now) {
		s.servePage(w, r, p, &f, nil, T(lang, "form.error_closed"), http.StatusConflict)
		return
	}
	if tooLarge {
		s.servePage(w, r, p, &f, nil, T(lang, "form.error_too_large", "kb", maxFormBytes>>10), http.StatusRequestEntityTooLarge)
		return
	}
	verdict := s.stamp.Check(f.Stamp, now, s.d.MinFillTime)
	if vals.Get("website") != "" || verdict == formguard.Invalid || verdict == formguard.TooFast {
		s.log.Info("petition form: refused", "reason", "spam guard")
		f.Stamp = ""
		s.servePage(w, r, p, &f, nil, T(lang, "form.neutral"), http.StatusBadRequest)
		return
	}
	if verdict == formguard.Stale {
		f.Stamp = ""
		s.servePage(w, r, p, &f, nil, T(lang, "form.stale"), http.StatusBadRequest)
		return
	}
	g := validate(pt, &f, errs)
	if len(errs) > 0 {
		s.servePage(w, r, p, &f, errs, "", http.StatusUnprocessableEntity)
		return
	}
	if ok, _ := s.limit.Allow(web.ClientKey(r), now); !ok {
		s.log.Info("petition form: refused", "reason", "rate limit")
		w.Header().Set("Retry-After", "3600")
		s.servePage(w, r, p, &f, nil, T(lang, "form.error_rate"), http.StatusTooManyRequests)
		return
	}
	if _, err := s.Sign(r.Context(), pt, Signing{Lang: lang, Signer: g, News: f.News, ShowName: f.ShowName}); err != nil {
		if errors.Is(err, ErrClosed) {
			s.servePage(w, r, p, &f, nil, T(lang, "form.error_closed"), http.StatusConflict)
			return
		}
		s.log.Error("petition: sign", "petition", pt.ID, "err", err)
		s.servePage(w, r, p, &f, nil, T(lang, "form.error_failed"), http.StatusServiceUnavailable)
		return
	}
	http.Redirect(w, r, sentURL(lang, pt.ID, sentKind), http.StatusSeeOther)
}

// submitMember signs for the member signed in on r, at once.
func (s *Service) submitMember(w http.ResponseWriter, r *http.Request, p *content.Page, pt Petition, vals url.Values) {
	lang := p.Lang
	m, ok, err := s.d.Members(r)
	if err != nil {
		s.log.Error("member session", "err", err)
		s.servePage(w, r, p, &form{}, nil, T(lang, "form.error_failed"), http.StatusServiceUnavailable)
		return
	}
	if !ok {
		// The session ended meanwhile: the ordinary form, nothing saved.
		s.servePage(w, r, p, &form{}, nil, T(lang, "form.neutral"), http.StatusBadRequest)
		return
	}
	if !pt.Open(s.now()) {
		s.servePage(w, r, p, &form{}, nil, T(lang, "form.error_closed"), http.StatusConflict)
		return
	}
	g := Signer{Name: m.Name, Email: m.Email, City: m.City, Consent: true}
	in := Signing{Lang: lang, Signer: g, News: vals.Get("news") == "yes", ShowName: vals.Get("show_name") == "yes"}
	if _, err := s.SignMember(r.Context(), pt, in); err != nil {
		if errors.Is(err, ErrClosed) {
			s.servePage(w, r, p, &form{}, nil, T(lang, "form.error_closed"), http.StatusConflict)
			return
		}
		s.log.Error("petition: member sign", "petition", pt.ID, "err", err)
		s.servePage(w, r, p, &form{}, nil, T(lang, "form.error_failed"), http.StatusServiceUnavailable)
		return
	}
	http.Redirect(w, r, sentURL(lang, pt.ID, thanksKind), http.StatusSeeOther)
}

type messageView struct {
	Lang, Title, Text, Token, BackURL string
}

func (s *Service) message(w http.ResponseWriter, r *http.Request, v messageView, status int) {
	s.render(w, r, "message", v, site.LayoutView{Lang: v.Lang, Title: v.Title, Status: status, NoIndex: true})
}

func (s *Service) langOf(r *http.Request) string {
	lang := r.PathValue("lang")
	if cs := s.d.Site(); cs != nil && cs.Lang(lang) == nil {
		lang = cs.DefaultLang
	}
	return lang
}

// handleConfirmPage is the emailed link: a page with a button whose POST
// confirms, so a mail scanner opening links confirms nothing.
func (s *Service) handleConfirmPage(w http.ResponseWriter, r *http.Request) {
	lang := s.langOf(r)
	token := r.URL.Query().Get("token")
	if token == "" || len(token) > 128 {
		s.message(w, r, messageView{Lang: lang, Title: T(lang, "confirm.title"), Text: T(lang, "confirm.invalid")}, http.StatusNotFound)
		return
	}
	// The GET does not look the token up: opening the link (a person or a
	// mail scanner) changes nothing and tells nothing about it. The token
	// stays out of the Referer of anything the page links to.
	w.Header().Set("Referrer-Policy", "no-referrer")
	s.message(w, r, messageView{Lang: lang, Title: T(lang, "confirm.title"), Text: T(lang, "confirm.text"), Token: token}, http.StatusOK)
}

func (s *Service) handleConfirm(w http.ResponseWriter, r *http.Request) {
	lang := s.langOf(r)
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	token := r.PostFormValue("token")
	c, err := s.Confirm(r.Context(), token)
	back := ""
	title := ""
	if c.PetitionID != "" {
		if pt, ok := s.declared(c.PetitionID, lang); ok {
			back, title = pt.Page.URL, pt.Title
		}
	}
	switch {
	case err == nil:
		s.message(w, r, messageView{Lang: lang, Title: T(lang, "signed.title"), Text: T(lang, "confirm.done", "title", title), BackURL: back}, http.StatusOK)
	case errors.Is(err, ErrNoToken), errors.Is(err, ErrNotFound):
		s.message(w, r, messageView{Lang: lang, Title: T(lang, "confirm.title"), Text: T(lang, "confirm.invalid")}, http.StatusNotFound)
	case errors.Is(err, ErrClosed):
		s.message(w, r, messageView{Lang: lang, Title: T(lang, "confirm.title"), Text: T(lang, "confirm.closed"), BackURL: back}, http.StatusConflict)
	default:
		s.log.Error("petition: confirm", "err", err)
		s.message(w, r, messageView{Lang: lang, Title: T(lang, "confirm.title"), Text: T(lang, "confirm.failed"), Token: token}, http.StatusServiceUnavailable)
	}
}

// public finds petition id for the embed and JSON routes, in lang (query
// parameter) when it has that language.
func (s *Service) public(r *http.Request, id string) (Petition, string, bool) {
	lang := r.URL.Query().Get("lang")
	pt, ok := s.declared(id, lang)
	if !ok || !pt.Page.Visible(s.now()) || pt.Page.MembersOnly {
		return Petition{}, "", false
	}
	if pt.Page.Lang != lang {
		lang = pt.Page.Lang
	}
	pt, err := s.counts.state(r.Context(), pt)
	if err != nil {
		s.log.Error("petition state", "petition", id, "err", err)
		return Petition{}, "", false
	}
	return pt, lang, true
}

// countJSON is /petitions/{id}/count.json.
type countJSON struct {
	ID        string     `json:"id"`
	Title     string     `json:"title"`
	URL       string     `json:"url"`
	Confirmed int        `json:"confirmed"`
	Goal      int        `json:"goal,omitempty"`
	Open      bool       `json:"open"`
	Closes    *time.Time `json:"closes,omitempty"`
}

func (s *Service) handleCount(w http.ResponseWriter, r *http.Request, id string) {
	pt, _, ok := s.public(r, id)
	if !ok {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"error":"no such petition"}` + "\n"))
		return
	}
	c := countJSON{ID: pt.ID, Title: pt.Title, URL: pt.Page.URL, Confirmed: pt.Confirmed, Goal: pt.Decl.Goal, Open: pt.Open(s.now())}
	if t := pt.ClosedAt(); !t.IsZero() {
		t = t.UTC()
		c.Closes = &t
	}
	b, _ := json.Marshal(c)
	h := w.Header()
	h.Set("Content-Type", "application/json")
	// A second: the count the page would show anyway (cache.go).
	h.Set("Cache-Control", "public, max-age=1")
	_, _ = w.Write(append(b, '\n'))
}

// embedCSP lets any site frame the embed page (and only it); it still
// loads nothing but its own stylesheet.
const embedCSP = "default-src 'none'; style-src 'self'; img-src 'self'; frame-ancestors *; base-uri 'none'; form-action 'none'"

func (s *Service) handleEmbed(w http.ResponseWriter, r *http.Request, id string) {
	pt, lang, ok := s.public(r, id)
	if !ok {
		http.NotFound(w, r)
		return
	}
	v := pageView{Lang: lang, Title: pt.Title, AbsURL: s.absURL(r, pt.Page.URL)}
	s.counterView(&v, pt, lang)
	var buf bytes.Buffer
	if err := s.tmpl.ExecuteTemplate(&buf, "embed", v); err != nil {
		s.log.Error("render embed", "err", err)
		http.Error(w, "500 internal server error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Security-Policy", embedCSP)
	h.Del("X-Frame-Options")
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "public, max-age=5")
	_, _ = w.Write(buf.Bytes())
}

// render executes a template into the site's layout.
func (s *Service) render(w http.ResponseWriter, r *http.Request, name string, data any, v site.LayoutView) {
	var buf bytes.Buffer
	if err := s.tmpl.ExecuteTemplate(&buf, name, data); err != nil {
		s.log.Error("render template", "template", name, "err", err)
		http.Error(w, "500 internal server error", http.StatusInternalServerError)
		return
	}
	v.Main = template.HTML(buf.String())
	if s.d.Layout == nil {
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		if h.Get("Cache-Control") == "" {
			h.Set("Cache-Control", "no-store")
		}
		if v.Status == 0 {
			v.Status = http.StatusOK
		}
		w.WriteHeader(v.Status)
		fmt.Fprintf(w, "<!DOCTYPE html><html lang=%q><head><meta charset=utf-8><title>%s</title></head><body><main>%s</main></body></html>",
			v.Lang, template.HTMLEscapeString(v.Title), v.Main)
		return
	}
	s.d.Layout(w, r, v)
}
