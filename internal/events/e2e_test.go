package events

import (
	"bytes"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"unionhall/internal/browsertest"
	"unionhall/internal/db"
	"unionhall/internal/dbtest"
	"unionhall/internal/mailtest"
)

func TestMain(m *testing.M) { browsertest.Main(m) }

// TestBrowserRegisterAndCancel is the flow as a person meets it, without
// JavaScript: the example online event's page, its registration page (with
// an error first), the email with its calendar and personal link, the
// personal page with the meeting link, cancelling. Every page passes axe.
func TestBrowserRegisterAndCancel(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		smtp := mailtest.Start(t)
		e := newEnv(t, d, smtp)
		b := browsertest.Start(t)
		ctx := b.TabNoJS(t)
		online := e.event("content/events/intro-online/index.md", "cs")

		browsertest.Navigate(t, ctx, e.srv.URL+online.Page.URL)
		browsertest.AssertAxeClean(t, ctx, "event page")
		if strings.Contains(browsertest.HTML(t, ctx), "meet.example.org") {
			t.Fatal("the public event page shows the meeting link")
		}
		browsertest.ClickNavigate(t, ctx, ".event-register-link a")
		if loc := browsertest.Location(t, ctx); !strings.HasSuffix(loc, RegisterURL(online.Page)) {
			t.Fatalf("register link went to %s", loc)
		}
		if txt := browsertest.Text(t, ctx, "#seats"); !strings.Contains(txt, "30 z 30") {
			t.Errorf("seat count %q", txt)
		}
		browsertest.AssertAxeClean(t, ctx, "registration page")

		// An empty form: errors in Czech, nothing lost.
		browsertest.Type(t, ctx, "#f-email", "sova@example.org")
		browsertest.ClickNavigate(t, ctx, "button.register-submit")
		if n := browsertest.Count(t, ctx, "#error-summary li"); n != 2 {
			t.Fatalf("error summary has %d entries, want 2 (nickname, consent)", n)
		}
		if v := browsertest.Value(t, ctx, "#f-email"); v != "sova@example.org" {
			t.Fatalf("typed email lost: %q", v)
		}
		if !strings.Contains(browsertest.Text(t, ctx, "#error-summary"), "Vyplňte prosím.") {
			t.Error("errors not in Czech")
		}
		browsertest.AssertAxeClean(t, ctx, "registration page with errors")

		browsertest.Type(t, ctx, "#f-name", "Sova")
		browsertest.Click(t, ctx, "#f-consent")
		browsertest.ClickNavigate(t, ctx, "button.register-submit")
		if txt := browsertest.Text(t, ctx, "main"); !strings.Contains(txt, "Zkontrolujte e-mail") {
			t.Fatalf("after registering: %q", txt)
		}
		browsertest.AssertAxeClean(t, ctx, "check your email")

		e.runJobs()
		m := smtp.WaitFor(t, 1, 10*time.Second)[0]
		if m.To[0] != "sova@example.org" || !strings.HasPrefix(m.Subject, "Registrace:") {
			t.Fatalf("confirmation %v %q", m.To, m.Subject)
		}
		if !strings.Contains(m.Text, "https://meet.example.org/union-intro") {
			t.Error("confirmation without the meeting link")
		}
		if len(m.Attachments) != 1 || !strings.HasPrefix(m.Attachments[0].ContentType, "text/calendar") {
			t.Fatalf("confirmation attachments: %+v", m.Attachments)
		}
		cal, err := ics.ParseCalendar(bytes.NewReader(m.Attachments[0].Data))
		if err != nil || len(cal.Events()) != 1 {
			t.Fatalf("attached calendar: %v", err)
		}
		if s, _ := cal.Events()[0].GetStartAt(); !s.Equal(online.Start()) {
			t.Errorf("calendar start %v, want %v", s, online.Start())
		}

		link := strings.Replace(e.svc.PersonalLink("cs", tokenIn(t, m.Text)), "https://spojka.example", e.srv.URL, 1)
		browsertest.Navigate(t, ctx, link)
		if txt := browsertest.Text(t, ctx, "main"); !strings.Contains(txt, "Máte místo.") || !strings.Contains(txt, "https://meet.example.org/union-intro") {
			t.Fatalf("personal page: %q", txt)
		}
		browsertest.AssertAxeClean(t, ctx, "personal page")
		browsertest.ClickNavigate(t, ctx, "button.registration-cancel-button")
		if txt := browsertest.Text(t, ctx, "main"); !strings.Contains(txt, "Vaše registrace je zrušená.") || strings.Contains(txt, "meet.example.org") {
			t.Fatalf("after cancelling: %q", txt)
		}
		browsertest.AssertAxeClean(t, ctx, "cancelled")
		if c := counts(t, e, online.Key); c.Confirmed != 0 {
			t.Fatalf("counts after cancel: %+v", c)
		}
		// The same link again.
		browsertest.Navigate(t, ctx, link)
		if txt := browsertest.Text(t, ctx, "main"); !strings.Contains(txt, "Tato registrace je zrušená.") {
			t.Fatalf("cancelled link: %q", txt)
		}
		// Chromium itself asks its autofill server about forms (refused by
		// the harness's proxy); that is the browser, not our pages.
		for _, fr := range browsertest.ForeignRequests(ctx, "127.0.0.1") {
			if !strings.Contains(fr, "content-autofill.googleapis.com") {
				t.Errorf("the page requested %s", fr)
			}
		}
	})
}
