package petitions

import (
	"context"
	"sync"
	"time"
)

// counter keeps each petition's confirmed count in memory for the public
// page, count.json and the embed, so that a page view under a viral
// signing rush costs no database read. A confirmation in this process
// updates it at once (add); other processes on the same database see the
// change within counterTTL, when the entry is read again.
type counter struct {
	s  *Service
	mu sync.Mutex
	m  map[string]countEntry
}

type countEntry struct {
	p  Petition // stored state only (counts, early close)
	at time.Time
}

// counterTTL bounds how stale another process's count may be.
const counterTTL = time.Second

func newCounter(s *Service) *counter { return &counter{s: s, m: map[string]countEntry{}} }

// state returns p with its stored state, from memory when fresh.
func (c *counter) state(ctx context.Context, p Petition) (Petition, error) {
	now := time.Now()
	c.mu.Lock()
	e, ok := c.m[p.ID]
	c.mu.Unlock()
	if ok && now.Sub(e.at) < counterTTL {
		copyState(&p, e.p)
		return p, nil
	}
	q, err := c.s.load(ctx, p)
	if err != nil {
		return p, err
	}
	c.mu.Lock()
	c.m[p.ID] = countEntry{p: q, at: now}
	c.mu.Unlock()
	return q, nil
}

func copyState(dst *Petition, src Petition) {
	dst.Confirmed, dst.Pending = src.Confirmed, src.Pending
	dst.ClosedEarly, dst.ClosedBy = src.ClosedEarly, src.ClosedBy
	dst.EraseAt, dst.ErasedAt = src.EraseAt, src.ErasedAt
}

// add moves a cached count after a committed change in this process.
func (c *counter) add(id string, confirmed, pending int) {
	if confirmed != 0 {
		c.s.fresh.drop()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[id]; ok {
		e.p.Confirmed += confirmed
		e.p.Pending += pending
		c.m[id] = e
	}
}

// forget drops an entry after a change made outside add.
func (c *counter) forget(id string) {
	c.s.fresh.drop()
	c.mu.Lock()
	delete(c.m, id)
	c.mu.Unlock()
}
