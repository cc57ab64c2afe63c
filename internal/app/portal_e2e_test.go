package app

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp/kb"

	"unionhall/internal/auth"
	"unionhall/internal/browsertest"
	"unionhall/internal/config"
	"unionhall/internal/dbtest"
	"unionhall/internal/mailtest"
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

var (
	confirmRE     = regexp.MustCompile(`http://[^\s]+/join/confirm\?token=[A-Za-z0-9_-]+`)
	adminAppRE    = regexp.MustCompile(`/admin/applications/[0-9a-z]+`)
	portalURLRE   = regexp.MustCompile(`http://[^\s]+/en/member/`)
	portalLinkRE  = regexp.MustCompile(`http://[^\s]+/en/member/link\?token=[A-Za-z0-9_-]+`)
	consoleLinkRE = regexp.MustCompile(`http://[^\s]+/auth/link\?token=[A-Za-z0-9_-]+`)
)

// TestMemberJourneyInBrowser is issue 9 as a member meets it, in headless
// Chromium against the whole app, on both databases: an applicant applies,
// the committee accepts in the console and sends the welcome email (real
// SMTP, internal/mailtest), the new member signs in from the portal link
// it gives, corrects their phone number, downloads the export and leaves.
// Every portal page is checked by axe-core; the applicant's tab runs
// without JavaScript.
func TestMemberJourneyInBrowser(t *testing.T) {
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
			cfg.Join.CommitteeEmail = "committee@spojka.example"
			clk := &fakeClock{t: time.Now()}
			// Links in emails must reach this server: its address first.
			srv := httptest.NewUnstartedServer(nil)
			cfg.PublicURL = "http://" + srv.Listener.Addr().String()
			a, err := New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), Options{Now: clk.Now})
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
			journey(t, b, a, cfg.PublicURL, smtp, clk)
		})
	}
}

func waitMail(t *testing.T, smtp *mailtest.Server, to, contains string) *mailtest.Message {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		for _, m := range smtp.Messages() {
			if len(m.To) == 1 && m.To[0] == to && strings.Contains(m.Text, contains) {
				return m
			}
		}
		smtp.WaitFor(t, len(smtp.Messages())+1, time.Until(deadline))
	}
	t.Fatalf("no email to %s containing %q", to, contains)
	return nil
}

