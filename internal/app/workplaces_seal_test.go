package app

import (
	"context"
	"testing"

	"unionhall/internal/auth"
	"unionhall/internal/config"
	"unionhall/internal/db"
	"unionhall/internal/dbtest"
)

// TestStartSealsLegacyWorkplaces: a workplace stored in plain text by a
// version before migration 00042 is sealed when the server starts, before
// anything is served — the wiring of members.Registry.SealLegacyWorkplaces.
func TestStartSealsLegacyWorkplaces(t *testing.T) {
	ctx := context.Background()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	d, err := db.Open(ctx, db.Options{DataDir: cfg.DataDir, Logger: dbtest.Logger()})
	if err != nil {
		t.Fatal(err)
	}
	const id = "aaaaaaaaaaaaaaaaaaaaaaaaaa"
	if _, err := d.Exec(ctx, `INSERT INTO workplaces (id, name, contact_email, description, created_at) VALUES (?, 'Kvádr Software', 'rep@soukromy.example', '', ?)`,
		id, "2026-01-01T00:00:00.000000Z"); err != nil {
		t.Fatal(err)
	}
	d.Close()

	a, _ := startApp(t, cfg, Options{})
	var name, email string
	var data []byte
	if err := a.DB.QueryRow(ctx, `SELECT name, contact_email, data FROM workplaces WHERE id = ?`, id).Scan(&name, &email, &data); err != nil {
		t.Fatal(err)
	}
	if name != "" || email != "" || data == nil {
		t.Fatalf("after start: name %q, contact %q, sealed %v", name, email, data != nil)
	}
	w, err := a.Members.LoadWorkplace(ctx, &auth.Account{ID: "t", Roles: auth.Roles}, id)
	if err != nil || w.Name != "Kvádr Software" || w.ContactEmail != "rep@soukromy.example" {
		t.Fatalf("workplace = %+v, %v", w, err)
	}
}
