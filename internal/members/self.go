package members

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"time"

	"unionhall/internal/auth"
	"unionhall/internal/db"
)

// This file is the registry as a member meets it, through the portal:
// found by the email they joined with, their own record, their own edits,
// their request to leave. None of it is scoped by a console account: the
// caller has established who the member is (a member session) and passes
// their id; the audit actor is SelfActor(id) for the member's own acts.

// FindByEmail returns the member whose email is email (normalised, found
// by the blind index, never by plaintext): of several sharing it, one who
// has not left first, then the highest number. Erased members have no
// index and are never found; one who has left is found (LeftAt says so),
// so the caller decides what such a person may still do. No member is
// ErrNotFound.
func (reg *Registry) FindByEmail(ctx context.Context, email string) (*Member, error) {
	bidx := reg.EmailIndex(email)
	if bidx == nil {
		return nil, ErrNotFound
	}
	ms, err := reg.queryMembers(ctx, `SELECT `+memberCols+` FROM members m WHERE m.email_bidx = ? AND m.erased = ?
		ORDER BY CASE WHEN m.left_at IS NULL THEN 0 ELSE 1 END, m.number DESC LIMIT 1`, bidx, false)
	if err != nil {
		return nil, err
	}
	if len(ms) == 0 {
		return nil, ErrNotFound
	}
	return &ms[0], nil
}

// Get reads member id for the member themself: contact data, number,
// language (Data.Lang), dates, workplaces and occupation history. The
// committee's notes and the audit trail are not part of it (Notes and
// auth.AuditFor read them, e.g. for the member's export).
func (reg *Registry) Get(ctx context.Context, id string) (*MemberDetail, error) {
	if !db.ValidID(id) {
		return nil, ErrNotFound
	}
	return reg.load(ctx, `m.id = ?`, id)
}

// langRE is the shape of a language code (BCP 47 language and optional
// region: "cs", "en", "sr-Latn"); which languages a site offers is the
// caller's to check.
var langRE = regexp.MustCompile(`^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$`)

// UpdateContact replaces member id's contact data and preferred language
// (md.Lang; "" keeps the current one) in one transaction with a
// "member.edit" audit entry by actorID (SelfActor(id) when the member does
// it), and returns the names of the fields that changed ("email",
// "phone", "language", …), so the caller can tell the committee of an
// email change. An email another member has is refused with a
// *DuplicateError (two records for one person would follow); a language
// that is not a language code is ErrBadLang; an erased member is
// ErrWrongState. The detail names fields, never values.
func (reg *Registry) UpdateContact(ctx context.Context, actorID, id string, md MemberData) ([]string, error) {
	cur, err := reg.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if md.Lang == "" {
		md.Lang = cur.Data.Lang
	}
	if !langRE.MatchString(md.Lang) {
		return nil, ErrBadLang
	}
	suffix := ""
	if md.Lang != cur.Data.Lang {
		suffix = ", language"
		if len(changedFields(cur.Data, md)) == 0 {
			suffix = "language"
		}
	}
	if actorID == SelfActor(id) {
		suffix += " (by the member)"
	}
	changed, err := reg.update(ctx, actorID, &cur.Member, md, false, suffix)
	if err != nil {
		return nil, err
	}
	if md.Lang != cur.Data.Lang {
		changed = append(changed, "language")
	}
	return changed, nil
}

// RequestLeave records that member id asks to leave (the portal's
// confirmed request), and returns when they asked. Asking again keeps the
// first time and writes nothing; a member who has left or been erased is
// ErrWrongState. Leaving itself (left_at, and erasure after the retention
// period) is Erase's or the committee's.
func (reg *Registry) RequestLeave(ctx context.Context, actorID, id string) (time.Time, error) {
	if !db.ValidID(id) {
		return time.Time{}, ErrNotFound
	}
	now := reg.d.Now()
	var at time.Time
	err := reg.d.DB.Tx(ctx, func(tx *sql.Tx) error {
		var left, asked sql.Null[db.Time]
		var erased bool
		err := tx.QueryRowContext(ctx, reg.d.DB.Rebind(`SELECT left_at, leave_requested_at, erased FROM members WHERE id = ?`), id).Scan(&left, &asked, &erased)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("leave request of %s: %w", id, err)
		}
		if left.Valid || erased {
			return ErrWrongState
		}
		if asked.Valid {
			at = asked.V.Time
			return nil
		}
		if _, err := tx.ExecContext(ctx, reg.d.DB.Rebind(`UPDATE members SET leave_requested_at = ? WHERE id = ?`), db.T(now), id); err != nil {
			return fmt.Errorf("leave request of %s: %w", id, err)
		}
		at = now
		return reg.audit(ctx, tx, actorID, "member.leave-request", "member", id, "")
	})
	return at, err
}

// WithdrawLeave withdraws member id's pending request to leave (the
// member changed their mind before the committee acted). No pending
// request is ErrWrongState.
func (reg *Registry) WithdrawLeave(ctx context.Context, actorID, id string) error {
	if !db.ValidID(id) {
		return ErrNotFound
	}
	return reg.d.DB.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, reg.d.DB.Rebind(`UPDATE members SET leave_requested_at = NULL
			WHERE id = ? AND leave_requested_at IS NOT NULL AND left_at IS NULL`), id)
		if err != nil {
			return fmt.Errorf("withdraw leave request of %s: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrWrongState
		}
		return reg.audit(ctx, tx, actorID, "member.leave-withdrawn", "member", id, "")
	})
}

// LeaveRequest is a member's pending request to leave.
type LeaveRequest struct {
	MemberID    string
	Number      int64
	RequestedAt time.Time
}

// LeaveRequests lists the pending requests to leave (asked, not left yet)
// of the members viewer may list, oldest first: the committee's queue. It
// opens nothing sealed.
func (reg *Registry) LeaveRequests(ctx context.Context, viewer *auth.Account) ([]LeaveRequest, error) {
	cond, args := scope(viewer, auth.ListMembers)
	rows, err := reg.d.DB.Query(ctx, `SELECT m.id, m.number, m.leave_requested_at FROM members m
		WHERE m.leave_requested_at IS NOT NULL AND m.left_at IS NULL AND `+cond+` ORDER BY m.leave_requested_at, m.number`, args...)
	if err != nil {
		return nil, fmt.Errorf("leave requests: %w", err)
	}
	defer rows.Close()
	var out []LeaveRequest
	for rows.Next() {
		var lr LeaveRequest
		var at db.Time
		if err := rows.Scan(&lr.MemberID, &lr.Number, &at); err != nil {
			return nil, fmt.Errorf("leave requests: %w", err)
		}
		lr.RequestedAt = at.Time
		out = append(out, lr)
	}
	return out, rows.Err()
}

// LeftBefore lists the ids of the members who left before t and whose
// personal data is not erased yet, oldest first: what a retention job
// erases (Erase) once the retention period has passed.
func (reg *Registry) LeftBefore(ctx context.Context, t time.Time) ([]string, error) {
	rows, err := reg.d.DB.Query(ctx, `SELECT id FROM members WHERE left_at IS NOT NULL AND left_at < ? AND erased = ? ORDER BY left_at, id`, db.T(t), false)
	if err != nil {
		return nil, fmt.Errorf("members who left: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("members who left: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}
