package content

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Survey is a page's `survey:` block (or, on a page of `type: survey`, the
// same keys at the top of its front matter), read by the loader and used
// by internal/surveys. Each language version of a page carries its own
// texts; the question ids (and option ids) are shared, so answers given in
// Czech and in English count together.
type Survey struct {
	// ID is the block's `id`, else the page's `surveyId`; "" leaves it to
	// internal/surveys (the page's translation key).
	ID string
	// Audience is "public" or "members" (signed in to the member portal).
	Audience string
	// Mode is "named" (answers kept with who gave them) or "anonymous".
	Mode string
	// Closes is when answers stop (zero: never), in UTC, read in the site's
	// time zone.
	Closes time.Time
	// PublicResults offers the aggregate results on a public page.
	PublicResults bool
	Questions     []SurveyQuestion
}

// Question kinds.
const (
	QuestionSingle   = "single"
	QuestionMultiple = "multiple"
	QuestionScale    = "scale"
	QuestionShort    = "short"
	QuestionLong     = "long"
)

// SurveyQuestion is one question in the page's language.
type SurveyQuestion struct {
	ID       string
	Kind     string
	Text     string
	Help     string
	Required bool
	// Options of a single or multiple choice question: ids shared across
	// languages ("1", "2"… by position when the file gives plain strings).
	Options []SurveyOption
	// Min, Max and their labels of a scale (1..5 by default, at most 11
	// steps).
	Min, Max           int
	MinLabel, MaxLabel string
}

// SurveyOption is one choice.
type SurveyOption struct{ ID, Text string }

// MaxSurveyQuestions bounds a survey; MaxSurveyOptions a question.
const (
	MaxSurveyQuestions = 50
	MaxSurveyOptions   = 30
)

var surveyIDRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

// ValidSurveyID says whether s can be a survey or question id: lower-case
// letters, digits, '-' and '_', at most 64 characters (it appears in
// URLs and form field names).
func ValidSurveyID(s string) bool { return surveyIDRE.MatchString(s) }

// blockOf is v as a block of keys (lower-cased), nil when it is not one.
func blockOf(v any) map[string]any {
	m, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	return lowerKeys(m)
}

// parseSurvey reads the survey of a page from its front matter m, or nil
// when it declares none. Problems are reported with bad under the key
// "survey"; a survey with a problem that would change who may answer or
// how answers are kept (audience, mode) is dropped rather than guessed.
func parseSurvey(m map[string]any, p *Page, loc *time.Location, utc bool, bad func(key, format string, args ...any)) *Survey {
	key := "survey"
	block := blockOf(m["survey"])
	if block == nil {
		if m["survey"] != nil {
			bad(key, "survey must be a block of keys (questions, audience, mode, closes, publicResults)")
			return nil
		}
		if !strings.EqualFold(strings.TrimSpace(str(m["type"])), "survey") {
			return nil
		}
		block, key = m, "questions"
	}
	ok := true
	fail := func(format string, args ...any) {
		bad(key, "survey: "+format, args...)
		ok = false
	}
	s := &Survey{ID: strings.TrimSpace(str(block["id"]))}
	if s.ID == "" {
		s.ID = p.SurveyID
	}
	if s.ID != "" && !ValidSurveyID(s.ID) {
		fail("id %q: use lower-case letters, digits, - and _ (at most 64)", s.ID)
	}
	s.Audience = strings.ToLower(strings.TrimSpace(str(block["audience"])))
	switch s.Audience {
	case "":
		s.Audience = "public"
	case "public", "members":
	default:
		fail("audience %q is not public or members", s.Audience)
	}
	s.Mode = strings.ToLower(strings.TrimSpace(str(block["mode"])))
	switch s.Mode {
	case "":
		s.Mode = "named"
	case "named", "anonymous":
	default:
		fail("mode %q is not named or anonymous", s.Mode)
	}
	if v, has := block["closes"]; has && v != nil && str(v) != "" {
		t, good := parseTime(v, loc, utc)
		if !good {
			fail("closes %q is not a date (use 2024-01-24T18:30:00)", str(v))
		}
		s.Closes = t
	}
	switch v := block["publicresults"].(type) {
	case nil:
	case bool:
		s.PublicResults = v
	default:
		fail("publicResults must be true or false")
	}
	qs, _ := block["questions"].([]any)
	if len(qs) == 0 {
		fail("questions: at least one question is needed")
	}
	if len(qs) > MaxSurveyQuestions {
		fail("at most %d questions", MaxSurveyQuestions)
		qs = qs[:MaxSurveyQuestions]
	}
	seen := map[string]bool{}
	for i, raw := range qs {
		q, problem := parseQuestion(raw)
		if problem == "" && seen[q.ID] {
			problem = fmt.Sprintf("question id %q is used twice", q.ID)
		}
		if problem != "" {
			fail("question %d: %s", i+1, problem)
			continue
		}
		seen[q.ID] = true
		s.Questions = append(s.Questions, q)
	}
	if !ok {
		return nil
	}
	return s
}

