package admin_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"unionhall/internal/admin"
	"unionhall/internal/auth"
	"unionhall/internal/db"
	"unionhall/internal/dbtest"
	"unionhall/internal/jobs"
	"unionhall/internal/members"
	"unionhall/internal/web"
)

// actions lists a timeline's entries as "action/detail".
func actions(es []auth.Entry) string {
	var out []string
	for _, e := range es {
		out = append(out, e.Action+"/"+e.Detail)
	}
	return strings.Join(out, " | ")
}

// membersWithEmail counts the members whose email is email.
func (r *rig) membersWithEmail(t *testing.T, email string) int {
	t.Helper()
	l, err := r.reg.ListMembers(context.Background(), super, members.MemberFilter{Query: email})
	if err != nil {
		t.Fatal(err)
	}
	return l.Total
}

// TestAcceptRefusesDuplicateMembers: an application whose email is a
// member's (current or past) is not silently made a second member. Without
// a choice it is refused and nothing changes; "link" re-activates the
// person who left, keeping their number, with the occupation added and the
// application linked; "new" makes a second member knowingly.
func TestAcceptRefusesDuplicateMembers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		r := newRig(t, d)
		c := r.c
		first := r.addApplication(t, admin.StateProcessing, applicant("Jana", "Dvořáková", "jana@example.org"))
		janaID, n, err := c.Accept(ctx, super, first, 0)
		if err != nil || n != 1 {
			t.Fatalf("first accept: %d, %v", n, err)
		}
		if err := r.reg.SetOnboarded(ctx, super, janaID); err != nil {
			t.Fatal(err)
		}
		if err := r.reg.RecordLeaving(ctx, super, janaID, false); err != nil {
			t.Fatal(err)
		}
		// She applies again a year later, the address in capitals,
		// as a driver now, living elsewhere.
		again := applicant("Jana", "Dvořáková", "Jana@Example.ORG")
		again.Occupation, again.City = "Driver", "Ostrava"
		second := r.addApplication(t, admin.StateProcessing, again)

		_, _, err = c.Accept(ctx, super, second, 0)
		var dup *members.DuplicateError
		if !errors.Is(err, admin.ErrDuplicate) || !errors.As(err, &dup) || dup.Members[0].ID != janaID || dup.Members[0].Number != 1 || !dup.Members[0].Left {
			t.Fatalf("accepting a past member's email: %v", err)
		}
		if a, _ := c.LoadApplication(ctx, second); a.State != admin.StateProcessing || r.membersWithEmail(t, "jana@example.org") != 1 {
			t.Fatalf("a refused accept changed something: state %s", a.State)
		}
		if _, _, err := c.AcceptWith(ctx, super, second, admin.AcceptOptions{Number: 77, Duplicate: members.DuplicateLink}); !errors.Is(err, admin.ErrLinkNumber) {
			t.Fatalf("link with a chosen number: %v", err)
		}
		// The page notice names her (with MembersWithEmail), but not on her
		// own, first application.
		if ms, err := r.reg.MembersWithEmail(ctx, "jana@example.org", second); err != nil || len(ms) != 1 || ms[0].Category != members.CatPast {
			t.Fatalf("matches for the second application: %+v %v", ms, err)
		}
		if ms, err := r.reg.MembersWithEmail(ctx, "jana@example.org", first); err != nil || len(ms) != 0 {
			t.Fatalf("matches for her own application: %+v %v", ms, err)
		}

		id, n, err := c.AcceptWith(ctx, super, second, admin.AcceptOptions{Duplicate: members.DuplicateLink})
		if err != nil || id != janaID || n != 1 {
			t.Fatalf("link: %s %d %v", id, n, err)
		}
		m, err := r.reg.LoadMember(ctx, super, janaID, auth.ViewMember)
		if err != nil {
			t.Fatal(err)
		}
		var occs []string
		for _, o := range m.Occupations {
			occs = append(occs, o.Text)
		}
		if m.LeftAt != nil || m.OnboardedAt != nil || m.Category() != members.CatNew || m.Number != 1 || m.ApplicationID != second ||
			m.Data.City != "Ostrava" || strings.Join(occs, ",") != "Welder,Driver" {
			t.Fatalf("re-joined member = %+v, occupations %v", m.Member, occs)
		}
		if tl := actions(m.Timeline); !strings.Contains(tl, "member.rejoin/rejoined with application "+second+" (previous application "+first+"); changed: email, city") {
			t.Fatalf("member timeline: %s", tl)
		}
		at, _ := auth.AuditFor(ctx, r.d, "application", second)
		if tl := actions(at); !strings.Contains(tl, "application.accept/linked to the existing member number 1") {
			t.Fatalf("application timeline: %s", tl)
		}
		if a, _ := c.LoadApplication(ctx, second); a.State != admin.StateAccepted || a.MemberID != janaID {
			t.Fatalf("linked application: %+v", a)
		}
		// Linking a current member again with the same occupation adds no
		// second history entry, and says "linked", not "rejoined".
		third := r.addApplication(t, admin.StateProcessing, again)
		if id, _, err := c.AcceptWith(ctx, super, third, admin.AcceptOptions{Duplicate: members.DuplicateLink}); err != nil || id != janaID {
			t.Fatalf("link a current member: %v", err)
		}
		m, _ = r.reg.LoadMember(ctx, super, janaID, auth.ViewMember)
		if len(m.Occupations) != 2 || !strings.Contains(actions(m.Timeline), "member.link/application "+third+" linked (previous application "+second+")") {
			t.Fatalf("second link: %d occupations, %s", len(m.Occupations), actions(m.Timeline))
		}
		// Two people sharing an address: "new" makes a second member, and
		// the trail says the committee knew.
		fourth := r.addApplication(t, admin.StateProcessing, applicant("Petr", "Dvořák", "jana@example.org"))
		petr, n, err := c.AcceptWith(ctx, super, fourth, admin.AcceptOptions{Duplicate: members.DuplicateNew})
		if err != nil || petr == janaID || n != 2 {
			t.Fatalf("accept anyway: %s %d %v", petr, n, err)
		}
		at, _ = auth.AuditFor(ctx, r.d, "application", fourth)
		if !strings.Contains(actions(at), "although the email is member number 1's") {
			t.Fatalf("accept anyway not explained: %s", actions(at))
		}
		// Nothing to link to: the choice is refused, nothing changes.
		fifth := r.addApplication(t, admin.StateProcessing, applicant("Nový", "Člověk", "nobody@example.org"))
		if _, _, err := c.AcceptWith(ctx, super, fifth, admin.AcceptOptions{Duplicate: members.DuplicateLink}); !errors.Is(err, admin.ErrNothingToLink) {
			t.Fatalf("link without a member: %v", err)
		}
		// Adding by hand is refused the same way, and allowed knowingly.
		if _, _, err := r.reg.AddMember(ctx, super, members.MemberData{FirstName: "J", Email: "JANA@example.org"}, "", 0, false); !errors.Is(err, admin.ErrDuplicate) {
			t.Fatalf("add by hand with a member's email: %v", err)
		}
		if got := r.membersWithEmail(t, "jana@example.org"); got != 2 {
			t.Fatalf("members with the email: %d", got)
		}
	})
}

