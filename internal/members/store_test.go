package members_test

import (
	"bytes"
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"unionhall/internal/auth"
	"unionhall/internal/db"
	"unionhall/internal/dbtest"
	"unionhall/internal/members"
	"unionhall/internal/seal"
)

func TestMemberSearchEditLeave(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		r := newRig(t, d)
		wp, err := r.reg.SaveWorkplace(ctx, super, members.Workplace{Name: "Hospital"})
		if err != nil {
			t.Fatal(err)
		}
		id1, _, err := r.reg.AddMember(ctx, super, members.MemberData{FirstName: "Antonín", LastName: "Dvořák", Email: "ad@example.org"}, "Composer", 0, false)
		if err != nil {
			t.Fatal(err)
		}
		id2, _, err := r.reg.AddMember(ctx, super, members.MemberData{FirstName: "Leoš", LastName: "Janáček", Email: "lj@example.org"}, "", 0, false)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.reg.SetMemberWorkplaces(ctx, super, id1, []string{wp, wp}); err != nil {
			t.Fatal(err)
		}
		find := func(f members.MemberFilter) []string {
			t.Helper()
			l, err := r.reg.ListMembers(ctx, super, f)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, m := range l.Members {
				out = append(out, m.ID)
			}
			return out
		}
		for _, tc := range []struct {
			f    members.MemberFilter
			want []string
		}{
			{members.MemberFilter{Query: "dvorak"}, []string{id1}},
			{members.MemberFilter{Query: "JANÁČEK"}, []string{id2}},
			{members.MemberFilter{Query: "LJ@example.org"}, []string{id2}},
			{members.MemberFilter{Query: "1"}, []string{id1}},
			{members.MemberFilter{Workplace: wp}, []string{id1}},
			{members.MemberFilter{Workplace: "none"}, []string{id2}},
			{members.MemberFilter{}, []string{id2, id1}},
			{members.MemberFilter{Query: "' OR 1=1 --"}, nil},
			{members.MemberFilter{Query: "%"}, nil},
			{members.MemberFilter{Query: strings.Repeat("x", 10000)}, nil},
		} {
			if got := find(tc.f); strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("filter %+v: got %v want %v", tc.f, got, tc.want)
			}
		}
		if err := r.reg.UpdateMember(ctx, super, id1, members.MemberData{FirstName: "Antonín", LastName: "Dvořák", Email: "new@example.org"}, false); err != nil {
			t.Fatal(err)
		}
		if got := find(members.MemberFilter{Query: "new@example.org"}); len(got) != 1 {
			t.Fatalf("search by new email: %v", got)
		}
		if err := r.reg.SetOnboarded(ctx, super, id1); err != nil {
			t.Fatal(err)
		}
		if got := find(members.MemberFilter{Category: members.CatCurrent}); strings.Join(got, ",") != id1 {
			t.Fatalf("current = %v", got)
		}
		if err := r.reg.RecordLeaving(ctx, super, id1, true); err != nil {
			t.Fatal(err)
		}
		m, err := r.reg.LoadMember(ctx, super, id1, auth.ViewMember)
		if err != nil {
			t.Fatal(err)
		}
		if !m.Erased || m.Number != 1 || m.Data.Email != "" || m.LeftAt == nil || len(m.Occupations) != 0 || m.Category() != members.CatPast {
			t.Fatalf("erased member = %+v", m)
		}
		if err := r.reg.UpdateMember(ctx, super, id1, members.MemberData{FirstName: "X"}, false); !errors.Is(err, members.ErrWrongState) {
			t.Fatalf("edit an erased member: %v", err)
		}
		var actions []string
		for _, e := range m.Timeline {
			actions = append(actions, e.Action+"/"+e.Detail)
		}
		if got := strings.Join(actions, " "); !strings.Contains(got, "member.edit/changed: email") || !strings.Contains(got, "member.leave/personal data erased") {
			t.Fatalf("timeline = %s", got)
		}
		counts, err := r.reg.CountMembers(ctx, super)
		if err != nil || counts[members.CatPast] != 1 || counts[members.CatNew] != 1 || counts[members.CatAll] != 2 {
			t.Fatalf("counts = %v %v", counts, err)
		}
	})
}

