package events

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"unionhall/internal/content"
)

// Event is an event page's registration settings, read from its front
// matter (content.Page.Params, keys lower-cased).
type Event struct {
	// Key identifies the event across edits: front matter `id`, else the
	// content file path with its language suffix removed, so the Czech and
	// English pages of one event share one list of seats.
	Key  string
	Page *content.Page
	// Internal is true for `registration: internal`.
	Internal  bool
	Capacity  int // 0: unlimited
	Closes    time.Time
	Anonymous bool
	// MeetingURL is for registered people only: it is never rendered on a
	// public page, only in their emails and on their personal page.
	MeetingURL string
	Questions  []Question
	Reminder   time.Duration
}

// Question is an extra question on the registration form.
type Question struct {
	ID       string
	Label    map[string]string // language → text; "" is the fallback
	Type     string            // text | choice
	Options  []map[string]string
	Required bool
}

// DefaultReminder is how long before the start the reminder goes out.
const DefaultReminder = 24 * time.Hour

// Limits on front-matter values, so a typo cannot make a form unusable.
const (
	maxQuestions = 20
	maxOptions   = 30
)

var questionID = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,39}$`)

// FromPage reads p's registration settings. ok is false when the page is not
// an event. Problems (ignored values) are returned for `unionhall check`.
func FromPage(p *content.Page, cs *content.Site) (ev Event, problems []string, ok bool) {
	if p == nil || p.StartDate.IsZero() {
		return Event{}, nil, false
	}
	ev = Event{Page: p, Key: Key(p), Reminder: DefaultReminder}
	pr := p.Params
	ev.Internal = strings.EqualFold(str(pr["registration"]), "internal")
	if v, present := pr["capacity"]; present {
		n, err := toInt(v)
		if err != nil || n < 0 {
			problems = append(problems, "capacity must be a whole number ≥ 0")
		} else {
			ev.Capacity = n
		}
	}
	if v, present := pr["registrationcloses"]; present {
		// The same rule as the page's own startDate: a "Z" time is the
		// site's wall clock unless the site says otherwise.
		if t, ok := cs.ParseTime(v); !ok || t.IsZero() {
			problems = append(problems, "registrationCloses: not a date or time")
		} else {
			ev.Closes = t
		}
	}
	ev.Anonymous = truthy(pr["anonymous"])
	if u := strings.TrimSpace(str(pr["meetingurl"])); u != "" {
		if strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://") {
			ev.MeetingURL = u
		} else {
			problems = append(problems, "meetingUrl must be an http(s) URL")
		}
	}
	if v, present := pr["reminder"]; present {
		d, err := time.ParseDuration(str(v))
		if err != nil || d < 0 || d > 60*24*time.Hour {
			problems = append(problems, "reminder must be a duration such as 24h (0 turns reminders off)")
		} else {
			ev.Reminder = d
		}
	}
	if qs, present := pr["questions"]; present {
		list, _ := qs.([]any)
		if list == nil {
			problems = append(problems, "questions must be a list")
		}
		seen := map[string]bool{}
		for i, raw := range list {
			q, err := parseQuestion(raw)
			if err == nil && seen[q.ID] {
				err = fmt.Errorf("id %q used twice", q.ID)
			}
			if err == nil && len(ev.Questions) >= maxQuestions {
				err = fmt.Errorf("more than %d questions", maxQuestions)
			}
			if err != nil {
				problems = append(problems, fmt.Sprintf("questions[%d]: %v", i, err))
				continue
			}
			seen[q.ID] = true
			ev.Questions = append(ev.Questions, q)
		}
	}
	return ev, problems, true
}

// Key is the event key of p: front matter `id`, else its file path without
// the language suffix ("content/events/x/index.en.md" → "content/events/x/index.md").
func Key(p *content.Page) string {
	if id := strings.TrimSpace(str(p.Params["id"])); id != "" {
		return "id:" + id
	}
	f := p.File
	if p.Lang != "" {
		f = strings.Replace(f, "."+p.Lang+".", ".", 1)
	}
	return f
}

// Start and End of the event; an event without a valid end lasts an hour
// for calendars and privacy.
func (e Event) Start() time.Time { return e.Page.StartDate }

// End is the event's end, or an hour after the start when it has none.
func (e Event) End() time.Time {
	if end := e.Page.End(); !end.IsZero() {
		return end
	}
	return e.Page.StartDate.Add(time.Hour)
}

// ClosesAt is when registration closes: registrationCloses, else the start.
func (e Event) ClosesAt() time.Time {
	if !e.Closes.IsZero() && e.Closes.Before(e.Start()) {
		return e.Closes
	}
	return e.Start()
}

// label returns a question's label in lang.
func (q Question) label(lang string) string { return pick(q.Label, lang) }

func pick(m map[string]string, lang string) string {
	if s, ok := m[lang]; ok {
		return s
	}
	if s, ok := m["en"]; ok {
		return s
	}
	if s, ok := m[""]; ok {
		return s
	}
	for _, s := range m {
		return s
	}
	return ""
}

func parseQuestion(raw any) (Question, error) {
	m, _ := raw.(map[string]any)
	if m == nil {
		return Question{}, fmt.Errorf("not a mapping")
	}
	q := Question{ID: strings.ToLower(str(m["id"])), Type: strings.ToLower(str(m["type"])), Required: truthy(m["required"])}
	if !questionID.MatchString(q.ID) {
		return q, fmt.Errorf("id must be lower-case letters, digits, - or _")
	}
	if q.Type == "" {
		q.Type = "text"
	}
	if q.Type != "text" && q.Type != "choice" {
		return q, fmt.Errorf("type must be text or choice")
	}
	q.Label = localized(m["label"])
	if pick(q.Label, "en") == "" {
		return q, fmt.Errorf("label missing")
	}
	if q.Type == "choice" {
		opts, _ := m["options"].([]any)
		if len(opts) == 0 || len(opts) > maxOptions {
			return q, fmt.Errorf("a choice needs 1–%d options", maxOptions)
		}
		for _, o := range opts {
			l := localized(o)
			if pick(l, "en") == "" {
				return q, fmt.Errorf("empty option")
			}
			q.Options = append(q.Options, l)
		}
	}
	return q, nil
}

// localized reads a string or a language → string mapping.
func localized(v any) map[string]string {
	switch x := v.(type) {
	case string:
		return map[string]string{"": x}
	case map[string]any:
		out := map[string]string{}
		for k, v := range x {
			if s := str(v); s != "" {
				out[strings.ToLower(k)] = s
			}
		}
		return out
	}
	return nil
}

func str(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case time.Time:
		return x.Format(time.RFC3339)
	default:
		return fmt.Sprint(x)
	}
}

func truthy(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case string:
		b, _ := strconv.ParseBool(strings.TrimSpace(x))
		return b
	}
	return false
}

func toInt(v any) (int, error) {
	switch x := v.(type) {
	case int:
		return x, nil
	case int64:
		return int(x), nil
	case uint64:
		if x > math.MaxInt32 {
			return 0, fmt.Errorf("too large")
		}
		return int(x), nil
	case float64:
		if x != math.Trunc(x) || x > math.MaxInt32 {
			return 0, fmt.Errorf("not whole")
		}
		return int(x), nil
	case string:
		return strconv.Atoi(strings.TrimSpace(x))
	}
	return 0, fmt.Errorf("not a number")
}