// TestConcurrentAcceptsOfOneEmail: ten applications of one person accepted
// at once make one member; the others are refused as duplicates. The same
// for ten hands adding one person at once. Without the lock on the email
// (db.LockKey), PostgreSQL would let every transaction find nothing and
// insert.
func TestConcurrentAcceptsOfOneEmail(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		r := newRig(t, d)
		const n = 10
		ids := make([]string, n)
		for i := range ids {
			ids[i] = r.addApplication(t, admin.StateProcessing, applicant("Same", fmt.Sprint(i), "same@example.org"))
		}
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, _, errs[i] = r.c.Accept(ctx, super, ids[i], 0)
			}()
		}
		wg.Wait()
		ok := 0
		for i, err := range errs {
			switch {
			case err == nil:
				ok++
			case !errors.Is(err, admin.ErrDuplicate):
				t.Fatalf("accept %d: %v", i, err)
			}
		}
		if ok != 1 || r.membersWithEmail(t, "same@example.org") != 1 {
			t.Fatalf("%d accepts succeeded, %d members", ok, r.membersWithEmail(t, "same@example.org"))
		}
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, _, errs[i] = r.reg.AddMember(ctx, super, members.MemberData{FirstName: "Hand", Email: "hand@example.org"}, "", 0, false)
			}()
		}
		wg.Wait()
		ok = 0
		for i, err := range errs {
			switch {
			case err == nil:
				ok++
			case !errors.Is(err, admin.ErrDuplicate):
				t.Fatalf("add %d: %v", i, err)
			}
		}
		if ok != 1 || r.membersWithEmail(t, "hand@example.org") != 1 {
			t.Fatalf("%d adds succeeded", ok)
		}
	})
}

