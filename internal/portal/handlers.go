package portal

import (
	"bytes"
	"context"
	"errors"
	"html/template"
	"net/http"
	"strings"
	"time"

	"unionhall/internal/auth"
	"unionhall/internal/site"
)

// CookieName is the member session cookie, apart from the console's
// (auth.CookieName): neither is accepted in place of the other.
const CookieName = "unionhall_member"

// maxForm bounds a portal form body.
const maxForm = 32 << 10

// Register adds the portal's routes: everything under /<lang>/member/ and
// /cs/clen/ (route dispatches on what follows).
func (s *Service) Register(mux *http.ServeMux) {
	mux.HandleFunc("/{lang}/member/{rest...}", func(w http.ResponseWriter, r *http.Request) {
		lang := r.PathValue("lang")
		if lang == "cs" {
			http.Redirect(w, r, Base("cs")+r.PathValue("rest"), http.StatusMovedPermanently)
			return
		}
		if !s.knownLang(lang) {
			s.notFound(w, r, "en")
			return
		}
		s.route(w, r, lang, r.PathValue("rest"))
	})
	mux.HandleFunc("/cs/clen/{rest...}", func(w http.ResponseWriter, r *http.Request) {
		s.route(w, r, "cs", r.PathValue("rest"))
	})
}

// knownLang: the site's languages, or the portal's when there is no site.
func (s *Service) knownLang(lang string) bool {
	if s.d.Site != nil {
		if cs := s.d.Site(); cs != nil {
			return cs.Lang(lang) != nil
		}
	}
	return lang == "en" || lang == "cs"
}

// signedIn is the member behind the request's session cookie.
type signedIn struct {
	ID   string
	hash []byte
}

// current returns the signed-in member, nil without a valid session; err
// only when the session could not be checked.
func (s *Service) current(r *http.Request) (*signedIn, error) {
	c, err := r.Cookie(CookieName)
	if err != nil {
		return nil, nil
	}
	id, hash, err := s.Session(r.Context(), c.Value)
	if errors.Is(err, ErrNoSession) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &signedIn{ID: id, hash: hash}, nil
}

// SignedIn reports whether the request carries a valid member session (the
// member-only pages of the site ask it).
func (s *Service) SignedIn(r *http.Request) (bool, error) {
	m, err := s.current(r)
	return m != nil, err
}

func (s *Service) route(w http.ResponseWriter, r *http.Request, lang, rest string) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("X-Robots-Tag", "noindex, nofollow")
	h.Set("Referrer-Policy", "no-referrer")
	get := r.Method == http.MethodGet || r.Method == http.MethodHead
	post := r.Method == http.MethodPost
	switch {
	case rest == "signin" && post:
		s.handleSignIn(w, r, lang)
		return
	case rest == "link" && get:
		s.handleLinkPage(w, r, lang)
		return
	case rest == "link" && post:
		s.handleLinkConsume(w, r, lang)
		return
	}
	known := map[string]bool{"": get, "details": get || post, "application.pdf": get, "export.json": get, "export.pdf": get,
		"leave": get || post, "signout": post, "signout-everywhere": post}
	ok, exists := known[rest]
	if !exists {
		s.notFound(w, r, lang)
		return
	}
	if !ok {
		h.Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	me, err := s.current(r)
	if err != nil {
		s.log.Error("member session check failed", "err", err)
		s.failed(w, r, lang)
		return
	}
	if me == nil {
		v := s.view(lang, "signin.title")
		if rest != "" {
			v.Error = v.T("session.again")
		}
		if get {
			v.Next = r.URL.Path
		}
		status := http.StatusOK
		if rest != "" {
			status = http.StatusUnauthorized
		}
		s.render(w, r, "signin", v, status)
		return
	}
	switch rest {
	case "":
		s.handleHome(w, r, lang, me)
	case "details":
		s.handleDetails(w, r, lang, me)
	case "application.pdf":
		s.handleApplicationPDF(w, r, lang, me)
	case "export.json":
		s.handleExportJSON(w, r, lang, me)
	case "export.pdf":
		s.handleExportPDF(w, r, lang, me)
	case "leave":
		s.handleLeave(w, r, lang, me)
	case "signout", "signout-everywhere":
		s.handleSignOut(w, r, lang, me, rest == "signout-everywhere")
	}
}

