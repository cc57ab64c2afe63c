package rekey

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"unionhall/internal/db"
	"unionhall/internal/seal"
)

// Options tune Rotate. The zero value is what `unionhall keys rotate` uses.
type Options struct {
	// BatchSize is how many rows one transaction changes (default 200): small
	// enough that the server's own writes wait milliseconds, not seconds.
	BatchSize int
	// WaitServers is how long to wait for running servers to load the new
	// key before re-sealing (default 2 minutes).
	WaitServers time.Duration
	// Progress receives one line per committed batch and per step.
	Progress func(format string, args ...any)
}

// Report says what a rotation did.
type Report struct {
	NewKey    string
	Retired   []string
	Resumed   bool
	Resealed  int
	Reindexed int
	Batches   int
}

// ErrEnvKeys: the keys come from UNIONHALL_SEAL_KEY, which a command cannot
// change in the running servers.
var ErrEnvKeys = errors.New("rekey: the sealing keys come from " + seal.EnvKey + ", which this command cannot change for the running servers: see docs/backup.md, \"Rotating keys held in the environment\"")

// Rotate rotates the sealing key of the key file at keyFile while servers
// keep running: it adds a new key (or, when the file already holds more
// than one, resumes the rotation to its newest), waits until every running
// server holds it, re-seals every sealed value and recomputes every blind
// index under it in batches, and retires the old keys once nothing is left
// under them. Interrupted at any point, running it again finishes the job:
// every step is found again from the data itself (the key id in each
// sealed value; whether an index equals its new-key value), and each batch
// is one transaction.
func Rotate(ctx context.Context, d *db.DB, keyFile string, o Options) (Report, error) {
	if o.BatchSize <= 0 {
		o.BatchSize = 200
	}
	if o.WaitServers <= 0 {
		o.WaitServers = 2 * time.Minute
	}
	if o.Progress == nil {
		o.Progress = func(string, ...any) {}
	}
	var rep Report
	kr, err := seal.LoadFile(keyFile)
	if err != nil {
		return rep, err
	}
	if len(kr.KeyIDs()) > 1 {
		rep.Resumed = true
		o.Progress("resuming the rotation to key %s (the key file holds %d keys)", kr.Newest(), len(kr.KeyIDs()))
	} else {
		if kr, err = seal.AddKey(keyFile); err != nil {
			return rep, err
		}
		o.Progress("added key %s to %s; it seals from now on", kr.Newest(), keyFile)
	}
	rep.NewKey = kr.Newest()
	if err := waitForServers(ctx, d, rep.NewKey, o); err != nil {
		return rep, err
	}
	r := &rotation{d: d, kr: kr, o: o, rep: &rep, problems: map[string]int{}}
	for _, c := range Sealed {
		if err := r.reseal(ctx, c); err != nil {
			return rep, err
		}
	}
	for _, c := range Indexes {
		if err := r.reindex(ctx, c); err != nil {
			return rep, err
		}
	}
	if len(r.problems) > 0 {
		var parts []string
		for k, n := range r.problems {
			parts = append(parts, fmt.Sprintf("%s: %d", k, n))
		}
		slices.Sort(parts)
		return rep, fmt.Errorf("rekey: some values could not be moved to the new key, so the old key is kept (run again after fixing; nothing was lost): %s", strings.Join(parts, "; "))
	}
	old := kr.KeyIDs()[:len(kr.KeyIDs())-1]
	if _, err := seal.RetireKeys(keyFile); err != nil {
		return rep, err
	}
	rep.Retired = old
	o.Progress("retired key(s) %s: re-sealed %d values and recomputed %d indexes in %d batches", strings.Join(old, ", "), rep.Resealed, rep.Reindexed, rep.Batches)
	return rep, nil
}

// Instances seen within liveWindow count as running. A server refreshes
// its row every heartbeat; one that died stops counting after this.
const liveWindow = 90 * time.Second

