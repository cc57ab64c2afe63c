package events

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"unionhall/internal/db"
	"unionhall/internal/dbtest"
)

func post(t testing.TB, u string, v url.Values) (*http.Response, string) {
	t.Helper()
	resp, err := http.PostForm(u, v)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func goodForm() url.Values {
	return url.Values{"name": {"Jana"}, "email": {"jana@example.org"}, "lang": {"en"}, "consent": {"yes"},
		"q_diet": {"1"}, "q_note": {"none"}}
}

func TestRegisterFormBadInput(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, nil)
		for _, lang := range []string{"en", "cs"} {
			ev := e.event("id:small", lang)
			u := e.srv.URL + RegisterURL(ev.Page)
			long := strings.Repeat("a", 101)
			cases := []struct {
				name, field, value, want string
			}{
				{"empty name", "name", "", map[string]string{"en": "Please fill this in.", "cs": "Vyplňte prosím."}[lang]},
				{"long name", "name", long, map[string]string{"en": "at most 100", "cs": "nejvýše 100"}[lang]},
				{"RTL override", "name", "Jana\u202eevil", map[string]string{"en": "characters we cannot accept", "cs": "znaky, které nemůžeme"}[lang]},
				{"control char", "name", "Ja\x00na", map[string]string{"en": "characters we cannot accept", "cs": "znaky, které nemůžeme"}[lang]},
				{"direction mark", "name", "Jana\u200f", map[string]string{"en": "characters we cannot accept", "cs": "znaky, které nemůžeme"}[lang]},
				{"line separator", "name", "Jana\u2028Evil", map[string]string{"en": "characters we cannot accept", "cs": "znaky, které nemůžeme"}[lang]},
				{"empty email", "email", "", map[string]string{"en": "Please fill this in.", "cs": "Vyplňte prosím."}[lang]},
				{"bad email", "email", "not-an-email", map[string]string{"en": "name@example.org", "cs": "jmeno@example.org"}[lang]},
				{"email with name", "email", "Jana <jana@example.org>", map[string]string{"en": "name@example.org", "cs": "jmeno@example.org"}[lang]},
				{"SQL in email", "email", "x'; DROP TABLE event_registrations;--@example.org", map[string]string{"en": "name@example.org", "cs": "jmeno@example.org"}[lang]},
				{"long email", "email", strings.Repeat("a", 250) + "@example.org", map[string]string{"en": "at most 254", "cs": "nejvýše 254"}[lang]},
				{"unknown language", "lang", "xx", map[string]string{"en": "Choose one of the options.", "cs": "Vyberte jednu"}[lang]},
				{"no consent", "consent", "", map[string]string{"en": "Please agree", "cs": "Bez souhlasu"}[lang]},
				{"bad choice", "q_diet", "7", map[string]string{"en": "Choose one of the options.", "cs": "Vyberte jednu"}[lang]},
				{"choice not a number", "q_diet", "<script>", map[string]string{"en": "Choose one of the options.", "cs": "Vyberte jednu"}[lang]},
				{"long answer", "q_note", strings.Repeat("ž", 501), map[string]string{"en": "at most 500", "cs": "nejvýše 500"}[lang]},
			}
			for _, c := range cases {
				v := goodForm()
				v.Set(c.field, c.value)
				v.Set("name", v.Get("name")) // keep
				if c.field != "name" {
					v.Set("name", "<script>alert(1)</script>")
				}
				resp, body := post(t, u, v)
				if resp.StatusCode != http.StatusUnprocessableEntity {
					t.Errorf("%s/%s: status %d", lang, c.name, resp.StatusCode)
					continue
				}
				if !strings.Contains(body, c.want) {
					t.Errorf("%s/%s: message %q missing", lang, c.name, c.want)
				}
				if !strings.Contains(body, `id="error-summary"`) {
					t.Errorf("%s/%s: no error summary", lang, c.name)
				}
				// Everything typed is kept (escaped).
				if c.field != "name" && !strings.Contains(body, `value="&lt;script&gt;alert(1)&lt;/script&gt;"`) {
					t.Errorf("%s/%s: typed name not kept escaped", lang, c.name)
				}
				if strings.Contains(body, "<script>alert(1)") {
					t.Errorf("%s/%s: script tag echoed raw", lang, c.name)
				}
			}
		}
		var n int
		d.QueryRow(context.Background(), `SELECT COUNT(*) FROM event_registrations`).Scan(&n)
		if n != 0 {
			t.Fatalf("%d registrations stored from bad input", n)
		}
		if len(e.mem.all()) != 0 {
			t.Fatal("emails sent for bad input")
		}

		ev := e.event("id:small", "en")
		u := e.srv.URL + RegisterURL(ev.Page)
		// Oversized body.
		big := goodForm()
		big.Set("q_note", strings.Repeat("x", 200<<10))
		if resp, _ := post(t, u, big); resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("oversized form: %d", resp.StatusCode)
		}
		// Honeypot: answered like success, nothing stored.
		hp := goodForm()
		hp.Set("website", "http://spam.example")
		if resp, body := post(t, u, hp); resp.StatusCode != 200 || !strings.Contains(body, "Check your email") {
			t.Errorf("honeypot: %d", resp.StatusCode)
		}
		d.QueryRow(context.Background(), `SELECT COUNT(*) FROM event_registrations`).Scan(&n)
		if n != 0 {
			t.Fatal("honeypot submission stored")
		}
		// A good one, twice: the same answer both times (no disclosure of
		// who registered), one registration.
		_, first := post(t, u, goodForm())
		_, second := post(t, u, goodForm())
		if !strings.Contains(first, "Check your email") || !strings.Contains(second, "Check your email") {
			t.Fatal("good registration not accepted")
		}
		d.QueryRow(context.Background(), `SELECT COUNT(*) FROM event_registrations`).Scan(&n)
		if n != 1 {
			t.Fatalf("%d registrations after the same email twice", n)
		}
		// PUT is refused.
		req, _ := http.NewRequest(http.MethodPut, u, strings.NewReader(goodForm().Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("PUT: %d", resp.StatusCode)
		}
	})
}

