package admin_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"unionhall/internal/admin"
	"unionhall/internal/auth"
	"unionhall/internal/db"
	"unionhall/internal/dbtest"
	"unionhall/internal/events"
	"unionhall/internal/members"
	"unionhall/internal/petitions"
	"unionhall/internal/surveys"
	"unionhall/internal/votes"
	votepages "unionhall/internal/votes/pages"
)

// draftVote stores a draft vote opening tomorrow, by the votes service.
func (r *rig) draftVote(t testing.TB) string {
	t.Helper()
	loc, _ := time.LoadLocation("Europe/Prague")
	at := func(d time.Duration) string { return time.Now().Add(d).In(loc).Format(votes.InputLayout) }
	id, p, err := r.votes.Create(context.Background(), "tester", votes.Input{
		Title: map[string]string{"cs": "Hlasování", "en": "A vote"}, Kind: string(votes.KindYesNo),
		OpensAt: at(24 * time.Hour), ClosesAt: at(48 * time.Hour)})
	if err != nil || !p.OK() {
		t.Fatalf("draft vote: %v %v", p, err)
	}
	return id
}

// wantPerm is the permission each route must declare, written out by hand:
// a route added to the table without a line here — or with a different
// permission — fails TestRouteTableDeclared.
var wantPerm = map[string]string{
	"GET /admin/{$}":                              auth.SignedIn,
	"GET /admin/applications":                     auth.ListApplications,
	"GET /admin/applications/{id}":                auth.ViewApplication,
	"GET /admin/applications/{id}/signature":      auth.ViewApplication,
	"GET /admin/applications/{id}/pdf":            auth.ViewApplication,
	"POST /admin/applications/{id}/verify":        auth.ResolveApplications,
	"POST /admin/applications/{id}/resend":        auth.ResolveApplications,
	"POST /admin/applications/{id}/reject":        auth.ResolveApplications,
	"POST /admin/applications/{id}/invalidate":    auth.ResolveApplications,
	"POST /admin/applications/{id}/reevaluate":    auth.ResolveApplications,
	"POST /admin/applications/{id}/accept":        auth.ResolveApplications,
	"GET /admin/applications/{id}/delete":         auth.SuperPowers,
	"POST /admin/applications/{id}/delete":        auth.SuperPowers,
	"POST /admin/applications/{id}/notes":         auth.ResolveApplications,
	"GET /admin/members":                          auth.ListMembers,
	"POST /admin/members":                         auth.ListMembers,
	"GET /admin/members/new":                      auth.ManageMembers,
	"POST /admin/members/new":                     auth.ManageMembers,
	"GET /admin/members/{id}":                     auth.ViewMember,
	"GET /admin/members/{id}/signature":           auth.ViewMember,
	"GET /admin/members/{id}/pdf":                 auth.ViewMember,
	"GET /admin/members/{id}/erase":               auth.ManageMembers,
	"POST /admin/members/{id}/erase":              auth.ManageMembers,
	"POST /admin/members/{id}/edit":               auth.ManageMembers,
	"POST /admin/members/{id}/onboarded":          auth.ManageMembers,
	"POST /admin/members/{id}/leave":              auth.ManageMembers,
	"POST /admin/members/{id}/workplaces":         auth.ManageMembers,
	"POST /admin/members/{id}/occupations":        auth.ManageMembers,
	"POST /admin/members/{id}/notes":              auth.ManageMembers,
	"GET /admin/workplaces":                       auth.ListWorkplaces,
	"POST /admin/workplaces":                      auth.ManageWorkplaces,
	"GET /admin/workplaces/{id}":                  auth.ListWorkplaces,
	"POST /admin/workplaces/{id}":                 auth.ManageWorkplaces,
	"POST /admin/workplaces/{id}/representatives": auth.ManageWorkplaces,
	"POST /admin/workplaces/{id}/newsletter":      auth.ManageMembers,
	"POST /admin/members/{id}/email":              auth.ManageMembers,
	"GET /admin/emails":                           auth.ManageMembers,
	"GET /admin/emails/{name}/{lang}":             auth.ManageMembers,
	"POST /admin/emails/{name}/{lang}":            auth.ManageMembers,
	"GET /admin/export":                           auth.ManageMembers,
	"POST /admin/export":                          auth.ManageMembers,
	"GET /admin/events":                           events.ListEvents,
	"GET /admin/events/{id}":                      events.ListEvents,
	"GET /admin/events/{id}/door":                 events.ListEvents,
	"POST /admin/events/{id}/door":                events.ListEvents,
	"POST /admin/events/{id}/checkin":             events.ListEvents,
	"POST /admin/events/{id}/export":              events.ListEvents,
	"POST /admin/events/{id}/close":               events.ManageEvents,
	"POST /admin/events/{id}/message":             events.ManageEvents,
	"GET /admin/votes":                            votepages.ListVotes,
	"GET /admin/votes/new":                        votepages.ManageVotes,
	"POST /admin/votes/new":                       votepages.ManageVotes,
	"GET /admin/votes/{id}":                       votepages.ListVotes,
	"GET /admin/votes/{id}/edit":                  votepages.ManageVotes,
	"POST /admin/votes/{id}/edit":                 votepages.ManageVotes,
	"POST /admin/votes/{id}/schedule":             votepages.ManageVotes,
	"POST /admin/votes/{id}/unschedule":           votepages.ManageVotes,
	"GET /admin/votes/{id}/cancel":                votepages.ManageVotes,
	"POST /admin/votes/{id}/cancel":               votepages.ManageVotes,
	"GET /admin/petitions":                        petitions.ListPetitions,
	"GET /admin/petitions/{id}":                   petitions.ListPetitions,
	"POST /admin/petitions/{id}/export":           petitions.ListPetitions,
	"POST /admin/petitions/{id}/pdf":              petitions.ListPetitions,
	"GET /admin/petitions/{id}/close":             petitions.ManagePetitions,
	"POST /admin/petitions/{id}/close":            petitions.ManagePetitions,
	"POST /admin/petitions/{id}/message":          petitions.ManagePetitions,
	"GET /admin/surveys":                          surveys.ListSurveys,
	"GET /admin/surveys/{id}":                     surveys.ListSurveys,
	"POST /admin/surveys/{id}/export":             surveys.ListSurveys,
	"POST /admin/surveys/{id}/close":              surveys.ManageSurveys,
	"GET /admin/audit":                            auth.SuperPowers,
	"GET /admin/accounts":                         auth.SuperPowers,
	"POST /admin/accounts":                        auth.SuperPowers,
	"POST /admin/accounts/{id}/roles":             auth.SuperPowers,
	"POST /admin/accounts/{id}/disable":           auth.SuperPowers,
}

