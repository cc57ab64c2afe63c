package auth

import (
	_ "embed"
	"errors"
	"net"
	"net/http"
	"strings"
)

//go:embed static/passkey.js
var passkeyJS []byte

// CookieName is the session cookie. It holds a random token; the database
// keeps only its hash.
const CookieName = "unionhall_session"

// maxForm bounds a login form body.
const maxForm = 16 << 10

// Register adds the login routes: the login form, the link page (GET shows a
// button, POST spends the link) and sign-out.
func (s *Service) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /auth/login", s.handleLoginForm)
	mux.HandleFunc("POST /auth/login", s.handleLoginRequest)
	mux.HandleFunc("GET /auth/link", s.handleLinkPage)
	mux.HandleFunc("POST /auth/link", s.handleLinkConsume)
	mux.Handle("POST /auth/logout", s.Middleware(http.HandlerFunc(s.handleLogout)))
	mux.Handle("POST /auth/logout-everywhere", s.Middleware(http.HandlerFunc(s.handleLogoutEverywhere)))
	mux.Handle("GET /auth/account", s.Middleware(http.HandlerFunc(s.handleAccountPage)))
	mux.Handle("POST /auth/account/lang", s.Middleware(http.HandlerFunc(s.handleAccountLang)))
	mux.HandleFunc("GET /auth/static/passkey.js", s.handleScript)
	if s.webauthn != nil {
		mux.Handle("POST /auth/passkey/register/begin", s.Middleware(http.HandlerFunc(s.handlePasskeyRegisterBegin)))
		mux.Handle("POST /auth/passkey/register/finish", s.Middleware(http.HandlerFunc(s.handlePasskeyRegisterFinish)))
		mux.HandleFunc("POST /auth/passkey/login/begin", s.handlePasskeyLoginBegin)
		mux.HandleFunc("POST /auth/passkey/login/finish", s.handlePasskeyLoginFinish)
		mux.Handle("POST /auth/passkey/{id}/delete", s.Middleware(http.HandlerFunc(s.handlePasskeyDelete)))
	}
	if s.oidc != nil {
		mux.HandleFunc("GET /auth/oidc", s.handleOIDCStart)
		mux.HandleFunc("GET /auth/oidc/callback", s.handleOIDCCallback)
	}
}

type pageView struct {
	// Lang is the page's language (see Lang): <html lang> and every text.
	Lang       string
	SSO        string // name of the single sign-on provider, if configured
	PasskeysOn bool   // passkeys are offered
	Passkeys   []Passkey
	Title      string
	Message    string
	Error      string
	Email      string
	Token      string
	// The account page's language choice: the saved one ("" = follow the
	// browser), what the browser asks for now, and the choices.
	SavedLang   string
	BrowserLang string
	Languages   []string
}

// T is a text of the page's language; templates call it as {{.T "key"}}
// (a method rather than a template function, so the template set parsed
// in New needs no function map).
func (v pageView) T(key string, args ...any) string { return T(v.Lang, key, args...) }

// page starts a view in the request's language: the signed-in account's
// choice behind Middleware, the browser's before sign-in.
func (s *Service) page(r *http.Request) pageView {
	return pageView{Lang: s.Lang(r, FromContext(r.Context()))}
}

func (s *Service) render(w http.ResponseWriter, name string, status int, v pageView) {
	if v.Lang == "" {
		v.Lang = FallbackLang
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Language", v.Lang)
	h.Set("Cache-Control", "no-store")
	h.Set("X-Robots-Tag", "noindex, nofollow")
	// The link page's URL carries the token: never send it on.
	h.Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(status)
	if s.oidc != nil {
		v.SSO = s.oidc.cfg.Name
	}
	v.PasskeysOn = s.webauthn != nil
	if err := s.tmpl.ExecuteTemplate(w, name, v); err != nil {
		s.log.Error("render auth page", "page", name, "err", err)
	}
}

func (s *Service) handleLoginForm(w http.ResponseWriter, r *http.Request) {
	v := s.page(r)
	v.Title = v.T("login.title")
	s.render(w, "login.html", http.StatusOK, v)
}

func remoteAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func (s *Service) handleLoginRequest(w http.ResponseWriter, r *http.Request) {
	v := s.page(r)
	v.Title = v.T("login.title")
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		v.Error = v.T("login.form_unread")
		s.render(w, "login.html", http.StatusBadRequest, v)
		return
	}
	email := r.PostFormValue("email")
	// The link email is written in the language of this request (LangFrom).
	err := s.RequestLink(WithLang(r.Context(), v.Lang), email, s.d.ClientAddr(r))
	switch {
	case err == nil:
		v.Title, v.Message = v.T("sent.title"), v.T("sent.text")
		s.render(w, "message.html", http.StatusOK, v)
	case errors.Is(err, ErrBadEmail):
		if len(email) > maxEmail {
			email = ""
		}
		v.Email, v.Error = email, v.T("login.bad_email")
		s.render(w, "login.html", http.StatusBadRequest, v)
	case errors.Is(err, errRateLimited):
		w.Header().Set("Retry-After", "900")
		v.Error = v.T("login.rate_limited")
		s.render(w, "login.html", http.StatusTooManyRequests, v)
	default:
		s.log.Error("login link request failed", "err", err)
		v.Error = v.T("login.failed_later")
		s.render(w, "login.html", http.StatusServiceUnavailable, v)
	}
}

