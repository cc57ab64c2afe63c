package petitions

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strconv"

	"unionhall/internal/auth"
	"unionhall/internal/console"
)

// Flash codes of the petitions pages (Section.Flashes), so a redirect's URL
// still carries only a code.
var petitionFlashes = []string{"petition_closed", "petition_reopened", "petition_messaged"}

// failPetition maps the petitions pages' errors to answers.
func (cp *consolePages) failPetition(p console.Page, w http.ResponseWriter, r *http.Request, a *auth.Account, err error) {
	switch {
	case errors.Is(err, ErrNotFound):
		p.Fail(w, r, a, http.StatusNotFound, "err.not_found")
	case errors.Is(err, errNoRecipients):
		p.Fail(w, r, a, http.StatusConflict, "pet.err.no_recipients")
	case errors.Is(err, ErrErased):
		p.Fail(w, r, a, http.StatusConflict, "pet.err.erased")
	default:
		p.FailErr(w, r, a, err)
	}
}

// petitionRow is a petition in the console's list and on its page.
type petitionRow struct {
	Petition
	Open    bool
	Percent int // of the goal, 0–100 (0 without a goal)
}

func (cp *consolePages) row(p Petition) petitionRow {
	now := cp.s.now()
	pr := petitionRow{Petition: p, Open: p.Open(now)}
	if p.Decl.Goal > 0 {
		pr.Percent = min(100, p.Confirmed*100/p.Decl.Goal)
	}
	return pr
}

func (cp *consolePages) petitionsList(p console.Page, w http.ResponseWriter, r *http.Request, a *auth.Account) {
	ps, err := cp.s.Petitions(r.Context())
	if err != nil {
		cp.failPetition(p, w, r, a, err)
		return
	}
	rows := make([]petitionRow, 0, len(ps))
	for _, x := range ps {
		rows = append(rows, cp.row(x))
	}
	p.Render(w, r, a, http.StatusOK, "petitions.html", console.Tr(r, "nav.petitions"), map[string]any{"Rows": rows}, nil)
}

// petition loads the petition of the URL's {id} in the console's language
// (its title), answering 404 itself.
func (cp *consolePages) petition(p console.Page, w http.ResponseWriter, r *http.Request, a *auth.Account) (Petition, bool) {
	id := r.PathValue("id")
	if !validPetitionID(id) {
		cp.failPetition(p, w, r, a, ErrNotFound)
		return Petition{}, false
	}
	pt, err := cp.s.GetIn(r.Context(), id, console.Lang(r))
	if err != nil {
		cp.failPetition(p, w, r, a, err)
		return pt, false
	}
	return pt, true
}

// validPetitionID accepts what content accepts as a petition id (and
// nothing that could be a path).
func validPetitionID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// petitionData is what the petition page shows.
type petitionData struct {
	P          petitionRow
	Days       []chartDay
	Chart      template.HTML
	Best       chartDay
	Cities     []cityCount
	Others     int
	NoCity     int
	CityAsked  bool
	Signers    []Signature
	Total      int // signatures of every status
	Page, Last int // of the signers table, from 1
	Prev, Next int // 0: none
	From, To   int // rows shown, from 1
	Named      int // confirmed signers who agreed to be named
	CanManage  bool
	Langs      []string
	Recipients map[string]int
	Reachable  int
	Message    SignerMessage
	MsgFields  []msgField
	Asked      map[string]bool // workplace, comment
	// Embed is the <iframe> snippet per language for another site, Count
	// the counter as JSON (issue 11, item 4), for organisers to copy.
	Embed map[string]string
	Count string
}

func (cp *consolePages) petitionPage(p console.Page, w http.ResponseWriter, r *http.Request, a *auth.Account) {
	pt, ok := cp.petition(p, w, r, a)
	if !ok {
		return
	}
	cp.renderPetition(p, w, r, a, pt, SignerMessage{}, nil)
}

