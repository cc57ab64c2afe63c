package portal

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"unionhall/internal/seal"
)

// ErrBadIssue: IssueLink was asked for a link that cannot be made (no
// member, a return path that is not a plain local one, an expiry not in
// the future). A caller's bug, never a member's input.
var ErrBadIssue = errors.New("portal: cannot issue a sign-in link")

// IssueLink makes a single-use sign-in link for memberID, valid until
// expires, that lands on next (a local path such as a vote's ballot page)
// once spent. It is the same link as the one a member asks for on the
// sign-in page (the same table, auth.Tokens' code, spent once by the POST
// of the link page so mail scanners cannot burn it); only its lifetime is
// the caller's: a vote's invitation lives until the vote closes, since a
// member may read it days later. The page speaks the language of next's
// prefix. Nothing is emailed here; the caller (the votes invitation job)
// queues the email, and the link itself is never stored in plain or
// logged. It is not audited apart from the sign-in it leads to (audited as
// any "member.login"), so the audit trail holds nothing that names the
// vote beside the member.
func (s *Service) IssueLink(ctx context.Context, memberID, next string, expires time.Time) (string, error) {
	now := s.d.Now()
	clean := cleanNext(next)
	if memberID == "" || clean == "" || clean != next || !expires.After(now) {
		return "", ErrBadIssue
	}
	token, hash := seal.NewToken()
	// A copy of the portal's tokens with the caller's lifetime: the
	// insert, the hash and the spending stay auth.Tokens' own.
	t := *s.tokens
	t.LinkTTL = expires.Sub(now)
	err := s.d.DB.Tx(ctx, func(tx *sql.Tx) error {
		var erased bool
		if err := tx.QueryRowContext(ctx, s.d.DB.Rebind(`SELECT erased FROM members WHERE id = ?`), memberID).Scan(&erased); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return ErrBadIssue
			}
			return err
		}
		if erased {
			return ErrBadIssue
		}
		return t.InsertLink(ctx, tx, memberID, hash, now)
	})
	if err != nil {
		if errors.Is(err, ErrBadIssue) {
			return "", err
		}
		return "", fmt.Errorf("issue member sign-in link: %w", err)
	}
	return s.d.BaseURL + Base(pathLang(next)) + "link?token=" + token + "&next=" + url.QueryEscape(next), nil
}

// pathLang is the language prefix of a local path: "cs" for /cs/…, else
// the first segment when the portal speaks it, else English.
func pathLang(p string) string {
	seg, _, _ := strings.Cut(strings.TrimPrefix(p, "/"), "/")
	for _, l := range Languages {
		if seg == l {
			return l
		}
	}
	return "en"
}

// MemberID is the id of the member signed in on r, "" without a valid
// member session; err only when the session could not be checked. Other
// features' member pages (internal/votes/pages) ask it, so they share the
// portal's sign-in and never read its cookie themselves.
func (s *Service) MemberID(r *http.Request) (string, error) {
	m, err := s.current(r)
	if err != nil || m == nil {
		return "", err
	}
	return m.ID, nil
}
