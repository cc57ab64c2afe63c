package pages

import (
	"context"
	"fmt"
	"html/template"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"unionhall/internal/auth"
	"unionhall/internal/console"
	"unionhall/internal/content"
	"unionhall/internal/members"
	"unionhall/internal/votes"
	"unionhall/internal/votes/count"
)

// Limits of the vote form. The shell reads at most 64 KiB of a console
// form, so the texts of every language together stay under it: a form a
// person cannot send whole would lose what they typed.
const (
	maxVoteTitle   = 200
	maxVoteText    = 8000
	maxVoteOptions = 4000 // all the option lines of one language
	maxVoteNumber  = 10   // max choices, seats, quorum: digits
	maxVoteTime    = 40   // a datetime-local value
	maxVoteMeeting = 300
	maxVoteReason  = 1000
)

// voteKinds and voteThresholds are the form's choices, in the order shown
// (texts "votes.kind.<k>", "votes.threshold.<t>").
var (
	voteKinds      = []string{string(votes.KindSingle), string(votes.KindMultiple), string(votes.KindYesNo), string(votes.KindRanked)}
	voteThresholds = []string{votes.ThresholdPlurality, votes.ThresholdMajority, votes.ThresholdTwoThirds, votes.ThresholdThreeQuarters}
)

// siteLang is one of the site's languages: every vote has a title, a text
// and option labels in each.
type siteLang struct{ Code, Name string }

// site is the current site, or nil when the section was built without one.
func (cp *consolePages) site() *content.Site {
	if cp.d.Site == nil {
		return nil
	}
	return cp.d.Site()
}

// langs are the site's languages, the default first (its title is the one
// a vote must have).
func (cp *consolePages) langs() []siteLang {
	s := cp.site()
	if s == nil {
		return []siteLang{{"cs", "Čeština"}, {"en", "English"}}
	}
	var out []siteLang
	for _, l := range s.Languages {
		name := l.Name
		if name == "" {
			name = l.Code
		}
		out = append(out, siteLang{l.Code, name})
	}
	slices.SortStableFunc(out, func(a, b siteLang) int {
		switch {
		case a.Code == s.DefaultLang:
			return -1
		case b.Code == s.DefaultLang:
			return 1
		}
		return 0
	})
	return out
}

// loc is the site's time zone: the form's times are read and shown in it.
func (cp *consolePages) loc() *time.Location {
	if s := cp.site(); s != nil && s.Location != nil {
		return s.Location
	}
	return time.UTC
}

// pick is the text of m in lang, else in the first of langs that has one.
func pick(m map[string]string, lang string, langs []siteLang) string {
	if s := m[lang]; s != "" {
		return s
	}
	for _, l := range langs {
		if s := m[l.Code]; s != "" {
			return s
		}
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if m[k] != "" {
			return m[k]
		}
	}
	return ""
}

// siteLangFor is the site language the console's language corresponds to
// (the public board is linked in it), else the site's default.
func (cp *consolePages) siteLangFor(lang string) string {
	ls := cp.langs()
	for _, l := range ls {
		if l.Code == lang {
			return lang
		}
	}
	return ls[0].Code
}

// BoardPath is the public bulletin board of a closed vote in a language
// (served by the board pages of this package).
func BoardPath(lang, voteID string) string { return "/" + lang + "/votes/" + voteID + "/board" }

// meetingChoice is a member-only page a vote may belong to.
type meetingChoice struct {
	Value, Title string
	Missing      bool // a vote names it but the site no longer has it
	date         time.Time
}

// meetings are the site's member-only meeting pages (type "meetings"), one
// per translation, titled in lang: the pages a vote may belong to. The value is the page's content
// path without the language (its translation key), the same in every
// language, as votes.Vote.Meeting holds it.
func (cp *consolePages) meetings(lang string, current string) []meetingChoice {
	s := cp.site()
	var out []meetingChoice
	seen := map[string]int{}
	if s != nil {
		now := cp.d.Now()
		for _, p := range s.Pages {
			if !p.MembersOnly || p.Type != "meetings" || p.Kind != content.KindPage || p.TranslationKey == "" || !p.Visible(now) {
				continue
			}
			i, ok := seen[p.TranslationKey]
			if !ok {
				seen[p.TranslationKey] = len(out)
				out = append(out, meetingChoice{Value: p.TranslationKey, Title: p.Title, date: p.Date})
				continue
			}
			if p.Lang == lang {
				out[i].Title = p.Title
			}
		}
	}
	// The next meeting is the likeliest: latest date first.
	slices.SortStableFunc(out, func(a, b meetingChoice) int {
		if c := b.date.Compare(a.date); c != 0 {
			return c
		}
		return strings.Compare(a.Value, b.Value)
	})
	if _, ok := seen[current]; current != "" && !ok {
		out = append([]meetingChoice{{Value: current, Title: current, Missing: true}}, out...)
	}
	return out
}

