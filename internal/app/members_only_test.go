package app

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"unionhall/internal/auth"
	"unionhall/internal/config"
	"unionhall/internal/mail"
	"unionhall/internal/members"
)

// captureSender keeps what the outbox sends.
type captureSender struct {
	mu   sync.Mutex
	sent []mail.Message
}

func (c *captureSender) Send(_ context.Context, m mail.Message) error {
	c.mu.Lock()
	c.sent = append(c.sent, m)
	c.mu.Unlock()
	return nil
}

func (c *captureSender) last(to string) (mail.Message, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := len(c.sent) - 1; i >= 0; i-- {
		if c.sent[i].To == to {
			return c.sent[i], true
		}
	}
	return mail.Message{}, false
}

var memberLinkRE = regexp.MustCompile(`http://[^/\s]+(/[a-z]+/[a-z]+/link\?token=[A-Za-z0-9_-]+)`)

// memberSignIn signs a member in through the portal and returns a client
// with their session.
func memberSignIn(t testing.TB, a *App, base string, snd *captureSender, email string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.PostForm(base+"/en/member/signin", url.Values{"email": {email}})
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("sign-in request: %v %v", err, res)
	}
	res.Body.Close()
	a.Portal.Wait()
	if _, err := a.Queue.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	m, ok := snd.last(email)
	if !ok {
		t.Fatal("no sign-in email")
	}
	link := memberLinkRE.FindStringSubmatch(m.Text)
	if link == nil {
		t.Fatalf("no link in %q", m.Text)
	}
	u, _ := url.Parse(link[1])
	res, err = c.PostForm(base+u.Path, url.Values{"token": {u.Query().Get("token")}})
	if err != nil || res.StatusCode != http.StatusSeeOther {
		t.Fatalf("spend link: %v %v", err, res)
	}
	res.Body.Close()
	return c
}

func fetch(t testing.TB, c *http.Client, u string) (int, string, http.Header) {
	t.Helper()
	res, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b), res.Header
}

// TestMembersOnlyPages walks the example site's member-only meetings as a
// visitor and as a signed-in member: a sign-in page (401) in the page's
// language, never the content, for the pages and their files; left out of
// the sitemap, feeds, navigation and the home page; private and noindex
// when a member reads them.
func TestMembersOnlyPages(t *testing.T) {
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	snd := &captureSender{}
	a, srv := startApp(t, cfg, Options{Sender: snd})
	ctx := context.Background()
	actor := &auth.Account{ID: "cli", Roles: []string{auth.ManageMembers}}
	if _, _, err := a.Members.AddMember(ctx, actor, members.MemberData{Email: "jana@posta.example", FirstName: "Jana", LastName: "Nováková", Lang: "en"}, "Tester", 0, false); err != nil {
		t.Fatal(err)
	}
	anon := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	secret := []string{"quorum reached", "usnášeníschopná", "Hlasování o příspěvcích", "Vote on the dues"}
	for _, c := range []struct{ path, want string }{
		{"/en/meetings/", "Member sign-in"},
		{"/cs/meetings/", "Přihlášení pro členy"},
		{"/en/meetings/spring-assembly/", "Member sign-in"},
		{"/en/meetings/winter-assembly/minutes.txt", "Member sign-in"},
		{"/en/meetings/index.xml", "Member sign-in"},
		{"/en/meetings/page/2/", "Member sign-in"},
	} {
		st, body, h := fetch(t, anon, srv.URL+c.path)
		if st != http.StatusUnauthorized || !strings.Contains(body, c.want) || !strings.Contains(body, `name="email"`) {
			t.Errorf("anonymous %s: %d, want 401 with the sign-in form (%q)", c.path, st, c.want)
		}
		for _, s := range secret {
			if strings.Contains(body, s) {
				t.Errorf("anonymous %s shows %q", c.path, s)
			}
		}
		if h.Get("Cache-Control") != "no-store" {
			t.Errorf("anonymous %s: Cache-Control %q", c.path, h.Get("Cache-Control"))
		}
	}
	for _, p := range []string{"/sitemap.xml", "/en/", "/cs/", "/en/statements/index.xml", "/en/events/"} {
		_, body, _ := fetch(t, anon, srv.URL+p)
		if strings.Contains(body, "/meetings/") {
			t.Errorf("%s links a member-only page", p)
		}
	}

	member := memberSignIn(t, a, srv.URL, snd, "jana@posta.example")
	st, body, h := fetch(t, member, srv.URL+"/en/meetings/")
	if st != 200 || !strings.Contains(body, "Spring members") || !strings.Contains(body, "Autumn members") || !strings.Contains(body, "Coming meetings") {
		t.Fatalf("member reads meetings: %d %.600s", st, body)
	}
	if h.Get("Cache-Control") != "private, no-store" || !strings.Contains(h.Get("X-Robots-Tag"), "noindex") || !strings.Contains(body, `name="robots" content="noindex`) {
		t.Errorf("member page headers: %v", h)
	}
	if st, body, _ := fetch(t, member, srv.URL+"/en/meetings/spring-assembly/"); st != 200 || !strings.Contains(body, "quorum reached") {
		t.Errorf("minutes in Markdown: %d", st)
	}
	if st, body, _ := fetch(t, member, srv.URL+"/en/meetings/winter-assembly/minutes.txt"); st != 200 || !strings.Contains(body, "Kvádr Software") {
		t.Errorf("minutes file: %d %.100s", st, body)
	}
	// The cached copy a member's request left is not served to a visitor.
	if st, body, _ := fetch(t, anon, srv.URL+"/en/meetings/spring-assembly/"); st != http.StatusUnauthorized || strings.Contains(body, "quorum") {
		t.Errorf("after a member's visit, anonymous gets %d", st)
	}
	// The portal links the meetings.
	if _, body, _ := fetch(t, member, srv.URL+"/en/member/"); !strings.Contains(body, `href="/en/meetings/"`) {
		t.Error("portal home does not link the meetings")
	}
}
