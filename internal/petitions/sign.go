package petitions

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"unionhall/internal/db"
	"unionhall/internal/mail"
	"unionhall/internal/seal"
)

// Signing is what a person sent with the form, beyond their Signer data.
type Signing struct {
	Lang           string
	Signer         Signer
	News, ShowName bool
}

// Outcome of Sign.
type Outcome struct {
	// Repeat is true when the address had signed already: the link (or a
	// note that the signature counts) was sent again and nothing else
	// changed. The public page must not show it: it answers the same
	// either way, so it cannot be asked whether an address signed.
	Repeat bool
	// Confirmed is true for a member's one-click signature.
	Confirmed bool
}

// Sign stores a pending signature and queues the confirmation email, in
// one batched transaction: when Sign returns nil both are durable. A repeat
// of an address re-sends the link with a fresh token (or, once confirmed,
// a note that the signature counts).
func (s *Service) Sign(ctx context.Context, p Petition, in Signing) (Outcome, error) {
	return s.sign(ctx, p, in, false)
}

// SignMember stores a member's one-click signature, confirmed at once: the
// portal knows their address.
func (s *Service) SignMember(ctx context.Context, p Petition, in Signing) (Outcome, error) {
	return s.sign(ctx, p, in, true)
}

func (s *Service) sign(ctx context.Context, p Petition, in Signing, member bool) (Outcome, error) {
	now := s.now()
	if !p.Open(now) {
		return Outcome{}, ErrClosed
	}
	in.Signer.Consent = true
	// Sealing and hashing happen before the batch: its items share the
	// writer and must be quick and pure (a batch may re-run them).
	id := newSignatureID(now)
	sealed, err := s.d.Keys.SealJSON(in.Signer, dataAAD(id))
	if err != nil {
		return Outcome{}, fmt.Errorf("sign: seal: %w", err)
	}
	ek := emailKey(p.ID, in.Signer.Email)
	bidx := s.d.Keys.BlindIndex(emailPurpose, ek)
	look := s.d.Keys.LookupIndexes(emailPurpose, ek)
	secret, hash := newSecret()
	day := now.In(s.loc()).Format("2006-01-02")
	status := StatusPending
	var confirmedAt any
	if member {
		status, confirmedAt = StatusConfirmed, db.T(now)
	}
	// A repeat re-sends a link naming the row that already exists, so the
	// token is made inside the item, where that row is known.
	confirmFor := func(rowID string) mail.Message { return s.confirmMail(p, in, rowID+"-"+secret) }
	already := s.alreadyMail(p, in)
	if err := s.ensureState(ctx, p.ID); err != nil {
		return Outcome{}, err
	}
	var th any = hash
	if member {
		th = nil
	}
	// Outside a key rotation the address has one index, and the insert
	// itself finds a repeat (the unique index on petition_id, email_bidx):
	// a new signer costs no look-up. During a rotation an older signature
	// may carry the old key's index, so the look-up comes first.
	rotating := !bytes.Equal(look[0], look[1])
	var out Outcome
	bctx := context.WithoutCancel(ctx)
	err = s.batch.Do(ctx, func(tx *sql.Tx) error {
		out = Outcome{}
		d := s.d.DB
		if !rotating {
			res, err := tx.ExecContext(bctx, d.Rebind(`INSERT INTO petition_signatures
				(id, petition_id, status, lang, member, show_name, news, email_bidx, data, token_hash, day, created_at, confirmed_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (petition_id, email_bidx) DO NOTHING`),
				id, p.ID, status, in.Lang, member, in.ShowName && p.Decl.PublicNames, in.News, bidx, sealed, th, dayOr(member, day), db.T(now), confirmedAt)
			if err != nil {
				return fmt.Errorf("sign: store: %w", err)
			}
			if n, _ := res.RowsAffected(); n == 1 {
				return s.signedNew(bctx, tx, p, member, day, now, confirmFor(id), &out)
			}
		}
		var oldID, oldStatus string
		err := tx.QueryRowContext(bctx, d.Rebind(`SELECT id, status FROM petition_signatures
			WHERE petition_id = ? AND email_bidx IN (?, ?)`), p.ID, look[0], look[1]).Scan(&oldID, &oldStatus)
		switch {
		case err == nil:
			out.Repeat = true
			if oldStatus == StatusConfirmed {
				if member {
					out.Confirmed = true
					return nil
				}
				return s.d.Outbox.Enqueue(bctx, tx, already)
			}
			if member {
				// A pending signature of the same address: the member's
				// sign-in proves the address, so it counts now.
				return s.confirmRow(bctx, tx, p.ID, oldID, day, now)
			}
			if _, err := tx.ExecContext(bctx, d.Rebind(`UPDATE petition_signatures SET token_hash = ? WHERE id = ?`), hash, oldID); err != nil {
				return fmt.Errorf("sign: new token: %w", err)
			}
			return s.d.Outbox.Enqueue(bctx, tx, confirmFor(oldID))
		case !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("sign: look up address: %w", err)
		}
		if _, err := tx.ExecContext(bctx, d.Rebind(`INSERT INTO petition_signatures
			(id, petition_id, status, lang, member, show_name, news, email_bidx, data, token_hash, day, created_at, confirmed_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			id, p.ID, status, in.Lang, member, in.ShowName && p.Decl.PublicNames, in.News, bidx, sealed, th, dayOr(member, day), db.T(now), confirmedAt); err != nil {
			return fmt.Errorf("sign: store: %w", err)
		}
		return s.signedNew(bctx, tx, p, member, day, now, confirmFor(id), &out)
	})
	if err != nil {
		return Outcome{}, err
	}
	if out.Confirmed && !out.Repeat {
		s.counts.add(p.ID, 1, 0)
		s.names.forget(p.ID)
	} else if !out.Repeat {
		s.counts.add(p.ID, 0, 1)
	} else if out.Confirmed {
		s.counts.forget(p.ID)
	}
	return out, nil
}

// signedNew counts a newly stored signature and, unless a member signed,
// queues the confirmation email.
func (s *Service) signedNew(ctx context.Context, tx *sql.Tx, p Petition, member bool, day string, now time.Time, confirm mail.Message, out *Outcome) error {
	if member {
		out.Confirmed = true
		return s.countConfirmed(ctx, tx, p.ID, day, now, 0)
	}
	if err := s.addCounts(ctx, tx, p.ID, 0, 1); err != nil {
		return err
	}
	return s.d.Outbox.Enqueue(ctx, tx, confirm)
}

func dayOr(confirmed bool, day string) string {
	if confirmed {
		return day
	}
	return ""
}

// countConfirmed adds one confirmed signature to the state and the day's
// number, taking fromPending off the pending count.
func (s *Service) countConfirmed(ctx context.Context, tx *sql.Tx, id, day string, now time.Time, fromPending int) error {
	if err := s.addCounts(ctx, tx, id, 1, -fromPending); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, s.d.DB.Rebind(`INSERT INTO petition_days (petition_id, day, shard, confirmed) VALUES (?, ?, ?, 1)
		ON CONFLICT (petition_id, day, shard) DO UPDATE SET confirmed = petition_days.confirmed + 1`), id, day, shard(tx)); err != nil {
		return fmt.Errorf("count signature day: %w", err)
	}
	return nil
}

// confirmRow turns a pending signature into a counted one.
func (s *Service) confirmRow(ctx context.Context, tx *sql.Tx, petitionID, sigID, day string, now time.Time) error {
	res, err := tx.ExecContext(ctx, s.d.DB.Rebind(`UPDATE petition_signatures SET status = ?, confirmed_at = ?, day = ?, token_hash = NULL
		WHERE id = ? AND status = ?`), StatusConfirmed, db.T(now), day, sigID, StatusPending)
	if err != nil {
		return fmt.Errorf("confirm signature: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil
	}
	return s.countConfirmed(ctx, tx, petitionID, day, now, 1)
}

// Confirmation is what Confirm found.
type Confirmation struct {
	PetitionID string
	Lang       string
	// Already is true when the link had been used: the signature counts
	// and nothing changed.
	Already bool
}

// Confirm counts the signature whose emailed link carries token. A token
// is good until the signature is confirmed or a newer link replaces it;
// ErrNoToken otherwise, ErrClosed once the petition no longer takes
// signatures.
func (s *Service) Confirm(ctx context.Context, token string) (Confirmation, error) {
	rowID, secret, ok := strings.Cut(token, "-")
	if !ok || rowID == "" || secret == "" || len(token) > 128 {
		return Confirmation{}, ErrNoToken
	}
	hash := seal.HashToken(secret)
	now := s.now()
	day := now.In(s.loc()).Format("2006-01-02")
	var c Confirmation
	bctx := context.WithoutCancel(ctx)
	var closed bool
	err := s.batch.Do(ctx, func(tx *sql.Tx) error {
		c, closed = Confirmation{}, false
		var sigID, status string
		var stored []byte
		err := tx.QueryRowContext(bctx, s.d.DB.Rebind(`SELECT id, petition_id, lang, status, token_hash FROM petition_signatures WHERE id = ?`), rowID).
			Scan(&sigID, &c.PetitionID, &c.Lang, &status, &stored)
		if errors.Is(err, sql.ErrNoRows) || err == nil && (stored == nil || subtle.ConstantTimeCompare(stored, hash) != 1) {
			c = Confirmation{}
			return ErrNoToken
		}
		if err != nil {
			return fmt.Errorf("confirm: %w", err)
		}
		p, ok := s.declared(c.PetitionID, c.Lang)
		if !ok {
			return ErrNotFound
		}
		st, err := scanState(tx.QueryRowContext(bctx, s.d.DB.Rebind(`SELECT `+stateCols+` FROM petition_state WHERE petition_id = ?`), c.PetitionID))
		if err != nil {
			return fmt.Errorf("confirm: %w", err)
		}
		st.apply(&p)
		if !p.Open(now) {
			closed = true
			return ErrClosed
		}
		return s.confirmRow(bctx, tx, c.PetitionID, sigID, day, now)
	})
	if err != nil {
		if closed {
			return c, ErrClosed
		}
		return c, err
	}
	s.counts.add(c.PetitionID, 1, -1)
	s.names.forget(c.PetitionID)
	return c, nil
}

// ConfirmURL is the emailed link's page (GET shows a button; its POST
// confirms, so a mail scanner following links confirms nothing).
func (s *Service) ConfirmURL(lang, token string) string {
	return s.d.BaseURL + "/" + url.PathEscape(lang) + "/signature/confirm?token=" + url.QueryEscape(token)
}

func (s *Service) confirmMail(p Petition, in Signing, token string) mail.Message {
	t, _ := s.declared(p.ID, in.Lang)
	return mail.Message{To: in.Signer.Email, Subject: T(in.Lang, "mail.confirm_subject", "title", t.Title),
		Text: T(in.Lang, "mail.confirm_text", "name", in.Signer.Name, "title", t.Title, "link", s.ConfirmURL(in.Lang, token))}
}

func (s *Service) alreadyMail(p Petition, in Signing) mail.Message {
	t, _ := s.declared(p.ID, in.Lang)
	return mail.Message{To: in.Signer.Email, Subject: T(in.Lang, "mail.already_subject", "title", t.Title),
		Text: T(in.Lang, "mail.already_text", "name", in.Signer.Name, "title", t.Title, "link", s.d.BaseURL+t.Page.URL)}
}

// newSignatureID is a row id that sorts by time: hex microseconds, then
// random (db.NewID) so two at the same microsecond differ. See migration
// 00090 for why; the order it reveals is the confirmed_at order anyway.
func newSignatureID(now time.Time) string {
	return fmt.Sprintf("%013x", now.UnixMicro()) + db.NewID()[:13]
}

// newSecret is a confirmation link's secret: 96 random bits (16 characters
// of base64url), with the SHA-256 that is stored. The link's token is
// "<row id>-<secret>" (row ids hold no "-"): 43 characters, the length of
// the other features' tokens, and as unguessable as needed for a one-time
// link whose row must also be named.
func newSecret() (string, []byte) {
	b := make([]byte, 12)
	rand.Read(b)
	secret := base64.RawURLEncoding.EncodeToString(b)
	return secret, seal.HashToken(secret)
}
