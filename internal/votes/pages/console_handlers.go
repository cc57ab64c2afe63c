package pages

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"unionhall/internal/auth"
	"unionhall/internal/console"
	"unionhall/internal/votes"
)

// failVote maps the votes pages' errors to answers.
func (cp *consolePages) failVote(p console.Page, w http.ResponseWriter, r *http.Request, a *auth.Account, err error) {
	switch {
	case errors.Is(err, votes.ErrNotFound):
		p.Fail(w, r, a, http.StatusNotFound, "err.not_found")
	case errors.Is(err, votes.ErrLocked):
		p.Fail(w, r, a, http.StatusConflict, "votes.err.locked")
	case errors.Is(err, votes.ErrCancelled):
		p.Fail(w, r, a, http.StatusConflict, "votes.err.locked_cancelled")
	case errors.Is(err, votes.ErrWrongState):
		p.Fail(w, r, a, http.StatusConflict, "votes.err.wrong_state")
	case errors.Is(err, votes.ErrTooFewEligible):
		p.Fail(w, r, a, http.StatusConflict, "votes.err.too_few")
	default:
		p.FailErr(w, r, a, err)
	}
}

func (cp *consolePages) votesList(p console.Page, w http.ResponseWriter, r *http.Request, a *auth.Account) {
	vs, err := cp.d.Votes.List(r.Context())
	if err != nil {
		cp.failVote(p, w, r, a, err)
		return
	}
	lang, langs := console.Lang(r), cp.langs()
	rows := make([]voteRow, 0, len(vs))
	for _, v := range vs {
		rows = append(rows, voteRow{Vote: v, Name: pick(v.Title, lang, langs)})
	}
	p.Render(w, r, a, http.StatusOK, "votes.html", console.Tr(r, "nav.votes"), map[string]any{
		"Rows": rows, "CanManage": a.Can(ManageVotes)}, nil)
}

// vote loads the vote of the URL's {id}, answering itself when it cannot.
func (cp *consolePages) vote(p console.Page, w http.ResponseWriter, r *http.Request, a *auth.Account) (*votes.Vote, bool) {
	id := r.PathValue("id")
	if !validVoteID(id) {
		cp.failVote(p, w, r, a, votes.ErrNotFound)
		return nil, false
	}
	v, err := cp.d.Votes.Get(r.Context(), id)
	if err != nil {
		cp.failVote(p, w, r, a, err)
		return nil, false
	}
	return v, true
}

// validVoteID accepts what the service makes (and nothing that could be a
// path or a query): a short run of letters, digits, '-' and '_'.
func validVoteID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	return strings.Trim(s, "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_") == ""
}

// voteData is what the vote's page shows.
type voteData struct {
	V         *votes.Vote
	Name      string
	Previews  []voteLang
	Result    *resultView
	CanManage bool
	Kinds     []string
	Board     string
	// Workplaces are the names of the workplaces whose members vote (none:
	// all current members).
	Workplaces []string
	Meeting    string
	// OpenProblem says why a due vote has not opened ("" if nothing).
	OpenProblem string
}

func (cp *consolePages) votePage(p console.Page, w http.ResponseWriter, r *http.Request, a *auth.Account) {
	v, ok := cp.vote(p, w, r, a)
	if !ok {
		return
	}
	lang := console.Lang(r)
	d := voteData{V: v, Name: pick(v.Title, lang, cp.langs()), Previews: cp.previews(v), CanManage: a.Can(ManageVotes)}
	if v.OpenProblem != "" && v.State == votes.StateScheduled {
		key := "votes.open_problem." + v.OpenProblem
		if !console.Has(lang, key) {
			key = "votes.open_problem.unknown"
		}
		d.OpenProblem = console.T(lang, key)
	}
	if v.State == votes.StateClosed {
		d.Result = cp.result(v, lang)
		d.Board = BoardPath(cp.siteLangFor(lang), v.ID)
	}
	if len(v.Workplaces) > 0 {
		ws, err := cp.workplaces(r.Context(), a)
		if err != nil {
			cp.failVote(p, w, r, a, err)
			return
		}
		for _, id := range v.Workplaces {
			name := id
			for _, wp := range ws {
				if wp.ID == id {
					name = wp.Name
				}
			}
			d.Workplaces = append(d.Workplaces, name)
		}
	}
	if v.Meeting != "" {
		d.Meeting = v.Meeting
		for _, m := range cp.meetings(lang, v.Meeting) {
			if m.Value == v.Meeting && !m.Missing {
				d.Meeting = m.Title
			}
		}
	}
	p.Render(w, r, a, http.StatusOK, "vote.html", d.Name, d, nil)
}

// newInput is the form of a new vote: a single-choice vote, as simple as
// a vote gets, that a committee member changes as needed.
func newInput() votes.Input {
	return votes.Input{Kind: string(votes.KindSingle), Threshold: votes.ThresholdPlurality, QuorumPercent: "0", Seats: "1"}
}

