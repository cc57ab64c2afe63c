package admin_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"unionhall/internal/admin"
	"unionhall/internal/auth"
	"unionhall/internal/db"
	"unionhall/internal/dbtest"
	"unionhall/internal/members"
)

// send makes a request with an Accept-Language header ("" sends none) and
// returns the status, the body (or the Location of a redirect) and the
// Content-Language.
func send(t *testing.T, c *http.Client, method, u, acceptLang string, form url.Values) (int, string, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if acceptLang != "" {
		req.Header.Set("Accept-Language", acceptLang)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == http.StatusSeeOther {
		return resp.StatusCode, resp.Header.Get("Location"), resp.Header.Get("Content-Language")
	}
	return resp.StatusCode, string(b), resp.Header.Get("Content-Language")
}

func mustContain(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("%s lacks %q\n%.1500s", what, w, body)
		}
	}
}

func mustNotContain(t *testing.T, what, body string, bad ...string) {
	t.Helper()
	for _, w := range bad {
		if strings.Contains(body, w) {
			t.Errorf("%s has %q", what, w)
		}
	}
}

// TestConsoleSpeaksCzechAndEnglish: the console follows Accept-Language
// (Czech for cs, English for en, English when nothing fits), with
// <html lang> to match, Czech plurals, translated states, flashes, errors
// and audit actions.
func TestConsoleSpeaksCzechAndEnglish(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		r := newRig(t, d)
		ctx := context.Background()
		boss, _ := r.login(t, "boss@example.org", auth.Roles, nil)
		r.addApplication(t, admin.StateProcessing, applicant("Jana", "Dvořáková", "jana@example.org"))
		r.addApplication(t, admin.StateProcessing, applicant("Petr", "Novák", "petr@example.org"))
		r.addApplication(t, admin.StateProcessing, applicant("Eva", "Malá", "eva@example.org"))
		member, _, err := r.reg.AddMember(ctx, super, members.MemberData{FirstName: "Olga", LastName: "Veselá", Email: "olga@example.org"}, "", 0, false)
		if err != nil {
			t.Fatal(err)
		}
		base := r.srv.URL

		code, body, cl := send(t, boss, "GET", base+"/admin/applications", "cs-CZ,cs;q=0.9,en;q=0.8", nil)
		if code != 200 || cl != "cs" {
			t.Fatalf("cs applications: %d, Content-Language %q", code, cl)
		}
		mustContain(t, "cs applications", body, `<html lang="cs"`, "Přihlášky: ke zpracování", ">Přehled<", "ke zpracování (3)",
			"V tomto stavu jsou 3 přihlášky.", "Zaměstnavatel", "Odhlásit se", "Dvořáková")
		mustNotContain(t, "cs applications", body, "Sign out", "Employer", "processing (3)")

		code, body, cl = send(t, boss, "GET", base+"/admin/applications", "en-GB,en;q=0.9", nil)
		if code != 200 || cl != "en" {
			t.Fatalf("en applications: %d, Content-Language %q", code, cl)
		}
		mustContain(t, "en applications", body, `<html lang="en"`, "Applications: processing", "processing (3)",
			"3 applications in this state.", "Employer", "Sign out")
		mustNotContain(t, "en applications", body, "Přihlášky", "Odhlásit")

		for _, h := range []string{"", "de-DE,fr;q=0.5"} {
			if _, body, _ = send(t, boss, "GET", base+"/admin/", h, nil); !strings.Contains(body, `<html lang="en"`) || !strings.Contains(body, "Dashboard") {
				t.Errorf("Accept-Language %q: not the English fallback", h)
			}
		}

		// Member page: category, flash, timeline in Czech; plural count
		// on the list.
		_, body, _ = send(t, boss, "GET", base+"/admin/members/"+member+"?done=saved", "cs", nil)
		mustContain(t, "cs member", body, "Členské číslo", "Uloženo.", "Člen založen", "nový", "Zaznamenat odchod")
		_, body, _ = send(t, boss, "GET", base+"/admin/members/"+member+"?done=saved", "en", nil)
		mustContain(t, "en member", body, "Member number", "Saved.", "Member created by", "Record leaving")
		_, body, _ = send(t, boss, "GET", base+"/admin/members", "cs", nil)
		mustContain(t, "cs members", body, "1 člen.", "všichni")

		// A state change in the timeline names the states in Czech.
		app := r.addApplication(t, admin.StateProcessing, applicant("Ivo", "Rychlý", "ivo@example.org"))
		if code, _, _ = send(t, boss, "POST", base+"/admin/applications/"+app+"/reject", "cs", url.Values{}); code != 303 {
			t.Fatalf("reject: %d", code)
		}
		_, body, _ = send(t, boss, "GET", base+"/admin/applications/"+app, "cs", nil)
		mustContain(t, "cs application", body, "Stav: <strong id=\"state\">zamítnutá</strong>", "Přihláška zamítnuta, provedl(a) boss@example.org (ke zpracování → zamítnutá)")

		// The audit trail keeps its codes and shows labels.
		_, body, _ = send(t, boss, "GET", base+"/admin/audit", "cs", nil)
		mustContain(t, "cs audit", body, "Karta člena otevřena", "(member.view)", "Činnost")

		// What to fix, in Czech; what was wrong, kept out of the URL.
		code, body, _ = send(t, boss, "POST", base+"/admin/members/new", "cs", url.Values{"first_name": {""}})
		if code != 422 {
			t.Fatalf("empty member: %d", code)
		}
		mustContain(t, "cs validation", body, "Člen musí mít jméno", "<title>Chyba: Přidat člena", "Opravte prosím:", `<html lang="cs"`)
		code, body, _ = send(t, boss, "POST", base+"/admin/members/new", "cs", url.Values{"first_name": {"a\x00b"}})
		if code != 422 {
			t.Fatalf("control character: %d", code)
		}
		mustContain(t, "cs field error", body, "Jméno: Obsahuje neviditelný řídicí znak", "value=\"a\uFFFDb\"")

		// A wrong-state action explains itself in Czech.
		if code, _, _ = send(t, boss, "POST", base+"/admin/members/"+member+"/onboarded", "cs", url.Values{}); code != 303 {
			t.Fatalf("onboarded: %d", code)
		}
		code, body, _ = send(t, boss, "POST", base+"/admin/members/"+member+"/onboarded", "cs", url.Values{})
		if code != 409 {
			t.Fatalf("onboarded twice: %d", code)
		}
		mustContain(t, "cs wrong state", body, "V současném stavu záznamu tento úkon nelze provést")

		// A permission refusal in Czech.
		nobody, _ := r.login(t, "nobody@example.org", nil, nil)
		code, body, _ = send(t, nobody, "GET", base+"/admin/members", "cs", nil)
		if code != 403 {
			t.Fatalf("no roles: %d", code)
		}
		mustContain(t, "cs forbidden", body, "Na tuto stránku nemáte oprávnění.", "Přístup odepřen")
	})
}

