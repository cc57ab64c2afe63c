package petitions

import (
	"context"
	"fmt"
	"sync"
	"time"

	"unionhall/internal/db"
)

// PublicName is a signer who agreed to be shown: name and city only.
type PublicName struct {
	Name, City string
}

// latestNames is how many names the page shows.
const latestNames = 10

// nameCache keeps the latest public names per petition, opened, for
// namesTTL: opening ten sealed rows on every page view under a rush would
// cost more than the rest of the page.
type nameCache struct {
	s  *Service
	mu sync.Mutex
	m  map[string]nameEntry
}

type nameEntry struct {
	names []PublicName
	at    time.Time
}

const namesTTL = 5 * time.Second

func newNameCache(s *Service) *nameCache { return &nameCache{s: s, m: map[string]nameEntry{}} }

func (c *nameCache) forget(id string) {
	c.s.fresh.drop()
	c.mu.Lock()
	delete(c.m, id)
	c.mu.Unlock()
}

// LatestNames returns the newest confirmed signers of id who opted in to
// show their name, newest first.
func (s *Service) LatestNames(ctx context.Context, id string) ([]PublicName, error) {
	c := s.names
	now := time.Now()
	c.mu.Lock()
	e, ok := c.m[id]
	c.mu.Unlock()
	if ok && now.Sub(e.at) < namesTTL {
		return e.names, nil
	}
	rows, err := s.d.DB.Query(ctx, `SELECT id, data FROM petition_signatures
		WHERE petition_id = ? AND status = ? AND show_name = ? AND data IS NOT NULL
		ORDER BY confirmed_at DESC, id DESC LIMIT ?`, id, StatusConfirmed, true, latestNames)
	if err != nil {
		return nil, fmt.Errorf("public names: %w", err)
	}
	defer rows.Close()
	var out []PublicName
	for rows.Next() {
		var sid string
		var data []byte
		if err := rows.Scan(&sid, &data); err != nil {
			return nil, fmt.Errorf("public names: %w", err)
		}
		var g Signer
		if err := s.d.Keys.OpenJSON(data, dataAAD(sid), &g); err != nil {
			return nil, fmt.Errorf("open signature %s: %w", sid, err)
		}
		out = append(out, PublicName{Name: g.Name, City: g.City})
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.m[id] = nameEntry{names: out, at: now}
	c.mu.Unlock()
	return out, nil
}

var _ = db.T
