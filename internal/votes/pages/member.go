package pages

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"html/template"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"unionhall/internal/content"
	"unionhall/internal/site"
	"unionhall/internal/votes"
	"unionhall/internal/votes/count"
	"unionhall/internal/web"
)

// The member's side of votes (member*.go, board*.go, templates/member,
// templates/board, member.json): the list of a member's votes, the ballot,
// its confirmation, the receipt and the change of a vote in the portal;
// the public bulletin board of a closed vote (HTML and JSON); a meeting
// page's votes. doc.go says why they are built so.

//go:embed templates/member/*.html templates/board/*.html
var memberFS embed.FS

//go:embed member.json
var memberJSON []byte

// memberTexts are the member and board pages' texts ("en" and "cs"; other
// site languages fall back to English).
var memberTexts = web.MustCatalog("votes member pages", memberJSON)

// MemberTexts is the member and board pages' catalog (for tests).
func MemberTexts() web.Catalog { return memberTexts }

// MemberVotes is the part of *votes.Service the member pages use: a
// member's own votes, casting, and the boards of closed votes.
type MemberVotes interface {
	ForMember(ctx context.Context, memberID string) ([]votes.MemberVote, error)
	Status(ctx context.Context, voteID, memberID string) (*votes.MemberVote, error)
	CanCast(ctx context.Context, mv *votes.MemberVote, memberID string, change bool) error
	Get(ctx context.Context, id string) (*votes.Vote, error)
	Cast(ctx context.Context, voteID, memberID string, b count.Ballot, changeCode string) (votes.Receipt, error)
	Board(ctx context.Context, id string) (*count.Board, error)
	OfMeeting(ctx context.Context, path string) ([]votes.Vote, error)
}

// Session is the member portal's sign-in as these pages need it
// (*portal.Service): who is signed in, and the sign-in page for everyone
// else. The pages never read the portal's cookie themselves.
type Session interface {
	MemberID(r *http.Request) (string, error)
	SignInPage(w http.ResponseWriter, r *http.Request, lang, next string)
}

// MemberDeps is what the member and board pages need. Votes and Session
// are required.
type MemberDeps struct {
	Votes   MemberVotes
	Session Session
	// Site returns the current site: its languages and time zone.
	Site func() *content.Site
	// Layout renders inside the site's chrome ((*site.Server).Layout);
	// nil writes bare pages (tests).
	Layout func(http.ResponseWriter, *http.Request, site.LayoutView)
	// BaseURL is where people reach the server (the board page names its
	// JSON's full address for `unionhall votes verify URL`).
	BaseURL string
	Now     func() time.Time
	Logger  *slog.Logger
}

// MemberPages serves the member pages and the public boards.
type MemberPages struct {
	d    MemberDeps
	log  *slog.Logger
	tmpl *template.Template
	// boards keeps the boards of closed votes (they never change), with
	// their JSON and its gzip, so a board of 100,000 ballots is read and
	// encoded once rather than per request.
	boardsMu sync.Mutex
	boards   map[string]*boardEntry
	order    []string
	// open keeps open votes for casting (castFast).
	openMu sync.Mutex
	open   map[string]*votes.Vote
}

// maxMemberForm bounds a ballot form's body: a ranked ballot of a few
// hundred options with a change code stays far below it.
const maxMemberForm = 64 << 10

// NewMember builds the member and board pages.
func NewMember(d MemberDeps) *MemberPages {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	d.BaseURL = strings.TrimRight(d.BaseURL, "/")
	m := &MemberPages{d: d, log: d.Logger.With("component", "votes-pages"), boards: map[string]*boardEntry{}}
	m.tmpl = template.Must(template.New("").Funcs(memberFuncs).ParseFS(memberFS, "templates/member/*.html", "templates/board/*.html"))
	return m
}

var memberFuncs = template.FuncMap{
	"add": func(a, b int) int { return a + b },
}

// MemberBase is the member votes list in a language: /<lang>/member/votes/,
// in Czech /cs/clen/hlasovani/ (beside the portal's /cs/clen/).
func MemberBase(lang string) string {
	if lang == "cs" {
		return "/cs/clen/hlasovani/"
	}
	return "/" + lang + "/member/votes/"
}

// BallotPath is a vote's ballot page in a language (the invitation's
// landing page: votes.Deps.BallotPath).
func BallotPath(lang, voteID string) string { return MemberBase(lang) + voteID + "/" }

