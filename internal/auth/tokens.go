package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"unionhall/internal/db"
	"unionhall/internal/seal"
)

// Tokens is one-time sign-in links and server-side sessions over a pair of
// tables: the console's (login_tokens and sessions, owned by account_id)
// and the member portal's (member_login_tokens and member_sessions, owned
// by member_id, internal/portal). Both sign-ins share this code, so a
// fix to one is a fix to both; the tables stay apart, so a member's
// session can never pass for a console session.
//
// A link is stored only as its SHA-256, lives LinkTTL and is spent once
// (one UPDATE … WHERE used_at IS NULL … RETURNING, so two concurrent
// presses cannot both win). A session is keyed by the SHA-256 of a random
// cookie value, with an idle and an absolute time-out; last_seen_at is
// written at most once a minute.
type Tokens struct {
	DB *db.DB
	// LinkTable, SessionTable and Owner name the tables and their owner
	// column. They are constants of the calling package, never input.
	LinkTable, SessionTable, Owner        string
	LinkTTL, IdleTimeout, AbsoluteTimeout time.Duration
	Logger                                *slog.Logger
}

// SignInDefaults fills the zero values among a sign-in's timings and rate
// limits with the console's defaults: links 15 minutes, sessions 2 hours
// idle and 12 hours at most, 20 link requests per client address and 5 per
// email in 15 minutes. The member portal uses the same.
func SignInDefaults(linkTTL, idle, absolute *time.Duration, perAddress, perEmail *int) {
	for _, d := range []struct {
		v   *time.Duration
		def time.Duration
	}{{linkTTL, 15 * time.Minute}, {idle, 2 * time.Hour}, {absolute, 12 * time.Hour}} {
		if *d.v <= 0 {
			*d.v = d.def
		}
	}
	if *perAddress <= 0 {
		*perAddress = 20
	}
	if *perEmail <= 0 {
		*perEmail = 5
	}
}

// touchEvery limits how often a session's last_seen_at is written: the idle
// time-out does not need to-the-second precision, and a write per request
// would serialise every page on SQLite's single writer.
const touchEvery = time.Minute

// InsertLink stores a new link's hash for owner inside tx.
func (t *Tokens) InsertLink(ctx context.Context, tx *sql.Tx, owner string, hash []byte, now time.Time) error {
	_, err := tx.ExecContext(ctx, t.DB.Rebind(`INSERT INTO `+t.LinkTable+` (hash, `+t.Owner+`, created_at, expires_at)
		VALUES (?, ?, ?, ?)`), hash, owner, db.T(now), db.T(now.Add(t.LinkTTL)))
	if err != nil {
		return fmt.Errorf("insert %s: %w", t.LinkTable, err)
	}
	return nil
}

// SpendLink marks a link used inside tx if it is still unused and fresh and
// returns its owner; ErrBadLink otherwise.
func (t *Tokens) SpendLink(ctx context.Context, tx *sql.Tx, token string, now time.Time) (string, error) {
	if !seal.ValidToken(token) {
		return "", ErrBadLink
	}
	var owner string
	err := tx.QueryRowContext(ctx, t.DB.Rebind(`UPDATE `+t.LinkTable+` SET used_at = ?
		WHERE hash = ? AND used_at IS NULL AND expires_at > ?
		RETURNING `+t.Owner), db.T(now), seal.HashToken(token), db.T(now)).Scan(&owner)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrBadLink
	}
	if err != nil {
		return "", fmt.Errorf("spend %s: %w", t.LinkTable, err)
	}
	return owner, nil
}

// OpenSession creates a session for owner inside tx and returns its cookie
// value.
func (t *Tokens) OpenSession(ctx context.Context, tx *sql.Tx, owner string, now time.Time) (string, error) {
	token, hash := seal.NewToken()
	if _, err := tx.ExecContext(ctx, t.DB.Rebind(`INSERT INTO `+t.SessionTable+` (hash, `+t.Owner+`, created_at, last_seen_at, expires_at)
		VALUES (?, ?, ?, ?, ?)`), hash, owner, db.T(now), db.T(now), db.T(now.Add(t.AbsoluteTimeout))); err != nil {
		return "", fmt.Errorf("create %s: %w", t.SessionTable, err)
	}
	return token, nil
}

