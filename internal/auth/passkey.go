package auth

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"unionhall/internal/db"
)

// Passkeys: after a first sign-in by email link, a person may register
// passkeys on the account page and then sign in with one instead (a
// discoverable credential: no email needed). The ceremony's state (the
// challenge) travels in a short-lived sealed cookie rather than in server
// memory, so it works with several server processes and needs no clean-up.

const passkeyCookie = "unionhall_webauthn"

// newWebAuthn configures the relying party from the public URL. Passkeys
// need a domain name (browsers refuse an IP address as relying-party id);
// without one they are simply not offered.
func newWebAuthn(baseURL string) *webauthn.WebAuthn {
	u, err := url.Parse(baseURL)
	if err != nil || u.Hostname() == "" || net.ParseIP(u.Hostname()) != nil {
		return nil
	}
	w, err := webauthn.New(&webauthn.Config{
		RPID: u.Hostname(), RPDisplayName: "Unionhall console",
		RPOrigins: []string{u.Scheme + "://" + u.Host},
	})
	if err != nil {
		return nil
	}
	return w
}

// passkeyUser adapts an account to webauthn.User.
type passkeyUser struct {
	id, email string
	creds     []webauthn.Credential
}

func (u *passkeyUser) WebAuthnID() []byte                         { return []byte(u.id) }
func (u *passkeyUser) WebAuthnName() string                       { return u.email }
func (u *passkeyUser) WebAuthnDisplayName() string                { return u.email }
func (u *passkeyUser) WebAuthnCredentials() []webauthn.Credential { return u.creds }

func (s *Service) passkeyUser(ctx context.Context, accountID string) (*passkeyUser, error) {
	a, err := s.account(ctx, accountID)
	if err != nil {
		return nil, err
	}
	u := &passkeyUser{id: a.ID, email: a.Email}
	rows, err := s.d.DB.Query(ctx, `SELECT credential FROM passkeys WHERE account_id = ? ORDER BY created_at`, accountID)
	if err != nil {
		return nil, fmt.Errorf("load passkeys: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var raw string
		var c webauthn.Credential
		if err := rows.Scan(&raw); err != nil {
			return nil, fmt.Errorf("load passkeys: %w", err)
		}
		if err := json.Unmarshal([]byte(raw), &c); err != nil {
			return nil, fmt.Errorf("decode passkey: %w", err)
		}
		u.creds = append(u.creds, c)
	}
	return u, rows.Err()
}

// ceremony is what the sealed cookie carries between begin and finish.
type ceremony struct {
	Purpose   string               `json:"purpose"`
	AccountID string               `json:"account_id,omitempty"`
	Session   webauthn.SessionData `json:"session"`
}

func ceremonyAAD(purpose string) []byte { return []byte("unionhall webauthn cookie " + purpose) }

func (s *Service) setCeremony(w http.ResponseWriter, r *http.Request, c ceremony) error {
	plain, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("encode ceremony: %w", err)
	}
	sealed, err := s.d.Keys.Seal(plain, ceremonyAAD(c.Purpose))
	if err != nil {
		return fmt.Errorf("seal ceremony: %w", err)
	}
	http.SetCookie(w, &http.Cookie{Name: passkeyCookie, Value: base64.RawURLEncoding.EncodeToString(sealed), Path: "/auth/passkey",
		MaxAge: 300, HttpOnly: true, Secure: s.secure(r), SameSite: http.SameSiteStrictMode})
	return nil
}

func (s *Service) takeCeremony(w http.ResponseWriter, r *http.Request, purpose string) (*ceremony, error) {
	http.SetCookie(w, &http.Cookie{Name: passkeyCookie, Value: "", Path: "/auth/passkey", MaxAge: -1, HttpOnly: true, Secure: s.secure(r), SameSite: http.SameSiteStrictMode})
	ck, err := r.Cookie(passkeyCookie)
	if err != nil {
		return nil, errors.New("no ceremony cookie")
	}
	sealed, err := base64.RawURLEncoding.DecodeString(ck.Value)
	if err != nil {
		return nil, errors.New("malformed ceremony cookie")
	}
	plain, err := s.d.Keys.Open(sealed, ceremonyAAD(purpose))
	if err != nil {
		return nil, fmt.Errorf("open ceremony cookie: %w", err)
	}
	var c ceremony
	if err := json.Unmarshal(plain, &c); err != nil || c.Purpose != purpose {
		return nil, errors.New("bad ceremony cookie")
	}
	if !c.Session.Expires.IsZero() && s.d.Now().After(c.Session.Expires) {
		return nil, errors.New("ceremony expired")
	}
	return &c, nil
}

// maxPasskeyBody bounds a WebAuthn response (attestation objects are a few KB).
const maxPasskeyBody = 64 << 10

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// jsonError answers a passkey request with a message in the request's
// language (the account's when signed in, else the browser's), which
// static/passkey.js shows as it is.
func (s *Service) jsonError(w http.ResponseWriter, r *http.Request, status int, key string) {
	writeJSON(w, status, map[string]string{"error": T(s.Lang(r, FromContext(r.Context())), key)})
}