// TestDuplicatePagesOverHTTP: the application page warns of a member with
// the applicant's email — named and linked only for whoever may open that
// member — and accepting is refused (409, nothing stored) until the
// committee chooses; adding by hand with a member's email comes back (409)
// with what was typed, a link to the member and "add anyway".
func TestDuplicatePagesOverHTTP(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		r := newRig(t, d)
		boss, _ := r.login(t, "boss@example.org", auth.Roles, nil)
		resolver, _ := r.login(t, "resolver@example.org", []string{auth.ViewApplication, auth.ResolveApplications}, nil)
		manager, _ := r.login(t, "manager@example.org", []string{auth.ManageMembers}, nil)
		jana, _, err := r.reg.AddMember(ctx, super, members.MemberData{FirstName: "Jana", LastName: "Dvořáková", Email: "jana@example.org", Lang: "cs"}, "", 0, false)
		if err != nil {
			t.Fatal(err)
		}
		app := r.addApplication(t, admin.StateProcessing, applicant("Jana", "Dvořáková", "jana@example.org"))
		page := r.srv.URL + "/admin/applications/" + app
		link := `<a href="/admin/members/` + jana + `">Member number 1</a> (new)`

		_, body, _ := send(t, boss, "GET", page, "en", nil)
		mustContain(t, "application page", body, `id="duplicate-notice"`, "This email belongs to an existing member", link, `<fieldset id="duplicate">`)
		_, body, _ = send(t, boss, "GET", page, "cs", nil)
		mustContain(t, "application page in Czech", body, "Tento e-mail patří stávajícímu členovi", "Člen č. 1</a> (nový)")
		// Someone who may not open members learns only that there is one.
		_, body, _ = send(t, resolver, "GET", page, "en", nil)
		mustContain(t, "application page for a resolver", body, `id="duplicate-notice"`, "you may not open", `<fieldset id="duplicate">`)
		mustNotContain(t, "application page for a resolver", body, "/admin/members/"+jana, "Member number 1")

		before := r.snapshot(t)
		for _, lang := range []string{"en", "cs"} {
			code, body, _ := send(t, boss, "POST", page+"/accept", lang, url.Values{"number": {""}})
			want := map[string]string{"en": "This email belongs to a member already", "cs": "Tento e-mail už patří členovi"}[lang]
			if code != http.StatusConflict {
				t.Fatalf("accept a duplicate (%s): %d", lang, code)
			}
			mustContain(t, "refused accept", body, want, `<a href="#duplicate">`, `id="err-duplicate"`, `aria-describedby="err-duplicate"`)
		}
		code, body, _ := send(t, boss, "POST", page+"/accept", "en", url.Values{"duplicate": {"<b>both</b>"}})
		if code != 422 || !strings.Contains(body, "Choose one of the options offered.") {
			t.Fatalf("accept with a made-up choice: %d", code)
		}
		code, body, _ = send(t, boss, "POST", page+"/accept", "en", url.Values{"duplicate": {"link"}, "number": {"9"}})
		if code != 422 || !strings.Contains(body, "keeps their own number") || !strings.Contains(body, `value="link" checked`) {
			t.Fatalf("link with a number: %d\n%.2000s", code, body)
		}
		code, body, _ = send(t, resolver, "POST", page+"/accept", "en", url.Values{})
		if code != http.StatusConflict || strings.Contains(body, "/admin/members/"+jana) {
			t.Fatalf("resolver's refused accept: %d", code)
		}
		if after := r.snapshot(t); after != before {
			t.Fatalf("refused accepts changed stored data:\n%s\n%s", before, after)
		}
		if code, loc, _ := send(t, boss, "POST", page+"/accept", "en", url.Values{"duplicate": {"link"}}); code != 303 || loc != "/admin/members/"+jana+"?done=accept" {
			t.Fatalf("link: %d %s", code, loc)
		}
		// The accepted application is hers: no notice any more.
		if _, body, _ := send(t, boss, "GET", page, "en", nil); strings.Contains(body, "duplicate-notice") {
			t.Fatal("the notice stays on the linked application")
		}

		// Adding by hand.
		form := url.Values{"first_name": {"Jana"}, "last_name": {"Druhá"}, "email": {"Jana@example.org"}, "city": {"Brno"}}
		before = r.snapshot(t)
		for _, lang := range []string{"en", "cs"} {
			code, body, _ := send(t, boss, "POST", r.srv.URL+"/admin/members/new", lang, form)
			want := map[string]string{"en": "A member with this email exists already", "cs": "Člen s tímto e-mailem už existuje"}[lang]
			if code != http.StatusConflict {
				t.Fatalf("add a duplicate (%s): %d", lang, code)
			}
			mustContain(t, "refused add", body, want, `<a href="#email">`, `id="err-email"`, `value="Jana@example.org"`, `value="Druhá"`, `value="Brno"`,
				`href="/admin/members/`+jana+`"`, `name="anyway" value="yes"`)
		}
		// A manager who may not open members is not shown who it is.
		code, body, _ = send(t, manager, "POST", r.srv.URL+"/admin/members/new", "en", form)
		if code != http.StatusConflict || strings.Contains(body, "/admin/members/"+jana) || !strings.Contains(body, "you may not open") {
			t.Fatalf("manager's refused add: %d\n%.2000s", code, body)
		}
		if after := r.snapshot(t); after != before {
			t.Fatalf("refused adds changed stored data")
		}
		form.Set("anyway", "yes")
		if code, loc, _ := send(t, boss, "POST", r.srv.URL+"/admin/members/new", "en", form); code != 303 || !strings.HasSuffix(loc, "?done=created") {
			t.Fatalf("add anyway: %d %s", code, loc)
		}
		if got := r.membersWithEmail(t, "jana@example.org"); got != 2 {
			t.Fatalf("members with the email after add anyway: %d", got)
		}
	})
}

