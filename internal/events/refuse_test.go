package events

import (
	"context"
	"errors"
	"html"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"unionhall/internal/db"
	"unionhall/internal/dbtest"
)

// Hostile values: they must come back exactly as typed (escaped inside
// value="…"), never as markup.
const (
	hostileScript = `<script>alert(1)</script>`
	hostileRTL    = "Ja\u202Ena"
)

// postBody posts an URL-encoded body as given, so the fields keep the
// order a browser sends them in (url.Values.Encode sorts them).
func postBody(t testing.TB, u, body string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Post(u, "application/x-www-form-urlencoded", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// pairs encodes name, value pairs in the order given.
func pairs(kv ...string) string {
	var b strings.Builder
	for i := 0; i+1 < len(kv); i += 2 {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(kv[i]) + "=" + url.QueryEscape(kv[i+1]))
	}
	return b.String()
}

// inputValue returns the unescaped value of the input called name.
func inputValue(page, name string) (string, bool) {
	m := regexp.MustCompile(`name="` + regexp.QuoteMeta(name) + `"[^>]*? value="([^"]*)"`).FindStringSubmatch(page)
	if m == nil {
		return "", false
	}
	return html.UnescapeString(m[1]), true
}

// checkPage checks a refusal: status, a page of the site's layout in lang,
// msg shown, hostile text escaped, and the inputs in kept as typed.
func checkPage(t *testing.T, what string, resp *http.Response, body string, status int, lang, msg string, kept map[string]string) {
	t.Helper()
	if resp.StatusCode != status {
		t.Errorf("%s: status %d, want %d", what, resp.StatusCode, status)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("%s: Content-Type %q, want a page", what, ct)
	}
	if !strings.Contains(body, `<html lang="`+lang+`"`) || !strings.Contains(body, `<main id="main"`) || !strings.Contains(body, `class="site-header"`) {
		t.Errorf("%s: not a page of the site's layout in %s", what, lang)
	}
	if !strings.Contains(body, template.HTMLEscapeString(msg)) {
		t.Errorf("%s: message %q missing", what, msg)
	}
	if strings.Contains(body, hostileScript) {
		t.Errorf("%s: hostile text not escaped", what)
	}
	for name, v := range kept {
		if got, ok := inputValue(body, name); !ok || got != v {
			t.Errorf("%s: %s = %q (found %v), want %q kept", what, name, got, ok, v)
		}
	}
}

func countRegs(t testing.TB, d *db.DB) int {
	t.Helper()
	var n int
	if err := d.QueryRow(context.Background(), `SELECT COUNT(*) FROM event_registrations`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestRegisterRefusalsKeepInput: a registration refused for its size, the
// rate limit or a failing database is the form again in the site's
// layout, in the page's language, saying nothing was saved, with what was
// typed kept; nothing is stored.
func TestRegisterRefusalsKeepInput(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, nil)
		ctx := context.Background()
		en := e.event("id:small", "en")
		if resp, _ := post(t, e.srv.URL+RegisterURL(en.Page), goodForm()); resp.StatusCode != 200 {
			t.Fatalf("first registration: %d", resp.StatusCode)
		}
		for _, lang := range []string{"en", "cs"} {
			// This client (the test's loopback address) has used its one
			// registration of the hour.
			e.svc.limit = newLimiter(1, time.Hour)
			e.svc.limit.allow("127.0.0.1", e.clock.Now())
			ev := e.event("id:small", lang)
			u := e.srv.URL + RegisterURL(ev.Page)
			noteLabel := ev.Questions[1].label(lang)

			// Over the size limit: the fields before the cut are kept, the
			// answer that was too long is named with its limit.
			name := hostileScript + " " + hostileRTL
			big := pairs("name", name, "email", "jana."+lang+"@example.org", "lang", "cs", "q_diet", "2") +
				"&q_note=" + strings.Repeat("x", 200<<10) + "&" + pairs("website", "", "consent", "yes")
			resp, body := postBody(t, u, big)
			what := lang + "/too large"
			checkPage(t, what, resp, body, http.StatusRequestEntityTooLarge, lang,
				T(lang, "form.error_too_large", "kb", 64, "max", 500),
				map[string]string{"name": name, "email": "jana." + lang + "@example.org"})
			if want := template.HTMLEscapeString(noteLabel + ": " + T(lang, "err.length", "max", 500)); !strings.Contains(body, want) {
				t.Errorf("%s: the long answer is not named: want %q", what, want)
			}
			if !strings.Contains(body, `<option value="2" selected>`) {
				t.Errorf("%s: the chosen option is not kept", what)
			}

			// Rate limited: everything kept, nothing saved. (Text with a
			// bidi override never gets this far: validation refuses it
			// first, see TestRegisterFormBadInput.)
			v := goodForm()
			v.Set("name", hostileScript)
			v.Set("email", "petr."+lang+"@example.org")
			v.Set("q_note", `"quoted" & <b>bold</b>`)
			resp, body = post(t, u, v)
			what = lang + "/rate limited"
			checkPage(t, what, resp, body, http.StatusTooManyRequests, lang, T(lang, "form.error_rate"),
				map[string]string{"name": hostileScript, "email": "petr." + lang + "@example.org", "q_note": `"quoted" & <b>bold</b>`})
			if ra := resp.Header.Get("Retry-After"); ra != "3600" {
				t.Errorf("%s: Retry-After %q", what, ra)
			}

			// The database failing: the same, with a message saying so.
			e.svc.limit = newLimiter(1000, time.Hour)
			if _, err := d.Exec(ctx, `ALTER TABLE event_registrations RENAME TO event_registrations_away`); err != nil {
				t.Fatal(err)
			}
			resp, body = post(t, u, v)
			if _, err := d.Exec(ctx, `ALTER TABLE event_registrations_away RENAME TO event_registrations`); err != nil {
				t.Fatal(err)
			}
			checkPage(t, lang+"/store failure", resp, body, http.StatusServiceUnavailable, lang, T(lang, "form.error_failed"),
				map[string]string{"name": hostileScript, "email": "petr." + lang + "@example.org"})
		}
		if n := countRegs(t, d); n != 1 {
			t.Fatalf("%d registrations, want only the first", n)
		}
		if c := counts(t, e, en.Key); c.Confirmed != 1 || c.Waiting != 0 {
			t.Fatalf("counts %+v", c)
		}
		if n := len(e.mem.all()); n != 1 {
			t.Fatalf("%d emails, want only the first confirmation", n)
		}
	})
}