func TestRegisterPagesOfClosedEvents(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, nil)
		for key, want := range map[string]string{
			"content/events/closed/index.md": "Registration for this event has closed.",
			"content/events/past/index.md":   "This event is over.",
		} {
			ev := e.event(key, "en")
			resp, body := get(t, e.srv.URL+RegisterURL(ev.Page))
			if resp.StatusCode != 200 || !strings.Contains(body2(body), want) || strings.Contains(body2(body), `name="email"`) {
				t.Errorf("%s page: %d, want %q and no form", key, resp.StatusCode, want)
			}
			resp, b := post(t, e.srv.URL+RegisterURL(ev.Page), goodForm())
			if resp.StatusCode != http.StatusConflict || !strings.Contains(b, want) {
				t.Errorf("%s post: %d", key, resp.StatusCode)
			}
		}
		// A draft event has no registration page at all.
		draft := e.event("content/events/draft/index.md", "en")
		if resp, _ := get(t, e.srv.URL+RegisterURL(draft.Page)); resp.StatusCode != 404 {
			t.Errorf("draft register page: %d", resp.StatusCode)
		}
		// Nor has an event without internal registration.
		for _, ev := range e.svc.AllEvents() {
			if !ev.Internal && ev.Page.Visible(e.clock.Now()) {
				if resp, _ := get(t, e.srv.URL+RegisterURL(ev.Page)); resp.StatusCode != 404 {
					t.Errorf("%s register page: %d", ev.Key, resp.StatusCode)
				}
			}
		}
		// Full: the page offers the waiting list.
		ev := e.event("id:small", "en")
		for i := range 10 {
			if _, err := e.svc.Signup(context.Background(), ev, "en", person(i)); err != nil {
				t.Fatal(err)
			}
		}
		_, body := get(t, e.srv.URL+RegisterURL(ev.Page))
		if !strings.Contains(string(body), "0 of 10 places free") || !strings.Contains(string(body), "Join the waiting list") {
			t.Error("full event page does not offer the waiting list")
		}
		// Closed early by an organiser.
		if err := e.svc.SetClosed(context.Background(), ev, true); err != nil {
			t.Fatal(err)
		}
		if resp, b := post(t, e.srv.URL+RegisterURL(ev.Page), goodForm()); resp.StatusCode != http.StatusConflict || !strings.Contains(b, "Nothing was saved") {
			t.Errorf("post to an event closed early: %d", resp.StatusCode)
		}
	})
}

