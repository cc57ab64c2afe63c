package membership

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"unionhall/internal/db"
	"unionhall/internal/seal"
)

// Application states.
const (
	StateUnverified = "unverified"
	StateProcessing = "processing"
	StateAccepted   = "accepted"
	StateRejected   = "rejected"
	StateInvalid    = "invalid"
)

// repeatWindow: a second application from the same email within it creates
// no new row; the verification email is sent again instead.
const repeatWindow = 24 * time.Hour

// Sealed columns, bound to their row by associated data.
const table = "applications"

func aadData(id string) []byte      { return seal.AAD(table, "data", id) }
func aadSignature(id string) []byte { return seal.AAD(table, "signature", id) }
func aadPDF(id string) []byte       { return seal.AAD(table, "pdf", id) }

// emailIndex is the blind index of an email for duplicate detection.
func (s *Service) emailIndex(email string) []byte {
	return s.d.Keys.BlindIndex("application.email", seal.NormaliseEmail(email))
}

// emailLookup is what a look-up by email matches (`email_bidx IN (?, ?)`):
// the index under the newest key and, during a key rotation, the oldest.
func (s *Service) emailLookup(email string) [2][]byte {
	return s.d.Keys.LookupIndexes("application.email", seal.NormaliseEmail(email))
}

// verificationJob is the payload of JobVerification. SendID makes the job
// idempotent: it is recorded in the same transaction as the email, so a job
// run twice (a crash after the commit, before the queue marked it done)
// sends once.
type verificationJob struct {
	ApplicationID string `json:"application_id"`
	SendID        string `json:"send_id"`
}

// submit stores a valid application and queues its verification, in one
// transaction: when it returns nil, the application is durable and the
// email will be sent. A repeat from the same email within repeatWindow
// stores nothing new and queues the verification of the earlier one again.
// It reports the application's id.
func (s *Service) submit(ctx context.Context, a Applicant, png []byte) error {
	now := s.d.Now().UTC()
	id := db.NewID()
	bidx := s.emailIndex(a.Email)
	look := s.emailLookup(a.Email)
	// Seal before the transaction: Tx may re-run its function, and sealing
	// is the slow part.
	plain, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("encode application: %w", err)
	}
	data, err := s.d.Keys.Seal(plain, aadData(id))
	if err != nil {
		return fmt.Errorf("seal application: %w", err)
	}
	var sig []byte
	if png != nil {
		if sig, err = s.d.Keys.Seal(png, aadSignature(id)); err != nil {
			return fmt.Errorf("seal signature: %w", err)
		}
	}
	return s.d.DB.Tx(ctx, func(tx *sql.Tx) error {
		// Two submissions from one address at the same instant (a double
		// click, a retrying client) must not both find nothing and insert.
		if err := s.d.DB.LockKey(ctx, tx, "application.email", bidx); err != nil {
			return err
		}
		var prevID, prevState string
		err := tx.QueryRowContext(ctx, s.d.DB.Rebind(
			`SELECT id, state FROM applications WHERE email_bidx IN (?, ?) AND created_at > ? AND state <> 'invalid'
			 ORDER BY created_at DESC LIMIT 1`), look[0], look[1], db.T(now.Add(-repeatWindow))).Scan(&prevID, &prevState)
		switch {
		case err == nil:
			if prevState != StateUnverified {
				// Already confirmed: nothing to send. The person sees the same
				// page as anyone else, so nobody learns that it exists.
				s.log.Info("join: repeat of a confirmed application", "application", prevID)
				return nil
			}
			s.log.Info("join: repeat application, verification sent again", "application", prevID)
			return s.enqueueVerification(ctx, tx, prevID, now)
		case !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("look for a repeat application: %w", err)
		}
		if _, err := s.exec(ctx, tx, `INSERT INTO applications
			(id, state, lang, email_bidx, data, signature, typed_signature, created_at)
			VALUES (?, 'unverified', ?, ?, ?, ?, ?, ?)`,
			id, a.Lang, bidx, data, sig, a.TypedSignature != "", db.T(now)); err != nil {
			return fmt.Errorf("insert application %s: %w", id, err)
		}
		return s.enqueueVerification(ctx, tx, id, now)
	})
}

func (s *Service) enqueueVerification(ctx context.Context, tx *sql.Tx, id string, now time.Time) error {
	payload, _ := json.Marshal(verificationJob{ApplicationID: id, SendID: db.NewID()})
	if s.d.Queue == nil {
		return nil
	}
	if _, err := s.d.Queue.Enqueue(ctx, tx, JobVerification, payload, now); err != nil {
		return fmt.Errorf("enqueue verification of %s: %w", id, err)
	}
	return nil
}

// storedApplication is a row with its sealed parts opened.
type storedApplication struct {
	ID                 string
	State              string
	Lang               string
	CreatedAt          time.Time
	ConfirmedAt        *time.Time
	VerificationSentAt *time.Time
	Applicant          Applicant
	Signature          []byte
	PDF                []byte
	Typed              bool
	LastSend           string
}

// load reads and opens one application.
func (s *Service) load(ctx context.Context, id string) (*storedApplication, error) {
	var (
		a               storedApplication
		data, sig, pdf  []byte
		created         db.Time
		confirmed, sent sql.Null[db.Time]
		lastSend        sql.NullString
	)
	err := s.d.DB.QueryRow(ctx, `SELECT id, state, lang, data, signature, pdf, typed_signature, created_at,
		confirmed_at, verification_sent_at, last_send FROM applications WHERE id = ?`, id).
		Scan(&a.ID, &a.State, &a.Lang, &data, &sig, &pdf, &a.Typed, &created, &confirmed, &sent, &lastSend)
	if err != nil {
		return nil, fmt.Errorf("load application %s: %w", id, err)
	}
	a.CreatedAt = created.Time
	if confirmed.Valid {
		a.ConfirmedAt = &confirmed.V.Time
	}
	if sent.Valid {
		a.VerificationSentAt = &sent.V.Time
	}
	a.LastSend = lastSend.String
	plain, err := s.d.Keys.Open(data, aadData(id))
	if err != nil {
		return nil, fmt.Errorf("open application %s: %w", id, err)
	}
	if err := json.Unmarshal(plain, &a.Applicant); err != nil {
		return nil, fmt.Errorf("decode application %s: %w", id, err)
	}
	if sig != nil {
		if a.Signature, err = s.d.Keys.Open(sig, aadSignature(id)); err != nil {
			return nil, fmt.Errorf("open signature of %s: %w", id, err)
		}
	}
	if pdf != nil {
		if a.PDF, err = s.d.Keys.Open(pdf, aadPDF(id)); err != nil {
			return nil, fmt.Errorf("open pdf of %s: %w", id, err)
		}
	}
	return &a, nil
}
