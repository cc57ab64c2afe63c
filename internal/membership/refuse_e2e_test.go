package membership

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"unionhall/internal/browsertest"
	"unionhall/internal/db"
	"unionhall/internal/dbtest"
)

// TestBrowserTooLargeUpload: a person without JavaScript uploads a photo
// over the limit. The browser gets a readable answer (413, not a reset):
// the form again, everything typed above the upload kept (hostile text as
// text), the upload named as too large, and no axe violations. Nothing is
// stored.
func TestBrowserTooLargeUpload(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ctx := browsertest.Start(t).TabNoJS(t)
		p := filepath.Join(t.TempDir(), "podpis.png")
		if err := os.WriteFile(p, append(testPNG(t), make([]byte, 5<<20)...), 0o600); err != nil {
			t.Fatal(err)
		}
		browsertest.Navigate(t, ctx, e.srv.URL+"/cs/join/")
		fillForm(t, ctx, "cs")
		browsertest.SetValue(t, ctx, "#f-address", hostileScript)
		browsertest.SetValue(t, ctx, "#f-city", hostileRTL)
		chooseSign(t, ctx, "upload")
		if _, err := chromedp.Run(ctx, chromedp.SetUploadFiles(chromedp.CSS("#f-signature_file"), []string{p})); err != nil {
			t.Fatal(err)
		}
		e.clock.Add(10 * time.Second)
		resp := browsertest.ClickNavigate(t, ctx, "button.join-submit")
		if resp == nil || resp.Status != 413 {
			t.Fatalf("too large upload: response %+v", resp)
		}
		if txt := browsertest.Text(t, ctx, "#join-notice"); !strings.Contains(txt, "Formulář byl příliš velký") {
			t.Errorf("notice: %q", txt)
		}
		if txt := browsertest.Text(t, ctx, "#err-signature"); txt != T("cs", "err.signature.too_large") {
			t.Errorf("signature error: %q", txt)
		}
		for sel, want := range map[string]string{"#f-address": hostileScript, "#f-city": hostileRTL,
			"#f-last_name": "Dvořáková", "#f-email": "jana.dvorakova@posta.example", "#f-company_name": "Kvádr Software s.r.o."} {
			if got := browsertest.Value(t, ctx, sel); got != want {
				t.Errorf("%s = %q, want %q kept", sel, got, want)
			}
		}
		if !browsertest.Eval[bool](t, ctx, `document.getElementById("f-statutes").checked`) {
			t.Error("statutes box not kept")
		}
		browsertest.AssertAxeClean(t, ctx, "form refused as too large")
		if n := e.count(`SELECT count(*) FROM applications`); n != 0 {
			t.Fatalf("stored %d applications", n)
		}
	})
}
