package admin

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"time"

	"unionhall/internal/db"
)

// Seed fills an empty database with made-up workplaces, members and
// applications for development and benchmarks (`unionhall dev seed`). The
// data is sealed exactly as real data is, so timings are real. It refuses
// a database that already has members.
func (c *Console) Seed(ctx context.Context, members, applications int, seed uint64) error {
	var n int
	if err := c.d.DB.QueryRow(ctx, `SELECT COUNT(*) FROM members`).Scan(&n); err != nil {
		return fmt.Errorf("seed: count members: %w", err)
	}
	if n > 0 {
		return fmt.Errorf("seed: the database already has %d members; seed only an empty one", n)
	}
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	now := c.d.Now()
	first := []string{"Jana", "Petr", "Eva", "Tomáš", "Lucie", "Jiří", "Anna", "Martin", "Tereza", "Pavel", "Olga", "Leoš", "Zdeňka", "Ondřej"}
	last := []string{"Nováková", "Svoboda", "Dvořák", "Černá", "Procházka", "Kučerová", "Veselý", "Horáková", "Němec", "Marek", "Pokorná", "Král"}
	cities := []string{"Praha", "Brno", "Ostrava", "Plzeň", "Olomouc"}
	jobsList := []string{"Tester", "Developer", "Nurse", "Driver", "Cook", "Teacher", "Welder", "Cashier"}
	// Workplaces are sealed like the console's (SaveWorkplace): data and the
	// name's blind index, the old plaintext columns empty.
	type wpRow struct {
		id   string
		data []byte
		bidx []byte
	}
	var wpRows []wpRow
	var wps []string
	for i := 0; i < 20; i++ {
		r := wpRow{id: db.NewID()}
		name := fmt.Sprintf("Workplace %02d", i+1)
		var err error
		if r.data, err = c.sealJSON(workplaceData{Name: name, ContactEmail: fmt.Sprintf("wp%02d@example.org", i+1)}, aadWorkplace(r.id)); err != nil {
			return fmt.Errorf("seed: %w", err)
		}
		r.bidx = c.workplaceNameIndex(name)
		wpRows = append(wpRows, r)
		wps = append(wps, r.id)
	}
	err := c.d.DB.Tx(ctx, func(tx *sql.Tx) error {
		for _, r := range wpRows {
			if _, err := tx.ExecContext(ctx, c.d.DB.Rebind(`INSERT INTO workplaces (id, name, contact_email, description, data, name_bidx, created_at)
				VALUES (?, '', '', '', ?, ?, ?)`), r.id, r.data, r.bidx, db.T(now)); err != nil {
				return fmt.Errorf("seed workplace: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	const batch = 1000
	for start := 0; start < members; start += batch {
		type row struct {
			id, occID string
			number    int64
			data, occ []byte
			bidx      []byte
			joined    time.Time
			onboarded any
			left      any
			workplace string
		}
		var rows []row
		for i := start; i < min(start+batch, members); i++ {
			md := MemberData{FirstName: first[rng.IntN(len(first))], LastName: last[rng.IntN(len(last))],
				City: cities[rng.IntN(len(cities))], Phone: fmt.Sprintf("+420 6%08d", rng.IntN(1e8)),
				DateOfBirth: fmt.Sprintf("19%02d-%02d-%02d", 50+rng.IntN(50), 1+rng.IntN(12), 1+rng.IntN(28)), Company: "Example a.s.", Lang: "cs"}
			md.Email = fmt.Sprintf("member%d@example.org", i+1)
			r := row{id: db.NewID(), occID: db.NewID(), number: int64(i + 1), joined: now.Add(-time.Duration(rng.IntN(5*365*24)) * time.Hour)}
			var err error
			if r.data, err = c.sealJSON(md, aadMember("data", r.id)); err != nil {
				return err
			}
			if r.occ, err = c.d.Keys.SealString(jobsList[rng.IntN(len(jobsList))], aadMember("occupation", r.occID)); err != nil {
				return fmt.Errorf("seed: %w", err)
			}
			r.bidx = c.memberEmailIndex(md.Email)
			switch k := rng.IntN(10); {
			case k == 0:
				r.left = db.T(r.joined.Add(24 * time.Hour))
				r.onboarded = db.T(r.joined)
			case k < 8:
				r.onboarded = db.T(r.joined)
			}
			if rng.IntN(10) > 0 {
				r.workplace = wps[rng.IntN(len(wps))]
			}
			rows = append(rows, r)
		}
		err := c.d.DB.Tx(ctx, func(tx *sql.Tx) error {
			for _, r := range rows {
				if _, err := tx.ExecContext(ctx, c.d.DB.Rebind(`INSERT INTO members (id, number, email_bidx, data, joined_at, onboarded_at, left_at)
					VALUES (?, ?, ?, ?, ?, ?, ?)`), r.id, r.number, r.bidx, r.data, db.T(r.joined), r.onboarded, r.left); err != nil {
					return fmt.Errorf("seed member: %w", err)
				}
				if _, err := tx.ExecContext(ctx, c.d.DB.Rebind(`INSERT INTO member_occupations (id, member_id, occupation, since) VALUES (?, ?, ?, ?)`),
					r.occID, r.id, r.occ, db.T(r.joined)); err != nil {
					return fmt.Errorf("seed occupation: %w", err)
				}
				if r.workplace != "" {
					if _, err := tx.ExecContext(ctx, c.d.DB.Rebind(`INSERT INTO member_workplaces (member_id, workplace_id) VALUES (?, ?)`), r.id, r.workplace); err != nil {
						return fmt.Errorf("seed member workplace: %w", err)
					}
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	if _, err := c.d.DB.Exec(ctx, `UPDATE counters SET value = ? WHERE name = 'member_number'`, int64(members)); err != nil {
		return fmt.Errorf("seed: set counter: %w", err)
	}
	for start := 0; start < applications; start += batch {
		type row struct {
			id, state string
			data      []byte
			bidx      []byte
			at        time.Time
		}
		var rows []row
		for i := start; i < min(start+batch, applications); i++ {
			a := Applicant{Email: fmt.Sprintf("applicant%d@example.org", i+1), FirstName: first[rng.IntN(len(first))], LastName: last[rng.IntN(len(last))],
				DateOfBirth: "1990-01-01", City: cities[rng.IntN(len(cities))], Phone: "+420 601234567", Company: "Example a.s.",
				Occupation: jobsList[rng.IntN(len(jobsList))], Lang: "cs", TypedSignature: "signed"}
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
