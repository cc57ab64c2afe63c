package admin_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"strings"
	"testing"
	"time"

	"unionhall/internal/admin"
	"unionhall/internal/auth"
	"unionhall/internal/db"
	"unionhall/internal/dbtest"
	"unionhall/internal/seal"
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
			id, err := c.SaveWorkplace(ctx, super, admin.Workplace{Name: name, ContactEmail: "rep@example.org", Description: "About " + name})
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

		list, err := c.ListWorkplaces(ctx, super)
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
		w, err := c.LoadWorkplace(ctx, super, ids["Beta"])
		if err != nil || w.Name != "Beta" || w.ContactEmail != "rep@example.org" || w.Description != "About Beta" || w.CreatedAt.IsZero() {
			t.Fatalf("detail = %+v, %v", w, err)
		}
		// A representative sees only their own workplace, opened.
		_, rep := r.login(t, "rep@example.org", nil, []string{ids["Beta"]})
		if l, err := c.ListWorkplaces(ctx, rep); err != nil || len(l) != 1 || l[0].Name != "Beta" {
			t.Fatalf("representative's list = %+v, %v", l, err)
		}

		// A member of two workplaces: their page and the members export
		// name both, sorted; the newsletter export names its workplace.
		m, _, err := c.AddMember(ctx, super, admin.MemberData{FirstName: "Eva", LastName: "Malá", Email: "eva@example.org", Lang: "cs"}, "", 0)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.SetMemberWorkplaces(ctx, super, m, []string{ids["Žižkov depot"], ids["Čistírna Brno"]}); err != nil {
			t.Fatal(err)
		}
		md, err := c.LoadMember(ctx, super, m, auth.ViewMember)
		if err != nil {
			t.Fatal(err)
		}
		if len(md.Workplaces) != 2 || md.Workplaces[0].Name != "Čistírna Brno" || md.Workplaces[1].Name != "Žižkov depot" {
			t.Fatalf("member's workplaces = %+v", md.Workplaces)
		}
		var b bytes.Buffer
		if err := c.ExportMembers(ctx, super, admin.CatAll, []string{"number", "workplaces"}, &b); err != nil {
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
		if _, err := c.LoadWorkplace(ctx, super, ids["arsenal"]); err == nil {
			t.Fatal("a workplace's sealed data opened under another row's id")
		}
	})
}