func (cp *consolePages) voteNew(p console.Page, w http.ResponseWriter, r *http.Request, a *auth.Account) {
	cp.renderForm(p, w, r, a, nil, newInput(), nil, http.StatusOK)
}

// renderForm shows the create (v nil) or edit form with defaults in, or
// the form f as typed when it came back.
func (cp *consolePages) renderForm(p console.Page, w http.ResponseWriter, r *http.Request, a *auth.Account, v *votes.Vote, in votes.Input, f *console.Form, status int) {
	action, title := "/admin/votes/new", console.Tr(r, "votes.title.new")
	if v != nil {
		action = "/admin/votes/" + v.ID + "/edit"
		title = console.Tr(r, "votes.title.edit", "vote", pick(v.Title, console.Lang(r), cp.langs()))
	}
	d, err := cp.formData(r.Context(), r, a, action, v, in, f)
	if err != nil {
		cp.failVote(p, w, r, a, err)
		return
	}
	p.Render(w, r, a, status, "vote_form.html", title, d, f)
}

func (cp *consolePages) voteCreate(p console.Page, w http.ResponseWriter, r *http.Request, a *auth.Account) {
	f := console.NewForm(r, "vote")
	in, err := cp.readForm(r, f, "")
	if err != nil {
		cp.failVote(p, w, r, a, err)
		return
	}
	if !f.OK() {
		cp.renderForm(p, w, r, a, nil, in, f, f.Status())
		return
	}
	id, probs, err := cp.d.Votes.Create(r.Context(), a.ID, in)
	if err != nil {
		cp.failVote(p, w, r, a, err)
		return
	}
	if !probs.OK() {
		cp.addProblems(f, console.Lang(r), probs)
		cp.renderForm(p, w, r, a, nil, in, f, f.Status())
		return
	}
	console.Redirect(w, r, "/admin/votes/"+id, "vote_created")
}

func (cp *consolePages) voteEdit(p console.Page, w http.ResponseWriter, r *http.Request, a *auth.Account) {
	v, ok := cp.vote(p, w, r, a)
	if !ok {
		return
	}
	if !v.Editable() {
		cp.failLocked(p, w, r, a, v)
		return
	}
	cp.renderForm(p, w, r, a, v, votes.InputOf(v, cp.loc()), nil, http.StatusOK)
}

// failLocked refuses to change a vote that is open, closed or cancelled:
// from the opening the roll and the ballot are fixed, so nobody votes on
// something that changed under them.
func (cp *consolePages) failLocked(p console.Page, w http.ResponseWriter, r *http.Request, a *auth.Account, v *votes.Vote) {
	p.Fail(w, r, a, http.StatusConflict, lockedKey(v.State))
}

func (cp *consolePages) voteUpdate(p console.Page, w http.ResponseWriter, r *http.Request, a *auth.Account) {
	v, ok := cp.vote(p, w, r, a)
	if !ok {
		return
	}
	f := console.NewForm(r, "vote")
	in, err := cp.readForm(r, f, v.Meeting)
	if err != nil {
		cp.failVote(p, w, r, a, err)
		return
	}
	if !v.Editable() {
		// The form comes back as typed (nothing is lost), saying why it
		// cannot be saved.
		f.Clash("", "", lockedKey(v.State))
		cp.renderForm(p, w, r, a, v, in, f, http.StatusConflict)
		return
	}
	if !f.OK() {
		cp.renderForm(p, w, r, a, v, in, f, f.Status())
		return
	}
	probs, err := cp.d.Votes.Update(r.Context(), a.ID, v.ID, in)
	switch {
	case errors.Is(err, votes.ErrLocked) || errors.Is(err, votes.ErrCancelled) || errors.Is(err, votes.ErrWrongState):
		// It opened (or was cancelled) while the form was being filled.
		if v2, gerr := cp.d.Votes.Get(r.Context(), v.ID); gerr == nil {
			v = v2
		}
		f.Clash("", "", lockedKey(v.State))
		cp.renderForm(p, w, r, a, v, in, f, http.StatusConflict)
		return
	case err != nil:
		cp.failVote(p, w, r, a, err)
		return
	case !probs.OK():
		cp.addProblems(f, console.Lang(r), probs)
		cp.renderForm(p, w, r, a, v, in, f, f.Status())
		return
	}
	console.Redirect(w, r, "/admin/votes/"+v.ID, "vote_saved")
}

// lockedKey is the message refusing to change a vote in state.
func lockedKey(state string) string {
	if slices.Contains([]string{votes.StateClosed, votes.StateCancelled}, state) {
		return "votes.err.locked_" + state
	}
	return "votes.err.locked"
}

