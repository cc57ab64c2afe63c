package pages_test

import (
	"context"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"unionhall/internal/console"
	"unionhall/internal/db"
	"unionhall/internal/dbtest"
	"unionhall/internal/members"
	"unionhall/internal/votes"
	"unionhall/internal/votes/count"
	"unionhall/internal/votes/pages"
)

// msg is text key in lang as a page shows it (escaped as html/template
// escapes text, "+" included).
func msg(lang, key string, args ...any) string {
	return strings.ReplaceAll(template.HTMLEscapeString(console.T(lang, key, args...)), "+", "&#43;")
}

// TestConsoleVotesByRole: list-votes sees the votes but cannot set one up;
// manage-votes sets them up; nobody else — an account without roles, a
// workplace representative, a visitor — gets anything.
func TestConsoleVotesByRole(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		r := newConsoleRig(t, d)
		ctx := context.Background()
		wp, err := r.reg.SaveWorkplace(ctx, consoleSuper, members.Workplace{Name: "Depot"})
		if err != nil {
			t.Fatal(err)
		}
		both := r.login(t, "both@example.org", []string{pages.ListVotes, pages.ManageVotes}, nil)
		id := r.create(t, both, r.goodForm())
		lister := r.login(t, "lister@example.org", []string{pages.ListVotes}, nil)
		manager := r.login(t, "manager@example.org", []string{pages.ManageVotes}, nil)
		nobody := r.login(t, "nobody@example.org", nil, nil)
		rep := r.login(t, "rep@example.org", nil, []string{wp})
		anon := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		base := r.srv.URL
		type req struct {
			method, path string
			manage       bool // needs manage-votes (else list-votes)
		}
		reqs := []req{
			{"GET", "/admin/votes", false}, {"GET", "/admin/votes/" + id, false},
			{"GET", "/admin/votes/new", true}, {"POST", "/admin/votes/new", true},
			{"GET", "/admin/votes/" + id + "/edit", true}, {"POST", "/admin/votes/" + id + "/edit", true},
			{"GET", "/admin/votes/" + id + "/cancel", true}, {"POST", "/admin/votes/" + id + "/cancel", true},
			{"POST", "/admin/votes/" + id + "/schedule", true},
		}
		for _, q := range reqs {
			form := url.Values{"title.en": {"Sneaky"}}
			for who, c := range map[string]*http.Client{"lister": lister, "manager": manager, "nobody": nobody, "rep": rep, "anon": anon} {
				code, body := consoleDo(t, c, q.method, base+q.path, "en", form)
				allowed := (who == "lister" && !q.manage) || (who == "manager" && q.manage)
				switch {
				case who == "anon":
					if code != http.StatusSeeOther && code != http.StatusUnauthorized {
						t.Errorf("%s %s anonymous: %d", q.method, q.path, code)
					}
				case allowed && (code == http.StatusForbidden || code >= 500):
					t.Errorf("%s %s as %s: %d, want allowed\n%.300s", q.method, q.path, who, code, body)
				case !allowed && code != http.StatusForbidden:
					t.Errorf("%s %s as %s: %d, want 403", q.method, q.path, who, code)
				}
				if !allowed && strings.Contains(body, "Committee election") {
					t.Errorf("%s %s as %s shows the vote", q.method, q.path, who)
				}
			}
		}
		// Nothing the refused requests sent was stored or changed (the
		// manager's allowed schedule went through; their "Sneaky" edit,
		// a form without its other fields, was refused).
		vs, err := r.votes.List(ctx)
		if err != nil || len(vs) != 1 || vs[0].State != votes.StateScheduled || vs[0].Title["en"] != "Committee election" {
			t.Fatalf("after refused requests: %+v %v", vs, err)
		}
		// The navigation and the dashboard offer the section to its
		// holders only.
		for who, c := range map[string]*http.Client{"lister": lister, "nobody": nobody, "rep": rep} {
			_, body := consoleDo(t, c, "GET", base+"/admin/", "en", nil)
			if got, want := strings.Contains(body, `href="/admin/votes"`), who == "lister"; got != want {
				t.Errorf("dashboard of %s links to votes: %v", who, got)
			}
		}
		_, body := consoleDo(t, lister, "GET", base+"/admin/votes", "en", nil)
		if strings.Contains(body, `href="/admin/votes/new"`) {
			t.Error("list-votes alone is offered the new-vote button")
		}
	})
}

