package pages

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/yuin/goldmark"

	"unionhall/internal/site"
	"unionhall/internal/votes"
	"unionhall/internal/votes/count"
)

// boardAlternates are the board in every site language.
func (m *MemberPages) boardAlternates(id string) map[string]string {
	if !validID(id) {
		return nil
	}
	out := map[string]string{}
	for _, l := range m.siteLangs() {
		out[l] = BoardPath(l, id)
	}
	return out
}

// boardPage is how many ballots one board page lists.
const boardPage = 500

// maxBoards is how many closed boards are kept in memory: the few votes
// people are checking at a time.
const maxBoards = 8

// boardEntry is a closed vote's board, read once: it never changes.
type boardEntry struct {
	b *count.Board
	// byReceipt indexes Ballots by their receipt without dashes, sorted,
	// for "find my receipt".
	byReceipt []int
	json, gz  []byte
	etag      string
}

var mdVote = goldmark.New() // CommonMark without raw HTML or dangerous links

// voteText renders a vote's Markdown text, sanitised (no raw HTML). The
// result is kept by text: an open vote's text cannot change, and every
// ballot, confirmation and receipt page shows it, so a thousand members
// confirming at once would otherwise each parse the same Markdown (it was
// a tenth of the memory a cast's POST allocated).
func voteText(s string) template.HTML {
	if strings.TrimSpace(s) == "" {
		return ""
	}
	voteTextMu.Lock()
	h, ok := voteTextCache[s]
	voteTextMu.Unlock()
	if ok {
		return h
	}
	var b bytes.Buffer
	if err := mdVote.Convert([]byte(s), &b); err != nil {
		return template.HTML(template.HTMLEscapeString(s))
	}
	h = template.HTML(b.String())
	voteTextMu.Lock()
	if len(voteTextCache) >= voteTextCacheSize {
		clear(voteTextCache)
	}
	voteTextCache[s] = h
	voteTextMu.Unlock()
	return h
}

// voteTextCacheSize bounds the rendered texts kept (a vote's text is at
// most 8,000 characters per language in the console).
const voteTextCacheSize = 128

var (
	voteTextMu    sync.Mutex
	voteTextCache = map[string]template.HTML{}
)

// board returns the closed vote's board, from memory after the first
// read; votes.ErrNotFound or votes.ErrNotClosed otherwise.
func (m *MemberPages) board(r *http.Request, id string) (*boardEntry, error) {
	m.boardsMu.Lock()
	e := m.boards[id]
	m.boardsMu.Unlock()
	if e != nil {
		return e, nil
	}
	b, err := m.d.Votes.Board(r.Context(), id)
	if err != nil {
		return nil, err
	}
	e = &boardEntry{b: b}
	if e.json, err = json.Marshal(b); err != nil {
		return nil, err
	}
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestSpeed)
	zw.Write(e.json)
	zw.Close()
	e.gz = gz.Bytes()
	sum := sha256.Sum256(e.json)
	e.etag = `"` + hex.EncodeToString(sum[:12]) + `"`
	e.byReceipt = make([]int, len(b.Ballots))
	for i := range e.byReceipt {
		e.byReceipt[i] = i
	}
	slices.SortFunc(e.byReceipt, func(a, c int) int {
		return strings.Compare(plainReceipt(b.Ballots[a].Receipt), plainReceipt(b.Ballots[c].Receipt))
	})
	m.boardsMu.Lock()
	if old := m.boards[id]; old != nil {
		e = old
	} else {
		m.boards[id] = e
		m.order = append(m.order, id)
		if len(m.order) > maxBoards {
			delete(m.boards, m.order[0])
			m.order = m.order[1:]
		}
	}
	m.boardsMu.Unlock()
	return e, nil
}

// plainReceipt is a receipt code as compared: upper case, without dashes
// and spaces, with the letters Crockford's base32 reads as digits (O→0,
// I and L→1), so "k7q2 9xma" finds K7Q2-9XMA.
func plainReceipt(s string) string {
	var b strings.Builder
	for _, c := range strings.ToUpper(s) {
		switch {
		case c == '-' || c == ' ' || c == '\t':
		case c == 'O':
			b.WriteByte('0')
		case c == 'I' || c == 'L':
			b.WriteByte('1')
		case c >= '0' && c <= '9' || c >= 'A' && c <= 'Z':
			b.WriteRune(c)
		default:
			return "" // not a receipt code
		}
	}
	return b.String()
}

