package mail

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"unionhall/internal/db"
	"unionhall/internal/jobs"
	"unionhall/internal/seal"
)

// JobKind is the job kind of a queued email.
const JobKind = "mail.send"

// Outbox queues emails durably and sends them from the job queue.
type Outbox struct {
	q      *jobs.Queue
	kr     *seal.Keyring
	sender Sender
	domain string
}

// NewOutbox registers the "mail.send" handler on q, which opens each queued
// message and hands it to sender. Create it before q.Run.
func NewOutbox(q *jobs.Queue, kr *seal.Keyring, sender Sender) *Outbox {
	o := &Outbox{q: q, kr: kr, sender: sender, domain: "unionhall.invalid"}
	if f, ok := sender.(interface{ FromAddress() string }); ok && f.FromAddress() != "" {
		o.domain = domainOf(f.FromAddress())
	}
	q.Handle(JobKind, o.handle)
	return o
}

// payloadAAD binds a sealed message to its job, so sealed payloads cannot be
// swapped between jobs.
func payloadAAD(jobID string) []byte { return seal.AAD("jobs", "payload", jobID) }

// Enqueue validates m, fixes its Message-ID, seals it and queues it inside
// tx (nil: its own transaction), to be sent as soon as tx commits.
func (o *Outbox) Enqueue(ctx context.Context, tx *sql.Tx, m Message) error {
	_, err := o.EnqueueAt(ctx, tx, m, time.Time{})
	return err
}

// EnqueueAt is Enqueue for a message that must not go out before at (zero:
// now, e.g. a reminder) and returns its Message-ID (without brackets).
func (o *Outbox) EnqueueAt(ctx context.Context, tx *sql.Tx, m Message, at time.Time) (string, error) {
	id := db.NewID()
	m.MessageID = id + "@" + o.domain
	if err := m.Validate(); err != nil {
		return "", err
	}
	plain, err := json.Marshal(m)
	if err != nil {
		return "", fmt.Errorf("mail: encode message: %w", err)
	}
	sealed, err := o.kr.Seal(plain, payloadAAD(id))
	if err != nil {
		return "", fmt.Errorf("mail: seal message: %w", err)
	}
	if err := o.q.EnqueueWithID(ctx, tx, id, JobKind, sealed, at); err != nil {
		return "", fmt.Errorf("mail: queue message: %w", err)
	}
	return m.MessageID, nil
}

func (o *Outbox) handle(ctx context.Context, j jobs.Job) error {
	plain, err := o.kr.Open(j.Payload, payloadAAD(j.ID))
	if err != nil {
		// A missing key does not come back by retrying.
		return jobs.Permanent(fmt.Errorf("mail: open queued message: %w", err))
	}
	var m Message
	if err := json.Unmarshal(plain, &m); err != nil {
		return jobs.Permanent(fmt.Errorf("mail: decode queued message: %w", err))
	}
	if err := o.sender.Send(ctx, m); err != nil {
		if Permanent(err) {
			return jobs.Permanent(err)
		}
		return err
	}
	return nil
}
