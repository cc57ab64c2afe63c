package pages

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"unionhall/internal/db"
	"unionhall/internal/dbtest"
	"unionhall/internal/votes"
)

// TestMemberVotesNeedSession: without a member session every member votes
// page answers the portal's sign-in (401) in the page's language, and
// brings the member back to the page after signing in; /cs/member/votes/
// goes to the Czech address.
func TestMemberVotesNeedSession(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		r := newMemberRig(t, d)
		c := r.anon()
		for path, want := range map[string]string{
			"/en/member/votes/":       "Member sign-in",
			"/en/member/votes/abc/":   "Member sign-in",
			"/cs/clen/hlasovani/":     "Přihlášení pro členy",
			"/cs/clen/hlasovani/abc/": "Přihlášení pro členy",
		} {
			x := c.do("GET", path, nil)
			if x.status != http.StatusUnauthorized || !strings.Contains(x.body, want) || !strings.Contains(x.body, `value="`+path+`"`) {
				t.Errorf("%s: %d, sign-in %v %.300s", path, x.status, strings.Contains(x.body, want), mainPart(x.body))
			}
			if x.header.Get("Cache-Control") != "no-store" {
				t.Errorf("%s: Cache-Control %q", path, x.header.Get("Cache-Control"))
			}
		}
		if st, body := c.post("/en/member/votes/abc/", url.Values{"step": {"cast"}}); st != http.StatusUnauthorized || !strings.Contains(body, `value="/en/member/votes/abc/"`) {
			t.Errorf("POST without a session: %d", st)
		}
		x := c.do("GET", "/cs/member/votes/abc/", nil)
		if x.status != http.StatusMovedPermanently || x.header.Get("Location") != "/cs/clen/hlasovani/abc/" {
			t.Errorf("/cs/member/votes/: %d %s", x.status, x.header.Get("Location"))
		}
		x = c.do("GET", "/en/member/votes", nil)
		if x.status != http.StatusMovedPermanently || x.header.Get("Location") != "/en/member/votes/" {
			t.Errorf("/en/member/votes: %d %s", x.status, x.header.Get("Location"))
		}
		// The portal's own pages are still the portal's.
		if st, body := c.get("/en/member/"); st != 200 || !strings.Contains(body, "Member sign-in") {
			t.Errorf("portal home: %d", st)
		}
	})
}

