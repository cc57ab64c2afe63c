package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"unionhall/internal/auth"
	"unionhall/internal/browsertest"
	"unionhall/internal/config"
	"unionhall/internal/dbtest"
	"unionhall/internal/mailtest"
	"unionhall/internal/members"
	"unionhall/internal/surveys"
)

// TestSurveyFromPortalInBrowser is issue 11 part 7's survey: in headless
// Chromium without JavaScript, against the whole app on both databases, a
// member signs in to the portal (real SMTP), finds the example site's
// anonymous survey among their surveys, sends it with a required answer
// missing (the page says so and keeps what was typed), answers, and is
// told they have answered when they come back. The answer is stored
// without the member; once ten members have answered, an organiser sees
// the charts in the console and the public sees the results. axe-core
// checks every page.
func TestSurveyFromPortalInBrowser(t *testing.T) {
	b := browsertest.Start(t)
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			smtp := mailtest.Start(t)
			cfg := config.Default()
			cfg.DataDir = t.TempDir()
			if engine == "postgres" {
				cfg.DatabaseURL = dbtest.NewPostgresDatabase(t)
			}
			cfg.SMTP = config.SMTP{Host: smtp.Host(), Port: smtp.Port(), TLS: "none", From: "Spojka <noreply@spojka.example>"}
			srv := httptest.NewUnstartedServer(nil)
			cfg.PublicURL = "http://" + srv.Listener.Addr().String()
			a, err := New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { a.Close() })
			srv.Config.Handler = a.Handler()
			srv.Start()
			t.Cleanup(srv.Close)
			ctx, cancel := context.WithCancel(context.Background())
			t.Cleanup(cancel)
			go a.Queue.Run(ctx)
			surveyJourney(t, b, a, cfg.PublicURL, smtp)
		})
	}
}

