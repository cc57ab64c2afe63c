package pages

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"unionhall/internal/votes"
	"unionhall/internal/votes/count"
)

// ballotInput is a ballot form as sent, so a refused ballot, the
// confirmation's hidden fields and "Back" all show exactly what the member
// chose.
type ballotInput struct {
	// Choice is single and yes/no: an option id, or "abstain".
	Choice string
	// Marked is multiple: the ticked option ids.
	Marked map[string]bool
	// Abstain is multiple and ranked: the "I abstain" box.
	Abstain bool
	// Ranks is ranked: option id → the rank chosen ("" = not ranked).
	Ranks map[string]string
	// ChangeCode is the code typed to replace an earlier ballot.
	ChangeCode string
}

// abstainChoice is the "I abstain" radio of single and yes/no ballots.
const abstainChoice = "abstain"

// maxChangeCode bounds the change code field as kept (the code is 14
// characters with its dashes; generous for spaces).
const maxChangeCode = 40

// errTampered: a ballot form no page of ours sends (an option id that is
// not the vote's, two answers to a radio, another vote's id). Nothing is
// recorded; the member gets a fresh ballot.
var errTampered = errors.New("votes pages: tampered ballot form")

// readBallot reads the ballot form of v: what was sent (kept), the ballot
// it makes, and why it cannot be cast (errTampered, or a
// *count.BallotError the member can fix).
func readBallot(r *http.Request, v *votes.Vote) (ballotInput, count.Ballot, error) {
	in := ballotInput{Marked: map[string]bool{}, Ranks: map[string]string{}}
	f := r.PostForm
	in.ChangeCode = keep(f.Get("change_code"), maxChangeCode)
	if f.Get("vote") != v.ID || len(f["vote"]) != 1 {
		return in, count.Ballot{}, errTampered
	}
	known := map[string]bool{}
	ids := make([]string, len(v.Options))
	for i, o := range v.Options {
		known[o.ID] = true
		ids[i] = o.ID
	}
	var b count.Ballot
	switch v.Kind {
	case votes.KindSingle, votes.KindYesNo:
		cs := f["choice"]
		if len(cs) > 1 {
			return in, b, errTampered
		}
		if len(cs) == 1 {
			c := cs[0]
			switch {
			case c == abstainChoice:
				b.Abstain = true
			case known[c]:
				b.Choices = []string{c}
			default:
				return in, b, errTampered
			}
			in.Choice = c
		}
	case votes.KindMultiple:
		in.Abstain = f.Get("abstain") != ""
		b.Abstain = in.Abstain
		for _, c := range f["choice"] {
			if !known[c] || in.Marked[c] {
				return in, b, errTampered
			}
			in.Marked[c] = true
		}
		for _, id := range ids { // in ballot order, whatever the form's
			if in.Marked[id] {
				b.Choices = append(b.Choices, id)
			}
		}
	case votes.KindRanked:
		in.Abstain = f.Get("abstain") != ""
		b.Abstain = in.Abstain
		ranks := map[string]int{}
		var bad *count.BallotError
		for key, vals := range f {
			id, ok := strings.CutPrefix(key, "rank.")
			if !ok {
				continue
			}
			if !known[id] || len(vals) != 1 {
				return in, b, errTampered
			}
			s := strings.TrimSpace(vals[0])
			if len(s) > 4 || !utf8.ValidString(s) {
				s = ""
				if bad == nil {
					bad = &count.BallotError{Code: count.CodeBadRank, Option: id}
				}
			}
			in.Ranks[id] = s
			if s == "" {
				continue
			}
			n, err := strconv.Atoi(s)
			if err != nil || n < 1 || n > len(ids) {
				if bad == nil || bad.Option > id {
					bad = &count.BallotError{Code: count.CodeBadRank, Option: id}
				}
				continue
			}
			ranks[id] = n
		}
		if bad != nil {
			return in, b, bad
		}
		order, err := count.OrderFromRanks(ids, ranks)
		if err != nil {
			var be *count.BallotError
			if errors.As(err, &be) && be.Code == count.CodeUnknownOption {
				return in, b, errTampered
			}
			return in, b, err
		}
		b.Choices = order
	default:
		return in, b, errTampered
	}
	if err := count.ValidBallot(v.Rule(), b); err != nil {
		var be *count.BallotError
		if errors.As(err, &be) && be.Code == count.CodeUnknownOption {
			return in, b, errTampered
		}
		return in, b, err
	}
	return in, b, nil
}

