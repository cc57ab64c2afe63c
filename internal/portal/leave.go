package portal

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"unionhall/internal/db"
)

// ErrAlreadyLeft: the member asked to leave before, or has left.
var ErrAlreadyLeft = errors.New("portal: already asked to leave")

// Leave records a member's own, confirmed request to leave in the member
// registry (members.RequestLeave: the committee's queue and the record's
// trail), then tells the member and the committee address by email. The
// committee records the leaving itself, as for any member; the erasure
// after the retention period follows from that (RunRetention). Asking
// again changes nothing and sends nothing.
func (s *Service) Leave(ctx context.Context, m *Member) error {
	if m.LeaveRequestedAt != nil || m.LeftAt != nil || m.Erased {
		return ErrAlreadyLeft
	}
	at, err := s.d.Registry.RequestLeave(ctx, m.ID)
	if errors.Is(err, ErrNoMember) {
		return ErrAlreadyLeft
	}
	if err != nil {
		return err
	}
	days := strconv.Itoa(int(s.d.EraseAfter.Hours() / 24))
	erase := T(m.Lang, "mail.leave.erase_on", "days", days)
	if s.d.EraseAfter <= 0 {
		erase = T(m.Lang, "mail.leave.erase_now")
	}
	number := strconv.FormatInt(m.Number, 10)
	return s.d.DB.Tx(ctx, func(tx *sql.Tx) error {
		if m.Contact.Email != "" {
			msg := message(m.Lang, m.Contact.Email, T(m.Lang, "mail.leave.subject"),
				T(m.Lang, "mail.leave.text", "date", s.date(at), "erase", erase, "number", number))
			if err := s.d.Outbox.Enqueue(ctx, tx, msg); err != nil {
				return fmt.Errorf("queue leave confirmation: %w", err)
			}
		}
		if to := s.committee(); to != "" {
			cl := s.committeeLang()
			msg := message(cl, to, T(cl, "mail.leave_committee.subject"), T(cl, "mail.leave_committee.text",
				"number", number, "days", days, "url", s.d.BaseURL+"/admin/members/"+m.ID))
			if err := s.d.Outbox.Enqueue(ctx, tx, msg); err != nil {
				return fmt.Errorf("queue leave notice: %w", err)
			}
		}
		return nil
	})
}

// RetentionActor is the audit actor of the erasure after leaving.
const RetentionActor = "retention"

// EraseDue erases the personal data of every member who left more than
// EraseAfter ago (members.LeftBefore; 0 erases everyone who has left), as
// the console's erasure does (SessionEraser ends their portal sessions).
// It reads what to do from the database each time, so a restart loses
// nothing: whatever fell due while the server was down goes on the next run.
func (s *Service) EraseDue(ctx context.Context) (int, error) {
	ids, err := s.d.Registry.LeftBefore(ctx, s.d.Now().Add(-s.d.EraseAfter))
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		if err := s.d.Registry.Erase(ctx, RetentionActor, id); err != nil && !errors.Is(err, ErrNoMember) {
			return n, fmt.Errorf("erase member after leaving: %w", err)
		}
		n++
	}
	return n, nil
}

// SessionEraser is the member registry's eraser (members.Eraser) for the
// portal: erasing a member, by this sweep or in the console, ends their
// portal sessions and sign-in links in the same transaction, so an erased
// member is signed out everywhere at once.
func SessionEraser(d *db.DB) func(ctx context.Context, tx *sql.Tx, memberID string) (string, error) {
	return func(ctx context.Context, tx *sql.Tx, memberID string) (string, error) {
		for _, q := range []string{`DELETE FROM member_sessions WHERE member_id = ?`, `DELETE FROM member_login_tokens WHERE member_id = ?`} {
			if _, err := tx.ExecContext(ctx, d.Rebind(q), memberID); err != nil {
				return "", fmt.Errorf("end portal sessions: %w", err)
			}
		}
		return "", nil
	}
}

// RunRetention runs EraseDue at once and then every interval until ctx
// ends.
func (s *Service) RunRetention(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if n, err := s.EraseDue(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("erase members after leaving", "err", err)
		} else if n > 0 {
			s.log.Info("erased members after leaving", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

type leaveData struct {
	Days   string
	AtOnce bool
}

func (s *Service) handleLeave(w http.ResponseWriter, r *http.Request, lang string, me *signedIn) {
	m, err := s.load(r.Context(), me)
	if err != nil {
		s.log.Error("load member for portal", "err", err)
		s.failed(w, r, lang)
		return
	}
	if r.Method == http.MethodPost && m.LeaveRequestedAt != nil && m.LeftAt == nil {
		r.Body = http.MaxBytesReader(w, r.Body, maxForm)
		if err := r.ParseForm(); err == nil && r.PostFormValue("step") == "withdraw" {
			if err := s.d.Registry.WithdrawLeave(r.Context(), m.ID); err != nil && !errors.Is(err, ErrNoMember) {
				s.log.Error("withdraw leave request", "err", err)
				s.failed(w, r, lang)
				return
			}
			http.Redirect(w, r, Base(lang)+"?withdrawn=1", http.StatusSeeOther)
			return
		}
	}
	if m.LeaveRequestedAt != nil || m.LeftAt != nil || m.Erased {
		s.message(w, r, lang, "leave.title", "leave.already", http.StatusConflict)
		return
	}
	v := s.view(lang, "leave.title")
	v.Data = leaveData{Days: strconv.Itoa(int(s.d.EraseAfter.Hours() / 24)), AtOnce: s.d.EraseAfter <= 0}
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
		s.log.Error("member asks to leave", "err", err)
		s.failed(w, r, lang)
	default:
		s.message(w, r, lang, "leave.done_title", "leave.done_text", http.StatusOK)
	}
}
