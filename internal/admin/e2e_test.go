package admin_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"unionhall/internal/admin"
	"unionhall/internal/auth"
	"unionhall/internal/browsertest"
	"unionhall/internal/console"
	"unionhall/internal/db"
	"unionhall/internal/dbtest"
	"unionhall/internal/jobs"
	"unionhall/internal/mail"
	"unionhall/internal/mailtest"
	"unionhall/internal/members"
	"unionhall/internal/seal"
	"unionhall/internal/web"
)

func TestMain(m *testing.M) { browsertest.Main(m) }

var linkRE = regexp.MustCompile(`http://[^\s]+/auth/link\?token=[A-Za-z0-9_-]{43}`)

// TestAdministratorAcceptsInBrowser is the intake as a committee member
// meets it: ask for a sign-in link, open it from the email (real SMTP),
// press the button, open the processing tab, accept the application and
// see the new member — every page checked by axe.
func TestAdministratorAcceptsInBrowser(t *testing.T) {
	b := browsertest.Start(t)
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		smtp := mailtest.Start(t)
		kr, err := seal.NewKeyring(seal.GenerateKey())
		if err != nil {
			t.Fatal(err)
		}
		sender, err := mail.NewSMTPSender(mail.SMTPConfig{Host: smtp.Host(), Port: smtp.Port(), TLS: "none", From: "Union <noreply@union.example>"})
		if err != nil {
			t.Fatal(err)
		}
		q := jobs.New(d, jobs.Options{Logger: dbtest.Logger(), PollInterval: 50 * time.Millisecond})
		ob := mail.NewOutbox(q, kr, sender)
		mux := http.NewServeMux()
		srv := httptest.NewUnstartedServer(web.Stack(mux, dbtest.Logger()))
		srv.Start()
		defer srv.Close()
		a := auth.New(auth.Deps{DB: d, Keys: kr, Outbox: ob, BaseURL: srv.URL, Logger: dbtest.Logger()})
		reg := newRegistry(d, kr, a)
		// The events section plugs in as internal/app plugs it in, so the
		// walk through the console in Czech below covers its pages too.
		ev := newEventStore(t, d, kr, ob)
		c := admin.New(admin.Deps{DB: d, Keys: kr, Auth: a, Queue: q, Outbox: ob, Logger: dbtest.Logger(), Members: reg,
			Sections: []console.Section{ev.ConsoleSection()}})
		a.Register(mux)
		c.Register(mux)
		go q.Run(ctx)

		r := &rig{d: d, keys: kr, auth: a, c: c, reg: reg, srv: srv}
		appID := r.addApplication(t, admin.StateProcessing, applicant("Jana", "Dvořáková", "jana@example.org"))
		wp, _ := r.reg.SaveWorkplace(context.Background(), super, members.Workplace{Name: "Depot", ContactEmail: "depot@example.org"})
		if _, err := a.CreateAccount(context.Background(), "chair@example.org", auth.Roles, nil); err != nil {
			t.Fatal(err)
		}

		tab := b.Tab(t)
		browsertest.Navigate(t, tab, srv.URL+"/admin/")
		if !strings.HasSuffix(browsertest.Location(t, tab), "/auth/login") {
			t.Fatalf("anonymous console visit landed on %s", browsertest.Location(t, tab))
		}
		browsertest.AssertAxeClean(t, tab, "login")
		browsertest.Type(t, tab, "#email", "chair@example.org")
		browsertest.ClickNavigate(t, tab, "button[type=submit]")
		browsertest.AssertAxeClean(t, tab, "check your email")
		msgs := smtp.WaitFor(t, 1, 30*time.Second)
		link := linkRE.FindString(msgs[0].Text)
		if link == "" || msgs[0].To[0] != "chair@example.org" {
			t.Fatalf("no sign-in link in %q", msgs[0].Text)
		}
		browsertest.Navigate(t, tab, link)
		browsertest.AssertAxeClean(t, tab, "link page")
		browsertest.ClickNavigate(t, tab, "#signin")
		if !strings.HasSuffix(browsertest.Location(t, tab), "/admin/") {
			t.Fatalf("after sign-in: %s", browsertest.Location(t, tab))
		}
		browsertest.AssertAxeClean(t, tab, "dashboard")

		browsertest.ClickNavigate(t, tab, `nav a[href="/admin/applications"]`)
		if got := browsertest.Text(t, tab, `.tabs a[aria-current]`); !strings.Contains(got, "processing (1)") {
			t.Fatalf("processing tab: %q", got)
		}
		browsertest.AssertAxeClean(t, tab, "applications")
		browsertest.ClickNavigate(t, tab, `a[href="/admin/applications/`+appID+`"]`)
		if !strings.Contains(browsertest.Text(t, tab, "main"), "Dvořáková") {
			t.Fatal("application detail lacks the name")
		}
		if w := browsertest.Eval[float64](t, tab, `document.querySelector("img.signature").naturalWidth`); w != 0 {
			// The fake PNG does not decode; what matters is that it was served.
			t.Logf("signature width %v", w)
		}
		browsertest.AssertAxeClean(t, tab, "application")
		browsertest.ClickNavigate(t, tab, "#accept")
		memberURL := browsertest.Location(t, tab)
		if !strings.Contains(memberURL, "/admin/members/") {
			t.Fatalf("after accept: %s", memberURL)
		}
		if got := browsertest.Text(t, tab, "#number"); got != "1" {
			t.Fatalf("member number shown: %q", got)
		}
		if !strings.Contains(browsertest.Text(t, tab, "main"), "Member created by chair@example.org") {
			t.Fatal("the timeline does not say who accepted")
		}
		if !strings.Contains(browsertest.Text(t, tab, "main"), "Welder") {
			t.Fatal("occupation history lacks the occupation")
		}
		browsertest.AssertAxeClean(t, tab, "member")
		browsertest.ClickNavigate(t, tab, `nav a[href="/admin/members"]`)
		if !strings.Contains(browsertest.Text(t, tab, "main table"), "Dvořáková") {
			t.Fatal("members list lacks the new member")
		}
		browsertest.AssertAxeClean(t, tab, "members")
		browsertest.Navigate(t, tab, memberURL)
		browsertest.ClickNavigate(t, tab, "#preview-welcome")
		if !strings.Contains(browsertest.Text(t, tab, "main"), "Vítejte") {
			t.Fatal("welcome preview lacks the Czech text")
		}
		browsertest.AssertAxeClean(t, tab, "welcome preview")
		browsertest.ClickNavigate(t, tab, "#send-email")
		if got := smtp.WaitFor(t, 2, 30*time.Second)[1]; got.To[0] != "jana@example.org" || !strings.Contains(got.Text, "číslo je 1") {
			t.Fatalf("welcome email: to %v, %q", got.To, got.Text)
		}
		for _, p := range []string{"/admin/members/new", "/admin/emails", "/admin/emails/welcome/cs", "/admin/workplaces", "/admin/workplaces/" + wp, "/admin/export", "/admin/audit", "/admin/accounts",
			"/admin/applications?state=accepted", "/admin/applications/" + appID, "/admin/applications/" + db.NewID()} {
			browsertest.Navigate(t, tab, srv.URL+p)
			browsertest.AssertAxeClean(t, tab, p)
		}
		if !strings.Contains(browsertest.HTML(t, tab), "no such record") {
			t.Fatal("unknown application did not say so")
		}
		// Jana applies again: the application warns that she is a member,
		// and accepting it without a choice is refused (409) with the
		// choice marked; both pages axe-clean.
		dupApp := r.addApplication(t, admin.StateProcessing, applicant("Jana", "Dvořáková", "jana@example.org"))
		browsertest.Navigate(t, tab, srv.URL+"/admin/applications/"+dupApp)
		if got := browsertest.Text(t, tab, "#duplicate-notice"); !strings.Contains(got, "Member number 1") {
			t.Fatalf("duplicate notice: %q", got)
		}
		browsertest.AssertAxeClean(t, tab, "application with a duplicate notice")
		if resp := browsertest.ClickNavigate(t, tab, "#accept"); resp.Status != http.StatusConflict {
			t.Fatalf("accepting a member's email again: %d", resp.Status)
		}
		browsertest.AssertAxeClean(t, tab, "accept refused as a duplicate")
		// Irreversible actions ask first: erasing a member's data (the
		// member number to type) and deleting an application (a box to
		// tick); a confirmation left out comes back with the message.
		paper, _, err := r.reg.AddMember(context.Background(), super, members.MemberData{FirstName: "Erika", LastName: "Papírová"}, "Typist", 0, false)
		if err != nil {
			t.Fatal(err)
		}
		// Her email typed into another member's contact data is refused
		// (409) with a link to her and "the same address is shared".
		browsertest.Navigate(t, tab, srv.URL+"/admin/members/"+paper)
		browsertest.SetValue(t, tab, "#email", "Jana@example.org")
		if resp := browsertest.ClickNavigate(t, tab, `form[action="/admin/members/`+paper+`/edit"] button[type=submit]`); resp.Status != http.StatusConflict {
			t.Fatalf("contact data with a member's email: %d", resp.Status)
		}
		if got := browsertest.Text(t, tab, "#duplicate-notice"); !strings.Contains(got, "Member number 1") || !strings.Contains(got, "The same address is shared") {
			t.Fatalf("duplicate notice on the edit form: %q", got)
		}
		if got := browsertest.Value(t, tab, "#email"); got != "Jana@example.org" {
			t.Errorf("email kept as %q", got)
		}
		browsertest.AssertAxeClean(t, tab, "contact data refused as a duplicate")
		browsertest.Navigate(t, tab, srv.URL+"/admin/members/"+paper)
		browsertest.ClickNavigate(t, tab, "#erase")
		if !strings.HasSuffix(browsertest.Location(t, tab), "/admin/members/"+paper+"/erase?") {
			t.Fatalf("the erase button led to %s", browsertest.Location(t, tab))
		}
		browsertest.AssertAxeClean(t, tab, "erase confirmation")
		if resp := browsertest.ClickNavigate(t, tab, "#erase-confirm"); resp.Status != http.StatusUnprocessableEntity {
			t.Fatalf("erase without the number: %d", resp.Status)
		}
		browsertest.AssertAxeClean(t, tab, "erase confirmation with problems")
		spam := r.addApplication(t, admin.StateInvalid, applicant("Spam", "Bot", "spam@example.org"))
		browsertest.Navigate(t, tab, srv.URL+"/admin/applications/"+spam)
		browsertest.ClickNavigate(t, tab, "#delete")
		browsertest.AssertAxeClean(t, tab, "delete confirmation")
		if resp := browsertest.ClickNavigate(t, tab, "#delete-confirm"); resp.Status != http.StatusUnprocessableEntity {
			t.Fatalf("delete without the box: %d", resp.Status)
		}
		browsertest.AssertAxeClean(t, tab, "delete confirmation with problems")
		browsertest.Click(t, tab, "#confirm")
		browsertest.ClickNavigate(t, tab, "#delete-confirm")
		if !strings.Contains(browsertest.Text(t, tab, "main"), "deleted for good") {
			t.Fatal("the confirmed delete did not say so")
		}
		// A form with problems comes back as typed, hostile text
		// included, with the summary focused and each field saying what
		// is wrong: axe-clean too.
		browsertest.Navigate(t, tab, srv.URL+"/admin/members/new")
		typedName := `<script>alert("x")</script> Nov` + "\u202E" + `á`
		browsertest.SetValue(t, tab, "#first_name", typedName)
		browsertest.Type(t, tab, "#date_of_birth", "31. 2. 1990")
		browsertest.Type(t, tab, "#email", "jana(at)example.org")
		browsertest.Type(t, tab, "#city", "Brno")
		if resp := browsertest.ClickNavigate(t, tab, `form[action="/admin/members/new"] button[type=submit]`); resp.Status != http.StatusUnprocessableEntity {
			t.Fatalf("new member with problems: %d", resp.Status)
		}
		// Chromium applies autofocus at its next rendering step: wait for it.
		focused := ""
		for range 40 {
			if focused = browsertest.Eval[string](t, tab, `document.activeElement.id`); focused == "error-summary" {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		if focused != "error-summary" {
			t.Errorf("focus after a failed submit is on %q, want the error summary", focused)
		}
		if got := browsertest.Value(t, tab, "#first_name"); got != `<script>alert("x")</script> Nov�á` {
			t.Errorf("first name kept as %q", got)
		}
		if got := browsertest.Value(t, tab, "#city"); got != "Brno" {
			t.Errorf("city kept as %q", got)
		}
		for _, id := range []string{"first_name", "email", "date_of_birth"} {
			if got := browsertest.Eval[string](t, tab, `document.getElementById("`+id+`").getAttribute("aria-invalid") + " " + document.getElementById("`+id+`").getAttribute("aria-describedby")`); got != "true err-"+id {
				t.Errorf("%s: %q", id, got)
			}
		}
		if n := browsertest.Count(t, tab, "script"); n != 0 {
			t.Fatalf("typed markup became %d script elements", n)
		}
		if got := browsertest.Count(t, tab, "#error-summary li a"); got != 3 {
			t.Errorf("summary lists %d problems, want 3", got)
		}
		browsertest.AssertAxeClean(t, tab, "new member with problems")
		// A fieldset's problem: an export without columns.
		browsertest.Navigate(t, tab, srv.URL+"/admin/export")
		browsertest.Eval[bool](t, tab, `(document.querySelectorAll("input[name=column]").forEach(c => { c.checked = false }), true)`)
		if resp := browsertest.ClickNavigate(t, tab, `form[action="/admin/export"] button[type=submit]`); resp.Status != http.StatusUnprocessableEntity {
			t.Fatalf("export without columns: %d", resp.Status)
		}
		browsertest.AssertAxeClean(t, tab, "export without columns")
		// The browser asks for English; choosing Czech on the account page
		// turns the whole console Czech, and it stays accessible.
		browsertest.Navigate(t, tab, srv.URL+"/auth/account")
		browsertest.AssertAxeClean(t, tab, "account")
		browsertest.SetValue(t, tab, "#lang", "cs")
		browsertest.ClickNavigate(t, tab, "#save-lang")
		if got := browsertest.Eval[string](t, tab, "document.documentElement.lang"); got != "cs" {
			t.Fatalf("account page after choosing Czech: lang %q", got)
		}
		browsertest.AssertAxeClean(t, tab, "account in Czech")
		for _, p := range []string{"/admin/", "/admin/applications?state=accepted", "/admin/members/new", "/admin/workplaces/" + wp,
			"/admin/events", "/admin/audit", "/admin/applications/" + db.NewID(), "/admin/applications/" + dupApp, "/admin/members/" + paper + "/erase"} {
			browsertest.Navigate(t, tab, srv.URL+p)
			if got := browsertest.Eval[string](t, tab, "document.documentElement.lang"); got != "cs" {
				t.Fatalf("%s: lang %q after choosing Czech", p, got)
			}
			browsertest.AssertAxeClean(t, tab, p+" in Czech")
		}
		browsertest.Navigate(t, tab, memberURL)
		if !strings.Contains(browsertest.Text(t, tab, "main"), "Člen založen, provedl(a) chair@example.org") {
			t.Fatal("the Czech timeline does not say who accepted")
		}
		browsertest.AssertAxeClean(t, tab, "member in Czech")
		// Problems in Czech: a workplace without a name and with a broken
		// address; an invitation to an address that has an account.
		browsertest.Navigate(t, tab, srv.URL+"/admin/workplaces/"+wp)
		browsertest.Eval[string](t, tab, `document.getElementById("name").value = ""`) // SetValue refuses ""
		browsertest.SetValue(t, tab, "#contact_email", "depot")
		if resp := browsertest.ClickNavigate(t, tab, `form[action="/admin/workplaces/`+wp+`"] button[type=submit]`); resp.Status != http.StatusUnprocessableEntity {
			t.Fatalf("workplace with problems: %d", resp.Status)
		}
		if got := browsertest.Text(t, tab, "#err-contact_email"); !strings.Contains(got, "Toto není e-mailová adresa") {
			t.Errorf("Czech message next to the address: %q", got)
		}
		if got := browsertest.Value(t, tab, "#contact_email"); got != "depot" {
			t.Errorf("address kept as %q", got)
		}
		browsertest.AssertAxeClean(t, tab, "workplace with problems in Czech")
		browsertest.Navigate(t, tab, srv.URL+"/admin/accounts")
		browsertest.Type(t, tab, "#email", "chair@example.org")
		browsertest.Click(t, tab, `#invite-roles input[value="list-members"]`)
		if resp := browsertest.ClickNavigate(t, tab, `form[action="/admin/accounts"] button[type=submit]`); resp.Status != http.StatusConflict {
			t.Fatalf("invitation of an existing account: %d", resp.Status)
		}
		if !browsertest.Eval[bool](t, tab, `document.querySelector('#invite-roles input[value="list-members"]').checked`) {
			t.Error("the chosen role was not kept")
		}
		if got := browsertest.Text(t, tab, "#error-summary"); !strings.Contains(got, "Účet s tímto e-mailem už existuje") {
			t.Errorf("Czech summary: %q", got)
		}
		browsertest.AssertAxeClean(t, tab, "invitation with problems in Czech")
		// Chromium itself asks its autofill server about forms (refused by
		// the tab's proxy); nothing the console serves reaches elsewhere.
		for _, fr := range browsertest.ForeignRequests(tab, "127.0.0.1") {
			if !strings.Contains(fr, "content-autofill.googleapis.com") {
				t.Fatalf("console page requested %s", fr)
			}
		}
		// Sign out everywhere; the console is closed again.
		browsertest.Navigate(t, tab, srv.URL+"/admin/")
		browsertest.ClickNavigate(t, tab, `form[action="/auth/logout-everywhere"] button`)
		browsertest.AssertAxeClean(t, tab, "signed out")
		browsertest.Navigate(t, tab, srv.URL+"/admin/members")
		if !strings.HasSuffix(browsertest.Location(t, tab), "/auth/login") {
			t.Fatalf("after sign-out: %s", browsertest.Location(t, tab))
		}
	})
}
