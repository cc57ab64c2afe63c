package app

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"unionhall/internal/auth"
	"unionhall/internal/browsertest"
	"unionhall/internal/config"
	"unionhall/internal/dbtest"
	"unionhall/internal/mailtest"
	"unionhall/internal/members"
	"unionhall/internal/votes"
	"unionhall/internal/votes/count"
	votepages "unionhall/internal/votes/pages"
)

var (
	inviteRE    = regexp.MustCompile(`http://[^\s]+/(?:en/member|cs/clen)/link\?token=[A-Za-z0-9_-]+&next=[^\s]+`)
	adminVoteRE = regexp.MustCompile(`/admin/votes/([0-9a-z_-]+)$`)
	trackerText = regexp.MustCompile(`^[0-9A-Z]{4}-[0-9A-Z]{4}$`)
	codeText    = regexp.MustCompile(`^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$`)
)

// TestVoteJourneyInBrowser is issue 10 part 7 as people meet it, in
// headless Chromium against the whole app, on both databases, with real
// SMTP: the committee creates a ranked election (two seats, change
// allowed, invitations) in the console and schedules it; it opens by the
// injected clock and each of three members gets an invitation email whose
// personal link signs them in on the ballot; they rank the candidates
// (one first sends ranks with a gap and is told), confirm and get their
// receipt; one changes their vote with the change code; the vote closes by
// the clock; each finds their receipt on the public board with their
// choices; count.Verify and `unionhall votes verify URL` agree with the
// published result. Every member and board page is checked by axe-core,
// and the members' tabs run without JavaScript.
func TestVoteJourneyInBrowser(t *testing.T) {
	b := browsertest.Start(t)
	bin := buildBinary(t)
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			smtp := mailtest.Start(t)
			cfg := config.Default()
			cfg.DataDir = t.TempDir()
			if engine == "postgres" {
				cfg.DatabaseURL = dbtest.NewPostgresDatabase(t)
			}
			cfg.SMTP = config.SMTP{Host: smtp.Host(), Port: smtp.Port(), TLS: "none", From: "Spojka <noreply@spojka.example>"}
			cfg.Votes.MinEligible = 3
			clk := &fakeClock{t: time.Now()}
			srv := httptest.NewUnstartedServer(nil)
			cfg.PublicURL = "http://" + srv.Listener.Addr().String()
			a, err := New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), Options{Now: clk.Now})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { a.Close() })
			srv.Config.Handler = a.Handler()
			srv.Start()
			t.Cleanup(srv.Close)
			ctx, cancel := context.WithCancel(context.Background())
			t.Cleanup(cancel)
			go a.Queue.Run(ctx)
			voteJourney(t, b, a, cfg.PublicURL, smtp, clk, bin)
		})
	}
}

// voter is one member of the journey.
type voter struct {
	name, email, lang string
	ranks             map[string]string // option id → rank
	tab               context.Context
	tracker, code     string
}