// TestFileRoutesByRole: who gets an application's files, through the
// application (view-application) and through the member's record
// (view-member, a representative only for their workplaces' members), and
// that every file served is in the audit trail with who, what and which
// record.
func TestFileRoutesByRole(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		r := newRig(t, d)
		mine, _ := r.reg.SaveWorkplace(ctx, super, members.Workplace{Name: "Mine"})
		theirs, _ := r.reg.SaveWorkplace(ctx, super, members.Workplace{Name: "Theirs"})
		app := r.addApplication(t, admin.StateProcessing, applicant("Jana", "Dvořáková", "jana@example.org"))
		member, _, err := r.c.Accept(ctx, super, app, 0)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.reg.SetMemberWorkplaces(ctx, super, member, []string{mine}); err != nil {
			t.Fatal(err)
		}
		byHand, _, _ := r.reg.AddMember(ctx, super, members.MemberData{FirstName: "Paper"}, "", 0, false)
		r.reg.SetMemberWorkplaces(ctx, super, byHand, []string{mine})

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
		c, a := r.login(t, "rep-mine@example.org", nil, []string{mine})
		people = append(people, who{"representative of the member's workplace", c, a})
		c, a = r.login(t, "rep-theirs@example.org", nil, []string{theirs})
		people = append(people, who{"representative of another workplace", c, a})
		c, a = r.login(t, "nobody@example.org", nil, nil)
		people = append(people, who{"no roles", c, a})

		type route struct {
			path, action, subject, subjectID, ctype string
			// want is the status for an account.
			want func(a *auth.Account) int
		}
		viaApp := func(a *auth.Account) int {
			if a.Has(auth.ViewApplication) {
				return 200
			}
			return 403
		}
		viaMember := func(a *auth.Account) int {
			switch {
			case a.Has(auth.ViewMember) || a.Represents(mine):
				return 200
			case a.Can(auth.ViewMember):
				return 404 // another workplace's representative: not found
			}
			return 403
		}
		routes := []route{
			{"/admin/applications/" + app + "/pdf", "application.pdf", "application", app, "application/pdf", viaApp},
			{"/admin/applications/" + app + "/signature", "application.signature", "application", app, "image/png", viaApp},
			{"/admin/members/" + member + "/pdf", "member.pdf", "member", member, "application/pdf", viaMember},
			{"/admin/members/" + member + "/signature", "member.signature", "member", member, "image/png", viaMember},
		}
		for _, rt := range routes {
			for _, p := range people {
				before, _ := auth.SearchAudit(ctx, r.d, p.acct.ID)
				resp, err := p.client.Get(r.srv.URL + rt.path)
				if err != nil {
					t.Fatal(err)
				}
				body := make([]byte, 64)
				k, _ := resp.Body.Read(body)
				resp.Body.Close()
				body = body[:k]
				if want := rt.want(p.acct); resp.StatusCode != want {
					t.Errorf("GET %s as %s: %d, want %d", rt.path, p.name, resp.StatusCode, want)
					continue
				}
				after, _ := auth.SearchAudit(ctx, r.d, p.acct.ID)
				if resp.StatusCode != 200 {
					if len(after) != len(before) {
						t.Errorf("GET %s as %s: refused, but audited", rt.path, p.name)
					}
					continue
				}
				if got := resp.Header.Get("Content-Type"); got != rt.ctype {
					t.Errorf("GET %s: content type %q", rt.path, got)
				}
				if !strings.HasPrefix(string(body), "%PDF") && !strings.HasPrefix(string(body), "\x89PNG") {
					t.Errorf("GET %s: body %q", rt.path, body)
				}
				if len(after) != len(before)+1 {
					t.Errorf("GET %s as %s: %d new audit entries, want 1", rt.path, p.name, len(after)-len(before))
					continue
				}
				e := after[0]
				if e.Action != rt.action || e.SubjectType != rt.subject || e.SubjectID != rt.subjectID || e.ActorID != p.acct.ID || time.Since(e.At) > time.Minute {
					t.Errorf("GET %s as %s: audit entry %+v", rt.path, p.name, e)
				}
				if rt.subject == "member" && e.Detail != "application "+app {
					t.Errorf("GET %s: detail %q does not name the application", rt.path, e.Detail)
				}
			}
		}
		// A member added by hand has no files; the page says so, and the
		// routes answer "not found".
		boss, _ := r.login(t, "boss@example.org", auth.Roles, nil)
		for _, f := range []string{"pdf", "signature"} {
			if code, _ := do(t, boss, "GET", r.srv.URL+"/admin/members/"+byHand+"/"+f, nil); code != 404 {
				t.Errorf("file of a member without an application: %d", code)
			}
		}
		_, body := do(t, boss, "GET", r.srv.URL+"/admin/members/"+byHand, nil)
		mustContain(t, "member without files", body, "<h2>Files</h2>", "no signed application here")
		_, body = do(t, boss, "GET", r.srv.URL+"/admin/members/"+member, nil)
		mustContain(t, "member with files", body, `<a href="/admin/members/`+member+`/pdf">Signed application (PDF)</a>`,
			`<a href="/admin/members/`+member+`/signature">Signature (image)</a>`)
	})
}

