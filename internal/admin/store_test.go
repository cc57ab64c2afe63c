package admin_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"unionhall/internal/admin"
	"unionhall/internal/auth"
	"unionhall/internal/db"
	"unionhall/internal/dbtest"
	"unionhall/internal/members"
)

func TestApplicationLifecycle(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		r := newRig(t, d)
		c := r.c
		id := r.addApplication(t, admin.StateUnverified, applicant("Jana", "Dvořáková", "jana@example.org"))
		// Wrong-state actions are refused with a clear error.
		if _, _, err := c.Accept(ctx, super, id, 0); !errors.Is(err, admin.ErrWrongState) {
			t.Fatalf("accept unverified: %v", err)
		}
		if err := c.Transition(ctx, super, id, "reject"); !errors.Is(err, admin.ErrWrongState) {
			t.Fatalf("reject unverified: %v", err)
		}
		if err := c.DeleteApplication(ctx, super, id); !errors.Is(err, admin.ErrWrongState) {
			t.Fatalf("delete unverified: %v", err)
		}
		for _, step := range []struct{ action, want string }{
			{"verify", admin.StateProcessing}, {"reject", admin.StateRejected}, {"reevaluate", admin.StateProcessing},
			{"invalidate", admin.StateInvalid}, {"reevaluate", admin.StateProcessing},
		} {
			if err := c.Transition(ctx, super, id, step.action); err != nil {
				t.Fatalf("%s: %v", step.action, err)
			}
			a, err := c.LoadApplication(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if a.State != step.want || a.ConfirmedAt == nil {
				t.Fatalf("after %s: state %s, confirmed %v", step.action, a.State, a.ConfirmedAt)
			}
			// resolved_at starts the retention clock of a rejection and
			// stops it on re-evaluation.
			var resolved int
			if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM applications WHERE id = ? AND resolved_at IS NOT NULL`, id).Scan(&resolved); err != nil {
				t.Fatal(err)
			}
			if want := step.want == admin.StateRejected || step.want == admin.StateInvalid; (resolved == 1) != want {
				t.Errorf("after %s: resolved_at set = %v, want %v", step.action, resolved == 1, want)
			}
		}
		if err := r.reg.AddNote(ctx, super, "application", id, "Called her, all fine"); err != nil {
			t.Fatal(err)
		}
		memberID, n, err := c.Accept(ctx, super, id, 0)
		if err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Fatalf("first member number = %d", n)
		}
		m, err := r.reg.LoadMember(ctx, super, memberID, auth.ViewMember)
		if err != nil {
			t.Fatal(err)
		}
		if m.Data.LastName != "Dvořáková" || m.Number != 1 || m.ApplicationID != id || len(m.Occupations) != 1 || m.Occupations[0].Text != "Welder" || m.Category() != members.CatNew {
			t.Fatalf("member = %+v", m)
		}
		if _, _, err := c.Accept(ctx, super, id, 0); !errors.Is(err, admin.ErrWrongState) {
			t.Fatalf("accept twice: %v", err)
		}
		// A chosen number: taken is a clear error, free is used, and the
		// counter skips it afterwards.
		id2 := r.addApplication(t, admin.StateProcessing, applicant("Petr", "Novák", "petr@example.org"))
		if _, _, err := c.Accept(ctx, super, id2, 1); !errors.Is(err, admin.ErrNumberTaken) {
			t.Fatalf("taken number: %v", err)
		}
		if _, n, err := c.Accept(ctx, super, id2, 2); err != nil || n != 2 {
			t.Fatalf("chosen number: %d, %v", n, err)
		}
		id3 := r.addApplication(t, admin.StateProcessing, applicant("Eva", "Malá", "eva@example.org"))
		if _, n, err := c.Accept(ctx, super, id3, 0); err != nil || n != 3 {
			t.Fatalf("next after a chosen one: %d, %v", n, err)
		}
		// Hard delete: only invalid ones.
		id4 := r.addApplication(t, admin.StateProcessing, applicant("Spam", "Bot", "spam@example.org"))
		if err := c.DeleteApplication(ctx, super, id4); !errors.Is(err, admin.ErrWrongState) {
			t.Fatalf("delete processing: %v", err)
		}
		if err := c.Transition(ctx, super, id4, "invalidate"); err != nil {
			t.Fatal(err)
		}
		if err := c.DeleteApplication(ctx, super, id4); err != nil {
			t.Fatal(err)
		}
		if _, err := c.LoadApplication(ctx, id4); !errors.Is(err, admin.ErrNotFound) {
			t.Fatalf("deleted application still loads: %v", err)
		}
		counts, err := c.CountApplications(ctx)
		if err != nil || counts[admin.StateAccepted] != 3 || counts[admin.StateInvalid] != 0 {
			t.Fatalf("counts = %v, %v", counts, err)
		}
		// Every step is in the audit trail, attributed.
		tl, err := auth.AuditFor(ctx, r.d, "application", id)
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range tl {
			if e.ActorID != "tester" {
				t.Fatalf("entry by %q", e.ActorID)
			}
			actions = append(actions, e.Action)
		}
		want := "application.verify application.reject application.reevaluate application.invalidate application.reevaluate application.note application.accept"
		if strings.Join(actions, " ") != want {
			t.Fatalf("timeline = %v", actions)
		}
		// Her workplace: its name is her employer, its contact often a
		// representative's private address.
		wp, err := r.reg.SaveWorkplace(ctx, super, members.Workplace{Name: "Kvádr Software Ostrava",
			ContactEmail: "jitka.horakova@soukromy.example", Description: "Sklad v Hostivaři"})
		if err != nil {
			t.Fatal(err)
		}
		if err := r.reg.SetMemberWorkplaces(ctx, super, memberID, []string{wp}); err != nil {
			t.Fatal(err)
		}
		// No personal data in plain text anywhere in the database.
		raw := string(dbtest.Raw(t, d))
		for _, s := range []string{"Dvořáková", "jana@example.org", "Called her", "Welder", "+420777123456",
			"Kvádr", "Kvadr", "Software Ostrava", "jitka.horakova", "soukromy.example", "Hostivař"} {
			if strings.Contains(raw, s) {
				t.Fatalf("database holds %q in plain text", s)
			}
		}
	})
}

func TestConcurrentAcceptsGetDistinctNumbers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		r := newRig(t, d)
		// A hand-added member holds number 5: the counter must skip it.
		if _, _, err := r.reg.AddMember(ctx, super, members.MemberData{FirstName: "Hand", LastName: "Made"}, "", 5, false); err != nil {
			t.Fatal(err)
		}
		const n = 100
		ids := make([]string, n)
		for i := range ids {
			ids[i] = r.addApplication(t, admin.StateProcessing, applicant("A", fmt.Sprint(i), fmt.Sprintf("a%d@example.org", i)))
		}
		var wg sync.WaitGroup
		nums := make([]int64, n)
		errs := make([]error, n)
		for i := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, nums[i], errs[i] = r.c.Accept(ctx, super, ids[i], 0)
			}()
		}
		wg.Wait()
		seen := map[int64]bool{5: true}
		for i, num := range nums {
			if errs[i] != nil {
				t.Fatalf("accept %d: %v", i, errs[i])
			}
			if seen[num] {
				t.Fatalf("number %d given twice", num)
			}
			seen[num] = true
		}
		// Numbers are dense: 1…101 with 5 held by hand.
		for k := int64(1); k <= n+1; k++ {
			if !seen[k] {
				t.Fatalf("number %d skipped", k)
			}
		}
	})
}

func TestExports(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		r := newRig(t, d)
		c := r.c
		wp, _ := r.reg.SaveWorkplace(ctx, super, members.Workplace{Name: "Depot"})
		id, _, err := r.reg.AddMember(ctx, super, members.MemberData{FirstName: "=HYPERLINK(\"http://evil\")", LastName: "Doe, Jr.", Email: "d@example.org", Lang: "en"}, "", 0, false)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.reg.SetMemberWorkplaces(ctx, super, id, []string{wp}); err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := c.ExportMembers(ctx, super, members.CatAll, []string{"last_name", "number", "first_name", "bogus"}, &b); err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(&b).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 2 || strings.Join(rows[0], "|") != "number|first_name|last_name" || rows[1][1] != `'=HYPERLINK("http://evil")` || rows[1][2] != "Doe, Jr." {
			t.Fatalf("csv = %q", rows)
		}
		// Exporting needs manage-members only (not list-members too).
		b.Reset()
		manager := &auth.Account{ID: "manager", Roles: []string{auth.ManageMembers}}
		if err := c.ExportMembers(ctx, manager, members.CatAll, []string{"number"}, &b); err != nil || strings.Count(b.String(), "\n") != 2 {
			t.Fatalf("export by a manage-members holder: %q, %v", b.String(), err)
		}
		if err := c.ExportMembers(ctx, super, members.CatAll, nil, &b); err == nil {
			t.Fatal("export without columns succeeded")
		}
		b.Reset()
		if err := c.ExportNewsletter(ctx, super, wp, &b); err != nil {
			t.Fatal(err)
		}
		rows, err = csv.NewReader(&b).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 2 || strings.Join(rows[0], ",") != "email,name,attributes" || rows[1][0] != "d@example.org" ||
			rows[1][2] != `{"lang":"en","member_number":1,"workplace":"Depot"}` {
			t.Fatalf("newsletter csv = %q", rows)
		}
		es, err := auth.SearchAudit(ctx, r.d, "export.")
		if err != nil || len(es) != 3 {
			t.Fatalf("exports in audit: %d, %v", len(es), err)
		}
		for _, e := range es {
			if strings.Contains(e.Detail, "example.org") || strings.Contains(e.Detail, "HYPERLINK") {
				t.Fatalf("audit detail holds personal data: %q", e.Detail)
			}
		}
	})
}