// handleSignOut ends this session, or every session of the member.
func (s *Service) handleSignOut(w http.ResponseWriter, r *http.Request, lang string, me *signedIn, everywhere bool) {
	end, text := func() error { return s.SignOut(r.Context(), me.ID, me.hash) }, "signout.text"
	if everywhere {
		end, text = func() error { return s.SignOutEverywhere(r.Context(), me.ID) }, "signout_all.text"
	}
	if err := end(); err != nil {
		s.log.Error("member sign out", "everywhere", everywhere, "err", err)
		s.failed(w, r, lang)
		return
	}
	s.clearCookie(w, r)
	s.message(w, r, lang, "signout.title", text, http.StatusOK)
}

// view is what every portal template gets.
type view struct {
	Lang  string
	Base  string
	Title string
	// Message and Error are one-line texts at the top of the page.
	Message, Error string
	// Sign-in.
	Email, Token, Next, JoinURL string
	MembersOnly                 bool
	// The portal's pages fill Data.
	Data any
}

// T is a text in the page's language ({{.T "key"}} in templates).
func (v view) T(key string, args ...any) string { return T(v.Lang, key, args...) }

func (s *Service) view(lang, titleKey string) view {
	return view{Lang: lang, Base: Base(lang), Title: T(lang, titleKey), JoinURL: "/" + lang + "/join/"}
}

func (s *Service) render(w http.ResponseWriter, r *http.Request, name string, v view, status int) {
	t := s.byLang[v.Lang]
	if t == nil {
		t = s.tmpl
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, name, v); err != nil {
		s.log.Error("render portal page", "page", name, "err", err)
		http.Error(w, T(v.Lang, "failed.ours"), http.StatusInternalServerError)
		return
	}
	title := v.Title
	if v.Error != "" && status >= 400 && status != http.StatusUnauthorized {
		title = "⚠ " + title
	}
	site.WritePrivate(w, r, s.d.Layout, site.LayoutView{Lang: v.Lang, Title: title, Main: template.HTML(buf.String()), Status: status,
		Alternates: map[string]string{"en": Base("en"), "cs": Base("cs")}})
}

func (s *Service) message(w http.ResponseWriter, r *http.Request, lang, titleKey, textKey string, status int) {
	v := s.view(lang, titleKey)
	if status >= 400 {
		v.Error = v.T(textKey)
	} else {
		v.Message = v.T(textKey)
	}
	s.render(w, r, "message", v, status)
}

func (s *Service) failed(w http.ResponseWriter, r *http.Request, lang string) {
	s.message(w, r, lang, "failed.title", "failed.ours", http.StatusServiceUnavailable)
}

func (s *Service) notFound(w http.ResponseWriter, r *http.Request, lang string) {
	v := s.view(lang, "failed.title")
	v.Error = "404"
	s.render(w, r, "message", v, http.StatusNotFound)
}

// SignInPage writes the sign-in form in lang with status 401, for a
// member-only page asked for without a member session; next brings the
// member back to it after signing in.
func (s *Service) SignInPage(w http.ResponseWriter, r *http.Request, lang, next string) {
	if !s.knownLang(lang) {
		lang = "en"
	}
	w.Header().Set("Cache-Control", "no-store")
	v := s.view(lang, "signin.title")
	v.MembersOnly = true
	v.Next = cleanNext(next)
	s.render(w, r, "signin", v, http.StatusUnauthorized)
}

