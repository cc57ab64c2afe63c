package membership

import (
	"bytes"
	"context"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"unionhall/internal/browsertest"
	"unionhall/internal/db"
	"unionhall/internal/dbtest"
	"unionhall/internal/mailtest"
	"unionhall/internal/testenv"
)

var errRE = regexp.MustCompile(`id="err-[a-z_]+">[^<]*|class="join-notice"[^<]*<p>[^<]*`)

func TestMain(m *testing.M) { browsertest.Main(m) }

// fillForm fills every field of the form as a person would.
func fillForm(t *testing.T, ctx context.Context, lang string) {
	t.Helper()
	browsertest.Type(t, ctx, "#f-email", "jana.dvorakova@posta.example")
	browsertest.Type(t, ctx, "#f-phone_number", "601 234 567")
	browsertest.SetValue(t, ctx, "#f-local", lang)
	browsertest.Type(t, ctx, "#f-first_name", "Jana")
	browsertest.Type(t, ctx, "#f-last_name", "Dvořáková")
	browsertest.SetValue(t, ctx, "#f-date_of_birth", "1990-05-31")
	browsertest.Type(t, ctx, "#f-address", "Křižíkova 12")
	browsertest.Type(t, ctx, "#f-city", "Praha")
	browsertest.Type(t, ctx, "#f-postal_code", "18600")
	// Typing into a field with a <datalist> opens the browser's suggestion
	// list, which may swallow the next click; moving on with Tab, as a
	// keyboard user does, closes it.
	browsertest.Type(t, ctx, "#f-company_name", "Kvádr Software s.r.o.")
	browsertest.PressKey(t, ctx, kb.Tab)
	browsertest.Type(t, ctx, "#f-occupation", "Tester")
	browsertest.PressKey(t, ctx, kb.Tab)
	// The focus is on the statutes box now: Space ticks it.
	browsertest.PressKey(t, ctx, " ")
	if !browsertest.Eval[bool](t, ctx, `document.getElementById("f-statutes").checked`) {
		t.Fatalf("statutes box not ticked; focus on %.80q", browsertest.Focused(t, ctx))
	}
}

// chooseSign picks a way of signing by clicking its label, as a person
// does, and checks that the choice took.
func chooseSign(t *testing.T, ctx context.Context, method string) {
	t.Helper()
	// Chromium's own autofill suggestion popup (the fields carry
	// autocomplete hints) can swallow a click that closes it; a person
	// clicks again, so do we, a bounded number of times.
	for range 3 {
		browsertest.Click(t, ctx, "label[for=f-sign-"+method+"]")
		if browsertest.Eval[bool](t, ctx, `document.getElementById("f-sign-`+method+`").checked`) {
			return
		}
	}
	t.Fatalf("sign method %s not chosen", method)
}