// TestMemberRankedBallot is a ranked election with change allowed, as a
// member meets it in both languages: the list, the ballot, every bad rank
// form with its message and the choice kept, the confirmation with Back,
// the receipt with the change code, the change with a missing, a wrong
// and the right code, and the board after the close.
func TestMemberRankedBallot(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		r := newMemberRig(t, d)
		ana, bo, cy := r.member("Ana"), r.member("Bo"), r.member("Cy")
		id := r.vote(votes.KindRanked, true, func(in *votes.Input) { in.Seats = "1" })
		r.tickAt(opensAt)
		for _, lang := range []string{"en", "cs"} {
			c := r.signedIn(map[string]string{"en": ana, "cs": bo}[lang])
			st, body := c.get(MemberBase(lang))
			if st != 200 || !strings.Contains(body, `href="`+BallotPath(lang, id)+`"`) || !strings.Contains(body, htmlText(mt(lang, "list.vote_now"))) {
				t.Fatalf("%s list: %d %.800s", lang, st, mainPart(body))
			}
			st, body = c.get(BallotPath(lang, id))
			title := map[string]string{"en": "Committee election", "cs": "Volba výboru"}[lang]
			for _, want := range []string{"<h1>" + title + "</h1>", "<strong>", "<fieldset>", "<legend>" + htmlText(mt(lang, "ballot.legend_ranked")) + "</legend>",
				`<label for="rank-o1">Alena</label>`, `<select id="rank-o1" name="rank.o1">`, `name="abstain"`, `value="review"`} {
				if st != 200 || !strings.Contains(body, want) {
					t.Errorf("%s ballot lacks %q: %d", lang, want, st)
				}
			}
			if strings.Contains(body, "change_code") {
				t.Errorf("%s: a change code field before voting", lang)
			}
			// Bad rank forms: each refused with its message, the ranks kept.
			for name, c2 := range map[string]struct {
				form   url.Values
				status int
				key    string
			}{
				"gap":             {url.Values{"rank.o1": {"1"}, "rank.o2": {"3"}}, 422, "ballot.err.gap"},
				"repeat":          {url.Values{"rank.o1": {"1"}, "rank.o2": {"1"}}, 422, "ballot.err.repeat"},
				"out of range":    {url.Values{"rank.o1": {"9"}}, 422, "ballot.err.bad-rank"},
				"not a number":    {url.Values{"rank.o1": {"první"}}, 422, "ballot.err.bad-rank"},
				"negative":        {url.Values{"rank.o1": {"-1"}}, 422, "ballot.err.bad-rank"},
				"empty":           {url.Values{}, 422, "ballot.err.empty"},
				"abstain & ranks": {url.Values{"rank.o1": {"1"}, "abstain": {"1"}}, 422, "ballot.err.abstain-and-marks"},
				"unknown option":  {url.Values{"rank.o1": {"1"}, "rank.o9": {"2"}}, 400, "ballot.err.tampered"},
				"script option":   {url.Values{"rank.<script>": {"1"}}, 400, "ballot.err.tampered"},
				"two ranks":       {url.Values{"rank.o1": {"1", "2"}}, 400, "ballot.err.tampered"},
			} {
				f := c2.form
				f.Set("vote", id)
				f.Set("step", "review")
				st, body := c.post(BallotPath(lang, id), f)
				msg := mt(lang, c2.key, "option", "Bořek", "max", 3)
				if c2.key == "ballot.err.repeat" {
					msg = mt(lang, c2.key, "option", map[string]string{"en": "Borek", "cs": "Bořek"}[lang])
				}
				if c2.key == "ballot.err.bad-rank" {
					msg = mt(lang, c2.key, "option", "Alena")
				}
				if st != c2.status || !strings.Contains(body, htmlText(msg)) || !strings.Contains(body, `role="alert"`) {
					t.Errorf("%s %s: %d, message %q present %v", lang, name, st, msg, strings.Contains(body, htmlText(msg)))
				}
				if c2.status == 422 && f.Get("rank.o1") == "1" && !strings.Contains(body, `<option value="1" selected>`) {
					t.Errorf("%s %s: the rank given was not kept", lang, name)
				}
			}
			// Another vote's id in the form, or an unknown step: tampered.
			for name, f := range map[string]url.Values{
				"other vote":   {"vote": {"x" + id}, "step": {"review"}, "rank.o1": {"1"}},
				"no vote":      {"step": {"review"}, "rank.o1": {"1"}},
				"unknown step": {"vote": {id}, "step": {"delete"}, "rank.o1": {"1"}},
			} {
				if st, body := c.post(BallotPath(lang, id), f); st != 400 || !strings.Contains(body, htmlText(mt(lang, "ballot.err.tampered"))) {
					t.Errorf("%s %s: %d", lang, name, st)
				}
			}
			// A valid order: confirmation, Back keeps it, cast.
			f := url.Values{"vote": {id}, "step": {"review"}, "rank.o3": {"1"}, "rank.o1": {"2"}}
			st, body = c.post(BallotPath(lang, id), f)
			if st != 200 || !strings.Contains(body, `<ol id="chosen"><li><strong>Cyril</strong></li><li><strong>Alena</strong></li></ol>`) ||
				!strings.Contains(body, `<input type="hidden" name="rank.o1" value="2">`) || !strings.Contains(body, `<input type="hidden" name="rank.o3" value="1">`) {
				t.Fatalf("%s confirmation: %d %.1500s", lang, st, mainPart(body))
			}
			f.Set("step", "back")
			st, body = c.post(BallotPath(lang, id), f)
			if st != 200 || !strings.Contains(body, `<option value="2" selected>`) || !strings.Contains(body, `<option value="1" selected>`) {
				t.Errorf("%s back: %d", lang, st)
			}
			receipt := c.cast(lang, id, url.Values{"rank.o3": {"1"}, "rank.o1": {"2"}})
			tracker := trackerRE.FindStringSubmatch(receipt)[1]
			code := codeRE.FindStringSubmatch(receipt)
			if code == nil || !strings.Contains(receipt, htmlText(mt(lang, "receipt.change_warning"))) {
				t.Fatalf("%s receipt lacks the change code or its warning: %.1500s", lang, mainPart(receipt))
			}
			// The list says voted; the ballot is now the change form.
			if _, body := c.get(MemberBase(lang)); !strings.Contains(body, htmlText(mt(lang, "list.voted"))) {
				t.Errorf("%s list does not say voted", lang)
			}
			st, body = c.get(BallotPath(lang, id))
			if st != 200 || !strings.Contains(body, `name="change_code"`) || !strings.Contains(body, `<label for="change-code">`) {
				t.Fatalf("%s change form: %d", lang, st)
			}
			// Without the code, with a wrong one (and hostile text), kept as typed.
			change := url.Values{"vote": {id}, "step": {"review"}, "rank.o2": {"1"}}
			if st, body := c.post(BallotPath(lang, id), change); st != 422 || !strings.Contains(body, htmlText(mt(lang, "change.code_missing"))) || !strings.Contains(body, `<option value="1" selected>`) {
				t.Errorf("%s change without a code: %d", lang, st)
			}
			change.Set("change_code", "<script>\u202eX")
			if st, body := c.post(BallotPath(lang, id), change); st != 200 || !strings.Contains(body, `name="change_code" value="&lt;script&gt;�X"`) {
				t.Errorf("%s review with a hostile code: %d %.300s", lang, st, mainPart(body))
			}
			change.Set("step", "cast")
			change.Set("change_code", "AAAA-BBBB-CCCC")
			if st, body := c.post(BallotPath(lang, id), change); st != 422 || !strings.Contains(body, htmlText(mt(lang, "change.code_wrong"))) || !strings.Contains(body, `aria-invalid="true"`) {
				t.Errorf("%s wrong change code: %d", lang, st)
			}
			// The right code, typed in lower case with spaces.
			changed := c.cast(lang, id, url.Values{"rank.o2": {"1"}, "change_code": {strings.ToLower(strings.ReplaceAll(code[1], "-", " "))}})
			if !strings.Contains(changed, htmlText(mt(lang, "receipt.changed"))) || trackerRE.FindStringSubmatch(changed)[1] != tracker || codeRE.MatchString(changed) {
				t.Errorf("%s change receipt: %.1200s", lang, mainPart(changed))
			}
		}
		// The board is not there before the close, for anyone.
		if st, _ := r.anon().get(BoardPath("en", id)); st != 404 {
			t.Errorf("board before the close: %d", st)
		}
		if st, _ := r.anon().get(BoardJSONPath(id)); st != 404 {
			t.Errorf("board.json before the close: %d", st)
		}
		// Closed by the clock even before Tick: no more ballots.
		r.clock.Set(closesAt)
		third := r.signedIn(cy)
		if st, body := third.get(BallotPath("en", id)); st != 200 || !strings.Contains(body, htmlText(mt("en", "err.closed", "closed", r.pages.when(closesAt, "en")))) {
			t.Errorf("ballot at the close: %d %.500s", st, mainPart(body))
		}
		r.tickAt(closesAt)
		st, body := third.get(BallotPath("cs", id))
		if st != 200 || !strings.Contains(body, `href="`+BoardPath("cs", id)+`"`) {
			t.Errorf("closed vote page: %d %.500s", st, mainPart(body))
		}
		if st, body := third.post(BallotPath("en", id), url.Values{"vote": {id}, "step": {"cast"}, "rank.o1": {"1"}}); st != http.StatusConflict || !strings.Contains(body, htmlText(mt("en", "err.closed", "closed", r.pages.when(closesAt, "en")))) {
			t.Errorf("cast after the close: %d", st)
		}
		if _, body := third.get(MemberBase("en")); !strings.Contains(body, `href="`+BoardPath("en", id)+`"`) {
			t.Error("the list lacks the closed vote's result link")
		}
	})
}