func journey(t *testing.T, b *browsertest.Browser, a *App, base string, smtp *mailtest.Server, clk *fakeClock) {
	const email = "jana.dvorakova@posta.example"
	tab := b.TabNoJS(t)
	browsertest.Navigate(t, tab, base+"/en/join/")
	browsertest.Type(t, tab, "#f-email", email)
	browsertest.Type(t, tab, "#f-phone_number", "601 234 567")
	browsertest.Type(t, tab, "#f-first_name", "Jana")
	browsertest.Type(t, tab, "#f-last_name", "Dvořáková")
	browsertest.SetValue(t, tab, "#f-date_of_birth", "1990-05-31")
	browsertest.Type(t, tab, "#f-city", "Praha")
	browsertest.Type(t, tab, "#f-company_name", "Kvádr Software s.r.o.")
	browsertest.PressKey(t, tab, kb.Tab)
	browsertest.Type(t, tab, "#f-occupation", "Tester")
	browsertest.PressKey(t, tab, kb.Tab)
	browsertest.Click(t, tab, "label[for=f-sign-typed]")
	browsertest.Type(t, tab, "#f-typed_name", "Jana Dvořáková")
	browsertest.Click(t, tab, "#f-typed_consent")
	browsertest.Eval[bool](t, tab, `document.getElementById("f-statutes").checked = true`)
	clk.Add(10 * time.Second)
	browsertest.ClickNavigate(t, tab, "button.join-submit")
	if loc := browsertest.Location(t, tab); !strings.HasSuffix(loc, "/join/sent/") {
		t.Fatalf("after applying: %s %.500s", loc, browsertest.Text(t, tab, "main"))
	}
	verify := waitMail(t, smtp, email, "/join/confirm")
	browsertest.Navigate(t, tab, confirmRE.FindString(verify.Text))
	browsertest.ClickNavigate(t, tab, "main form button[type=submit]")
	notice := waitMail(t, smtp, "committee@spojka.example", "/admin/applications/")

	// The committee accepts in the console and sends the welcome email.
	login, err := a.Auth.CreateAccount(context.Background(), "chair@spojka.example", auth.Roles, nil)
	if err != nil {
		t.Fatal(err)
	}
	console := b.Tab(t)
	browsertest.Navigate(t, console, base+login[strings.Index(login, "/auth/"):])
	browsertest.ClickNavigate(t, console, "#signin")
	browsertest.Navigate(t, console, base+adminAppRE.FindString(notice.Text))
	browsertest.ClickNavigate(t, console, "#accept")
	browsertest.ClickNavigate(t, console, "#preview-welcome")
	browsertest.ClickNavigate(t, console, "#send-email")
	welcome := waitMail(t, smtp, email, "member number")
	portal := portalURLRE.FindString(welcome.Text)
	if portal == "" {
		t.Fatalf("the welcome email does not say how to sign in: %q", welcome.Text)
	}
	_ = consoleLinkRE

	// A member-only page asks a visitor to sign in, in its language.
	if resp := browsertest.Navigate(t, tab, base+"/cs/meetings/"); resp.Status != 401 {
		t.Fatalf("member-only page for a visitor: %d", resp.Status)
	}
	assertAxe(t, tab, "member-only page's sign-in (Czech)")

	// The member signs in from the welcome email's link.
	browsertest.Navigate(t, tab, portal)
	assertAxe(t, tab, "portal sign-in")
	browsertest.Type(t, tab, "#f-email", email)
	browsertest.ClickNavigate(t, tab, "main form button[type=submit]")
	assertAxe(t, tab, "sign-in link sent")
	signin := waitMail(t, smtp, email, "/en/member/link")
	browsertest.Navigate(t, tab, portalLinkRE.FindString(signin.Text))
	assertAxe(t, tab, "sign-in button")
	browsertest.ClickNavigate(t, tab, "main form button[type=submit]")
	browsertest.Navigate(t, tab, base+"/en/meetings/spring-assembly/")
	assertAxe(t, tab, "meeting minutes for a member")
	browsertest.Navigate(t, tab, base+"/en/member/")
	main := browsertest.Text(t, tab, "main")
	if !strings.Contains(main, "Member number") || !strings.Contains(main, "Dvořáková") || !strings.Contains(main, "Tester") {
		t.Fatalf("portal home: %.600s", main)
	}
	assertAxe(t, tab, "portal home")

	// Corrects the phone number; a bad one first comes back as typed.
	browsertest.ClickNavigate(t, tab, `a[href="/en/member/details"]`)
	assertAxe(t, tab, "details form")
	browsertest.SetValue(t, tab, "#f-phone_number", "call me")
	if resp := browsertest.ClickNavigate(t, tab, "main form button[type=submit]"); resp.Status != 422 {
		t.Fatalf("bad phone: %d", resp.Status)
	}
	if v := browsertest.Value(t, tab, "#f-phone_number"); v != "call me" {
		t.Errorf("phone kept as %q", v)
	}
	assertAxe(t, tab, "details form with errors")
	browsertest.SetValue(t, tab, "#f-phone_number", "777 000 111")
	browsertest.ClickNavigate(t, tab, "main form button[type=submit]")
	if main := browsertest.Text(t, tab, "main"); !strings.Contains(main, "777 000 111") || !strings.Contains(main, "saved") {
		t.Fatalf("after saving: %.400s", main)
	}

	// Downloads the export (same origin, the session cookie goes along).
	raw := browsertest.Eval[string](t, tab, `(() => { const x = new XMLHttpRequest(); x.open("GET", "/en/member/export.json", false); x.send(); return x.responseText })()`)
	var x struct {
		Contact struct {
			Phone string `json:"phone_number"`
		} `json:"contact"`
		Application struct {
			PDF []byte `json:"pdf"`
		} `json:"application"`
	}
	if err := json.Unmarshal([]byte(raw), &x); err != nil || x.Contact.Phone != "777 000 111" || len(x.Application.PDF) == 0 {
		t.Fatalf("export: %v %.300s", err, raw)
	}
	if pdf := browsertest.Eval[string](t, tab, `(() => { const x = new XMLHttpRequest(); x.open("GET", "/en/member/export.pdf", false); x.overrideMimeType("text/plain; charset=x-user-defined"); x.send(); return x.status + " " + x.responseText.slice(0, 5) })()`); pdf != "200 %PDF-" {
		t.Errorf("export.pdf: %q", pdf)
	}

	// Asks to leave, in two steps.
	browsertest.Navigate(t, tab, base+"/en/member/leave")
	assertAxe(t, tab, "leave")
	browsertest.ClickNavigate(t, tab, "main form button[type=submit]")
	assertAxe(t, tab, "leave confirmation")
	if resp := browsertest.ClickNavigate(t, tab, "main form button[type=submit]"); resp.Status != 422 {
		t.Fatalf("leave without the box: %d", resp.Status)
	}
	assertAxe(t, tab, "leave confirmation with the error")
	browsertest.Click(t, tab, "#f-confirm")
	browsertest.ClickNavigate(t, tab, "main form button[type=submit]")
	if main := browsertest.Text(t, tab, "main"); !strings.Contains(main, "request to leave has been sent") {
		t.Fatalf("after leaving: %.300s", main)
	}
	assertAxe(t, tab, "left")
	waitMail(t, smtp, email, "you asked in the members' portal to leave")
	// The committee sees the request on the dashboard and the record.
	browsertest.Navigate(t, console, base+"/admin/")
	if got := browsertest.Text(t, console, "main"); !strings.Contains(got, "Requests to leave") {
		t.Fatalf("dashboard lacks the leave request: %.400s", got)
	}
	assertAxe(t, console, "console dashboard with a leave request")
	browsertest.ClickNavigate(t, console, `main a[href^="/admin/members/"]`)
	if browsertest.Count(t, console, "#leave-requested") != 1 {
		t.Error("member page lacks the leave request")
	}
	browsertest.Navigate(t, tab, base+"/en/member/")
	assertAxe(t, tab, "portal home after leaving")
	browsertest.Navigate(t, tab, base+"/cs/clen/")
	assertAxe(t, tab, "portal home in Czech")
	browsertest.AssertNoForeignRequests(t, tab, "127.0.0.1")
}

var assertAxe = browsertest.AssertAxeClean