// Session returns the owner of the session with cookie value token and the
// session's hash, enforcing the time-outs (an expired session is deleted);
// ErrNoSession when there is none.
func (t *Tokens) Session(ctx context.Context, token string, now time.Time) (owner string, hash []byte, err error) {
	if !seal.ValidToken(token) {
		return "", nil, ErrNoSession
	}
	hash = seal.HashToken(token)
	var lastSeen, expires db.Time
	err = t.DB.QueryRow(ctx, `SELECT `+t.Owner+`, last_seen_at, expires_at FROM `+t.SessionTable+` WHERE hash = ?`, hash).
		Scan(&owner, &lastSeen, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil, ErrNoSession
	}
	if err != nil {
		return "", nil, fmt.Errorf("load %s: %w", t.SessionTable, err)
	}
	if !now.Before(expires.Time) || !now.Before(lastSeen.Add(t.IdleTimeout)) {
		if _, err := t.DB.Exec(ctx, `DELETE FROM `+t.SessionTable+` WHERE hash = ?`, hash); err != nil && t.Logger != nil {
			t.Logger.Warn("delete expired session", "table", t.SessionTable, "err", err)
		}
		return "", nil, ErrNoSession
	}
	if now.Sub(lastSeen.Time) >= touchEvery {
		if _, err := t.DB.Exec(ctx, `UPDATE `+t.SessionTable+` SET last_seen_at = ? WHERE hash = ?`, db.T(now), hash); err != nil {
			return "", nil, fmt.Errorf("touch %s: %w", t.SessionTable, err)
		}
	}
	return owner, hash, nil
}

// EndSession deletes one session inside tx.
func (t *Tokens) EndSession(ctx context.Context, tx *sql.Tx, hash []byte) error {
	if _, err := tx.ExecContext(ctx, t.DB.Rebind(`DELETE FROM `+t.SessionTable+` WHERE hash = ?`), hash); err != nil {
		return fmt.Errorf("delete %s: %w", t.SessionTable, err)
	}
	return nil
}

// EndAll deletes every session of owner and spends their unused links
// inside tx ("sign out everywhere").
func (t *Tokens) EndAll(ctx context.Context, tx *sql.Tx, owner string, now time.Time) error {
	if _, err := tx.ExecContext(ctx, t.DB.Rebind(`DELETE FROM `+t.SessionTable+` WHERE `+t.Owner+` = ?`), owner); err != nil {
		return fmt.Errorf("delete %s: %w", t.SessionTable, err)
	}
	if _, err := tx.ExecContext(ctx, t.DB.Rebind(`UPDATE `+t.LinkTable+` SET used_at = ? WHERE `+t.Owner+` = ? AND used_at IS NULL`),
		db.T(now), owner); err != nil {
		return fmt.Errorf("spend %s: %w", t.LinkTable, err)
	}
	return nil
}

// Purge deletes expired sessions and links (housekeeping; expired rows are
// already refused on read).
func (t *Tokens) Purge(ctx context.Context, now time.Time) error {
	if _, err := t.DB.Exec(ctx, `DELETE FROM `+t.SessionTable+` WHERE expires_at <= ? OR last_seen_at <= ?`,
		db.T(now), db.T(now.Add(-t.IdleTimeout))); err != nil {
		return fmt.Errorf("purge %s: %w", t.SessionTable, err)
	}
	if _, err := t.DB.Exec(ctx, `DELETE FROM `+t.LinkTable+` WHERE expires_at <= ?`, db.T(now)); err != nil {
		return fmt.Errorf("purge %s: %w", t.LinkTable, err)
	}
	return nil
}
