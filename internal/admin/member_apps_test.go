package admin_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"unionhall/internal/admin"
	"unionhall/internal/auth"
	"unionhall/internal/db"
	"unionhall/internal/dbtest"
	"unionhall/internal/members"
	"unionhall/internal/seal"
)

// opened is every sealed value the database holds about people (member
// and application data, notes, occupations), opened with the keys: what
// someone who has the database and the key file could still read.
func (r *rig) opened(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	for _, q := range []struct{ sql, table, col string }{
		{`SELECT id, data FROM applications`, "applications", "data"},
		{`SELECT id, signature FROM applications WHERE signature IS NOT NULL`, "applications", "signature"},
		{`SELECT id, pdf FROM applications WHERE pdf IS NOT NULL`, "applications", "pdf"},
		{`SELECT id, data FROM members`, "members", "data"},
		{`SELECT id, occupation FROM member_occupations`, "members", "occupation"},
		{`SELECT id, body FROM notes`, "notes", "body"},
	} {
		rows, err := r.d.Query(ctx, q.sql)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id string
			var sealed []byte
			if err := rows.Scan(&id, &sealed); err != nil {
				t.Fatal(err)
			}
			plain, err := r.keys.Open(sealed, seal.AAD(q.table, q.col, id))
			if err != nil {
				t.Fatalf("open %s.%s of %s: %v", q.table, q.col, id, err)
			}
			b.Write(plain)
			b.WriteByte('\n')
		}
		rows.Close()
	}
	return b.String()
}