// renderPetition shows the petition page with the message form holding m,
// or the form f as typed when it came back (with problems, or to be
// changed after the preview). The page lists the signers, so it is shown
// only to list-petitions holders: manage-petitions alone gets the
// problems on an error page, or a refusal.
func (cp *consolePages) renderPetition(p console.Page, w http.ResponseWriter, r *http.Request, a *auth.Account, pt Petition, m SignerMessage, f *console.Form) {
	status := http.StatusOK
	if f != nil {
		status = f.Status()
	}
	if !a.Can(ListPetitions) {
		if f.Failed() {
			p.FailForm(w, r, a, f)
		} else {
			p.Fail(w, r, a, http.StatusForbidden, "err.forbidden")
		}
		return
	}
	ctx := r.Context()
	sum, err := cp.s.summary(ctx, pt)
	if err != nil {
		cp.failPetition(p, w, r, a, err)
		return
	}
	perDay, err := cp.s.CountsPerDay(ctx, pt.ID)
	if err != nil {
		cp.failPetition(p, w, r, a, err)
		return
	}
	lang := console.Lang(r)
	d := petitionData{P: cp.row(pt), Total: sum.Total, CanManage: a.Can(ManagePetitions), Langs: petitionLangs(pt),
		Recipients: cp.s.messageRecipients(pt, sum.Recipients), Message: m, Asked: map[string]bool{},
		Named: sum.Named, Cities: sum.Cities, Others: sum.Others, NoCity: sum.NoCity}
	for _, fl := range []string{"city", "workplace", "comment"} {
		d.Asked[fl], _ = pt.Field(fl)
	}
	d.CityAsked = d.Asked["city"]
	d.Embed = map[string]string{}
	for _, l := range d.Langs {
		u := cp.s.d.BaseURL + "/petitions/" + pt.ID + "/embed?lang=" + l
		d.Embed[l] = `<iframe src="` + u + `" title="` + template.HTMLEscapeString(pt.Pages[l].Title) + `" width="100%" height="360" loading="lazy"></iframe>`
	}
	d.Count = cp.s.d.BaseURL + "/petitions/" + pt.ID + "/count.json"
	d.MsgFields = msgFields(d.Langs, d.Recipients)
	if d.Message.Subject == nil {
		d.Message = SignerMessage{Subject: map[string]string{}, Text: map[string]string{}}
	}
	for _, n := range d.Recipients {
		d.Reachable += n
	}
	until := ""
	if d.P.Open {
		until = cp.s.today()
	}
	d.Days = fillDays(perDay, until)
	total := 0
	for _, x := range d.Days {
		total += x.N
		if x.N > d.Best.N {
			d.Best = x
		}
	}
	if len(d.Days) > 0 {
		desc := console.T(lang, "pet.chart_desc", "from", d.Days[0].Day, "to", d.Days[len(d.Days)-1].Day, "total", total, "best", d.Best.Day, "n", d.Best.N)
		d.Chart = dayChart(d.Days, console.T(lang, "pet.chart_title", "petition", pt.Title), desc)
	}

	// The signers table, one page of it; ?page= holds a number only.
	d.Last = max(1, (sum.Total+signersPerPage-1)/signersPerPage)
	d.Page = 1
	if v := r.URL.Query().Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > d.Last {
			p.Fail(w, r, a, http.StatusNotFound, "err.not_found")
			return
		}
		d.Page = n
	}
	lo := (d.Page - 1) * signersPerPage
	if d.Signers, err = cp.s.signersPage(ctx, pt.ID, lo, signersPerPage); err != nil {
		cp.failPetition(p, w, r, a, err)
		return
	}
	d.From, d.To = lo+1, lo+len(d.Signers)
	if d.Page > 1 {
		d.Prev = d.Page - 1
	}
	if d.Page < d.Last {
		d.Next = d.Page + 1
	}
	if err := cp.s.consoleAudit(ctx, a, "petition.view", pt.ID, fmt.Sprintf("signers page %d, %d signatures", d.Page, sum.Total)); err != nil {
		cp.failPetition(p, w, r, a, err)
		return
	}
	p.Render(w, r, a, status, "petition.html", pt.Title, d, f)
}

