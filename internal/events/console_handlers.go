package events

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"unionhall/internal/auth"
	"unionhall/internal/console"
	"unionhall/internal/members"
)

// Flash codes of the events pages (Section.Flashes), so a redirect's URL
// still carries only a code.
var eventFlashes = []string{"checkedin", "checkedout", "closed", "reopened", "messaged"}

// failEvent maps the events pages' errors to answers.
func (cp *consolePages) failEvent(p console.Page, w http.ResponseWriter, r *http.Request, a *auth.Account, err error) {
	switch {
	case errors.Is(err, errNoRecipients):
		p.Fail(w, r, a, http.StatusConflict, "err.no_recipients")
	case errors.Is(err, ErrNotFound):
		p.Fail(w, r, a, http.StatusNotFound, "err.not_found")
	default:
		p.FailErr(w, r, a, err)
	}
}

func (cp *consolePages) eventsList(p console.Page, w http.ResponseWriter, r *http.Request, a *auth.Account) {
	rows, err := cp.EventRows(r.Context())
	if err != nil {
		cp.failEvent(p, w, r, a, err)
		return
	}
	p.Render(w, r, a, http.StatusOK, "events.html", console.Tr(r, "nav.events"), map[string]any{"Rows": rows}, nil)
}

// event loads the event of the URL's {id}, answering 404 itself.
func (cp *consolePages) event(p console.Page, w http.ResponseWriter, r *http.Request, a *auth.Account) (EventRow, bool) {
	ev, err := cp.LoadEvent(r.Context(), r.PathValue("id"))
	if err != nil {
		cp.failEvent(p, w, r, a, err)
		return ev, false
	}
	return ev, true
}

type eventData struct {
	E          EventRow
	Regs       []RegistrantRow
	Questions  []string
	CanManage  bool
	Audiences  []string
	Recipients map[string]int
	Message    EventMessage
	CheckedIn  int
	Query      string
	Cols       int // columns of the registrants table
}

func (cp *consolePages) eventPage(p console.Page, w http.ResponseWriter, r *http.Request, a *auth.Account) {
	ev, ok := cp.event(p, w, r, a)
	if !ok {
		return
	}
	cp.renderEvent(p, w, r, a, ev, EventMessage{Audience: string(AudienceAll)}, nil)
}

// renderEvent shows the event page with the message form holding m, or
// the message form f as typed when it came back (with problems, or to be
// changed after the preview). The page lists the registrants, so it is
// shown only to list-events holders: manage-events alone gets the
// problems on an error page, or a refusal.
func (cp *consolePages) renderEvent(p console.Page, w http.ResponseWriter, r *http.Request, a *auth.Account, ev EventRow, m EventMessage, f *console.Form) {
	status := http.StatusOK
	if f != nil {
		status = f.Status()
	}
	if !a.Can(ListEvents) {
		if f.Failed() {
			p.FailForm(w, r, a, f)
		} else {
			p.Fail(w, r, a, http.StatusForbidden, "err.forbidden")
		}
		return
	}
	regs, err := cp.EventRegistrants(r.Context(), a, ev)
	if err != nil {
		cp.failEvent(p, w, r, a, err)
		return
	}
	qs := ev.Questions(console.Lang(r))
	d := eventData{E: ev, Regs: regs, Questions: qs, CanManage: a.Can(ManageEvents), Audiences: messageAudiences,
		Recipients: recipientCounts(regs), Message: m, Cols: 6 + len(qs)}
	p.Render(w, r, a, status, "event.html", ev.Title, d, f)
}

func recipientCounts(regs []RegistrantRow) map[string]int {
	m := map[string]int{}
	for _, x := range messageAudiences {
		m[x] = recipients(regs, x)
	}
	return m
}

// maxDoorQuery bounds the door page's name filter.
const maxDoorQuery = 100

// eventDoor is check-in at the door: the confirmed people, by name, each
// with one large button. A POST filters by name (so a name never lands
// in a URL).
func (cp *consolePages) eventDoor(p console.Page, w http.ResponseWriter, r *http.Request, a *auth.Account) {
	ev, ok := cp.event(p, w, r, a)
	if !ok {
		return
	}
	q := ""
	if r.Method == http.MethodPost {
		f := console.NewForm(r, "door")
		if q = f.Text("q", "door.find_label", maxDoorQuery, false, false); !f.OK() {
			// No list: one that ignored the search would look like its
			// result.
			p.Render(w, r, a, f.Status(), "event_door.html", console.Tr(r, "title.door", "event", ev.Title), eventData{E: ev, CheckedIn: ev.CheckedIn}, f)
			return
		}
	}
	regs, err := cp.eventRegistrants(r.Context(), a, ev, "door")
	if err != nil {
		cp.failEvent(p, w, r, a, err)
		return
	}
	var list []RegistrantRow
	needle := members.Fold(q)
	for _, p := range regs {
		if p.Status != StatusConfirmed {
			continue
		}
		if needle != "" && !strings.Contains(members.Fold(p.Name), needle) && !strings.Contains(members.Fold(p.Email), needle) {
			continue
		}
		list = append(list, p)
	}
	slices.SortStableFunc(list, func(x, y RegistrantRow) int { return strings.Compare(members.Fold(x.Name), members.Fold(y.Name)) })
	p.Render(w, r, a, http.StatusOK, "event_door.html", console.Tr(r, "title.door", "event", ev.Title), eventData{E: ev, Regs: list, Query: q, CheckedIn: ev.CheckedIn}, nil)
}

