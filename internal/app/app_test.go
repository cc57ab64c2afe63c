package app

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"unionhall/internal/config"
	"unionhall/internal/content"
	"unionhall/internal/events"
)

// TestExampleSiteWiring starts the whole app the way `unionhall serve` does
// (example site, SQLite in a fresh data folder) and walks the routes each
// feature contributes, so a wiring mistake shows up here rather than in a
// feature's own tests.
func TestExampleSiteWiring(t *testing.T) {
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	_, srv := startApp(t, cfg, Options{})
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	cases := []struct {
		path   string
		status int
		want   string
	}{
		{"/", http.StatusFound, ""},
		{"/cs/", http.StatusOK, "Spojka"},
		{"/en/", http.StatusOK, "Spojka"},
		{"/cs/prihlaska/", http.StatusOK, `name="email"`}, // the register section shows the form
		{"/en/join/", http.StatusOK, `name="email"`},
		{"/cs/akce/", http.StatusOK, "<h1"},
		{"/sitemap.xml", http.StatusOK, "<urlset"},
		{"/robots.txt", http.StatusOK, "Sitemap:"},
		{"/.well-known/security.txt", http.StatusOK, "Contact:"},
		{"/en/no-such-page/", http.StatusNotFound, "<h1"},
	}
	for _, c := range cases {
		res, err := client.Get(srv.URL + c.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != c.status {
			t.Errorf("GET %s: status %d, want %d", c.path, res.StatusCode, c.status)
		}
		if c.want != "" && !strings.Contains(string(body), c.want) {
			t.Errorf("GET %s: body lacks %q", c.path, c.want)
		}
		if res.Header.Get("Content-Security-Policy") == "" {
			t.Errorf("GET %s: no Content-Security-Policy", c.path)
		}
	}
}

func TestNewRefusesBadSettings(t *testing.T) {
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.Addr = "nonsense"
	if _, err := New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), Options{}); err == nil {
		t.Fatal("bad addr accepted")
	}
	cfg = config.Default()
	cfg.DataDir = t.TempDir()
	cfg.SiteDir = t.TempDir() + "/missing"
	if _, err := New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), Options{}); err == nil {
		t.Fatal("missing site folder accepted")
	}
}

