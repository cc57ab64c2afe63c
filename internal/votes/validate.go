package votes

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"unionhall/internal/content"
	"unionhall/internal/db"
	"unionhall/internal/textrule"
	"unionhall/internal/votes/count"
)

// Limits on what a vote may hold.
const (
	MaxTitle   = 200
	MaxText    = 20000
	MaxOption  = 200
	MaxOptions = 50
	MaxReason  = 1000
	MaxMeeting = 200
)

// InputLayout is the form's time format (HTML datetime-local).
const InputLayout = "2006-01-02T15:04"

// ProblemsError is an action refused for the vote's data (Schedule when
// the opening time has passed, Cancel without a reason); the pages show
// Problems as they show a form's.
type ProblemsError struct{ Problems Problems }

func (e *ProblemsError) Error() string {
	keys := make([]string, 0, len(e.Problems))
	for k, v := range e.Problems {
		keys = append(keys, k+": "+v)
	}
	slices.Sort(keys)
	return "votes: refused: " + strings.Join(keys, ", ")
}

// siteLangs is the site's language codes, the default first.
func siteLangs(cs *content.Site) (def string, all []string) {
	if cs == nil || len(cs.Languages) == 0 {
		return "en", []string{"en"}
	}
	def = cs.DefaultLang
	all = []string{def}
	for _, l := range cs.Languages {
		if l.Code != def {
			all = append(all, l.Code)
		}
	}
	return def, all
}

func (s *Service) site() *content.Site {
	if s.d.Site == nil {
		return nil
	}
	return s.d.Site()
}

func (s *Service) loc() *time.Location {
	if cs := s.site(); cs != nil && cs.Location != nil {
		return cs.Location
	}
	return time.UTC
}

// checkText refuses what textrule refuses and over-long text; key is the
// field's problem key prefix.
func checkText(p Problems, field, v string, max int) {
	switch {
	case !utf8.ValidString(v) || textrule.HasRefused(strings.NewReplacer("\r\n", "", "\n", "", "\t", "").Replace(v)):
		p[field] = "text.refused"
	case utf8.RuneCountInString(v) > max:
		p[field] = "text.too_long"
	}
}

// yesNoOptions are the fixed options of a yes/no vote.
func yesNoOptions(langs []string) []Option {
	label := func(cs, en string) map[string]string {
		m := map[string]string{}
		for _, l := range langs {
			if l == "cs" {
				m[l] = cs
			} else {
				m[l] = en
			}
		}
		return m
	}
	return []Option{{ID: count.OptionYes, Label: label("Ano", "Yes")}, {ID: count.OptionNo, Label: label("Ne", "No")}}
}