// TestConsoleVoteBadInput: every kind of bad input comes back on the same
// page with the message in the person's language at its field, and what
// they typed kept; nothing is stored.
func TestConsoleVoteBadInput(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		r := newConsoleRig(t, d)
		c := r.login(t, "boss@example.org", []string{pages.ListVotes, pages.ManageVotes}, nil)
		now := r.clock.Now()
		with := func(kv ...string) url.Values {
			f := r.goodForm()
			for i := 0; i < len(kv); i += 2 {
				f.Set(kv[i], kv[i+1])
			}
			return f
		}
		cases := []struct {
			name  string
			form  url.Values
			field string // the field (or fieldset) the message is at
			key   string // the message
			args  []any
			kept  string // a typed value that must come back (escaped)
		}{
			{"no title", with("title.cs", "", "title.en", "Only English"), "title.cs", "votes.problem.title.required", nil, "Only English"},
			{"script tag", with("title.cs", "", "title.en", "<script>alert(1)</script>"), "title.cs", "votes.problem.title.required", nil, "&lt;script&gt;alert(1)&lt;/script&gt;"},
			{"direction override", with("title.en", "Vote \u202Eevil"), "title.en", "err.bidi", nil, "Vote \uFFFDevil"},
			{"control character", with("text.cs", "Text\x00s nulou"), "text.cs", "err.control", nil, "Text\uFFFDs nulou"},
			{"oversized title", with("title.en", strings.Repeat("é", 201)), "title.en", "err.too_long", []any{"max", 200, "n", 201}, strings.Repeat("é", 201)},
			{"oversized options", with("options.en", strings.Repeat("x", 4001)), "options.en", "err.too_long", []any{"max", 4000, "n", 4001}, ""},
			{"no kind", with("kind", ""), "kind", "votes.problem.kind.invalid", nil, "Committee election"},
			{"forged kind", with("kind", "plebiscite"), "kind", "votes.problem.kind.invalid", nil, "Committee election"},
			{"one option", with("options.cs", "Jen jedna", "options.en", "Only one"), "options", "votes.problem.options.too_few", nil, "Jen jedna"},
			{"duplicate options", with("options.cs", "Ano\nano\nNe", "options.en", "Yes\nYes2\nNo"), "options.cs", "votes.problem.options.duplicate", nil, "Yes2"},
			{"options do not match", with("options.en", "Alena\nBohdan"), "options.en", "votes.problem.options.count_mismatch", nil, "Alena\nBohdan"},
			{"max choices", with("kind", "multiple", "max_choices", "9"), "max_choices", "votes.problem.max_choices.range", nil, `value="9"`},
			{"seats", with("kind", "ranked", "seats", "3"), "seats", "votes.problem.seats.range", nil, `value="3"`},
			{"quorum words", with("quorum", "half"), "quorum", "votes.problem.quorum.range", nil, `value="half"`},
			{"quorum over 100", with("quorum", "101"), "quorum", "votes.problem.quorum.range", nil, `value="101"`},
			{"threshold", with("threshold", "unanimous"), "threshold", "votes.problem.threshold.invalid", nil, "Committee election"},
			{"ranked threshold", with("kind", "ranked", "threshold", "majority"), "threshold", "votes.problem.threshold.ranked", nil, "Committee election"},
			{"no opening", with("opens", ""), "opens", "votes.problem.opens.required", nil, "Committee election"},
			{"bad opening", with("opens", "tomorrow"), "opens", "votes.problem.opens.invalid", nil, `value="tomorrow"`},
			{"no closing", with("closes", ""), "closes", "votes.problem.closes.required", nil, "Committee election"},
			{"bad closing", with("closes", "2026-13-45T99:99"), "closes", "votes.problem.closes.invalid", nil, `value="2026-13-45T99:99"`},
			{"closes first", with("closes", r.local(now.Add(12*time.Hour))), "closes", "votes.problem.closes.before_opens", nil, r.local(now.Add(12 * time.Hour))},
			{"unknown workplace", with("workplaces", "'; DROP TABLE votes; --"), "workplaces", "votes.problem.workplaces.unknown", nil, "Committee election"},
			{"meeting path", with("meeting", "../../etc/passwd"), "meeting", "votes.problem.meeting.invalid", nil, "../../etc/passwd"},
		}
		for _, lang := range []string{"en", "cs"} {
			for _, tc := range cases {
				code, body := consoleDo(t, c, "POST", r.srv.URL+"/admin/votes/new", lang, tc.form)
				want := msg(lang, tc.key, tc.args...)
				if code != http.StatusUnprocessableEntity {
					t.Errorf("%s (%s): %d, want 422\n%.600s", tc.name, lang, code, body)
					continue
				}
				// The summary links to the field; the message is next to it.
				if !strings.Contains(body, `href="#`+tc.field+`"`) || !strings.Contains(body, `id="err-`+tc.field+`">`+want) {
					t.Errorf("%s (%s): no message %q at %s\n%.3000s", tc.name, lang, want, tc.field, body)
				}
				if !strings.Contains(body, `id="error-summary"`) {
					t.Errorf("%s (%s): no error summary", tc.name, lang)
				}
				if tc.kept != "" && !strings.Contains(body, tc.kept) {
					t.Errorf("%s (%s): typed value %q lost", tc.name, lang, tc.kept)
				}
				if strings.Contains(body, "<script>alert") || strings.Contains(body, "\u202E") || strings.Contains(body, "\x00") {
					t.Errorf("%s (%s): hostile text echoed raw", tc.name, lang)
				}
			}
		}
		// A body over the console's bound is refused whole, not cut.
		code, body := consoleDo(t, c, "POST", r.srv.URL+"/admin/votes/new", "cs", with("text.en", strings.Repeat("x", 70000)))
		if code != http.StatusBadRequest || !strings.Contains(body, msg("cs", "err.form_unread")) {
			t.Errorf("oversized body: %d\n%.500s", code, body)
		}
		if vs, err := r.votes.List(context.Background()); err != nil || len(vs) != 0 {
			t.Fatalf("bad input stored %d votes (%v)", len(vs), err)
		}
		// SQL is only text: stored as typed and shown escaped.
		id := r.create(t, c, with("title.en", `Robert'); DROP TABLE votes; -- <b>bold</b>`))
		code, body = consoleDo(t, c, "GET", r.srv.URL+"/admin/votes/"+id, "en", nil)
		if code != 200 || !strings.Contains(body, "Robert&#39;); DROP TABLE votes; -- &lt;b&gt;bold&lt;/b&gt;") {
			t.Fatalf("vote page: %d\n%.2000s", code, body)
		}
	})
}

