package admin_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"strings"
	"testing"

	"unionhall/internal/auth"
	"unionhall/internal/db"
	"unionhall/internal/dbtest"
	"unionhall/internal/members"
)

// TestWorkplacesSealed: a workplace's name, contact and description are
// stored only sealed (the plaintext columns stay empty), yet every reader —
// the list, the detail, a member's page, both exports — shows them, and the
// list is in name order although the database cannot sort sealed names.
func TestWorkplacesSealed(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		r := newRig(t, d)
		c := r.c
		ids := map[string]string{}
		for _, name := range []string{"Žižkov depot", "arsenal", "Čistírna Brno", "Beta"} {
			id, err := r.reg.SaveWorkplace(ctx, super, members.Workplace{Name: name, ContactEmail: "rep@example.org", Description: "About " + name})
			if err != nil {
				t.Fatalf("create %s: %v", name, err)
			}
			ids[name] = id
		}
		var plain, sealedRows, indexed int
		if err := d.QueryRow(ctx, `SELECT
			COALESCE(SUM(CASE WHEN name <> '' OR contact_email <> '' OR description <> '' THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN data IS NOT NULL THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN name_bidx IS NOT NULL THEN 1 ELSE 0 END), 0) FROM workplaces`).Scan(&plain, &sealedRows, &indexed); err != nil {
			t.Fatal(err)
		}
		if plain != 0 || sealedRows != 4 || indexed != 4 {
			t.Fatalf("rows with plaintext %d, sealed %d, indexed %d", plain, sealedRows, indexed)
		}

		list, err := r.reg.ListWorkplaces(ctx, super)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, w := range list {
			names = append(names, w.Name)
		}
		if got := strings.Join(names, "|"); got != "arsenal|Beta|Čistírna Brno|Žižkov depot" {
			t.Fatalf("list order = %s", got)
		}
		w, err := r.reg.LoadWorkplace(ctx, super, ids["Beta"])
		if err != nil || w.Name != "Beta" || w.ContactEmail != "rep@example.org" || w.Description != "About Beta" || w.CreatedAt.IsZero() {
			t.Fatalf("detail = %+v, %v", w, err)
		}
		// A representative sees only their own workplace, opened.
		_, rep := r.login(t, "rep@example.org", nil, []string{ids["Beta"]})
		if l, err := r.reg.ListWorkplaces(ctx, rep); err != nil || len(l) != 1 || l[0].Name != "Beta" {
			t.Fatalf("representative's list = %+v, %v", l, err)
		}

		// A member of two workplaces: their page and the members export
		// name both, sorted; the newsletter export names its workplace.
		m, _, err := r.reg.AddMember(ctx, super, members.MemberData{FirstName: "Eva", LastName: "Malá", Email: "eva@example.org", Lang: "cs"}, "", 0, false)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.reg.SetMemberWorkplaces(ctx, super, m, []string{ids["Žižkov depot"], ids["Čistírna Brno"]}); err != nil {
			t.Fatal(err)
		}
		md, err := r.reg.LoadMember(ctx, super, m, auth.ViewMember)
		if err != nil {
			t.Fatal(err)
		}
		if len(md.Workplaces) != 2 || md.Workplaces[0].Name != "Čistírna Brno" || md.Workplaces[1].Name != "Žižkov depot" {
			t.Fatalf("member's workplaces = %+v", md.Workplaces)
		}
		var b bytes.Buffer
		if err := c.ExportMembers(ctx, super, members.CatAll, []string{"number", "workplaces"}, &b); err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(&b).ReadAll()
		if err != nil || len(rows) != 2 || rows[1][1] != "Čistírna Brno; Žižkov depot" {
			t.Fatalf("members csv = %q, %v", rows, err)
		}
		b.Reset()
		if err := c.ExportNewsletter(ctx, super, ids["Žižkov depot"], &b); err != nil {
			t.Fatal(err)
		}
		if rows, err := csv.NewReader(&b).ReadAll(); err != nil || len(rows) != 2 || !strings.Contains(rows[1][2], `"workplace":"Žižkov depot"`) {
			t.Fatalf("newsletter csv = %q, %v", rows, err)
		}

		// A sealed value moved to another row does not open there (the
		// associated data binds it to its row).
		if _, err := d.Exec(ctx, `UPDATE workplaces SET data = (SELECT data FROM workplaces WHERE id = ?) WHERE id = ?`, ids["Beta"], ids["arsenal"]); err != nil {
			t.Fatal(err)
		}
		if _, err := r.reg.LoadWorkplace(ctx, super, ids["arsenal"]); err == nil {
			t.Fatal("a workplace's sealed data opened under another row's id")
		}
	})
}