// count runs a COUNT(*) query.
func (r *rig) count(t *testing.T, q string, args ...any) int {
	t.Helper()
	var n int
	if err := r.d.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// TestEraseClearsEveryApplication: a member who left and re-joined has two
// signed applications, and the record points only to the second. Erasing
// the member's personal data clears both — data, signature, PDF, notes,
// tokens and the email index — so nothing of the person stays readable,
// even with the key.
func TestEraseClearsEveryApplication(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		r := newRig(t, d)
		boss, _ := r.login(t, "boss@example.org", auth.Roles, nil)
		orig := applicant("Jana", "Dvořáková", "jana@example.org")
		orig.Phone, orig.Occupation = "+420777555444", "Svářečka"
		first := r.addApplication(t, admin.StateProcessing, orig)
		member, number, err := r.c.Accept(ctx, super, first, 0)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.reg.RecordLeaving(ctx, super, member, false); err != nil {
			t.Fatal(err)
		}
		again := applicant("Jana", "Dvořáková-Nová", "Jana@Example.org")
		again.Phone, again.Address, again.Occupation = "+420606999888", "Rybná 7", "Dispečerka"
		second := r.addApplication(t, admin.StateProcessing, again)
		if id, _, err := r.c.AcceptWith(ctx, super, second, admin.AcceptOptions{Duplicate: members.DuplicateLink}); err != nil || id != member {
			t.Fatalf("link: %s %v", id, err)
		}
		// Someone else's application stays as it is.
		other := r.addApplication(t, admin.StateProcessing, applicant("Petr", "Novák", "petr@example.org"))
		for i, app := range []string{first, second, other} {
			if err := r.reg.AddNote(ctx, super, "application", app, "Poznámka k přihlášce "+strconv.Itoa(i)); err != nil {
				t.Fatal(err)
			}
			if _, err := d.Exec(ctx, `INSERT INTO application_tokens (hash, application_id, created_at, expires_at) VALUES (?, ?, ?, ?)`,
				seal.HashToken("token-"+app), app, db.T(time.Now()), db.T(time.Now().Add(time.Hour))); err != nil {
				t.Fatal(err)
			}
		}

		// Both applications are the member's: the first one too, though
		// the record points to the second.
		for _, app := range []string{first, second} {
			a, err := r.c.LoadApplication(ctx, app)
			if err != nil || a.MemberID != member || a.MemberNumber != number {
				t.Fatalf("application %s: member %q %d, %v", app, a.MemberID, a.MemberNumber, err)
			}
		}
		// Her first application is not a duplicate of herself.
		_, body, _ := send(t, boss, "GET", r.srv.URL+"/admin/applications/"+first, "en", nil)
		mustNotContain(t, "her first application", body, "duplicate-notice")

		// The confirmation page says both applications go.
		base := r.srv.URL + "/admin/members/" + member
		_, body, _ = send(t, boss, "GET", base+"/erase", "en", nil)
		mustContain(t, "confirmation page", body, "All 2 applications the member signed, earlier ones included")
		_, body, _ = send(t, boss, "GET", base+"/erase", "cs", nil)
		mustContain(t, "confirmation page in Czech", body, "Všechny 2 přihlášky, které člen podepsal, i ty dřívější")

		// What a thief with a dump would find of her before the erasure.
		var traces [][]byte
		for _, app := range []string{first, second} {
			var data, sig, pdf, idx []byte
			if err := d.QueryRow(ctx, `SELECT data, signature, pdf, email_bidx FROM applications WHERE id = ?`, app).Scan(&data, &sig, &pdf, &idx); err != nil {
				t.Fatal(err)
			}
			if sig == nil || pdf == nil || len(idx) == 0 {
				t.Fatalf("application %s has no files or index before the erasure", app)
			}
			traces = append(traces, data, sig, pdf, idx)
		}
		traces = append(traces, r.keys.BlindIndex("member.email", seal.NormaliseEmail("jana@example.org")))
		personal := []string{"Dvořáková", "jana@example.org", "Jana@Example.org", "+420777555444", "+420606999888", "Rybná", "Svářečka", "Dispečerka",
			"Poznámka k přihlášce 0", "Poznámka k přihlášce 1"}
		if got := r.opened(t); !strings.Contains(got, "Dvořáková-Nová") || !strings.Contains(got, "+420777555444") {
			t.Fatal("the test data is not where the test looks for it")
		}

		if code, loc := do(t, boss, "POST", base+"/erase", url.Values{"confirm_number": {strconv.FormatInt(number, 10)}}); code != 303 || loc != "/admin/members/"+member+"?done=erased" {
			t.Fatalf("confirmed erasure: %d %s", code, loc)
		}

		for _, app := range []string{first, second} {
			a, err := r.c.LoadApplication(ctx, app)
			if err != nil || a.Applicant != (admin.Applicant{Lang: "cs"}) || a.HasPDF || a.HasSignature || a.Typed || !a.Erased || a.State != admin.StateAccepted || a.MemberID != member {
				t.Fatalf("application %s after the erasure: %+v %v", app, a, err)
			}
			if n := r.count(t, `SELECT COUNT(*) FROM notes WHERE subject_type = 'application' AND subject_id = ?`, app); n != 0 {
				t.Errorf("application %s keeps %d notes", app, n)
			}
			if n := r.count(t, `SELECT COUNT(*) FROM application_tokens WHERE application_id = ?`, app); n != 0 {
				t.Errorf("application %s keeps %d tokens", app, n)
			}
			if n := r.count(t, `SELECT COUNT(*) FROM applications WHERE id = ? AND length(email_bidx) > 0`, app); n != 0 {
				t.Errorf("application %s keeps its email index", app)
			}
			_, body := do(t, boss, "GET", r.srv.URL+"/admin/applications/"+app, nil)
			mustContain(t, "erased application", body, "erased together with the member")
			if code, _ := do(t, boss, "GET", r.srv.URL+"/admin/applications/"+app+"/pdf", nil); code != 404 {
				t.Errorf("PDF of erased application %s: %d", app, code)
			}
		}
		// Nothing of her can be read even with the key; the other
		// applicant's record is untouched.
		opened := r.opened(t)
		for _, s := range personal {
			if strings.Contains(opened, s) {
				t.Errorf("%q can still be opened after the erasure", s)
			}
		}
		if o, err := r.c.LoadApplication(ctx, other); err != nil || o.Applicant.LastName != "Novák" || !o.HasPDF ||
			r.count(t, `SELECT COUNT(*) FROM notes WHERE subject_id = ?`, other) != 1 || r.count(t, `SELECT COUNT(*) FROM application_tokens WHERE application_id = ?`, other) != 1 {
			t.Fatalf("someone else's application changed: %+v %v", o, err)
		}
		// Nor in the raw database file or dump. PostgreSQL's dump holds
		// only live rows, so not even her sealed bytes or blind indexes
		// may be in it; SQLite's file and log keep old page images until
		// they are reused, so there only the plain text is looked for.
		raw := dbtest.Raw(t, d)
		for _, s := range personal {
			if bytes.Contains(raw, []byte(s)) {
				t.Errorf("%q in the raw database", s)
			}
		}
		if d.Dialect() == db.Postgres {
			for i, tr := range traces {
				if bytes.Contains(raw, []byte(hex.EncodeToString(tr))) {
					t.Errorf("trace %d of her (sealed data, file or index) still in the dump", i)
				}
			}
		}
		m, _ := r.reg.LoadMember(ctx, super, member, auth.ViewMember)
		if tl := actions(m.Timeline); !strings.Contains(tl, "member.leave/personal data erased, with applications "+first+", "+second) &&
			!strings.Contains(tl, "member.leave/personal data erased, with applications "+second+", "+first) {
			t.Fatalf("the trail does not name both applications: %s", tl)
		}
	})
}