func (s *Service) handleScript(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Write(passkeyJS)
}

// handleLinkPage shows a button that spends the link. A GET changes nothing:
// mail scanners and link previews that fetch the URL do not burn it.
func (s *Service) handleLinkPage(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("token")
	if len(token) > 100 || strings.ContainsAny(token, "\"<>'") {
		token = ""
	}
	v := s.page(r)
	v.Title, v.Token = v.T("login.title"), token
	s.render(w, "link.html", http.StatusOK, v)
}

func (s *Service) secure(r *http.Request) bool {
	return r.TLS != nil || strings.HasPrefix(s.d.BaseURL, "https://")
}

func (s *Service) handleLinkConsume(w http.ResponseWriter, r *http.Request) {
	v := s.page(r)
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		v.Title, v.Error = v.T("link.invalid_title"), v.T("link.form_unread")
		s.render(w, "message.html", http.StatusBadRequest, v)
		return
	}
	token, _, err := s.ConsumeLink(r.Context(), r.PostFormValue("token"))
	if errors.Is(err, ErrBadLink) {
		v.Title, v.Error = v.T("link.invalid_title"), v.T("link.used")
		s.render(w, "message.html", http.StatusBadRequest, v)
		return
	}
	if err != nil {
		s.log.Error("spend login link", "err", err)
		v.Title, v.Error = v.T("failed.title"), v.T("failed.ours")
		s.render(w, "message.html", http.StatusServiceUnavailable, v)
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: CookieName, Value: token, Path: "/",
		MaxAge:   int(s.d.AbsoluteTimeout.Seconds()),
		HttpOnly: true, Secure: s.secure(r), SameSite: http.SameSiteLaxMode,
	})
	http.Redirect(w, r, "/admin/", http.StatusSeeOther)
}

func (s *Service) clearCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.secure(r), SameSite: http.SameSiteLaxMode})
}

func (s *Service) handleLogout(w http.ResponseWriter, r *http.Request) {
	v := s.page(r) // before the session ends: the account's language
	if err := s.SignOut(r.Context(), FromContext(r.Context())); err != nil {
		s.log.Error("sign out", "err", err)
		http.Error(w, v.T("signout.failed"), http.StatusServiceUnavailable)
		return
	}
	s.clearCookie(w, r)
	v.Title, v.Message = v.T("signout.title"), v.T("signout.text")
	s.render(w, "message.html", http.StatusOK, v)
}

func (s *Service) handleLogoutEverywhere(w http.ResponseWriter, r *http.Request) {
	a := FromContext(r.Context())
	v := s.page(r)
	if err := s.SignOutEverywhere(r.Context(), a.ID, a.ID); err != nil {
		s.log.Error("sign out everywhere", "err", err)
		http.Error(w, v.T("signout.failed"), http.StatusServiceUnavailable)
		return
	}
	s.clearCookie(w, r)
	v.Title, v.Message = v.T("signout_all.title"), v.T("signout_all.text")
	s.render(w, "message.html", http.StatusOK, v)
}

// handleAccountLang saves the account's language choice (lang = "cs",
// "en", or "" to follow the browser) and shows the account page in it.
func (s *Service) handleAccountLang(w http.ResponseWriter, r *http.Request) {
	a := FromContext(r.Context())
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		s.accountPage(w, r, http.StatusBadRequest, "", "login.form_unread")
		return
	}
	err := s.SetAccountLang(r.Context(), a.ID, r.PostFormValue("lang"))
	switch {
	case err == nil:
		http.Redirect(w, r, "/auth/account?done=lang", http.StatusSeeOther)
	case errors.Is(err, ErrBadLang):
		s.accountPage(w, r, http.StatusBadRequest, "", "account.language_bad")
	default:
		s.log.Error("save account language", "err", err)
		s.accountPage(w, r, http.StatusServiceUnavailable, "", "failed.ours")
	}
}
