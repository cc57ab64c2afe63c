package members_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"unionhall/internal/auth"
	"unionhall/internal/db"
	"unionhall/internal/dbtest"
	"unionhall/internal/members"
)

// TestMemberFindsAndEditsTheirOwnRecord: what the portal does through the
// registry — find the member by the email they joined with (normalised,
// by the blind index), read their record, change their contact details
// and language with an audit entry naming fields only — and what it must
// refuse: another member's email, a language that is not one, an erased
// member.
func TestMemberFindsAndEditsTheirOwnRecord(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		r := newRig(t, d)
		wp, err := r.reg.SaveWorkplace(ctx, super, members.Workplace{Name: "Depot"})
		if err != nil {
			t.Fatal(err)
		}
		jana, n, err := r.reg.AddMember(ctx, super, members.MemberData{FirstName: "Jana", LastName: "Nová", Email: "Jana.Nova@Example.org",
			Phone: "+420 601 000 000", Lang: "cs"}, "Tester", 0, false)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.reg.SetMemberWorkplaces(ctx, super, jana, []string{wp}); err != nil {
			t.Fatal(err)
		}
		if err := r.reg.AddNote(ctx, super, "member", jana, "committee only"); err != nil {
			t.Fatal(err)
		}
		petr, _, err := r.reg.AddMember(ctx, super, members.MemberData{FirstName: "Petr", Email: "petr@example.org"}, "", 0, false)
		if err != nil {
			t.Fatal(err)
		}

		for _, email := range []string{"jana.nova@example.org", "  JANA.NOVA@EXAMPLE.ORG ", "Jana.Nova@Example.org"} {
			m, err := r.reg.FindByEmail(ctx, email)
			if err != nil || m.ID != jana || m.Number != n {
				t.Fatalf("find %q: %+v, %v", email, m, err)
			}
		}
		for _, email := range []string{"", "nobody@example.org", "' OR 1=1 --", "jana.nova@example.org\u202e", strings.Repeat("a", 10000) + "@example.org"} {
			if _, err := r.reg.FindByEmail(ctx, email); !errors.Is(err, members.ErrNotFound) {
				t.Fatalf("find %q: %v, want ErrNotFound", email, err)
			}
		}

		m, err := r.reg.Get(ctx, jana)
		if err != nil {
			t.Fatal(err)
		}
		if m.Data.Email != "Jana.Nova@Example.org" || m.Data.Lang != "cs" || len(m.Workplaces) != 1 || m.Workplaces[0].Name != "Depot" ||
			len(m.Occupations) != 1 || m.Occupations[0].Text != "Tester" || len(m.Notes) != 0 || len(m.Timeline) != 0 {
			t.Fatalf("the member's own record = %+v", m)
		}
		if _, err := r.reg.Get(ctx, "not-an-id"); !errors.Is(err, members.ErrNotFound) {
			t.Fatalf("get a made-up id: %v", err)
		}

		self := members.SelfActor(jana)
		md := m.Data
		md.Phone, md.Lang = "+420 602 111 222", "en"
		changed, err := r.reg.UpdateContact(ctx, self, jana, md)
		if err != nil || strings.Join(changed, ",") != "phone,language" {
			t.Fatalf("update phone and language: %v, %v", changed, err)
		}
		if m, _ := r.reg.Get(ctx, jana); m.Data.Phone != "+420 602 111 222" || m.Data.Lang != "en" || m.Data.Email != md.Email {
			t.Fatalf("after the edit: %+v", m.Data)
		}
		// Only the language: still one entry, naming it.
		md.Lang = "cs"
		if changed, err := r.reg.UpdateContact(ctx, self, jana, md); err != nil || strings.Join(changed, ",") != "language" {
			t.Fatalf("update language only: %v, %v", changed, err)
		}

		// Refused, and nothing changed.
		bad := md
		bad.Email = "PETR@example.org"
		var dup *members.DuplicateError
		if _, err := r.reg.UpdateContact(ctx, self, jana, bad); !errors.As(err, &dup) || dup.Members[0].ID != petr {
			t.Fatalf("another member's email: %v", err)
		}
		for _, lang := range []string{"cs<script>", "x", "CS", "en_US", "'; DROP TABLE members; --", "cs\u202e"} {
			bad := md
			bad.Lang = lang
			if _, err := r.reg.UpdateContact(ctx, self, jana, bad); !errors.Is(err, members.ErrBadLang) {
				t.Fatalf("language %q: %v", lang, err)
			}
		}
		if m, _ := r.reg.Get(ctx, jana); m.Data.Email != "Jana.Nova@Example.org" || m.Data.Lang != "cs" {
			t.Fatalf("a refused edit changed the record: %+v", m.Data)
		}

		es, err := auth.AuditFor(ctx, d, "member", jana)
		if err != nil {
			t.Fatal(err)
		}
		var edits []string
		for _, e := range es {
			if e.Action == "member.edit" {
				if e.ActorID != self {
					t.Fatalf("edit recorded by %q, want %q", e.ActorID, self)
				}
				edits = append(edits, e.Detail)
			}
			if strings.Contains(e.Detail, "602") || strings.Contains(e.Detail, "example.org") {
				t.Fatalf("audit detail holds personal data: %q", e.Detail)
			}
		}
		if got := strings.Join(edits, " | "); got != "changed: phone, language (by the member) | changed: language (by the member)" {
			t.Fatalf("edits in the trail: %s", got)
		}

		if err := r.reg.Erase(ctx, super.ID, petr); err != nil {
			t.Fatal(err)
		}
		if _, err := r.reg.UpdateContact(ctx, members.SelfActor(petr), petr, members.MemberData{FirstName: "P", Lang: "cs"}); !errors.Is(err, members.ErrWrongState) {
			t.Fatalf("edit an erased member: %v", err)
		}
	})
}