func surveyJourney(t *testing.T, b *browsertest.Browser, a *App, base string, smtp *mailtest.Server) {
	ctx := context.Background()
	const email = "petra.svobodova@posta.example"
	actor := &auth.Account{ID: "cli", Roles: []string{auth.ManageMembers}}
	memberID, _, err := a.Members.AddMember(ctx, actor, members.MemberData{Email: email, FirstName: "Petra", LastName: "Svobodová", Lang: "en"}, "Tester", 0, false)
	if err != nil {
		t.Fatal(err)
	}
	tab := b.TabNoJS(t)

	// The survey page, then its form: a visitor is asked to sign in.
	browsertest.Navigate(t, tab, base+"/en/surveys/working-conditions/")
	assertAxe(t, tab, "survey page")
	if resp := browsertest.ClickNavigate(t, tab, `main a[href$="/answer/"]`); resp.Status != 401 {
		t.Fatalf("survey form for a visitor: %d", resp.Status)
	}
	assertAxe(t, tab, "survey's sign-in")

	// Signs in to the portal.
	browsertest.Type(t, tab, "#f-email", email)
	browsertest.ClickNavigate(t, tab, "main form button[type=submit]")
	signin := waitMail(t, smtp, email, "/en/member/link")
	browsertest.Navigate(t, tab, portalLinkRE.FindString(signin.Text))
	browsertest.ClickNavigate(t, tab, "main form button[type=submit]")

	// From the portal's home page: their surveys.
	browsertest.Navigate(t, tab, base+"/en/member/")
	if resp := browsertest.ClickNavigate(t, tab, "#surveys-link"); resp.Status != 200 || !strings.HasSuffix(resp.URL, "/en/member/surveys/") {
		t.Fatalf("the portal's surveys link: %d %s", resp.Status, resp.URL)
	}
	assertAxe(t, tab, "member's surveys")
	if got := browsertest.Text(t, tab, "main"); !strings.Contains(got, "How are your working conditions?") || !strings.Contains(got, "open") {
		t.Fatalf("member's surveys: %.500s", got)
	}
	browsertest.ClickNavigate(t, tab, `main a[href="/en/surveys/working-conditions/answer/"]`)
	if got := browsertest.Text(t, tab, "main"); !strings.Contains(got, "This survey is anonymous") {
		t.Fatalf("survey form: %.500s", got)
	}
	assertAxe(t, tab, "survey form")

	// A required answer missing: said so, what was typed kept.
	browsertest.Click(t, tab, "#q-issues-oncall")
	browsertest.Type(t, tab, "#q-story", "On-call every second week <b>unpaid</b>.")
	if resp := browsertest.ClickNavigate(t, tab, "button.survey-submit"); resp.Status != 422 {
		t.Fatalf("missing answers: %d", resp.Status)
	}
	if got := browsertest.Text(t, tab, "#errors"); !strings.Contains(got, "How often do you work unpaid overtime?") || !strings.Contains(got, "Please answer this question.") {
		t.Fatalf("error summary: %q", got)
	}
	if v := browsertest.Value(t, tab, "#q-story"); v != "On-call every second week <b>unpaid</b>." {
		t.Errorf("story kept as %q", v)
	}
	if !browsertest.Eval[bool](t, tab, `document.getElementById("q-issues-oncall").checked`) {
		t.Error("the ticked box was not kept")
	}
	assertAxe(t, tab, "survey form with errors")

	browsertest.Click(t, tab, "#q-overtime-weekly")
	browsertest.Click(t, tab, "#q-stress-4")
	browsertest.Type(t, tab, "#q-employer", "Software")
	browsertest.ClickNavigate(t, tab, "button.survey-submit")
	if got := browsertest.Text(t, tab, "main"); !strings.Contains(got, "Your answers have been saved.") {
		t.Fatalf("after answering: %.400s", got)
	}
	assertAxe(t, tab, "survey thanks")
	browsertest.Navigate(t, tab, base+"/en/surveys/working-conditions/answer/")
	if got := browsertest.Text(t, tab, "main"); !strings.Contains(got, "You have already answered") {
		t.Fatalf("coming back: %.400s", got)
	}
	browsertest.Navigate(t, tab, base+"/en/member/surveys/")
	if got := browsertest.Text(t, tab, "main"); !strings.Contains(got, "answered on") {
		t.Fatalf("member's surveys after answering: %.400s", got)
	}

	// Stored: one answer, with nothing of the member in it.
	sv, ok := a.Surveys.Get("working-conditions")
	if !ok {
		t.Fatal("no example survey")
	}
	csvErr := func() error { _, err := a.Surveys.CSV(ctx, sv, "en"); return err }
	if err := csvErr(); err != surveys.ErrSuppressed {
		t.Fatalf("CSV of one anonymous answer: %v", err)
	}
	if day, err := a.Surveys.Answered(ctx, sv.ID, memberID); err != nil || day == "" {
		t.Fatalf("the member is not recorded as having answered: %q %v", day, err)
	}

	// Nine more members answer: the organiser sees charts and texts, the
	// public the results.
	for i := range 9 {
		id, _, err := a.Members.AddMember(ctx, actor, members.MemberData{Email: fmt.Sprintf("m%d@posta.example", i), FirstName: "M", LastName: fmt.Sprint(i), Lang: "cs"}, "Tester", 0, false)
		if err != nil {
			t.Fatal(err)
		}
		if err := a.Surveys.Submit(ctx, sv, surveys.Respondent{MemberID: id}, surveys.Answers{"overtime": {"monthly"}, "stress": {"2"}}); err != nil {
			t.Fatal(err)
		}
	}
	csv, err := a.Surveys.CSV(ctx, sv, "en")
	if err != nil || strings.Contains(string(csv), memberID) || !strings.Contains(string(csv), "On-call every second week") {
		t.Fatalf("CSV: %v %s", err, csv)
	}
	login, err := a.Auth.CreateAccount(ctx, "pollster@spojka.example", []string{surveys.ListSurveys}, nil)
	if err != nil {
		t.Fatal(err)
	}
	console := b.Tab(t)
	browsertest.Navigate(t, console, base+login[strings.Index(login, "/auth/"):])
	browsertest.ClickNavigate(t, console, "#signin")
	browsertest.Navigate(t, console, base+"/admin/surveys")
	assertAxe(t, console, "console surveys")
	browsertest.ClickNavigate(t, console, `main a[href="/admin/surveys/working-conditions"]`)
	if n := browsertest.Count(t, console, "svg.survey-chart"); n != 3 {
		t.Fatalf("%d charts in the console", n)
	}
	if got := browsertest.Text(t, console, "#texts-story"); !strings.Contains(got, "On-call every second week <b>unpaid</b>.") {
		t.Fatalf("text answers: %q", got)
	}
	if browsertest.Count(t, console, "#close") != 0 {
		t.Error("list-surveys alone offers closing")
	}
	assertAxe(t, console, "console survey results")
	browsertest.Navigate(t, tab, base+"/cs/surveys/working-conditions/results/")
	if n := browsertest.Count(t, tab, "svg.survey-chart"); n != 3 {
		t.Fatalf("%d charts on the public results", n)
	}
	if got := browsertest.Text(t, tab, "main"); strings.Contains(got, "On-call every second week") {
		t.Fatal("the public results show a text answer")
	}
	assertAxe(t, tab, "public survey results")
	browsertest.AssertNoForeignRequests(t, tab, "127.0.0.1")
	browsertest.AssertNoForeignRequests(t, console, "127.0.0.1")
}