func (cp *consolePages) eventCheckIn(p console.Page, w http.ResponseWriter, r *http.Request, a *auth.Account) {
	ev, ok := cp.event(p, w, r, a)
	if !ok {
		return
	}
	op := r.PostFormValue("op")
	if op != "in" && op != "out" {
		p.Fail(w, r, a, http.StatusBadRequest, "err.checkin_op")
		return
	}
	reg := r.PostFormValue("reg")
	if err := cp.CheckInRegistrant(r.Context(), a, ev, reg, op == "in"); err != nil {
		cp.failEvent(p, w, r, a, err)
		return
	}
	to := "/admin/events/" + ev.ID + "/door"
	if r.PostFormValue("back") == "event" {
		to = "/admin/events/" + ev.ID
	}
	done := "checkedin"
	if op == "out" {
		done = "checkedout"
	}
	// The fragment brings the person's row back into view; it holds the
	// registration's random id only.
	http.Redirect(w, r, to+"?done="+done+"#r-"+reg, http.StatusSeeOther)
}

func (cp *consolePages) eventExport(p console.Page, w http.ResponseWriter, r *http.Request, a *auth.Account) {
	ev, ok := cp.event(p, w, r, a)
	if !ok {
		return
	}
	var b strings.Builder
	if err := cp.ExportEvent(r.Context(), a, ev, &b); err != nil {
		cp.failEvent(p, w, r, a, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="event-registrants.csv"`)
	w.Write([]byte(b.String()))
}

func (cp *consolePages) eventClose(p console.Page, w http.ResponseWriter, r *http.Request, a *auth.Account) {
	ev, ok := cp.event(p, w, r, a)
	if !ok {
		return
	}
	op := r.PostFormValue("op")
	if op != "close" && op != "reopen" {
		p.Fail(w, r, a, http.StatusBadRequest, "err.close_op")
		return
	}
	if err := cp.SetEventClosed(r.Context(), a, ev, op == "close"); err != nil {
		cp.failEvent(p, w, r, a, err)
		return
	}
	done := "closed"
	if op == "reopen" {
		done = "reopened"
	}
	console.Redirect(w, r, "/admin/events/"+ev.ID, done)
}

// eventMessage previews (op=preview) or sends (op=send) a message to the
// registrants; op=edit goes back to the form with the text kept. A message
// that cannot go comes back to the event page's form as typed.
func (cp *consolePages) eventMessage(p console.Page, w http.ResponseWriter, r *http.Request, a *auth.Account) {
	ev, ok := cp.event(p, w, r, a)
	if !ok {
		return
	}
	f := console.NewForm(r, "message")
	m := EventMessage{Audience: f.Choice("audience", "audience", "ev.send_to", messageAudiences)}
	m.Subject = f.Text("subject", "field.subject", maxMessageSubject, false, true)
	m.Text = f.Text("text", "field.text", maxMessageText, true, true)
	op := r.PostFormValue("op")
	if op != "preview" && op != "send" && op != "edit" {
		f.Bad("", "", "err.message_op")
	}
	if !f.OK() {
		cp.renderEvent(p, w, r, a, ev, m, f)
		return
	}
	if op == "edit" {
		cp.renderEvent(p, w, r, a, ev, m, nil)
		return
	}
	if op == "send" {
		_, err := cp.SendEventMessage(r.Context(), a, ev, m)
		switch {
		case err == nil:
			console.Redirect(w, r, "/admin/events/"+ev.ID, "messaged")
		case errors.Is(err, errNoRecipients):
			f.Clash("audience", "ev.send_to", "err.no_recipients")
			cp.renderEvent(p, w, r, a, ev, m, f)
		case errors.Is(err, errBadMessage): // the store's own check; the form's is the same
			f.Bad("", "", "err.bad_message")
			cp.renderEvent(p, w, r, a, ev, m, f)
		default:
			cp.failEvent(p, w, r, a, err)
		}
		return
	}
	n, err := cp.countRecipients(r.Context(), ev, m.Audience)
	if err != nil {
		cp.failEvent(p, w, r, a, err)
		return
	}
	p.Render(w, r, a, http.StatusOK, "event_message.html", console.Tr(r, "title.event_message", "event", ev.Title), map[string]any{
		"E": ev, "M": m, "Count": n}, nil)
}
