package admin_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"unionhall/internal/content"
	"unionhall/internal/db"
	"unionhall/internal/dbtest"
	"unionhall/internal/examplesite"
	"unionhall/internal/members"
	"unionhall/internal/seal"
	"unionhall/internal/surveys"
)

// rigSurvey is the example site's survey (anonymous, members only).
const rigSurvey = "working-conditions"

// newSurveys is the surveys feature as internal/app wires it, on the
// example site.
func newSurveys(t testing.TB, d *db.DB, kr *seal.Keyring) *surveys.Service {
	t.Helper()
	fsys, err := examplesite.FS(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	site, err := content.Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	svc := surveys.New(surveys.Deps{DB: d, Keys: kr, Site: func() *content.Site { return site }, Logger: dbtest.Logger()})
	t.Cleanup(svc.Close)
	return svc
}

// TestSurveysConsole: the list and a survey's page in both languages, an
// anonymous survey's results and CSV held back under ten answers and
// shown from ten on, closing early by a manage-surveys account (audited),
// and the CSV's formula defusing.
func TestSurveysConsole(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		r := newRig(t, d)
		ctx := context.Background()
		viewer, _ := r.login(t, "viewer@example.org", []string{surveys.ListSurveys}, nil)
		manager, _ := r.login(t, "manager@example.org", []string{surveys.ListSurveys, surveys.ManageSurveys}, nil)
		code, body := do(t, viewer, "GET", r.srv.URL+"/admin/surveys", nil)
		if code != 200 || !strings.Contains(body, `href="/admin/surveys/working-conditions"`) || !strings.Contains(body, "Anonymous") && !strings.Contains(body, "Anonymní") {
			t.Fatalf("list: %d %.2000s", code, body)
		}
		code, body = do(t, viewer, "GET", r.srv.URL+"/admin/surveys/"+rigSurvey, nil)
		if code != 200 || !strings.Contains(body, `id="suppressed"`) || strings.Contains(body, "<svg") || strings.Contains(body, `id="close"`) {
			t.Fatalf("survey page for a viewer: %d %.3000s", code, body)
		}
		if code, _ := do(t, viewer, "POST", r.srv.URL+"/admin/surveys/"+rigSurvey+"/export", nil); code != http.StatusConflict {
			t.Fatalf("CSV under ten answers: %d", code)
		}
		sv, _ := r.surveys.Get(rigSurvey)
		for i := range 10 {
			m, _, err := r.reg.AddMember(ctx, super, memberData(i), "", 0, false)
			if err != nil {
				t.Fatal(err)
			}
			story := "=SUM(A1)"
			if i == 0 {
				story = "<script>alert(1)</script>\u202etxt.exe"
			}
			if err := r.surveys.Submit(ctx, sv, surveys.Respondent{MemberID: m}, surveys.Answers{"overtime": {"weekly"}, "stress": {"3"}, "story": {story}}); err != nil {
				t.Fatal(err)
			}
		}
		code, body = do(t, manager, "GET", r.srv.URL+"/admin/surveys/"+rigSurvey, nil)
		if code != 200 || strings.Count(body, "<svg") != 3 || !strings.Contains(body, "=SUM(A1)") || !strings.Contains(body, `id="close"`) ||
			strings.Contains(body, "<script>alert") || !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
			t.Fatalf("survey page with ten answers: %d %.3000s", code, body)
		}
		code, body = do(t, viewer, "POST", r.srv.URL+"/admin/surveys/"+rigSurvey+"/export", nil)
		if code != 200 || !strings.Contains(body, "'=SUM(A1)") || strings.Count(body, "\n") != 11 {
			t.Fatalf("CSV: %d %s", code, body)
		}
		if code, loc := do(t, manager, "POST", r.srv.URL+"/admin/surveys/"+rigSurvey+"/close", nil); code != http.StatusSeeOther || !strings.Contains(loc, "done=survey_closed") {
			t.Fatalf("close: %d %s", code, loc)
		}
		if code, _ := do(t, manager, "POST", r.srv.URL+"/admin/surveys/"+rigSurvey+"/close", nil); code != http.StatusConflict {
			t.Fatalf("close twice: %d", code)
		}
		if code, _ := do(t, viewer, "GET", r.srv.URL+"/admin/surveys/nope", nil); code != http.StatusNotFound {
			t.Fatalf("unknown survey: %d", code)
		}
	})
}

func memberData(i int) members.MemberData {
	return members.MemberData{FirstName: "S", LastName: fmt.Sprint(i), Email: db.NewID() + "@example.org", Lang: "cs"}
}