func (s *Service) handlePasskeyRegisterBegin(w http.ResponseWriter, r *http.Request) {
	a := FromContext(r.Context())
	u, err := s.passkeyUser(r.Context(), a.ID)
	if err != nil {
		s.log.Error("passkey registration", "err", err)
		s.jsonError(w, r, http.StatusServiceUnavailable, "passkey.ours")
		return
	}
	exclude := make([]protocol.CredentialDescriptor, len(u.creds))
	for i, c := range u.creds {
		exclude[i] = c.Descriptor()
	}
	opts, sess, err := s.webauthn.BeginRegistration(u,
		webauthn.WithResidentKeyRequirement(protocol.ResidentKeyRequirementRequired),
		webauthn.WithExclusions(exclude))
	if err != nil {
		s.log.Error("passkey registration", "err", err)
		s.jsonError(w, r, http.StatusServiceUnavailable, "passkey.ours")
		return
	}
	if err := s.setCeremony(w, r, ceremony{Purpose: "register", AccountID: a.ID, Session: *sess}); err != nil {
		s.log.Error("passkey registration", "err", err)
		s.jsonError(w, r, http.StatusServiceUnavailable, "passkey.ours")
		return
	}
	writeJSON(w, http.StatusOK, opts)
}

func (s *Service) handlePasskeyRegisterFinish(w http.ResponseWriter, r *http.Request) {
	a := FromContext(r.Context())
	r.Body = http.MaxBytesReader(w, r.Body, maxPasskeyBody)
	c, err := s.takeCeremony(w, r, "register")
	if err != nil || c.AccountID != a.ID {
		s.jsonError(w, r, http.StatusBadRequest, "passkey.register_expired")
		return
	}
	u, err := s.passkeyUser(r.Context(), a.ID)
	if err != nil {
		s.log.Error("passkey registration", "err", err)
		s.jsonError(w, r, http.StatusServiceUnavailable, "passkey.ours")
		return
	}
	cred, err := s.webauthn.FinishRegistration(u, c.Session, r)
	if err != nil {
		s.log.Warn("passkey registration refused", "err", err)
		s.jsonError(w, r, http.StatusBadRequest, "passkey.register_refused")
		return
	}
	raw, _ := json.Marshal(cred)
	now := s.d.Now()
	err = s.d.DB.Tx(r.Context(), func(tx *sql.Tx) error {
		id := base64.RawURLEncoding.EncodeToString(cred.ID)
		if _, err := tx.ExecContext(r.Context(), s.d.DB.Rebind(`INSERT INTO passkeys (id, account_id, credential, created_at) VALUES (?, ?, ?, ?)`),
			id, a.ID, string(raw), db.T(now)); err != nil {
			return fmt.Errorf("store passkey: %w", err)
		}
		return Audit(r.Context(), s.d.DB, tx, Entry{At: now, ActorID: a.ID, Action: "passkey.register", SubjectType: "account", SubjectID: a.ID})
	})
	if err != nil {
		s.log.Error("passkey registration", "err", err)
		s.jsonError(w, r, http.StatusConflict, "passkey.register_conflict")
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"ok": "registered"})
}

func (s *Service) handlePasskeyLoginBegin(w http.ResponseWriter, r *http.Request) {
	if !s.byAddr.Allow(s.d.ClientAddr(r)) {
		s.jsonError(w, r, http.StatusTooManyRequests, "passkey.rate_limited")
		return
	}
	opts, sess, err := s.webauthn.BeginDiscoverableLogin(webauthn.WithUserVerification(protocol.VerificationPreferred))
	if err == nil {
		err = s.setCeremony(w, r, ceremony{Purpose: "login", Session: *sess})
	}
	if err != nil {
		s.log.Error("passkey sign-in", "err", err)
		s.jsonError(w, r, http.StatusServiceUnavailable, "passkey.ours")
		return
	}
	writeJSON(w, http.StatusOK, opts)
}