// optionLines splits an options field into its non-blank lines.
func optionLines(s string) []string {
	var out []string
	for _, l := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// parseLocal reads a datetime-local value in loc.
func parseLocal(v string, loc *time.Location) (time.Time, bool) {
	v = strings.TrimSpace(v)
	for _, layout := range []string{InputLayout, "2006-01-02T15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, v, loc); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// validMeeting accepts a content path of plain segments:
// "meetings/2026-06-planning".
func validMeeting(p string) bool {
	if p == "" || len(p) > MaxMeeting {
		return false
	}
	for _, seg := range strings.Split(p, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return false
		}
		for _, r := range seg {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
				return false
			}
		}
	}
	return true
}

// build checks in and turns it into a vote (the fields the form sets).
// scheduling adds the checks of a vote about to be scheduled: it may not
// open in the past. tx, when set, checks the workplaces inside it.
func (s *Service) build(ctx context.Context, q querier, in Input, scheduling bool) (*Vote, Problems, error) {
	p := Problems{}
	def, langs := siteLangs(s.site())
	loc := s.loc()
	v := &Vote{Title: map[string]string{}, Text: map[string]string{}}
	for _, l := range langs {
		t := strings.TrimSpace(in.Title[l])
		checkText(p, "title."+l, t, MaxTitle)
		if t != "" {
			v.Title[l] = t
		}
		x := strings.TrimSpace(in.Text[l])
		checkText(p, "text."+l, x, MaxText)
		if x != "" {
			v.Text[l] = x
		}
	}
	if _, ok := p["title."+def]; !ok && v.Title[def] == "" {
		p["title."+def] = "title.required"
	}

	v.Kind = Kind(strings.TrimSpace(in.Kind))
	switch v.Kind {
	case KindSingle, KindMultiple, KindYesNo, KindRanked:
	default:
		p["kind"] = "kind.invalid"
	}

	if v.Kind == KindYesNo {
		v.Options = yesNoOptions(langs)
	} else {
		lines := map[string][]string{}
		for _, l := range langs {
			lines[l] = optionLines(in.Options[l])
			seen := map[string]bool{}
			for _, o := range lines[l] {
				checkText(p, "options."+l, o, MaxOption)
				k := strings.ToLower(o)
				if seen[k] {
					p["options."+l] = "options.duplicate"
				}
				seen[k] = true
			}
		}
		n := len(lines[def])
		for _, l := range langs[1:] {
			if len(lines[l]) != 0 && len(lines[l]) != n {
				if _, ok := p["options."+l]; !ok {
					p["options."+l] = "options.count_mismatch"
				}
			}
		}
		switch {
		case n > MaxOptions:
			p["options"] = "options.too_many"
		case n < 2 && v.Kind != "":
			p["options"] = "options.too_few"
		}
		for i := 0; i < n; i++ {
			o := Option{ID: "o" + strconv.Itoa(i+1), Label: map[string]string{}}
			for _, l := range langs {
				if i < len(lines[l]) {
					o.Label[l] = lines[l][i]
				}
			}
			v.Options = append(v.Options, o)
		}
	}
	n := len(v.Options)

	atoi := func(field, s string, def, lo, hi int, key string) int {
		s = strings.TrimSpace(s)
		if s == "" {
			return def
		}
		x, err := strconv.Atoi(s)
		if err != nil || x < lo || x > hi {
			p[field] = key
			return def
		}
		return x
	}
	v.MaxChoices, v.Seats = 1, 1
	switch v.Kind {
	case KindMultiple:
		v.MaxChoices = atoi("max_choices", in.MaxChoices, n, 1, max(n, 1), "max_choices.range")
		v.Seats = atoi("seats", in.Seats, 1, 1, max(n, 1), "seats.range")
	case KindRanked:
		v.MaxChoices = n
		v.Seats = atoi("seats", in.Seats, 1, 1, max(n-1, 1), "seats.range")
	}
	v.QuorumPercent = atoi("quorum", in.QuorumPercent, 0, 0, 100, "quorum.range")

	v.Threshold = strings.TrimSpace(in.Threshold)
	if v.Threshold == "" {
		v.Threshold = count.ThresholdPlurality
	}
	switch v.Threshold {
	case count.ThresholdPlurality, count.ThresholdMajority, count.ThresholdTwoThirds, count.ThresholdThreeQuarters:
		if v.Kind == KindRanked && v.Threshold != count.ThresholdPlurality {
			p["threshold"] = "threshold.ranked"
		}
	default:
		p["threshold"] = "threshold.invalid"
	}

	var okOpen, okClose bool
	if strings.TrimSpace(in.OpensAt) == "" {
		p["opens"] = "opens.required"
	} else if v.OpensAt, okOpen = parseLocal(in.OpensAt, loc); !okOpen {
		p["opens"] = "opens.invalid"
	}
	if strings.TrimSpace(in.ClosesAt) == "" {
		p["closes"] = "closes.required"
	} else if v.ClosesAt, okClose = parseLocal(in.ClosesAt, loc); !okClose {
		p["closes"] = "closes.invalid"
	}
	if okOpen && okClose && !v.ClosesAt.After(v.OpensAt) {
		p["closes"] = "closes.before_opens"
	}
	if scheduling && okOpen && v.OpensAt.Before(s.now().Truncate(time.Minute)) {
		p["opens"] = "opens.past"
	}

	seen := map[string]bool{}
	for _, w := range in.Workplaces {
		w = strings.TrimSpace(w)
		if w == "" || seen[w] {
			continue
		}
		seen[w] = true
		if !db.ValidID(w) {
			p["workplaces"] = "workplaces.unknown"
			continue
		}
		var one int
		err := q.QueryRowContext(ctx, s.d.DB.Rebind(`SELECT 1 FROM workplaces WHERE id = ?`), w).Scan(&one)
		if err == sql.ErrNoRows {
			p["workplaces"] = "workplaces.unknown"
			continue
		}
		if err != nil {
			return nil, nil, fmt.Errorf("votes: check workplace: %w", err)
		}
		v.Workplaces = append(v.Workplaces, w)
	}
	slices.Sort(v.Workplaces)

	v.AllowChange, v.Invite = in.AllowChange, in.Invite
	v.Meeting = strings.Trim(strings.TrimSpace(in.Meeting), "/")
	if v.Meeting != "" && !validMeeting(v.Meeting) {
		p["meeting"] = "meeting.invalid"
	}
	return v, p, nil
}

func inputOf(v *Vote, loc *time.Location) Input {
	if loc == nil {
		loc = time.UTC
	}
	in := Input{Title: map[string]string{}, Text: map[string]string{}, Options: map[string]string{},
		Kind: string(v.Kind), Workplaces: append([]string(nil), v.Workplaces...),
		Threshold: v.Threshold, AllowChange: v.AllowChange, Invite: v.Invite, Meeting: v.Meeting}
	for l, t := range v.Title {
		in.Title[l] = t
	}
	for l, t := range v.Text {
		in.Text[l] = t
	}
	if v.Kind != KindYesNo {
		lines := map[string][]string{}
		for _, o := range v.Options {
			for l, t := range o.Label {
				lines[l] = append(lines[l], t)
			}
		}
		for l, ls := range lines {
			in.Options[l] = strings.Join(ls, "\n")
		}
	}
	if v.Kind == KindMultiple {
		in.MaxChoices = strconv.Itoa(v.MaxChoices)
	}
	if v.Kind == KindMultiple || v.Kind == KindRanked {
		in.Seats = strconv.Itoa(v.Seats)
	}
	if !v.OpensAt.IsZero() {
		in.OpensAt = v.OpensAt.In(loc).Format(InputLayout)
	}
	if !v.ClosesAt.IsZero() {
		in.ClosesAt = v.ClosesAt.In(loc).Format(InputLayout)
	}
	in.QuorumPercent = strconv.Itoa(v.QuorumPercent)
	return in
}