// find returns the ballot with the receipt, or nil.
func (e *boardEntry) find(receipt string) *count.Ballot {
	want := plainReceipt(receipt)
	if want == "" {
		return nil
	}
	bs := e.b.Ballots
	i, ok := slices.BinarySearchFunc(e.byReceipt, want, func(ix int, w string) int {
		return strings.Compare(plainReceipt(bs[ix].Receipt), w)
	})
	if !ok {
		return nil
	}
	return &bs[e.byReceipt[i]]
}

// boardErr answers a board that cannot be shown: 404 before the close
// (results are shown only after it) and for unknown votes.
func (m *MemberPages) boardErr(w http.ResponseWriter, r *http.Request, lang string, err error) {
	if errors.Is(err, votes.ErrNotFound) || errors.Is(err, votes.ErrNotClosed) {
		v := m.mview(lang, "board.notfound.title")
		v.Error = memberTexts.T(lang, "board.notfound")
		m.renderPublic(w, r, "member-message", v, http.StatusNotFound)
		return
	}
	m.log.Error("vote board", "err", err)
	m.failed(w, r, lang)
}

// handleBoardJSON serves the board as JSON (count.Board), gzip when the
// client takes it, for `unionhall votes verify URL` and anyone's recount.
func (m *MemberPages) handleBoardJSON(w http.ResponseWriter, r *http.Request, id string) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if !validID(id) {
		http.NotFound(w, r)
		return
	}
	e, err := m.board(r, id)
	if errors.Is(err, votes.ErrNotFound) || errors.Is(err, votes.ErrNotClosed) {
		w.Header().Set("Cache-Control", "no-store")
		http.Error(w, "404 no board: the vote has not closed or does not exist", http.StatusNotFound)
		return
	}
	if err != nil {
		m.log.Error("vote board json", "err", err)
		http.Error(w, "503 service unavailable", http.StatusServiceUnavailable)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "public, max-age=300")
	h.Set("ETag", e.etag)
	h.Add("Vary", "Accept-Encoding")
	if match := r.Header.Get("If-None-Match"); match != "" && strings.Contains(match, e.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := e.json
	if acceptsGzip(r) {
		h.Set("Content-Encoding", "gzip")
		body = e.gz
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		name, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(name), "gzip") && strings.ReplaceAll(q, " ", "") != "q=0" {
			return true
		}
	}
	return false
}

// boardData is what the board page shows.
type boardData struct {
	ID, Title, Kind string
	Closes, Opens   string
	R               *count.Result
	Eligible        int
	Turnout         string
	Outcome         string
	Elected         []string
	Counts          []boardCount
	Ranked          bool
	Quota           string
	Columns         []string
	Rounds          []boardRound
	Lots            []boardLot
	Ballots         []boardBallot
	Page, Pages     int
	From, To        int
	PageLinks       []boardPageLink
	Prev, Next      string
	JSON, JSONURL   string
	Action          string
	// Find is the receipt looked up: Searched, what was typed, and the
	// ballot found (nil: none).
	Searched bool
	Typed    string
	Found    *boardBallot
	Seats    int
	Thresh   string
	Quorum   int
}

type boardCount struct {
	Label   string
	Votes   int
	Elected bool
}

type boardRound struct {
	Stage           int
	Action          string
	Option          string
	Values          []string
	Elected         []string
	Excluded        []string
	NonTransferable string
}

type boardLot struct {
	Stage   int
	Purpose string
	Among   []string
	Chosen  string
}

type boardBallot struct {
	Receipt string
	Abstain bool
	Choices []string
	// Line is the row's choices in words, joined in Go rather than in the
	// template: a page shows 500 rows, and per-choice template calls were
	// most of its cost.
	Line string
}

type boardPageLink struct {
	N       int
	URL     string
	Current bool
}

// value writes an STV value without trailing zeros ("12", "3.33333").
func value(v count.Value, lang string) string {
	s := v.String()
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if lang == "cs" {
		s = strings.ReplaceAll(s, ".", ",")
	}
	return s
}

