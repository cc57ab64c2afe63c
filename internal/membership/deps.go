package membership

import (
	"context"
	"database/sql"

	"unionhall/internal/mail"
)

// Outbox queues an email inside the caller's transaction, so the email is
// sent if and only if the transaction commits. *mail.Outbox is the one used
// in production; it is an interface here only so the store tests can run
// without an SMTP conversation.
type Outbox interface {
	Enqueue(ctx context.Context, tx *sql.Tx, m mail.Message) error
}