func (s *Service) handlePasskeyLoginFinish(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxPasskeyBody)
	c, err := s.takeCeremony(w, r, "login")
	if err != nil {
		s.jsonError(w, r, http.StatusBadRequest, "passkey.login_expired")
		return
	}
	var user *passkeyUser
	handler := func(rawID, userHandle []byte) (webauthn.User, error) {
		if !db.ValidID(string(userHandle)) {
			return nil, errors.New("unknown user handle")
		}
		u, err := s.passkeyUser(r.Context(), string(userHandle))
		if err != nil {
			return nil, err
		}
		user = u
		return u, nil
	}
	cred, err := s.webauthn.FinishDiscoverableLogin(handler, c.Session, r)
	if err != nil || user == nil {
		s.log.Warn("passkey sign-in refused", "err", err)
		s.jsonError(w, r, http.StatusBadRequest, "passkey.unknown")
		return
	}
	if cred.Authenticator.CloneWarning {
		s.log.Warn("passkey sign-in refused: signature counter went backwards (cloned authenticator?)", "account", user.id)
		s.jsonError(w, r, http.StatusBadRequest, "passkey.unverified")
		return
	}
	raw, _ := json.Marshal(cred)
	now := s.d.Now()
	var token string
	err = s.d.DB.Tx(r.Context(), func(tx *sql.Tx) error {
		res, err := tx.ExecContext(r.Context(), s.d.DB.Rebind(`UPDATE passkeys SET credential = ?, last_used_at = ? WHERE id = ? AND account_id = ?`),
			string(raw), db.T(now), base64.RawURLEncoding.EncodeToString(cred.ID), user.id)
		if err != nil {
			return fmt.Errorf("update passkey: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errors.New("passkey not found")
		}
		var err2 error
		if token, err2 = s.tokens.OpenSession(r.Context(), tx, user.id, now); err2 != nil {
			return err2
		}
		return Audit(r.Context(), s.d.DB, tx, Entry{At: now, ActorID: user.id, Action: "login", SubjectType: "account", SubjectID: user.id, Detail: "passkey"})
	})
	if err != nil {
		s.log.Error("passkey sign-in", "err", err)
		s.jsonError(w, r, http.StatusServiceUnavailable, "passkey.ours")
		return
	}
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: token, Path: "/", MaxAge: int(s.d.AbsoluteTimeout.Seconds()),
		HttpOnly: true, Secure: s.secure(r), SameSite: http.SameSiteLaxMode})
	writeJSON(w, http.StatusOK, map[string]string{"redirect": "/admin/"})
}

// Passkey is a registered passkey as listed on the account page.
type Passkey struct {
	ID         string
	CreatedAt  time.Time
	LastUsedAt *time.Time
}

func (s *Service) passkeys(ctx context.Context, accountID string) ([]Passkey, error) {
	rows, err := s.d.DB.Query(ctx, `SELECT id, created_at, last_used_at FROM passkeys WHERE account_id = ? ORDER BY created_at`, accountID)
	if err != nil {
		return nil, fmt.Errorf("list passkeys: %w", err)
	}
	defer rows.Close()
	var out []Passkey
	for rows.Next() {
		var p Passkey
		var at db.Time
		var used sql.Null[db.Time]
		if err := rows.Scan(&p.ID, &at, &used); err != nil {
			return nil, fmt.Errorf("list passkeys: %w", err)
		}
		p.CreatedAt = at.Time
		if used.Valid {
			p.LastUsedAt = &used.V.Time
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// accountDone are the notices a redirect to the account page may show; the
// URL carries only their code.
var accountDone = map[string]string{"removed": "account.passkey_removed", "lang": "account.language_saved"}

func (s *Service) handleAccountPage(w http.ResponseWriter, r *http.Request) {
	s.accountPage(w, r, http.StatusOK, accountDone[r.URL.Query().Get("done")], "")
}

// accountPage shows the account page with an optional notice and error
// (message keys).
func (s *Service) accountPage(w http.ResponseWriter, r *http.Request, status int, msgKey, errKey string) {
	a := FromContext(r.Context())
	v := s.page(r)
	pks, err := s.passkeys(r.Context(), a.ID)
	v.SavedLang = a.Lang
	if err != nil {
		s.log.Error("account page", "err", err)
		http.Error(w, v.T("account.unavailable"), http.StatusServiceUnavailable)
		return
	}
	v.Title, v.Email, v.Passkeys = v.T("account.title"), a.Email, pks
	v.BrowserLang, v.Languages = NegotiateLang(r), Languages
	if msgKey != "" {
		v.Message = v.T(msgKey)
	}
	if errKey != "" {
		v.Error = v.T(errKey)
	}
	s.render(w, "account.html", status, v)
}

func (s *Service) handlePasskeyDelete(w http.ResponseWriter, r *http.Request) {
	a := FromContext(r.Context())
	id := r.PathValue("id")
	err := s.d.DB.Tx(r.Context(), func(tx *sql.Tx) error {
		res, err := tx.ExecContext(r.Context(), s.d.DB.Rebind(`DELETE FROM passkeys WHERE id = ? AND account_id = ?`), id, a.ID)
		if err != nil {
			return fmt.Errorf("delete passkey: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return sql.ErrNoRows
		}
		return Audit(r.Context(), s.d.DB, tx, Entry{At: s.d.Now(), ActorID: a.ID, Action: "passkey.remove", SubjectType: "account", SubjectID: a.ID})
	})
	if errors.Is(err, sql.ErrNoRows) {
		http.Error(w, T(s.Lang(r, a), "passkey.no_such"), http.StatusNotFound)
		return
	}
	if err != nil {
		s.log.Error("delete passkey", "err", err)
		http.Error(w, T(s.Lang(r, a), "passkey.remove_failed"), http.StatusServiceUnavailable)
		return
	}
	http.Redirect(w, r, "/auth/account?done=removed", http.StatusSeeOther)
}