func waitForServers(ctx context.Context, d *db.DB, newKey string, o Options) error {
	deadline := time.Now().Add(o.WaitServers)
	said := false
	for {
		behind, err := serversWithout(ctx, d, newKey)
		if err != nil {
			return err
		}
		if len(behind) == 0 {
			return nil
		}
		if !said {
			o.Progress("waiting for %d running server process(es) to load the new key (they check the key file every few seconds)…", len(behind))
			said = true
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("rekey: %d server process(es) have not loaded key %s within %s (a version without key reloading, or UNIONHALL_SEAL_KEY in their environment?): restart them and run this again; nothing has been re-sealed", len(behind), newKey, o.WaitServers)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
}

func serversWithout(ctx context.Context, d *db.DB, key string) ([]string, error) {
	rows, err := d.Query(ctx, `SELECT instance, key_ids FROM seal_keyrings WHERE seen_at > ?`, db.T(time.Now().Add(-liveWindow)))
	if err != nil {
		return nil, fmt.Errorf("rekey: list running servers: %w", err)
	}
	defer rows.Close()
	var behind []string
	for rows.Next() {
		var inst, ids string
		if err := rows.Scan(&inst, &ids); err != nil {
			return nil, err
		}
		if !slices.Contains(strings.Split(ids, ","), key) {
			behind = append(behind, inst)
		}
	}
	return behind, rows.Err()
}

type rotation struct {
	d        *db.DB
	kr       *seal.Keyring
	o        Options
	rep      *Report
	problems map[string]int
}

type change struct {
	id       string
	old, new []byte
}

// commit writes one batch of changes, each only if the value is still the
// one read (a server may have rewritten the row meanwhile — then under the
// new key already).
func (r *rotation) commit(ctx context.Context, table, column string, changes []change) (int, error) {
	if len(changes) == 0 {
		return 0, nil
	}
	n := 0
	q := r.d.Rebind(`UPDATE ` + table + ` SET ` + column + ` = ? WHERE id = ? AND ` + column + ` = ?`)
	err := r.d.Tx(ctx, func(tx *sql.Tx) error {
		n = 0
		for _, c := range changes {
			res, err := tx.ExecContext(ctx, q, c.new, c.id, c.old)
			if err != nil {
				return fmt.Errorf("rekey: update %s.%s: %w", table, column, err)
			}
			k, _ := res.RowsAffected()
			n += int(k)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	r.rep.Batches++
	return n, nil
}

func (r *rotation) reseal(ctx context.Context, c SealedColumn) error {
	newest := r.kr.Newest()
	known := r.kr.KeyIDs()
	name := c.Table + "." + c.Column
	after := ""
	for {
		rows, err := r.d.Query(ctx, `SELECT id, `+c.Column+` FROM `+c.Table+` WHERE id > ? AND `+c.Column+` IS NOT NULL ORDER BY id LIMIT ?`, after, r.o.BatchSize)
		if err != nil {
			return fmt.Errorf("rekey: read %s: %w", name, err)
		}
		var changes []change
		read := 0
		for rows.Next() {
			var id string
			var v []byte
			if err := rows.Scan(&id, &v); err != nil {
				rows.Close()
				return fmt.Errorf("rekey: read %s: %w", name, err)
			}
			read++
			after = id
			if len(v) == 0 {
				continue
			}
			kid, ok := seal.KeyID(v)
			switch {
			case ok && kid == newest:
				continue
			case c.Mixed && (!ok || !slices.Contains(known, kid)):
				continue // a plain value in a mixed column
			case !ok:
				r.problems[name+" (not a sealed value)"]++
				continue
			}
			plain, err := r.kr.Open(v, c.aad(id))
			if err != nil {
				r.problems[name+" (does not open)"]++
				continue
			}
			nv, err := r.kr.Seal(plain, c.aad(id))
			if err != nil {
				rows.Close()
				return err
			}
			changes = append(changes, change{id, v, nv})
		}
		more, err := r.finish(ctx, rows, c.Table, c.Column, changes, read, &r.rep.Resealed, "re-sealed")
		if !more || err != nil {
			return err
		}
	}
}

func (r *rotation) reindex(ctx context.Context, c IndexColumn) error {
	name := c.Table + "." + c.Column
	var src SealedColumn
	for _, s := range Sealed {
		if s.Table == c.Table && s.Column == c.Source {
			src = s
		}
	}
	cols := "id, " + c.Column + ", " + c.Source
	for _, e := range c.Extra {
		cols += ", " + e
	}
	after := ""
	for {
		rows, err := r.d.Query(ctx, `SELECT `+cols+` FROM `+c.Table+` WHERE id > ? AND `+c.Column+` IS NOT NULL ORDER BY id LIMIT ?`, after, r.o.BatchSize)
		if err != nil {
			return fmt.Errorf("rekey: read %s: %w", name, err)
		}
		var changes []change
		read := 0
		for rows.Next() {
			var id string
			var stored, source []byte
			extra := make([]string, len(c.Extra))
			dest := []any{&id, &stored, &source}
			for i := range extra {
				dest = append(dest, &extra[i])
			}
			if err := rows.Scan(dest...); err != nil {
				rows.Close()
				return fmt.Errorf("rekey: read %s: %w", name, err)
			}
			read++
			after = id
			if len(stored) == 0 {
				continue // erased: an empty index matches nothing
			}
			plain, err := r.kr.Open(source, src.aad(id))
			if err != nil {
				r.problems[name+" (its source does not open)"]++
				continue
			}
			v, ok := c.Value(plain, extra)
			if !ok {
				r.problems[name+" (nothing to index in its source)"]++
				continue
			}
			look := r.kr.LookupIndexes(c.Purpose, v)
			switch {
			case bytes.Equal(stored, look[0]):
				continue
			case bytes.Equal(stored, look[1]):
				changes = append(changes, change{id, stored, look[0]})
			default:
				// Neither key's index of the value: the registry's Value
				// and the feature disagree. Never overwrite it.
				r.problems[name+" (index does not match its value)"]++
			}
		}
		more, err := r.finish(ctx, rows, c.Table, c.Column, changes, read, &r.rep.Reindexed, "recomputed")
		if !more || err != nil {
			return err
		}
	}
}

// finish ends one batch: it closes the read, commits the changes, counts
// and reports them, and says whether more rows may follow.
func (r *rotation) finish(ctx context.Context, rows *sql.Rows, table, column string, changes []change, read int, count *int, verb string) (bool, error) {
	rows.Close()
	if err := rows.Err(); err != nil {
		return false, fmt.Errorf("rekey: read %s.%s: %w", table, column, err)
	}
	n, err := r.commit(ctx, table, column, changes)
	if err != nil {
		return false, err
	}
	*count += n
	if n > 0 {
		r.o.Progress("%s.%s: %s %d", table, column, verb, n)
	}
	return read == r.o.BatchSize, nil
}
