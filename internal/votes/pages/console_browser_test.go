package pages_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"unionhall/internal/browsertest"
	"unionhall/internal/db"
	"unionhall/internal/dbtest"
	"unionhall/internal/votes"
	"unionhall/internal/votes/count"
	"unionhall/internal/votes/pages"
)

// TestConsoleVotesInBrowser: the committee sets up a vote in Chromium with
// JavaScript off (the form is plain HTML), meets the error summary, creates
// it, schedules it, and after the close reads the result; cancelling is
// confirmed on its own page. Every page is axe-clean, in both languages.
func TestConsoleVotesInBrowser(t *testing.T) {
	b := browsertest.Start(t)
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		r := newConsoleRig(t, d)
		ctx := context.Background()
		voters := r.addMembers(t, 3, "")
		for _, lang := range []string{"en", "cs"} {
			link, err := r.auth.CreateAccount(ctx, lang+"-organiser@example.org", []string{pages.ListVotes, pages.ManageVotes}, nil)
			if err != nil {
				t.Fatal(err)
			}
			tab := b.TabNoJS(t)
			tok := consoleTokenRE.FindStringSubmatch(link)
			browsertest.Navigate(t, tab, r.srv.URL+"/auth/link?token="+tok[1])
			browsertest.ClickNavigate(t, tab, "#signin")
			// The account's language: the console speaks it from here on.
			if err := r.setLang(ctx, lang+"-organiser@example.org", lang); err != nil {
				t.Fatal(err)
			}
			browsertest.ClickNavigate(t, tab, `nav a[href="/admin/votes"]`)
			browsertest.AssertAxeClean(t, tab, lang+" votes list")
			browsertest.ClickNavigate(t, tab, "#new-vote")
			browsertest.AssertAxeClean(t, tab, lang+" new vote")

			// Sent half filled: the summary, the messages, nothing lost.
			browsertest.Type(t, tab, `[id="title.en"]`, "Dues for students")
			browsertest.Click(t, tab, `input[name=kind][value=ranked]`)
			browsertest.SetValue(t, tab, `[id="options.cs"]`, "Alena\nBohdan")
			resp := browsertest.ClickNavigate(t, tab, "#save")
			if resp.Status != 422 || browsertest.Count(t, tab, "#error-summary li") < 3 {
				t.Fatalf("%s half-filled form: %d, %d problems", lang, resp.Status, browsertest.Count(t, tab, "#error-summary li"))
			}
			if got := browsertest.Value(t, tab, `[id="title.en"]`); got != "Dues for students" {
				t.Fatalf("%s: typed title lost: %q", lang, got)
			}
			if !strings.Contains(browsertest.Text(t, tab, "#error-summary"), strings.TrimSuffix(consoleText(lang, "votes.problem.title.required"), ".")) {
				t.Errorf("%s summary: %s", lang, browsertest.Text(t, tab, "#error-summary"))
			}
			browsertest.AssertAxeClean(t, tab, lang+" form with problems")

			// Put right and saved.
			now := r.clock.Now()
			browsertest.SetValue(t, tab, `[id="title.cs"]`, "Příspěvky studentů")
			browsertest.SetValue(t, tab, `[id="options.en"]`, "Alena\nBohdan")
			browsertest.SetValue(t, tab, `[id="text.cs"]`, "Kdo povede **studentskou** sekci?")
			browsertest.SetValue(t, tab, "#opens", r.local(now.Add(time.Hour)))
			browsertest.SetValue(t, tab, "#closes", r.local(now.Add(3*time.Hour)))
			if resp := browsertest.ClickNavigate(t, tab, "#save"); resp.Status != 200 || !strings.Contains(browsertest.Location(t, tab), "done=vote_created") {
				t.Fatalf("%s save: %d at %s\n%s", lang, resp.Status, browsertest.Location(t, tab), browsertest.Text(t, tab, "main"))
			}
			browsertest.AssertAxeClean(t, tab, lang+" draft vote")
			id := strings.TrimPrefix(strings.Split(browsertest.Location(t, tab), "?")[0], r.srv.URL+"/admin/votes/")
			browsertest.ClickNavigate(t, tab, "#edit")
			browsertest.AssertAxeClean(t, tab, lang+" edit form")
			browsertest.ClickNavigate(t, tab, "#save")
			browsertest.ClickNavigate(t, tab, "#schedule")
			if got := browsertest.Text(t, tab, "#state"); got != consoleText(lang, "votes.state.scheduled") {
				t.Fatalf("%s after schedule: %q", lang, got)
			}
			browsertest.AssertAxeClean(t, tab, lang+" scheduled vote")

			r.tick(t, 2*time.Hour) // open
			for i, m := range voters {
				if _, err := r.votes.Cast(ctx, id, m, count.Ballot{Choices: []string{[]string{"o1", "o2", "o1"}[i]}}, ""); err != nil {
					t.Fatal(err)
				}
			}
			browsertest.Navigate(t, tab, r.srv.URL+"/admin/votes/"+id)
			if got := browsertest.Text(t, tab, "#cast"); got != "3" {
				t.Fatalf("%s turnout: %q", lang, got)
			}
			browsertest.AssertAxeClean(t, tab, lang+" open vote")
			r.tick(t, 2*time.Hour) // closed
			browsertest.Navigate(t, tab, r.srv.URL+"/admin/votes/"+id)
			if got := browsertest.Text(t, tab, "#outcome"); !strings.Contains(got, "Alena") {
				t.Fatalf("%s outcome: %q", lang, got)
			}
			browsertest.AssertAxeClean(t, tab, lang+" result")

			// Cancelling a second vote: the confirmation page, the reason.
			id2 := r.create(t, r.login(t, lang+"-helper@example.org", []string{pages.ManageVotes}, nil), r.goodForm())
			browsertest.Navigate(t, tab, r.srv.URL+"/admin/votes/"+id2)
			browsertest.ClickNavigate(t, tab, "#cancel")
			browsertest.AssertAxeClean(t, tab, lang+" cancel page")
			if resp := browsertest.ClickNavigate(t, tab, "#confirm-cancel"); resp.Status != 422 {
				t.Fatalf("%s cancel without a reason: %d", lang, resp.Status)
			}
			browsertest.AssertAxeClean(t, tab, lang+" cancel without a reason")
			browsertest.Type(t, tab, "#reason", "Wrong candidates")
			browsertest.ClickNavigate(t, tab, "#confirm-cancel")
			if got := browsertest.Text(t, tab, "#cancel-reason"); got != "Wrong candidates" {
				t.Fatalf("%s cancelled: %q", lang, got)
			}
			browsertest.AssertAxeClean(t, tab, lang+" cancelled vote")
			if v, _ := r.votes.Get(ctx, id2); v.State != votes.StateCancelled {
				t.Fatalf("%s: %s", lang, v.State)
			}
			browsertest.Navigate(t, tab, r.srv.URL+"/admin/votes/"+id2+"/edit")
			browsertest.AssertAxeClean(t, tab, lang+" refused edit")
			browsertest.AssertNoForeignRequests(t, tab, strings.TrimPrefix(r.srv.URL, "http://"))
		}
	})
}
