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
	SSO        string // name of the single sign-on provider, if configured
	PasskeysOn bool   // passkeys are offered
	Passkeys   []Passkey
	Title      string
	Message    string
	Error      string
	Email      string
	Token      string
}

func (s *Service) render(w http.ResponseWriter, name string, status int, v pageView) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
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
	s.render(w, "login.html", http.StatusOK, pageView{Title: "Sign in"})
}

func remoteAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func (s *Service) handleLoginRequest(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		s.render(w, "login.html", http.StatusBadRequest, pageView{Title: "Sign in", Error: "The form could not be read. Please try again."})
		return
	}
	email := r.PostFormValue("email")
	err := s.RequestLink(r.Context(), email, s.d.ClientAddr(r))
	switch {
	case err == nil:
		s.render(w, "message.html", http.StatusOK, pageView{Title: "Check your email",
			Message: "If this address belongs to an account, a sign-in link is on its way. It works once, within 15 minutes."})
	case errors.Is(err, ErrBadEmail):
		if len(email) > maxEmail {
			email = ""
		}
		s.render(w, "login.html", http.StatusBadRequest, pageView{Title: "Sign in", Email: email, Error: "Please enter a valid email address."})
	case errors.Is(err, errRateLimited):
		w.Header().Set("Retry-After", "900")
		s.render(w, "login.html", http.StatusTooManyRequests, pageView{Title: "Sign in", Error: "Too many attempts. Please wait 15 minutes and try again."})
	default:
		s.log.Error("login link request failed", "err", err)
		s.render(w, "login.html", http.StatusServiceUnavailable, pageView{Title: "Sign in", Error: "Something went wrong on our side. Please try again in a few minutes."})
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
	s.render(w, "link.html", http.StatusOK, pageView{Title: "Sign in", Token: token})
}

func (s *Service) secure(r *http.Request) bool {
	return r.TLS != nil || strings.HasPrefix(s.d.BaseURL, "https://")
}

func (s *Service) handleLinkConsume(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		s.render(w, "message.html", http.StatusBadRequest, pageView{Title: "Sign-in link not valid", Error: "The form could not be read."})
		return
	}
	token, _, err := s.ConsumeLink(r.Context(), r.PostFormValue("token"))
	if errors.Is(err, ErrBadLink) {
		s.render(w, "message.html", http.StatusBadRequest, pageView{Title: "Sign-in link not valid",
			Error: "This sign-in link was already used or has expired. Ask for a new one."})
		return
	}
	if err != nil {
		s.log.Error("spend login link", "err", err)
		s.render(w, "message.html", http.StatusServiceUnavailable, pageView{Title: "Sign in failed", Error: "Something went wrong on our side. Please try again."})
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
	if err := s.SignOut(r.Context(), FromContext(r.Context())); err != nil {
		s.log.Error("sign out", "err", err)
		http.Error(w, "Sign-out failed; please try again.", http.StatusServiceUnavailable)
		return
	}
	s.clearCookie(w, r)
	s.render(w, "message.html", http.StatusOK, pageView{Title: "Signed out", Message: "You are signed out."})
}

func (s *Service) handleLogoutEverywhere(w http.ResponseWriter, r *http.Request) {
	a := FromContext(r.Context())
	if err := s.SignOutEverywhere(r.Context(), a.ID, a.ID); err != nil {
		s.log.Error("sign out everywhere", "err", err)
		http.Error(w, "Sign-out failed; please try again.", http.StatusServiceUnavailable)
		return
	}
	s.clearCookie(w, r)
	s.render(w, "message.html", http.StatusOK, pageView{Title: "Signed out everywhere", Message: "You are signed out on every device."})
}
