package surveys

import (
	"net/url"
	"slices"
	"strconv"
	"testing"
	"unicode/utf8"

	"unionhall/internal/content"
	"unionhall/internal/textrule"
)

// FuzzCheck: any posted body either gives problems or answers that hold
// only offered options, in-range scale values and clean texts within
// their limits; it never panics.
func FuzzCheck(f *testing.F) {
	cs := loadSite(f, testStart, nil)
	idx, _ := index(cs)
	sv := idx["public"]
	for _, seed := range []string{good().Encode(), "q-color=red&q-color=blue", "q-mood=-1", "q-story=%00", "q-city=a%E2%80%AEb", "name=%ff&email=a@b.c", ""} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		form, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		a, who, p := Check(sv, "en", form)
		for _, q := range sv.Questions("en") {
			vals, ok := a[q.ID]
			if _, bad := p[q.ID]; bad && ok {
				t.Fatalf("%s: both an answer and a problem", q.ID)
			}
			if !ok {
				if q.Required && p[q.ID].Key == "" {
					t.Fatalf("%s: required, no answer and no problem", q.ID)
				}
				continue
			}
			switch q.Kind {
			case content.QuestionSingle, content.QuestionMultiple:
				if q.Kind == content.QuestionSingle && len(vals) != 1 {
					t.Fatalf("%s: %v", q.ID, vals)
				}
				for _, v := range vals {
					if optIndex(q, v) < 0 {
						t.Fatalf("%s: option %q not offered", q.ID, v)
					}
				}
			case content.QuestionScale:
				n, err := strconv.Atoi(vals[0])
				if err != nil || n < q.Min || n > q.Max {
					t.Fatalf("%s: scale %q", q.ID, vals[0])
				}
			default:
				v := vals[0]
				if !utf8.ValidString(v) || v == "" || utf8.RuneCountInString(v) > MaxLong {
					t.Fatalf("%s: text %q", q.ID, v)
				}
				for _, r := range v {
					if textrule.Refused(r) && !(q.Kind == content.QuestionLong && (r == '\n' || r == '\t')) {
						t.Fatalf("%s: refused %U kept", q.ID, r)
					}
				}
			}
		}
		if textrule.HasRefused(who.Name) || utf8.RuneCountInString(who.Name) > MaxName {
			t.Fatalf("name %q", who.Name)
		}
		if slices.Contains([]string{"\n"}, who.Email) {
			t.Fatal("email")
		}
	})
}

// A translation that changes who may answer, the mode or the questions is
// left out (and logged), not merged: the site's default language's page
// (Czech here) defines the survey.
func TestTranslationMustAgree(t *testing.T) {
	extra := map[string]string{
		"content/surveys/public/index.cs.md": "---\ntitle: public cs\nsurvey:\n  id: public\n  audience: members\n  mode: named\n  publicResults: true\n" + questionsYAML("cs") + "---\n",
	}
	cs := loadSite(t, testStart, extra)
	idx, problems := index(cs)
	sv := idx["public"]
	if sv == nil || !sv.Members() || len(sv.Pages) != 1 || sv.Pages["cs"] == nil {
		t.Fatalf("survey %+v", sv)
	}
	if len(problems) != 1 {
		t.Fatalf("problems %v", problems)
	}
}