// TestSearchSeesEditsFromAnotherProcess: the search cache notices a rename
// made by another console (another server process) on the same database.
func TestSearchSeesEditsFromAnotherProcess(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		r := newRig(t, d)
		other := members.New(members.Deps{DB: dbtest.Reopen(t, d), Keys: r.keys, Auth: r.auth, Logger: dbtest.Logger()})
		id, _, err := r.reg.AddMember(ctx, super, members.MemberData{FirstName: "Karel", LastName: "Starý"}, "", 0, false)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.reg.WarmSearch(ctx); err != nil {
			t.Fatal(err)
		}
		count := func(q string) int {
			l, err := r.reg.ListMembers(ctx, super, members.MemberFilter{Query: q})
			if err != nil {
				t.Fatal(err)
			}
			return l.Total
		}
		if count("stary") != 1 || count("novy") != 0 {
			t.Fatal("search before the rename")
		}
		if err := other.UpdateMember(ctx, super, id, members.MemberData{FirstName: "Karel", LastName: "Nový"}, false); err != nil {
			t.Fatal(err)
		}
		if count("stary") != 0 || count("novy") != 1 {
			t.Fatal("search did not see the rename by another process")
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
		r := newRig(t, d)
		kvadr, err := r.reg.SaveWorkplace(ctx, super, members.Workplace{Name: "Kvádr Software"})
		if err != nil {
			t.Fatal(err)
		}
		other, err := r.reg.SaveWorkplace(ctx, super, members.Workplace{Name: "Depot"})
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"Kvádr Software", "  kvádr   SOFTWARE ", "KVA\u0301DR software", "kvádr\tsoftware"} {
			if _, err := r.reg.SaveWorkplace(ctx, super, members.Workplace{Name: name}); !errors.Is(err, members.ErrWorkplaceNameTaken) {
				t.Errorf("create %q: %v, want ErrWorkplaceNameTaken", name, err)
			}
			if _, err := r.reg.SaveWorkplace(ctx, super, members.Workplace{ID: other, Name: name}); !errors.Is(err, members.ErrWorkplaceNameTaken) {
				t.Errorf("rename to %q: %v, want ErrWorkplaceNameTaken", name, err)
			}
		}
		// A different name is a different workplace, however close.
		if _, err := r.reg.SaveWorkplace(ctx, super, members.Workplace{Name: "Kvadr Software"}); err != nil {
			t.Fatalf("a name without the accent: %v", err)
		}
		if _, err := r.reg.SaveWorkplace(ctx, super, members.Workplace{ID: kvadr, Name: "KVÁDR SOFTWARE", ContactEmail: "k@example.org"}); err != nil {
			t.Fatalf("re-casing its own name: %v", err)
		}
		w, err := r.reg.LoadWorkplace(ctx, super, other)
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
		member, _, err := r.reg.AddMember(ctx, super, members.MemberData{FirstName: "Jan"}, "", 0, false)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.reg.SetMemberWorkplaces(ctx, super, member, []string{legacy}); err != nil {
			t.Fatal(err)
		}
		// Before sealing, readers refuse rather than read the plaintext.
		if _, err := r.reg.ListWorkplaces(ctx, super); err == nil || !strings.Contains(err.Error(), "not sealed") {
			t.Fatalf("list before sealing: %v", err)
		}

		n, err := r.reg.SealLegacyWorkplaces(ctx)
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
		w, err := r.reg.LoadWorkplace(ctx, super, legacy)
		if err != nil || w.Name != "Pražská Plynárenská Holešovice" || w.ContactEmail != "marketa.svobodova@soukromy.example" ||
			w.Description != "Kotelna a dílny v Holešovicích" {
			t.Fatalf("sealed legacy workplace = %+v, %v", w, err)
		}
		md, err := r.reg.LoadMember(ctx, super, member, auth.ViewMember)
		if err != nil || len(md.Workplaces) != 1 || md.Workplaces[0].Name != "Pražská Plynárenská Holešovice" {
			t.Fatalf("member's workplaces after sealing = %+v, %v", md, err)
		}

		// Idempotent: nothing left to seal, nothing rewritten.
		if n, err := r.reg.SealLegacyWorkplaces(ctx); err != nil || n != 0 {
			t.Fatalf("second run: %d, %v", n, err)
		}
		if again := read(legacy); !bytes.Equal(again.data, first.data) || !bytes.Equal(again.bidx, first.bidx) {
			t.Fatal("second run rewrote a sealed row")
		}

		// The duplicate asks for a new name when saved, and gets its index
		// with one.
		if _, err := r.reg.SaveWorkplace(ctx, super, members.Workplace{ID: dupe, Name: "pražská plynárenská holešovice"}); !errors.Is(err, members.ErrWorkplaceNameTaken) {
			t.Fatalf("saving the duplicate unchanged: %v", err)
		}
		if _, err := r.reg.SaveWorkplace(ctx, super, members.Workplace{ID: dupe, Name: "Pražská Plynárenská Michle"}); err != nil {
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
// registry does, sealed and indexed, so development data looks like real.
func TestSeedSealsWorkplaces(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		r := newRig(t, d)
		if err := r.reg.Seed(ctx, 5, 1); err != nil {
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
		l, err := r.reg.ListWorkplaces(ctx, super)
		if err != nil || len(l) != 20 || l[0].Name != "Workplace 01" || l[0].ContactEmail != "wp01@example.org" {
			t.Fatalf("seeded workplaces = %d, %v", len(l), err)
		}
	})
}

// TestConcurrentEditsToOneEmail: ten members given one new email at once:
// one gets it, the others are refused. Without the lock on the new email
// (db.LockKey), PostgreSQL would let every transaction find nobody.
func TestConcurrentEditsToOneEmail(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		r := newRig(t, d)
		const n = 10
		ids := make([]string, n)
		for i := range ids {
			id, _, err := r.reg.AddMember(ctx, super, members.MemberData{FirstName: "M" + strconv.Itoa(i), Email: "m" + strconv.Itoa(i) + "@example.org"}, "", 0, false)
			if err != nil {
				t.Fatal(err)
			}
			ids[i] = id
		}
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = r.reg.UpdateMember(ctx, super, ids[i], members.MemberData{FirstName: "M" + strconv.Itoa(i), Email: "same@example.org"}, false)
			}()
		}
		wg.Wait()
		ok := 0
		for i, err := range errs {
			switch {
			case err == nil:
				ok++
			case !errors.Is(err, members.ErrDuplicate):
				t.Fatalf("edit %d: %v", i, err)
			}
		}
		if ok != 1 || r.withEmail(t, "same@example.org") != 1 {
			t.Fatalf("%d edits succeeded, %d members have the email", ok, r.withEmail(t, "same@example.org"))
		}
		// The race above is narrow; on PostgreSQL the lock itself is
		// checked: while another transaction holds it on the new
		// email's blind index, an edit to that email waits for it.
		// (SQLite's single writer needs no lock: LockKey is a no-op.)
		if d.Dialect() != db.Postgres {
			return
		}
		tx, err := d.Writer().BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		if err := d.LockKey(ctx, tx, "member.email", r.keys.BlindIndex("member.email", seal.NormaliseEmail("held@example.org"))); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() {
			done <- r.reg.UpdateMember(ctx, super, ids[0], members.MemberData{FirstName: "M0", Email: "Held@example.org"}, false)
		}()
		for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			select {
			case err := <-done:
				t.Fatalf("the edit finished while its email was locked: %v", err)
			default:
			}
			if r.count(t, `SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
				AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`) > 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the edit never waited for the lock on its email")
			}
		}
		if err := tx.Rollback(); err != nil {
			t.Fatal(err)
		}
		if err := <-done; err != nil {
			t.Fatalf("the edit after the lock was released: %v", err)
		}
	})
}
