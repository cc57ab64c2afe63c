package browsertest

import (
	"bytes"
	"fmt"
	"html"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp/kb"
)

func TestMain(m *testing.M) { Main(m) }

const head = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>%s</title>` +
	`<link rel="icon" href="data:,"></head><body><main><h1>%s</h1>`

func page(title, body string) string {
	return fmt.Sprintf(head, title, title) + body + `</main></body></html>`
}

// testSite serves the pages the harness is checked against.
func testSite(t *testing.T) *httptest.Server {
	t.Helper()
	var pixel bytes.Buffer
	img := image.NewRGBA(image.Rect(0, 0, 2, 2))
	img.Set(0, 0, color.Black)
	if err := png.Encode(&pixel, img); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	serve := func(path, body string) {
		mux.HandleFunc("GET "+path, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			// A strict policy like the product's: checks that axe still
			// runs when pages forbid inline scripts.
			if r.URL.Query().Has("csp") {
				w.Header().Set("Content-Security-Policy", "default-src 'self'")
			}
			fmt.Fprint(w, body)
		})
	}
	mux.HandleFunc("GET /pixel.png", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.Write(pixel.Bytes())
	})
	serve("/clean", page("Clean", `<p>Plain text.</p><img src="/pixel.png" alt="A black dot">`))
	serve("/no-alt", page("Missing alt", `<p>Text.</p><img src="/pixel.png">`))
	serve("/foreign", page("Foreign", `<img src="http://198.51.100.1/x.png" alt="x">`+
		`<link rel="stylesheet" href="https://198.51.100.2/style.css">`))
	serve("/nojs", page("Scripts", `<p id="out">no script</p>`+
		`<script>document.getElementById('out').textContent = 'script ran'</script>`))
	serve("/form", page("Form", `<form action="/result" method="get">`+
		`<label for="q">Name</label> <input id="q" name="q">`+
		`<button type="submit">Send</button></form>`))
	mux.HandleFunc("GET /result", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, page("Result", `<p id="got">`+html.EscapeString(r.URL.Query().Get("q"))+`</p>`))
	})
	serve("/keys", page("Keys", `<a id="first" href="/clean">First</a> <a id="second" href="/clean">Second</a>`))
	mux.HandleFunc("GET /set-cookie", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "session", Value: "tab-a", Path: "/"})
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, page("Set", `<p>set</p>`))
	})
	mux.HandleFunc("GET /show-cookie", func(w http.ResponseWriter, r *http.Request) {
		c, _ := r.Cookie("session")
		v := "none"
		if c != nil {
			v = c.Value
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, page("Show", `<p id="cookie">`+html.EscapeString(v)+`</p>`))
	})
	// A signature pad: draws with pointer events and counts them.
	serve("/canvas", page("Canvas", `<canvas id="pad" width="300" height="150" style="border:1px solid #000"
 aria-label="Signature"></canvas>