// TestLeaveRequestAndErasure: a member asks to leave (once, however often
// they press), the committee sees the request in its scope, the member
// may withdraw it; erasure keeps the number and forgets the email, so the
// person is no longer found, is no recipient, and is erased only once.
func TestLeaveRequestAndErasure(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		r := newRig(t, d)
		now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
		clock := func() time.Time { return now }
		reg := members.New(members.Deps{DB: d, Keys: r.keys, Auth: r.auth, Logger: dbtest.Logger(), Now: clock})
		depot, _ := reg.SaveWorkplace(ctx, super, members.Workplace{Name: "Depot"})
		other, _ := reg.SaveWorkplace(ctx, super, members.Workplace{Name: "Office"})
		eva, num, err := reg.AddMember(ctx, super, members.MemberData{FirstName: "Eva", Email: "eva@example.org", Lang: "cs"}, "Cook", 0, false)
		if err != nil {
			t.Fatal(err)
		}
		ota, _, _ := reg.AddMember(ctx, super, members.MemberData{FirstName: "Ota", Email: "ota@example.org", Lang: "en"}, "", 0, false)
		reg.AddMember(ctx, super, members.MemberData{FirstName: "Nomail"}, "", 0, false)
		if err := reg.SetMemberWorkplaces(ctx, super, eva, []string{depot}); err != nil {
			t.Fatal(err)
		}
		if err := reg.SetMemberWorkplaces(ctx, super, ota, []string{depot}); err != nil {
			t.Fatal(err)
		}

		rc, err := reg.Recipients(ctx, "")
		if err != nil || len(rc) != 2 || rc[0].MemberID != eva || rc[0].Lang != "cs" || rc[1].Email != "ota@example.org" {
			t.Fatalf("recipients = %+v, %v", rc, err)
		}
		if rc, err := reg.Recipients(ctx, other); err != nil || len(rc) != 0 {
			t.Fatalf("recipients of a workplace without members = %+v, %v", rc, err)
		}
		if _, err := reg.Recipients(ctx, "../x"); !errors.Is(err, members.ErrNotFound) {
			t.Fatalf("recipients of a hostile workplace id: %v", err)
		}

		self := members.SelfActor(eva)
		at, err := reg.RequestLeave(ctx, self, eva)
		if err != nil || !at.Equal(now) {
			t.Fatalf("request leave: %v, %v", at, err)
		}
		now = now.Add(time.Hour)
		if again, err := reg.RequestLeave(ctx, self, eva); err != nil || !again.Equal(at) {
			t.Fatalf("asking twice: %v, %v (want the first time %v)", again, err, at)
		}
		if _, err := reg.RequestLeave(ctx, self, "made-up"); !errors.Is(err, members.ErrNotFound) {
			t.Fatalf("request for a made-up id: %v", err)
		}
		lr, err := reg.LeaveRequests(ctx, super)
		if err != nil || len(lr) != 1 || lr[0].MemberID != eva || lr[0].Number != num || !lr[0].RequestedAt.Equal(at) {
			t.Fatalf("leave requests = %+v, %v", lr, err)
		}
		if lr, err := reg.LeaveRequests(ctx, r.representative(t, "rep@example.org", []string{other})); err != nil || len(lr) != 0 {
			t.Fatalf("another workplace's representative sees %+v, %v", lr, err)
		}
		if lr, err := reg.LeaveRequests(ctx, r.representative(t, "rep2@example.org", []string{depot})); err != nil || len(lr) != 1 {
			t.Fatalf("the depot's representative sees %+v, %v", lr, err)
		}
		if err := reg.WithdrawLeave(ctx, self, eva); err != nil {
			t.Fatal(err)
		}
		if err := reg.WithdrawLeave(ctx, self, eva); !errors.Is(err, members.ErrWrongState) {
			t.Fatalf("withdrawing twice: %v", err)
		}
		if lr, _ := reg.LeaveRequests(ctx, super); len(lr) != 0 {
			t.Fatalf("after withdrawing: %+v", lr)
		}
		if _, err := reg.RequestLeave(ctx, self, eva); err != nil {
			t.Fatal(err)
		}

		// The committee records the leaving; a retention job finds her
		// once the period has passed and erases her.
		if err := reg.RecordLeaving(ctx, super, eva, false); err != nil {
			t.Fatal(err)
		}
		if lr, _ := reg.LeaveRequests(ctx, super); len(lr) != 0 {
			t.Fatalf("a member who left is still a pending request: %+v", lr)
		}
		if _, err := reg.RequestLeave(ctx, self, eva); !errors.Is(err, members.ErrWrongState) {
			t.Fatalf("asking to leave after leaving: %v", err)
		}
		if rc, _ := reg.Recipients(ctx, ""); len(rc) != 1 || rc[0].MemberID != ota {
			t.Fatalf("recipients after leaving = %+v", rc)
		}
		if m, err := reg.FindByEmail(ctx, "eva@example.org"); err != nil || m.LeftAt == nil {
			t.Fatalf("a member who left, before erasure: %+v, %v", m, err)
		}
		if ids, err := reg.LeftBefore(ctx, now); err != nil || len(ids) != 0 {
			t.Fatalf("left before she left: %v, %v", ids, err)
		}
		now = now.Add(31 * 24 * time.Hour)
		ids, err := reg.LeftBefore(ctx, now.Add(-30*24*time.Hour))
		if err != nil || strings.Join(ids, ",") != eva {
			t.Fatalf("due for erasure: %v, %v", ids, err)
		}
		if err := reg.Erase(ctx, "retention", eva); err != nil {
			t.Fatal(err)
		}
		if err := reg.Erase(ctx, "retention", eva); !errors.Is(err, members.ErrWrongState) {
			t.Fatalf("erasing twice: %v", err)
		}
		if ids, _ := reg.LeftBefore(ctx, now); len(ids) != 0 {
			t.Fatalf("an erased member is due again: %v", ids)
		}
		if _, err := reg.FindByEmail(ctx, "eva@example.org"); !errors.Is(err, members.ErrNotFound) {
			t.Fatalf("an erased member is found by email: %v", err)
		}
		m, err := reg.Get(ctx, eva)
		if err != nil || !m.Erased || m.Number != num || m.Data.Email != "" || len(m.Occupations) != 0 || len(m.Workplaces) != 1 {
			t.Fatalf("erased member = %+v, %v", m, err)
		}
		if n := r.count(t, `SELECT COUNT(*) FROM members WHERE id = ? AND email_bidx IS NOT NULL`, eva); n != 0 {
			t.Fatal("the erased member keeps the blind index of their email")
		}
	})
}
