package db

import (
	"database/sql/driver"
	"fmt"
	"time"
)

// TimeLayout is how times are stored as text on SQLite: fixed width, UTC,
// microseconds, so text order is time order.
const TimeLayout = "2006-01-02T15:04:05.000000Z"

// Time is a UTC instant that stores the same way on both engines: TEXT in
// TimeLayout on SQLite, timestamptz on PostgreSQL (which parses the same
// text). It is truncated to microseconds, PostgreSQL's precision, so what you
// write is exactly what you read back. Use sql.Null[db.Time] for nullable
// columns.
type Time struct{ time.Time }

// T wraps t for use as a query argument.
func T(t time.Time) Time { return Time{t.UTC().Truncate(time.Microsecond)} }

// Value implements driver.Valuer.
func (t Time) Value() (driver.Value, error) {
	return t.UTC().Truncate(time.Microsecond).Format(TimeLayout), nil
}

// Scan implements sql.Scanner for text (SQLite) and time.Time (PostgreSQL).
func (t *Time) Scan(src any) error {
	switch v := src.(type) {
	case time.Time:
		t.Time = v.UTC()
		return nil
	case string:
		return t.parse(v)
	case []byte:
		return t.parse(string(v))
	case nil:
		t.Time = time.Time{}
		return nil
	default:
		return fmt.Errorf("db.Time: cannot scan %T", src)
	}
}

func (t *Time) parse(s string) error {
	p, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return fmt.Errorf("db.Time: %w", err)
	}
	t.Time = p.UTC()
	return nil
}
