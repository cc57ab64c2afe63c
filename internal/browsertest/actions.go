package browsertest

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// Selectors in this file are CSS selectors; the first matching element is used,
// waiting (up to ActionTimeout) for it to appear.

// run runs one chromedp action with the per-action time limit and fails the
// test with what was being done.
func run[T any](t testing.TB, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	actx, cancel := context.WithTimeout(ctx, ActionTimeout)
	defer cancel()
	v, err := chromedp.Run(actx, a)
	if err != nil {
		t.Fatalf("browser: %s: %v", what, err)
	}
	return v
}

// Navigate loads url in the tab, waits for the load event and returns the
// document's HTTP response (Status, Headers, MimeType). A non-2xx status is
// not an error here: tests of error pages need it.
func Navigate(t testing.TB, ctx context.Context, url string) *network.Response {
	t.Helper()
	return run(t, ctx, "navigate to "+url, chromedp.NavigateResponse(url))
}

// ClickNavigate clicks the element (a link, a submit button) and waits until
// the page it leads to has loaded; it returns that page's HTTP response.
func ClickNavigate(t testing.TB, ctx context.Context, sel string) *network.Response {
	t.Helper()
	actx, cancel := context.WithTimeout(ctx, ActionTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(actx, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
	if err != nil {
		t.Fatalf("browser: click %s and wait for the next page: %v", sel, err)
	}
	return resp
}

// Click clicks the element, as a mouse would at its centre. It first waits
// until the page has finished loading (style sheets included): on a busy
// machine a click aimed before the styles apply lands where the element
// used to be, not where it is.
func Click(t testing.TB, ctx context.Context, sel string) {
	t.Helper()
	waitLoaded(t, ctx)
	run(t, ctx, "click "+sel, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
}

// Type focuses the element and types text key by key, as a person would
// ("\n" presses Enter). Characters no keyboard has (control and format
// characters such as U+202E) are dropped: put those in with SetValue.
func Type(t testing.TB, ctx context.Context, sel, text string) {
	t.Helper()
	run(t, ctx, "type into "+sel, chromedp.SendKeys(chromedp.CSS(sel), text, chromedp.NodeVisible))
}

// SetValue sets a form field's value directly, without key events: for
// select elements, dates, and long or hostile strings that would be slow to
// type. It works in TabNoJS tabs too.
func SetValue(t testing.TB, ctx context.Context, sel, value string) {
	t.Helper()
	run(t, ctx, "set value of "+sel, chromedp.SetValue(chromedp.CSS(sel), value, chromedp.NodeReady))
}

// Value returns a form field's current value.
func Value(t testing.TB, ctx context.Context, sel string) string {
	t.Helper()
	return run(t, ctx, "read value of "+sel, chromedp.Value(chromedp.CSS(sel), chromedp.NodeReady))
}

// Text returns the visible text of the element.
func Text(t testing.TB, ctx context.Context, sel string) string {
	t.Helper()
	return run(t, ctx, "read text of "+sel, chromedp.Text(chromedp.CSS(sel), chromedp.NodeVisible))
}

// WaitVisible waits until the element is present and visible.
func WaitVisible(t testing.TB, ctx context.Context, sel string) {
	t.Helper()
	run(t, ctx, "wait for "+sel+" to be visible", chromedp.WaitVisible(chromedp.CSS(sel)))
}

// Count returns how many elements match sel now, without waiting; 0 when
// none do. Use it to assert that something is absent.
func Count(t testing.TB, ctx context.Context, sel string) int {
	t.Helper()
	nodes := run(t, ctx, "count "+sel, chromedp.Nodes(chromedp.CSSAll(sel), chromedp.AtLeast(0)))
	return len(nodes)
}

// Location returns the tab's current URL.
func Location(t testing.TB, ctx context.Context) string {
	t.Helper()
	return run(t, ctx, "read location", chromedp.Location())
}

// HTML returns the current document's HTML as the browser sees it.
func HTML(t testing.TB, ctx context.Context) string {
	t.Helper()
	return run(t, ctx, "read document HTML", chromedp.OuterHTML(chromedp.CSS("html"), chromedp.NodeReady))
}

// Eval evaluates a JavaScript expression in the page and decodes its JSON
// value into T. (In a TabNoJS tab the page's own scripts do not run, but
// DevTools evaluation does.)
func Eval[T any](t testing.TB, ctx context.Context, expr string) T {
	t.Helper()
	return run(t, ctx, "evaluate "+shorten(expr, 80), chromedp.Evaluate[T](expr))
}

// PressKey sends one key press to the focused element; keys are from
// github.com/chromedp/chromedp/kb (kb.Tab, kb.Enter, kb.Escape…) or plain text.
func PressKey(t testing.TB, ctx context.Context, key string) {
	t.Helper()
	run(t, ctx, fmt.Sprintf("press %q", key), chromedp.KeyEvent(key))
}

// Focused returns the outer HTML of the focused element (shortened), for
// keyboard-navigation tests: press kb.Tab, then check what has focus.
func Focused(t testing.TB, ctx context.Context) string {
	t.Helper()
	return Eval[string](t, ctx, `(document.activeElement ? document.activeElement.outerHTML : '').slice(0, 500)`)
}

// Point is a position in CSS pixels from an element's top-left corner.
type Point struct{ X, Y float64 }

// Draw drags the mouse over the element through the points with the left
// button held, the way a person signs on a canvas with a mouse: pressed at
// the first point, moved through the rest, released at the last. Browsers
// turn these into pointer and mouse events, so both kinds of pad see them.
func Draw(t testing.TB, ctx context.Context, sel string, points []Point) {
	t.Helper()
	if len(points) < 2 {
		t.Fatalf("browser: draw on %s: need at least 2 points, got %d", sel, len(points))
	}
	run(t, ctx, "scroll "+sel+" into view", chromedp.ScrollIntoView(chromedp.CSS(sel), chromedp.NodeVisible))
	box := run(t, ctx, "measure "+sel, chromedp.Dimensions(chromedp.CSS(sel), chromedp.NodeVisible))
	if box == nil || len(box.Content) < 2 {
		t.Fatalf("browser: draw on %s: element has no box", sel)
	}
	x0, y0 := box.Content[0], box.Content[1] // top-left of the content box, in viewport pixels
	held := func(p *input.DispatchMouseEventParams) {
		p.Button = input.MouseButtonLeft
		p.Buttons = 1 // the left button is down: pointermove carries it
	}
	steps := []chromedp.Action[chromedp.Void]{
		chromedp.MouseEvent(chromedp.MouseMoved, x0+points[0].X, y0+points[0].Y),
		chromedp.MouseEvent(chromedp.MousePressed, x0+points[0].X, y0+points[0].Y, held, chromedp.ClickCount(1)),
	}
	for _, p := range points[1:] {
		steps = append(steps, chromedp.MouseEvent(chromedp.MouseMoved, x0+p.X, y0+p.Y, held))
	}
	last := points[len(points)-1]
	steps = append(steps, chromedp.MouseEvent(chromedp.MouseReleased, x0+last.X, y0+last.Y,
		chromedp.ButtonType(input.MouseButtonLeft), chromedp.ClickCount(1)))
	run(t, ctx, "draw on "+sel, chromedp.Steps(steps...))
}

// Screenshot writes a PNG of the whole page to path (folders are created).
// Handy while debugging: Screenshot(t, ctx, filepath.Join(t.TempDir(), "x.png")).
func Screenshot(t testing.TB, ctx context.Context, path string) {
	t.Helper()
	png := run(t, ctx, "screenshot", chromedp.FullScreenshot(100))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatalf("screenshot: %v", err)
	}
}

// ForeignRequests returns the tab's requests (Requests and RefusedRequests)
// that went to a host other than allowedHost. allowedHost is a host name
// ("127.0.0.1": any port) or host:port ("127.0.0.1:8080": that port only).
// data:, blob: and about: URLs stay inside the page and are allowed.
func ForeignRequests(ctx context.Context, allowedHost string) []string {
	var bad []string
	for _, u := range append(Requests(ctx), RefusedRequests(ctx)...) {
		if isForeign(u, allowedHost) {
			bad = append(bad, u)
		}
	}
	return bad
}

// AssertNoForeignRequests fails the test if the tab asked any host other than
// allowedHost for anything: the privacy rule that pages load nothing from
// other hosts. It checks what was requested so far, so call it after the
// page is loaded and the interactions under test are done.
func AssertNoForeignRequests(t testing.TB, ctx context.Context, allowedHost string) {
	t.Helper()
	if tabOf(ctx) == nil {
		t.Fatal("AssertNoForeignRequests: ctx is not a browsertest tab")
	}
	if bad := ForeignRequests(ctx, allowedHost); len(bad) > 0 {
		for i := range bad {
			bad[i] = shorten(bad[i], 200)
		}
		t.Errorf("page requested %d resource(s) from hosts other than %s:\n  %s",
			len(bad), allowedHost, strings.Join(bad, "\n  "))
	}
}

func isForeign(raw, allowedHost string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return true // unparseable: report it rather than guess
	}
	switch strings.ToLower(u.Scheme) {
	case "data", "blob", "about":
		return false
	}
	if _, _, err := net.SplitHostPort(allowedHost); err == nil {
		return !strings.EqualFold(u.Host, allowedHost)
	}
	return !strings.EqualFold(u.Hostname(), strings.Trim(allowedHost, "[]"))
}

func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// waitLoaded polls until the document and everything it loads (style
// sheets, images) are in, or ActionTimeout passes.
func waitLoaded(t testing.TB, ctx context.Context) {
	t.Helper()
	deadline := time.Now().Add(ActionTimeout)
	for !Eval[bool](t, ctx, `document.readyState === "complete"`) {
		if time.Now().After(deadline) {
			t.Fatalf("browser: the page never finished loading")
		}
		time.Sleep(10 * time.Millisecond) // polling the browser, with a deadline
	}
}
