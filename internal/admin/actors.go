package admin

import (
	"context"
	"sync"
	"time"
)

// actorCache maps account ids to emails for showing who did what in the
// audit trail and notes. Accounts are few, so the whole list is reloaded
// when an unknown id turns up (at most every few seconds) or when it is a
// minute old.
type actorCache struct {
	mu     sync.Mutex
	names  map[string]string
	loaded time.Time
}

func (c *Console) actorName(id string) string {
	if c.d.Auth == nil {
		return id
	}
	ac := &c.actors
	ac.mu.Lock()
	defer ac.mu.Unlock()
	name, ok := ac.names[id]
	age := time.Since(ac.loaded)
	if (!ok && age > 5*time.Second) || age > time.Minute {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		accts, err := c.d.Auth.Accounts(ctx)
		if err != nil {
			c.log.Warn("load account names", "err", err)
			return id
		}
		ac.names = make(map[string]string, len(accts))
		for _, a := range accts {
			ac.names[a.ID] = a.Email
		}
		ac.loaded = time.Now()
		name, ok = ac.names[id]
	}
	if !ok {
		return id // the command line ("cli"), or a disabled account
	}
	return name
}

// ForgetActors drops the cached account names, so the next lookup reloads
// them: an account was created, perhaps through another process sharing
// the database (the app subscribes it to internal/changes).
func (c *Console) ForgetActors() {
	c.actors.mu.Lock()
	defer c.actors.mu.Unlock()
	c.actors.names, c.actors.loaded = nil, time.Time{}
}