// handleBoard serves the board page (GET, ?page=N) and "find my receipt"
// (POST receipt): public, the same for everyone, after the close only.
func (m *MemberPages) handleBoard(w http.ResponseWriter, r *http.Request) {
	lang := r.PathValue("lang")
	if !m.knownLang(lang) {
		http.NotFound(w, r)
		return
	}
	get := r.Method == http.MethodGet || r.Method == http.MethodHead
	if !get && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	id := r.PathValue("id")
	if !validID(id) {
		m.boardErr(w, r, lang, votes.ErrNotFound)
		return
	}
	e, err := m.board(r, id)
	if err != nil {
		m.boardErr(w, r, lang, err)
		return
	}
	page := 1
	if q := r.URL.Query().Get("page"); q != "" && get {
		n, err := strconv.Atoi(q)
		if err != nil || n < 1 || n > 1+len(e.b.Ballots)/boardPage {
			m.boardErr(w, r, lang, votes.ErrNotFound)
			return
		}
		page = n
	}
	d := m.boardData(e, lang, page)
	v := m.mview(lang, "board.title", "title", d.Title)
	status := http.StatusOK
	if !get {
		r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
		if err := r.ParseForm(); err != nil {
			v.Error = memberTexts.T(lang, "board.find_unread")
			status = http.StatusBadRequest
		} else {
			typed := r.PostForm.Get("receipt")
			d.Searched = true
			d.Typed = keep(typed, 40)
			switch {
			case strings.TrimSpace(typed) == "":
				v.Error = memberTexts.T(lang, "board.find_empty")
				status = http.StatusUnprocessableEntity
			default:
				if b := e.find(typed); b != nil {
					bb := m.boardBallot(e.b, *b, lang)
					d.Found = &bb
				} else {
					status = http.StatusNotFound
				}
			}
		}
	}
	v.Data = d
	if get && page == 1 {
		// The same bytes for everyone: a shared cache may keep them a
		// little while. Found-receipt answers are the asker's own.
		w.Header().Set("Cache-Control", "public, max-age=60")
	}
	m.renderPublic(w, r, "board", v, status)
}

// renderPublic writes a board page inside the site chrome; unlike the
// member pages it may be indexed and kept by caches (GET), while the
// answer to "find my receipt" is never stored.
func (m *MemberPages) renderPublic(w http.ResponseWriter, r *http.Request, name string, v mview, status int) {
	var buf bytes.Buffer
	if err := m.tmpl.ExecuteTemplate(&buf, name, v); err != nil {
		m.log.Error("render votes page", "page", name, "err", err)
		http.Error(w, memberTexts.T(v.Lang, "failed.ours"), http.StatusInternalServerError)
		return
	}
	if r.Method == http.MethodPost || status != http.StatusOK {
		w.Header().Set("Cache-Control", "no-store")
	}
	w.Header().Set("Referrer-Policy", "no-referrer")
	main := template.HTML(buf.String())
	title := v.Title
	if v.Error != "" {
		title = "⚠ " + title
	}
	if m.d.Layout == nil {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(status)
		w.Write([]byte("<!doctype html>\n<html lang=\"" + template.HTMLEscapeString(v.Lang) + "\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>" +
			template.HTMLEscapeString(title) + "</title></head><body><main>" + string(main) + "</main></body></html>\n"))
		return
	}
	m.d.Layout(w, r, site.LayoutView{Lang: v.Lang, Title: title, Main: main, Status: status,
		Alternates: m.boardAlternates(r.PathValue("id")), Canonical: BoardPath(v.Lang, r.PathValue("id"))})
}

func (m *MemberPages) boardBallot(b *count.Board, x count.Ballot, lang string) boardBallot {
	return namedBallot(x, boardLabels(b, lang, m))
}

// namedBallot is a ballot with its choices named by labels.
func namedBallot(x count.Ballot, labels func(string) string) boardBallot {
	out := boardBallot{Receipt: x.Receipt, Abstain: x.Abstain}
	for _, c := range x.Choices {
		out.Choices = append(out.Choices, labels(c))
	}
	return out
}

// boardLabels names option ids in lang from the board's own labels.
func boardLabels(b *count.Board, lang string, m *MemberPages) func(string) string {
	labels := map[string]string{}
	for _, o := range b.Vote.Options {
		l := m.textIn(o.Label, lang)
		if l == "" {
			l = memberTexts.T(lang, "option."+o.ID)
		}
		labels[o.ID] = l
	}
	return func(id string) string {
		if l, ok := labels[id]; ok {
			return l
		}
		return id
	}
}