func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		testenv.SkipOrFail(t, "pdftotext not found (Debian: apt-get install poppler-utils)")
	}
	p := filepath.Join(t.TempDir(), "a.pdf")
	if err := os.WriteFile(p, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-enc", "UTF-8", p, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

// TestBrowserDrawnSignature is the whole flow as an applicant meets it:
// form, drawn signature, email with the PDF, Confirm, committee notice.
func TestBrowserDrawnSignature(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		smtp := mailtest.Start(t)
		e := newEnvSMTP(t, d, smtp)
		b := browsertest.Start(t)
		ctx := b.Tab(t)

		browsertest.Navigate(t, ctx, e.srv.URL+"/cs/join/")
		browsertest.AssertAxeClean(t, ctx, "join form")
		// The error state: submit an empty form.
		e.clock.Add(10 * time.Second)
		browsertest.ClickNavigate(t, ctx, "button.join-submit")
		if n := browsertest.Count(t, ctx, "#error-summary li"); n < 8 {
			t.Fatalf("error summary has %d entries", n)
		}
		if got := browsertest.Focused(t, ctx); !strings.Contains(got, "error-summary") {
			t.Errorf("focus after errors is on %.80q, want the error summary", got)
		}
		browsertest.AssertAxeClean(t, ctx, "join form with errors")

		browsertest.Navigate(t, ctx, e.srv.URL+"/cs/join/")
		fillForm(t, ctx, "cs")
		browsertest.WaitVisible(t, ctx, "#signature-pad")
		browsertest.Draw(t, ctx, "#signature-pad", []browsertest.Point{{X: 30, Y: 100}, {X: 60, Y: 40}, {X: 90, Y: 120}, {X: 140, Y: 50}, {X: 200, Y: 110}, {X: 260, Y: 60}})
		if v := browsertest.Value(t, ctx, "#f-signature_data"); !strings.HasPrefix(v, "data:image/png;base64,") {
			t.Fatalf("drawing not kept in the hidden field: %.40q", v)
		}
		e.clock.Add(20 * time.Second)
		resp := browsertest.ClickNavigate(t, ctx, "button.join-submit")
		if resp.Status != 303 && resp.Status != 200 {
			t.Logf("submit response: %d %q", resp.Status, errRE.FindAllString(browsertest.HTML(t, ctx), -1))
		}
		if loc := browsertest.Location(t, ctx); !strings.HasSuffix(loc, "/cs/join/sent/") {
			t.Fatalf("after submit at %s: %s", loc, errRE.FindAllString(browsertest.HTML(t, ctx), -1))
		}
		if txt := browsertest.Text(t, ctx, "main"); !strings.Contains(txt, "Zkontrolujte e-mail") {
			t.Fatalf("check-your-email page: %q", txt)
		}
		browsertest.AssertAxeClean(t, ctx, "check your email")
		// Chromium itself asks its autofill server about forms (refused by
		// the harness's proxy); that is the browser, not our page.
		for _, fr := range browsertest.ForeignRequests(ctx, "127.0.0.1") {
			if !strings.Contains(fr, "content-autofill.googleapis.com") {
				t.Errorf("the page requested %s", fr)
			}
		}

		e.runJobs() // PDF, then the email
		e.runJobs()
		msgs := smtp.WaitFor(t, 1, 10*time.Second)
		m := msgs[0]
		if len(m.To) != 1 || m.To[0] != "jana.dvorakova@posta.example" {
			t.Fatalf("to %v", m.To)
		}
		if len(m.Attachments) != 1 || m.Attachments[0].Name != "Dvorakova_Jana_application.pdf" {
			t.Fatalf("attachments %+v", m.Attachments)
		}
		if txt := pdfText(t, m.Attachments[0].Data); !strings.Contains(txt, "Dvořáková") || !strings.Contains(txt, "Kvádr Software") {
			t.Errorf("PDF text lacks the name with diacritics:\n%s", txt)
		}
		link := linkRE.FindString(m.Text)
		if link == "" {
			t.Fatalf("no link in %q", m.Text)
		}
		browsertest.Navigate(t, ctx, link)
		if n := e.count(`SELECT count(*) FROM applications WHERE state = 'unverified'`); n != 1 {
			t.Fatal("opening the link changed the state")
		}
		browsertest.AssertAxeClean(t, ctx, "confirm page")
		browsertest.ClickNavigate(t, ctx, "main form button[type=submit]")
		if txt := browsertest.Text(t, ctx, "main"); !strings.Contains(txt, "Děkujeme, e-mail je potvrzený") {
			t.Fatalf("confirmation page: %q", txt)
		}
		browsertest.AssertAxeClean(t, ctx, "confirmation page")
		if n := e.count(`SELECT count(*) FROM applications WHERE state = 'processing'`); n != 1 {
			t.Fatal("state is not processing")
		}
		e.runJobs()
		msgs = smtp.WaitFor(t, 2, 10*time.Second)
		notice := msgs[1]
		if notice.To[0] != "vybor@spojka.example" || !strings.Contains(notice.Text, "/admin/applications/") {
			t.Fatalf("notice: %v %q", notice.To, notice.Text)
		}
		for _, pd := range []string{"Jana", "Dvořáková", "posta.example", "601", "234", "Kvádr", "1990", "Praha", "Křižíkova"} {
			if bytes.Contains(notice.Raw, []byte(pd)) {
				t.Errorf("committee notice contains %q", pd)
			}
		}
		if len(notice.Attachments) != 0 {
			t.Error("committee notice has attachments")
		}
	})
}