// TestConsoleVoteLifecycle: create, check the voters' view, edit, schedule;
// once open the form is refused (409, nothing typed lost); after the close
// (the clock advanced, Tick) the page shows the result and links to the
// board.
func TestConsoleVoteLifecycle(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		r := newConsoleRig(t, d)
		ctx := context.Background()
		c := r.login(t, "boss@example.org", []string{pages.ListVotes, pages.ManageVotes}, nil)
		base := r.srv.URL
		voters := r.addMembers(t, 4, "")
		form := r.goodForm()
		form.Set("kind", "yesno")
		form.Set("options.cs", "")
		form.Set("options.en", "")
		form.Set("title.cs", "Zvýšení příspěvků")
		form.Set("title.en", "Raising the dues")
		form.Set("text.en", "Raise the dues by **5 %**. <script>alert(1)</script> [x](javascript:alert(1))")
		form.Set("quorum", "50")
		form.Set("threshold", "majority")
		form.Set("allow_change", "yes")
		form.Set("meeting", "meetings/autumn-assembly")
		code, loc := consoleDo(t, c, "POST", base+"/admin/votes/new", "en", form)
		if code != http.StatusSeeOther || !strings.HasSuffix(loc, "?done=vote_created") {
			t.Fatalf("create: %d %.1000s", code, loc)
		}
		id := strings.TrimSuffix(strings.TrimPrefix(loc, "/admin/votes/"), "?done=vote_created")

		code, body := consoleDo(t, c, "GET", base+loc, "en", nil)
		for _, want := range []string{msg("en", "flash.vote_created"), "Zvýšení příspěvků", "Raising the dues",
			"<strong>5 %</strong>", "Ano", "Yes", msg("en", "votes.state.draft"), `id="schedule"`, "Autumn members&#39; meeting"} {
			if !strings.Contains(body, want) {
				t.Errorf("vote page lacks %q", want)
			}
		}
		if code != 200 || strings.Contains(body, "<script>alert") || strings.Contains(body, "javascript:") {
			t.Fatalf("vote page: %d, or the text's script came through\n%.3000s", code, body)
		}
		// The list: title, kind, state, times in the site's zone.
		_, body = consoleDo(t, c, "GET", base+"/admin/votes", "cs", nil)
		opens := r.clock.Now().Add(24 * time.Hour).In(r.site.Location).Format("2006-01-02 15:04")
		for _, want := range []string{"Zvýšení příspěvků", msg("cs", "votes.kind.yesno"), msg("cs", "votes.state.draft"), opens, msg("cs", "votes.not_fixed")} {
			if !strings.Contains(body, want) {
				t.Errorf("list lacks %q\n%.3000s", want, body)
			}
		}

		// Edit: the stored values fill the form, a change is saved.
		code, body = consoleDo(t, c, "GET", base+"/admin/votes/"+id+"/edit", "en", nil)
		if code != 200 || !strings.Contains(body, `value="Raising the dues"`) || !strings.Contains(body, `value="50"`) ||
			!strings.Contains(body, `value="meetings/autumn-assembly" selected`) || !strings.Contains(body, `name="allow_change" value="yes" checked`) {
			t.Fatalf("edit form: %d\n%.4000s", code, body)
		}
		form.Set("title.en", "Raising the dues in 2027")
		if code, loc := consoleDo(t, c, "POST", base+"/admin/votes/"+id+"/edit", "en", form); code != http.StatusSeeOther || !strings.HasSuffix(loc, "done=vote_saved") {
			t.Fatalf("save: %d %.1000s", code, loc)
		}
		if v, _ := r.votes.Get(ctx, id); v.Title["en"] != "Raising the dues in 2027" || v.QuorumPercent != 50 {
			t.Fatalf("saved: %+v", v)
		}
		if code, loc := consoleDo(t, c, "POST", base+"/admin/votes/"+id+"/schedule", "en", nil); code != http.StatusSeeOther || !strings.HasSuffix(loc, "done=vote_scheduled") {
			t.Fatalf("schedule: %d %.1000s", code, loc)
		}

		// It opens by the clock: from then on the form is refused.
		r.tick(t, 25*time.Hour)
		if v, _ := r.votes.Get(ctx, id); v.State != votes.StateOpen || v.Eligible != 4 {
			t.Fatalf("after the opening: %s, %d eligible", v.State, v.Eligible)
		}
		for _, lang := range []string{"en", "cs"} {
			code, body = consoleDo(t, c, "GET", base+"/admin/votes/"+id+"/edit", lang, nil)
			if code != http.StatusConflict || !strings.Contains(body, msg(lang, "votes.err.locked")) {
				t.Errorf("edit page of an open vote (%s): %d\n%.1000s", lang, code, body)
			}
			form.Set("title.en", "Changed under the voters")
			code, body = consoleDo(t, c, "POST", base+"/admin/votes/"+id+"/edit", lang, form)
			if code != http.StatusConflict || !strings.Contains(body, msg(lang, "votes.err.locked")) || !strings.Contains(body, `value="Changed under the voters"`) {
				t.Errorf("save of an open vote (%s): %d\n%.1000s", lang, code, body)
			}
		}
		if v, _ := r.votes.Get(ctx, id); v.Title["en"] != "Raising the dues in 2027" {
			t.Fatalf("an open vote changed: %q", v.Title["en"])
		}

		// Turnout so far: a count, never who.
		for i, m := range voters[:3] {
			choice := count.OptionYes
			if i == 2 {
				choice = count.OptionNo
			}
			if _, err := r.votes.Cast(ctx, id, m, count.Ballot{Choices: []string{choice}}, ""); err != nil {
				t.Fatal(err)
			}
		}
		_, body = consoleDo(t, c, "GET", base+"/admin/votes/"+id, "en", nil)
		if !strings.Contains(body, `<strong id="cast">3</strong>`) || !strings.Contains(body, `<strong id="eligible">4</strong>`) || strings.Contains(body, `id="result"`) {
			t.Fatalf("open vote's page: turnout missing or a result before the close\n%.3000s", body)
		}

		// Closed by the clock: the result and the board.
		r.tick(t, 24*time.Hour)
		for _, lang := range []string{"en", "cs"} {
			code, body = consoleDo(t, c, "GET", base+"/admin/votes/"+id, lang, nil)
			for _, want := range []string{`id="result"`, "3 / 4 (75.00 %)", msg(lang, "votes.quorum_met"), msg(lang, "votes.outcome.adopted"),
				`href="` + pages.BoardPath(lang, id) + `"`, msg(lang, "votes.state.closed")} {
				if !strings.Contains(body, want) {
					t.Errorf("closed vote's page (%s) lacks %q", lang, want)
				}
			}
			if code != 200 || strings.Contains(body, `id="edit"`) || strings.Contains(body, `id="cancel"`) {
				t.Errorf("closed vote's page (%s): %d, still offers edit or cancel", lang, code)
			}
		}
		if code, _ := consoleDo(t, c, "GET", base+"/admin/votes/"+id+"/edit", "en", nil); code != http.StatusConflict {
			t.Errorf("edit page of a closed vote: %d", code)
		}
	})
}

