package admin

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"unionhall/internal/auth"
	"unionhall/internal/events"
	"unionhall/internal/members"
)

// Flash codes of the events pages; added to the console's list so a
// redirect's URL still carries only a code.
var eventFlashes = []string{"checkedin", "checkedout", "closed", "reopened", "messaged"}

func init() { flashCodes = append(flashCodes, eventFlashes...) }

// failEvent maps the events pages' errors to answers.
func (c *Console) failEvent(w http.ResponseWriter, r *http.Request, a *auth.Account, err error) {
	switch {
	case errors.Is(err, errNoEvents):
		c.fail(w, r, a, http.StatusNotFound, "err.no_events")
	case errors.Is(err, errNoRecipients):
		c.fail(w, r, a, http.StatusConflict, "err.no_recipients")
	default:
		c.failErr(w, r, a, err)
	}
}

func (c *Console) eventsList(w http.ResponseWriter, r *http.Request, a *auth.Account) {
	rows, err := c.EventRows(r.Context())
	if err != nil {
		c.failEvent(w, r, a, err)
		return
	}
	c.render(w, r, a, http.StatusOK, "events.html", tr(r, "nav.events"), map[string]any{"Rows": rows})
}

// event loads the event of the URL's {id}, answering 404 itself.
func (c *Console) event(w http.ResponseWriter, r *http.Request, a *auth.Account) (EventRow, bool) {
	ev, err := c.LoadEvent(r.Context(), r.PathValue("id"))
	if err != nil {
		c.failEvent(w, r, a, err)
		return ev, false
	}
	return ev, true
}

type eventData struct {
	E          EventRow
	Regs       []Registrant
	Questions  []string
	CanManage  bool
	Audiences  []string
	Recipients map[string]int
	Message    EventMessage
	CheckedIn  int
	Query      string
	Cols       int // columns of the registrants table
}

func (c *Console) eventPage(w http.ResponseWriter, r *http.Request, a *auth.Account) {
	ev, ok := c.event(w, r, a)
	if !ok {
		return
	}
	c.renderEvent(w, r, a, ev, EventMessage{Audience: string(events.AudienceAll)}, nil)
}

// renderEvent shows the event page with the message form holding m, or
// the message form f as typed when it came back (with problems, or to be
// changed after the preview). The page lists the registrants, so it is
// shown only to list-events holders: manage-events alone gets the
// problems on an error page, or a refusal.
func (c *Console) renderEvent(w http.ResponseWriter, r *http.Request, a *auth.Account, ev EventRow, m EventMessage, f *formState) {
	status := http.StatusOK
	if f != nil {
		status = f.status()
	}
	if !a.Can(auth.ListEvents) {
		if f.Failed() {
			c.failForm(w, r, a, f)
		} else {
			c.fail(w, r, a, http.StatusForbidden, "err.forbidden")
		}
		return
	}
	regs, err := c.EventRegistrants(r.Context(), a, ev)
	if err != nil {
		c.failEvent(w, r, a, err)
		return
	}
	qs := ev.Questions(langOf(r))
	d := eventData{E: ev, Regs: regs, Questions: qs, CanManage: a.Can(auth.ManageEvents), Audiences: messageAudiences,
		Recipients: recipientCounts(regs), Message: m, Cols: 6 + len(qs)}
	c.renderForm(w, r, a, status, "event.html", ev.Title, d, f)
}