// BoardJSONPath is a closed vote's board as JSON.
func BoardJSONPath(voteID string) string { return "/votes/" + voteID + "/board.json" }

// MemberVotesURL is the member's votes list in lang (the portal's home
// links it: portal.Votes).
func (m *MemberPages) MemberVotesURL(lang string) string { return MemberBase(lang) }

// Waiting counts the open votes on the member's roll they have not voted
// in yet (the portal's home says it).
func (m *MemberPages) Waiting(ctx context.Context, memberID string) (int, error) {
	vs, err := m.d.Votes.ForMember(ctx, memberID)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, v := range vs {
		if v.State == votes.StateOpen && v.OnRoll && !v.Voted {
			n++
		}
	}
	return n, nil
}

// Register adds the member pages and the boards. The member patterns are
// more specific than the portal's /{lang}/member/{rest...} and
// /cs/clen/{rest...}, so the mux gives them these paths.
func (m *MemberPages) Register(mux *http.ServeMux) {
	mux.HandleFunc("/{lang}/member/votes/{rest...}", func(w http.ResponseWriter, r *http.Request) {
		lang := r.PathValue("lang")
		if lang == "cs" {
			http.Redirect(w, r, MemberBase("cs")+r.PathValue("rest"), http.StatusMovedPermanently)
			return
		}
		if !m.knownLang(lang) {
			m.memberNotFound(w, r, "en")
			return
		}
		m.route(w, r, lang, r.PathValue("rest"))
	})
	mux.HandleFunc("/{lang}/member/votes", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, MemberBase(r.PathValue("lang")), http.StatusMovedPermanently)
	})
	mux.HandleFunc("/cs/clen/hlasovani/{rest...}", func(w http.ResponseWriter, r *http.Request) {
		m.route(w, r, "cs", r.PathValue("rest"))
	})
	mux.HandleFunc("/cs/clen/hlasovani", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, MemberBase("cs"), http.StatusMovedPermanently)
	})
	mux.HandleFunc("/{lang}/votes/{id}/board", m.handleBoard)
}