// TestMemberSingleAndMultiple: one-ballot votes (no change) and the
// errors of radios and boxes.
func TestMemberSingleAndMultiple(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		r := newMemberRig(t, d)
		ana := r.member("Ana")
		r.member("Bo")
		r.member("Cy")
		single := r.vote(votes.KindSingle, false, nil)
		multi := r.vote(votes.KindMultiple, false, func(in *votes.Input) { in.MaxChoices = "2"; in.Seats = "2" })
		yesno := r.vote(votes.KindYesNo, false, func(in *votes.Input) { in.Threshold = votes.ThresholdTwoThirds; in.QuorumPercent = "50" })
		r.tickAt(opensAt)
		c := r.signedIn(ana)
		for _, lang := range []string{"en", "cs"} {
			for name, x := range map[string]struct {
				id     string
				form   url.Values
				status int
				key    string
			}{
				"single empty":        {single, url.Values{}, 422, "ballot.err.empty"},
				"single two":          {single, url.Values{"choice": {"o1", "o2"}}, 400, "ballot.err.tampered"},
				"single unknown":      {single, url.Values{"choice": {"o7"}}, 400, "ballot.err.tampered"},
				"single sql":          {single, url.Values{"choice": {"o1' OR '1'='1"}}, 400, "ballot.err.tampered"},
				"multiple too many":   {multi, url.Values{"choice": {"o1", "o2", "o3"}}, 422, "ballot.err.too-many"},
				"multiple abstain":    {multi, url.Values{"choice": {"o1"}, "abstain": {"1"}}, 422, "ballot.err.abstain-and-marks"},
				"multiple repeat":     {multi, url.Values{"choice": {"o1", "o1"}}, 400, "ballot.err.tampered"},
				"multiple empty":      {multi, url.Values{}, 422, "ballot.err.empty"},
				"yesno empty":         {yesno, url.Values{}, 422, "ballot.err.empty"},
				"yesno other option":  {yesno, url.Values{"choice": {"o1"}}, 400, "ballot.err.tampered"},
				"yesno control chars": {yesno, url.Values{"choice": {"yes\x00"}}, 400, "ballot.err.tampered"},
			} {
				x.form.Set("vote", x.id)
				x.form.Set("step", "review")
				st, body := c.post(BallotPath(lang, x.id), x.form)
				msg := mt(lang, x.key, "max", 2)
				if st != x.status || !strings.Contains(body, htmlText(msg)) {
					t.Errorf("%s %s: %d, message %v", lang, name, st, strings.Contains(body, htmlText(msg)))
				}
			}
		}
		// The yes/no ballot: Yes, No, I abstain, with the rules said.
		st, body := c.get(BallotPath("cs", yesno))
		for _, want := range []string{`<label for="choice-yes">Ano</label>`, `<label for="choice-no">Ne</label>`, `id="choice-abstain"`,
			htmlText(mt("cs", "rules.quorum", "quorum", 50)), htmlText(mt("cs", "rules.once"))} {
			if st != 200 || !strings.Contains(body, want) {
				t.Errorf("yes/no ballot lacks %q", want)
			}
		}
		// Abstaining is a ballot; the confirmation says so.
		st, body = c.post(BallotPath("en", yesno), url.Values{"vote": {yesno}, "step": {"review"}, "choice": {"abstain"}})
		if st != 200 || !strings.Contains(body, `<p id="chosen"><strong>I abstain</strong></p>`) {
			t.Errorf("abstention confirmation: %d", st)
		}
		receipt := c.cast("en", yesno, url.Values{"choice": {"abstain"}})
		if codeRE.MatchString(receipt) || strings.Contains(receipt, "change_code") {
			t.Error("a change code for a vote that allows none")
		}
		// One ballot only: the page says so, and a second cast is refused.
		for _, lang := range []string{"en", "cs"} {
			if st, body := c.get(BallotPath(lang, yesno)); st != 200 || !strings.Contains(body, htmlText(mt(lang, "err.already_voted"))) {
				t.Errorf("%s voted page: %d", lang, st)
			}
			if st, body := c.post(BallotPath(lang, yesno), url.Values{"vote": {yesno}, "step": {"cast"}, "choice": {"yes"}}); st != http.StatusConflict || !strings.Contains(body, htmlText(mt(lang, "err.already_voted"))) {
				t.Errorf("%s second ballot: %d", lang, st)
			}
		}
		// Double submission of the confirmed form: one ballot counts.
		c.cast("cs", single, url.Values{"choice": {"o2"}})
		if st, _ := c.post(BallotPath("cs", single), url.Values{"vote": {single}, "step": {"cast"}, "choice": {"o2"}}); st != http.StatusConflict {
			t.Errorf("double submission: %d", st)
		}
		c.cast("en", multi, url.Values{"choice": {"o3", "o1"}})
		v, _ := r.votes.Get(context.Background(), multi)
		if v.Cast != 1 {
			t.Errorf("multiple: %d ballots", v.Cast)
		}
		// An oversized form is refused before it is read.
		big := url.Values{"vote": {single}, "step": {"review"}, "choice": {strings.Repeat("x", 70<<10)}}
		if st, body := c.post(BallotPath("en", single), big); st != 400 || !strings.Contains(body, htmlText(mt("en", "ballot.unread"))) {
			t.Errorf("oversized form: %d", st)
		}
	})
}