// TestEraseNeedsConfirmation: erasing a member's personal data is two
// steps. The button leads to a page that says what goes and what stays;
// only typing the member number there erases. A wrong or missing number
// shows the page again (422) and changes nothing.
func TestEraseNeedsConfirmation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		r := newRig(t, d)
		boss, _ := r.login(t, "boss@example.org", auth.Roles, nil)
		app := r.addApplication(t, admin.StateProcessing, applicant("Jana", "Dvořáková", "jana@example.org"))
		member, number, err := r.c.Accept(ctx, super, app, 0)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.reg.AddNote(ctx, super, "member", member, "Prefers phone calls"); err != nil {
			t.Fatal(err)
		}
		if err := r.reg.AddNote(ctx, super, "application", app, "Checked the signature"); err != nil {
			t.Fatal(err)
		}
		num := strconv.FormatInt(number, 10)
		base := r.srv.URL + "/admin/members/" + member

		_, body := do(t, boss, "GET", base, nil)
		mustContain(t, "member page", body, `<form method="get" action="/admin/members/`+member+`/erase">`)
		mustNotContain(t, "member page", body, `name="erase"`)

		code, body, _ := send(t, boss, "GET", base+"/erase", "en", nil)
		if code != 200 {
			t.Fatalf("confirmation page: %d", code)
		}
		mustContain(t, "confirmation page", body, "Erased for good", "Contact data", "The occupation history (1 entry)", "Notes on the member (1 note)",
			"The signed application this record is linked to", "Stays", "The member number "+num, "dues history", "cannot be undone",
			`name="confirm_number"`, `action="/admin/members/`+member+`/erase"`)
		_, body, _ = send(t, boss, "GET", base+"/erase", "cs", nil)
		mustContain(t, "confirmation page in Czech", body, "Natrvalo se smaže", "Historie profesí (1 záznam)", "Zůstane", "Členské číslo "+num, "Tento krok nelze vrátit.")

		before := r.snapshot(t)
		// The old one-click form now only leads to the confirmation.
		if code, loc := do(t, boss, "POST", base+"/leave", url.Values{"erase": {"yes"}}); code != 303 || loc != "/admin/members/"+member+"/erase" {
			t.Fatalf("leave with erase=yes: %d %s", code, loc)
		}
		for _, tc := range []struct {
			typed, lang, msg string
		}{
			{"", "en", "Fill this in."},
			{"", "cs", "Toto pole je třeba vyplnit."},
			{num + "0", "en", "Type the member number " + num + " exactly as shown"},
			{"jedna", "cs", "napište členské číslo " + num + " přesně"},
			{"<b>" + num + "</b>", "en", "Type the member number"},
		} {
			code, body, _ := send(t, boss, "POST", base+"/erase", tc.lang, url.Values{"confirm_number": {tc.typed}})
			if code != 422 {
				t.Fatalf("erase with %q: %d", tc.typed, code)
			}
			mustContain(t, "erase with "+tc.typed, body, tc.msg, `<a href="#confirm_number">`, `id="err-confirm_number"`)
			mustNotContain(t, "erase with "+tc.typed, body, "<b>"+num)
		}
		if after := r.snapshot(t); after != before {
			t.Fatalf("unconfirmed erasure changed stored data:\n%s\n%s", before, after)
		}

		if code, loc := do(t, boss, "POST", base+"/erase", url.Values{"confirm_number": {" " + num + " "}}); code != 303 || loc != "/admin/members/"+member+"?done=erased" {
			t.Fatalf("confirmed erasure: %d %s", code, loc)
		}
		m, err := r.reg.LoadMember(ctx, super, member, auth.ViewMember)
		if err != nil || !m.Erased || m.LeftAt == nil || m.Number != number || len(m.Notes) != 0 || len(m.Occupations) != 0 {
			t.Fatalf("erased member: %+v %v", m, err)
		}
		a, err := r.c.LoadApplication(ctx, app)
		if err != nil || a.Applicant.Email != "" || a.Applicant.LastName != "" || a.HasPDF || a.HasSignature || !a.Erased || a.State != admin.StateAccepted {
			t.Fatalf("the linked application after erasure: %+v %v", a, err)
		}
		raw := string(dbtest.Raw(t, d))
		for _, s := range []string{"Dvořáková", "jana@example.org", "Prefers phone", "Checked the signature"} {
			if strings.Contains(raw, s) {
				t.Fatalf("%q still in the database", s)
			}
		}
		var idx []byte
		if err := d.QueryRow(ctx, `SELECT email_bidx FROM applications WHERE id = ?`, app).Scan(&idx); err != nil || len(idx) != 0 {
			t.Fatalf("application email index after erasure: %x %v", idx, err)
		}
		_, body, _ = send(t, boss, "GET", base+"?done=erased", "en", nil)
		mustContain(t, "erased member", body, "The personal data is erased", "erased with the personal data")
		mustNotContain(t, "erased member", body, `action="/admin/members/`+member+`/erase"`)
		if code, _ := do(t, boss, "GET", base+"/erase", nil); code != http.StatusConflict {
			t.Fatalf("confirmation page of an erased member: %d", code)
		}
		if code, _ := do(t, boss, "POST", base+"/erase", url.Values{"confirm_number": {num}}); code != http.StatusConflict {
			t.Fatalf("erasing twice: %d", code)
		}
		_, body = do(t, boss, "GET", r.srv.URL+"/admin/applications/"+app, nil)
		mustContain(t, "erased application", body, "erased together with the member")
		if code, _ := do(t, boss, "GET", r.srv.URL+"/admin/applications/"+app+"/pdf", nil); code != 404 {
			t.Fatalf("PDF of an erased application: %d", code)
		}
	})
}

