package portal

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"unionhall/internal/auth"
	"unionhall/internal/db"
	"unionhall/internal/jobs"
)

// eraseJob is the durable job that erases a member's personal data once
// the retention period after leaving is over. Its payload is the member's
// id (random, not personal).
const eraseJob = "portal.erase"

// ErrAlreadyLeft: the member asked to leave before.
var ErrAlreadyLeft = errors.New("portal: already asked to leave")

// Leave records a member's own request to leave: they stop being a member
// at once (members.left_at), the request is marked for the committee
// (leave_requested_at, shown in the console), the member and the committee
// are told by email, and the erasure of the personal data is due after
// EraseAfter — at once when it is zero, in the same transaction, else by
// the durable job eraseJob, enqueued in the same transaction, so the
// erasure cannot be forgotten across restarts.
func (s *Service) Leave(ctx context.Context, m *Member) error {
	if m.LeaveRequestedAt != nil || m.Erased {
		return ErrAlreadyLeft
	}
	now := s.d.Now()
	due := now.Add(s.d.EraseAfter)
	at := s.date(now)
	erase := T(m.Lang, "mail.leave.erase_on", "date", s.date(due))
	if s.d.EraseAfter <= 0 {
		erase = T(m.Lang, "mail.leave.erase_now")
	}
	number := strconv.FormatInt(m.Number, 10)
	toMember := message(m.Lang, m.Contact.Email, T(m.Lang, "mail.leave.subject"),
		T(m.Lang, "mail.leave.text", "date", at, "erase", erase, "number", number))
	return s.d.DB.Tx(ctx, func(tx *sql.Tx) error {
		if err := s.d.Registry.RecordLeaveRequest(ctx, tx, m.ID, now, due); err != nil {
			if errors.Is(err, ErrNoMember) {
				return ErrAlreadyLeft
			}
			return err
		}
		if m.Contact.Email != "" {
			if err := s.d.Outbox.Enqueue(ctx, tx, toMember); err != nil {
				return fmt.Errorf("queue leave confirmation: %w", err)
			}
		}
		if to := s.committee(); to != "" {
			cl := s.committeeLang()
			msg := message(cl, to, T(cl, "mail.leave_committee.subject"), T(cl, "mail.leave_committee.text",
				"number", number, "date", s.date(due), "url", s.d.BaseURL+"/admin/members/"+m.ID))
			if err := s.d.Outbox.Enqueue(ctx, tx, msg); err != nil {
				return fmt.Errorf("queue leave notice: %w", err)
			}
		}
		detail := fmt.Sprintf("by the member; personal data erased after %d days", int(s.d.EraseAfter.Hours()/24))
		if err := s.audit(ctx, tx, m.ID, "member.leave-request", detail); err != nil {
			return err
		}
		if s.d.EraseAfter <= 0 {
			return s.erase(ctx, tx, m.ID)
		}
		if s.d.Queue == nil {
			return errors.New("portal: no job queue to erase the data later")
		}
		_, err := s.d.Queue.Enqueue(ctx, tx, eraseJob, []byte(m.ID), due)
		return err
	})
}

func (s *Service) erase(ctx context.Context, tx *sql.Tx, id string) error {
	if err := s.d.Registry.Erase(ctx, tx, id); err != nil {
		return err
	}
	return auth.Audit(ctx, s.d.DB, tx, auth.Entry{At: s.d.Now(), ActorID: "retention", Action: "member.erase",
		SubjectType: "member", SubjectID: id, Detail: "personal data erased after leaving at the member's request"})
}

// handleErase is eraseJob: erase the member's personal data if the leave
// request still stands and its time has come. A member the committee has
// taken back meanwhile (leave_requested_at cleared) is left alone, and a
// record already erased (by the console) needs nothing.
func (s *Service) handleErase(ctx context.Context, j jobs.Job) error {
	id := string(j.Payload)
	if !db.ValidID(id) {
		return jobs.Permanent(errors.New("portal erase: bad member id in payload"))
	}
	return s.d.DB.Tx(ctx, func(tx *sql.Tx) error {
		var erased bool
		var req, due sql.Null[db.Time]
		err := tx.QueryRowContext(ctx, s.d.DB.Rebind(`SELECT erased, leave_requested_at, erase_due_at FROM members WHERE id = ?`), id).
			Scan(&erased, &req, &due)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("portal erase: %w", err)
		}
		if erased || !req.Valid || !due.Valid {
			return nil
		}
		if s.d.Now().Before(due.V.Time) {
			return fmt.Errorf("portal erase: not due yet")
		}
		return s.erase(ctx, tx, id)
	})
}

type leaveData struct {
	EraseDate string
	AtOnce    bool
}

func (s *Service) handleLeave(w http.ResponseWriter, r *http.Request, lang string, me *signedIn) {
	m, err := s.load(r.Context(), me)
	if err != nil {
		s.log.Error("load member for portal", "err", err)
		s.failed(w, r, lang)
		return
	}
	if m.LeaveRequestedAt != nil || m.Erased {
		s.message(w, r, lang, "leave.title", "leave.already", http.StatusConflict)
		return
	}
	v := s.view(lang, "leave.title")
	v.Data = leaveData{EraseDate: s.date(s.d.Now().Add(s.d.EraseAfter)), AtOnce: s.d.EraseAfter <= 0}
	if r.Method != http.MethodPost {
		s.render(w, r, "leave", v, http.StatusOK)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		s.message(w, r, lang, "leave.title", "signin.form_unread", http.StatusBadRequest)
		return
	}
	v.Title = v.T("leave.confirm_title")
	if r.PostFormValue("step") != "confirm" {
		s.render(w, r, "leave-confirm", v, http.StatusOK)
		return
	}
	if r.PostFormValue("confirm") != "yes" {
		v.Error = v.T("leave.confirm_missing")
		s.render(w, r, "leave-confirm", v, http.StatusUnprocessableEntity)
		return
	}
	err = s.Leave(r.Context(), m)
	switch {
	case errors.Is(err, ErrAlreadyLeft):
		s.message(w, r, lang, "leave.title", "leave.already", http.StatusConflict)
	case err != nil:
		s.log.Error("member leaves", "err", err)
		s.failed(w, r, lang)
	default:
		if s.d.EraseAfter <= 0 {
			s.clearCookie(w, r)
		}
		s.message(w, r, lang, "leave.done_title", "leave.done_text", http.StatusOK)
	}
}
