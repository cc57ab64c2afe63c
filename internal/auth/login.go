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
	okAddr := s.byAddr.Allow(clientAddr)
	e, err := cleanEmail(email)
	if err != nil {
		if !okAddr {
			return errRateLimited
		}
		return ErrBadEmail
	}
	bidx := s.emailIndex(e)
	okMail := s.byMail.Allow(hex.EncodeToString(bidx))
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
	now := s.d.Now()
	err = s.d.DB.Tx(ctx, func(tx *sql.Tx) error {
		// One statement marks the token used only if it is still unused and
		// fresh: two concurrent POSTs cannot both win.
		if accountID, err = s.tokens.SpendLink(ctx, tx, token, now); err != nil {
			return err
		}
		var disabled sql.Null[db.Time]
		if err := tx.QueryRowContext(ctx, s.d.DB.Rebind(`SELECT disabled_at FROM accounts WHERE id = ?`), accountID).Scan(&disabled); err != nil {
			return fmt.Errorf("check account: %w", err)
		}
		if disabled.Valid {
			return ErrBadLink
		}
		if sessionToken, err = s.tokens.OpenSession(ctx, tx, accountID, now); err != nil {
			return err
		}
		return Audit(ctx, s.d.DB, tx, Entry{At: now, ActorID: accountID, Action: "login", SubjectType: "account", SubjectID: accountID, Detail: "email link"})
	})
	if err != nil {
		return "", "", err
	}
	return sessionToken, accountID, nil
}

// Session returns the account behind a session cookie value, enforcing the
// idle and absolute time-outs.
func (s *Service) Session(ctx context.Context, token string) (*Account, error) {
	accountID, hash, err := s.tokens.Session(ctx, token, s.d.Now())
	if err != nil {
		return nil, err
	}
	a, err := s.account(ctx, accountID)
	if errors.Is(err, ErrNoAccount) {
		return nil, ErrNoSession
	}
	if err != nil {
		return nil, err
	}
	a.sessionHash = hash
	return a, nil
}

// SignOut ends one session.
func (s *Service) SignOut(ctx context.Context, a *Account) error {
	return s.d.DB.Tx(ctx, func(tx *sql.Tx) error {
		if err := s.tokens.EndSession(ctx, tx, a.sessionHash); err != nil {
			return err
		}
		return Audit(ctx, s.d.DB, tx, Entry{At: s.d.Now(), ActorID: a.ID, Action: "logout", SubjectType: "account", SubjectID: a.ID})
	})
}

// SignOutEverywhere ends every session of the account, on every device, and
// spends its unused login links.
func (s *Service) SignOutEverywhere(ctx context.Context, accountID, actorID string) error {
	now := s.d.Now()
	return s.d.DB.Tx(ctx, func(tx *sql.Tx) error {
		if err := s.tokens.EndAll(ctx, tx, accountID, now); err != nil {
			return err
		}
		return Audit(ctx, s.d.DB, tx, Entry{At: now, ActorID: actorID, Action: "logout.everywhere", SubjectType: "account", SubjectID: accountID})
	})
}

// PurgeExpired deletes expired sessions and login links (housekeeping; the
// lead may schedule it). Expired rows are already refused on read.
func (s *Service) PurgeExpired(ctx context.Context) error {
	return s.tokens.Purge(ctx, s.d.Now())
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
