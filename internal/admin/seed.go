package admin

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"time"

	"unionhall/internal/db"
	"unionhall/internal/members"
)

// Seed fills an empty database with made-up workplaces and members (the
// registry's members.Registry.Seed) and applications for development and
// benchmarks (`unionhall dev seed`). The data is sealed exactly as real
// data is, so timings are real. It refuses a database that already has
// members.
func (c *Console) Seed(ctx context.Context, nMembers, applications int, seed uint64) error {
	if err := c.reg.Seed(ctx, nMembers, seed); err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(seed^0x5851f42d4c957f2d, seed))
	now := c.d.Now()
	const batch = 1000
	for start := 0; start < applications; start += batch {
		type row struct {
			id, state string
			data      []byte
			bidx      []byte
			at        time.Time
		}
		var rows []row
		for i := start; i < min(start+batch, applications); i++ {
			p := members.NewFakePerson(rng)
			a := Applicant{Email: fmt.Sprintf("applicant%d@example.org", i+1), FirstName: p.FirstName, LastName: p.LastName,
				DateOfBirth: "1990-01-01", City: p.City, Phone: "+420 601234567", Company: "Example a.s.",
				Occupation: p.Occupation, Lang: "cs", TypedSignature: "signed"}
			r := row{id: db.NewID(), state: []string{StateUnverified, StateProcessing, StateRejected, StateInvalid}[rng.IntN(4)],
				at: now.Add(-time.Duration(rng.IntN(365*24)) * time.Hour)}
			plain, _ := json.Marshal(a)
			var err error
			if r.data, err = c.d.Keys.Seal(plain, aadApp("data", r.id)); err != nil {
				return fmt.Errorf("seed: %w", err)
			}
			r.bidx = c.d.Keys.BlindIndex("application.email", a.Email)
			rows = append(rows, r)
		}
		err := c.d.DB.Tx(ctx, func(tx *sql.Tx) error {
			for _, r := range rows {
				var confirmed any
				if r.state != StateUnverified {
					confirmed = db.T(r.at.Add(time.Hour))
				}
				if _, err := tx.ExecContext(ctx, c.d.DB.Rebind(`INSERT INTO applications (id, state, lang, email_bidx, data, typed_signature, created_at, confirmed_at)
					VALUES (?, ?, 'cs', ?, ?, ?, ?, ?)`), r.id, r.state, r.bidx, r.data, true, db.T(r.at), confirmed); err != nil {
					return fmt.Errorf("seed application: %w", err)
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}
