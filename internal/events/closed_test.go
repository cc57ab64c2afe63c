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

// closedText is page.closed as each language shows it.
var closedText = map[string]string{
	"en": "Registration for this event has closed.",
	"cs": "Registrace na tuto akci je uzavřená.",
}

// TestCloseEarlyReachesCachedEventPage: an organiser closing registration
// early (SetClosed, as the console does) takes the "Register" button off
// the public event page at once — although that page was already rendered
// and cached — and the registration page and its POST refuse, in the
// visitor's language. Reopening brings everything back. Real HTTP through
// the site's cache and the events routes, both databases.
func TestCloseEarlyReachesCachedEventPage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, nil)
		ctx := context.Background()
		evs := map[string]Event{"en": e.event("id:small", "en"), "cs": e.event("id:small", "cs")}
		page := func(lang string, inm string) (*http.Response, string) {
			t.Helper()
			req, _ := http.NewRequest(http.MethodGet, e.srv.URL+evs[lang].Page.URL, nil)
			if inm != "" {
				req.Header.Set("If-None-Match", inm)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			return resp, string(b)
		}
		registerHref := func(lang string) string { return `href="` + RegisterURL(evs[lang].Page) + `"` }

		// Open: the button is there, and the page is now in the cache.
		etags := map[string]string{}
		for lang := range evs {
			resp, body := page(lang, "")
			if resp.StatusCode != 200 || !strings.Contains(body, registerHref(lang)) || strings.Contains(body, closedText[lang]) {
				t.Fatalf("%s: open event page: %d, register link %v", lang, resp.StatusCode, strings.Contains(body, registerHref(lang)))
			}
			etags[lang] = resp.Header.Get("Etag")
			if resp, _ := page(lang, etags[lang]); resp.StatusCode != http.StatusNotModified {
				t.Fatalf("%s: event page not served from the cache (revalidation: %d)", lang, resp.StatusCode)
			}
		}

		if err := e.svc.SetClosed(ctx, evs["en"], true); err != nil {
			t.Fatal(err)
		}
		for lang, ev := range evs {
			// A browser revalidating its copy gets the new page, not 304.
			resp, body := page(lang, etags[lang])
			if resp.StatusCode != 200 {
				t.Fatalf("%s: closed event page: %d", lang, resp.StatusCode)
			}
			if strings.Contains(body, registerHref(lang)) || strings.Contains(body, "event-register-link") {
				t.Errorf("%s: the event page still offers registration after closing early", lang)
			}
			if !strings.Contains(body, closedText[lang]) {
				t.Errorf("%s: the event page does not say registration has closed", lang)
			}
			// The registration page: no form, the reason.
			resp, b := get(t, e.srv.URL+RegisterURL(ev.Page))
			if resp.StatusCode != 200 || strings.Contains(string(b), `name="email"`) || !strings.Contains(string(b), closedText[lang]) {
				t.Errorf("%s: registration page of a closed event: %d", lang, resp.StatusCode)
			}
			// The POST: refused with a clear message in the page's language,
			// whether the answers are good or not.
			bad := goodForm()
			bad.Set("email", "")
			for name, v := range map[string]url.Values{"good form": goodForm(), "bad form": bad} {
				resp, body := post(t, e.srv.URL+RegisterURL(ev.Page), v)
				want := T(lang, "form.error_closed")
				if resp.StatusCode != http.StatusConflict || !strings.Contains(body, want) {
					t.Errorf("%s: %s posted to a closed event: %d, want 409 and %q", lang, name, resp.StatusCode, want)
				}
				if strings.Contains(body, `id="error-summary"`) {
					t.Errorf("%s: %s: asked to correct a form that cannot be sent", lang, name)
				}
			}
		}
		if c := counts(t, e, evs["en"].Key); c.Confirmed+c.Waiting != 0 || !c.Closed {
			t.Fatalf("after posts to a closed event: %+v", c)
		}

		// Reopen: the button is back at once, and registering works.
		if err := e.svc.SetClosed(ctx, evs["cs"], false); err != nil {
			t.Fatal(err)
		}
		for lang := range evs {
			_, body := page(lang, "")
			if !strings.Contains(body, registerHref(lang)) || strings.Contains(body, closedText[lang]) {
				t.Errorf("%s: the reopened event page does not offer registration", lang)
			}
		}
		if resp, body := post(t, e.srv.URL+RegisterURL(evs["en"].Page), goodForm()); resp.StatusCode != 200 || !strings.Contains(body, "Check your email") {
			t.Errorf("register after reopening: %d", resp.StatusCode)
		}
		if c := counts(t, e, evs["en"].Key); c.Confirmed != 1 || c.Closed {
			t.Errorf("after reopening and registering: %+v", c)
		}
	})
}

// TestEventExtraClosedByDeadline: past its registration deadline (but
// before it starts) an event page says registration has closed instead of
// offering the button; that needs no database flag.
func TestEventExtraClosedByDeadline(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, nil)
		ev := e.event("content/events/closed/index.md", "en")
		_, b := get(t, e.srv.URL+ev.Page.URL)
		if body := string(b); strings.Contains(body, RegisterURL(ev.Page)) || !strings.Contains(body, closedText["en"]) {
			t.Errorf("event past its deadline: register link %v, closed note %v",
				strings.Contains(body, RegisterURL(ev.Page)), strings.Contains(body, closedText["en"]))
		}
	})
}