// TestConsoleVoteRanked: a ranked election's result shows the STV stages.
func TestConsoleVoteRanked(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		r := newConsoleRig(t, d)
		ctx := context.Background()
		c := r.login(t, "boss@example.org", []string{pages.ListVotes, pages.ManageVotes}, nil)
		voters := r.addMembers(t, 5, "")
		form := r.goodForm()
		form.Set("kind", "ranked")
		form.Set("seats", "2")
		id := r.create(t, c, form)
		if code, _ := consoleDo(t, c, "POST", r.srv.URL+"/admin/votes/"+id+"/schedule", "en", nil); code != http.StatusSeeOther {
			t.Fatalf("schedule: %d", code)
		}
		r.tick(t, 25*time.Hour)
		prefs := [][]string{{"o1", "o2"}, {"o1", "o3"}, {"o1", "o2"}, {"o2"}, {"o3", "o2"}}
		for i, m := range voters {
			if _, err := r.votes.Cast(ctx, id, m, count.Ballot{Choices: prefs[i]}, ""); err != nil {
				t.Fatal(err)
			}
		}
		r.tick(t, 24*time.Hour)
		code, body := consoleDo(t, c, "GET", r.srv.URL+"/admin/votes/"+id, "en", nil)
		for _, want := range []string{`id="rounds"`, msg("en", "votes.round.first"), msg("en", "votes.round.surplus"), msg("en", "votes.outcome.elected"), "Alena"} {
			if !strings.Contains(body, want) {
				t.Errorf("ranked result lacks %q", want)
			}
		}
		if code != 200 {
			t.Fatalf("ranked result: %d\n%.3000s", code, body)
		}
	})
}