// parseQuestion reads one question, or says what is wrong with it.
func parseQuestion(raw any) (SurveyQuestion, string) {
	m := blockOf(raw)
	if m == nil {
		return SurveyQuestion{}, "must be a block (id, kind, text)"
	}
	q := SurveyQuestion{
		ID:   strings.TrimSpace(str(m["id"])),
		Kind: strings.ToLower(strings.TrimSpace(str(m["kind"]))),
		Text: strings.TrimSpace(str(m["text"])),
		Help: strings.TrimSpace(str(m["help"])),
	}
	if !ValidSurveyID(q.ID) {
		return q, fmt.Sprintf("id %q: use lower-case letters, digits, - and _", q.ID)
	}
	if q.Text == "" {
		return q, "text is empty"
	}
	switch v := m["required"].(type) {
	case nil:
	case bool:
		q.Required = v
	default:
		return q, "required must be true or false"
	}
	switch q.Kind {
	case QuestionSingle, QuestionMultiple:
		opts, _ := m["options"].([]any)
		if len(opts) < 2 || len(opts) > MaxSurveyOptions {
			return q, fmt.Sprintf("a %s question needs 2 to %d options", q.Kind, MaxSurveyOptions)
		}
		ids := map[string]bool{}
		for i, o := range opts {
			opt := SurveyOption{ID: fmt.Sprint(i + 1), Text: strings.TrimSpace(str(o))}
			if om := blockOf(o); om != nil {
				opt = SurveyOption{ID: strings.TrimSpace(str(om["id"])), Text: strings.TrimSpace(str(om["text"]))}
			}
			if !ValidSurveyID(opt.ID) || opt.Text == "" || ids[opt.ID] {
				return q, fmt.Sprintf("option %d needs a unique id and a text", i+1)
			}
			ids[opt.ID] = true
			q.Options = append(q.Options, opt)
		}
	case QuestionScale:
		q.Min, q.Max = 1, 5
		if v, has := m["min"]; has {
			n, good := toInt(v)
			if !good {
				return q, "min is not a number"
			}
			q.Min = n
		}
		if v, has := m["max"]; has {
			n, good := toInt(v)
			if !good {
				return q, "max is not a number"
			}
			q.Max = n
		}
		if q.Max <= q.Min || q.Max-q.Min > 10 || q.Min < -10 || q.Max > 100 {
			return q, "a scale runs from min to max, 2 to 11 steps"
		}
		switch l := m["labels"].(type) {
		case []any:
			if len(l) > 0 {
				q.MinLabel = strings.TrimSpace(str(l[0]))
			}
			if len(l) > 1 {
				q.MaxLabel = strings.TrimSpace(str(l[len(l)-1]))
			}
		case map[string]any:
			lm := lowerKeys(l)
			q.MinLabel, q.MaxLabel = strings.TrimSpace(str(lm["min"])), strings.TrimSpace(str(lm["max"]))
		}
	case QuestionShort, QuestionLong:
	default:
		return q, fmt.Sprintf("kind %q is not single, multiple, scale, short or long", q.Kind)
	}
	return q, ""
}