func TestRouteTableDeclared(t *testing.T) {
	// The console as the rig builds it: with the sections the server plugs
	// in, so a section's routes are walked here as soon as it is added.
	r := newRig(t, dbtest.SQLite(t))
	seen := map[string]bool{}
	for _, rt := range r.c.Routes() {
		key := rt.Method + " " + rt.Pattern
		if seen[key] {
			t.Errorf("%s twice in the table", key)
		}
		seen[key] = true
		if rt.Perm == "" || (rt.Perm != auth.SignedIn && !auth.ValidRole(rt.Perm)) {
			t.Errorf("%s: permission %q is not a permission", key, rt.Perm)
		}
		if want, ok := wantPerm[key]; !ok {
			t.Errorf("%s is not in the test's expectations: add it with its permission", key)
		} else if want != rt.Perm {
			t.Errorf("%s needs %q, the table says %q", key, want, rt.Perm)
		}
	}
	for key := range wantPerm {
		if !seen[key] {
			t.Errorf("%s expected but not in the table", key)
		}
	}
}

// concrete turns a pattern into a URL with real ids.
func concrete(p string, ids map[string]string) string {
	p = strings.TrimSuffix(p, "{$}")
	if strings.HasPrefix(p, "/admin/applications/") {
		return strings.Replace(p, "{id}", ids["app"], 1)
	}
	if strings.HasPrefix(p, "/admin/members/") {
		return strings.Replace(p, "{id}", ids["member"], 1)
	}
	if strings.HasPrefix(p, "/admin/accounts/") {
		return strings.Replace(p, "{id}", ids["account"], 1)
	}
	if strings.HasPrefix(p, "/admin/events/") {
		return strings.Replace(p, "{id}", ids["event"], 1)
	}
	if strings.HasPrefix(p, "/admin/votes/") {
		return strings.Replace(p, "{id}", ids["vote"], 1)
	}
	if strings.HasPrefix(p, "/admin/petitions/") {
		return strings.Replace(p, "{id}", rigPetition, 1)
	}
	if strings.HasPrefix(p, "/admin/surveys/") {
		// Every close after the first is answered 409: an answer, not a
		// refusal.
		return strings.Replace(p, "{id}", rigSurvey, 1)
	}
	if strings.HasPrefix(p, "/admin/emails/") {
		return strings.NewReplacer("{name}", "welcome", "{lang}", "en").Replace(p)
	}
	return strings.Replace(p, "{id}", ids["workplace"], 1)
}

