package surveys

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"unionhall/internal/db"
	"unionhall/internal/dbtest"
)

func answers() Answers {
	return Answers{"color": {"blue"}, "mood": {"3"}, "story": {"ok"}}
}

// One answer per member: two submissions at once give one answer and
// ErrAlreadyAnswered; a later one too; a left or unknown member is
// refused; answers after the close are refused.
func TestOneAnswerPerMember(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newEnv(t, d)
		ms := e.members(3)
		for _, id := range []string{"anon", "memnamed"} {
			sv := e.survey(id)
			var wg sync.WaitGroup
			errs := make([]error, 8)
			for i := range errs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					errs[i] = e.s.Submit(ctx, sv, Respondent{MemberID: ms[0], Lang: "en"}, answers())
				}()
			}
			wg.Wait()
			ok := 0
			for _, err := range errs {
				switch {
				case err == nil:
					ok++
				case !errors.Is(err, ErrAlreadyAnswered):
					t.Fatalf("%s: %v", id, err)
				}
			}
			if ok != 1 {
				t.Fatalf("%s: %d of 8 concurrent submissions stored", id, ok)
			}
			if err := e.s.Submit(ctx, sv, Respondent{MemberID: ms[0]}, answers()); !errors.Is(err, ErrAlreadyAnswered) {
				t.Fatalf("%s: again: %v", id, err)
			}
			if err := e.s.Submit(ctx, sv, Respondent{MemberID: "nobody"}, answers()); !errors.Is(err, ErrNotMember) {
				t.Fatalf("%s: unknown member: %v", id, err)
			}
			if err := e.s.Submit(ctx, sv, Respondent{}, answers()); !errors.Is(err, ErrSignIn) {
				t.Fatalf("%s: signed out: %v", id, err)
			}
			st, err := e.s.State(ctx, id)
			if err != nil || st.Answers != 1 {
				t.Fatalf("%s: %d answers, %v", id, st.Answers, err)
			}
			day, _ := e.s.Answered(ctx, id, ms[0])
			if day != "2026-03-10" {
				t.Fatalf("%s: answered on %q", id, day)
			}
		}
		if _, err := d.Exec(ctx, `UPDATE members SET left_at = ? WHERE id = ?`, db.T(e.clock.Now()), ms[1]); err != nil {
			t.Fatal(err)
		}
		if err := e.s.Submit(ctx, e.survey("anon"), Respondent{MemberID: ms[1]}, answers()); !errors.Is(err, ErrNotMember) {
			t.Fatalf("a member who left: %v", err)
		}
		e.clock.Add(11 * 24 * time.Hour)
		if err := e.s.Submit(ctx, e.survey("anon"), Respondent{MemberID: ms[2]}, answers()); !errors.Is(err, ErrClosed) {
			t.Fatalf("after closing: %v", err)
		}
	})
}

