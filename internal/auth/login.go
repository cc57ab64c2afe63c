package auth

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"time"

	"unionhall/internal/db"
	"unionhall/internal/seal"
)

// RequestLink emails a one-time login link to email if it belongs to an
// enabled account, and does nothing otherwise. Its result does not depend on
// whether the account exists — only a rate limit or a missing outbox makes
// it fail — so the login page cannot be used to probe for accounts.
//
// Nor does its duration: for a known address, creating the link and queueing
// the email is a write transaction (a few milliseconds on SQLite's single
// writer), for an unknown one a single read, and that difference could be
// timed. So RequestLink answers after the checks that do not depend on the
// account, and the look-up and everything after it run in the background.
// A link that fails there (a broken database) is logged; the person asks
// again, as they would after a lost email. Wait waits for those links.
func (s *Service) RequestLink(ctx context.Context, email, clientAddr string) error {
	// Both limits count every attempt, so a limit says nothing about
	// whether the account exists.
	okAddr := s.byAddr.allow(clientAddr)
	e, err := cleanEmail(email)
	if err != nil {
		if !okAddr {
			return errRateLimited
		}
		return ErrBadEmail
	}
	bidx := s.emailIndex(e)
	okMail := s.byMail.allow(hex.EncodeToString(bidx))
	if !okAddr || !okMail {
		s.log.Warn("login link: rate limited")
		return errRateLimited
	}
	if s.d.Outbox == nil {
		return errors.New("auth: no outbox to send login links")
	}
	s.pending.Add(1)
	go func() {
		defer s.pending.Done()
		// The request's context ends with its answer; the link must not.
		bg, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		if err := s.sendLink(bg, e, bidx); err != nil {
			s.log.Error("login link: not sent", "err", err)
		}
	}()
	return nil
}

// Wait blocks until the login links requested so far are queued for sending
// or have failed (tests, and a server shutting down).
func (s *Service) Wait() { s.pending.Wait() }

// sendLink is RequestLink's second half: look up the account and, when there
// is an enabled one, store a link and queue its email in one transaction.
func (s *Service) sendLink(ctx context.Context, e string, bidx []byte) error {
	var id string
	look := s.emailLookup(e)
	err := s.d.DB.QueryRow(ctx, `SELECT id FROM accounts WHERE email_bidx IN (?, ?) AND disabled_at IS NULL`, look[0], look[1]).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		s.log.Info("login link: requested for an address without an account")
		return nil
	}
	if err != nil {
		return fmt.Errorf("look up account: %w", err)
	}
	now := s.d.Now()
	token, hash := seal.NewToken()
	// The language of the request that asked (handleLoginRequest puts it
	// in the context, which the background half keeps).
	msg := linkEmail(LangFrom(ctx), e, s.linkURL(token))
	return s.d.DB.Tx(ctx, func(tx *sql.Tx) error {
		if err := s.insertLink(ctx, tx, id, hash, now); err != nil {
			return err
		}
		if err := s.d.Outbox.Enqueue(ctx, tx, msg); err != nil {
			return fmt.Errorf("queue login link: %w", err)
		}
		return Audit(ctx, s.d.DB, tx, Entry{At: now, ActorID: id, Action: "login.link-sent", SubjectType: "account", SubjectID: id})
	})
}

// ConsumeLink spends a login link and opens a session; it returns the new
// session's cookie value. A link works once and only within LinkTTL.
func (s *Service) ConsumeLink(ctx context.Context, token string) (sessionToken, accountID string, err error) {
	if !seal.ValidToken(token) {
		return "", "", ErrBadLink
	}
	now := s.d.Now()
	sessionToken, sessionHash := seal.NewToken()
	err = s.d.DB.Tx(ctx, func(tx *sql.Tx) error {
		// One statement marks the token used only if it is still unused and
		// fresh: two concurrent POSTs cannot both win.
		err := tx.QueryRowContext(ctx, s.d.DB.Rebind(`UPDATE login_tokens SET used_at = ?
			WHERE hash = ? AND used_at IS NULL AND expires_at > ?
			RETURNING account_id`), db.T(now), seal.HashToken(token), db.T(now)).Scan(&accountID)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrBadLink
		}
		if err != nil {
			return fmt.Errorf("spend login token: %w", err)
		}
		var disabled sql.Null[db.Time]
		if err := tx.QueryRowContext(ctx, s.d.DB.Rebind(`SELECT disabled_at FROM accounts WHERE id = ?`), accountID).Scan(&disabled); err != nil {
			return fmt.Errorf("check account: %w", err)
		}
		if disabled.Valid {
			return ErrBadLink
		}
		if _, err := tx.ExecContext(ctx, s.d.DB.Rebind(`INSERT INTO sessions (hash, account_id, created_at, last_seen_at, expires_at)
			VALUES (?, ?, ?, ?, ?)`), sessionHash, accountID, db.T(now), db.T(now), db.T(now.Add(s.d.AbsoluteTimeout))); err != nil {
			return fmt.Errorf("create session: %w", err)
		}
		return Audit(ctx, s.d.DB, tx, Entry{At: now, ActorID: accountID, Action: "login", SubjectType: "account", SubjectID: accountID, Detail: "email link"})
	})
	if err != nil {
		return "", "", err
	}
	return sessionToken, accountID, nil
}