// TestConsoleVoteCancel: cancelling needs a reason (refused in both
// languages without one, the page kept); with one, the vote is cancelled
// and the reason shown; a cancelled vote cannot be cancelled or edited.
func TestConsoleVoteCancel(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		r := newConsoleRig(t, d)
		ctx := context.Background()
		c := r.login(t, "boss@example.org", []string{pages.ListVotes, pages.ManageVotes}, nil)
		r.addMembers(t, 3, "")
		base := r.srv.URL
		id := r.create(t, c, r.goodForm())
		consoleDo(t, c, "POST", base+"/admin/votes/"+id+"/schedule", "en", nil)
		r.tick(t, 25*time.Hour) // open: cancelling mid-way

		code, body := consoleDo(t, c, "GET", base+"/admin/votes/"+id+"/cancel", "cs", nil)
		if code != 200 || !strings.Contains(body, msg("cs", "votes.cancel_warning")) || !strings.Contains(body, `id="confirm-cancel"`) {
			t.Fatalf("cancel page: %d\n%.2000s", code, body)
		}
		for _, lang := range []string{"en", "cs"} {
			for _, reason := range []string{"", "   ", "bad\u202Ereason", strings.Repeat("r", 1001)} {
				code, body := consoleDo(t, c, "POST", base+"/admin/votes/"+id+"/cancel", lang, url.Values{"reason": {reason}})
				if code != http.StatusUnprocessableEntity || !strings.Contains(body, `id="err-reason"`) || !strings.Contains(body, `id="confirm-cancel"`) {
					t.Errorf("cancel with reason %.20q (%s): %d\n%.1500s", reason, lang, code, body)
				}
			}
		}
		if v, _ := r.votes.Get(ctx, id); v.State != votes.StateOpen {
			t.Fatalf("cancelled without a reason: %s", v.State)
		}
		reason := "The candidate list was wrong <b>sorry</b>"
		code, loc := consoleDo(t, c, "POST", base+"/admin/votes/"+id+"/cancel", "en", url.Values{"reason": {reason}})
		if code != http.StatusSeeOther || !strings.HasSuffix(loc, "done=vote_cancelled") {
			t.Fatalf("cancel: %d %s", code, loc)
		}
		v, _ := r.votes.Get(ctx, id)
		if v.State != votes.StateCancelled || v.CancelReason != reason {
			t.Fatalf("after cancel: %s %q", v.State, v.CancelReason)
		}
		_, body = consoleDo(t, c, "GET", base+loc, "en", nil)
		if !strings.Contains(body, "The candidate list was wrong &lt;b&gt;sorry&lt;/b&gt;") || !strings.Contains(body, msg("en", "flash.vote_cancelled")) {
			t.Fatalf("cancelled vote's page\n%.2000s", body)
		}
		if code, body := consoleDo(t, c, "POST", base+"/admin/votes/"+id+"/cancel", "cs", url.Values{"reason": {"again"}}); code != http.StatusConflict || !strings.Contains(body, msg("cs", "votes.err.not_cancellable")) {
			t.Errorf("second cancel: %d", code)
		}
		if code, body := consoleDo(t, c, "GET", base+"/admin/votes/"+id+"/edit", "en", nil); code != http.StatusConflict || !strings.Contains(body, msg("en", "votes.err.locked_cancelled")) {
			t.Errorf("edit of a cancelled vote: %d", code)
		}
		// Unknown and malformed ids are 404, never an error.
		for _, bad := range []string{db.NewID(), "x'%20OR%201=1", strings.Repeat("a", 65)} {
			if code, _ := consoleDo(t, c, "GET", base+"/admin/votes/"+bad, "en", nil); code != http.StatusNotFound {
				t.Errorf("GET vote %q: %d", bad, code)
			}
		}
	})
}