// TestDeleteNeedsConfirmation: deleting an invalid application for good is
// two steps; without the box ticked the page comes back (422) and nothing
// changes.
func TestDeleteNeedsConfirmation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		r := newRig(t, d)
		boss, _ := r.login(t, "boss@example.org", auth.Roles, nil)
		app := r.addApplication(t, admin.StateInvalid, applicant("Spam", "Bot", "spam@example.org"))
		if err := r.reg.AddNote(ctx, super, "application", app, "obvious spam"); err != nil {
			t.Fatal(err)
		}
		base := r.srv.URL + "/admin/applications/" + app

		_, body := do(t, boss, "GET", base, nil)
		mustContain(t, "application page", body, `<form method="get" action="/admin/applications/`+app+`/delete">`)
		mustNotContain(t, "application page", body, `<form method="post" action="/admin/applications/`+app+`/delete">`)

		code, body, _ := send(t, boss, "GET", base+"/delete", "en", nil)
		if code != 200 {
			t.Fatalf("confirmation page: %d", code)
		}
		mustContain(t, "confirmation page", body, "Deleted for good", "Its signature and PDF", "Notes on it (1 note)", "Stays",
			`type="checkbox" id="confirm" name="confirm" value="yes"`, "Spam Bot")
		_, body, _ = send(t, boss, "GET", base+"/delete", "cs", nil)
		mustContain(t, "confirmation page in Czech", body, "Natrvalo se smaže", "Poznámky k ní (1 poznámka)", "Beru na vědomí")

		before := r.snapshot(t)
		for _, tc := range []struct {
			form url.Values
			lang string
			msg  string
		}{
			{url.Values{}, "en", "Tick the box to confirm"},
			{url.Values{"confirm": {"on"}}, "cs", "Zaškrtnutím políčka potvrďte"},
		} {
			code, body, _ := send(t, boss, "POST", base+"/delete", tc.lang, tc.form)
			if code != 422 {
				t.Fatalf("delete without confirmation: %d", code)
			}
			mustContain(t, "delete without confirmation", body, tc.msg, `<a href="#confirm">`, `aria-describedby="err-confirm"`)
		}
		if after := r.snapshot(t); after != before {
			t.Fatal("an unconfirmed delete changed stored data")
		}
		if code, loc := do(t, boss, "POST", base+"/delete", url.Values{"confirm": {"yes"}}); code != 303 || loc != "/admin/applications?state=invalid&done=delete" {
			t.Fatalf("confirmed delete: %d %s", code, loc)
		}
		if _, err := r.c.LoadApplication(ctx, app); !errors.Is(err, admin.ErrNotFound) {
			t.Fatalf("deleted application: %v", err)
		}
		_, body = do(t, boss, "GET", r.srv.URL+"/admin/applications?state=invalid&done=delete", nil)
		mustContain(t, "list after delete", body, "deleted for good")
		// Only invalid applications have a confirmation page.
		live := r.addApplication(t, admin.StateProcessing, applicant("Real", "Person", "real@example.org"))
		if code, _ := do(t, boss, "GET", r.srv.URL+"/admin/applications/"+live+"/delete", nil); code != http.StatusConflict {
			t.Fatalf("confirmation page of a processing application: %d", code)
		}
		if code, _ := do(t, boss, "POST", r.srv.URL+"/admin/applications/"+live+"/delete", url.Values{"confirm": {"yes"}}); code != http.StatusConflict {
			t.Fatalf("delete a processing application: %d", code)
		}
	})
}