// workplaces are the registry's workplaces for the form. They are listed
// whole, not scoped to the representative's own: choosing who votes is the
// committee's decision (a representative gets no votes pages at all).
func (cp *consolePages) workplaces(ctx context.Context, a *auth.Account) ([]members.Workplace, error) {
	if cp.d.Workplaces == nil {
		return nil, nil
	}
	viewer := &auth.Account{ID: a.ID, Roles: a.Roles}
	ws, err := cp.d.Workplaces.ListWorkplaces(ctx, viewer)
	if err != nil {
		return nil, fmt.Errorf("workplaces for a vote: %w", err)
	}
	return ws, nil
}

// voteRow is a vote in the console's list.
type voteRow struct {
	votes.Vote
	Name string // the title in the console's language
}

// voteLang is what the voters of one language see.
type voteLang struct {
	Code, Name, Title string
	Text              template.HTML
	Options           []string
	// Abstain is the abstention every ballot offers, in that language
	// when the console speaks it.
	Abstain string
}

// previews are the vote's ballot texts in each site language, as voters
// will see them.
func (cp *consolePages) previews(v *votes.Vote) []voteLang {
	var out []voteLang
	langs := cp.langs()
	for _, l := range langs {
		p := voteLang{Code: l.Code, Name: l.Name, Title: pick(v.Title, l.Code, langs), Text: voteText(pick(v.Text, l.Code, langs)), // as the ballot page renders it
			Abstain: console.T(l.Code, "votes.abstain")}
		for _, o := range v.Options {
			p.Options = append(p.Options, optionLabel(o, l.Code, langs))
		}
		out = append(out, p)
	}
	return out
}

// optionLabel is option o's label in lang; a yes/no option without one
// has the console's word for it.
func optionLabel(o votes.Option, lang string, langs []siteLang) string {
	if s := pick(o.Label, lang, langs); s != "" {
		return s
	}
	if k := "votes.option." + o.ID; console.Has(lang, k) {
		return console.T(lang, k)
	}
	return o.ID
}

// resultView is a closed vote's result as the console shows it.
type resultView struct {
	R        *count.Result
	Counts   []countRow
	Elected  []string
	Columns  []string // ranked: the candidates, in ballot order
	Rounds   []roundView
	Lots     []lotView
	Turnout  string
	Board    string
	Ranked   bool
	Quota    string
	Outcome  string // the outcome code
	Unfilled int
}

type countRow struct {
	Label   string
	Votes   int
	Elected bool
}

type roundView struct {
	Stage           int
	Action, Option  string
	Values          []string
	Elected         []string
	Excluded        []string
	NonTransferable string
}

type lotView struct {
	Purpose, Chosen string
	Among           []string
	Stage           int
}

