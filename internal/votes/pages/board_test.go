package pages

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"unionhall/internal/content"
	"unionhall/internal/db"
	"unionhall/internal/dbtest"
	"unionhall/internal/votes"
	"unionhall/internal/votes/count"
)

// TestBoard: after a ranked election closes, its board in both languages
// shows the result, the STV stages and every ballot by receipt; "find my
// receipt" finds each voter's ballot however the code is typed, and says
// plainly when none matches; the JSON (plain and gzip) recounts to the
// same result with count.Verify. Nothing of it exists before the close.
func TestBoard(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		r := newMemberRig(t, d)
		ids := []string{r.member("Ana"), r.member("Bo"), r.member("Cy"), r.member("Dan")}
		id := r.vote(votes.KindRanked, false, func(in *votes.Input) { in.Seats = "1"; in.QuorumPercent = "50" })
		r.tickAt(opensAt)
		ranks := []url.Values{
			{"rank.o1": {"1"}, "rank.o2": {"2"}},
			{"rank.o2": {"1"}, "rank.o1": {"2"}},
			{"rank.o3": {"1"}, "rank.o1": {"2"}},
		}
		trackers := map[string]string{}
		for i, f := range ranks {
			body := r.signedIn(ids[i]).cast("en", id, f)
			trackers[trackerRE.FindStringSubmatch(body)[1]] = f.Encode()
		}
		anon := r.anon()
		for _, p := range []string{BoardPath("en", id), BoardPath("cs", id), BoardJSONPath(id)} {
			if st, _ := anon.get(p); st != http.StatusNotFound {
				t.Errorf("%s before the close: %d", p, st)
			}
		}
		r.tickAt(closesAt)
		for _, lang := range []string{"en", "cs"} {
			x := anon.do("GET", BoardPath(lang, id), nil)
			title := map[string]string{"en": "Committee election", "cs": "Volba výboru"}[lang]
			for _, want := range []string{
				"<h1>" + htmlText(mt(lang, "board.title", "title", title)) + "</h1>",
				htmlText(mt(lang, "outcome.elected")),
				htmlText(mt(lang, "result.quorum_met")),
				"<caption id=\"rounds-caption\">" + htmlText(mt(lang, "board.rounds")) + "</caption>",
				`<th scope="col">Alena</th>`,
				`<input type="text" id="receipt" name="receipt"`,
				`href="/votes/` + id + `/board.json"`,
				"unionhall votes verify https://union.example/votes/" + id + "/board.json",
				"<dd>4</dd>", // eligible
			} {
				if x.status != 200 || !strings.Contains(x.body, want) {
					t.Errorf("%s board lacks %q (%d)", lang, want, x.status)
				}
			}
			for tr := range trackers {
				if !strings.Contains(x.body, "<code>"+tr+"</code>") {
					t.Errorf("%s board lacks ballot %s", lang, tr)
				}
			}
			if x.header.Get("Cache-Control") != "public, max-age=60" {
				t.Errorf("%s board Cache-Control %q", lang, x.header.Get("Cache-Control"))
			}
			// Find my receipt: as shown, in lower case with a space, with O for 0.
			for tr, f := range trackers {
				first := map[string]string{"rank.o1=1&rank.o2=2": "Alena", "rank.o1=2&rank.o2=1": "Bo", "rank.o1=2&rank.o3=1": "Cyril"}[f]
				for _, typed := range []string{tr, strings.ToLower(strings.Replace(tr, "-", " ", 1)), strings.ReplaceAll(tr, "0", "O")} {
					st, body := anon.post(BoardPath(lang, id), url.Values{"receipt": {typed}})
					if st != 200 || !strings.Contains(body, htmlText(mt(lang, "board.found", "receipt", tr))) || !strings.Contains(body, "<ol><li>"+first) {
						t.Errorf("%s find %q: %d %.400s", lang, typed, st, body[strings.Index(body, "find-result"):][:min(400, len(body)-strings.Index(body, "find-result"))])
					}
				}
			}
			// Not there, empty, hostile (kept escaped, overrides shown as �).
			st, body := anon.post(BoardPath(lang, id), url.Values{"receipt": {"ZZZZ-ZZZZ"}})
			if st != 404 || !strings.Contains(body, htmlText(mt(lang, "board.not_found", "receipt", "ZZZZ-ZZZZ"))) || !strings.Contains(body, `value="ZZZZ-ZZZZ"`) {
				t.Errorf("%s receipt not found: %d", lang, st)
			}
			if st, body := anon.post(BoardPath(lang, id), url.Values{"receipt": {"  "}}); st != 422 || !strings.Contains(body, htmlText(mt(lang, "board.find_empty"))) {
				t.Errorf("%s empty receipt: %d", lang, st)
			}
			st, body = anon.post(BoardPath(lang, id), url.Values{"receipt": {"<script>alert(1)</script>\u202e' OR 1=1"}})
			if st != 404 || strings.Contains(body, "<script>alert") || !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;�") {
				t.Errorf("%s hostile receipt: %d", lang, st)
			}
			if x := anon.do("POST", BoardPath(lang, id), url.Values{"receipt": {"x"}}); x.header.Get("Cache-Control") != "no-store" {
				t.Errorf("%s find answer Cache-Control %q", lang, x.header.Get("Cache-Control"))
			}
			// Pages that do not exist.
			for _, q := range []string{"?page=2", "?page=0", "?page=x", "?page=-1"} {
				if st, _ := anon.get(BoardPath(lang, id) + q); st != 404 {
					t.Errorf("%s board %s: %d", lang, q, st)
				}
			}
		}
		for _, p := range []string{BoardPath("en", "nosuch"), BoardPath("xx", id), "/en/votes/" + id + "/board/extra"} {
			if st, _ := anon.get(p); st != 404 {
				t.Errorf("%s: %d", p, st)
			}
		}
		// The JSON: plain, gzip, conditional; it recounts to the result.
		plain := anon.do("GET", BoardJSONPath(id), nil, "Accept-Encoding", "identity")
		if plain.status != 200 || plain.header.Get("Content-Type") != "application/json" || plain.header.Get("Content-Encoding") != "" {
			t.Fatalf("board.json: %d %v", plain.status, plain.header)
		}
		tr := &http.Transport{DisableCompression: true}
		req, _ := http.NewRequest("GET", r.srv.URL+BoardJSONPath(id), nil)
		req.Header.Set("Accept-Encoding", "gzip")
		res, err := tr.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		zr, err := gzip.NewReader(res.Body)
		if err != nil || res.Header.Get("Content-Encoding") != "gzip" {
			t.Fatalf("board.json gzip: %v %v", err, res.Header)
		}
		unz, _ := io.ReadAll(zr)
		res.Body.Close()
		if !bytes.Equal(unz, []byte(plain.body)) {
			t.Error("gzip and plain board.json differ")
		}
		if x := anon.do("GET", BoardJSONPath(id), nil, "If-None-Match", plain.header.Get("ETag")); x.status != http.StatusNotModified {
			t.Errorf("conditional board.json: %d", x.status)
		}
		b, err := count.ReadBoard(strings.NewReader(plain.body))
		if err != nil {
			t.Fatal(err)
		}
		if len(b.Ballots) != 3 || b.Result.Cast != 3 || b.Vote.Eligible != 4 {
			t.Errorf("board: %d ballots, cast %d, eligible %d", len(b.Ballots), b.Result.Cast, b.Vote.Eligible)
		}
		for _, bl := range b.Ballots {
			if _, ok := trackers[bl.Receipt]; !ok {
				t.Errorf("a ballot nobody cast: %s", bl.Receipt)
			}
		}
		if _, problems := count.Verify(b); len(problems) != 0 {
			t.Errorf("count.Verify disagrees: %v", problems)
		}
		if st, _ := anon.post(BoardJSONPath(id), url.Values{}); st != http.StatusMethodNotAllowed {
			t.Errorf("POST board.json: %d", st)
		}
	})
}

