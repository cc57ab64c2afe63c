package content

import (
	"strings"
	"testing"
)

func TestSurveyFrontMatter(t *testing.T) {
	s := load(t, map[string]string{
		"content/s/index.en.md": `---
title: S
surveyId: sv-1
survey:
  Audience: members
  mode: anonymous
  closes: 2026-06-30T23:59:00
  publicResults: true
  questions:
    - {id: a, kind: single, text: "A?", required: true, options: [One, Two]}
    - {id: b, kind: multiple, text: "B?", options: [{id: x, text: X}, {id: y, text: Y}]}
    - {id: c, kind: scale, text: "C?", min: 0, max: 10, labels: {min: low, max: high}}
    - {id: d, kind: short, text: "D?"}
    - {id: e, kind: long, text: "E?", help: Say more}
---
`,
		"content/t/index.en.md": `---
title: T
type: survey
questions:
  - {id: a, kind: short, text: "A?"}
---
`,
	})
	p := s.PageByURL("/en/s/")
	if p == nil || p.Survey == nil {
		t.Fatalf("no survey: %v", s.Problems)
	}
	sv := p.Survey
	if sv.ID != "sv-1" || sv.Audience != "members" || sv.Mode != "anonymous" || !sv.PublicResults || sv.Closes.IsZero() || len(sv.Questions) != 5 {
		t.Fatalf("survey %+v", sv)
	}
	if sv.Closes.UTC().Hour() != 21 {
		t.Errorf("closes %v: not read in the site's zone", sv.Closes)
	}
	if q := sv.Questions[0]; q.Options[1].ID != "2" || q.Options[1].Text != "Two" || !q.Required {
		t.Errorf("question a %+v", q)
	}
	if q := sv.Questions[2]; q.Min != 0 || q.Max != 10 || q.MinLabel != "low" || q.MaxLabel != "high" {
		t.Errorf("scale %+v", q)
	}
	if t2 := s.PageByURL("/en/t/"); t2 == nil || t2.Survey == nil || t2.Survey.Audience != "public" || t2.Survey.Mode != "named" {
		t.Fatalf("type: survey page: %+v", t2)
	}
}

// Every kind of bad survey is a content problem naming what is wrong, and
// the survey is left out.
func TestSurveyFrontMatterProblems(t *testing.T) {
	cases := map[string]string{
		"audience":   "survey:\n  audience: everyone\n  questions: [{id: a, kind: short, text: A}]",
		"mode":       "survey:\n  mode: secret\n  questions: [{id: a, kind: short, text: A}]",
		"closes":     "survey:\n  closes: tomorrow\n  questions: [{id: a, kind: short, text: A}]",
		"at least":   "survey:\n  questions: []",
		"kind":       "survey:\n  questions: [{id: a, kind: essay, text: A}]",
		"text":       "survey:\n  questions: [{id: a, kind: short}]",
		"twice":      "survey:\n  questions: [{id: a, kind: short, text: A}, {id: a, kind: long, text: B}]",
		"id":         "survey:\n  questions: [{id: 'A B', kind: short, text: A}]",
		"options":    "survey:\n  questions: [{id: a, kind: single, text: A, options: [One]}]",
		"option 2":   "survey:\n  questions: [{id: a, kind: single, text: A, options: [{id: x, text: X}, {id: x, text: Y}]}]",
		"steps":      "survey:\n  questions: [{id: a, kind: scale, text: A, min: 1, max: 20}]",
		"block":      "survey: yes",
		"true or":    "survey:\n  publicResults: sometimes\n  questions: [{id: a, kind: short, text: A}]",
		"required":   "survey:\n  questions: [{id: a, kind: short, text: A, required: maybe}]",
		"lower-case": "survey:\n  id: Bad/Id\n  questions: [{id: a, kind: short, text: A}]",
	}
	for want, fm := range cases {
		s := load(t, map[string]string{"content/x/index.en.md": "---\ntitle: X\n" + fm + "\n---\n"})
		if p := s.PageByURL("/en/x/"); p == nil || p.Survey != nil {
			t.Errorf("%s: survey kept: %+v", want, p)
		}
		found := false
		for _, pr := range s.Problems {
			if strings.Contains(pr.Message, "survey") && strings.Contains(pr.Message, want) && pr.File != "" {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: problems %v", want, s.Problems)
		}
	}
}