func recipientCounts(regs []Registrant) map[string]int {
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
func (c *Console) eventDoor(w http.ResponseWriter, r *http.Request, a *auth.Account) {
	ev, ok := c.event(w, r, a)
	if !ok {
		return
	}
	q := ""
	if r.Method == http.MethodPost {
		f := newForm(r, "door")
		if q = f.text("q", "door.find_label", maxDoorQuery, false, false); !f.ok() {
			// No list: one that ignored the search would look like its
			// result.
			c.renderForm(w, r, a, f.status(), "event_door.html", tr(r, "title.door", "event", ev.Title), eventData{E: ev, CheckedIn: ev.CheckedIn}, f)
			return
		}
	}
	regs, err := c.eventRegistrants(r.Context(), a, ev, "door")
	if err != nil {
		c.failEvent(w, r, a, err)
		return
	}
	var list []Registrant
	needle := members.Fold(q)
	for _, p := range regs {
		if p.Status != events.StatusConfirmed {
			continue
		}
		if needle != "" && !strings.Contains(members.Fold(p.Name), needle) && !strings.Contains(members.Fold(p.Email), needle) {
			continue
		}
		list = append(list, p)
	}
	slices.SortStableFunc(list, func(x, y Registrant) int { return strings.Compare(members.Fold(x.Name), members.Fold(y.Name)) })
	c.render(w, r, a, http.StatusOK, "event_door.html", tr(r, "title.door", "event", ev.Title), eventData{E: ev, Regs: list, Query: q, CheckedIn: ev.CheckedIn})
}

func (c *Console) eventCheckIn(w http.ResponseWriter, r *http.Request, a *auth.Account) {
	ev, ok := c.event(w, r, a)
	if !ok {
		return
	}
	op := r.PostFormValue("op")
	if op != "in" && op != "out" {
		c.fail(w, r, a, http.StatusBadRequest, "err.checkin_op")
		return
	}
	reg := r.PostFormValue("reg")
	if err := c.CheckInRegistrant(r.Context(), a, ev, reg, op == "in"); err != nil {
		c.failEvent(w, r, a, err)
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

func (c *Console) eventExport(w http.ResponseWriter, r *http.Request, a *auth.Account) {
	ev, ok := c.event(w, r, a)
	if !ok {
		return
	}
	var b strings.Builder
	if err := c.ExportEvent(r.Context(), a, ev, &b); err != nil {
		c.failEvent(w, r, a, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="event-registrants.csv"`)
	w.Write([]byte(b.String()))
}

func (c *Console) eventClose(w http.ResponseWriter, r *http.Request, a *auth.Account) {
	ev, ok := c.event(w, r, a)
	if !ok {
		return
	}
	op := r.PostFormValue("op")
	if op != "close" && op != "reopen" {
		c.fail(w, r, a, http.StatusBadRequest, "err.close_op")
		return
	}
	if err := c.SetEventClosed(r.Context(), a, ev, op == "close"); err != nil {
		c.failEvent(w, r, a, err)
		return
	}
	done := "closed"
	if op == "reopen" {
		done = "reopened"
	}
	redirect(w, r, "/admin/events/"+ev.ID, done)
}

// eventMessage previews (op=preview) or sends (op=send) a message to the
// registrants; op=edit goes back to the form with the text kept. A message
// that cannot go comes back to the event page's form as typed.
func (c *Console) eventMessage(w http.ResponseWriter, r *http.Request, a *auth.Account) {
	ev, ok := c.event(w, r, a)
	if !ok {
		return
	}
	f := newForm(r, "message")
	m := EventMessage{Audience: f.choice("audience", "audience", "ev.send_to", messageAudiences)}
	m.Subject = f.text("subject", "field.subject", maxMessageSubject, false, true)
	m.Text = f.text("text", "field.text", maxMessageText, true, true)
	op := r.PostFormValue("op")
	if op != "preview" && op != "send" && op != "edit" {
		f.bad("", "", "err.message_op")
	}
	if !f.ok() {
		c.renderEvent(w, r, a, ev, m, f)
		return
	}
	if op == "edit" {
		c.renderEvent(w, r, a, ev, m, nil)
		return
	}
	if op == "send" {
		_, err := c.SendEventMessage(r.Context(), a, ev, m)
		switch {
		case err == nil:
			redirect(w, r, "/admin/events/"+ev.ID, "messaged")
		case errors.Is(err, errNoRecipients):
			f.clash("audience", "ev.send_to", "err.no_recipients")
			c.renderEvent(w, r, a, ev, m, f)
		case errors.Is(err, errBadMessage): // the store's own check; the form's is the same
			f.bad("", "", "err.bad_message")
			c.renderEvent(w, r, a, ev, m, f)
		default:
			c.failEvent(w, r, a, err)
		}
		return
	}
	n, err := c.countRecipients(r.Context(), ev, m.Audience)
	if err != nil {
		c.failEvent(w, r, a, err)
		return
	}
	c.render(w, r, a, http.StatusOK, "event_message.html", tr(r, "title.event_message", "event", ev.Title), map[string]any{
		"E": ev, "M": m, "Count": n})
}