// TestMigrationBackfillsApplicationMember: migration 00043 gives every
// accepted application its member — from members.application_id, and for
// the earlier applications of members who re-joined before it existed,
// from the trail — and leaves every other application without one. The
// column's foreign key clears it when a member row goes.
func TestMigrationBackfillsApplicationMember(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		r := newRig(t, d)
		c := r.c
		// Jana: accepted, left, re-joined (link), linked once more.
		a1 := r.addApplication(t, admin.StateProcessing, applicant("Jana", "Dvořáková", "jana@example.org"))
		jana, _, err := c.Accept(ctx, super, a1, 0)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.reg.RecordLeaving(ctx, super, jana, false); err != nil {
			t.Fatal(err)
		}
		a2 := r.addApplication(t, admin.StateProcessing, applicant("Jana", "Dvořáková", "jana@example.org"))
		a3 := r.addApplication(t, admin.StateProcessing, applicant("Jana", "Dvořáková", "jana@example.org"))
		for _, app := range []string{a2, a3} {
			if _, _, err := c.AcceptWith(ctx, super, app, admin.AcceptOptions{Duplicate: members.DuplicateLink}); err != nil {
				t.Fatal(err)
			}
		}
		b1 := r.addApplication(t, admin.StateProcessing, applicant("Petr", "Novák", "petr@example.org"))
		petr, _, err := c.Accept(ctx, super, b1, 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := r.reg.AddMember(ctx, super, members.MemberData{FirstName: "Paper"}, "", 0, false); err != nil {
			t.Fatal(err)
		}
		waiting := r.addApplication(t, admin.StateProcessing, applicant("Eva", "Malá", "eva@example.org"))
		rejected := r.addApplication(t, admin.StateRejected, applicant("Bad", "Actor", "bad@example.org"))
		want := map[string]string{a1: jana, a2: jana, a3: jana, b1: petr, waiting: "", rejected: ""}
		memberOf := func() map[string]string {
			got := map[string]string{}
			rows, err := d.Query(ctx, `SELECT id, member_id FROM applications`)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			for rows.Next() {
				var id string
				var m sql.NullString
				if err := rows.Scan(&id, &m); err != nil {
					t.Fatal(err)
				}
				got[id] = m.String
			}
			return got
		}
		if got := memberOf(); !equalMaps(got, want) {
			t.Fatalf("member_id as the console sets it: %v, want %v", got, want)
		}

		// Back to the schema before 00043 (its Down), then up again.
		sub, err := db.Migrations(d.Dialect())
		if err != nil {
			t.Fatal(err)
		}
		gd := goose.DialectSQLite3
		if d.Dialect() == db.Postgres {
			gd = goose.DialectPostgres
		}
		p, err := goose.NewProvider(gd, d.Writer(), sub, goose.WithDisableGlobalRegistry(true))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.DownTo(ctx, 42); err != nil {
			t.Fatalf("migrate down to 42: %v", err)
		}
		if _, err := d.Exec(ctx, `UPDATE applications SET member_id = NULL`); err == nil {
			t.Fatal("applications.member_id survived the Down migration")
		}
		if err := d.Migrate(ctx); err != nil {
			t.Fatalf("migrate up again: %v", err)
		}
		// The backfill knows each member's current application only; the
		// earlier ones of a link cannot predate the column in a real
		// database (linking arrived with it).
		want[a1], want[a2] = "", ""
		if got := memberOf(); !equalMaps(got, want) {
			t.Fatalf("member_id after the backfill: %v, want %v", got, want)
		}
		// ON DELETE SET NULL, on both engines.
		if _, err := d.Exec(ctx, `DELETE FROM members WHERE id = ?`, petr); err != nil {
			t.Fatal(err)
		}
		if got := memberOf()[b1]; got != "" {
			t.Fatalf("member_id of a deleted member's application: %q", got)
		}
	})
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// TestEditEmailRefusesAnotherMembers: giving a member an email another
// member has is refused (409, nothing stored) on the same page with what
// was typed, naming and linking the other member only for whoever may
// open them, until "the same address is shared" is ticked. Editing
// anything else of a record that shares its address needs no tick.
func TestEditEmailRefusesAnotherMembers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		r := newRig(t, d)
		wp, _ := r.reg.SaveWorkplace(ctx, super, members.Workplace{Name: "Depot"})
		boss, _ := r.login(t, "boss@example.org", auth.Roles, nil)
		// Manages members, and may open only the depot's.
		rep, _ := r.login(t, "rep@example.org", []string{auth.ManageMembers}, []string{wp})
		jana, _, err := r.reg.AddMember(ctx, super, members.MemberData{FirstName: "Jana", LastName: "Dvořáková", Email: "jana@example.org"}, "", 0, false)
		if err != nil {
			t.Fatal(err)
		}
		petr, _, err := r.reg.AddMember(ctx, super, members.MemberData{FirstName: "Petr", LastName: "Novák", Email: "petr@example.org", Phone: "+420111"}, "", 0, false)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.reg.SetMemberWorkplaces(ctx, super, petr, []string{wp}); err != nil {
			t.Fatal(err)
		}

		// The store refuses, naming her; nothing changes.
		err = r.reg.UpdateMember(ctx, super, petr, members.MemberData{FirstName: "Petr", LastName: "Novák", Email: "JANA@example.org"}, false)
		var dup *members.DuplicateError
		if !errors.Is(err, admin.ErrDuplicate) || !errors.As(err, &dup) || len(dup.Members) != 1 || dup.Members[0].ID != jana {
			t.Fatalf("edit to another member's email: %v", err)
		}
		// Her own email, unchanged, is no duplicate of herself.
		if err := r.reg.UpdateMember(ctx, super, jana, members.MemberData{FirstName: "Jana", LastName: "Dvořáková", Email: "Jana@Example.org", City: "Brno"}, false); err != nil {
			t.Fatalf("edit keeping one's own email: %v", err)
		}

		page := r.srv.URL + "/admin/members/" + petr
		form := url.Values{"first_name": {"Petr"}, "last_name": {"Nováček"}, "email": {"Jana@example.org"}, "phone": {"+420 222 <b>"}, "city": {"Ostrava"}}
		link := `<a href="/admin/members/` + jana + `">Member number 1</a>`
		before := r.snapshot(t)
		for _, lang := range []string{"en", "cs"} {
			code, body, _ := send(t, boss, "POST", page+"/edit", lang, form)
			if code != http.StatusConflict {
				t.Fatalf("edit to a member's email (%s): %d", lang, code)
			}
			want := map[string]string{"en": "Another member has this email already", "cs": "Tento e-mail už má jiný člen"}[lang]
			mustContain(t, "refused edit ("+lang+")", body, want, `<a href="#email">`, `id="err-email"`, `aria-invalid="true"`,
				`value="Jana@example.org"`, `value="Nováček"`, `value="Ostrava"`, `value="&#43;420 222 &lt;b&gt;"`,
				`href="/admin/members/`+jana+`"`, `id="duplicate-notice"`, `name="shared" value="yes"`)
			mustNotContain(t, "refused edit ("+lang+")", body, `value="yes" checked`)
			if lang == "en" {
				mustContain(t, "refused edit", body, link, "The same address is shared")
			} else {
				mustContain(t, "refused edit in Czech", body, "Člen č. 1</a>", "Stejnou adresu sdílí více lidí")
			}
		}
		// Someone who may open Petr but not Jana learns only that a
		// member has the email.
		code, body, _ := send(t, rep, "POST", page+"/edit", "en", form)
		if code != http.StatusConflict {
			t.Fatalf("representative's refused edit: %d", code)
		}
		mustContain(t, "representative's refused edit", body, "you may not open", `name="shared" value="yes"`, `value="Nováček"`)
		mustNotContain(t, "representative's refused edit", body, "/admin/members/"+jana, "Member number 1")
		if after := r.snapshot(t); after != before {
			t.Fatalf("refused edits changed stored data:\n%s\n%s", before, after)
		}

		// Ticked, but with another problem: the box stays ticked.
		form.Set("shared", "yes")
		form.Set("date_of_birth", "31. 2. 1990")
		code, body, _ = send(t, boss, "POST", page+"/edit", "cs", form)
		if code != http.StatusUnprocessableEntity {
			t.Fatalf("shared, with a bad date: %d", code)
		}
		mustContain(t, "shared, with a bad date", body, `name="shared" value="yes" checked`, `<a href="#date_of_birth">`)
		form.Del("date_of_birth")
		if code, loc := do(t, boss, "POST", page+"/edit", form); code != 303 || loc != "/admin/members/"+petr+"?done=saved" {
			t.Fatalf("edit with the address shared: %d %s", code, loc)
		}
		if got := r.membersWithEmail(t, "jana@example.org"); got != 2 {
			t.Fatalf("members with the shared email: %d", got)
		}
		m, _ := r.reg.LoadMember(ctx, super, petr, auth.ViewMember)
		if tl := actions(m.Timeline); !strings.Contains(tl, "member.edit/changed: email, last name, city, phone, although the email is member number 1's") {
			t.Fatalf("trail of the shared edit: %s", tl)
		}
		// The address stays shared: other edits need no tick.
		form.Del("shared")
		form.Set("phone", "+420333")
		if code, _ := do(t, boss, "POST", page+"/edit", form); code != 303 {
			t.Fatalf("edit of a record sharing its address: %d", code)
		}
	})
}
