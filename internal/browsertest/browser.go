package browsertest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"unionhall/internal/testenv"
)

// EnvChromium overrides the browser binary (default /usr/bin/chromium).
const EnvChromium = "UNIONHALL_TEST_CHROMIUM"

// ActionTimeout bounds each helper call (a navigation, a click, an axe run).
// It is generous because the test machine is small and shared.
var ActionTimeout = 30 * time.Second

// startTimeout bounds the start of Chromium.
const startTimeout = 60 * time.Second

// Browser is a running headless Chromium.
type Browser struct {
	allocCancel   context.CancelFunc
	browserCtx    context.Context
	browserCancel context.CancelFunc
	dataDir       string
	output        *lockedBuffer
	closeOnce     sync.Once
}

// shared is the package-wide browser used when the test binary runs through Main.
var shared struct {
	enabled atomic.Bool
	mu      sync.Mutex
	b       *Browser
	err     error
}

// Main runs a package's tests with one shared browser, started at the first
// Start and closed when the tests end. Use it from TestMain:
//
//	func TestMain(m *testing.M) { browsertest.Main(m) }
//
// Sharing saves a browser start per test; tabs stay isolated from each other
// (each has its own browser context), and t.Parallel tests may share it.
func Main(m *testing.M) {
	shared.enabled.Store(true)
	code := m.Run()
	shared.mu.Lock()
	if shared.b != nil {
		shared.b.Close()
	}
	shared.mu.Unlock()
	os.Exit(code)
}

// Start returns a running browser: the package's shared one under Main, or
// a new one closed at the end of the test. Without Chromium the test is
// skipped (or fails under UNIONHALL_TEST_REQUIRE_ALL=1).
func Start(t testing.TB) *Browser {
	t.Helper()
	path, err := chromiumPath()
	if err != nil {
		testenv.SkipOrFail(t, err.Error())
		return nil
	}
	if shared.enabled.Load() {
		shared.mu.Lock()
		defer shared.mu.Unlock()
		if shared.b == nil && shared.err == nil {
			shared.b, shared.err = launch(path)
		}
		if shared.err != nil {
			t.Fatalf("start chromium: %v", shared.err)
		}
		return shared.b
	}
	b, err := launch(path)
	if err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	t.Cleanup(b.Close)
	return b
}

func chromiumPath() (string, error) {
	p := os.Getenv(EnvChromium)
	if p == "" {
		p = "/usr/bin/chromium"
	}
	if _, err := exec.LookPath(p); err != nil {
		return "", fmt.Errorf("chromium not found at %s (install Debian's chromium: run scripts/test as root, or set %s)", p, EnvChromium)
	}
	return p, nil
}

// launch starts Chromium and waits until it answers.
func launch(path string) (*Browser, error) {
	dataDir, err := os.MkdirTemp("", "unionhall-chromium-")
	if err != nil {
		return nil, fmt.Errorf("create user data dir: %w", err)
	}
	// Autofill's suggestion pop-up (the browser remembers what earlier tests
	// typed into "email" and "name") can cover the next field and swallow
	// a click meant for it, which made form tests flaky. People may see it
	// too, but it is the browser's, not ours: switch it off in the profile.
	if err := os.MkdirAll(filepath.Join(dataDir, "Default"), 0o700); err != nil {
		return nil, fmt.Errorf("create profile: %w", err)
	}
	prefs := `{"autofill":{"enabled":false,"profile_enabled":false,"credit_card_enabled":false},"credentials_enable_service":false}`
	if err := os.WriteFile(filepath.Join(dataDir, "Default", "Preferences"), []byte(prefs), 0o600); err != nil {
		return nil, fmt.Errorf("write profile preferences: %w", err)
	}
	out := &lockedBuffer{}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.UserDataDir(dataDir),
		chromedp.CombinedOutput(out),
		chromedp.Headless,
		// Tests run as root in a container: Chromium's sandbox needs user
		// namespaces that are not there. The pages are our own.
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.WindowSize(1280, 900),
		// The network is closed: without these, Chromium keeps trying to
		// reach Google's services and fills the log with refused connections.
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-domain-reliability", true),
		chromedp.Flag("no-pings", true),
		// WebRTC may use UDP around the proxy; forbid that.
		chromedp.Flag("force-webrtc-ip-handling-policy", "disable_non_proxied_udp"),
		chromedp.Flag("lang", "en-US"),
		chromedp.Flag("disable-features", "Translate,AutofillServerCommunication,AutofillShowTypePredictions"),
	)
	allocCtx, allocCancel := chromedp.NewExecAllocator(context.Background(), opts...)
	browserCtx, browserCancel := chromedp.NewContext(allocCtx)
	b := &Browser{
		allocCancel:   allocCancel,
		browserCtx:    browserCtx,
		browserCancel: browserCancel,
		dataDir:       dataDir,
		output:        out,
	}
	// The first Do binds the browser's life to browserCtx, so it must not
	// carry a deadline; bound the wait from outside instead.
	done := make(chan error, 1)
	go func() { done <- chromedp.Do(browserCtx) }()
	select {
	case err = <-done:
	case <-time.After(startTimeout):
		err = fmt.Errorf("no answer after %s", startTimeout)
	}
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("%s: %w; browser output: %s", path, err, out.tail(2000))
	}
	return b, nil
}