// TestBoardPaged: 500 ballots a page, every ballot on exactly one page,
// links between the pages, and a receipt found whatever page it is on.
func TestBoardPaged(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		r := newMemberRig(t, d)
		const n = 1003
		ids := make([]string, n)
		for i := range ids {
			ids[i] = r.member(fmt.Sprintf("M%04d", i))
		}
		id := r.vote(votes.KindSingle, false, nil)
		r.tickAt(opensAt)
		ctx := context.Background()
		var last string
		for i, m := range ids {
			rec, err := r.votes.Cast(ctx, id, m, count.Ballot{Choices: []string{fmt.Sprintf("o%d", i%3+1)}}, "")
			if err != nil {
				t.Fatal(err)
			}
			last = rec.Tracker
		}
		r.tickAt(closesAt)
		anon := r.anon()
		seen := map[string]int{}
		for p := 1; p <= 3; p++ {
			u := BoardPath("en", id)
			if p > 1 {
				u += fmt.Sprintf("?page=%d", p)
			}
			st, body := anon.get(u)
			if st != 200 {
				t.Fatalf("page %d: %d", p, st)
			}
			rows := strings.Count(body, `<tr><th scope="row"><code>`)
			if want := map[int]int{1: 500, 2: 500, 3: 3}[p]; rows != want {
				t.Errorf("page %d: %d ballots, want %d", p, rows, want)
			}
			for _, part := range strings.Split(body, `<th scope="row"><code>`)[1:] {
				seen[part[:9]]++
			}
			if p < 3 && !strings.Contains(body, fmt.Sprintf(`href="%s?page=%d" rel="next"`, BoardPath("en", id), p+1)) {
				t.Errorf("page %d lacks the next link", p)
			}
			if !strings.Contains(body, `aria-current="page"`) {
				t.Errorf("page %d: no current page marked", p)
			}
		}
		if len(seen) != n {
			t.Errorf("%d distinct ballots over the pages, want %d", len(seen), n)
		}
		for tr, k := range seen {
			if k != 1 {
				t.Errorf("ballot %s on %d pages", tr, k)
			}
		}
		if st, _ := anon.get(BoardPath("en", id) + "?page=4"); st != 404 {
			t.Errorf("page 4: %d", st)
		}
		if st, body := anon.post(BoardPath("cs", id), url.Values{"receipt": {last}}); st != 200 || !strings.Contains(body, htmlText(mt("cs", "board.found", "receipt", last))) {
			t.Errorf("find the last cast receipt: %d", st)
		}
	})
}