func (m *MemberPages) boardData(e *boardEntry, lang string, page int) boardData {
	b := e.b
	name := boardLabels(b, lang, m)
	names := func(ids []string) []string {
		out := make([]string, len(ids))
		for i, id := range ids {
			out[i] = name(id)
		}
		return out
	}
	res := &b.Result
	d := boardData{ID: b.Vote.ID, Title: m.textIn(b.Vote.Title, lang), Kind: string(b.Vote.Kind), R: res,
		Opens: m.when(b.Vote.OpensAt, lang), Closes: m.when(b.Vote.ClosesAt, lang), Eligible: res.Eligible,
		Turnout: turnout(res.TurnoutPercent, lang), Outcome: m.outcome(res, lang, b.Vote.Kind), Elected: names(res.Elected),
		Ranked: b.Vote.Kind == count.KindRanked, Seats: b.Vote.Seats, Quorum: b.Vote.QuorumPercent,
		Thresh: memberTexts.T(lang, "threshold."+b.Vote.Threshold),
		JSON:   BoardJSONPath(b.Vote.ID), JSONURL: m.d.BaseURL + BoardJSONPath(b.Vote.ID), Action: BoardPath(lang, b.Vote.ID)}
	for _, c := range res.Counts {
		d.Counts = append(d.Counts, boardCount{Label: name(c.Option), Votes: c.Votes, Elected: slices.Contains(res.Elected, c.Option)})
	}
	if d.Ranked {
		d.Quota = value(res.Quota, lang)
		for _, o := range b.Vote.Options {
			d.Columns = append(d.Columns, name(o.ID))
		}
		for _, rd := range res.Rounds {
			vals := map[string]count.Value{}
			for _, cv := range rd.Values {
				vals[cv.Option] = cv.Value
			}
			row := boardRound{Stage: rd.Stage, Action: memberTexts.T(lang, "board.action."+rd.Action),
				Elected: append(names(rd.Elected), names(rd.Remaining)...), Excluded: names(rd.Excluded),
				NonTransferable: value(rd.NonTransferable, lang)}
			if rd.Option != "" {
				row.Option = name(rd.Option)
			}
			for _, o := range b.Vote.Options {
				if x, ok := vals[o.ID]; ok {
					row.Values = append(row.Values, value(x, lang))
				} else {
					row.Values = append(row.Values, "–")
				}
			}
			d.Rounds = append(d.Rounds, row)
		}
	}
	for _, l := range res.Lots {
		d.Lots = append(d.Lots, boardLot{Stage: l.Stage, Purpose: memberTexts.T(lang, "board.lot."+l.Purpose), Among: names(l.Among), Chosen: name(l.Chosen)})
	}
	n := len(b.Ballots)
	d.Pages = (n + boardPage - 1) / boardPage
	if d.Pages == 0 {
		d.Pages = 1
	}
	d.Page = page
	from, to := (page-1)*boardPage, min(page*boardPage, n)
	d.From, d.To = from+1, to
	d.Ballots = make([]boardBallot, 0, to-from)
	sep, abstained := ", ", memberTexts.T(lang, "board.abstain")
	if d.Ranked {
		sep = " › "
	}
	for _, x := range b.Ballots[from:to] {
		bb := namedBallot(x, name)
		if bb.Abstain {
			bb.Line = abstained
		} else {
			bb.Line = strings.Join(bb.Choices, sep)
		}
		d.Ballots = append(d.Ballots, bb)
	}
	pageURL := func(p int) string {
		if p == 1 {
			return d.Action
		}
		return d.Action + "?page=" + strconv.Itoa(p)
	}
	if d.Pages > 1 {
		for p := 1; p <= d.Pages; p++ {
			d.PageLinks = append(d.PageLinks, boardPageLink{N: p, URL: pageURL(p), Current: p == page})
		}
		if page > 1 {
			d.Prev = pageURL(page - 1)
		}
		if page < d.Pages {
			d.Next = pageURL(page + 1)
		}
	}
	return d
}

// keep is typed input as shown back: bounded, invalid UTF-8 and control or
// direction-override characters as "�".
func keep(s string, max int) string {
	var b strings.Builder
	n := 0
	for _, c := range s {
		if n >= max {
			break
		}
		n++
		if c == 0xFFFD || c < 0x20 || c == 0x7f || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) || c == 0x200e || c == 0x200f || c == 0x061c {
			b.WriteRune(0xFFFD)
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}
