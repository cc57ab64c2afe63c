package surveys

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"unionhall/internal/console"
	"unionhall/internal/content"
	"unionhall/internal/textrule"
)

// Limits of what one answer may hold.
const (
	MaxShort = 200
	MaxLong  = 5000
	MaxName  = 200
)

// Problems maps a field (question id, "name", "email") to a message key
// of messages.json with its arguments.
type Problems map[string]Problem

// Problem is one field's message key and arguments.
type Problem struct {
	Key  string
	Args []any
}

// OK says there are none.
func (p Problems) OK() bool { return len(p) == 0 }

// field is the form field name of a question (its id is checked by the
// content loader: [a-z0-9_-]).
func field(qid string) string { return "q-" + qid }

// Check reads a posted form against the survey's questions in lang. It
// returns the answers and, on a named public survey, the respondent's
// optional name and email, with a problem per bad field. Everything typed
// is in form, so the page can show it again.
func Check(sv *Survey, lang string, form url.Values) (Answers, Respondent, Problems) {
	a := Answers{}
	p := Problems{}
	for _, q := range sv.Questions(lang) {
		vals := form[field(q.ID)]
		switch q.Kind {
		case content.QuestionSingle, content.QuestionMultiple:
			var chosen []string
			for _, v := range vals {
				if v = strings.TrimSpace(v); v != "" && !slices.Contains(chosen, v) {
					chosen = append(chosen, v)
				}
			}
			bad := false
			for _, v := range chosen {
				if !slices.ContainsFunc(q.Options, func(o content.SurveyOption) bool { return o.ID == v }) {
					bad = true
				}
			}
			switch {
			case bad:
				p[q.ID] = Problem{Key: "err.choice_invalid"}
			case q.Kind == content.QuestionSingle && len(chosen) > 1:
				p[q.ID] = Problem{Key: "err.choice_one"}
			case len(chosen) == 0 && q.Required:
				p[q.ID] = Problem{Key: "err.required"}
			case len(chosen) > 0:
				// Option order, not the order the browser sent them.
				slices.SortFunc(chosen, func(x, y string) int { return optIndex(q, x) - optIndex(q, y) })
				a[q.ID] = chosen
			}
		case content.QuestionScale:
			v := ""
			if len(vals) > 0 {
				v = strings.TrimSpace(vals[0])
			}
			n, err := strconv.Atoi(v)
			switch {
			case len(vals) > 1:
				p[q.ID] = Problem{Key: "err.choice_one"}
			case v == "" && q.Required:
				p[q.ID] = Problem{Key: "err.required"}
			case v == "":
			case err != nil || n < q.Min || n > q.Max:
				p[q.ID] = Problem{Key: "err.scale", Args: []any{"min", q.Min, "max", q.Max}}
			default:
				a[q.ID] = []string{strconv.Itoa(n)}
			}
		default:
			v := strings.Join(vals, "\n")
			max, multi := MaxShort, false
			if q.Kind == content.QuestionLong {
				max, multi = MaxLong, true
			}
			if key, args, clean := checkText(v, max, multi); key != "" {
				p[q.ID] = Problem{Key: key, Args: args}
			} else if clean == "" && q.Required {
				p[q.ID] = Problem{Key: "err.required"}
			} else if clean != "" {
				a[q.ID] = []string{clean}
			}
		}
	}
	var who Respondent
	if !sv.Members() && !sv.Anonymous() {
		name, email := form.Get("name"), strings.TrimSpace(form.Get("email"))
		if key, args, clean := checkText(name, MaxName, false); key != "" {
			p["name"] = Problem{Key: key, Args: args}
		} else {
			who.Name = clean
		}
		switch {
		case email == "":
		case utf8.RuneCountInString(email) > 254 || !console.ValidEmail(email):
			p["email"] = Problem{Key: "err.email"}
		default:
			who.Email = email
		}
	}
	return a, who, p
}

func optIndex(q content.SurveyQuestion, id string) int {
	return slices.IndexFunc(q.Options, func(o content.SurveyOption) bool { return o.ID == id })
}

// checkText trims s and checks it against the characters every form
// refuses (internal/textrule; line breaks allowed in long text) and its
// length: a message key and arguments, or the clean text.
func checkText(s string, max int, multiline bool) (string, []any, string) {
	s = strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
	if !utf8.ValidString(s) {
		return "err.encoding", nil, ""
	}
	for _, r := range s {
		if r == '\n' && multiline {
			continue
		}
		if r == '\t' && multiline {
			continue
		}
		if textrule.Directional(r) {
			return "err.bidi", nil, ""
		}
		if textrule.Refused(r) {
			return "err.control", nil, ""
		}
	}
	if n := utf8.RuneCountInString(s); n > max {
		return "err.too_long", []any{"max", max, "n", n}, ""
	}
	return "", nil, s
}