func do(t *testing.T, c *http.Client, method, u string, form url.Values) (int, string) {
	t.Helper()
	var resp *http.Response
	var err error
	if method == "GET" {
		resp, err = c.Get(u)
	} else {
		resp, err = c.PostForm(u, form)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == http.StatusSeeOther || resp.StatusCode == http.StatusTemporaryRedirect {
		return resp.StatusCode, resp.Header.Get("Location")
	}
	return resp.StatusCode, string(b)
}

// TestRouteByRole walks every route with every role alone, a workplace
// representative without roles, and anonymously. A denied request must be
// 403 (401/redirect to login when anonymous) and change nothing; an allowed
// one must not be. Each request runs against a fresh fixture, so the
// destructive routes (delete, leave) are exercised too.
func TestRouteByRole(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		r := newRig(t, d)
		ctx := context.Background()
		wp, _ := r.reg.SaveWorkplace(ctx, super, members.Workplace{Name: "Depot"})
		type who struct {
			name   string
			client *http.Client
			acct   *auth.Account
		}
		var people []who
		for _, role := range auth.Roles {
			c, a := r.login(t, role+"@example.org", []string{role}, nil)
			people = append(people, who{role, c, a})
		}
		rc, ra := r.login(t, "rep@example.org", nil, []string{wp})
		people = append(people, who{"representative", rc, ra})
		nc, na := r.login(t, "nobody@example.org", nil, nil)
		people = append(people, who{"no-roles", nc, na})
		anon := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		people = append(people, who{"anonymous", anon, nil})
		// One confirmed registrant, checked in (again) by every allowed
		// check-in request.
		event, reg := r.eventWithRegistrant(t)
		// A draft vote: every allowed request on it must be answered
		// (a form without its fields is 422, a second schedule a no-op).
		vote := r.draftVote(t)

		for _, rt := range r.c.Routes() {
			for _, p := range people {
				// Fresh records per request: an allowed delete must find an
				// invalid application, an allowed leave a current member.
				app := r.addApplication(t, admin.StateInvalid, applicant("A", "B", "ab@example.org"))
				// Each its own email: a second member with the same one
				// would be refused as a duplicate.
				member, _, err := r.reg.AddMember(ctx, super, members.MemberData{FirstName: "M", LastName: "N", Email: db.NewID() + "@example.org", Lang: "en"}, "", 0, false)
				if err != nil {
					t.Fatal(err)
				}
				if err := r.reg.SetMemberWorkplaces(ctx, super, member, []string{wp}); err != nil {
					t.Fatal(err)
				}
				// A fresh account to change or disable, and a fresh email to
				// invite.
				victim, err := r.auth.Invite(ctx, "test", db.NewID()+"@example.org", []string{auth.ListMembers}, nil)
				if err != nil {
					t.Fatal(err)
				}
				ids := map[string]string{"app": app, "member": member, "workplace": wp, "account": victim, "event": event, "vote": vote}
				form := url.Values{"note": {"n"}, "name": {"W"}, "first_name": {"X"}, "occupation": {"o"}, "column": {"number"}, "account": {ra.ID}, "op": {"add"},
					"subject": {"S"}, "body": {"B"}, "email": {db.NewID() + "@example.org"}, "role": {auth.ListMembers}, "confirm": {"yes"}}
				if strings.HasSuffix(rt.Pattern, "/email") {
					form.Set("name", "welcome")
					form.Set("op", "send")
				}
				if strings.HasPrefix(rt.Pattern, "/admin/events/") {
					op := map[string]string{"checkin": "in", "close": "close", "message": "send"}[rt.Pattern[strings.LastIndexByte(rt.Pattern, '/')+1:]]
					form = url.Values{"op": {op}, "reg": {reg}, "audience": {"all"}, "subject": {"S"}, "text": {"T"}, "q": {""}}
				}
				if strings.HasPrefix(rt.Pattern, "/admin/petitions/") {
					// Every close after the first is answered 409 (already
					// closed): an answer, not a refusal.
					form = url.Values{"op": {"preview"}, "confirm": {"yes"}, "lang": {"en"}, "subject.cs": {"S"}, "text.cs": {"T"}, "subject.en": {"S"}, "text.en": {"T"}}
					if strings.HasSuffix(rt.Pattern, "/close") {
						form.Set("op", "close")
					}
				}
				code, body := do(t, p.client, rt.Method, r.srv.URL+concrete(rt.Pattern, ids), form)
				allowed := p.acct.Can(rt.Perm)
				switch {
				case p.acct == nil:
					if code != http.StatusSeeOther && code != http.StatusUnauthorized {
						t.Errorf("%s %s anonymous: %d", rt.Method, rt.Pattern, code)
					}
				case allowed:
					if code == http.StatusForbidden || code == http.StatusUnauthorized || code >= 500 {
						t.Errorf("%s %s as %s: %d, want allowed\n%.300s", rt.Method, rt.Pattern, p.name, code, body)
					}
				default:
					if code != http.StatusForbidden {
						t.Errorf("%s %s as %s: %d, want 403", rt.Method, rt.Pattern, p.name, code)
					}
				}
				// Independent of Can: a role-less account other than a
				// representative may only reach the dashboard.
				if p.name == "no-roles" && rt.Perm != auth.SignedIn && code != http.StatusForbidden {
					t.Errorf("%s %s reachable without roles: %d", rt.Method, rt.Pattern, code)
				}
				if p.name != "anonymous" && p.name != "representative" && p.name != "no-roles" {
					want := rt.Perm == auth.SignedIn || rt.Perm == p.name
					if want != (code != http.StatusForbidden) {
						t.Errorf("%s %s as %s: %d (allowed expected: %v)", rt.Method, rt.Pattern, p.name, code, want)
					}
				}
			}
		}
	})
}

