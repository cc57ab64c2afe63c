package petitions_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"unionhall/internal/browsertest"
	"unionhall/internal/db"
	"unionhall/internal/dbtest"
	"unionhall/internal/petitions"
)

// TestConsolePetitionsInBrowser: an organiser in Chromium with JavaScript
// off opens the petitions, the petition page (chart, tables, signers),
// meets the message form's error summary, previews and sends a message,
// closes the petition early through its confirmation, reopens it, and
// exports the delivery PDF — a real download, whose text holds the named
// signers only. Every page is axe-clean, in both languages, on both
// databases.
func TestConsolePetitionsInBrowser(t *testing.T) {
	b := browsertest.Start(t)
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		r := newConsRig(t, d)
		r.seed(t)
		ctx := context.Background()
		for _, lang := range []string{"en", "cs"} {
			email := lang + "-organiser@example.org"
			link, err := r.auth.CreateAccount(ctx, email, []string{petitions.ListPetitions, petitions.ManagePetitions}, nil)
			if err != nil {
				t.Fatal(err)
			}
			tab := b.TabNoJS(t)
			browsertest.Navigate(t, tab, r.srv.URL+"/auth/link?token="+consTokenRE.FindStringSubmatch(link)[1])
			browsertest.ClickNavigate(t, tab, "#signin")
			if err := r.setLang(ctx, email, lang); err != nil {
				t.Fatal(err)
			}
			// The dashboard points to the section with its hint.
			browsertest.Navigate(t, tab, r.srv.URL+"/admin/")
			if got := browsertest.Text(t, tab, `main a[href="/admin/petitions"]`); got != consText(lang, "dash.petitions") {
				t.Errorf("%s dashboard hint: %q", lang, got)
			}
			browsertest.AssertAxeClean(t, tab, lang+" dashboard")
			browsertest.ClickNavigate(t, tab, `nav a[href="/admin/petitions"]`)
			browsertest.AssertAxeClean(t, tab, lang+" petitions list")
			browsertest.ClickNavigate(t, tab, `a[href="/admin/petitions/rent"]`)
			browsertest.AssertAxeClean(t, tab, lang+" petition page")
			if got := browsertest.Text(t, tab, "#confirmed"); got != "9" {
				t.Fatalf("%s confirmed: %q", lang, got)
			}
			if browsertest.Count(t, tab, "svg.chart rect") != 2 {
				t.Errorf("%s: the chart has %d bars", lang, browsertest.Count(t, tab, "svg.chart rect"))
			}

			// The message, half filled: the summary, nothing lost.
			browsertest.Type(t, tab, `[id="subject.en"]`, "Thanks <all>")
			resp := browsertest.ClickNavigate(t, tab, "#preview")
			if resp.Status != 422 || browsertest.Count(t, tab, "#error-summary li") != 3 {
				t.Fatalf("%s half-filled message: %d, %d problems", lang, resp.Status, browsertest.Count(t, tab, "#error-summary li"))
			}
			if got := browsertest.Value(t, tab, `[id="subject.en"]`); got != "Thanks <all>" {
				t.Fatalf("%s: typed subject lost: %q", lang, got)
			}
			browsertest.AssertAxeClean(t, tab, lang+" message with problems")
			browsertest.SetValue(t, tab, `[id="text.en"]`, "We deliver it on Monday.")
			browsertest.SetValue(t, tab, `[id="subject.cs"]`, "Díky všem")
			browsertest.SetValue(t, tab, `[id="text.cs"]`, "Předáme ji v pondělí.")
			if resp := browsertest.ClickNavigate(t, tab, "#preview"); resp.Status != 200 {
				t.Fatalf("%s preview: %d", lang, resp.Status)
			}
			browsertest.AssertAxeClean(t, tab, lang+" message preview")
			if resp := browsertest.ClickNavigate(t, tab, "#send"); resp.Status != 200 || !strings.Contains(browsertest.Location(t, tab), "done=petition_messaged") {
				t.Fatalf("%s send: %d at %s", lang, resp.Status, browsertest.Location(t, tab))
			}
			if got := browsertest.Text(t, tab, "p.notice"); got != consText(lang, "flash.petition_messaged") {
				t.Errorf("%s flash after sending: %q", lang, got)
			}

			// Closing early asks first.
			browsertest.ClickNavigate(t, tab, "#close")
			browsertest.AssertAxeClean(t, tab, lang+" close confirmation")
			if resp := browsertest.ClickNavigate(t, tab, "#confirm-close"); resp.Status != 422 {
				t.Fatalf("%s close without the box: %d", lang, resp.Status)
			}
			browsertest.AssertAxeClean(t, tab, lang+" close without confirming")
			browsertest.Click(t, tab, "#confirm")
			if resp := browsertest.ClickNavigate(t, tab, "#confirm-close"); resp.Status != 200 || !strings.Contains(browsertest.Location(t, tab), "done=petition_closed") {
				t.Fatalf("%s close: %d at %s", lang, resp.Status, browsertest.Location(t, tab))
			}
			browsertest.AssertAxeClean(t, tab, lang+" closed petition")

			// The delivery PDF, downloaded as the organiser would.
			text := consPDFText(t, download(t, tab, "#pdf-"+lang, "petition-rent-"+lang+".pdf"))
			for _, want := range []string{"Ána <script>alert(1)</script>", "Bořek Dvořák", "Јована Јовановић", consText(lang, "pet.pdf.count", "n", "9")} {
				if !strings.Contains(text, want) {
					t.Errorf("%s downloaded pdf lacks %q", lang, want)
				}
			}
			if strings.Contains(text, "Skrytá") || strings.Contains(text, "@example.org") {
				t.Errorf("%s downloaded pdf names someone who did not agree, or an address", lang)
			}

			browsertest.ClickNavigate(t, tab, "#reopen")
			browsertest.AssertAxeClean(t, tab, lang+" reopen confirmation")
			browsertest.Click(t, tab, "#confirm")
			if resp := browsertest.ClickNavigate(t, tab, "#confirm-reopen"); resp.Status != 200 || !strings.Contains(browsertest.Location(t, tab), "done=petition_reopened") {
				t.Fatalf("%s reopen: %d", lang, resp.Status)
			}
			browsertest.AssertNoForeignRequests(t, tab, r.srv.Listener.Addr().String())
		}
	})
}

