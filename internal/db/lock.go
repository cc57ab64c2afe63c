package db

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"fmt"
)

// LockKey serialises transactions that share key: it returns once tx holds
// a lock on key that lasts until tx commits or rolls back, so a "look for an
// existing row, else insert" done after it cannot race with another
// transaction doing the same for the same key.
//
// On SQLite every write transaction already holds the database's single
// write lock from BEGIN IMMEDIATE, so there is nothing to take. On
// PostgreSQL (READ COMMITTED) two transactions could both find nothing and
// both insert; there it takes a transaction-scoped advisory lock on the
// first 8 bytes of SHA-256(scope, key). A collision between two different
// keys only makes them take turns, never wrongs a result. key may be a
// blind index: the lock reveals nothing beyond it.
func (d *DB) LockKey(ctx context.Context, tx *sql.Tx, scope string, key []byte) error {
	if d.dialect != Postgres {
		return nil
	}
	h := sha256.New()
	h.Write([]byte(scope))
	h.Write([]byte{0})
	h.Write(key)
	n := int64(binary.BigEndian.Uint64(h.Sum(nil)[:8]))
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, n); err != nil {
		return fmt.Errorf("lock %s: %w", scope, err)
	}
	return nil
}