// touchEvery limits how often a session's last_seen_at is written: the idle
// time-out does not need to-the-second precision, and a write per request
// would serialise every console page on SQLite's single writer.
const touchEvery = time.Minute

// Session returns the account behind a session cookie value, enforcing the
// idle and absolute time-outs.
func (s *Service) Session(ctx context.Context, token string) (*Account, error) {
	if !seal.ValidToken(token) {
		return nil, ErrNoSession
	}
	hash := seal.HashToken(token)
	var accountID string
	var lastSeen, expires db.Time
	err := s.d.DB.QueryRow(ctx, `SELECT account_id, last_seen_at, expires_at FROM sessions WHERE hash = ?`, hash).
		Scan(&accountID, &lastSeen, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNoSession
	}
	if err != nil {
		return nil, fmt.Errorf("load session: %w", err)
	}
	now := s.d.Now()
	if !now.Before(expires.Time) || !now.Before(lastSeen.Add(s.d.IdleTimeout)) {
		if _, err := s.d.DB.Exec(ctx, `DELETE FROM sessions WHERE hash = ?`, hash); err != nil {
			s.log.Warn("delete expired session", "err", err)
		}
		return nil, ErrNoSession
	}
	a, err := s.account(ctx, accountID)
	if errors.Is(err, ErrNoAccount) {
		return nil, ErrNoSession
	}
	if err != nil {
		return nil, err
	}
	if now.Sub(lastSeen.Time) >= touchEvery {
		if _, err := s.d.DB.Exec(ctx, `UPDATE sessions SET last_seen_at = ? WHERE hash = ?`, db.T(now), hash); err != nil {
			return nil, fmt.Errorf("touch session: %w", err)
		}
	}
	a.sessionHash = hash
	return a, nil
}

// SignOut ends one session.
func (s *Service) SignOut(ctx context.Context, a *Account) error {
	return s.d.DB.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.d.DB.Rebind(`DELETE FROM sessions WHERE hash = ?`), a.sessionHash); err != nil {
			return fmt.Errorf("delete session: %w", err)
		}
		return Audit(ctx, s.d.DB, tx, Entry{At: s.d.Now(), ActorID: a.ID, Action: "logout", SubjectType: "account", SubjectID: a.ID})
	})
}

// SignOutEverywhere ends every session of the account, on every device, and
// spends its unused login links.
func (s *Service) SignOutEverywhere(ctx context.Context, accountID, actorID string) error {
	now := s.d.Now()
	return s.d.DB.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.d.DB.Rebind(`DELETE FROM sessions WHERE account_id = ?`), accountID); err != nil {
			return fmt.Errorf("delete sessions: %w", err)
		}
		if _, err := tx.ExecContext(ctx, s.d.DB.Rebind(`UPDATE login_tokens SET used_at = ? WHERE account_id = ? AND used_at IS NULL`), db.T(now), accountID); err != nil {
			return fmt.Errorf("spend login links: %w", err)
		}
		return Audit(ctx, s.d.DB, tx, Entry{At: now, ActorID: actorID, Action: "logout.everywhere", SubjectType: "account", SubjectID: accountID})
	})
}

// PurgeExpired deletes expired sessions and login links (housekeeping; the
// lead may schedule it). Expired rows are already refused on read.
func (s *Service) PurgeExpired(ctx context.Context) error {
	now := db.T(s.d.Now())
	if _, err := s.d.DB.Exec(ctx, `DELETE FROM sessions WHERE expires_at <= ? OR last_seen_at <= ?`, now, db.T(s.d.Now().Add(-s.d.IdleTimeout))); err != nil {
		return fmt.Errorf("purge sessions: %w", err)
	}
	if _, err := s.d.DB.Exec(ctx, `DELETE FROM login_tokens WHERE expires_at <= ?`, now); err != nil {
		return fmt.Errorf("purge login links: %w", err)
	}
	return nil
}

type ctxKey struct{}

// FromContext returns the signed-in account that Middleware put in the
// request's context, or nil.
func FromContext(ctx context.Context) *Account {
	a, _ := ctx.Value(ctxKey{}).(*Account)
	return a
}

// WithAccount returns ctx carrying a (for tests of handlers behind the
// middleware).
func WithAccount(ctx context.Context, a *Account) context.Context {
	return context.WithValue(ctx, ctxKey{}, a)
}

// Middleware requires a valid session: without one, a GET is redirected to
// the login page and anything else gets 401. With one, the account is in the
// request context (FromContext). Every response it passes is marked
// no-store and noindex: console pages hold personal data.
func (s *Service) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Cache-Control", "no-store")
		h.Set("X-Robots-Tag", "noindex, nofollow")
		c, err := r.Cookie(CookieName)
		var a *Account
		if err == nil {
			a, err = s.Session(r.Context(), c.Value)
		}
		if err != nil {
			if !errors.Is(err, ErrNoSession) && !errors.Is(err, http.ErrNoCookie) {
				s.log.Error("session check failed", "err", err)
				http.Error(w, T(NegotiateLang(r), "session.unavailable"), http.StatusServiceUnavailable)
				return
			}
			if r.Method == http.MethodGet || r.Method == http.MethodHead {
				http.Redirect(w, r, "/auth/login", http.StatusSeeOther)
				return
			}
			http.Error(w, T(NegotiateLang(r), "session.again"), http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r.WithContext(WithAccount(r.Context(), a)))
	})
}