func (cp *consolePages) petitionExport(p console.Page, w http.ResponseWriter, r *http.Request, a *auth.Account) {
	pt, ok := cp.petition(p, w, r, a)
	if !ok {
		return
	}
	if pt.Erased() {
		// Nothing personal is left to export; the counts are on the page.
		cp.failPetition(p, w, r, a, ErrErased)
		return
	}
	ctx := r.Context()
	sigs, err := cp.s.Signers(ctx, pt.ID)
	if err != nil {
		cp.failPetition(p, w, r, a, err)
		return
	}
	var b bytes.Buffer
	if err := writeCSV(&b, csvHeader, cp.s.csvRows(sigs)); err != nil {
		cp.failPetition(p, w, r, a, err)
		return
	}
	// Recorded before it leaves: an export that cannot be recorded is not
	// handed out.
	if err := cp.s.consoleAudit(ctx, a, "export.petition", pt.ID, fmt.Sprintf("%d rows", len(sigs))); err != nil {
		cp.failPetition(p, w, r, a, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="petition-`+pt.ID+`-signers.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Write(b.Bytes())
}

// petitionPDF is the delivery PDF, in the language of the page asked for
// (lang=cs|en…, one of the petition's), else the site's default.
func (cp *consolePages) petitionPDF(p console.Page, w http.ResponseWriter, r *http.Request, a *auth.Account) {
	pt, ok := cp.petition(p, w, r, a)
	if !ok {
		return
	}
	lang := r.PostFormValue("lang")
	if lang == "" {
		lang = cp.s.defaultLang()
	}
	pg := pt.Pages[lang]
	if pg == nil {
		p.Fail(w, r, a, http.StatusBadRequest, "pet.err.pdf_lang")
		return
	}
	ctx := r.Context()
	sigs, err := cp.s.Signers(ctx, pt.ID)
	if err != nil {
		cp.failPetition(p, w, r, a, err)
		return
	}
	named := deliverySigners(pt, sigs)
	union := ""
	if cs := cp.s.d.Site(); cs != nil {
		union = cs.Title
	}
	target := pt.Decl.Target
	if pg.Petition != nil && pg.Petition.Target != "" {
		target = pg.Petition.Target
	}
	doc, err := RenderDelivery(Delivery{Lang: lang, Union: union, Title: pg.Title, Target: target,
		Text: PlainText(string(pg.Body())), Confirmed: pt.Confirmed, Closed: !pt.Open(cp.s.now()),
		At: cp.s.now(), Loc: cp.s.loc(), Signers: named})
	if err != nil {
		cp.failPetition(p, w, r, a, err)
		return
	}
	if err := cp.s.consoleAudit(ctx, a, "petition.pdf", pt.ID, fmt.Sprintf("%s, %d confirmed, %d named", lang, pt.Confirmed, len(named))); err != nil {
		cp.failPetition(p, w, r, a, err)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `attachment; filename="petition-`+pt.ID+`-`+lang+`.pdf"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Write(doc)
}

// petitionCloseForm asks before closing early (or reopening): what it
// does to the public page and to the signers' data.
func (cp *consolePages) petitionCloseForm(p console.Page, w http.ResponseWriter, r *http.Request, a *auth.Account) {
	pt, ok := cp.petition(p, w, r, a)
	if !ok {
		return
	}
	cp.renderClose(p, w, r, a, pt, nil)
}

func (cp *consolePages) renderClose(p console.Page, w http.ResponseWriter, r *http.Request, a *auth.Account, pt Petition, f *console.Form) {
	status := http.StatusOK
	if f != nil {
		status = f.Status()
	}
	row := cp.row(pt)
	key := "pet.title.close"
	if !pt.ClosedEarly.IsZero() {
		key = "pet.title.reopen"
	}
	days := int(cp.s.eraseAfter(pt).Hours() / 24)
	p.Render(w, r, a, status, "petition_close.html", console.Tr(r, key, "petition", pt.Title),
		map[string]any{"P": row, "EraseDays": days}, f)
}

// petitionClose closes early (op=close) or reopens (op=reopen); the
// confirmation box must be ticked.
func (cp *consolePages) petitionClose(p console.Page, w http.ResponseWriter, r *http.Request, a *auth.Account) {
	pt, ok := cp.petition(p, w, r, a)
	if !ok {
		return
	}
	f := console.NewForm(r, "close")
	// op is a hidden field: a wrong one is a tampered form, reported for
	// the whole form (there is no field to point to).
	op := r.PostFormValue("op")
	if op != "close" && op != "reopen" {
		f.Bad("", "", "err.choose")
	}
	if r.PostFormValue("confirm") != "yes" {
		f.Bad("confirm", "pet.field.confirm", "pet.err.confirm")
	}
	now := cp.s.now()
	switch {
	case op == "close" && !pt.Open(now):
		f.Clash("", "", "pet.err.already_closed")
	case op == "reopen" && pt.ClosedEarly.IsZero():
		f.Clash("", "", "pet.err.not_closed_early")
	case op == "reopen" && pt.Erased():
		f.Clash("", "", "pet.err.erased")
	}
	if !f.OK() {
		cp.renderClose(p, w, r, a, pt, f)
		return
	}
	var err error
	done := "petition_closed"
	if op == "close" {
		err = cp.s.CloseEarly(r.Context(), a, pt.ID)
	} else {
		err = cp.s.Reopen(r.Context(), a, pt.ID)
		done = "petition_reopened"
	}
	switch {
	case errors.Is(err, ErrNotEarly):
		f.Clash("", "", "pet.err.not_closed_early")
	case errors.Is(err, ErrErased):
		f.Clash("", "", "pet.err.erased")
	case err != nil:
		cp.failPetition(p, w, r, a, err)
		return
	}
	if !f.OK() {
		if pt2, gerr := cp.s.GetIn(r.Context(), pt.ID, console.Lang(r)); gerr == nil {
			pt = pt2
		}
		cp.renderClose(p, w, r, a, pt, f)
		return
	}
	console.Redirect(w, r, "/admin/petitions/"+pt.ID, done)
}

// petitionMessage previews (op=preview) or sends (op=send) a message to
// the confirmed signers; op=edit goes back to the form with the text kept.
// A message that cannot go comes back to the petition page's form as
// typed.
func (cp *consolePages) petitionMessage(p console.Page, w http.ResponseWriter, r *http.Request, a *auth.Account) {
	pt, ok := cp.petition(p, w, r, a)
	if !ok {
		return
	}
	ctx := r.Context()
	sum, err := cp.s.summary(ctx, pt)
	if err != nil {
		cp.failPetition(p, w, r, a, err)
		return
	}
	need := cp.s.messageRecipients(pt, sum.Recipients)
	f := console.NewForm(r, "message")
	m := SignerMessage{Subject: map[string]string{}, Text: map[string]string{}}
	total := 0
	for _, l := range petitionLangs(pt) {
		req := need[l] > 0
		total += need[l]
		m.Subject[l] = f.Text("subject."+l, "pet.field.subject_"+langKey(l), maxMessageSubject, false, req)
		m.Text[l] = f.Text("text."+l, "pet.field.text_"+langKey(l), maxMessageText, true, req)
	}
	op := r.PostFormValue("op")
	if op != "preview" && op != "send" && op != "edit" {
		f.Bad("", "", "pet.err.message_op")
	}
	if total == 0 {
		f.Clash("", "", "pet.err.no_recipients")
	}
	if !f.OK() {
		cp.renderPetition(p, w, r, a, pt, m, f)
		return
	}
	if op == "edit" {
		cp.renderPetition(p, w, r, a, pt, m, nil)
		return
	}
	if op == "send" {
		_, err := cp.s.MessageSigners(ctx, a, pt, m)
		switch {
		case err == nil:
			console.Redirect(w, r, "/admin/petitions/"+pt.ID, "petition_messaged")
		case errors.Is(err, errNoRecipients):
			f.Clash("", "", "pet.err.no_recipients")
			cp.renderPetition(p, w, r, a, pt, m, f)
		case errors.Is(err, errBadMessage):
			f.Bad("", "", "pet.err.bad_message")
			cp.renderPetition(p, w, r, a, pt, m, f)
		default:
			cp.failPetition(p, w, r, a, err)
		}
		return
	}
	type version struct {
		Lang, Subject, Text string
		N                   int
	}
	var vs []version
	for _, l := range petitionLangs(pt) {
		if need[l] > 0 {
			vs = append(vs, version{l, m.Subject[l], m.Text[l], need[l]})
		}
	}
	p.Render(w, r, a, http.StatusOK, "petition_message.html", console.Tr(r, "pet.title.message", "petition", pt.Title), map[string]any{
		"P": pt, "M": m, "Versions": vs, "Count": total, "Langs": petitionLangs(pt)}, nil)
}

// langKey is the text-key part of a language's field labels: the labels
// exist for cs and en; another language uses the "other" label.
func langKey(l string) string {
	if l == "cs" || l == "en" {
		return l
	}
	return "other"
}

// msgField is one language's pair of message fields on the petition page.
type msgField struct {
	Lang                                           string
	N                                              int // confirmed signers who get this version
	SubjectName, SubjectLabel, TextName, TextLabel string
}

func msgFields(langs []string, need map[string]int) []msgField {
	var out []msgField
	for _, l := range langs {
		k := langKey(l)
		out = append(out, msgField{Lang: l, N: need[l], SubjectName: "subject." + l, SubjectLabel: "pet.field.subject_" + k,
			TextName: "text." + l, TextLabel: "pet.field.text_" + k})
	}
	return out
}
