package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
)

// Batcher is group commit: it gathers the write transactions that callers
// submit at the same moment and runs them as one database transaction, each
// inside its own SAVEPOINT. On SQLite with synchronous=FULL a commit costs an
// fsync (milliseconds) and only one writer runs at a time, so a thousand
// members voting at once would otherwise queue behind a thousand fsyncs;
// batched, they share one per batch.
//
// Semantics a caller can rely on:
//   - Do returns only after the transaction holding its item committed (or
//     failed): durable before acknowledged.
//   - An item's error rolls back that item alone (ROLLBACK TO its
//     savepoint); the others commit. Do returns the item's own error.
//   - A failed commit fails every item of the batch with that error.
//   - A retryable failure of the whole transaction (SQLITE_BUSY,
//     serialization failure) re-runs every item of the batch in a fresh
//     transaction, as DB.Tx does; items must therefore be pure functions of
//     the transaction (no side effects outside it).
//   - Items run one after another on one connection, in submission order
//     within a batch.
//
// What it does not do: hooks registered with AfterCommit by an item run
// after the batch commits even if that item was rolled back; items that need
// post-commit effects should act on Do's nil return instead.
type Batcher struct {
	d       *DB
	max     int
	queue   chan *batchItem
	stop    chan struct{}
	wg      sync.WaitGroup
	closeMu sync.Once
}

// BatchOptions tune a Batcher.
type BatchOptions struct {
	// MaxItems per transaction (default 256): bounds how long a batch holds
	// the writer and how much work a commit failure throws away.
	MaxItems int
	// Workers running batches in parallel (default 1 on SQLite, which has
	// one writer; on PostgreSQL half the pool, at least 2).
	Workers int
}

type batchItem struct {
	ctx  context.Context
	fn   func(tx *sql.Tx) error
	done chan error
}

// ErrBatcherClosed is returned by Do after Close.
var ErrBatcherClosed = errors.New("db: batcher closed")

// NewBatcher starts a batcher on d; Close stops it.
func NewBatcher(d *DB, o BatchOptions) *Batcher {
	if o.MaxItems <= 0 {
		o.MaxItems = 256
	}
	if o.Workers <= 0 {
		o.Workers = 1
		if d.dialect == Postgres {
			o.Workers = max(2, d.opts.MaxConns/2)
		}
	}
	b := &Batcher{d: d, max: o.MaxItems, queue: make(chan *batchItem, 4*o.MaxItems), stop: make(chan struct{})}
	for range o.Workers {
		b.wg.Add(1)
		go b.run()
	}
	return b
}

// Do runs fn inside a batched transaction and returns fn's error, or the
// transaction's if it failed to commit. ctx bounds the wait for a batch to
// take the item; once taken, the item runs to the end of its batch (fn
// should use a context that outlives ctx's cancellation for its queries,
// context.WithoutCancel(ctx), since it shares the transaction with others).
func (b *Batcher) Do(ctx context.Context, fn func(tx *sql.Tx) error) error {
	it := &batchItem{ctx: ctx, fn: fn, done: make(chan error, 1)}
	select {
	case <-b.stop:
		return ErrBatcherClosed
	default:
	}
	select {
	case b.queue <- it:
	case <-ctx.Done():
		return ctx.Err()
	case <-b.stop:
		return ErrBatcherClosed
	}
	// The item is queued: wait for its batch whatever happens to ctx, so
	// that a caller never returns while its write may still commit.
	return <-it.done
}

// Queued is how many items wait for a batch (for tests and metrics).
func (b *Batcher) Queued() int { return len(b.queue) }

// Close stops the workers after the batches in progress; items still
// queued get ErrBatcherClosed.
func (b *Batcher) Close() {
	b.closeMu.Do(func() { close(b.stop) })
	b.wg.Wait()
	for {
		select {
		case it := <-b.queue:
			it.done <- ErrBatcherClosed
		default:
			return
		}
	}
}

func (b *Batcher) run() {
	defer b.wg.Done()
	batch := make([]*batchItem, 0, b.max)
	for {
		batch = batch[:0]
		select {
		case <-b.stop:
			return
		case it := <-b.queue:
			batch = append(batch, it)
		}
		// Take whatever else is waiting, without waiting for more: the
		// batch grows by itself while the previous one commits.
	fill:
		for len(batch) < b.max {
			select {
			case it := <-b.queue:
				batch = append(batch, it)
			default:
				break fill
			}
		}
		b.runBatch(batch)
	}
}

func (b *Batcher) runBatch(batch []*batchItem) {
	live := batch[:0:0]
	for _, it := range batch {
		if err := it.ctx.Err(); err != nil {
			it.done <- err // gave up before its batch began: nothing ran
			continue
		}
		live = append(live, it)
	}
	if len(live) == 0 {
		return
	}
	errs := make([]error, len(live))
	err := b.d.Tx(context.Background(), func(tx *sql.Tx) error {
		for i, it := range live {
			if _, err := tx.Exec("SAVEPOINT batch_item"); err != nil {
				return fmt.Errorf("batch savepoint: %w", err)
			}
			errs[i] = runItem(it.fn, tx)
			if errs[i] != nil {
				if _, err := tx.Exec("ROLLBACK TO SAVEPOINT batch_item"); err != nil {
					return fmt.Errorf("batch rollback to savepoint: %w", err)
				}
			}
			if _, err := tx.Exec("RELEASE SAVEPOINT batch_item"); err != nil {
				return fmt.Errorf("batch release savepoint: %w", err)
			}
		}
		return nil
	})
	for i, it := range live {
		if err != nil {
			it.done <- err
		} else {
			it.done <- errs[i]
		}
	}
}

// runItem runs one item, turning a panic into its error so that one bad
// item cannot take down the others' batch.
func runItem(fn func(tx *sql.Tx) error, tx *sql.Tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("batch item panicked: %v", p)
		}
	}()
	return fn(tx)
}