// TestRepresentativeScope: a representative sees their workplace's members
// and nothing else, whatever URL they try.
func TestRepresentativeScope(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		r := newRig(t, d)
		ctx := context.Background()
		mine, _ := r.reg.SaveWorkplace(ctx, super, members.Workplace{Name: "Mine"})
		theirs, _ := r.reg.SaveWorkplace(ctx, super, members.Workplace{Name: "Theirs"})
		inMine, _, _ := r.reg.AddMember(ctx, super, members.MemberData{FirstName: "Olga", LastName: "Ours", Email: "olga@example.org"}, "", 0, false)
		inTheirs, _, _ := r.reg.AddMember(ctx, super, members.MemberData{FirstName: "Tomáš", LastName: "Other", Email: "tomas@example.org"}, "", 0, false)
		nowhere, _, _ := r.reg.AddMember(ctx, super, members.MemberData{FirstName: "Nina", LastName: "None"}, "", 0, false)
		r.reg.SetMemberWorkplaces(ctx, super, inMine, []string{mine})
		r.reg.SetMemberWorkplaces(ctx, super, inTheirs, []string{theirs})
		rep, _ := r.login(t, "rep@example.org", nil, []string{mine})
		base := r.srv.URL

		if code, body := do(t, rep, "GET", base+"/admin/members/"+inMine, nil); code != 200 || !strings.Contains(body, "Olga") {
			t.Fatalf("own member: %d", code)
		}
		for _, id := range []string{inTheirs, nowhere, "zzzzzzzzzzzzzzzzzzzzzzzzzz", inTheirs + "/../" + inTheirs} {
			code, body := do(t, rep, "GET", base+"/admin/members/"+id, nil)
			if code == http.StatusTemporaryRedirect { // the mux cleaned a dot-dot path: follow it
				code, body = do(t, rep, "GET", base+body, nil)
			}
			if code != 404 || strings.Contains(body, "Tomáš") || strings.Contains(body, "Nina") {
				t.Fatalf("other member %s: %d", id, code)
			}
		}
		for _, u := range []string{"/admin/members", "/admin/members?list=all&workplace=" + theirs, "/admin/members?workplace=none",
			"/admin/workplaces", "/admin/workplaces/" + mine, "/admin/"} {
			code, body := do(t, rep, "GET", base+u, nil)
			if code != 200 || strings.Contains(body, "Tomáš") || strings.Contains(body, "Nina") || strings.Contains(body, "Theirs") {
				t.Fatalf("%s: %d, leaks another workplace:\n%s", u, code, body)
			}
		}
		code, body := do(t, rep, "POST", base+"/admin/members", url.Values{"q": {"tomas@example.org"}})
		if code != 200 || strings.Contains(body, "Tomáš") || !strings.Contains(body, "No members found") {
			t.Fatalf("search for another workplace's member: %d", code)
		}
		if code, _ := do(t, rep, "GET", base+"/admin/workplaces/"+theirs, nil); code != 404 {
			t.Fatalf("other workplace: %d", code)
		}
		for _, u := range []string{"/admin/members/" + inMine + "/edit", "/admin/workplaces/" + mine + "/newsletter", "/admin/export"} {
			if code, _ := do(t, rep, "POST", base+u, url.Values{"first_name": {"X"}}); code != 403 {
				t.Fatalf("POST %s: %d", u, code)
			}
		}
		// The opening of a member's page is in the audit trail.
		es, err := auth.AuditFor(ctx, r.d, "member", inMine)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, e := range es {
			found = found || e.Action == "member.view"
		}
		if !found {
			t.Fatal("viewing a member was not audited")
		}
	})
}