// Close stops the browser and removes its profile. Start arranges it; call it
// only for a Browser you manage yourself.
func (b *Browser) Close() {
	b.closeOnce.Do(func() {
		b.browserCancel()
		b.allocCancel() // waits for the process to exit
		_ = os.RemoveAll(b.dataDir)
	})
}

// tab is what a tab's context carries besides chromedp's own state.
type tab struct {
	mu       sync.Mutex
	requests []string
	proxy    *blackhole
	noJS     bool
}

type tabKey struct{}

func tabOf(ctx context.Context) *tab {
	tb, _ := ctx.Value(tabKey{}).(*tab)
	return tb
}

// Tab opens a new tab in its own browser context (separate cookies and
// storage) and closes it when the test ends. The tab records the URL of every
// request it makes (see Requests) and cannot reach any host but loopback.
// Use the returned context with the helpers of this package or with chromedp.
func (b *Browser) Tab(t testing.TB) context.Context {
	t.Helper()
	return b.openTab(t, false)
}

// TabNoJS is Tab with JavaScript disabled, to prove a page works without it
// (the product's rule: JavaScript only enhances). Axe still runs in it: the
// check turns scripts on for its own evaluation only.
func (b *Browser) TabNoJS(t testing.TB) context.Context {
	t.Helper()
	return b.openTab(t, true)
}

func (b *Browser) openTab(t testing.TB, noJS bool) context.Context {
	t.Helper()
	if b == nil {
		t.Fatal("browsertest: Tab on a nil Browser")
	}
	proxy, err := startBlackhole()
	if err != nil {
		t.Fatalf("start the tab's refusing proxy: %v", err)
	}
	tb := &tab{proxy: proxy, noJS: noJS}
	tabCtx, cancel := chromedp.NewContext(b.browserCtx,
		chromedp.WithNewBrowserContext(func(p *target.CreateBrowserContextParams) {
			// Loopback is bypassed implicitly; everything else goes to
			// the refusing proxy. "<-loopback>" is deliberately absent.
			p.ProxyServer = "http://" + proxy.addr()
		}),
		chromedp.WithListener(func(ev any) {
			if e, ok := ev.(*network.EventRequestWillBeSent); ok && e.Request != nil {
				tb.mu.Lock()
				tb.requests = append(tb.requests, e.Request.URL)
				tb.mu.Unlock()
			}
		}),
	)
	t.Cleanup(func() {
		cancel()
		proxy.close()
	})
	// As for the browser: the first Do binds the tab to tabCtx, so no
	// deadline on tabCtx itself.
	done := make(chan error, 1)
	go func() {
		err := chromedp.Do(tabCtx)
		if err == nil {
			// Ask for reduced motion: with the theme's smooth scrolling a
			// click is aimed while the page still glides towards the
			// element, and on a busy machine it lands beside it.
			_, err = chromedp.Call(tabCtx, emulation.SetEmulatedMedia,
				emulation.SetEmulatedMediaParams{Features: []*emulation.MediaFeature{{Name: "prefers-reduced-motion", Value: "reduce"}}})
		}
		if err == nil && noJS {
			_, err = chromedp.Call(tabCtx, emulation.SetScriptExecutionDisabled,
				emulation.SetScriptExecutionDisabledParams{Value: true})
		}
		done <- err
	}()
	select {
	case err = <-done:
	case <-time.After(ActionTimeout):
		err = errors.New("timed out")
	}
	if err != nil {
		t.Fatalf("open tab: %v; browser output: %s", err, b.output.tail(2000))
	}
	return context.WithValue(tabCtx, tabKey{}, tb)
}

// Requests returns the URLs of every request the tab made so far (documents,
// styles, images, fonts, fetches, favicons), in order.
func Requests(ctx context.Context) []string {
	tb := tabOf(ctx)
	if tb == nil {
		return nil
	}
	tb.mu.Lock()
	defer tb.mu.Unlock()
	return append([]string(nil), tb.requests...)
}

// RefusedRequests returns what the tab's proxy refused: every attempt to
// reach a non-loopback host, including those of iframes and workers that
// the tab's own network events do not show. An https attempt is recorded as
// https://host:port/ since the path is never revealed to a proxy.
func RefusedRequests(ctx context.Context) []string {
	tb := tabOf(ctx)
	if tb == nil {
		return nil
	}
	return tb.proxy.seen()
}

// lockedBuffer collects the browser's output for error messages.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	// Keep memory bounded: Chromium can be chatty over a long run.
	if l.buf.Len() > 1<<20 {
		l.buf.Reset()
	}
	return l.buf.Write(p)
}

func (l *lockedBuffer) tail(n int) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buf.Bytes()
	if len(b) > n {
		b = b[len(b)-n:]
	}
	if len(b) == 0 {
		return "(none)"
	}
	return string(b)
}
