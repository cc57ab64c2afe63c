package auth

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"unionhall/internal/db"
	"unionhall/internal/seal"
)

// OIDCConfig turns on single sign-on with an OpenID Connect provider (for
// example an existing Keycloak). The provider decides who may sign in and
// with which roles: at every SSO sign-in the account's roles and
// workplaces are replaced by what the claims say.
type OIDCConfig struct {
	// Name is shown on the button ("Sign in with <Name>").
	Name         string
	Issuer       string
	ClientID     string
	ClientSecret string
	// RolesClaim is the dot-separated path of the claim listing the
	// person's permissions, e.g. "resource_access.unionhall.roles" for
	// Keycloak client roles. Values that are not permissions are ignored.
	RolesClaim string
	// WorkplacesClaim is the path of a claim listing the workplaces the
	// person represents, by workplace id or name (e.g. "groups"); names
	// match when equal after NormaliseWorkplaceName.
	WorkplacesClaim string
	// HTTPClient talks to the provider (default: 10 s time-out).
	HTTPClient *http.Client
}

// oidcState is the flow's cookie: state, nonce and PKCE verifier. It is
// HttpOnly and lives 10 minutes on /auth/oidc only.
const oidcCookie = "unionhall_oidc"

type oidcClient struct {
	cfg      OIDCConfig
	mu       sync.Mutex
	provider *oidc.Provider
}

var errSSO = errors.New("auth: single sign-on failed")

// provider discovers the issuer on first use (and again after a failure),
// so a provider that is down at start does not stop the server.
func (s *Service) oidcSetup(ctx context.Context) (*oidc.Provider, *oauth2.Config, error) {
	o := s.oidc
	o.mu.Lock()
	defer o.mu.Unlock()
	ctx = oidc.ClientContext(ctx, o.cfg.HTTPClient)
	if o.provider == nil {
		p, err := oidc.NewProvider(ctx, o.cfg.Issuer)
		if err != nil {
			return nil, nil, fmt.Errorf("discover OIDC issuer: %w", err)
		}
		o.provider = p
	}
	return o.provider, &oauth2.Config{
		ClientID: o.cfg.ClientID, ClientSecret: o.cfg.ClientSecret,
		Endpoint:    o.provider.Endpoint(),
		RedirectURL: s.d.BaseURL + "/auth/oidc/callback",
		Scopes:      []string{oidc.ScopeOpenID, "email", "profile"},
	}, nil
}

func (s *Service) handleOIDCStart(w http.ResponseWriter, r *http.Request) {
	_, oc, err := s.oidcSetup(r.Context())
	if err != nil {
		s.log.Error("single sign-on unavailable", "err", err)
		v := s.page(r)
		v.Title, v.Error = v.T("sso.unavailable_title"), v.T("sso.unavailable")
		s.render(w, "message.html", http.StatusServiceUnavailable, v)
		return
	}
	state, _ := seal.NewToken()
	nonce, _ := seal.NewToken()
	verifier := oauth2.GenerateVerifier()
	http.SetCookie(w, &http.Cookie{Name: oidcCookie, Value: state + "." + nonce + "." + verifier, Path: "/auth/oidc",
		MaxAge: 600, HttpOnly: true, Secure: s.secure(r), SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, oc.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)), http.StatusFound)
}