func (cp *consolePages) voteSchedule(p console.Page, w http.ResponseWriter, r *http.Request, a *auth.Account) {
	v, ok := cp.vote(p, w, r, a)
	if !ok {
		return
	}
	err := cp.d.Votes.Schedule(r.Context(), a.ID, v.ID)
	var pe *votes.ProblemsError
	switch {
	case errors.As(err, &pe):
		// The stored vote cannot open as it stands (its opening time has
		// passed): the edit form, with the stored values and the problems
		// at their fields, is where it is put right.
		in := votes.InputOf(v, cp.loc())
		f := console.FormOf(r, "vote", inputValues(in))
		cp.addProblems(f, console.Lang(r), pe.Problems)
		cp.renderForm(p, w, r, a, v, in, f, f.Status())
		return
	case err != nil:
		cp.failVote(p, w, r, a, err)
		return
	}
	console.Redirect(w, r, "/admin/votes/"+v.ID, "vote_scheduled")
}

// voteUnschedule takes a scheduled vote back to draft: it will not open.
func (cp *consolePages) voteUnschedule(p console.Page, w http.ResponseWriter, r *http.Request, a *auth.Account) {
	v, ok := cp.vote(p, w, r, a)
	if !ok {
		return
	}
	if err := cp.d.Votes.Unschedule(r.Context(), a.ID, v.ID); err != nil {
		cp.failVote(p, w, r, a, err)
		return
	}
	console.Redirect(w, r, "/admin/votes/"+v.ID, "vote_unscheduled")
}

// inputValues is in as a submitted form, so a form built from stored
// values (console.FormOf) shows them with problems at their fields.
func inputValues(in votes.Input) url.Values {
	f := url.Values{"kind": {in.Kind}, "max_choices": {in.MaxChoices}, "seats": {in.Seats}, "opens": {in.OpensAt},
		"closes": {in.ClosesAt}, "quorum": {in.QuorumPercent}, "threshold": {in.Threshold}, "meeting": {in.Meeting}, "workplaces": in.Workplaces}
	for l, s := range in.Title {
		f.Set("title."+l, s)
	}
	for l, s := range in.Text {
		f.Set("text."+l, s)
	}
	for l, s := range in.Options {
		f.Set("options."+l, s)
	}
	if in.AllowChange {
		f.Set("allow_change", "yes")
	}
	if in.Invite {
		f.Set("invite", "yes")
	}
	return f
}

// cancelData is what the cancel page shows.
type cancelData struct {
	V    *votes.Vote
	Name string
}

// voteCancelForm is the confirmation of a cancel: what it does, and the
// reason voters will read.
func (cp *consolePages) voteCancelForm(p console.Page, w http.ResponseWriter, r *http.Request, a *auth.Account) {
	v, ok := cp.vote(p, w, r, a)
	if !ok {
		return
	}
	if !cancellable(v) {
		p.Fail(w, r, a, http.StatusConflict, "votes.err.not_cancellable")
		return
	}
	cp.renderCancel(p, w, r, a, v, nil, http.StatusOK)
}

func cancellable(v *votes.Vote) bool {
	return v.State == votes.StateDraft || v.State == votes.StateScheduled || v.State == votes.StateOpen
}

func (cp *consolePages) renderCancel(p console.Page, w http.ResponseWriter, r *http.Request, a *auth.Account, v *votes.Vote, f *console.Form, status int) {
	name := pick(v.Title, console.Lang(r), cp.langs())
	p.Render(w, r, a, status, "vote_cancel.html", console.Tr(r, "votes.title.cancel", "vote", name), cancelData{V: v, Name: name}, f)
}

func (cp *consolePages) voteCancel(p console.Page, w http.ResponseWriter, r *http.Request, a *auth.Account) {
	v, ok := cp.vote(p, w, r, a)
	if !ok {
		return
	}
	f := console.NewForm(r, "cancel")
	reason := f.Text("reason", "votes.field.reason", maxVoteReason, true, true)
	if !cancellable(v) {
		f.Clash("", "", "votes.err.not_cancellable")
	}
	if !f.OK() {
		cp.renderCancel(p, w, r, a, v, f, f.Status())
		return
	}
	err := cp.d.Votes.Cancel(r.Context(), a.ID, v.ID, reason)
	var pe *votes.ProblemsError
	if errors.As(err, &pe) {
		cp.addProblems(f, console.Lang(r), pe.Problems)
		cp.renderCancel(p, w, r, a, v, f, f.Status())
		return
	}
	if errors.Is(err, votes.ErrWrongState) || errors.Is(err, votes.ErrClosed) || errors.Is(err, votes.ErrCancelled) {
		f.Clash("", "", "votes.err.not_cancellable")
		if v2, gerr := cp.d.Votes.Get(r.Context(), v.ID); gerr == nil {
			v = v2
		}
		cp.renderCancel(p, w, r, a, v, f, f.Status())
		return
	}
	if err != nil {
		cp.failVote(p, w, r, a, err)
		return
	}
	console.Redirect(w, r, "/admin/votes/"+v.ID, "vote_cancelled")
}
