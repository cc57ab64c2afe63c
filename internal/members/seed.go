package members

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"time"

	"unionhall/internal/db"
)

// FakePerson is a made-up person for seeding (Seed, and the applications
// the console seeds next to the members).
type FakePerson struct{ FirstName, LastName, City, Occupation string }

var (
	fakeFirst  = []string{"Jana", "Petr", "Eva", "Tomáš", "Lucie", "Jiří", "Anna", "Martin", "Tereza", "Pavel", "Olga", "Leoš", "Zdeňka", "Ondřej"}
	fakeLast   = []string{"Nováková", "Svoboda", "Dvořák", "Černá", "Procházka", "Kučerová", "Veselý", "Horáková", "Němec", "Marek", "Pokorná", "Král"}
	fakeCities = []string{"Praha", "Brno", "Ostrava", "Plzeň", "Olomouc"}
	fakeJobs   = []string{"Tester", "Developer", "Nurse", "Driver", "Cook", "Teacher", "Welder", "Cashier"}
)

// NewFakePerson draws a made-up person from rng.
func NewFakePerson(rng *rand.Rand) FakePerson {
	return FakePerson{FirstName: fakeFirst[rng.IntN(len(fakeFirst))], LastName: fakeLast[rng.IntN(len(fakeLast))],
		City: fakeCities[rng.IntN(len(fakeCities))], Occupation: fakeJobs[rng.IntN(len(fakeJobs))]}
}

// Seed fills an empty registry with 20 made-up workplaces and n members
// (numbers 1…n, the counter set to n) for development and benchmarks,
// sealed exactly as real data is, so timings are real. It refuses a
// database that already has members.
func (reg *Registry) Seed(ctx context.Context, n int, seed uint64) error {
	var have int
	if err := reg.d.DB.QueryRow(ctx, `SELECT COUNT(*) FROM members`).Scan(&have); err != nil {
		return fmt.Errorf("seed: count members: %w", err)
	}
	if have > 0 {
		return fmt.Errorf("seed: the database already has %d members; seed only an empty one", have)
	}
	members := n
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	now := reg.d.Now()
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
		if r.data, err = reg.d.Keys.SealJSON(workplaceData{Name: name, ContactEmail: fmt.Sprintf("wp%02d@example.org", i+1)}, aadWorkplace(r.id)); err != nil {
			return fmt.Errorf("seed: %w", err)
		}
		r.bidx = reg.workplaceNameIndex(name)
		wpRows = append(wpRows, r)
		wps = append(wps, r.id)
	}
	err := reg.d.DB.Tx(ctx, func(tx *sql.Tx) error {
		for _, r := range wpRows {
			if _, err := tx.ExecContext(ctx, reg.d.DB.Rebind(`INSERT INTO workplaces (id, name, contact_email, description, data, name_bidx, created_at)
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
			p := NewFakePerson(rng)
			md := MemberData{FirstName: p.FirstName, LastName: p.LastName,
				City: p.City, Phone: fmt.Sprintf("+420 6%08d", rng.IntN(1e8)),
				DateOfBirth: fmt.Sprintf("19%02d-%02d-%02d", 50+rng.IntN(50), 1+rng.IntN(12), 1+rng.IntN(28)), Company: "Example a.s.", Lang: "cs"}
			md.Email = fmt.Sprintf("member%d@example.org", i+1)
			r := row{id: db.NewID(), occID: db.NewID(), number: int64(i + 1), joined: now.Add(-time.Duration(rng.IntN(5*365*24)) * time.Hour)}
			var err error
			if r.data, err = reg.d.Keys.SealJSON(md, aadMember("data", r.id)); err != nil {
				return err
			}
			if r.occ, err = reg.d.Keys.SealString(p.Occupation, aadMember("occupation", r.occID)); err != nil {
				return fmt.Errorf("seed: %w", err)
			}
			r.bidx = reg.EmailIndex(md.Email)
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
		err := reg.d.DB.Tx(ctx, func(tx *sql.Tx) error {
			for _, r := range rows {
				if _, err := tx.ExecContext(ctx, reg.d.DB.Rebind(`INSERT INTO members (id, number, email_bidx, data, joined_at, onboarded_at, left_at)
					VALUES (?, ?, ?, ?, ?, ?, ?)`), r.id, r.number, r.bidx, r.data, db.T(r.joined), r.onboarded, r.left); err != nil {
					return fmt.Errorf("seed member: %w", err)
				}
				if _, err := tx.ExecContext(ctx, reg.d.DB.Rebind(`INSERT INTO member_occupations (id, member_id, occupation, since) VALUES (?, ?, ?, ?)`),
					r.occID, r.id, r.occ, db.T(r.joined)); err != nil {
					return fmt.Errorf("seed occupation: %w", err)
				}
				if r.workplace != "" {
					if _, err := tx.ExecContext(ctx, reg.d.DB.Rebind(`INSERT INTO member_workplaces (member_id, workplace_id) VALUES (?, ?)`), r.id, r.workplace); err != nil {
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
	if _, err := reg.d.DB.Exec(ctx, `UPDATE counters SET value = ? WHERE name = 'member_number'`, int64(members)); err != nil {
		return fmt.Errorf("seed: set counter: %w", err)
	}
	return nil
}