// cleanNext keeps a return path only when it is a plain local path: no
// scheme or host ("//evil", "/\evil"), no query, nothing outside printable
// ASCII, bounded.
func cleanNext(p string) string {
	if p == "" || len(p) > 300 || p[0] != '/' || strings.HasPrefix(p, "//") || strings.ContainsAny(p, "\\?#") {
		return ""
	}
	for _, c := range []byte(p) {
		if c <= 0x20 || c >= 0x7f {
			return ""
		}
	}
	return p
}

func (s *Service) handleSignIn(w http.ResponseWriter, r *http.Request, lang string) {
	v := s.view(lang, "signin.title")
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		v.Error = v.T("signin.form_unread")
		s.render(w, r, "signin", v, http.StatusBadRequest)
		return
	}
	email, next := r.PostFormValue("email"), cleanNext(r.PostFormValue("next"))
	v.Next = next
	err := s.RequestLink(r.Context(), email, s.d.ClientAddr(r), lang, next)
	switch {
	case err == nil:
		s.message(w, r, lang, "sent.title", "sent.text", http.StatusOK)
	case errors.Is(err, auth.ErrBadEmail):
		if len(email) > 254 {
			email = email[:254]
		}
		v.Email, v.Error = shown(email), v.T("signin.bad_email")
		s.render(w, r, "signin", v, http.StatusBadRequest)
	case errors.Is(err, errRateLimited):
		w.Header().Set("Retry-After", "900")
		v.Email, v.Error = shown(email), v.T("signin.rate_limited")
		s.render(w, r, "signin", v, http.StatusTooManyRequests)
	default:
		s.log.Error("member sign-in link request failed", "err", err)
		v.Email, v.Error = shown(email), v.T("signin.failed_later")
		s.render(w, r, "signin", v, http.StatusServiceUnavailable)
	}
}

// handleLinkPage shows the button that spends the link. A GET changes
// nothing: mail scanners fetching the URL neither burn nor use it.
func (s *Service) handleLinkPage(w http.ResponseWriter, r *http.Request, lang string) {
	v := s.view(lang, "link.title")
	if t := r.URL.Query().Get("token"); len(t) <= 100 && !strings.ContainsAny(t, "\"<>'") {
		v.Token = t
	}
	v.Next = cleanNext(r.URL.Query().Get("next"))
	s.render(w, r, "link", v, http.StatusOK)
}

func (s *Service) secure(r *http.Request) bool {
	return r.TLS != nil || strings.HasPrefix(s.d.BaseURL, "https://")
}

func (s *Service) handleLinkConsume(w http.ResponseWriter, r *http.Request, lang string) {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		s.message(w, r, lang, "link.invalid_title", "signin.form_unread", http.StatusBadRequest)
		return
	}
	token, _, err := s.ConsumeLink(r.Context(), r.PostFormValue("token"))
	if errors.Is(err, ErrBadLink) {
		v := s.view(lang, "link.invalid_title")
		v.Error = v.T("link.used")
		s.render(w, r, "signin", v, http.StatusBadRequest)
		return
	}
	if err != nil {
		s.log.Error("spend member sign-in link", "err", err)
		s.failed(w, r, lang)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: token, Path: "/",
		MaxAge: int(s.d.AbsoluteTimeout.Seconds()), HttpOnly: true, Secure: s.secure(r), SameSite: http.SameSiteLaxMode})
	target := Base(lang)
	if n := cleanNext(r.PostFormValue("next")); n != "" {
		target = n
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

func (s *Service) clearCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.secure(r), SameSite: http.SameSiteLaxMode})
}

// load reads the signed-in member; a member erased meanwhile has no
// session left (erasure deletes them), so ErrNoMember is a plain failure.
func (s *Service) load(ctx context.Context, me *signedIn) (*Member, error) {
	return s.d.Registry.Member(ctx, me.ID)
}

func (s *Service) date(t time.Time) string {
	loc := time.UTC
	if s.d.Site != nil {
		if cs := s.d.Site(); cs != nil && cs.Location != nil {
			loc = cs.Location
		}
	}
	return t.In(loc).Format("2006-01-02")
}
