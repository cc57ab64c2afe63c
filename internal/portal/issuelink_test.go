package portal

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"unionhall/internal/db"
	"unionhall/internal/dbtest"
)

// TestIssueLink: a link made for a vote's invitation lands on its local
// path after the button is pressed, works once, lives until the given
// time (well past the 15 minutes of an asked-for link) and no longer.
func TestIssueLink(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, 0)
		id := e.addMember(3, "petr@posta.example", "Petr", "cs")
		ctx := context.Background()
		closes := e.clock.Now().Add(72 * time.Hour)
		link, err := e.svc.IssueLink(ctx, id, "/cs/clen/hlasovani/v1", closes)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(link, "https://union.example/cs/clen/link?token=") {
			t.Fatalf("link %q", link)
		}
		u, _ := url.Parse(link)
		c := e.client()
		// Two days later, the GET (a mail scanner) spends nothing.
		e.clock.Add(48 * time.Hour)
		st, body := c.get(u.RequestURI())
		if st != 200 || !strings.Contains(body, `value="/cs/clen/hlasovani/v1"`) {
			t.Fatalf("link page: %d %.400s", st, body)
		}
		if st, _ := c.post(u.Path, url.Values{"token": {u.Query().Get("token")}, "next": {u.Query().Get("next")}}); st != http.StatusSeeOther {
			t.Fatalf("spend: %d", st)
		}
		// Signed in: MemberID names the member behind the cookie.
		req, _ := http.NewRequest("GET", "/", nil)
		srvURL, _ := url.Parse(e.srv.URL)
		for _, ck := range c.jar.Cookies(srvURL) {
			req.AddCookie(ck)
		}
		if got, err := e.svc.MemberID(req); err != nil || got != id {
			t.Errorf("MemberID = %q, %v", got, err)
		}
		if got, err := e.svc.MemberID(bareRequest(t)); err != nil || got != "" {
			t.Errorf("MemberID without a cookie = %q, %v", got, err)
		}
		// Once only.
		if st, _ := e.client().post(u.Path, url.Values{"token": {u.Query().Get("token")}}); st != http.StatusBadRequest {
			t.Errorf("second use: %d", st)
		}
		// Until the given time, not after.
		link2, err := e.svc.IssueLink(ctx, id, "/en/member/votes/v1", closes)
		if err != nil {
			t.Fatal(err)
		}
		u2, _ := url.Parse(link2)
		if !strings.HasPrefix(u2.Path, "/en/member/link") {
			t.Errorf("English landing path, English link page: %s", u2.Path)
		}
		e.clock.Add(24 * time.Hour)
		if st, _ := e.client().post(u2.Path, url.Values{"token": {u2.Query().Get("token")}}); st != http.StatusBadRequest {
			t.Errorf("link used at its expiry: %d", st)
		}
		// What cannot be made.
		now := e.clock.Now()
		for name, c := range map[string]struct {
			id, next string
			exp      time.Time
		}{
			"no member":       {db.NewID(), "/en/member/votes/", now.Add(time.Hour)},
			"empty member":    {"", "/en/member/votes/", now.Add(time.Hour)},
			"other host":      {id, "//evil.example/", now.Add(time.Hour)},
			"absolute":        {id, "https://evil.example/", now.Add(time.Hour)},
			"query":           {id, "/en/member/votes/?x=1", now.Add(time.Hour)},
			"already expired": {id, "/en/member/votes/", now},
		} {
			if _, err := e.svc.IssueLink(ctx, c.id, c.next, c.exp); !errors.Is(err, ErrBadIssue) {
				t.Errorf("%s: %v, want ErrBadIssue", name, err)
			}
		}
	})
}

func bareRequest(t *testing.T) *http.Request {
	req, err := http.NewRequest("GET", "/", nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

type fakeVotes struct{ waiting int }

func (fakeVotes) MemberVotesURL(lang string) string {
	if lang == "cs" {
		return "/cs/clen/hlasovani/"
	}
	return "/" + lang + "/member/votes/"
}
func (f fakeVotes) Waiting(context.Context, string) (int, error) { return f.waiting, nil }

// TestHomeLinksVotes: with the votes feature the portal's home links the
// member's votes and says how many wait for their ballot; without it, no
// link.
func TestHomeLinksVotes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, 0)
		e.addMember(1, "jana@posta.example", "Jana", "cs")
		c := e.client()
		c.signIn("jana@posta.example", "cs")
		if _, body := c.get("/cs/clen/"); strings.Contains(body, "hlasovani") {
			t.Error("a votes link without the votes feature")
		}
		e.svc.d.Votes = fakeVotes{waiting: 2}
		if _, body := c.get("/cs/clen/"); !strings.Contains(body, `href="/cs/clen/hlasovani/"`) || !strings.Contains(body, "čekají na váš hlas: 2") {
			t.Errorf("Czech home lacks the votes link: %.2000s", body)
		}
		if _, body := c.get("/en/member/"); !strings.Contains(body, `href="/en/member/votes/"`) || !strings.Contains(body, "waiting for your ballot: 2") {
			t.Error("English home lacks the votes link")
		}
	})
}
