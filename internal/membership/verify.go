package membership

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"unionhall/internal/db"
	"unionhall/internal/jobs"
	"unionhall/internal/mail"
	"unionhall/internal/membership/applicationpdf"
	"unionhall/internal/seal"
)

// runVerification is the JobVerification handler: make the PDF if it is not
// there yet, then in one transaction store it, replace the application's
// tokens with a fresh one and queue the email carrying the link and the PDF.
// The raw token exists only in memory and in the sealed outbox message.
func (s *Service) runVerification(ctx context.Context, j jobs.Job) error {
	var job verificationJob
	if err := json.Unmarshal(j.Payload, &job); err != nil || !db.ValidID(job.ApplicationID) {
		// A malformed payload will never succeed; do not retry it.
		return jobs.Permanent(fmt.Errorf("verification job: bad payload"))
	}
	app, err := s.load(ctx, job.ApplicationID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // deleted (spam clean-up) before we got to it
	}
	if err != nil {
		return err
	}
	if app.State != StateUnverified || app.LastSend == job.SendID {
		return nil
	}
	cs := s.d.Site()
	lang := app.Applicant.Lang
	var sealedPDF []byte
	if app.PDF == nil {
		app.PDF, err = s.renderPDF(cs, app)
		if err != nil {
			return fmt.Errorf("render pdf of %s: %w", app.ID, err)
		}
		if sealedPDF, err = s.d.Keys.Seal(app.PDF, aadPDF(app.ID)); err != nil {
			return fmt.Errorf("seal pdf of %s: %w", app.ID, err)
		}
	}
	token, hash := seal.NewToken()
	now := s.d.Now().UTC()
	ttl := s.d.Settings.VerificationTTL.Duration
	link := s.d.BaseURL + "/" + url.PathEscape(lang) + "/join/confirm?token=" + token
	union := unionName(cs, lang)
	msg := mail.Message{
		To:      app.Applicant.Email,
		Subject: T(lang, "mail.verify.subject"),
		Headers: map[string]string{"Content-Language": lang},
		Text: T(lang, "mail.verify.body", "name", app.Applicant.FirstName, "union", union,
			"link", link, "days", int(ttl.Hours()/24)),
		Attachments: []mail.Attachment{{Name: applicationpdf.FileName(pdfApplication(cs, app)), ContentType: "application/pdf", Data: app.PDF}},
	}
	return s.d.DB.Tx(ctx, func(tx *sql.Tx) error {
		res, err := s.exec(ctx, tx, `UPDATE applications SET last_send = ?, verification_sent_at = ?,
			pdf = COALESCE(pdf, ?) WHERE id = ? AND state = 'unverified' AND (last_send IS NULL OR last_send <> ?)`,
			job.SendID, db.T(now), sealedPDF, app.ID, job.SendID)
		if err != nil {
			return fmt.Errorf("mark verification of %s: %w", app.ID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // confirmed meanwhile, or this send already happened
		}
		// Older links stop working: only the newest email's link confirms.
		if _, err := s.exec(ctx, tx, `UPDATE application_tokens SET expires_at = ?
			WHERE application_id = ? AND used_at IS NULL AND expires_at > ?`, db.T(now), app.ID, db.T(now)); err != nil {
			return fmt.Errorf("expire old tokens of %s: %w", app.ID, err)
		}
		if _, err := s.exec(ctx, tx, `INSERT INTO application_tokens (hash, application_id, created_at, expires_at)
			VALUES (?, ?, ?, ?)`, hash, app.ID, db.T(now), db.T(now.Add(ttl))); err != nil {
			return fmt.Errorf("store token of %s: %w", app.ID, err)
		}
		if s.d.Outbox == nil {
			return nil
		}
		return s.d.Outbox.Enqueue(ctx, tx, msg)
	})
}

// tokenState is what a confirmation token leads to.
type tokenState int

const (
	tokenInvalid       tokenState = iota // unknown, expired or used (and not confirmed)
	tokenValid                           // may confirm
	tokenConfirmed                       // its application is already confirmed
	tokenJustConfirmed                   // this request confirmed it
)

// checkToken reads a token's state without changing anything (the GET).
func (s *Service) checkToken(ctx context.Context, token string) (tokenState, error) {
	if !seal.ValidToken(token) {
		return tokenInvalid, nil
	}
	var (
		expires db.Time
		used    sql.Null[db.Time]
		state   string
	)
	err := s.d.DB.QueryRow(ctx, `SELECT t.expires_at, t.used_at, a.state FROM application_tokens t
		JOIN applications a ON a.id = t.application_id WHERE t.hash = ?`, seal.HashToken(token)).Scan(&expires, &used, &state)
	if errors.Is(err, sql.ErrNoRows) {
		return tokenInvalid, nil
	}
	if err != nil {
		return tokenInvalid, fmt.Errorf("check token: %w", err)
	}
	return verdict(state, used.Valid, expires.Time, s.d.Now()), nil
}

func verdict(state string, used bool, expires, now time.Time) tokenState {
	switch {
	case state != StateUnverified && state != StateInvalid:
		return tokenConfirmed
	case used || !now.Before(expires) || state == StateInvalid:
		return tokenInvalid
	}
	return tokenValid
}

// confirm uses a token: the application moves to processing and the
// committee notice is queued, in one transaction.
func (s *Service) confirm(ctx context.Context, token string) (tokenState, error) {
	if !seal.ValidToken(token) {
		return tokenInvalid, nil
	}
	hash := seal.HashToken(token)
	now := s.d.Now().UTC()
	result := tokenInvalid
	notice := s.committeeNotice()
	err := s.d.DB.Tx(ctx, func(tx *sql.Tx) error {
		result = tokenInvalid
		var (
			appID   string
			expires db.Time
			used    sql.Null[db.Time]
			state   string
		)
		err := tx.QueryRowContext(ctx, s.d.DB.Rebind(`SELECT t.application_id, t.expires_at, t.used_at, a.state
			FROM application_tokens t JOIN applications a ON a.id = t.application_id WHERE t.hash = ?`), hash).
			Scan(&appID, &expires, &used, &state)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("find token: %w", err)
		}
		if result = verdict(state, used.Valid, expires.Time, now); result != tokenValid {
			return nil
		}
		// The conditions repeat in the UPDATEs so that two confirmations
		// racing on PostgreSQL cannot both win.
		res, err := s.exec(ctx, tx, `UPDATE application_tokens SET used_at = ? WHERE hash = ? AND used_at IS NULL`, db.T(now), hash)
		if err != nil {
			return fmt.Errorf("use token: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			result = tokenConfirmed
			return nil
		}
		res, err = s.exec(ctx, tx, `UPDATE applications SET state = 'processing', confirmed_at = ?
			WHERE id = ? AND state = 'unverified'`, db.T(now), appID)
		if err != nil {
			return fmt.Errorf("confirm application %s: %w", appID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			result = tokenConfirmed
			return nil
		}
		result = tokenJustConfirmed
		if notice == nil || s.d.Outbox == nil {
			s.log.Warn("join: no committee email configured; no notice sent", "application", appID)
			return nil
		}
		m := *notice
		link := s.d.BaseURL + "/admin/applications/" + appID
		m.Text = strings.ReplaceAll(m.Text, "{link}", link)
		return s.d.Outbox.Enqueue(ctx, tx, m)
	})
	if err != nil {
		return tokenInvalid, err
	}
	return result, nil
}

// committeeNotice is the notice template (with {link} still in it), in the
// site's default language, or nil when there is nobody to notify. It holds
// no personal data: only a link the committee opens after signing in.
func (s *Service) committeeNotice() *mail.Message {
	cs := s.d.Site()
	to := s.d.Settings.CommitteeEmail
	if to == "" {
		to = cs.ParamString(cs.DefaultLang, "committeeEmail")
	}
	if to == "" {
		return nil
	}
	lang := cs.DefaultLang
	return &mail.Message{To: to, Headers: map[string]string{"Content-Language": lang}, Subject: T(lang, "mail.notice.subject"),
		Text: T(lang, "mail.notice.body", "link", "{link}")}
}

// findUnverified returns the newest unverified application for an email
// address within the link lifetime, or "".
func (s *Service) findUnverified(ctx context.Context, email string) (string, error) {
	var id string
	look := s.emailLookup(email)
	err := s.d.DB.QueryRow(ctx, `SELECT id FROM applications WHERE email_bidx IN (?, ?) AND state = 'unverified'
		AND created_at > ? ORDER BY created_at DESC LIMIT 1`, look[0], look[1],
		db.T(s.d.Now().Add(-s.d.Settings.VerificationTTL.Duration-repeatWindow))).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return id, err
}