func TestConsoleBadInput(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		r := newRig(t, d)
		ctx := context.Background()
		c, _ := r.login(t, "boss@example.org", auth.Roles, nil)
		base := r.srv.URL
		app := r.addApplication(t, admin.StateProcessing, applicant("A", "B", "ab@example.org"))
		member, _, _ := r.reg.AddMember(ctx, super, members.MemberData{FirstName: "M"}, "", 0, false)
		cases := []struct {
			path string
			form url.Values
			code int
			msg  string
		}{
			{"/admin/applications/" + app + "/accept", url.Values{"number": {"abc"}}, 422, "whole number"},
			{"/admin/applications/" + app + "/accept", url.Values{"number": {"-3"}}, 422, "whole number"},
			{"/admin/applications/" + app + "/accept", url.Values{"number": {"1"}}, 409, "already taken"},
			{"/admin/applications/" + app + "/accept", url.Values{"number": {"99999999999999999999"}}, 422, "whole number"},
			{"/admin/applications/" + app + "/notes", url.Values{"note": {""}}, 422, "Fill this in"},
			{"/admin/applications/" + app + "/notes", url.Values{"note": {"evil\u202Etxt"}}, 422, "direction of text"},
			{"/admin/applications/" + app + "/notes", url.Values{"note": {strings.Repeat("x", 5001)}}, 422, "at most 5000 characters (now 5001)"},
			{"/admin/applications/" + app + "/reject", nil, 303, ""},
			{"/admin/applications/" + app + "/reject", nil, 409, "not possible"},
			{"/admin/applications/nonexistent/verify", nil, 404, "no such record"},
			{"/admin/applications/" + db.NewID() + "/verify", nil, 404, "no such record"},
			{"/admin/members/new", url.Values{"first_name": {""}, "last_name": {""}}, 422, "needs a name"},
			{"/admin/members/new", url.Values{"first_name": {"a\x00b"}}, 422, "control character"},
			{"/admin/members/new", url.Values{"first_name": {"<script>alert(1)</script>"}, "email": {"not an email"}}, 422, "Not an email address"},
			{"/admin/members/new", url.Values{"first_name": {strings.Repeat("é", 101)}}, 422, "Too long"},
			{"/admin/members/" + member + "/edit", url.Values{"first_name": {"x\u202E"}}, 422, "direction of text"},
			{"/admin/members/" + member + "/workplaces", url.Values{"workplace": {"'; DROP TABLE members; --"}}, 404, "no such record"},
			{"/admin/workplaces", url.Values{"name": {""}}, 422, "Fill this in"},
			{"/admin/export", url.Values{}, 422, "Nothing was chosen"},
			{"/admin/export", url.Values{"column": {strings.Repeat("x", 70000)}}, 400, "could not be read"},
		}
		for _, tc := range cases {
			code, body := do(t, c, "POST", base+tc.path, tc.form)
			if code != tc.code || !strings.Contains(body, tc.msg) {
				t.Errorf("POST %s %v: %d, want %d with %q\n%.400s", tc.path, tc.form, code, tc.code, tc.msg, body)
			}
			if strings.Contains(body, "<script>alert") {
				t.Errorf("POST %s: script echoed", tc.path)
			}
		}
		// A hostile name stored by hand is escaped when shown.
		id, _, err := r.reg.AddMember(ctx, super, members.MemberData{FirstName: "<script>alert(1)</script>"}, "", 0, false)
		if err != nil {
			t.Fatal(err)
		}
		if code, body := do(t, c, "GET", base+"/admin/members/"+id, nil); code != 200 || strings.Contains(body, "<script>alert") {
			t.Fatalf("member page: %d, script unescaped", code)
		}
		// Console answers are never cached nor indexed.
		resp, err := c.Get(base + "/admin/members/" + id)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.Header.Get("Cache-Control") != "no-store" || !strings.Contains(resp.Header.Get("X-Robots-Tag"), "noindex") || resp.Header.Get("Content-Security-Policy") == "" {
			t.Fatalf("headers: %v", resp.Header)
		}
	})
}