// TestAccountLanguageOverridesBrowser: the language saved on the account
// page wins over Accept-Language on every console page and on the account
// page itself; "follow the browser" hands the choice back.
func TestAccountLanguageOverridesBrowser(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		r := newRig(t, d)
		boss, acct := r.login(t, "boss@example.org", auth.Roles, nil)
		base := r.srv.URL

		code, loc, _ := send(t, boss, "POST", base+"/auth/account/lang", "en", url.Values{"lang": {"cs"}})
		if code != 303 || loc != "/auth/account?done=lang" {
			t.Fatalf("save cs: %d %q", code, loc)
		}
		if got, err := r.auth.AccountLang(context.Background(), acct.ID); err != nil || got != "cs" {
			t.Fatalf("stored language %q, %v", got, err)
		}
		_, body, cl := send(t, boss, "GET", base+"/admin/", "en-US,en;q=0.9", nil)
		if cl != "cs" {
			t.Errorf("Content-Language %q", cl)
		}
		mustContain(t, "dashboard with saved cs", body, `<html lang="cs"`, "Přehled", "Odhlásit se všude")
		_, body, _ = send(t, boss, "GET", base+"/auth/account?done=lang", "en", nil)
		mustContain(t, "account page with saved cs", body, `<html lang="cs"`, "Váš účet", "Jazyk je uložený.", `<option value="cs" lang="cs" selected>`)

		// An unknown language is refused in the account's language.
		code, body, _ = send(t, boss, "POST", base+"/auth/account/lang", "en", url.Values{"lang": {"de"}})
		if code != 400 {
			t.Fatalf("save de: %d", code)
		}
		mustContain(t, "bad language", body, "Vyberte jeden z nabízených jazyků.")

		// English saved: an English console in a Czech browser.
		send(t, boss, "POST", base+"/auth/account/lang", "cs", url.Values{"lang": {"en"}})
		_, body, _ = send(t, boss, "GET", base+"/admin/", "cs", nil)
		mustContain(t, "dashboard with saved en", body, `<html lang="en"`, "Dashboard")

		// Back to following the browser.
		send(t, boss, "POST", base+"/auth/account/lang", "cs", url.Values{"lang": {""}})
		_, body, _ = send(t, boss, "GET", base+"/admin/", "cs", nil)
		mustContain(t, "dashboard following the browser", body, `<html lang="cs"`)
		_, body, _ = send(t, boss, "GET", base+"/admin/", "en", nil)
		mustContain(t, "dashboard following the browser", body, `<html lang="en"`)

		// Another account's choice is its own.
		other, _ := r.login(t, "other@example.org", auth.Roles, nil)
		send(t, boss, "POST", base+"/auth/account/lang", "en", url.Values{"lang": {"cs"}})
		if _, body, _ = send(t, other, "GET", base+"/admin/", "en", nil); !strings.Contains(body, `<html lang="en"`) {
			t.Error("one account's language leaked to another")
		}
	})
}