// result builds the result view of a closed vote in lang.
func (cp *consolePages) result(v *votes.Vote, lang string) *resultView {
	if v.Result == nil {
		return nil
	}
	langs := cp.langs()
	labels := map[string]string{}
	for _, o := range v.Options {
		labels[o.ID] = optionLabel(o, lang, langs)
	}
	name := func(id string) string {
		if l, ok := labels[id]; ok {
			return l
		}
		return id
	}
	names := func(ids []string) []string {
		out := make([]string, len(ids))
		for i, id := range ids {
			out[i] = name(id)
		}
		return out
	}
	r := v.Result
	rv := &resultView{R: r, Elected: names(r.Elected), Ranked: v.Kind == votes.KindRanked, Outcome: r.Outcome,
		Turnout: fmt.Sprintf("%.2f", r.TurnoutPercent), Board: BoardPath(cp.siteLangFor(lang), v.ID), Unfilled: r.Unfilled}
	for _, c := range r.Counts {
		rv.Counts = append(rv.Counts, countRow{Label: name(c.Option), Votes: c.Votes, Elected: slices.Contains(r.Elected, c.Option)})
	}
	if rv.Ranked {
		rv.Quota = shortValue(r.Quota)
		for _, o := range v.Options {
			rv.Columns = append(rv.Columns, name(o.ID))
		}
		for _, rd := range r.Rounds {
			vals := map[string]count.Value{}
			for _, cv := range rd.Values {
				vals[cv.Option] = cv.Value
			}
			// The excluded candidate the stage is named for is not listed
			// twice.
			excluded := slices.DeleteFunc(slices.Clone(rd.Excluded), func(id string) bool { return rd.Action == "exclude" && id == rd.Option })
			row := roundView{Stage: rd.Stage, Action: rd.Action, Option: name(rd.Option), Elected: names(rd.Elected),
				Excluded: names(excluded), NonTransferable: shortValue(rd.NonTransferable)}
			for _, o := range v.Options {
				if x, ok := vals[o.ID]; ok {
					row.Values = append(row.Values, shortValue(x))
				} else {
					row.Values = append(row.Values, "—")
				}
			}
			rv.Rounds = append(rv.Rounds, row)
		}
	}
	for _, l := range r.Lots {
		rv.Lots = append(rv.Lots, lotView{Purpose: l.Purpose, Chosen: name(l.Chosen), Among: names(l.Among), Stage: l.Stage})
	}
	return rv
}