<script>
window.events = {down: 0, move: 0, up: 0};
const c = document.getElementById('pad'), g = c.getContext('2d');
let drawing = false;
c.addEventListener('pointerdown', e => { events.down++; drawing = true; g.beginPath(); g.moveTo(e.offsetX, e.offsetY); });
c.addEventListener('pointermove', e => { if (!drawing) return; events.move++; g.lineWidth = 3; g.lineTo(e.offsetX, e.offsetY); g.stroke(); });
c.addEventListener('pointerup', e => { events.up++; drawing = false; });
window.inked = () => { const d = g.getImageData(0, 0, c.width, c.height).data; let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i]) n++; return n; };
</script>`))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestAxeFindsMissingAlt(t *testing.T) {
	srv := testSite(t)
	ctx := Start(t).Tab(t)
	Navigate(t, ctx, srv.URL+"/no-alt")
	vs := Axe(t, ctx)
	i := slices.IndexFunc(vs, func(v Violation) bool { return v.ID == "image-alt" })
	if i < 0 {
		t.Fatalf("axe did not report image-alt; got:\n%s", FormatViolations(vs))
	}
	v := vs[i]
	if v.Impact == "" || v.Help == "" || len(v.Nodes) != 1 {
		t.Fatalf("violation lacks detail: %+v", v)
	}
	if n := v.Nodes[0]; !strings.Contains(n.HTML, `src="/pixel.png"`) || len(n.Target) == 0 || n.Target[0] == "" {
		t.Errorf("violation node does not point at the image: %+v", n)
	}
	msg := FormatViolations(vs)
	for _, want := range []string{"image-alt", v.Impact, "pixel.png"} {
		if !strings.Contains(msg, want) {
			t.Errorf("FormatViolations output lacks %q:\n%s", want, msg)
		}
	}
}

func TestAxeCleanPage(t *testing.T) {
	srv := testSite(t)
	ctx := Start(t).Tab(t)
	// With a strict CSP: DevTools evaluation must still inject axe.
	Navigate(t, ctx, srv.URL+"/clean?csp=1")
	AssertAxeClean(t, ctx, "clean page")
	// A second run on the same document reuses the injected axe.
	if vs := Axe(t, ctx); len(vs) != 0 {
		t.Errorf("second axe run found violations:\n%s", FormatViolations(vs))
	}
	AssertNoForeignRequests(t, ctx, "127.0.0.1")
	reqs := Requests(ctx)
	if !slices.Contains(reqs, srv.URL+"/pixel.png") {
		t.Errorf("requests %q lack the page's image", reqs)
	}
}

func TestForeignRequestsRecordedAndRefused(t *testing.T) {
	srv := testSite(t)
	ctx := Start(t).Tab(t)
	Navigate(t, ctx, srv.URL+"/foreign")
	bad := ForeignRequests(ctx, "127.0.0.1")
	for _, want := range []string{"http://198.51.100.1/x.png", "https://198.51.100.2/style.css"} {
		if !slices.Contains(bad, want) {
			t.Errorf("foreign request %s not reported; got %q", want, bad)
		}
	}
	// The refusing proxy saw them: proof they never went to the network.
	refused := RefusedRequests(ctx)
	if !slices.Contains(refused, "http://198.51.100.1/x.png") || !slices.Contains(refused, "https://198.51.100.2:443/") {
		t.Errorf("proxy refused %q, want both foreign requests", refused)
	}
	for _, u := range bad {
		if strings.HasPrefix(u, srv.URL) {
			t.Errorf("own page %s reported as foreign", u)
		}
	}
	// The assertion itself fails on this page.
	rec := &recorder{TB: t}
	AssertNoForeignRequests(rec, ctx, "127.0.0.1")
	if !strings.Contains(rec.errors, "198.51.100.1") {
		t.Errorf("AssertNoForeignRequests did not fail: %q", rec.errors)
	}
}

// recorder captures Errorf so a test can check that an assertion fails.
type recorder struct {
	testing.TB
	errors string
}

func (r *recorder) Errorf(format string, args ...any) { r.errors += fmt.Sprintf(format, args...) }
func (r *recorder) Helper()                           {}

func TestAssertAxeCleanFails(t *testing.T) {
	srv := testSite(t)
	ctx := Start(t).Tab(t)
	Navigate(t, ctx, srv.URL+"/no-alt")
	rec := &recorder{TB: t}
	AssertAxeClean(rec, ctx, "page without alt")
	if !strings.Contains(rec.errors, "page without alt") || !strings.Contains(rec.errors, "image-alt") {
		t.Errorf("AssertAxeClean message lacks the page or rule: %q", rec.errors)
	}
}

func TestIsForeign(t *testing.T) {
	for _, c := range []struct {
		url, allowed string
		want         bool
	}{
		{"http://127.0.0.1:8080/en/", "127.0.0.1", false},
		{"http://127.0.0.1:9999/x", "127.0.0.1:8080", true},
		{"http://127.0.0.1:8080/x", "127.0.0.1:8080", false},
		{"https://fonts.googleapis.com/css", "127.0.0.1", true},
		{"http://LOCALHOST/x", "localhost", false},
		{"http://[::1]:80/", "::1", false},
		{"http://[::1]:80/", "[::1]", false},
		{"data:image/png;base64,AAAA", "127.0.0.1", false},
		{"blob:http://127.0.0.1/uuid", "127.0.0.1", false},
		{"about:blank", "127.0.0.1", false},
		{"ws://198.51.100.1/socket", "127.0.0.1", true},
		{"http://127.0.0.1.evil.example/", "127.0.0.1", true},
		{"http://evil.example/?127.0.0.1", "127.0.0.1", true},
		{"http://%zz/", "127.0.0.1", true},
		{"", "127.0.0.1", true},
	} {
		if got := isForeign(c.url, c.allowed); got != c.want {
			t.Errorf("isForeign(%q, %q) = %v, want %v", c.url, c.allowed, got, c.want)
		}
	}
}

func TestNoJSTab(t *testing.T) {
	srv := testSite(t)
	b := Start(t)

	js := b.Tab(t)
	Navigate(t, js, srv.URL+"/nojs")
	if got := Text(t, js, "#out"); got != "script ran" {
		t.Fatalf("with JS: #out = %q, want the script's text", got)
	}

	noJS := b.TabNoJS(t)
	Navigate(t, noJS, srv.URL+"/nojs?csp=1")
	if got := Text(t, noJS, "#out"); got != "no script" {
		t.Fatalf("without JS: #out = %q, the page script ran", got)
	}
	// DevTools evaluation works where page scripts do not.
	if got := Eval[string](t, noJS, `document.getElementById('out').textContent`); got != "no script" {
		t.Fatalf("Eval in a no-JS tab = %q", got)
	}
	AssertAxeClean(t, noJS, "no-JS page")
	// Axe turned scripts on for itself only: a new load still runs none.
	Navigate(t, noJS, srv.URL+"/nojs")
	if got := Text(t, noJS, "#out"); got != "no script" {
		t.Fatalf("after axe, without JS: #out = %q, scripts were left on", got)
	}
}

func TestFormTypeAndSubmit(t *testing.T) {
	srv := testSite(t)
	b := Start(t)
	for _, noJS := range []bool{false, true} {
		t.Run(fmt.Sprintf("noJS=%v", noJS), func(t *testing.T) {
			ctx := b.Tab(t)
			if noJS {
				ctx = b.TabNoJS(t)
			}
			Navigate(t, ctx, srv.URL+"/form")
			hostile := "Ana <script>alert(1)</script> 'OR 1=1--"
			Type(t, ctx, "#q", hostile)
			if got := Value(t, ctx, "#q"); got != hostile {
				t.Fatalf("typed value = %q, want %q", got, hostile)
			}
			// A right-to-left override has no key: it goes in by SetValue.
			hostile += " \u202eevil"
			SetValue(t, ctx, "#q", hostile)
			resp := ClickNavigate(t, ctx, "button[type=submit]")
			if resp.Status != 200 {
				t.Fatalf("submit: status %d", resp.Status)
			}
			loc, err := url.Parse(Location(t, ctx))
			if err != nil || loc.Path != "/result" {
				t.Fatalf("after submit, location = %v (%v), want /result", loc, err)
			}
			if got := Text(t, ctx, "#got"); got != hostile {
				t.Errorf("server echoed %q, want %q", got, hostile)
			}
			if n := Count(t, ctx, "script"); n != 0 {
				t.Errorf("hostile input produced %d script elements", n)
			}
		})
	}
}

func TestSetValueAndNavigateStatus(t *testing.T) {
	srv := testSite(t)
	ctx := Start(t).TabNoJS(t)
	if resp := Navigate(t, ctx, srv.URL+"/missing"); resp.Status != 404 {
		t.Errorf("missing page status = %d, want 404", resp.Status)
	}
	Navigate(t, ctx, srv.URL+"/form")
	SetValue(t, ctx, "#q", "set directly")
	if got := Value(t, ctx, "#q"); got != "set directly" {
		t.Errorf("value = %q", got)
	}
	if !strings.Contains(HTML(t, ctx), `<label for="q">Name</label>`) {
		t.Error("HTML() lacks the form's label")
	}
}

func TestKeyboardFocus(t *testing.T) {
	srv := testSite(t)
	ctx := Start(t).Tab(t)
	Navigate(t, ctx, srv.URL+"/keys")
	PressKey(t, ctx, kb.Tab)
	if got := Focused(t, ctx); !strings.Contains(got, `id="first"`) {
		t.Fatalf("after one Tab, focus is on %q, want #first", got)
	}
	PressKey(t, ctx, kb.Tab)
	if got := Focused(t, ctx); !strings.Contains(got, `id="second"`) {
		t.Fatalf("after two Tabs, focus is on %q, want #second", got)
	}
}

func TestDrawOnCanvas(t *testing.T) {
	srv := testSite(t)
	ctx := Start(t).Tab(t)
	Navigate(t, ctx, srv.URL+"/canvas")
	if n := Eval[int](t, ctx, `inked()`); n != 0 {
		t.Fatalf("canvas has %d inked pixels before drawing", n)
	}
	Draw(t, ctx, "#pad", []Point{{20, 20}, {60, 80}, {120, 40}, {200, 100}, {280, 30}})
	ev := Eval[struct {
		Down int `json:"down"`
		Move int `json:"move"`
		Up   int `json:"up"`
	}](t, ctx, `window.events`)
	if ev.Down != 1 || ev.Up != 1 || ev.Move < 4 {
		t.Errorf("pointer events = %+v, want 1 down, >=4 moves, 1 up", ev)
	}
	if n := Eval[int](t, ctx, `inked()`); n < 100 {
		t.Errorf("canvas has %d inked pixels after drawing a stroke, want a visible line", n)
	}
	path := filepath.Join(t.TempDir(), "shots", "canvas.png")
	Screenshot(t, ctx, path)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) {
		t.Errorf("screenshot is not a PNG (starts %q)", b[:min(8, len(b))])
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(b))
	if err != nil || cfg.Width < 300 {
		t.Errorf("screenshot: %+v, %v; want a page-wide image", cfg, err)
	}
}

func TestTabsAreIsolated(t *testing.T) {
	srv := testSite(t)
	b := Start(t)
	a := b.Tab(t)
	Navigate(t, a, srv.URL+"/set-cookie")
	Navigate(t, a, srv.URL+"/show-cookie")
	if got := Text(t, a, "#cookie"); got != "tab-a" {
		t.Fatalf("tab A's own cookie = %q, want tab-a", got)
	}
	other := b.Tab(t)
	Navigate(t, other, srv.URL+"/show-cookie")
	if got := Text(t, other, "#cookie"); got != "none" {
		t.Errorf("tab B saw tab A's cookie %q", got)
	}
	if slices.Contains(Requests(other), srv.URL+"/set-cookie") {
		t.Error("tab B's request log holds tab A's request")
	}
}

// TestOwnBrowser checks the path without Main: a browser per test, closed
// and its profile removed at the test's end.
func TestOwnBrowser(t *testing.T) {
	srv := testSite(t)
	shared.enabled.Store(false)
	t.Cleanup(func() { shared.enabled.Store(true) })
	var own *Browser
	t.Run("use", func(t *testing.T) {
		own = Start(t)
		if own == shared.b {
			t.Fatal("Start returned the shared browser outside Main")
		}
		ctx := own.Tab(t)
		Navigate(t, ctx, srv.URL+"/clean")
		if _, err := os.Stat(own.dataDir); err != nil {
			t.Fatalf("profile dir: %v", err)
		}
	})
	if own == nil {
		t.Fatal("subtest did not start a browser")
	}
	if _, err := os.Stat(own.dataDir); !os.IsNotExist(err) {
		t.Errorf("profile dir %s still there after the test: %v", own.dataDir, err)
	}
}

func TestChromiumMissing(t *testing.T) {
	t.Setenv(EnvChromium, "/nonexistent/chromium")
	_, err := chromiumPath()
	if err == nil || !strings.Contains(err.Error(), "/nonexistent/chromium") {
		t.Errorf("chromiumPath() error = %v, want one naming the missing binary", err)
	}
}

func TestFormatViolationsEmpty(t *testing.T) {
	if s := FormatViolations(nil); s != "" {
		t.Errorf("FormatViolations(nil) = %q", s)
	}
}
