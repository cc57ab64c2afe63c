package admin_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"

	"unionhall/internal/admin"
	"unionhall/internal/auth"
	"unionhall/internal/db"
	"unionhall/internal/dbtest"
	"unionhall/internal/members"
)

func TestWelcomeEmail(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		r := newRig(t, d)
		c := r.c
		id, n, err := r.reg.AddMember(ctx, super, members.MemberData{FirstName: "<b>Jana</b> [x](javascript:alert(1))", LastName: "Nová", Email: "jana@example.org", Lang: "cs"}, "", 0, false)
		if err != nil {
			t.Fatal(err)
		}
		e, err := c.RenderEmail(ctx, super, "welcome", id)
		if err != nil {
			t.Fatal(err)
		}
		if e.Lang != "cs" || !strings.Contains(e.Subject, "Vítejte") || !strings.Contains(e.Text, "členské číslo je 1") || !strings.Contains(e.Text, "Fee (cs)") {
			t.Fatalf("rendered = %+v (number %d)", e, n)
		}
		if strings.Contains(string(e.HTML), "<b>Jana") || strings.Contains(string(e.HTML), "javascript:") {
			t.Fatalf("hostile name made markup: %s", e.HTML)
		}
		// Edit the Czech text; the member gets the edited one; reset restores.
		if err := c.SaveEmailTemplate(ctx, super, admin.EmailTemplate{Name: "welcome", Lang: "cs", Subject: "Ahoj {first_name}", Body: "Číslo {member_number}."}, false); err != nil {
			t.Fatal(err)
		}
		if e, _ = c.RenderEmail(ctx, super, "welcome", id); e.Text != "Číslo 1." {
			t.Fatalf("edited text not used: %q", e.Text)
		}
		if err := c.SendEmail(ctx, super, "welcome", id); err != nil {
			t.Fatal(err)
		}
		msgs := r.box.msgs
		if len(msgs) != 1 || msgs[0].To != "jana@example.org" || msgs[0].Text != "Číslo 1." || msgs[0].Headers["Content-Language"] != "cs" {
			t.Fatalf("queued = %+v", msgs)
		}
		if err := c.SaveEmailTemplate(ctx, super, admin.EmailTemplate{Name: "welcome", Lang: "cs"}, true); err != nil {
			t.Fatal(err)
		}
		if e, _ = c.RenderEmail(ctx, super, "welcome", id); !strings.Contains(e.Subject, "Vítejte") {
			t.Fatalf("reset did not restore the default: %q", e.Subject)
		}
		// An unknown language falls back; a member without email is refused.
		id2, _, _ := r.reg.AddMember(ctx, super, members.MemberData{FirstName: "Ola", Email: "ola@example.org", Lang: "pl"}, "", 0, false)
		if e, err := c.RenderEmail(ctx, super, "welcome", id2); err != nil || e.Lang != "cs" {
			t.Fatalf("fallback: %+v %v", e, err)
		}
		id3, _, _ := r.reg.AddMember(ctx, super, members.MemberData{FirstName: "NoMail"}, "", 0, false)
		if err := c.SendEmail(ctx, super, "welcome", id3); err == nil || !strings.Contains(err.Error(), "no email") {
			t.Fatalf("no email: %v", err)
		}
		if _, err := c.EmailTemplate(ctx, "welcome", "../../etc"); !errors.Is(err, admin.ErrNotFound) {
			t.Fatalf("hostile language: %v", err)
		}
		tl, _ := auth.AuditFor(ctx, r.d, "member", id)
		found := false
		for _, e := range tl {
			found = found || (e.Action == "member.email" && e.Detail == "welcome (cs)")
		}
		if !found {
			t.Fatal("sending not in the member's timeline")
		}
	})
}

func TestEmailPagesOverHTTP(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		r := newRig(t, d)
		ctx := context.Background()
		cl, _ := r.login(t, "m@example.org", []string{auth.ManageMembers}, nil)
		id, _, _ := r.reg.AddMember(ctx, super, members.MemberData{FirstName: "Jana", Email: "j@example.org", Lang: "en"}, "", 0, false)
		base := r.srv.URL
		if code, body := do(t, cl, "POST", base+"/admin/members/"+id+"/email", url.Values{"name": {"welcome"}, "op": {"preview"}}); code != 200 || !strings.Contains(body, "Welcome to the union, Jana!") {
			t.Fatalf("preview: %d", code)
		}
		if len(r.box.msgs) != 0 {
			t.Fatal("preview sent an email")
		}
		if code, _ := do(t, cl, "POST", base+"/admin/members/"+id+"/email", url.Values{"name": {"welcome"}, "op": {"send"}}); code != 303 || len(r.box.msgs) != 1 {
			t.Fatalf("send: %d, %d queued", code, len(r.box.msgs))
		}
		for _, tc := range []struct {
			path string
			form url.Values
			code int
		}{
			{"/admin/members/" + id + "/email", url.Values{"name": {"<script>"}}, 422},
			{"/admin/emails/welcome/en", url.Values{"subject": {""}, "body": {"x"}}, 422},
			{"/admin/emails/welcome/en", url.Values{"subject": {"S\u202E"}, "body": {"x"}}, 422},
			{"/admin/emails/welcome/en", url.Values{"subject": {"S"}, "body": {strings.Repeat("x", 20001)}}, 422},
			{"/admin/emails/nope/en", url.Values{"subject": {"S"}, "body": {"x"}}, 404},
			{"/admin/emails/welcome/e%20n", url.Values{"subject": {"S"}, "body": {"x"}}, 404},
			{"/admin/emails/welcome/de", url.Values{"subject": {"Willkommen"}, "body": {"Hallo {first_name}"}}, 303},
		} {
			if code, body := do(t, cl, "POST", base+tc.path, tc.form); code != tc.code {
				t.Errorf("POST %s: %d, want %d\n%.300s", tc.path, code, tc.code, body)
			}
		}
		if code, body := do(t, cl, "GET", base+"/admin/emails", nil); code != 200 || !strings.Contains(body, "Willkommen") {
			t.Fatalf("emails list: %d", code)
		}
	})
}