// TestBrowserTypedSignatureNoJS signs by typing, with JavaScript off: the
// draw option is hidden and the form still works.
func TestBrowserTypedSignatureNoJS(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		smtp := mailtest.Start(t)
		e := newEnvSMTP(t, d, smtp)
		ctx := browsertest.Start(t).TabNoJS(t)
		browsertest.Navigate(t, ctx, e.srv.URL+"/en/join/")
		if vis := browsertest.Eval[bool](t, ctx, `document.querySelector(".sign-draw").offsetParent !== null`); vis {
			t.Error("draw option visible without JavaScript")
		}
		fillForm(t, ctx, "en")
		chooseSign(t, ctx, "typed")
		browsertest.Type(t, ctx, "#f-typed_name", "Jana Dvořáková")
		// First without the consent box: refused, everything kept.
		e.clock.Add(10 * time.Second)
		browsertest.ClickNavigate(t, ctx, "button.join-submit")
		if txt := browsertest.Text(t, ctx, "#error-summary"); !strings.Contains(txt, "sign electronically") {
			t.Fatalf("summary: %q", txt)
		}
		if v := browsertest.Value(t, ctx, "#f-last_name"); v != "Dvořáková" {
			t.Fatalf("last name not kept: %q", v)
		}
		browsertest.AssertAxeClean(t, ctx, "typed signature error")
		browsertest.Click(t, ctx, "#f-typed_consent")
		browsertest.ClickNavigate(t, ctx, "button.join-submit")
		if loc := browsertest.Location(t, ctx); !strings.HasSuffix(loc, "/en/join/sent/") {
			t.Fatalf("after submit at %s: %s", loc, errRE.FindAllString(browsertest.HTML(t, ctx), -1))
		}
		e.runJobs()
		m := smtp.WaitFor(t, 1, 10*time.Second)[0]
		txt := pdfText(t, m.Attachments[0].Data)
		if !strings.Contains(txt, "Dvořáková") || !strings.Contains(strings.ToLower(txt), "electronic") {
			t.Errorf("PDF of a typed signature:\n%s", txt)
		}
		var typed bool
		d.QueryRow(context.Background(), `SELECT typed_signature FROM applications`).Scan(&typed)
		if !typed {
			t.Error("typed_signature flag not set")
		}
	})
}

// TestBrowserUpload signs with an uploaded photo; a validation error on
// another field keeps the uploaded signature as a preview.
func TestBrowserUpload(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ctx := browsertest.Start(t).Tab(t)
		p := filepath.Join(t.TempDir(), "podpis.png")
		os.WriteFile(p, testPNG(t), 0o600)
		browsertest.Navigate(t, ctx, e.srv.URL+"/cs/join/")
		fillForm(t, ctx, "cs")
		browsertest.SetValue(t, ctx, "#f-email", "jana@bigcorp-example.cz") // an employer address
		chooseSign(t, ctx, "upload")
		if _, err := chromedp.Run(ctx, chromedp.SetUploadFiles(chromedp.CSS("#f-signature_file"), []string{p})); err != nil {
			t.Fatal(err)
		}
		e.clock.Add(10 * time.Second)
		browsertest.ClickNavigate(t, ctx, "button.join-submit")
		if txt := browsertest.Text(t, ctx, "#err-email"); !strings.Contains(txt, "pracovní adresa") {
			t.Fatalf("employer message: %q", txt)
		}
		if n := browsertest.Count(t, ctx, "#panel-upload img.signature-preview"); n != 1 {
			t.Fatalf("uploaded signature not kept as a preview: %q method=%v", errRE.FindAllString(browsertest.HTML(t, ctx), -1),
				browsertest.Eval[string](t, ctx, `(document.querySelector("input[name=sign_method]:checked")||{}).value||""`))
		}
		browsertest.SetValue(t, ctx, "#f-email", "jana.dvorakova@posta.example")
		browsertest.ClickNavigate(t, ctx, "button.join-submit")
		if loc := browsertest.Location(t, ctx); !strings.HasSuffix(loc, "/cs/join/sent/") {
			t.Fatalf("after submit at %s: %s", loc, errRE.FindAllString(browsertest.HTML(t, ctx), -1))
		}
		var sig []byte
		d.QueryRow(context.Background(), `SELECT signature FROM applications`).Scan(&sig)
		if len(sig) == 0 {
			t.Fatal("no signature stored")
		}
	})
}