// TestLiveReload edits a served site folder: the change appears without a
// restart, and a broken edit keeps the last good site.
func TestLiveReload(t *testing.T) {
	site := t.TempDir()
	write := func(name, body string) {
		t.Helper()
		p := filepath.Join(site, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("config.toml", "title = \"Union\"\n[languages.en]\nweight = 1\n")
	write("content/news.en.md", "---\ntitle: First title\n---\nHello.\n")

	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.SiteDir = site
	cfg.ReloadInterval.Duration = 100 * time.Millisecond
	logs := &syncBuffer{}
	a, err := New(context.Background(), cfg, slog.New(slog.NewTextHandler(logs, nil)), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	a.Start(ctx)
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)

	get := func() string {
		res, err := http.Get(srv.URL + "/en/news/")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return string(b)
	}
	waitFor := func(want string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !strings.Contains(get(), want) {
			if time.Now().After(deadline) {
				t.Fatalf("page never showed %q", want)
			}
			time.Sleep(50 * time.Millisecond) // polling a live server, not waiting blindly
		}
	}
	waitFor("First title")
	write("content/news.en.md", "---\ntitle: Second title\n---\nHello again.\n")
	waitFor("Second title")

	// A broken edit: the last good page keeps being served.
	write("content/news.en.md", "---\ntitle: [unclosed\n---\n")
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(logs.String(), "site reload failed") {
		if time.Now().After(deadline) {
			t.Fatal("the broken edit was never reported")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(logs.String(), "content/news.en.md:2") {
		t.Errorf("the log does not name the broken file and line:\n%s", logs.String())
	}
	if body := get(); !strings.Contains(body, "Second title") {
		t.Fatalf("broken edit replaced the last good site:\n%.300s", body)
	}
	write("content/news.en.md", "---\ntitle: Third title\n---\n")
	waitFor("Third title")
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestJoinWithoutSMTP is the README's laptop case: with no SMTP server the
// verification email, PDF attached, lands as an .eml file in the data folder.
func TestJoinWithoutSMTP(t *testing.T) {
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	a, srv := startApp(t, cfg, Options{})

	body, _ := json.Marshal(map[string]string{
		"email": "jana.dvorakova@posta.example", "first_name": "Jana", "last_name": "Dvořáková",
		"date_of_birth": "1990-05-31", "address": "Dlouhá 5", "city": "Praha", "postal_code": "110 00",
		"phone_number": "601 234 567", "company_name": "Kvádr Software", "occupation": "Tester",
		"signature": signatureDataURL(t), "local": "cs",
	})
	res, err := http.Post(srv.URL+"/api/registration/join", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	reply, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusAccepted {
		t.Fatalf("status %d: %s", res.StatusCode, reply)
	}
	// PDF job, then the email job it enqueues.
	for i := 0; i < 3; i++ {
		if _, err := a.Queue.RunOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	files, _ := filepath.Glob(filepath.Join(cfg.DataDir, "mail", "*.eml"))
	if len(files) != 1 {
		t.Fatalf("want one .eml file, found %v", files)
	}
	eml, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"jana.dvorakova@posta.example", "application/pdf", "Dvorakova_Jana_application.pdf"} {
		if !strings.Contains(string(eml), want) {
			t.Errorf(".eml lacks %q", want)
		}
	}
}

// signatureDataURL draws a short stroke, as a canvas would send it.
func signatureDataURL(t *testing.T) string {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, 200, 80))
	for x := 20; x < 180; x++ {
		for dy := 0; dy < 3; dy++ {
			img.Set(x, 40+dy+(x%20)/5, color.Black)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())
}

// TestCheckFindsOrphanedEvents: an event that holds registrations and then
// loses its page is reported by `unionhall check` (through OrphanedEvents).
func TestCheckFindsOrphanedEvents(t *testing.T) {
	siteDir := t.TempDir()
	write := func(name, body string) {
		t.Helper()
		p := filepath.Join(siteDir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("config.toml", "title = \"Union\"\n[languages.en]\nweight = 1\n")
	write("content/events/meeting.en.md", "---\ntitle: Meeting\nid: meeting-2030\nstartDate: 2030-01-10T18:00:00Z\ndate: 2030-01-10T20:00:00Z\nregistration: internal\ncapacity: 10\n---\nCome.\n")
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.SiteDir = siteDir
	a, err := New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), Options{})
	if err != nil {
		t.Fatal(err)
	}
	ev, ok := a.Events.EventByKey("id:meeting-2030", "en")
	if !ok {
		t.Fatal("event not known")
	}
	if _, err := a.Events.Signup(context.Background(), ev, "en", events.Registrant{Name: "Eva", Email: "eva@posta.example"}); err != nil {
		t.Fatal(err)
	}
	a.Close()

	s, err := LoadSite(siteDir, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if p := OrphanedEvents(context.Background(), cfg, s); len(p) != 0 {
		t.Fatalf("event still on the site reported: %v", p)
	}
	os.Remove(filepath.Join(siteDir, "content/events/meeting.en.md"))
	s, err = LoadSite(siteDir, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	p := OrphanedEvents(context.Background(), cfg, s)
	if len(p) != 1 || p[0].File != "id:meeting-2030" || p[0].Severity != content.SevWarning {
		t.Fatalf("want one warning for id:meeting-2030, got %v", p)
	}
}

// TestRegisterLinkEndsAtDeadline: the cached event page stops offering
// "Register" exactly when registration closes, without a reload.
func TestRegisterLinkEndsAtDeadline(t *testing.T) {
	siteDir := t.TempDir()
	os.MkdirAll(filepath.Join(siteDir, "content/events"), 0o755)
	os.WriteFile(filepath.Join(siteDir, "config.toml"), []byte("title = \"Union\"\n[languages.en]\nweight = 1\n"), 0o644)
	os.WriteFile(filepath.Join(siteDir, "content/events/meeting.en.md"), []byte("---\ntitle: Meeting\nstartDate: 2030-01-10T18:00:00Z\ndate: 2030-01-10T20:00:00Z\nregistration: internal\ncapacity: 10\nregistrationCloses: 2030-01-08T12:00:00Z\n---\nCome.\n"), 0o644)
	var mu sync.Mutex
	now := time.Date(2030, 1, 8, 10, 0, 0, 0, time.UTC) // 11:00 in Prague, an hour before the deadline
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.SiteDir = siteDir
	_, srv := startApp(t, cfg, Options{Now: clock})
	page := func() string {
		res, err := http.Get(srv.URL + "/en/events/meeting/")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("event page: %d", res.StatusCode)
		}
		return string(b)
	}
	if !strings.Contains(page(), `/en/events/meeting/register/`) {
		t.Fatal("no register link before the deadline")
	}
	mu.Lock()
	now = now.Add(61 * time.Minute)
	mu.Unlock()
	if strings.Contains(page(), `/en/events/meeting/register/`) {
		t.Fatal("the cached page still offers registration after the deadline")
	}
}

// startApp builds the app as `unionhall serve` does and serves it with
// httptest; both are closed when the test ends.
func startApp(t *testing.T, cfg config.Config, opts Options) (*App, *httptest.Server) {
	t.Helper()
	a, err := New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)
	return a, srv
}