// ballotMessage is a refused ballot's reason in lang.
func (m *MemberPages) ballotMessage(lang string, v *votes.Vote, err error) string {
	var be *count.BallotError
	if !errors.As(err, &be) {
		return memberTexts.T(lang, "ballot.err.tampered")
	}
	opt := ""
	for _, o := range v.Options {
		if o.ID == be.Option {
			opt = m.textIn(o.Label, lang)
		}
	}
	max := v.MaxChoices
	if max <= 0 {
		max = len(v.Options)
	}
	key := "ballot.err." + be.Code
	if _, ok := memberTexts["en"][key]; !ok {
		key = "ballot.err.invalid"
	}
	return memberTexts.T(lang, key, "option", opt, "max", max)
}

// optionView is one option on the ballot form.
type optionView struct {
	ID, Label string
	// Checked: the radio or box is chosen; Rank: the rank chosen.
	Checked bool
	Rank    string
}

// ballotData is what the ballot, confirmation and receipt pages show.
type ballotData struct {
	Ref      voteRef
	Text     any // the vote's text, rendered
	Kind     string
	Options  []optionView
	Ranks    []int
	Max      int
	Seats    int
	Abstain  bool
	In       ballotInput
	Change   bool // the change form: the member voted and may change
	CodeBad  bool // the change code was refused
	Action   string
	Chosen   []string // confirmation: what was chosen, in order
	Receipt  *votes.Receipt
	Hidden   [][2]string // confirmation: the form again as hidden fields
	Quorum   int
	Thresh   string
	Anchored string // the id the error summary links to
}

func (m *MemberPages) ballotData(v *votes.Vote, lang string, mv *votes.MemberVote, in ballotInput) ballotData {
	d := ballotData{Ref: m.ref(v, lang, mv.OnRoll, mv.Voted), Text: voteText(m.textIn(v.Text, lang)), Kind: string(v.Kind),
		Seats: v.Seats, In: in, Action: BallotPath(lang, v.ID), Quorum: v.QuorumPercent,
		Thresh: memberTexts.T(lang, "threshold."+v.Threshold)}
	d.Max = v.MaxChoices
	if d.Max <= 0 {
		d.Max = len(v.Options)
	}
	for _, o := range v.Options {
		ov := optionView{ID: o.ID, Label: m.textIn(o.Label, lang)}
		switch v.Kind {
		case votes.KindSingle, votes.KindYesNo:
			ov.Checked = in.Choice == o.ID
		case votes.KindMultiple:
			ov.Checked = in.Marked[o.ID]
		case votes.KindRanked:
			ov.Rank = in.Ranks[o.ID]
		}
		if v.Kind == votes.KindYesNo && ov.Label == "" {
			ov.Label = memberTexts.T(lang, "option."+o.ID)
		}
		d.Options = append(d.Options, ov)
	}
	for i := range v.Options {
		d.Ranks = append(d.Ranks, i+1)
	}
	d.Abstain = in.Abstain || in.Choice == abstainChoice
	d.Change = mv.Voted && v.AllowChange
	d.Anchored = "ballot"
	if len(v.Options) > 0 {
		switch v.Kind {
		case votes.KindRanked:
			d.Anchored = "rank-" + v.Options[0].ID
		default:
			d.Anchored = "choice-" + v.Options[0].ID
		}
	}
	return d
}

// chosen is the confirmation's list: the marked options in order (ranked:
// preference order), or nothing for an abstention.
func (m *MemberPages) chosen(v *votes.Vote, lang string, b count.Ballot) []string {
	labels := map[string]string{}
	for _, o := range v.Options {
		l := m.textIn(o.Label, lang)
		if l == "" {
			l = memberTexts.T(lang, "option."+o.ID)
		}
		labels[o.ID] = l
	}
	var out []string
	for _, c := range b.Choices {
		out = append(out, labels[c])
	}
	return out
}

// hidden is the ballot form as hidden fields, for the confirmation page.
func hidden(v *votes.Vote, in ballotInput) [][2]string {
	out := [][2]string{{"vote", v.ID}}
	switch v.Kind {
	case votes.KindSingle, votes.KindYesNo:
		if in.Choice != "" {
			out = append(out, [2]string{"choice", in.Choice})
		}
	case votes.KindMultiple:
		for _, o := range v.Options {
			if in.Marked[o.ID] {
				out = append(out, [2]string{"choice", o.ID})
			}
		}
	case votes.KindRanked:
		for _, o := range v.Options {
			if r := in.Ranks[o.ID]; r != "" {
				out = append(out, [2]string{"rank." + o.ID, r})
			}
		}
	}
	if in.Abstain {
		out = append(out, [2]string{"abstain", "1"})
	}
	if in.ChangeCode != "" {
		out = append(out, [2]string{"change_code", in.ChangeCode})
	}
	return out
}