// TestWorkplaceNamesUnique: a name another workplace has — after
// normalising case, white space and Unicode form — is refused on create and
// on rename with ErrWorkplaceNameTaken; changing only the case of a
// workplace's own name is fine.
func TestWorkplaceNamesUnique(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		c := newRig(t, d).c
		kvadr, err := c.SaveWorkplace(ctx, super, admin.Workplace{Name: "Kvádr Software"})
		if err != nil {
			t.Fatal(err)
		}
		other, err := c.SaveWorkplace(ctx, super, admin.Workplace{Name: "Depot"})
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"Kvádr Software", "  kvádr   SOFTWARE ", "KVA\u0301DR software", "kvádr\tsoftware"} {
			if _, err := c.SaveWorkplace(ctx, super, admin.Workplace{Name: name}); !errors.Is(err, admin.ErrWorkplaceNameTaken) {
				t.Errorf("create %q: %v, want ErrWorkplaceNameTaken", name, err)
			}
			if _, err := c.SaveWorkplace(ctx, super, admin.Workplace{ID: other, Name: name}); !errors.Is(err, admin.ErrWorkplaceNameTaken) {
				t.Errorf("rename to %q: %v, want ErrWorkplaceNameTaken", name, err)
			}
		}
		// A different name is a different workplace, however close.
		if _, err := c.SaveWorkplace(ctx, super, admin.Workplace{Name: "Kvadr Software"}); err != nil {
			t.Fatalf("a name without the accent: %v", err)
		}
		if _, err := c.SaveWorkplace(ctx, super, admin.Workplace{ID: kvadr, Name: "KVÁDR SOFTWARE", ContactEmail: "k@example.org"}); err != nil {
			t.Fatalf("re-casing its own name: %v", err)
		}
		w, err := c.LoadWorkplace(ctx, super, other)
		if err != nil || w.Name != "Depot" {
			t.Fatalf("refused rename changed the workplace: %+v, %v", w, err)
		}
		var n int
		if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM workplaces`).Scan(&n); err != nil || n != 3 {
			t.Fatalf("workplaces = %d, %v", n, err)
		}
		if got, want := auth.NormaliseWorkplaceName("  KVA\u0301DR \t Software\n"), "kvádr software"; got != want {
			t.Fatalf("NormaliseWorkplaceName = %q, want %q", got, want)
		}
	})
}

// TestSealLegacyWorkplaces: rows stored in plain text before migration
// 00042 are sealed, indexed and blanked at start; a second run changes
// nothing; the old plaintext is gone from the database files too (SQLite
// free space and write-ahead log; PostgreSQL dump). Rows sharing a name
// keep the oldest id indexed and the others unindexed until renamed.
func TestSealLegacyWorkplaces(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		r := newRig(t, d)
		c := r.c
		const (
			legacy = "22222222222222222222222222"
			dupe   = "33333333333333333333333333"
		)
		now := db.T(time.Now())
		// As the code before 00042 wrote them.
		for _, row := range [][4]string{
			{legacy, "Pražská Plynárenská Holešovice", "marketa.svobodova@soukromy.example", "Kotelna a dílny v Holešovicích"},
			{dupe, "  pražská plynárenská  HOLEŠOVICE", "", ""},
		} {
			if _, err := d.Exec(ctx, `INSERT INTO workplaces (id, name, contact_email, description, created_at) VALUES (?, ?, ?, ?, ?)`,
				row[0], row[1], row[2], row[3], now); err != nil {
				t.Fatal(err)
			}
		}
		member, _, err := c.AddMember(ctx, super, admin.MemberData{FirstName: "Jan"}, "", 0)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.SetMemberWorkplaces(ctx, super, member, []string{legacy}); err != nil {
			t.Fatal(err)
		}
		// Before sealing, readers refuse rather than read the plaintext.
		if _, err := c.ListWorkplaces(ctx, super); err == nil || !strings.Contains(err.Error(), "not sealed") {
			t.Fatalf("list before sealing: %v", err)
		}

		n, err := c.SealLegacyWorkplaces(ctx)
		if err != nil || n != 2 {
			t.Fatalf("seal: %d, %v", n, err)
		}
		type rowState struct {
			name, email, desc string
			data, bidx        []byte
		}
		read := func(id string) rowState {
			t.Helper()
			var s rowState
			if err := d.QueryRow(ctx, `SELECT name, contact_email, description, data, name_bidx FROM workplaces WHERE id = ?`, id).
				Scan(&s.name, &s.email, &s.desc, &s.data, &s.bidx); err != nil {
				t.Fatal(err)
			}
			return s
		}
		first, second := read(legacy), read(dupe)
		if first.name != "" || first.email != "" || first.desc != "" || first.data == nil {
			t.Fatalf("legacy row after sealing: %+v", first)
		}
		if want := auth.WorkplaceNameIndex(r.keys, "Pražská Plynárenská Holešovice"); !seal.Equal(first.bidx, want) {
			t.Fatal("legacy row's name index is not the name's blind index")
		}
		if second.name != "" || second.data == nil || second.bidx != nil {
			t.Fatalf("duplicate row after sealing: %+v", second)
		}
		w, err := c.LoadWorkplace(ctx, super, legacy)
		if err != nil || w.Name != "Pražská Plynárenská Holešovice" || w.ContactEmail != "marketa.svobodova@soukromy.example" ||
			w.Description != "Kotelna a dílny v Holešovicích" {
			t.Fatalf("sealed legacy workplace = %+v, %v", w, err)
		}
		md, err := c.LoadMember(ctx, super, member, auth.ViewMember)
		if err != nil || len(md.Workplaces) != 1 || md.Workplaces[0].Name != "Pražská Plynárenská Holešovice" {
			t.Fatalf("member's workplaces after sealing = %+v, %v", md, err)
		}

		// Idempotent: nothing left to seal, nothing rewritten.
		if n, err := c.SealLegacyWorkplaces(ctx); err != nil || n != 0 {
			t.Fatalf("second run: %d, %v", n, err)
		}
		if again := read(legacy); !bytes.Equal(again.data, first.data) || !bytes.Equal(again.bidx, first.bidx) {
			t.Fatal("second run rewrote a sealed row")
		}

		// The duplicate asks for a new name when saved, and gets its index
		// with one.
		if _, err := c.SaveWorkplace(ctx, super, admin.Workplace{ID: dupe, Name: "pražská plynárenská holešovice"}); !errors.Is(err, admin.ErrWorkplaceNameTaken) {
			t.Fatalf("saving the duplicate unchanged: %v", err)
		}
		if _, err := c.SaveWorkplace(ctx, super, admin.Workplace{ID: dupe, Name: "Pražská Plynárenská Michle"}); err != nil {
			t.Fatal(err)
		}
		if read(dupe).bidx == nil {
			t.Fatal("renamed duplicate has no name index")
		}

		raw := dbtest.Raw(t, d)
		for _, s := range []string{"Plynárenská", "plynárenská", "Holešovic", "HOLEŠOVICE", "marketa.svobodova", "soukromy.example", "Kotelna"} {
			if bytes.Contains(raw, []byte(s)) {
				t.Errorf("the database still holds %q after sealing", s)
			}
		}
	})
}

// TestSeedSealsWorkplaces: `unionhall dev seed` stores workplaces as the
// console does, sealed and indexed, so development data looks like real.
func TestSeedSealsWorkplaces(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		c := newRig(t, d).c
		if err := c.Seed(ctx, 5, 0, 1); err != nil {
			t.Fatal(err)
		}
		var plain, unindexed int
		if err := d.QueryRow(ctx, `SELECT
			COALESCE(SUM(CASE WHEN name <> '' OR contact_email <> '' THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN name_bidx IS NULL OR data IS NULL THEN 1 ELSE 0 END), 0) FROM workplaces`).Scan(&plain, &unindexed); err != nil {
			t.Fatal(err)
		}
		if plain != 0 || unindexed != 0 {
			t.Fatalf("seeded workplaces: %d in plain text, %d not sealed or indexed", plain, unindexed)
		}
		l, err := c.ListWorkplaces(ctx, super)
		if err != nil || len(l) != 20 || l[0].Name != "Workplace 01" || l[0].ContactEmail != "wp01@example.org" {
			t.Fatalf("seeded workplaces = %d, %v", len(l), err)
		}
	})
}