// Closing early: the state says so, later answers are refused, a second
// close is refused, and the close is audited.
func TestCloseEarly(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newEnv(t, d)
		sv := e.survey("public")
		if err := e.s.Submit(ctx, sv, Respondent{Name: "Jana", Lang: "cs"}, answers()); err != nil {
			t.Fatal(err)
		}
		if err := e.s.CloseEarly(ctx, sv, "acct1"); err != nil {
			t.Fatal(err)
		}
		if open, _ := e.s.Open(ctx, sv); open {
			t.Fatal("open after closing early")
		}
		if err := e.s.Submit(ctx, sv, Respondent{}, answers()); !errors.Is(err, ErrClosed) {
			t.Fatalf("after closing: %v", err)
		}
		if err := e.s.CloseEarly(ctx, sv, "acct1"); !errors.Is(err, ErrClosed) {
			t.Fatalf("closed twice: %v", err)
		}
		st, _ := e.s.State(ctx, sv.ID)
		if st.ClosedBy != "acct1" || st.Answers != 1 || !st.Scrubbed {
			t.Fatalf("state %+v", st)
		}
		var n int
		if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM audit WHERE action = 'survey.close' AND subject_id = ? AND actor_id = 'acct1'`, sv.ID).Scan(&n); err != nil || n != 1 {
			t.Fatalf("audit: %d %v", n, err)
		}
		res, err := e.s.Results(ctx, sv, "cs", true)
		if err != nil || res.Answers != 1 || res.Questions[0].Counts[1].N != 1 {
			t.Fatalf("results after the rewrite: %+v %v", res, err)
		}
	})
}

// Results: counts per option and scale value, texts sorted, an anonymous
// survey suppressed under Suppress answers and shown from it on; the CSV
// defuses formulas, also in option texts and answers.
func TestResultsAndCSV(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newEnv(t, d)
		ms := e.members(Suppress)
		sv := e.survey("anon")
		for i, m := range ms[:Suppress-1] {
			a := Answers{"color": {[]string{"red", "blue", "green"}[i%3]}, "tools": {"1", "2"}, "mood": {"5"}, "story": {"story " + m[:4]}}
			if err := e.s.Submit(ctx, sv, Respondent{MemberID: m}, a); err != nil {
				t.Fatal(err)
			}
		}
		res, err := e.s.Results(ctx, sv, "en", true)
		if err != nil || !res.Suppressed || len(res.Questions) != 0 {
			t.Fatalf("9 answers shown: %+v %v", res, err)
		}
		if _, err := e.s.CSV(ctx, sv, "en"); !errors.Is(err, ErrSuppressed) {
			t.Fatalf("CSV of 9: %v", err)
		}
		if err := e.s.Submit(ctx, sv, Respondent{MemberID: ms[Suppress-1]}, Answers{"color": {"green"}, "mood": {"1"}, "story": {"=cmd|' /C calc'!A0"}}); err != nil {
			t.Fatal(err)
		}
		res, err = e.s.Results(ctx, sv, "en", true)
		if err != nil || res.Suppressed || res.Answers != Suppress {
			t.Fatalf("10 answers: %+v %v", res, err)
		}
		color := res.Questions[0]
		if color.Counts[0].N != 3 || color.Counts[1].N != 3 || color.Counts[2].N != 4 || color.Counts[2].Percent != 40 {
			t.Fatalf("colour counts %+v", color.Counts)
		}
		if mood := res.Questions[2]; mood.Counts[4].N != 9 || mood.Counts[0].N != 1 || mood.Counts[0].Label != "1 (bad)" {
			t.Fatalf("scale counts %+v", mood.Counts)
		}
		if !strings.Contains(string(color.Chart), "<title id=\"chart-color-t\">Favourite colour?</title>") || !strings.Contains(string(color.Chart), `role="img"`) {
			t.Fatalf("chart %s", color.Chart)
		}
		if story := res.Questions[4]; len(story.Texts) != Suppress {
			t.Fatalf("texts %v", story.Texts)
		}
		csv, err := e.s.CSV(ctx, sv, "en")
		if err != nil {
			t.Fatal(err)
		}
		s := string(csv)
		if strings.Contains(s, "\n=") || strings.Contains(s, ",=") || !strings.Contains(s, "'=cmd") || !strings.Contains(s, `'=HYPERLINK`) {
			t.Fatalf("formula not defused:\n%s", s)
		}
		for _, m := range ms {
			if strings.Contains(s, m) {
				t.Fatal("the anonymous CSV names a member")
			}
		}
		if strings.Count(s, "\n") != Suppress+1 {
			t.Fatalf("CSV rows:\n%s", s)
		}
	})
}

func TestDefuse(t *testing.T) {
	for in, want := range map[string]string{"=1+1": "'=1+1", "+1": "'+1", "-1": "'-1", "@SUM": "'@SUM", "\tx": "'\tx", "\rx": "'\rx", "ok": "ok", "": ""} {
		if got := Defuse(in); got != want {
			t.Errorf("Defuse(%q) = %q", in, got)
		}
	}
}
