package events

import (
	"context"
	"strings"
	"testing"
	"time"

	"unionhall/internal/browsertest"
	"unionhall/internal/db"
	"unionhall/internal/dbtest"
)

// TestBrowserRefusals: the refusal pages as a browser without JavaScript
// meets them, each checked with axe: a registration with an answer over
// the size limit (the form again, what was typed kept, the answer named),
// the personal page after the event (no forms, the reason), and the page
// for a database failure.
func TestBrowserRefusals(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, nil)
		bctx := browsertest.Start(t).TabNoJS(t)
		ctx := context.Background()
		ev := e.event("id:small", "cs")

		browsertest.Navigate(t, bctx, e.srv.URL+RegisterURL(ev.Page))
		browsertest.SetValue(t, bctx, "#f-name", hostileScript+" "+hostileRTL)
		browsertest.Type(t, bctx, "#f-email", "sova@example.org")
		browsertest.SetValue(t, bctx, "#f-q_note", strings.Repeat("dlouhý text ", 7000))
		browsertest.Click(t, bctx, "#f-consent")
		resp := browsertest.ClickNavigate(t, bctx, "button.register-submit")
		if resp == nil || resp.Status != 413 {
			t.Fatalf("too large: response %+v", resp)
		}
		if txt := browsertest.Text(t, bctx, "main"); !strings.Contains(txt, "Formulář byl příliš dlouhý") {
			t.Errorf("too large: %q", txt)
		}
		if txt := browsertest.Text(t, bctx, "#error-summary"); !strings.Contains(txt, "Anything we should know?") {
			t.Errorf("too large: the long answer not named: %q", txt)
		}
		for sel, want := range map[string]string{"#f-name": hostileScript + " " + hostileRTL, "#f-email": "sova@example.org"} {
			if got := browsertest.Value(t, bctx, sel); got != want {
				t.Errorf("%s = %q, want %q kept", sel, got, want)
			}
		}
		browsertest.AssertAxeClean(t, bctx, "registration refused as too large")
		if n := countRegs(t, d); n != 0 {
			t.Fatalf("stored %d registrations", n)
		}

		o, err := e.svc.Signup(ctx, ev, "cs", Registrant{Name: "Sova", Email: "sova@example.org"})
		if err != nil {
			t.Fatal(err)
		}
		e.clock.Set(ev.Page.End().Add(time.Minute))
		link := strings.Replace(e.svc.PersonalLink("cs", o.Token), "https://spojka.example", e.srv.URL, 1)
		browsertest.Navigate(t, bctx, link)
		if txt := browsertest.Text(t, bctx, "main"); !strings.Contains(txt, T("cs", "me.over")) {
			t.Errorf("personal page after the event: %q", txt)
		}
		if n := browsertest.Count(t, bctx, "main form"); n != 0 {
			t.Errorf("personal page after the event has %d forms", n)
		}
		browsertest.AssertAxeClean(t, bctx, "personal page after the event")

		if _, err := d.Exec(ctx, `ALTER TABLE event_registrations RENAME TO event_registrations_away`); err != nil {
			t.Fatal(err)
		}
		resp = browsertest.Navigate(t, bctx, link)
		if _, err := d.Exec(ctx, `ALTER TABLE event_registrations_away RENAME TO event_registrations`); err != nil {
			t.Fatal(err)
		}
		if resp == nil || resp.Status != 503 {
			t.Fatalf("database failure: response %+v", resp)
		}
		if txt := browsertest.Text(t, bctx, "main"); !strings.Contains(txt, T("cs", "me.error_failed")) {
			t.Errorf("database failure: %q", txt)
		}
		browsertest.AssertAxeClean(t, bctx, "personal page, database failure")
	})
}
