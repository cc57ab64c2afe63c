package app

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"unionhall/internal/auth"
	"unionhall/internal/browsertest"
	"unionhall/internal/config"
	"unionhall/internal/dbtest"
	"unionhall/internal/mailtest"
)

var signConfirmRE = regexp.MustCompile(`http://[^\s]+/signature/confirm\?token=[A-Za-z0-9_-]+`)

// TestPetitionInBrowser is issue 11 part 7 for petitions, in headless
// Chromium against the whole app on both databases: a visitor (no
// JavaScript) opens the example site's petition, sends the form with a
// mistake and gets it back as typed, signs, confirms from the email that
// the in-process SMTP server received (a page whose button POSTs), and
// sees the counter move on the page, in Czech and in the embed. Every page
// passes axe-core and nothing is asked of another host.
func TestPetitionInBrowser(t *testing.T) {
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
			clk := &fakeClock{t: time.Now()}
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
			petitionJourney(t, b, a, cfg.PublicURL, smtp, clk)
		})
	}
}

func petitionJourney(t *testing.T, b *browsertest.Browser, a *App, base string, smtp *mailtest.Server, clk *fakeClock) {
	const (
		email = "eva.signer@posta.example"
		page  = "/en/petitions/pay-for-on-call/"
		name  = `Eva <b>Nová</b> "O'Brien"`
	)
	tab := b.TabNoJS(t)
	browsertest.Navigate(t, tab, base+page)
	if c := browsertest.Text(t, tab, "#petition-count"); c != "0 of 1,000 signatures" {
		t.Fatalf("counter before: %q", c)
	}
	assertAxe(t, tab, "petition page")

	// A mistake first: no consent. The form comes back as typed.
	browsertest.Type(t, tab, "#f-name", name)
	browsertest.Type(t, tab, "#f-email", email)
	browsertest.Type(t, tab, "#f-city", "Ústí nad Labem")
	browsertest.Type(t, tab, "#f-workplace", "=HYPERLINK(\"x\")")
	browsertest.Click(t, tab, "#f-show_name")
	clk.Add(10 * time.Second)
	if resp := browsertest.ClickNavigate(t, tab, "button.petition-submit"); resp.Status != 422 {
		t.Fatalf("without consent: %d", resp.Status)
	}
	if v := browsertest.Value(t, tab, "#f-name"); v != name {
		t.Errorf("name kept as %q", v)
	}
	if v := browsertest.Value(t, tab, "#f-city"); v != "Ústí nad Labem" {
		t.Errorf("city kept as %q", v)
	}
	if !strings.Contains(browsertest.Text(t, tab, "#error-summary"), "Please agree") {
		t.Error("no error summary naming the consent")
	}
	assertAxe(t, tab, "petition form with errors")

	browsertest.Click(t, tab, "#f-consent")
	clk.Add(time.Second)
	if resp := browsertest.ClickNavigate(t, tab, "button.petition-submit"); resp.Status != 200 {
		t.Fatalf("signing: %d %.300s", resp.Status, browsertest.Text(t, tab, "main"))
	}
	if m := browsertest.Text(t, tab, "main"); !strings.Contains(m, "Check your email") {
		t.Fatalf("after signing: %.300s", m)
	}
	assertAxe(t, tab, "check your email")
	// Not counted before confirming.
	browsertest.Navigate(t, tab, base+page)
	if c := browsertest.Text(t, tab, "#petition-count"); c != "0 of 1,000 signatures" {
		t.Fatalf("counted before confirming: %q", c)
	}

	msg := waitMail(t, smtp, email, "/signature/confirm")
	link := signConfirmRE.FindString(msg.Text)
	if link == "" {
		t.Fatalf("no link in %q", msg.Text)
	}
	browsertest.Navigate(t, tab, link)
	assertAxe(t, tab, "confirmation page")
	browsertest.ClickNavigate(t, tab, "button.petition-confirm")
	if m := browsertest.Text(t, tab, "#petition-message"); !strings.Contains(m, "counts") {
		t.Fatalf("after confirming: %q", m)
	}
	assertAxe(t, tab, "confirmed")

	browsertest.Navigate(t, tab, base+page)
	if c := browsertest.Text(t, tab, "#petition-count"); c != "1 of 1,000 signatures" {
		t.Fatalf("counter after: %q", c)
	}
	if v := browsertest.Eval[float64](t, tab, `document.getElementById("petition-goal").value`); v != 1 {
		t.Errorf("goal bar at %v", v)
	}
	if names := browsertest.Text(t, tab, ".petition-names"); !strings.Contains(names, name+", Ústí nad Labem") {
		t.Errorf("public names: %q", names)
	}
	if n := browsertest.Count(t, tab, ".petition-names b"); n != 0 {
		t.Error("a signer's markup was rendered")
	}
	assertAxe(t, tab, "petition page after signing")

	browsertest.Navigate(t, tab, base+"/cs/petitions/zaplatte-pohotovost/")
	if c := browsertest.Text(t, tab, "#petition-count"); c != "Podpisů: 1 z 1\u00a0000" {
		t.Errorf("Czech counter: %q", c)
	}
	assertAxe(t, tab, "Czech petition page")
	browsertest.Navigate(t, tab, base+"/petitions/on-call-pay/embed?lang=cs")
	if c := browsertest.Text(t, tab, "#petition-count"); c != "Podpisů: 1 z 1\u00a0000" {
		t.Errorf("embed counter: %q", c)
	}
	assertAxe(t, tab, "embed page")

	// Closed early by an organiser: the result, no form.
	if err := a.Petitions.CloseEarly(context.Background(), &auth.Account{ID: "organiser"}, "on-call-pay"); err != nil {
		t.Fatal(err)
	}
	browsertest.Navigate(t, tab, base+page)
	if m := browsertest.Text(t, tab, "#petition-closed"); m != "Signing has closed. Signatures: 1 (the goal was 1,000)." {
		t.Errorf("closed: %q", m)
	}
	if n := browsertest.Count(t, tab, "form.petition-form"); n != 0 {
		t.Error("the form is shown after closing")
	}
	assertAxe(t, tab, "closed petition page")
	browsertest.AssertNoForeignRequests(t, tab, strings.TrimPrefix(base, "http://"))
}