// TestDashboardShowsDeadJobs: whoever holds super-powers sees how many
// background jobs gave up and how to run them again; nobody else does.
func TestDashboardShowsDeadJobs(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		base := newRig(t, d)
		q := jobs.New(d, jobs.Options{Logger: dbtest.Logger()})
		c := admin.New(admin.Deps{DB: d, Keys: base.keys, Auth: base.auth, Queue: q, Logger: dbtest.Logger(), Members: base.reg})
		mux := http.NewServeMux()
		base.auth.Register(mux)
		c.Register(mux)
		srv := httptest.NewServer(web.Stack(mux, dbtest.Logger()))
		t.Cleanup(srv.Close)
		r := &rig{d: d, keys: base.keys, auth: base.auth, c: c, reg: base.reg, srv: srv, box: base.box}
		boss, _ := r.login(t, "boss@example.org", auth.Roles, nil)
		lister, _ := r.login(t, "lister@example.org", []string{auth.ListMembers, auth.ListApplications}, nil)

		_, body, _ := send(t, boss, "GET", srv.URL+"/admin/", "en", nil)
		mustContain(t, "dashboard without dead jobs", body, "Background jobs", "No failed background jobs")
		for i := 0; i < 3; i++ {
			if err := d.Tx(ctx, func(tx *sql.Tx) error {
				_, err := q.Enqueue(ctx, tx, "test.kind", []byte("{}"), time.Time{})
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := d.Exec(ctx, `UPDATE jobs SET state = 'dead'`); err != nil {
			t.Fatal(err)
		}
		_, body, _ = send(t, boss, "GET", srv.URL+"/admin/", "en", nil)
		mustContain(t, "dashboard", body, "3 background jobs failed for good.", "<code>unionhall jobs retry --all</code>")
		_, body, _ = send(t, boss, "GET", srv.URL+"/admin/", "cs", nil)
		mustContain(t, "dashboard in Czech", body, "3 úlohy na pozadí definitivně selhaly.", "Úlohy na pozadí")
		_, body, _ = send(t, lister, "GET", srv.URL+"/admin/", "en", nil)
		mustNotContain(t, "dashboard without super-powers", body, "Background jobs", "jobs retry")
	})
}