func body2(b []byte) string { return string(b) }

func TestPersonalPage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, nil)
		ctx := context.Background()
		online := e.event("content/events/intro-online/index.md", "en")
		o, err := e.svc.Signup(ctx, online, "en", Registrant{Name: "Owl", Email: "owl@example.org"})
		if err != nil {
			t.Fatal(err)
		}
		me := e.srv.URL + "/en/registration/"
		resp, body := get(t, me+"?t="+url.QueryEscape(o.Token))
		if resp.StatusCode != 200 || !strings.Contains(string(body), "https://meet.example.org/union-intro") || !strings.Contains(string(body), "You have a place.") {
			t.Fatalf("personal page: %d", resp.StatusCode)
		}
		if resp.Header.Get("Cache-Control") != "no-store" || resp.Header.Get("Referrer-Policy") != "no-referrer" {
			t.Error("personal page may be cached or leak its URL")
		}
		// Bad tokens.
		for _, tok := range []string{"", "short", strings.Repeat("A", 43), o.Token + "x", "' OR 1=1 --"} {
			resp, body := get(t, me+"?t="+url.QueryEscape(tok))
			if resp.StatusCode != 404 || !strings.Contains(string(body), "This link is not valid") {
				t.Errorf("token %q: %d", tok, resp.StatusCode)
			}
		}
		// A GET cannot cancel.
		get(t, me+"?t="+url.QueryEscape(o.Token)+"&action=cancel")
		if r, _ := e.svc.ByToken(ctx, o.Token); r.Status != StatusConfirmed {
			t.Fatal("GET cancelled the registration")
		}
		// Change with a bad name: error, input kept.
		resp, b := post(t, me, url.Values{"t": {o.Token}, "action": {"save"}, "name": {"Ow\u202el"}, "lang": {"cs"}})
		if resp.StatusCode != 422 || !strings.Contains(b, "characters we cannot accept") {
			t.Errorf("bad change: %d", resp.StatusCode)
		}
		resp, b = post(t, me, url.Values{"t": {o.Token}, "action": {"save"}, "name": {"Big Owl"}, "lang": {"cs"}})
		if resp.StatusCode != 200 || !strings.Contains(b, "Your changes are saved.") {
			t.Errorf("change: %d", resp.StatusCode)
		}
		if r, _ := e.svc.ByToken(ctx, o.Token); r.Registrant.Name != "Big Owl" || r.Lang != "cs" {
			t.Errorf("after change: %+v", r)
		}
		// Unknown action.
		if resp, _ := post(t, me, url.Values{"t": {o.Token}, "action": {"drop"}}); resp.StatusCode != 400 {
			t.Errorf("unknown action: %d", resp.StatusCode)
		}
		// Cancel, then the same link again.
		resp, b = post(t, me, url.Values{"t": {o.Token}, "action": {"cancel"}})
		if resp.StatusCode != 200 || !strings.Contains(b, "Your registration is cancelled.") || strings.Contains(b, "meet.example.org") {
			t.Fatalf("cancel: %d", resp.StatusCode)
		}
		resp, b = post(t, me, url.Values{"t": {o.Token}, "action": {"cancel"}})
		if resp.StatusCode != http.StatusConflict || !strings.Contains(b, "already cancelled") {
			t.Errorf("second cancel: %d", resp.StatusCode)
		}
		resp, body = get(t, me+"?t="+url.QueryEscape(o.Token))
		if resp.StatusCode != 200 || !strings.Contains(string(body), "This registration is cancelled.") || strings.Contains(string(body), "meet.example.org") {
			t.Errorf("cancelled page: %d", resp.StatusCode)
		}
		// Czech page.
		resp, body = get(t, e.srv.URL+"/cs/registration/?t="+url.QueryEscape(o.Token))
		if resp.StatusCode != 200 || !strings.Contains(string(body), "Tato registrace je zrušená.") {
			t.Errorf("Czech personal page: %d", resp.StatusCode)
		}
		if resp, _ := get(t, e.srv.URL+"/xx/registration/?t="+url.QueryEscape(o.Token)); resp.StatusCode != 404 {
			t.Errorf("unknown language: %d", resp.StatusCode)
		}
	})
}