// TestConsoleVoteScheduleRefused: a draft whose opening time has passed
// cannot be scheduled: the edit form comes back with the stored values and
// the message at the opening time. A vote of one workplace with too few
// members does not open; its page says why, in both languages.
func TestConsoleVoteScheduleRefused(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		r := newConsoleRig(t, d)
		ctx := context.Background()
		c := r.login(t, "boss@example.org", []string{pages.ListVotes, pages.ManageVotes}, nil)
		base := r.srv.URL
		id := r.create(t, c, r.goodForm())
		r.clock.Add(25 * time.Hour)
		for _, lang := range []string{"en", "cs"} {
			code, body := consoleDo(t, c, "POST", base+"/admin/votes/"+id+"/schedule", lang, nil)
			if code != http.StatusUnprocessableEntity || !strings.Contains(body, `id="err-opens">`+msg(lang, "votes.problem.opens.past")) ||
				!strings.Contains(body, `value="Committee election"`) || !strings.Contains(body, `action="/admin/votes/`+id+`/edit"`) {
				t.Errorf("schedule after the opening time (%s): %d\n%.3000s", lang, code, body)
			}
		}
		if v, _ := r.votes.Get(ctx, id); v.State != votes.StateDraft {
			t.Fatalf("scheduled anyway: %s", v.State)
		}

		wp, err := r.reg.SaveWorkplace(ctx, consoleSuper, members.Workplace{Name: "Call centre <Brno>"})
		if err != nil {
			t.Fatal(err)
		}
		r.addMembers(t, 1, wp) // fewer than the rig's min_eligible (2)
		r.addMembers(t, 3, "")
		form := r.goodForm()
		form.Add("workplaces", wp)
		code, body := consoleDo(t, c, "GET", base+"/admin/votes/new", "en", nil)
		if code != 200 || !strings.Contains(body, `name="workplaces" value="`+wp+`"`) || !strings.Contains(body, "Call centre &lt;Brno&gt; (1 member)") {
			t.Fatalf("workplace checkboxes: %d\n%.3000s", code, body)
		}
		small := r.create(t, c, form)
		if code, _ := consoleDo(t, c, "POST", base+"/admin/votes/"+small+"/schedule", "en", nil); code != http.StatusSeeOther {
			t.Fatalf("schedule: %d", code)
		}
		r.tick(t, 25*time.Hour)
		for _, lang := range []string{"en", "cs"} {
			code, body := consoleDo(t, c, "GET", base+"/admin/votes/"+small, lang, nil)
			if code != 200 || !strings.Contains(body, `id="open-problem"`) || !strings.Contains(body, msg(lang, "votes.open_problem.eligible.too_few")) ||
				!strings.Contains(body, "Call centre &lt;Brno&gt;") || !strings.Contains(body, msg(lang, "votes.state.scheduled")) {
				t.Errorf("vote that could not open (%s): %d\n%.3000s", lang, code, body)
			}
		}
		// Back to draft, and the edit form keeps the ticked workplace.
		if code, loc := consoleDo(t, c, "POST", base+"/admin/votes/"+small+"/unschedule", "en", nil); code != http.StatusSeeOther || !strings.HasSuffix(loc, "done=vote_unscheduled") {
			t.Fatalf("unschedule: %d %s", code, loc)
		}
		code, body = consoleDo(t, c, "GET", base+"/admin/votes/"+small+"/edit", "en", nil)
		if code != 200 || !strings.Contains(body, `value="`+wp+`" checked`) {
			t.Fatalf("edit form of a workplace vote: %d\n%.3000s", code, body)
		}
	})
}