// TestMemberNotOnRoll: who joined after the opening, who is not in the
// vote's workplaces, and a cancelled vote, in both languages, on the page
// and when casting.
func TestMemberNotOnRoll(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		r := newMemberRig(t, d)
		ctx := context.Background()
		ids := []string{r.member("Ana"), r.member("Bo"), r.member("Cy")}
		outsider := r.member("Dana")
		wp := r.workplace("Hlasová linka", ids...)
		all := r.vote(votes.KindSingle, false, nil)
		ofWP := r.vote(votes.KindSingle, false, func(in *votes.Input) { in.Workplaces = []string{wp} })
		doomed := r.vote(votes.KindSingle, false, nil)
		later := r.vote(votes.KindSingle, false, func(in *votes.Input) { in.OpensAt = r.at(opensAt.Add(48 * time.Hour)) })
		r.tickAt(opensAt)
		r.clock.Set(opensAt.Add(time.Hour))
		newcomer := r.member("Eva")
		if err := r.votes.Cancel(ctx, r.admin.ID, doomed, "Špatně zadané možnosti <b>"); err != nil {
			t.Fatal(err)
		}
		for _, lang := range []string{"en", "cs"} {
			c := r.signedIn(newcomer)
			check := func(what, id, key string, status int, args ...any) {
				t.Helper()
				msg := htmlText(mt(lang, key, args...))
				if st, body := c.get(BallotPath(lang, id)); st != 200 || !strings.Contains(body, msg) || strings.Contains(body, `value="review"`) {
					t.Errorf("%s %s page: %d, message %v %.600s", lang, what, st, strings.Contains(body, msg), mainPart(body))
				}
				if st, body := c.post(BallotPath(lang, id), url.Values{"vote": {id}, "step": {"cast"}, "choice": {"o1"}}); st != status || !strings.Contains(body, msg) {
					t.Errorf("%s %s cast: %d, want %d", lang, what, st, status)
				}
			}
			check("joined later", all, "err.joined_later", http.StatusForbidden)
			check("cancelled", doomed, "err.cancelled", http.StatusConflict, "reason", "Špatně zadané možnosti <b>")
			check("not open", later, "err.not_open", http.StatusConflict, "opens", r.pages.when(opensAt.Add(48*time.Hour), lang))
			c = r.signedIn(outsider)
			check("other workplace", ofWP, "err.not_eligible", http.StatusForbidden)
			// Unknown and malformed ids.
			for _, p := range []string{BallotPath(lang, "nosuchvote"), MemberBase(lang) + "a%20b/", MemberBase(lang) + "x/y/"} {
				if st, _ := c.get(p); st != 404 {
					t.Errorf("%s: %d", p, st)
				}
			}
		}
		// A member of the roll sees the cancelled vote's reason in the list.
		c := r.signedIn(ids[0])
		if _, body := c.get(MemberBase("cs")); !strings.Contains(body, htmlText(mt("cs", "list.cancel_reason", "reason", "Špatně zadané možnosti <b>"))) {
			t.Error("the list lacks the cancelled vote's reason")
		}
		if n, err := r.pages.Waiting(ctx, ids[0]); err != nil || n != 2 {
			t.Errorf("Waiting = %d, %v; want 2 (all, of the workplace)", n, err)
		}
	})
}