// download clicks sel (a form's button answered with an attachment) and
// returns the file the browser saved as name, polling with a deadline.
func download(t *testing.T, tab context.Context, sel, name string) []byte {
	t.Helper()
	dir := t.TempDir()
	// The tab's own browser context: downloads are allowed there only.
	if _, err := chromedp.CallBrowser(tab, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dir, BrowserContextID: chromedp.FromContext(tab).BrowserContextID}); err != nil {
		t.Fatalf("allow downloads: %v", err)
	}
	browsertest.Click(t, tab, sel)
	path := filepath.Join(dir, name)
	deadline := time.Now().Add(browsertest.ActionTimeout)
	for time.Now().Before(deadline) {
		// Chromium writes to a .crdownload file and renames it when done.
		if b, err := os.ReadFile(path); err == nil && strings.HasSuffix(strings.TrimSpace(string(b)), "%%EOF") {
			return b
		}
		time.Sleep(20 * time.Millisecond)
	}
	entries, _ := os.ReadDir(dir)
	t.Fatalf("no download %s (found %v)", name, entries)
	return nil
}

// setLang sets the console language of the account with email.
func (r *consRig) setLang(ctx context.Context, email, lang string) error {
	as, err := r.auth.Accounts(ctx)
	if err != nil {
		return err
	}
	for _, a := range as {
		if a.Email == email {
			return r.auth.SetAccountLang(ctx, a.ID, lang)
		}
	}
	return os.ErrNotExist
}