func voteJourney(t *testing.T, b *browsertest.Browser, a *App, base string, smtp *mailtest.Server, clk *fakeClock, bin string) {
	ctx := context.Background()
	chair := &auth.Account{ID: "journey-setup", Roles: auth.Roles}
	voters := []*voter{
		{name: "Jana", email: "jana.dvorakova@posta.example", lang: "cs", ranks: map[string]string{"o1": "1", "o2": "2"}},
		{name: "Petr", email: "petr.novak@posta.example", lang: "en", ranks: map[string]string{"o2": "1", "o3": "2", "o1": "3"}},
		{name: "Eva", email: "eva.svobodova@posta.example", lang: "en", ranks: map[string]string{"o3": "1"}},
	}
	for _, v := range voters {
		if _, _, err := a.Members.AddMember(ctx, chair, members.MemberData{Email: v.email, FirstName: v.name, LastName: "Členová",
			City: "Praha", Lang: v.lang}, "", 0, false); err != nil {
			t.Fatal(err)
		}
	}
	// A fourth member never votes: turnout 75 %.
	if _, _, err := a.Members.AddMember(ctx, chair, members.MemberData{Email: "ota@posta.example", FirstName: "Ota", LastName: "Nevolič", Lang: "cs"}, "", 0, false); err != nil {
		t.Fatal(err)
	}
	opens, closes := clk.Now().Add(time.Hour).Truncate(time.Minute), clk.Now().Add(26*time.Hour).Truncate(time.Minute)
	loc := a.Site.Site().Location
	in := votes.Input{
		Title:         map[string]string{"cs": "Volba výboru 2026", "en": "Committee election 2026"},
		Text:          map[string]string{"cs": "Volíme **dva** členy výboru.", "en": "We elect **two** committee members."},
		Kind:          string(votes.KindRanked),
		Options:       map[string]string{"cs": "Alena Malá\nBořek Veselý\nCyril Dvořák\nDana Horká", "en": "Alena Malá\nBořek Veselý\nCyril Dvořák\nDana Horká"},
		Seats:         "2",
		OpensAt:       opens.In(loc).Format(votes.InputLayout),
		ClosesAt:      closes.In(loc).Format(votes.InputLayout),
		Threshold:     votes.ThresholdPlurality,
		QuorumPercent: "50",
		AllowChange:   true,
		Invite:        true,
		Meeting:       "meetings/autumn-assembly",
	}
	id := createInConsole(t, b, a, base, in)

	// The vote opens by the clock; invitations go out by real SMTP.
	clk.Add(time.Hour + time.Minute)
	if err := a.Votes.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	if v, _ := a.Votes.Get(ctx, id); v.State != votes.StateOpen || v.Eligible != 4 {
		t.Fatalf("after opening: %s, %d eligible", v.State, v.Eligible)
	}
	for _, v := range voters {
		mail := waitMail(t, smtp, v.email, "/link?token=")
		link := inviteRE.FindString(mail.Text)
		if link == "" {
			t.Fatalf("invitation to %s has no link: %q", v.name, mail.Text)
		}
		v.tab = b.TabNoJS(t)
		browsertest.Navigate(t, v.tab, link)
		assertAxe(t, v.tab, "invitation sign-in ("+v.lang+")")
		browsertest.ClickNavigate(t, v.tab, "main form button[type=submit]")
		if loc := browsertest.Location(t, v.tab); !strings.HasSuffix(loc, votepages.BallotPath(v.lang, id)) {
			t.Fatalf("%s landed on %s", v.name, loc)
		}
		assertAxe(t, v.tab, "ballot ("+v.lang+")")
		if v == voters[0] {
			// A gap in the ranks is refused, with the ranks kept.
			browsertest.SetValue(t, v.tab, "#rank-o1", "1")
			browsertest.SetValue(t, v.tab, "#rank-o2", "3")
			if resp := browsertest.ClickNavigate(t, v.tab, "#review"); resp.Status != 422 {
				t.Fatalf("ranks with a gap: %d", resp.Status)
			}
			if got := browsertest.Text(t, v.tab, "#error-summary"); !strings.Contains(got, "chybí číslo") {
				t.Errorf("gap message: %q", got)
			}
			if browsertest.Value(t, v.tab, "#rank-o2") != "3" {
				t.Error("the rank typed was not kept")
			}
			assertAxe(t, v.tab, "ballot with an error")
			browsertest.SetValue(t, v.tab, "#rank-o2", "")
		}
		rankIn(t, v)
		browsertest.ClickNavigate(t, v.tab, "#review")
		assertAxe(t, v.tab, "confirmation ("+v.lang+")")
		if v == voters[1] {
			// Back keeps the choice; then confirm.
			browsertest.ClickNavigate(t, v.tab, "#back")
			if browsertest.Value(t, v.tab, "#rank-o3") != "2" {
				t.Error("Back lost the ranks")
			}
			browsertest.ClickNavigate(t, v.tab, "#review")
		}
		browsertest.ClickNavigate(t, v.tab, "#cast")
		assertAxe(t, v.tab, "receipt ("+v.lang+")")
		v.tracker = browsertest.Text(t, v.tab, "#tracker")
		v.code = browsertest.Text(t, v.tab, "#change-code")
		if !trackerText.MatchString(v.tracker) || !codeText.MatchString(v.code) {
			t.Fatalf("%s receipt: %q %q", v.name, v.tracker, v.code)
		}
		// The list says voted, the portal home links the votes.
		browsertest.Navigate(t, v.tab, base+votepages.MemberBase(v.lang))
		assertAxe(t, v.tab, "votes list ("+v.lang+")")
		browsertest.Navigate(t, v.tab, base+map[string]string{"cs": "/cs/clen/", "en": "/en/member/"}[v.lang])
		if browsertest.Count(t, v.tab, "#votes-link") != 1 {
			t.Errorf("%s: the portal home does not link the votes", v.name)
		}
	}
	// No email holds a receipt or a change code.
	for _, m := range smtp.Messages() {
		for _, v := range voters {
			if strings.Contains(m.Text, v.tracker) || strings.Contains(m.Text, v.code) {
				t.Errorf("an email holds %s's receipt or change code", v.name)
			}
		}
	}
	// Petr changes his vote with his change code.
	petr := voters[1]
	// On a phone: narrow, and zoomable.
	if _, err := chromedp.Run(petr.tab, chromedp.EmulateViewport(360, 740)); err != nil {
		t.Fatal(err)
	}
	browsertest.Navigate(t, petr.tab, base+votepages.BallotPath("en", id))
	assertNarrow(t, petr.tab, "change form on a phone")
	assertAxe(t, petr.tab, "change form")
	browsertest.Type(t, petr.tab, "#change-code", "WRONG-CODE-0000")
	petr.ranks = map[string]string{"o4": "1", "o2": "2"}
	rankIn(t, petr)
	browsertest.ClickNavigate(t, petr.tab, "#review")
	if resp := browsertest.ClickNavigate(t, petr.tab, "#cast"); resp.Status != 422 {
		t.Fatalf("a wrong change code: %d", resp.Status)
	}
	assertAxe(t, petr.tab, "change form with a wrong code")
	browsertest.SetValue(t, petr.tab, "#change-code", strings.ToLower(petr.code))
	browsertest.ClickNavigate(t, petr.tab, "#review")
	browsertest.ClickNavigate(t, petr.tab, "#cast")
	if got := browsertest.Text(t, petr.tab, "#tracker"); got != petr.tracker {
		t.Errorf("the changed ballot's receipt %q, want %q", got, petr.tracker)
	}
	assertAxe(t, petr.tab, "receipt of a change")
	// The meeting page shows the open vote to a signed-in member.
	browsertest.Navigate(t, petr.tab, base+"/en/meetings/autumn-assembly/")
	if browsertest.Count(t, petr.tab, `.member-extra a[href="`+votepages.BallotPath("en", id)+`"]`) != 1 {
		t.Errorf("the meeting page lacks the open vote: %.600s", browsertest.Text(t, petr.tab, "main"))
	}
	assertAxe(t, petr.tab, "meeting page with its vote")

	// The board is not there before the close.
	public := b.TabNoJS(t)
	if resp := browsertest.Navigate(t, public, base+votepages.BoardPath("en", id)); resp.Status != 404 {
		t.Fatalf("board before the close: %d", resp.Status)
	}
	assertAxe(t, public, "no board yet")
	// The vote closes by the clock.
	clk.Add(closes.Sub(clk.Now()) + time.Minute)
	if err := a.Votes.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	for _, v := range voters {
		browsertest.Navigate(t, v.tab, base+votepages.BoardPath(v.lang, id))
		assertAxe(t, v.tab, "board ("+v.lang+")")
		browsertest.Type(t, v.tab, "#receipt", v.tracker)
		browsertest.ClickNavigate(t, v.tab, "#find")
		got := browsertest.Text(t, v.tab, "#find-result")
		if !strings.Contains(got, v.tracker) {
			t.Errorf("%s's receipt not found on the board: %q", v.name, got)
		}
		first := map[string]string{"o1": "Alena", "o2": "Bořek", "o3": "Cyril", "o4": "Dana"}
		for opt, rank := range v.ranks {
			if rank == "1" && !strings.Contains(got, first[opt]) {
				t.Errorf("%s's first preference %s missing: %q", v.name, first[opt], got)
			}
		}
		assertAxe(t, v.tab, "board with the receipt found ("+v.lang+")")
	}
	if _, err := chromedp.Run(public, chromedp.EmulateViewport(360, 740)); err != nil {
		t.Fatal(err)
	}
	browsertest.Navigate(t, public, base+votepages.BoardPath("cs", id)+"?page=1")
	assertNarrow(t, public, "board on a phone")
	assertAxe(t, public, "board for a visitor (cs)")
	browsertest.AssertNoForeignRequests(t, public, "127.0.0.1")

	// Anyone recounts: count.Verify and the command agree with the result.
	res, err := http.Get(base + votepages.BoardJSONPath(id))
	if err != nil {
		t.Fatal(err)
	}
	board, err := count.ReadBoard(res.Body)
	res.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if len(board.Ballots) != 3 || board.Result.Cast != 3 || board.Result.Eligible != 4 || !board.Result.QuorumMet {
		t.Errorf("board: %d ballots, cast %d of %d, quorum %v", len(board.Ballots), board.Result.Cast, board.Result.Eligible, board.Result.QuorumMet)
	}
	for _, bl := range board.Ballots {
		if bl.Receipt == petr.tracker && !slices.Equal(bl.Choices, []string{"o4", "o2"}) {
			t.Errorf("Petr's changed ballot on the board: %v", bl.Choices)
		}
	}
	recount, problems := count.Verify(board)
	if len(problems) != 0 {
		t.Errorf("count.Verify: %v", problems)
	}
	stored, _ := a.Votes.Get(ctx, id)
	if stored.Result == nil || !slices.Equal(recount.Elected, stored.Result.Elected) || len(recount.Elected) != 2 {
		t.Errorf("recount elects %v, the vote %v", recount.Elected, stored.Result)
	}
	out, err := exec.Command(bin, "votes", "verify", base+votepages.BoardJSONPath(id)).CombinedOutput()
	if err != nil {
		t.Errorf("unionhall votes verify: %v\n%s", err, out)
	}
	js, _ := json.Marshal(recount.Elected)
	t.Logf("elected %s; verify says: %s", js, strings.TrimSpace(string(out)))
}

