package members_test

import (
	"context"
	"testing"

	"unionhall/internal/auth"
	"unionhall/internal/db"
	"unionhall/internal/dbtest"
	"unionhall/internal/members"
	"unionhall/internal/membership"
	"unionhall/internal/seal"
)

// rig is the registry on a test database, wired as internal/app wires it.
type rig struct {
	d    *db.DB
	keys *seal.Keyring
	auth *auth.Service
	reg  *members.Registry
}

func newRig(t testing.TB, d *db.DB) *rig {
	t.Helper()
	kr, err := seal.NewKeyring(seal.GenerateKey())
	if err != nil {
		t.Fatal(err)
	}
	a := auth.New(auth.Deps{DB: d, Keys: kr, BaseURL: "http://members.test", Logger: dbtest.Logger(), PerAddress: 1 << 20, PerEmail: 1 << 20})
	reg := members.New(members.Deps{DB: d, Keys: kr, Auth: a, Logger: dbtest.Logger(),
		Erasers: []members.Eraser{membership.MemberApplicationEraser(d, kr)}})
	return &rig{d: d, keys: kr, auth: a, reg: reg}
}

// representative creates an account representing workplaces and returns
// it as a session would carry it.
func (r *rig) representative(t testing.TB, email string, workplaces []string) *auth.Account {
	t.Helper()
	ctx := context.Background()
	if _, err := r.auth.CreateAccount(ctx, email, nil, workplaces); err != nil {
		t.Fatal(err)
	}
	accts, err := r.auth.Accounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range accts {
		if a.Email == email {
			return &auth.Account{ID: a.ID, Email: a.Email, Workplaces: workplaces}
		}
	}
	t.Fatalf("account %s not listed", email)
	return nil
}

// withEmail counts the members a search for email finds.
func (r *rig) withEmail(t testing.TB, email string) int {
	t.Helper()
	l, err := r.reg.ListMembers(context.Background(), super, members.MemberFilter{Query: email})
	if err != nil {
		t.Fatal(err)
	}
	return l.Total
}

func (r *rig) count(t testing.TB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := r.d.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

var super = &auth.Account{ID: "tester", Roles: auth.Roles}