// TestMeetingVotes: a meeting page named by votes shows a signed-in
// member its open votes with the ballot link (and whether they voted),
// results with the board after the close, and nothing on other pages.
func TestMeetingVotes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		r := newMemberRig(t, d)
		ana := r.member("Ana")
		r.member("Bo")
		r.member("Cy")
		id := r.vote(votes.KindYesNo, false, func(in *votes.Input) { in.Meeting = "meetings/june" })
		r.tickAt(opensAt)
		c := r.signedIn(ana)
		req := func() *http.Request {
			req, _ := http.NewRequest("GET", r.srv.URL+"/en/meetings/june/", nil)
			u, _ := url.Parse(r.srv.URL)
			for _, ck := range c.jar.Cookies(u) {
				req.AddCookie(ck)
			}
			return req.WithContext(context.Background())
		}
		june := &content.Page{Lang: "en", TranslationKey: "meetings/june", MembersOnly: true}
		juneCS := &content.Page{Lang: "cs", TranslationKey: "meetings/june", MembersOnly: true}
		html := string(r.pages.MeetingExtra(req(), june))
		if !strings.Contains(html, `href="`+BallotPath("en", id)+`"`) || !strings.Contains(html, htmlText(mt("en", "meeting.title"))) || !strings.Contains(html, htmlText(mt("en", "list.vote_now"))) {
			t.Errorf("open vote on the meeting page: %s", html)
		}
		if cs := string(r.pages.MeetingExtra(req(), juneCS)); !strings.Contains(cs, `href="`+BallotPath("cs", id)+`"`) || !strings.Contains(cs, htmlText(mt("cs", "meeting.title"))) {
			t.Errorf("Czech meeting page: %s", cs)
		}
		if got := r.pages.MeetingExtra(req(), &content.Page{Lang: "en", TranslationKey: "meetings/july"}); got != template.HTML("") {
			t.Errorf("a meeting no vote names: %q", got)
		}
		c.cast("en", id, url.Values{"choice": {"yes"}})
		if html := string(r.pages.MeetingExtra(req(), june)); !strings.Contains(html, htmlText(mt("en", "list.voted"))) {
			t.Errorf("after voting: %s", html)
		}
		r.tickAt(closesAt)
		c = r.signedIn(ana)
		html = string(r.pages.MeetingExtra(req(), june))
		if !strings.Contains(html, `href="`+BoardPath("en", id)+`"`) || !strings.Contains(html, htmlText(mt("en", "meeting.results"))) || !strings.Contains(html, htmlText(mt("en", "result.quorum_met"))) {
			t.Errorf("after the close: %s", html)
		}
	})
}