// assertNarrow: the page fits a phone's width (tables scroll inside their
// own box) and the viewport lets people zoom.
func assertNarrow(t *testing.T, tab context.Context, page string) {
	t.Helper()
	if w := browsertest.Eval[int](t, tab, `document.documentElement.scrollWidth`); w > 360 {
		t.Errorf("%s: %d px wide on a 360 px screen", page, w)
	}
	vp := browsertest.Eval[string](t, tab, `(document.querySelector('meta[name=viewport]') || {}).content || ""`)
	if !strings.Contains(vp, "width=device-width") || strings.Contains(vp, "user-scalable=no") || strings.Contains(vp, "maximum-scale=1") {
		t.Errorf("%s: viewport %q", page, vp)
	}
}

// rankIn sets the voter's ranks on the ballot, the rest unranked.
func rankIn(t *testing.T, v *voter) {
	t.Helper()
	for _, o := range []string{"o1", "o2", "o3", "o4"} {
		browsertest.SetValue(t, v.tab, "#rank-"+o, v.ranks[o])
	}
}

// createInConsole creates and schedules the vote in the committee's
// console as a person would. Until the console's votes section is in the
// app it creates it through votes.Service instead and says so.
func createInConsole(t *testing.T, b *browsertest.Browser, a *App, base string, in votes.Input) string {
	t.Helper()
	ctx := context.Background()
	login, err := a.Auth.CreateAccount(ctx, "chair@spojka.example", auth.Roles, nil)
	if err != nil {
		t.Fatal(err)
	}
	console := b.Tab(t)
	browsertest.Navigate(t, console, base+login[strings.Index(login, "/auth/"):])
	browsertest.ClickNavigate(t, console, "#signin")
	if resp := browsertest.Navigate(t, console, base+"/admin/votes/new"); resp.Status == http.StatusNotFound {
		t.Log("the console has no votes section yet: the vote is created through votes.Service")
		id, p, err := a.Votes.Create(ctx, "journey-chair", in)
		if err != nil || !p.OK() {
			t.Fatalf("create: %v %v", p, err)
		}
		if err := a.Votes.Schedule(ctx, "journey-chair", id); err != nil {
			t.Fatal(err)
		}
		return id
	}
	for _, lang := range []string{"cs", "en"} {
		browsertest.Type(t, console, `[name="title.`+lang+`"]`, in.Title[lang])
		browsertest.Type(t, console, `[name="text.`+lang+`"]`, in.Text[lang])
		browsertest.SetValue(t, console, `[name="options.`+lang+`"]`, in.Options[lang])
	}
	browsertest.Click(t, console, `input[name="kind"][value="`+in.Kind+`"]`)
	browsertest.SetValue(t, console, `[name="seats"]`, in.Seats)
	browsertest.SetValue(t, console, `[name="opens"]`, in.OpensAt)
	browsertest.SetValue(t, console, `[name="closes"]`, in.ClosesAt)
	browsertest.SetValue(t, console, `[name="quorum"]`, in.QuorumPercent)
	browsertest.SetValue(t, console, `#threshold`, in.Threshold)
	browsertest.Click(t, console, "#allow_change")
	browsertest.Click(t, console, "#invite")
	browsertest.SetValue(t, console, "#meeting", in.Meeting)
	browsertest.ClickNavigate(t, console, "#save")
	m := adminVoteRE.FindStringSubmatch(strings.SplitN(browsertest.Location(t, console), "?", 2)[0])
	if m == nil {
		t.Fatalf("after creating: %s %.600s", browsertest.Location(t, console), browsertest.Text(t, console, "main"))
	}
	assertAxe(t, console, "console vote page")
	browsertest.ClickNavigate(t, console, "#schedule")
	if v, err := a.Votes.Get(ctx, m[1]); err != nil || v.State != votes.StateScheduled {
		t.Fatalf("after scheduling in the console: %v %v", v, err)
	}
	return m[1]
}
