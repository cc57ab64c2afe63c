package surveys

import (
	"context"
	"strings"
	"testing"
	"time"

	"unionhall/internal/browsertest"
	"unionhall/internal/db"
	"unionhall/internal/dbtest"
)

func TestMain(m *testing.M) { browsertest.Main(m) }

// TestBrowserPublicSurvey: a named public survey in Czech without
// JavaScript — every question kind, an error first (kept, summary linking
// to the question), the optional name and email, the thanks page — and its
// public results with charts. axe-core checks every page. (The member's
// anonymous survey from the portal is internal/app's browser test.)
func TestBrowserPublicSurvey(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		b := browsertest.Start(t)
		tab := b.TabNoJS(t)
		path := e.answerPath("public", "cs")
		browsertest.Navigate(t, tab, e.srv.URL+path)
		browsertest.AssertAxeClean(t, tab, "public survey form")
		browsertest.Click(t, tab, "#q-tools-3")
		browsertest.Type(t, tab, "#q-city", "Ústí nad Labem")
		browsertest.Type(t, tab, "#f-email", "not-an-email")
		e.clock.Add(10 * time.Second)
		if resp := browsertest.ClickNavigate(t, tab, "button.survey-submit"); resp.Status != 422 {
			t.Fatalf("with errors: %d", resp.Status)
		}
		if n := browsertest.Count(t, tab, "#errors li"); n != 4 {
			t.Fatalf("error summary has %d entries, want 4 (colour, mood, story, email): %s", n, browsertest.Text(t, tab, "#errors"))
		}
		if v := browsertest.Value(t, tab, "#q-city"); v != "Ústí nad Labem" {
			t.Errorf("city kept as %q", v)
		}
		if !browsertest.Eval[bool](t, tab, `document.getElementById("q-tools-3").checked`) {
			t.Error("ticked box not kept")
		}
		browsertest.AssertAxeClean(t, tab, "public survey form with errors")
		browsertest.Click(t, tab, "#q-color-blue")
		browsertest.Click(t, tab, "#q-mood-5")
		browsertest.Type(t, tab, "#q-story", "Řádek jedna\nŘádek dvě")
		browsertest.Eval[string](t, tab, `document.getElementById("f-email").value = ""`)
		browsertest.Type(t, tab, "#f-name", "Jana")
		e.clock.Add(10 * time.Second)
		browsertest.ClickNavigate(t, tab, "button.survey-submit")
		if got := browsertest.Text(t, tab, "main"); !strings.Contains(got, T("cs", "msg.thanks")) {
			t.Fatalf("after sending: %.300s", got)
		}
		browsertest.AssertAxeClean(t, tab, "public survey thanks")
		res, err := e.s.Results(context.Background(), e.survey("public"), "cs", true)
		if err != nil || res.Answers != 1 || res.Questions[4].Texts[0] != "Řádek jedna\nŘádek dvě" || res.Questions[1].Counts[2].N != 1 {
			t.Fatalf("stored: %+v %v", res, err)
		}
		browsertest.Navigate(t, tab, e.srv.URL+ResultsURL(e.survey("public").Pages["cs"]))
		if n := browsertest.Count(t, tab, "svg.survey-chart"); n != 3 {
			t.Fatalf("%d charts", n)
		}
		browsertest.AssertAxeClean(t, tab, "public survey results")
		browsertest.AssertNoForeignRequests(t, tab, "127.0.0.1")
	})
}