// status loads the vote as the member sees it; it answers the page itself
// and returns nil when there is nothing to vote on (not found, not open,
// closed, cancelled, not on the roll, voted once). Why not is the core's
// (votes.Service.CanCast), by the clock, so a vote past its closing time
// is closed here even before the next Tick counts it.
func (m *MemberPages) status(w http.ResponseWriter, r *http.Request, lang, memberID, id string) *votes.MemberVote {
	mv, err := m.d.Votes.Status(r.Context(), id, memberID)
	if errors.Is(err, votes.ErrNotFound) {
		// Members are not shown scheduled votes (they may still change),
		// but one reached by its address says when it opens rather than
		// that it does not exist; drafts stay unknown.
		if v, gerr := m.d.Votes.Get(r.Context(), id); gerr == nil && v.State == votes.StateScheduled {
			m.voteState(w, r, lang, &votes.MemberVote{Vote: *v}, votes.ErrNotOpen)
			return nil
		}
		m.memberNotFound(w, r, lang)
		return nil
	}
	if err != nil {
		m.log.Error("member vote status", "err", err)
		m.failed(w, r, lang)
		return nil
	}
	if err := m.d.Votes.CanCast(r.Context(), mv, memberID, mv.Voted && mv.AllowChange); err != nil {
		if !isCastError(err) {
			m.log.Error("member vote status", "err", err)
			m.failed(w, r, lang)
			return nil
		}
		m.voteState(w, r, lang, mv, err)
		return nil
	}
	if mv.State == votes.StateOpen {
		m.remember(&mv.Vote)
	}
	return mv
}