// Wrap serves the boards' JSON, /votes/<id>/board.json, in front of next
// (the app's catch-all). It cannot be a mux pattern: any three-segment
// pattern under /votes/ overlaps the portal's /{lang}/member/{rest...}
// ("/votes/member/board.json") with neither more specific, which the mux
// refuses.
func (m *MemberPages) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if id, ok := boardJSONID(r.URL.Path); ok {
			m.handleBoardJSON(w, r, id)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// boardJSONID is the vote id of a /votes/<id>/board.json path.
func boardJSONID(p string) (string, bool) {
	rest, ok := strings.CutPrefix(p, "/votes/")
	if !ok {
		return "", false
	}
	id, ok := strings.CutSuffix(rest, "/board.json")
	if !ok || strings.Contains(id, "/") {
		return "", false
	}
	return id, true
}

// knownLang: the site's languages, or cs and en without a site.
func (m *MemberPages) knownLang(lang string) bool {
	if s := m.site(); s != nil && len(s.Languages) > 0 {
		for _, l := range s.Languages {
			if l.Code == lang {
				return true
			}
		}
		return false
	}
	return lang == "en" || lang == "cs"
}

func (m *MemberPages) site() *content.Site {
	if m.d.Site == nil {
		return nil
	}
	return m.d.Site()
}

func (m *MemberPages) loc() *time.Location {
	if s := m.site(); s != nil && s.Location != nil {
		return s.Location
	}
	return time.UTC
}

// siteLangs are the site's language codes, the default first.
func (m *MemberPages) siteLangs() []string {
	s := m.site()
	if s == nil {
		return []string{"cs", "en"}
	}
	out := []string{s.DefaultLang}
	for _, l := range s.Languages {
		if l.Code != s.DefaultLang {
			out = append(out, l.Code)
		}
	}
	return out
}

// textIn is m's text in lang, else in the site's default language, else
// any, so a vote written in one language still shows in another.
func (m *MemberPages) textIn(texts map[string]string, lang string) string {
	if s := texts[lang]; s != "" {
		return s
	}
	for _, l := range m.siteLangs() {
		if s := texts[l]; s != "" {
			return s
		}
	}
	for _, k := range slices.Sorted(maps.Keys(texts)) {
		if texts[k] != "" {
			return texts[k]
		}
	}
	return ""
}

// when formats an instant in the site's time zone, in the way of lang.
func (m *MemberPages) when(t time.Time, lang string) string {
	if t.IsZero() {
		return ""
	}
	t = t.In(m.loc())
	if lang == "cs" {
		return t.Format("2. 1. 2006 15:04")
	}
	return t.Format("2 January 2006, 15:04")
}

// mview is what every member and board template gets.
type mview struct {
	Lang, Title string
	// Message and Error are one-line texts at the top of the page.
	Message, Error string
	Base           string
	Data           any
}

// T is a text in the page's language.
func (v mview) T(key string, args ...any) string { return memberTexts.T(v.Lang, key, args...) }

func (m *MemberPages) mview(lang, titleKey string, args ...any) mview {
	return mview{Lang: lang, Title: memberTexts.T(lang, titleKey, args...), Base: MemberBase(lang)}
}

// render writes a member page inside the site chrome: private, no-store,
// noindex, no referrer (site.WritePrivate).
func (m *MemberPages) render(w http.ResponseWriter, r *http.Request, name string, v mview, status int, alternates map[string]string) {
	var buf bytes.Buffer
	if err := m.tmpl.ExecuteTemplate(&buf, name, v); err != nil {
		m.log.Error("render votes page", "page", name, "err", err)
		http.Error(w, memberTexts.T(v.Lang, "failed.ours"), http.StatusInternalServerError)
		return
	}
	title := v.Title
	if v.Error != "" && status >= 400 {
		title = "⚠ " + title
	}
	site.WritePrivate(w, r, m.d.Layout, site.LayoutView{Lang: v.Lang, Title: title, Main: template.HTML(buf.String()),
		Status: status, Alternates: alternates})
}

// message writes a page with a heading and one text.
func (m *MemberPages) message(w http.ResponseWriter, r *http.Request, lang, titleKey, text string, status int) {
	v := m.mview(lang, titleKey)
	if status >= 400 {
		v.Error = text
	} else {
		v.Message = text
	}
	m.render(w, r, "member-message", v, status, nil)
}

func (m *MemberPages) failed(w http.ResponseWriter, r *http.Request, lang string) {
	m.message(w, r, lang, "failed.title", memberTexts.T(lang, "failed.ours"), http.StatusServiceUnavailable)
}

func (m *MemberPages) memberNotFound(w http.ResponseWriter, r *http.Request, lang string) {
	m.message(w, r, lang, "notfound.title", memberTexts.T(lang, "notfound.text"), http.StatusNotFound)
}

// validID: vote ids are short lowercase letters, digits and dashes; a
// path naming anything else is answered 404 without a look-up.
func validID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range []byte(s) {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// route dispatches a member votes path: "" the list, "<id>/" the ballot.
func (m *MemberPages) route(w http.ResponseWriter, r *http.Request, lang, rest string) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("X-Robots-Tag", "noindex, nofollow")
	h.Set("Referrer-Policy", "no-referrer")
	get := r.Method == http.MethodGet || r.Method == http.MethodHead
	post := r.Method == http.MethodPost
	id, tail, slash := strings.Cut(rest, "/")
	switch {
	case rest == "":
		if !get {
			h.Set("Allow", "GET")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
	case !validID(id) || tail != "":
		m.memberNotFound(w, r, lang)
		return
	case !slash:
		http.Redirect(w, r, BallotPath(lang, id), http.StatusMovedPermanently)
		return
	case !get && !post:
		h.Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	memberID, err := m.d.Session.MemberID(r)
	if err != nil {
		m.log.Error("member session check failed", "err", err)
		m.failed(w, r, lang)
		return
	}
	if memberID == "" {
		// A POST whose session ran out comes back to the ballot (a GET of
		// the same path) once signed in again.
		m.d.Session.SignInPage(w, r, lang, r.URL.Path)
		return
	}
	if rest == "" {
		m.handleList(w, r, lang, memberID)
		return
	}
	if get {
		m.handleBallot(w, r, lang, memberID, id)
		return
	}
	m.handleBallotPost(w, r, lang, memberID, id)
}

// alternates are the same member page in every portal language.
func (m *MemberPages) alternates(suffix string) map[string]string {
	out := map[string]string{}
	for _, l := range m.siteLangs() {
		out[l] = MemberBase(l) + suffix
	}
	return out
}

// voteRef is a vote in the member's list or on a meeting page.
type voteRef struct {
	ID, Title, URL, State string
	Opens, Closes         string
	Voted, OnRoll         bool
	AllowChange           bool
	Reason                string
	BoardURL              string
	Outcome               string
	Turnout               string
	QuorumMet             bool
	Closed                bool
}

func (m *MemberPages) ref(v *votes.Vote, lang string, onRoll, voted bool) voteRef {
	ref := voteRef{ID: v.ID, Title: m.textIn(v.Title, lang), URL: BallotPath(lang, v.ID), State: v.State,
		Opens: m.when(v.OpensAt, lang), Closes: m.when(v.ClosesAt, lang), Voted: voted, OnRoll: onRoll,
		AllowChange: v.AllowChange, Reason: v.CancelReason}
	if v.State == votes.StateClosed {
		ref.Closed = true
		ref.BoardURL = BoardPath(lang, v.ID)
		if v.Result != nil {
			ref.Outcome = m.outcome(v.Result, lang, v.Kind)
			ref.Turnout = turnout(v.Result.TurnoutPercent, lang)
			ref.QuorumMet = v.Result.QuorumMet
		}
	}
	return ref
}

// outcome is a result's outcome in words.
func (m *MemberPages) outcome(res *count.Result, lang string, kind votes.Kind) string {
	key := "outcome." + res.Outcome
	if res.Outcome == count.OutcomeElected && len(res.Elected) == 0 {
		key = "outcome.none_elected"
	}
	return memberTexts.T(lang, key)
}

// turnout writes a percentage with two decimals in lang's way.
func turnout(p float64, lang string) string {
	s := strconv.FormatFloat(p, 'f', 2, 64)
	if lang == "cs" {
		s = strings.ReplaceAll(s, ".", ",")
	}
	return s + " %"
}

type listData struct {
	Open, Upcoming, Closed, Cancelled []voteRef
}

func (m *MemberPages) handleList(w http.ResponseWriter, r *http.Request, lang, memberID string) {
	vs, err := m.d.Votes.ForMember(r.Context(), memberID)
	if err != nil {
		m.log.Error("member votes list", "err", err)
		m.failed(w, r, lang)
		return
	}
	var d listData
	for i := range vs {
		mv := &vs[i]
		ref := m.ref(&mv.Vote, lang, mv.OnRoll, mv.Voted)
		switch mv.State {
		case votes.StateOpen:
			d.Open = append(d.Open, ref)
		case votes.StateScheduled:
			d.Upcoming = append(d.Upcoming, ref)
		case votes.StateClosed:
			d.Closed = append(d.Closed, ref)
		case votes.StateCancelled:
			d.Cancelled = append(d.Cancelled, ref)
		}
	}
	v := m.mview(lang, "list.title")
	v.Data = d
	m.render(w, r, "member-list", v, http.StatusOK, m.alternates(""))
}

// castError is a core error as the member reads it: a title, a text and
// a status.
func (m *MemberPages) castError(lang string, v *votes.Vote, err error) (titleKey, text string, status int) {
	switch {
	case errors.Is(err, votes.ErrNotFound):
		return "notfound.title", memberTexts.T(lang, "notfound.text"), http.StatusNotFound
	case errors.Is(err, votes.ErrNotOpen):
		return "err.not_open.title", memberTexts.T(lang, "err.not_open", "opens", m.when(v.OpensAt, lang)), http.StatusConflict
	case errors.Is(err, votes.ErrClosed):
		return "err.closed.title", memberTexts.T(lang, "err.closed", "closed", m.when(v.ClosesAt, lang)), http.StatusConflict
	case errors.Is(err, votes.ErrCancelled):
		return "err.cancelled.title", memberTexts.T(lang, "err.cancelled", "reason", v.CancelReason), http.StatusConflict
	case errors.Is(err, votes.ErrNotEligible):
		return "err.not_eligible.title", memberTexts.T(lang, "err.not_eligible"), http.StatusForbidden
	case errors.Is(err, votes.ErrJoinedLater):
		return "err.joined_later.title", memberTexts.T(lang, "err.joined_later"), http.StatusForbidden
	case errors.Is(err, votes.ErrAlreadyVoted):
		return "err.already_voted.title", memberTexts.T(lang, "err.already_voted"), http.StatusConflict
	}
	return "failed.title", memberTexts.T(lang, "failed.ours"), http.StatusServiceUnavailable
}