// failUpdates makes every UPDATE of event_registrations fail until the
// returned function is called: the database refusing a change.
func failUpdates(t *testing.T, d *db.DB) func() {
	t.Helper()
	ctx := context.Background()
	var stmts, undo []string
	if d.Dialect() == db.Postgres {
		stmts = []string{
			`CREATE FUNCTION test_fail_update() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'test: updates refused'; END $$ LANGUAGE plpgsql`,
			`CREATE TRIGGER test_fail_update BEFORE UPDATE ON event_registrations FOR EACH ROW EXECUTE FUNCTION test_fail_update()`,
		}
		undo = []string{`DROP TRIGGER test_fail_update ON event_registrations`, `DROP FUNCTION test_fail_update()`}
	} else {
		stmts = []string{`CREATE TRIGGER test_fail_update BEFORE UPDATE ON event_registrations BEGIN SELECT RAISE(ABORT, 'test: updates refused'); END`}
		undo = []string{`DROP TRIGGER test_fail_update`}
	}
	for _, q := range stmts {
		if _, err := d.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	return func() {
		for _, q := range undo {
			if _, err := d.Exec(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestPersonalPageRefusals: every refusal of the personal page is a page
// of the site in the visitor's language; a change as typed is kept in the
// form; nothing is changed.
func TestPersonalPageRefusals(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, nil)
		ctx := context.Background()
		ev := e.event("id:small", "en")
		o, err := e.svc.Signup(ctx, ev, "en", Registrant{Name: "Owl", Email: "owl@example.org", Answers: map[string]string{"note": "none"}})
		if err != nil {
			t.Fatal(err)
		}
		unchanged := func(what string) {
			t.Helper()
			r, err := e.svc.ByToken(ctx, o.Token)
			if err != nil || r.Status != StatusConfirmed || r.Registrant.Name != "Owl" || r.Lang != "en" || r.Registrant.Answers["note"] != "none" {
				t.Errorf("%s: registration changed: %+v %v", what, r, err)
			}
		}
		for _, lang := range []string{"en", "cs"} {
			me := e.srv.URL + "/" + lang + "/registration/"
			noteLabel := ev.Questions[1].label(lang)

			// Too large: the change as typed is kept, the long answer named.
			name := hostileScript + " " + hostileRTL
			resp, body := postBody(t, me, pairs("t", o.Token, "action", "save", "name", name, "lang", "cs", "q_diet", "1")+
				"&q_note="+strings.Repeat("x", 200<<10))
			what := lang + "/too large"
			checkPage(t, what, resp, body, http.StatusRequestEntityTooLarge, lang,
				T(lang, "form.error_too_large", "kb", 64, "max", 500), map[string]string{"name": name})
			if want := template.HTMLEscapeString(noteLabel + ": " + T(lang, "err.length", "max", 500)); !strings.Contains(body, want) {
				t.Errorf("%s: the long answer is not named: want %q", what, want)
			}
			unchanged(what)

			// Too large before the personal link's token: nothing to show
			// but what happened and what to do.
			resp, body = postBody(t, me, "name="+strings.Repeat("x", 200<<10)+"&"+pairs("t", o.Token, "action", "save"))
			what = lang + "/too large, token lost"
			checkPage(t, what, resp, body, http.StatusRequestEntityTooLarge, lang, T(lang, "me.too_large_lost", "kb", 64), nil)
			unchanged(what)

			// An invalid change: named, kept.
			resp, body = post(t, me, url.Values{"t": {o.Token}, "action": {"save"}, "name": {name}, "lang": {"cs"}})
			what = lang + "/invalid"
			checkPage(t, what, resp, body, http.StatusUnprocessableEntity, lang, T(lang, "err.characters"), map[string]string{"name": name})
			unchanged(what)

			// An unknown action.
			resp, body = post(t, me, url.Values{"t": {o.Token}, "action": {"drop"}})
			what = lang + "/unknown action"
			checkPage(t, what, resp, body, http.StatusBadRequest, lang, T(lang, "me.bad_action"), map[string]string{"name": "Owl"})
			unchanged(what)

			// The database refusing the change or the cancellation.
			restore := failUpdates(t, d)
			resp, body = post(t, me, url.Values{"t": {o.Token}, "action": {"save"}, "name": {hostileScript}, "lang": {"cs"}})
			checkPage(t, lang+"/save failure", resp, body, http.StatusServiceUnavailable, lang, T(lang, "me.error_failed"),
				map[string]string{"name": hostileScript})
			resp, body = post(t, me, url.Values{"t": {o.Token}, "action": {"cancel"}})
			checkPage(t, lang+"/cancel failure", resp, body, http.StatusServiceUnavailable, lang, T(lang, "me.error_failed"), nil)
			restore()
			unchanged(lang + "/failures")

			// The database failing to find the registration at all.
			if _, err := d.Exec(ctx, `ALTER TABLE event_registrations RENAME TO event_registrations_away`); err != nil {
				t.Fatal(err)
			}
			resp, b := get(t, me+"?t="+url.QueryEscape(o.Token))
			if _, err := d.Exec(ctx, `ALTER TABLE event_registrations_away RENAME TO event_registrations`); err != nil {
				t.Fatal(err)
			}
			checkPage(t, lang+"/lookup failure", resp, string(b), http.StatusServiceUnavailable, lang, T(lang, "me.error_failed"), nil)
		}
		if c := counts(t, e, ev.Key); c.Confirmed != 1 {
			t.Fatalf("counts %+v", c)
		}
		if n := len(e.mem.all()); n != 1 {
			t.Fatalf("%d emails, want only the confirmation", n)
		}
	})
}

// TestRegistrationLockedAfterEvent: once the event has ended (the injected
// clock past its end), the personal page offers no changes and says why,
// and a change or a cancellation posted anyway is refused (409) in the
// visitor's language without changing anything — also through the store
// API directly. A minute before the end both still work.
func TestRegistrationLockedAfterEvent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, nil)
		ctx := context.Background()
		ev := e.event("id:small", "en")
		end := ev.Page.End()
		if end.IsZero() {
			t.Fatal("the test event has no end")
		}
		owl, err := e.svc.Signup(ctx, ev, "en", Registrant{Name: "Owl", Email: "owl@example.org"})
		if err != nil {
			t.Fatal(err)
		}
		late, err := e.svc.Signup(ctx, ev, "en", Registrant{Name: "Late", Email: "late@example.org"})
		if err != nil {
			t.Fatal(err)
		}
		emails := len(e.mem.all())

		// During the event, changing and cancelling still work.
		e.clock.Set(end.Add(-time.Minute))
		if resp, body := post(t, e.srv.URL+"/en/registration/", url.Values{"t": {late.Token}, "action": {"save"}, "name": {"Later"}, "lang": {"en"}}); resp.StatusCode != 200 || !strings.Contains(body, "Your changes are saved.") {
			t.Fatalf("change during the event: %d", resp.StatusCode)
		}
		if resp, _ := post(t, e.srv.URL+"/en/registration/", url.Values{"t": {late.Token}, "action": {"cancel"}}); resp.StatusCode != 200 {
			t.Fatalf("cancel during the event: %d", resp.StatusCode)
		}

		e.clock.Set(end.Add(time.Minute))
		before := counts(t, e, ev.Key)
		for _, lang := range []string{"en", "cs"} {
			me := e.srv.URL + "/" + lang + "/registration/"
			resp, b := get(t, me+"?t="+url.QueryEscape(owl.Token))
			page := string(b)
			if resp.StatusCode != 200 || !strings.Contains(page, template.HTMLEscapeString(T(lang, "me.over"))) {
				t.Errorf("%s: page after the event: %d, want the reason no changes are offered", lang, resp.StatusCode)
			}
			if strings.Contains(page, `value="save"`) || strings.Contains(page, `value="cancel"`) {
				t.Errorf("%s: page after the event still offers a change or cancellation", lang)
			}
			name := hostileScript + " " + hostileRTL
			for action, v := range map[string]url.Values{
				"save":   {"t": {owl.Token}, "action": {"save"}, "name": {name}, "lang": {"cs"}},
				"cancel": {"t": {owl.Token}, "action": {"cancel"}},
			} {
				what := lang + "/" + action + " after the event"
				resp, body := post(t, me, v)
				checkPage(t, what, resp, body, http.StatusConflict, lang, T(lang, "me.event_over"), nil)
				if strings.Contains(body, `value="save"`) || strings.Contains(body, `value="cancel"`) {
					t.Errorf("%s: the refusal offers the forms again", what)
				}
			}
		}
		if _, err := e.svc.Update(ctx, owl.Token, "cs", Registrant{Name: "Renamed"}); !errors.Is(err, ErrEventOver) {
			t.Errorf("Update after the event: %v, want ErrEventOver", err)
		}
		if _, err := e.svc.Cancel(ctx, owl.Token); !errors.Is(err, ErrEventOver) {
			t.Errorf("Cancel after the event: %v, want ErrEventOver", err)
		}
		r, err := e.svc.ByToken(ctx, owl.Token)
		if err != nil || r.Status != StatusConfirmed || r.Registrant.Name != "Owl" || r.Lang != "en" {
			t.Errorf("registration changed after the event: %+v %v", r, err)
		}
		if after := counts(t, e, ev.Key); after != before {
			t.Errorf("counts changed after the event: %+v, were %+v", after, before)
		}
		if n := len(e.mem.all()); n != emails {
			t.Errorf("%d emails sent, want %d", n, emails)
		}
	})
}