// shortValue writes an STV value without trailing zeros ("12", "3.33333").
func shortValue(v count.Value) string {
	s := v.String()
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// voteFormData is what the create and edit form shows.
type voteFormData struct {
	Action     string // where the form posts
	Vote       *votes.Vote
	In         votes.Input // the defaults (a new vote, or the stored one)
	Langs      []langFields
	Kinds      []string
	Thresholds []string
	Workplaces []members.Workplace
	Meetings   []meetingChoice
	Zone       string
}

// langFields are one language's fields of the form.
type langFields struct {
	Code, Name           string
	Title, Text, Options console.FieldView
}

// formData builds the form's data in the request's language, with the
// fields of f as typed when it came back.
func (cp *consolePages) formData(ctx context.Context, r *http.Request, a *auth.Account, action string, v *votes.Vote, in votes.Input, f *console.Form) (voteFormData, error) {
	lang := console.Lang(r)
	ws, err := cp.workplaces(ctx, a)
	if err != nil {
		return voteFormData{}, err
	}
	d := voteFormData{Action: action, Vote: v, In: in, Kinds: voteKinds, Thresholds: voteThresholds, Workplaces: ws,
		Meetings: cp.meetings(lang, in.Meeting), Zone: cp.loc().String()}
	field := console.Field(lang)
	for _, l := range cp.langs() {
		lf := langFields{Code: l.Code, Name: l.Name}
		var errs [3]error
		lf.Title, errs[0] = field(f, "title."+l.Code, "votes.field.title", in.Title[l.Code], "max", maxVoteTitle, "size", 60)
		lf.Text, errs[1] = field(f, "text."+l.Code, "votes.field.text", in.Text[l.Code], "rows", 8, "cols", 60, "max", maxVoteText)
		lf.Options, errs[2] = field(f, "options."+l.Code, "votes.field.options", in.Options[l.Code], "rows", 6, "cols", 40, "max", maxVoteOptions)
		for _, e := range errs {
			if e != nil {
				return d, e
			}
		}
		lf.Title.Label = console.T(lang, "votes.field.title_in", "lang", l.Name)
		lf.Text.Label = console.T(lang, "votes.field.text_in", "lang", l.Name)
		lf.Options.Label = console.T(lang, "votes.field.options_in", "lang", l.Name)
		d.Langs = append(d.Langs, lf)
	}
	return d, nil
}

// fieldOrder is the order of the form's fields, for the error summary
// (the core's Problems is a map).
func (cp *consolePages) fieldOrder() []string {
	var out []string
	for _, p := range []string{"title.", "text."} {
		for _, l := range cp.langs() {
			out = append(out, p+l.Code)
		}
	}
	out = append(out, "kind", "options")
	for _, l := range cp.langs() {
		out = append(out, "options."+l.Code)
	}
	return append(out, "max_choices", "seats", "workplaces", "opens", "closes", "quorum", "threshold", "allow_change", "invite", "meeting", "reason")
}

// fieldLabel is the label of form field id in lang (for the summary).
func (cp *consolePages) fieldLabel(lang, id string) string {
	base, code, _ := strings.Cut(id, ".")
	if code != "" {
		for _, l := range cp.langs() {
			if l.Code == code {
				return console.T(lang, "votes.field."+base+"_in", "lang", l.Name)
			}
		}
	}
	if console.Has(lang, "votes.field."+base) {
		return console.T(lang, "votes.field."+base)
	}
	return ""
}

// bad records a problem with field id labelled as fieldLabel says.
func (cp *consolePages) bad(f *console.Form, lang, id, key string, args ...any) {
	n := len(f.Problems)
	f.Bad(id, "", key, args...)
	if len(f.Problems) > n {
		f.Problems[n].Label = cp.fieldLabel(lang, id)
	}
}

// text reads free-text field id through the form kit's rule (console
// CheckText): refused characters, length.
func (cp *consolePages) text(f *console.Form, r *http.Request, id string, max int, multiline bool) string {
	s, key, args := console.CheckText(r.PostForm.Get(id), max, multiline)
	if key != "" {
		cp.bad(f, console.Lang(r), id, key, args...)
		return ""
	}
	return s
}

// readForm reads the vote form into an Input, checking with the form kit
// what the kit checks (refused characters, lengths) and that the meeting
// is one of the site's; the service checks the rest (votes.Problems): the
// kind, the threshold and the workplaces are its to refuse, so that the
// common mistakes all come back at once, in one answer.
func (cp *consolePages) readForm(r *http.Request, f *console.Form, current string) (votes.Input, error) {
	lang := console.Lang(r)
	in := votes.Input{Title: map[string]string{}, Text: map[string]string{}, Options: map[string]string{}}
	for _, l := range cp.langs() {
		in.Title[l.Code] = cp.text(f, r, "title."+l.Code, maxVoteTitle, false)
	}
	for _, l := range cp.langs() {
		in.Text[l.Code] = cp.text(f, r, "text."+l.Code, maxVoteText, true)
	}
	in.Kind = r.PostForm.Get("kind")
	for _, l := range cp.langs() {
		in.Options[l.Code] = cp.text(f, r, "options."+l.Code, maxVoteOptions, true)
	}
	in.MaxChoices = cp.text(f, r, "max_choices", maxVoteNumber, false)
	in.Seats = cp.text(f, r, "seats", maxVoteNumber, false)
	for _, id := range r.PostForm["workplaces"] {
		if !slices.Contains(in.Workplaces, id) {
			in.Workplaces = append(in.Workplaces, id)
		}
	}
	in.OpensAt = cp.text(f, r, "opens", maxVoteTime, false)
	in.ClosesAt = cp.text(f, r, "closes", maxVoteTime, false)
	in.QuorumPercent = cp.text(f, r, "quorum", maxVoteNumber, false)
	in.Threshold = r.PostForm.Get("threshold")
	in.AllowChange = r.PostForm.Get("allow_change") == "yes"
	in.Invite = r.PostForm.Get("invite") == "yes"
	if in.Meeting = cp.text(f, r, "meeting", maxVoteMeeting, false); in.Meeting != "" {
		ok := false
		for _, m := range cp.meetings(lang, current) {
			ok = ok || m.Value == in.Meeting
		}
		if !ok {
			cp.bad(f, lang, "meeting", "votes.problem.meeting.invalid")
		}
	}
	return in, nil
}

// addProblems adds the service's problems to f, in the form's field order,
// each with its text ("votes.problem.<key>").
func (cp *consolePages) addProblems(f *console.Form, lang string, p votes.Problems) {
	order := cp.fieldOrder()
	ids := slices.Sorted(maps.Keys(p))
	slices.SortStableFunc(ids, func(a, b string) int {
		ia, ib := slices.Index(order, a), slices.Index(order, b)
		if ia < 0 {
			ia = len(order)
		}
		if ib < 0 {
			ib = len(order)
		}
		return ia - ib
	})
	for _, id := range ids {
		key := "votes.problem." + p[id]
		if !console.Has(lang, key) {
			key = "votes.problem.unknown"
		}
		target := id
		if !slices.Contains(order, id) {
			target = "" // a problem of the whole form
		}
		cp.bad(f, lang, target, key)
	}
}