// isCastError: the core's answers why a member cannot vote now.
func isCastError(err error) bool {
	for _, e := range []error{votes.ErrNotFound, votes.ErrNotOpen, votes.ErrClosed, votes.ErrCancelled,
		votes.ErrNotEligible, votes.ErrJoinedLater, votes.ErrAlreadyVoted} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// voteState is the page of a vote the member cannot vote in now: why, in
// their language, with the result and the board once it has closed.
func (m *MemberPages) voteState(w http.ResponseWriter, r *http.Request, lang string, mv *votes.MemberVote, err error) {
	titleKey, text, status := m.castError(lang, &mv.Vote, err)
	// A GET of a vote that is simply not open, closed or cancelled is no
	// error: the page says what it is.
	if r.Method != http.MethodPost && status != http.StatusServiceUnavailable {
		status = http.StatusOK
	}
	v := m.mview(lang, titleKey)
	v.Title = m.textIn(mv.Title, lang)
	if status >= 400 {
		v.Error = text
	} else {
		v.Message = text
	}
	d := m.ballotData(&mv.Vote, lang, mv, ballotInput{})
	v.Data = d
	m.render(w, r, "member-state", v, status, m.alternates(mv.ID+"/"))
}

func (m *MemberPages) handleBallot(w http.ResponseWriter, r *http.Request, lang, memberID, id string) {
	mv := m.status(w, r, lang, memberID, id)
	if mv == nil {
		return
	}
	m.ballotForm(w, r, lang, mv, ballotInput{}, "", false, http.StatusOK)
}

func (m *MemberPages) ballotForm(w http.ResponseWriter, r *http.Request, lang string, mv *votes.MemberVote, in ballotInput, problem string, codeBad bool, status int) {
	v := m.mview(lang, "ballot.title")
	v.Title = m.textIn(mv.Title, lang)
	v.Error = problem
	d := m.ballotData(&mv.Vote, lang, mv, in)
	d.CodeBad = codeBad
	if codeBad {
		d.Anchored = "change-code"
	}
	v.Data = d
	m.render(w, r, "member-ballot", v, status, m.alternates(mv.ID+"/"))
}

func (m *MemberPages) handleBallotPost(w http.ResponseWriter, r *http.Request, lang, memberID, id string) {
	r.Body = http.MaxBytesReader(w, r.Body, maxMemberForm)
	if err := r.ParseForm(); err != nil {
		m.message(w, r, lang, "ballot.unread.title", memberTexts.T(lang, "ballot.unread"), http.StatusBadRequest)
		return
	}
	step := r.PostForm.Get("step")
	if step == "cast" && m.castFast(w, r, lang, memberID, id) {
		return
	}
	mv := m.status(w, r, lang, memberID, id)
	if mv == nil {
		return
	}
	v := &mv.Vote
	in, b, err := readBallot(r, v)
	if errors.Is(err, errTampered) || (step != "review" && step != "back" && step != "cast") {
		m.ballotForm(w, r, lang, mv, ballotInput{}, memberTexts.T(lang, "ballot.err.tampered"), false, http.StatusBadRequest)
		return
	}
	if step == "back" {
		m.ballotForm(w, r, lang, mv, in, "", false, http.StatusOK)
		return
	}
	if err != nil {
		m.ballotForm(w, r, lang, mv, in, m.ballotMessage(lang, v, err), false, http.StatusUnprocessableEntity)
		return
	}
	change := mv.Voted && v.AllowChange
	if change && strings.TrimSpace(in.ChangeCode) == "" {
		m.ballotForm(w, r, lang, mv, in, memberTexts.T(lang, "change.code_missing"), true, http.StatusUnprocessableEntity)
		return
	}
	if step == "review" {
		pv := m.mview(lang, "confirm.title")
		d := m.ballotData(v, lang, mv, in)
		d.Chosen = m.chosen(v, lang, b)
		d.Abstain = b.Abstain
		d.Hidden = hidden(v, in)
		pv.Data = d
		m.render(w, r, "member-confirm", pv, http.StatusOK, nil)
		return
	}
	code := ""
	if change {
		code = in.ChangeCode
	}
	rec, err := m.d.Votes.Cast(r.Context(), v.ID, memberID, b, code)
	switch {
	case err == nil:
	case errors.Is(err, votes.ErrBadChangeCode):
		in.ChangeCode = ""
		m.ballotForm(w, r, lang, mv, in, memberTexts.T(lang, "change.code_wrong"), true, http.StatusUnprocessableEntity)
		return
	case errors.As(err, new(*count.BallotError)):
		m.ballotForm(w, r, lang, mv, in, m.ballotMessage(lang, v, err), false, http.StatusUnprocessableEntity)
		return
	case isCastError(err):
		// The vote changed between the page and the press (it closed, or
		// the member voted in another tab): say so, reread.
		if fresh, ferr := m.d.Votes.Status(r.Context(), id, memberID); ferr == nil {
			mv = fresh
		}
		m.voteState(w, r, lang, mv, err)
		return
	default:
		m.log.Error("cast ballot", "err", err)
		m.failed(w, r, lang)
		return
	}
	pv := m.mview(lang, "receipt.title")
	d := m.ballotData(v, lang, mv, ballotInput{})
	d.Receipt = &rec
	d.Chosen = m.chosen(v, lang, b)
	d.Abstain = b.Abstain
	pv.Data = d
	m.render(w, r, "member-receipt", pv, http.StatusOK, nil)
}

// castFast casts a confirmed ballot of an open vote known from memory: the
// session check and the cast are then the only database work of the POST
// (1,000 members confirming at once is the moment that must be fast). An
// open vote's options, kind and rules cannot change, and Cast itself
// checks the state, the roll and the change code in its transaction, so
// nothing stale can be recorded. Anything but a recorded ballot is left
// to the full path (it reports false), which rereads the vote and answers
// with the reason.
func (m *MemberPages) castFast(w http.ResponseWriter, r *http.Request, lang, memberID, id string) bool {
	v := m.recall(id)
	if v == nil {
		return false
	}
	in, b, err := readBallot(r, v)
	if err != nil {
		return false
	}
	code := ""
	if v.AllowChange {
		code = strings.TrimSpace(in.ChangeCode)
	}
	rec, err := m.d.Votes.Cast(r.Context(), v.ID, memberID, b, code)
	if err != nil {
		if !errors.Is(err, votes.ErrAlreadyVoted) && !errors.Is(err, votes.ErrBadChangeCode) && !errors.As(err, new(*count.BallotError)) {
			m.forget(id) // closed, cancelled…: reread
		}
		return false
	}
	pv := m.mview(lang, "receipt.title")
	d := m.ballotData(v, lang, &votes.MemberVote{Vote: *v, OnRoll: true, Voted: true}, ballotInput{})
	d.Receipt = &rec
	d.Chosen = m.chosen(v, lang, b)
	d.Abstain = b.Abstain
	pv.Data = d
	m.render(w, r, "member-receipt", pv, http.StatusOK, nil)
	return true
}

// openCacheSize bounds the open votes kept in memory.
const openCacheSize = 64

// remember keeps an open vote for castFast.
func (m *MemberPages) remember(v *votes.Vote) {
	m.openMu.Lock()
	defer m.openMu.Unlock()
	if m.open == nil || len(m.open) >= openCacheSize {
		m.open = map[string]*votes.Vote{}
	}
	c := *v
	m.open[v.ID] = &c
}

func (m *MemberPages) recall(id string) *votes.Vote {
	m.openMu.Lock()
	defer m.openMu.Unlock()
	return m.open[id]
}

func (m *MemberPages) forget(id string) {
	m.openMu.Lock()
	defer m.openMu.Unlock()
	delete(m.open, id)
}