// TestSMTPDownThenBack: the email arrives once the mail server is back.
func TestSMTPDownThenBack(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		smtp := mailtest.Start(t)
		smtp.SetDown(true)
		e := newEnvSMTP(t, d, smtp, func(dp *Deps) { dp.Settings.RateLimit = 100 })
		if res, body := e.postJSON(apiBody(t, nil)); res.StatusCode != 202 {
			t.Fatalf("%d %s", res.StatusCode, body)
		}
		e.runJobs()
		e.runJobs()
		if smtp.Refused() == 0 || len(smtp.Messages()) != 0 {
			t.Fatalf("refused=%d messages=%d", smtp.Refused(), len(smtp.Messages()))
		}
		smtp.SetDown(false)
		e.clock.Add(2 * time.Minute) // past the back-off
		e.runJobs()
		if got := smtp.WaitFor(t, 1, 10*time.Second); len(got) != 1 || got[0].To[0] != "petr.novak@posta.example" {
			t.Fatalf("after recovery: %d", len(got))
		}
	})
}

// TestRestartBetweenSubmitAndSend: a server stopped right after the 202
// loses nothing; the next one sends the email exactly once.
func TestRestartBetweenSubmitAndSend(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		smtp := mailtest.Start(t)
		first := newEnvSMTP(t, d, smtp, func(dp *Deps) { dp.Settings.RateLimit = 100 })
		if res, _ := first.postJSON(apiBody(t, nil)); res.StatusCode != 202 {
			t.Fatal(res.StatusCode)
		}
		first.srv.Close() // the process dies before any job ran
		// The second process opens the same database with the same key
		// file, as a restarted server does.
		second := restartWith(t, dbtest.Reopen(t, d), smtp, first)
		second.runJobs()
		second.runJobs()
		second.clock.Add(time.Hour)
		second.runJobs()
		msgs := smtp.WaitFor(t, 1, 10*time.Second)
		if len(msgs) != 1 {
			t.Fatalf("messages = %d, want exactly 1", len(msgs))
		}
		if n := second.count(`SELECT count(*) FROM jobs WHERE state <> 'done'`); n != 0 {
			t.Fatalf("%d jobs not done", n)
		}
	})
}

// TestNoPlaintextInDatabase: a stolen database reveals nothing about the
// applicant.
func TestNoPlaintextInDatabase(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		smtp := mailtest.Start(t)
		e := newEnvSMTP(t, d, smtp)
		ts := e.formStamp("/cs/join/")
		v := formValues(t, ts)
		v.Set(FEmail, "zuzana.kovarikova@soukromy.example")
		v.Set(FLastName, "Kovaříková")
		v.Set(FPhone, "+420 731 555 219")
		if res, body := e.postMultipart("/cs/join/", v, nil); res.StatusCode != 303 {
			t.Fatalf("%d %s", res.StatusCode, body)
		}
		e.runJobs()
		e.runJobs()
		m := smtp.WaitFor(t, 1, 10*time.Second)[0]
		token := linkRE.FindStringSubmatch(m.Text)[1]
		if res, _ := e.postForm("/cs/join/confirm", url.Values{"token": {token}}); res.StatusCode != 200 {
			t.Fatal(res.StatusCode)
		}
		e.runJobs()
		raw := dbtest.Raw(t, d)
		for _, s := range []string{"zuzana.kovarikova@soukromy.example", "zuzana.kovarikova", "soukromy.example",
			"Kovaříková", "Kovarikova", "+420731555219", "731555219", "731 555 219", "Křižíkova", token} {
			if bytes.Contains(raw, []byte(s)) {
				t.Errorf("the database contains %q", s)
			}
		}
	})
}

// restartWith builds a second server process on d2 sharing the first's
// key and clock, as a restarted server would.
func restartWith(t *testing.T, d2 *db.DB, smtp *mailtest.Server, first *testEnv) *testEnv {
	t.Helper()
	return newEnvFull(t, d2, smtp, first.keys, first.clock)
}