func (s *Service) handleOIDCCallback(w http.ResponseWriter, r *http.Request) {
	// fail shows the message key in the browser's language.
	fail := func(status int, key string, err error) {
		if err != nil {
			s.log.Warn("single sign-on refused", "err", err)
		}
		v := s.page(r)
		v.Title, v.Error = v.T("failed.title"), v.T(key)
		s.render(w, "message.html", status, v)
	}
	http.SetCookie(w, &http.Cookie{Name: oidcCookie, Value: "", Path: "/auth/oidc", MaxAge: -1, HttpOnly: true, Secure: s.secure(r), SameSite: http.SameSiteLaxMode})
	q := r.URL.Query()
	if q.Get("error") != "" {
		fail(http.StatusBadRequest, "sso.denied", nil)
		return
	}
	c, err := r.Cookie(oidcCookie)
	parts := []string{}
	if err == nil {
		parts = strings.Split(c.Value, ".")
	}
	if len(parts) != 3 || subtle.ConstantTimeCompare([]byte(parts[0]), []byte(q.Get("state"))) != 1 {
		fail(http.StatusBadRequest, "sso.state", errors.New("state mismatch"))
		return
	}
	nonce, verifier := parts[1], parts[2]
	p, oc, err := s.oidcSetup(r.Context())
	if err != nil {
		fail(http.StatusServiceUnavailable, "sso.unreachable", err)
		return
	}
	ctx := oidc.ClientContext(r.Context(), s.oidc.cfg.HTTPClient)
	tok, err := oc.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		fail(http.StatusBadRequest, "sso.exchange", fmt.Errorf("exchange code: %w", err))
		return
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := p.Verifier(&oidc.Config{ClientID: s.oidc.cfg.ClientID, Now: s.d.Now}).Verify(ctx, raw)
	if err != nil {
		fail(http.StatusBadRequest, "sso.verify", fmt.Errorf("verify id token: %w", err))
		return
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(nonce)) != 1 {
		fail(http.StatusBadRequest, "sso.verify", errors.New("nonce mismatch"))
		return
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		fail(http.StatusBadRequest, "sso.read", fmt.Errorf("claims: %w", err))
		return
	}
	session, err := s.ssoLogin(r.Context(), claims)
	if errors.Is(err, errSSO) {
		fail(http.StatusForbidden, "sso.no_access", err)
		return
	}
	if err != nil {
		fail(http.StatusServiceUnavailable, "failed.ours", err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: session, Path: "/", MaxAge: int(s.d.AbsoluteTimeout.Seconds()),
		HttpOnly: true, Secure: s.secure(r), SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, "/admin/", http.StatusSeeOther)
}

// claimStrings follows a dot path into the claims and returns the strings
// found there (a string or a list of strings).
func claimStrings(claims map[string]any, path string) []string {
	if path == "" {
		return nil
	}
	var cur any = claims
	for _, k := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[k]
	}
	switch v := cur.(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, x := range v {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// ssoLogin finds or creates the account for the verified claims, replaces
// its roles and workplaces with what the claims say, and opens a session.
func (s *Service) ssoLogin(ctx context.Context, claims map[string]any) (string, error) {
	rawEmail, _ := claims["email"].(string)
	if v, ok := claims["email_verified"].(bool); ok && !v {
		return "", fmt.Errorf("%w: email not verified", errSSO)
	}
	email, err := cleanEmail(rawEmail)
	if err != nil {
		return "", fmt.Errorf("%w: no usable email claim", errSSO)
	}
	var roles []string
	for _, r := range claimStrings(claims, s.oidc.cfg.RolesClaim) {
		if ValidRole(r) && !contains(roles, r) {
			roles = append(roles, r)
		}
	}
	groups := claimStrings(claims, s.oidc.cfg.WorkplacesClaim)
	id := db.NewID()
	sealed, err := s.d.Keys.SealString(email, aadEmail(id))
	if err != nil {
		return "", fmt.Errorf("seal account email: %w", err)
	}
	bidx := s.emailIndex(email)
	now := s.d.Now()
	var token string
	err = s.d.DB.Tx(ctx, func(tx *sql.Tx) error {
		var wps []string
		for _, g := range groups {
			// A group names a workplace by id or by name. Names are sealed,
			// so the name is matched through its blind index (exact after
			// normalising case, white space and Unicode form).
			if NormaliseWorkplaceName(g) == "" {
				continue
			}
			var wid string
			look := WorkplaceNameLookup(s.d.Keys, g)
			err := tx.QueryRowContext(ctx, s.d.DB.Rebind(`SELECT id FROM workplaces WHERE id = ? OR name_bidx IN (?, ?) ORDER BY id LIMIT 1`),
				g, look[0], look[1]).Scan(&wid)
			if err == nil && !contains(wps, wid) {
				wps = append(wps, wid)
			} else if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("look up workplace: %w", err)
			}
		}
		if len(roles) == 0 && len(wps) == 0 {
			return fmt.Errorf("%w: no roles or workplaces in the claims", errSSO)
		}
		var existing string
		var disabled sql.Null[db.Time]
		look := s.emailLookup(email)
		err := tx.QueryRowContext(ctx, s.d.DB.Rebind(`SELECT id, disabled_at FROM accounts WHERE email_bidx IN (?, ?)`), look[0], look[1]).Scan(&existing, &disabled)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			if _, err := tx.ExecContext(ctx, s.d.DB.Rebind(`INSERT INTO accounts (id, email_bidx, email, roles, created_at) VALUES (?, ?, ?, ?, ?)`),
				id, bidx, sealed, joinRoles(roles), db.T(now)); err != nil {
				return fmt.Errorf("create account: %w", err)
			}
			if err := Audit(ctx, s.d.DB, tx, Entry{At: now, ActorID: id, Action: "account.create", SubjectType: "account", SubjectID: id, Detail: "single sign-on; roles: " + joinRoles(roles)}); err != nil {
				return err
			}
		case err != nil:
			return fmt.Errorf("look up account: %w", err)
		case disabled.Valid:
			return fmt.Errorf("%w: account disabled", errSSO)
		default:
			id = existing
			if _, err := tx.ExecContext(ctx, s.d.DB.Rebind(`UPDATE accounts SET roles = ? WHERE id = ?`), joinRoles(roles), id); err != nil {
				return fmt.Errorf("update roles: %w", err)
			}
		}
		if err := SetWorkplaces(ctx, s.d.DB, tx, id, wps); err != nil {
			return err
		}
		var err2 error
		if token, err2 = s.tokens.OpenSession(ctx, tx, id, now); err2 != nil {
			return err2
		}
		return Audit(ctx, s.d.DB, tx, Entry{At: now, ActorID: id, Action: "login", SubjectType: "account", SubjectID: id, Detail: "single sign-on; roles: " + joinRoles(roles)})
	})
	if err != nil {
		return "", err
	}
	return token, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func defaultHTTPClient() *http.Client { return &http.Client{Timeout: 10 * time.Second} }
