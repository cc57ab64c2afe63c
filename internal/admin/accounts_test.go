package admin_test

import (
	"net/url"
	"strings"
	"testing"

	"unionhall/internal/auth"
	"unionhall/internal/db"
	"unionhall/internal/dbtest"
)

func TestAccountsPage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		r := newRig(t, d)
		boss, me := r.login(t, "boss@example.org", []string{auth.SuperPowers}, nil)
		other, otherAcct := r.login(t, "other@example.org", []string{auth.ListMembers}, nil)
		base := r.srv.URL

		code, _ := do(t, boss, "POST", base+"/admin/accounts", url.Values{"email": {"New@Example.org"}, "role": {auth.ListMembers, auth.ViewMember}})
		if code != 303 || len(r.box.msgs) != 1 || r.box.msgs[0].To != "new@example.org" || !strings.Contains(r.box.msgs[0].Text, "/auth/link?token=") {
			t.Fatalf("invite: %d, %+v", code, r.box.msgs)
		}
		for _, tc := range []struct {
			form url.Values
			code int
			msg  string
		}{
			{url.Values{"email": {"new@example.org"}}, 409, "exists"},
			{url.Values{"email": {"<script>@x"}}, 422, "not a valid email"},
			{url.Values{"email": {"x@example.org"}, "role": {"root"}}, 422, "unknown role"},
			{url.Values{"email": {"y@example.org"}, "workplace": {"zzzzzzzzzzzzzzzzzzzzzzzzzz"}}, 422, "unknown workplace"},
		} {
			if code, body := do(t, boss, "POST", base+"/admin/accounts", tc.form); code != tc.code || !strings.Contains(strings.ToLower(body), tc.msg) {
				t.Errorf("invite %v: %d\n%.300s", tc.form, code, body)
			}
		}
		if code, body := do(t, boss, "GET", base+"/admin/accounts", nil); code != 200 || !strings.Contains(body, "new@example.org") {
			t.Fatalf("list: %d", code)
		}
		// Self-protection.
		if code, body := do(t, boss, "POST", base+"/admin/accounts/"+me.ID+"/roles", url.Values{"role": {auth.ListMembers}}); code != 409 || !strings.Contains(body, "own account") {
			t.Fatalf("drop own super-powers: %d", code)
		}
		if code, _ := do(t, boss, "POST", base+"/admin/accounts/"+me.ID+"/disable", nil); code != 409 {
			t.Fatalf("disable self: %d", code)
		}
		// Roles change takes effect on the next request.
		if code, _ := do(t, other, "GET", base+"/admin/audit", nil); code != 403 {
			t.Fatalf("audit before: %d", code)
		}
		if code, _ := do(t, boss, "POST", base+"/admin/accounts/"+otherAcct.ID+"/roles", url.Values{"role": {auth.SuperPowers}}); code != 303 {
			t.Fatalf("set roles: %d", code)
		}
		if code, _ := do(t, other, "GET", base+"/admin/audit", nil); code != 200 {
			t.Fatalf("audit after: %d", code)
		}
		// Disabling signs the account out at once.
		if code, _ := do(t, boss, "POST", base+"/admin/accounts/"+otherAcct.ID+"/disable", nil); code != 303 {
			t.Fatalf("disable: %d", code)
		}
		if code, loc := do(t, other, "GET", base+"/admin/", nil); code != 303 || loc != "/auth/login" {
			t.Fatalf("disabled account still in: %d %s", code, loc)
		}
		if code, _ := do(t, boss, "POST", base+"/admin/accounts/"+otherAcct.ID+"/disable", nil); code != 404 {
			t.Fatalf("disable twice: %d", code)
		}
		if code, body := do(t, boss, "GET", base+"/admin/accounts", nil); code != 200 || strings.Contains(body, "other@example.org") {
			t.Fatalf("disabled account still listed: %d", code)
		}
	})
}
