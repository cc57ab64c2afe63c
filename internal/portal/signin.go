package portal

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"time"

	"unionhall/internal/auth"
	"unionhall/internal/members"
	"unionhall/internal/seal"
)

// Errors of sign-in.
var (
	ErrBadLink     = errors.New("portal: sign-in link invalid, used or expired")
	ErrNoSession   = errors.New("portal: no valid member session")
	errRateLimited = errors.New("portal: too many sign-in attempts")
)

// RequestLink emails a one-time sign-in link to email if a member (not
// erased) has it, and does nothing otherwise. As the console's sign-in
// (auth.RequestLink), its answer and its duration do not depend on whether
// the address is a member's: both limits count every attempt, and the
// look-up and the write run after the answer. next is a local path to
// return to after signing in ("" for the portal's home).
func (s *Service) RequestLink(ctx context.Context, email, clientAddr, lang, next string) error {
	okAddr := s.byAddr.Allow(clientAddr)
	e, err := auth.CleanEmail(email)
	if err != nil {
		if !okAddr {
			return errRateLimited
		}
		return auth.ErrBadEmail
	}
	okMail := s.byMail.Allow(hex.EncodeToString(s.d.Keys.BlindIndex("portal.signin", e)))
	if !okAddr || !okMail {
		s.log.Warn("member sign-in link: rate limited")
		return errRateLimited
	}
	s.pending.Add(1)
	go func() {
		defer s.pending.Done()
		bg, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		if err := s.sendLink(bg, e, lang, next); err != nil {
			s.log.Error("member sign-in link: not sent", "err", err)
		}
	}()
	return nil
}

func (s *Service) sendLink(ctx context.Context, email, lang, next string) error {
	id, err := s.d.Registry.MemberByEmail(ctx, email)
	if errors.Is(err, ErrNoMember) {
		s.log.Info("member sign-in link: requested for an address that is no member's")
		return nil
	}
	if err != nil {
		return err
	}
	now := s.d.Now()
	token, hash := seal.NewToken()
	link := s.d.BaseURL + Base(lang) + "link?token=" + token
	if next != "" {
		link += "&next=" + url.QueryEscape(next)
	}
	msg := signInEmail(lang, email, link)
	return s.d.DB.Tx(ctx, func(tx *sql.Tx) error {
		if err := s.tokens.InsertLink(ctx, tx, id, hash, now); err != nil {
			return err
		}
		if err := s.d.Outbox.Enqueue(ctx, tx, msg); err != nil {
			return fmt.Errorf("queue member sign-in link: %w", err)
		}
		return s.audit(ctx, tx, id, "member.login-link-sent", "")
	})
}

func (s *Service) audit(ctx context.Context, tx *sql.Tx, memberID, action, detail string) error {
	return auth.Audit(ctx, s.d.DB, tx, auth.Entry{At: s.d.Now(), ActorID: members.SelfActor(memberID), Action: action,
		SubjectType: "member", SubjectID: memberID, Detail: detail})
}

// ConsumeLink spends a sign-in link (auth.Tokens: once, within LinkTTL)
// and opens a member session; it returns the session's cookie value and
// the member's id.
func (s *Service) ConsumeLink(ctx context.Context, token string) (session, memberID string, err error) {
	now := s.d.Now()
	err = s.d.DB.Tx(ctx, func(tx *sql.Tx) error {
		if memberID, err = s.tokens.SpendLink(ctx, tx, token, now); err != nil {
			if errors.Is(err, auth.ErrBadLink) {
				return ErrBadLink
			}
			return err
		}
		var erased bool
		if err := tx.QueryRowContext(ctx, s.d.DB.Rebind(`SELECT erased FROM members WHERE id = ?`), memberID).Scan(&erased); err != nil || erased {
			return ErrBadLink
		}
		if session, err = s.tokens.OpenSession(ctx, tx, memberID, now); err != nil {
			return err
		}
		return s.audit(ctx, tx, memberID, "member.login", "email link")
	})
	if err != nil {
		return "", "", err
	}
	return session, memberID, nil
}

// Session returns the member id behind a session cookie value and the
// session's hash; ErrNoSession when there is none.
func (s *Service) Session(ctx context.Context, token string) (memberID string, hash []byte, err error) {
	memberID, hash, err = s.tokens.Session(ctx, token, s.d.Now())
	if errors.Is(err, auth.ErrNoSession) {
		return "", nil, ErrNoSession
	}
	return memberID, hash, err
}

// SignOut ends one session.
func (s *Service) SignOut(ctx context.Context, memberID string, hash []byte) error {
	return s.d.DB.Tx(ctx, func(tx *sql.Tx) error {
		if err := s.tokens.EndSession(ctx, tx, hash); err != nil {
			return err
		}
		return s.audit(ctx, tx, memberID, "member.logout", "")
	})
}

// SignOutEverywhere ends every session of the member and spends their
// unused sign-in links.
func (s *Service) SignOutEverywhere(ctx context.Context, memberID string) error {
	return s.d.DB.Tx(ctx, func(tx *sql.Tx) error {
		if err := s.tokens.EndAll(ctx, tx, memberID, s.d.Now()); err != nil {
			return err
		}
		return s.audit(ctx, tx, memberID, "member.logout-everywhere", "")
	})
}

// PurgeExpired deletes expired member sessions and sign-in links.
func (s *Service) PurgeExpired(ctx context.Context) error { return s.tokens.Purge(ctx, s.d.Now()) }
