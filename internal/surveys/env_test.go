package surveys

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"unionhall/internal/content"
	"unionhall/internal/db"
	"unionhall/internal/examplesite"
	"unionhall/internal/seal"
	"unionhall/internal/site"
	"unionhall/internal/web"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

var testStart = time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)

// questionsYAML is every question kind, with texts in lang.
func questionsYAML(lang string) string {
	t := func(en, cs string) string {
		if lang == "cs" {
			return cs
		}
		return en
	}
	return fmt.Sprintf(`  questions:
    - id: color
      kind: single
      text: "%s"
      required: true
      options:
        - {id: red, text: "%s"}
        - {id: blue, text: "%s"}
        - {id: green, text: "=HYPERLINK(\"x\")"}
    - id: tools
      kind: multiple
      text: "%s"
      options: [Git, Jira, "<b>Slack</b>"]
    - id: mood
      kind: scale
      text: "%s"
      min: 1
      max: 5
      labels: [bad, good]
      required: true
    - id: city
      kind: short
      text: "%s"
    - id: story
      kind: long
      text: "%s"
      required: true
`, t("Favourite colour?", "Oblíbená barva?"), t("Red", "Červená"), t("Blue", "Modrá"),
		t("Which tools?", "Které nástroje?"), t("How do you feel?", "Jak se máte?"), t("Your city", "Vaše město"), t("Your story", "Váš příběh"))
}

// testSurveys are added to the example site: each kind of survey, in cs
// and en.
func testSurveys() map[string]string {
	m := map[string]string{}
	add := func(name, head string) {
		for _, lang := range []string{"en", "cs"} {
			m["content/surveys/"+name+"/index."+lang+".md"] = "---\ntitle: " + name + " " + lang + "\nsurvey:\n  id: " + name + "\n" + head + questionsYAML(lang) + "---\nText.\n"
		}
	}
	add("anon", "  audience: members\n  mode: anonymous\n  closes: 2026-03-20T18:00:00\n")
	add("memnamed", "  audience: members\n  mode: named\n  closes: 2026-03-20T18:00:00\n")
	add("public", "  audience: public\n  mode: named\n  publicResults: true\n")
	add("pubanon", "  audience: public\n  mode: anonymous\n  publicResults: true\n")
	return m
}

func siteFS(t testing.TB, now time.Time, extra map[string]string) fs.FS {
	t.Helper()
	base, err := examplesite.FS(now)
	if err != nil {
		t.Fatal(err)
	}
	m := fstest.MapFS{}
	err = fs.WalkDir(base, ".", func(p string, de fs.DirEntry, err error) error {
		if err != nil || de.IsDir() {
			return err
		}
		b, err := fs.ReadFile(base, p)
		if err != nil {
			return err
		}
		m[p] = &fstest.MapFile{Data: b, Mode: 0o644}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for p, c := range testSurveys() {
		m[p] = &fstest.MapFile{Data: []byte(c), Mode: 0o644}
	}
	for p, c := range extra {
		m[p] = &fstest.MapFile{Data: []byte(c), Mode: 0o644}
	}
	return m
}

func loadSite(t testing.TB, now time.Time, extra map[string]string) *content.Site {
	t.Helper()
	cs, err := content.Load(siteFS(t, now, extra))
	if err != nil {
		t.Fatalf("load site: %v", err)
	}
	return cs
}

// fakeSession is the portal's session as the pages see it: the member id
// in a cookie (the real portal is in internal/app's browser test).
type fakeSession struct{}

func (fakeSession) MemberID(r *http.Request) (string, error) {
	c, err := r.Cookie("member")
	if err != nil {
		return "", nil
	}
	return c.Value, nil
}

func (fakeSession) SignInPage(w http.ResponseWriter, r *http.Request, lang, next string) {
	w.WriteHeader(http.StatusUnauthorized)
	fmt.Fprintf(w, "sign in (%s) then %s", lang, next)
}

type env struct {
	t     testing.TB
	d     *db.DB
	clock *clock
	keys  *seal.Keyring
	site  *site.Server
	s     *Service
	srv   *httptest.Server
	logs  *bytes.Buffer
}

func newEnv(t testing.TB, d *db.DB) *env {
	t.Helper()
	kr, err := seal.NewKeyring(seal.GenerateKey())
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, d: d, clock: &clock{t: testStart}, keys: kr, logs: &bytes.Buffer{}}
	var logMu sync.Mutex
	logger := slog.New(slog.NewTextHandler(writerFunc(func(p []byte) (int, error) {
		logMu.Lock()
		defer logMu.Unlock()
		return e.logs.Write(p)
	}), &slog.HandlerOptions{Level: slog.LevelDebug}))
	cs := loadSite(t, e.clock.Now(), nil)
	e.site = site.New(cs, site.Options{Logger: logger, Now: e.clock.Now})
	e.s = New(Deps{DB: d, Keys: kr, Site: e.site.Site, Layout: e.site.Layout, Session: fakeSession{}, Now: e.clock.Now, Logger: logger, RateLimit: 1000})
	t.Cleanup(e.s.Close)
	mux := http.NewServeMux()
	e.s.Register(mux)
	mux.Handle("/", e.s.Wrap(e.site))
	e.srv = httptest.NewServer(web.Stack(mux, logger))
	t.Cleanup(e.srv.Close)
	return e
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

func (e *env) survey(id string) *Survey {
	e.t.Helper()
	sv, ok := e.s.Get(id)
	if !ok {
		e.t.Fatalf("no survey %s", id)
	}
	return sv
}

// members adds n current members and returns their ids.
func (e *env) members(n int) []string {
	e.t.Helper()
	ids := make([]string, n)
	err := e.d.Tx(context.Background(), func(tx *sql.Tx) error {
		for i := range ids {
			ids[i] = db.NewID()
			if _, err := tx.Exec(e.d.Rebind(`INSERT INTO members (id, number, data, joined_at) VALUES (?, ?, ?, ?)`),
				ids[i], 1000+i+int(time.Now().UnixNano()%100000)*100, []byte("x"), db.T(e.clock.Now())); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return ids
}

// client is an HTTP client; member "" is signed out.
func (e *env) client(member string) *http.Client {
	jar, _ := cookiejar.New(nil)
	if member != "" {
		u, _ := url.Parse(e.srv.URL)
		jar.SetCookies(u, []*http.Cookie{{Name: "member", Value: member, Path: "/"}})
	}
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func (e *env) get(c *http.Client, path string) (int, string) {
	e.t.Helper()
	resp, err := c.Get(e.srv.URL + path)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (e *env) post(c *http.Client, path string, form url.Values) (int, string, http.Header) {
	e.t.Helper()
	return e.postRaw(c, path, form.Encode())
}

func (e *env) postRaw(c *http.Client, path, body string) (int, string, http.Header) {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

// good is a complete valid answer.
func good() url.Values {
	return url.Values{"q-color": {"red"}, "q-tools": {"1", "3"}, "q-mood": {"4"}, "q-city": {"Brno"}, "q-story": {"Long hours."}}
}

// token is a form token shown long enough ago.
func (e *env) token(id string) string {
	tok := e.s.newToken(id)
	e.clock.Add(time.Duration(e.s.d.MinSeconds) * time.Second)
	return tok
}

// answerPath is the answer page of survey id in lang.
func (e *env) answerPath(id, lang string) string {
	return AnswerURL(e.survey(id).Pages[lang])
}
