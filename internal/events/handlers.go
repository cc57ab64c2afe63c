package events

import (
	"bytes"
	"context"
	"errors"
	"html/template"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"unionhall/internal/content"
	"unionhall/internal/seal"
	"unionhall/internal/site"
)

// Routes. The registration page lives at the event page's URL +
// "register/" (the event URL comes from content, so it is reached through
// Wrap, not a mux pattern). It is a page of its own, not part of the event
// page, because the event page is rendered once and cached by
// internal/site; the live seat count and the form's kept input must not be
// cached. The event page itself stays static and fast and only links here.
const (
	registerSuffix = "register/"
	icsSuffix      = "calendar.ics"
)

// maxFormBytes bounds a form post: the largest legitimate one is a few KB.
const maxFormBytes = 64 << 10

// Register adds the fixed routes: the personal page and the per-language
// calendar feed. Pages under event URLs are served through Wrap.
func (s *Service) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /{lang}/registration/{$}", s.handleMe)
	mux.HandleFunc("POST /{lang}/registration/{$}", s.handleMe)
	mux.HandleFunc("GET /{lang}/events.ics", s.handleFeed)
}

// Wrap serves <event URL>register/ and <event URL>calendar.ics and passes
// everything else to next.
func (s *Service) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		switch {
		case strings.HasSuffix(p, "/"+registerSuffix):
			if ev, ok := s.EventAt(strings.TrimSuffix(p, registerSuffix)); ok && ev.Internal && ev.Page.Visible(s.now()) {
				// The route, for metrics and logs that count by pattern:
				// never the event's own URL (internal/metrics).
				r.Pattern = RegisterPattern
				s.serveRegister(w, r, ev)
				return
			}
		case strings.HasSuffix(p, "/"+icsSuffix) && (r.Method == http.MethodGet || r.Method == http.MethodHead):
			if ev, ok := s.EventAt(strings.TrimSuffix(p, icsSuffix)); ok && ev.Page.Visible(s.now()) {
				r.Pattern = CalendarPattern
				s.serveEventICS(w, r, ev)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// The patterns Wrap records on the request for the routes it decides from
// content (ServeMux only knows them as "/").
const (
	RegisterPattern = "/{event}/" + registerSuffix
	CalendarPattern = "/{event}/" + icsSuffix
)

// RegisterURL is the registration page of an event page.
func RegisterURL(p *content.Page) string { return p.URL + registerSuffix }

// CalendarURL is the .ics of an event page.
func CalendarURL(p *content.Page) string { return p.URL + icsSuffix }

type option struct {
	Value, Label string
	Selected     bool
}

type questionView struct {
	// Lang is the page's language, for the "(required)" / "(optional)"
	// mark the shared "questions" template writes beside each label.
	Lang, ID, Label, Type, Value, Error string
	Required                            bool
	Options                             []option
}

type errItem struct{ Field, Message string }

type registerView struct {
	Lang, Title, When, Where   string
	EventURL, ActionURL        string
	Seats                      string
	Full, Anonymous, Open      bool
	Reason                     string
	Form                       form
	Errors                     map[string]string
	ErrorList                  []errItem
	Notice                     string
	Questions                  []questionView
	Langs                      []option
	ICSURL, GoogleURL, FeedURL string
	Privacy                    string
	Done                       bool
	DoneText                   string
}

func (s *Service) serveRegister(w http.ResponseWriter, r *http.Request, ev Event) {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		f := form{Lang: ev.Page.Lang}
		s.renderRegister(w, r, ev, &f, nil, "", http.StatusOK)
	case http.MethodPost:
		s.submitRegister(w, r, ev)
	default:
		w.Header().Set("Allow", "GET, HEAD, POST")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
	}
}

// readPost reads a form post (URL-encoded, as the forms send) of at most
// maxFormBytes. A larger one cannot be parsed whole: the pairs before the
// cut are kept, and cut names the field the limit fell in — nearly always
// the text pasted too long — so the page can name it. Other content types
// yield no values (validation then says what is missing).
func readPost(r *http.Request) (vals url.Values, cut string, tooLarge bool) {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "application/x-www-form-urlencoded" {
		return url.Values{}, "", false
	}
	b, _ := io.ReadAll(io.LimitReader(r.Body, maxFormBytes+1))
	if len(b) > maxFormBytes {
		tooLarge = true
		i := bytes.LastIndexByte(b[:maxFormBytes], '&')
		name, _, _ := strings.Cut(string(b[i+1:]), "=")
		cut, _ = url.QueryUnescape(name)
		b = b[:i+1]
		// Read on (up to a bound) so a browser still sending reads the
		// answer instead of a reset.
		_, _ = io.CopyN(io.Discard, r.Body, maxDrainBytes)
	}
	// A malformed pair is skipped; the others are kept.
	vals, _ = url.ParseQuery(string(b))
	return vals, cut, tooLarge
}

// maxDrainBytes bounds how much of an over-limit post is read and dropped.
const maxDrainBytes = 1 << 20

// tooLongErrors names the field a too-large post was cut in, with its
// length limit, so the person sees which text to shorten.
func tooLongErrors(ev Event, cut string) map[string]fieldError {
	errs := map[string]fieldError{}
	switch {
	case cut == "name":
		errs[cut] = fieldError{Key: "err.length", Args: []any{"max", maxName}}
	case cut == "email":
		errs[cut] = fieldError{Key: "err.length", Args: []any{"max", maxEmail}}
	case strings.HasPrefix(cut, "q_"):
		for _, q := range ev.Questions {
			if "q_"+q.ID == cut {
				errs[cut] = fieldError{Key: "err.length", Args: []any{"max", maxAnswer}}
			}
		}
	}
	return errs
}

// tooLargeNotice is the message for a post over maxFormBytes.
func tooLargeNotice(lang string) string {
	return T(lang, "form.error_too_large", "kb", maxFormBytes>>10, "max", maxAnswer)
}

// submitRegister takes the registration form. Every refusal is the form
// again, in the page's language, with what was typed kept and a message
// saying that nothing was saved and what to do: closed (409), over the
// size limit (413, the field cut named), invalid fields (422), rate limit
// (429), a fault on our side (503). A filled honeypot gets the ordinary
// "check your email" page and nothing is stored: the field is hidden with
// the hidden attribute (not merely off-screen), so people and their
// password managers do not fill it, and a bot learns nothing.
func (s *Service) submitRegister(w http.ResponseWriter, r *http.Request, ev Event) {
	lang := ev.Page.Lang
	vals, cut, tooLarge := readPost(r)
	f := form{
		Name: vals.Get("name"), Email: vals.Get("email"), Lang: vals.Get("lang"),
		Consent: vals.Get("consent") == "yes", Answers: map[string]string{},
	}
	for _, q := range ev.Questions {
		f.Answers[q.ID] = vals.Get("q_" + q.ID)
	}
	now := s.now()
	if err := ev.Open(now); err != nil {
		s.renderRegister(w, r, ev, &f, nil, "", http.StatusConflict)
		return
	}
	// Closed early by an organiser: refuse before judging the answers, so a
	// visitor is not asked to correct a form that cannot be sent. (Signup
	// checks again under the event's lock; this is only the clear answer.)
	if closed, err := s.closedEarly(r.Context(), ev.Key); err != nil {
		s.log.Error("read closed flag", "event", ev.Key, "err", err)
	} else if closed {
		s.renderRegister(w, r, ev, &f, nil, T(lang, "form.error_closed"), http.StatusConflict)
		return
	}
	if tooLarge {
		s.log.Info("registration form too large", "event", ev.Key)
		s.renderRegister(w, r, ev, &f, tooLongErrors(ev, cut), tooLargeNotice(lang), http.StatusRequestEntityTooLarge)
		return
	}
	cs := s.d.Site()
	in, errs := validate(ev, &f, func(l string) bool { return cs != nil && cs.Lang(l) != nil })
	if len(errs) > 0 {
		s.renderRegister(w, r, ev, &f, errs, "", http.StatusUnprocessableEntity)
		return
	}
	if vals.Get("website") != "" {
		// A bot filled the hidden field: answer as if it worked, store nothing.
		s.renderDone(w, r, ev, in.Email)
		return
	}
	if !s.limit.allow(clientKey(r), now) {
		// The window is an hour, so an hour is the most anyone waits.
		w.Header().Set("Retry-After", "3600")
		s.renderRegister(w, r, ev, &f, nil, T(lang, "form.error_rate"), http.StatusTooManyRequests)
		return
	}
	if _, err := s.Signup(r.Context(), ev, f.Lang, in); err != nil {
		if errors.Is(err, ErrClosed) || errors.Is(err, ErrNotOpen) {
			s.renderRegister(w, r, ev, &f, nil, T(lang, "form.error_closed"), http.StatusConflict)
			return
		}
		s.log.Error("register", "event", ev.Key, "err", err)
		s.renderRegister(w, r, ev, &f, nil, T(lang, "form.error_failed"), http.StatusServiceUnavailable)
		return
	}
	s.renderDone(w, r, ev, in.Email)
}

// renderDone answers the same whether the email was new or already
// registered, so the form cannot be used to find out who registered.
func (s *Service) renderDone(w http.ResponseWriter, r *http.Request, ev Event, email string) {
	lang := ev.Page.Lang
	v := registerView{Lang: lang, Title: T(lang, "done.title"), EventURL: ev.Page.URL, Done: true,
		DoneText: T(lang, "done.text", "email", email)}
	s.render(w, r, "done", v, site.LayoutView{Lang: lang, Title: v.Title, Status: http.StatusOK})
}

func (s *Service) renderRegister(w http.ResponseWriter, r *http.Request, ev Event, f *form, errs map[string]fieldError, notice string, status int) {
	cs := s.d.Site()
	lang := ev.Page.Lang
	now := s.now()
	p := ev.Page
	v := registerView{
		Lang: lang, Title: T(lang, "page.title", "event", p.Title), EventURL: p.URL, ActionURL: RegisterURL(p),
		Anonymous: ev.Anonymous, Form: *f, Notice: notice, Errors: map[string]string{},
		ICSURL: CalendarURL(p), GoogleURL: googleCalendarURL(ev, s.d.BaseURL+p.URL), FeedURL: "/" + lang + "/events.ics",
		Privacy: T(lang, "page.privacy", "days", int(s.d.Retention.Hours()/24)),
	}
	if cs != nil {
		v.When = cs.FormatDateRange(lang, ev.Start(), ev.End())
		for _, l := range cs.Languages {
			v.Langs = append(v.Langs, option{Value: l.Code, Label: l.Name, Selected: l.Code == f.Lang})
		}
	}
	v.Where = p.Place
	if p.PlaceAddress != "" {
		v.Where = strings.TrimSpace(v.Where + ", " + p.PlaceAddress)
	}
	c, err := s.Counts(r.Context(), ev.Key)
	if err != nil {
		s.log.Error("seat count", "event", ev.Key, "err", err)
	}
	if ev.Capacity > 0 {
		v.Seats = T(lang, "page.seats", "free", max(0, ev.Capacity-c.Confirmed), "capacity", ev.Capacity)
		v.Full = c.Confirmed >= ev.Capacity
	} else {
		v.Seats = T(lang, "page.seats_unlimited")
	}
	switch err := ev.Open(now); {
	case err == nil && c.Closed:
		v.Reason = T(lang, "page.closed")
	case errors.Is(err, ErrClosed) && p.EventState(now) == content.EventPast:
		v.Reason = T(lang, "page.past")
	case errors.Is(err, ErrClosed):
		v.Reason = T(lang, "page.closed")
	case err != nil:
		v.Reason = T(lang, "page.not_open")
	default:
		v.Open = true
	}
	for _, field := range []string{"name", "email", "lang", "consent"} {
		if e, ok := errs[field]; ok {
			msg := T(lang, e.Key, e.Args...)
			v.Errors[field] = msg
			v.ErrorList = append(v.ErrorList, errItem{Field: field, Message: msg})
		}
	}
	for _, q := range ev.Questions {
		qv := questionView{Lang: lang, ID: q.ID, Label: q.label(lang), Type: q.Type, Value: f.Answers[q.ID], Required: q.Required}
		for i, o := range q.Options {
			val := strconv.Itoa(i + 1)
			qv.Options = append(qv.Options, option{Value: val, Label: pick(o, lang), Selected: val == qv.Value})
		}
		if e, ok := errs["q_"+q.ID]; ok {
			qv.Error = T(lang, e.Key, e.Args...)
			v.ErrorList = append(v.ErrorList, errItem{Field: "q_" + q.ID, Message: qv.Label + ": " + qv.Error})
		}
		v.Questions = append(v.Questions, qv)
	}
	title := v.Title
	if len(v.ErrorList) > 0 || notice != "" {
		title = "⚠ " + title
	}
	s.render(w, r, "register", v, site.LayoutView{Lang: lang, Title: title, Status: status})
}

// render executes a template into the site's layout.
func (s *Service) render(w http.ResponseWriter, r *http.Request, name string, data any, v site.LayoutView) {
	var buf bytes.Buffer
	if err := s.tmpl.ExecuteTemplate(&buf, name, data); err != nil {
		s.log.Error("render template", "template", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	v.Main = template.HTML(buf.String())
	// These pages show live counts, kept input or a personal token.
	site.WritePrivate(w, r, s.d.Layout, v)
}

type meView struct {
	Lang, Title, EventTitle, EventURL, When, Where string
	Status, StatusText                             string
	Meeting                                        string
	Token                                          string
	Form                                           form
	Email                                          string
	Errors                                         map[string]string
	ErrorList                                      []errItem
	Questions                                      []questionView
	Langs                                          []option
	Notice                                         string
	Invalid, Cancelled, CanEdit, Anonymous         bool
	// Over: the event has ended; the page says why it offers no changes.
	Over bool
	// Refused: the notice says why a request was refused (an alert, not
	// a status message).
	Refused bool
	ICSURL  string
}

// problemView is a page that can only say what went wrong: the request
// did not even carry a usable personal link, or the database failed.
type problemView struct{ Lang, Title, Text string }

func (s *Service) renderProblem(w http.ResponseWriter, r *http.Request, lang, text string, status int) {
	v := problemView{Lang: lang, Title: T(lang, "me.title"), Text: text}
	s.render(w, r, "problem", v, site.LayoutView{Lang: lang, Title: "⚠ " + v.Title, Status: status})
}

// eventOver reports whether ev has ended at now, as the public site shows
// it (content.EventPast: after its end, or after its start when it has no
// end). After that a registration can be neither changed nor cancelled.
func eventOver(ev Event, now time.Time) bool {
	return ev.Page != nil && ev.Page.EventState(now) == content.EventPast
}

// handleMe is the personal page: see, change (POST action=save) or cancel
// (POST action=cancel). The token comes in the query on GET and in a
// hidden field on POST. Every refusal is this page again in the visitor's
// language, saying that nothing was changed, with a change as typed kept
// in the form: too large (413, the field cut named), invalid (422), the
// event over (409: neither change nor cancel), an unknown action (400), a
// fault on our side (503). Only a post too large to carry its token, or a
// database failing to find the registration at all, gets a page without
// the registration.
func (s *Service) handleMe(w http.ResponseWriter, r *http.Request) {
	lang := r.PathValue("lang")
	cs := s.d.Site()
	if cs == nil || cs.Lang(lang) == nil {
		http.NotFound(w, r)
		return
	}
	token := r.URL.Query().Get("t")
	action, cut, tooLarge := "", "", false
	var vals url.Values
	if r.Method == http.MethodPost {
		vals, cut, tooLarge = readPost(r)
		token, action = vals.Get("t"), vals.Get("action")
		if tooLarge && (cut == "t" || !seal.ValidToken(token)) {
			s.renderProblem(w, r, lang, T(lang, "me.too_large_lost", "kb", maxFormBytes>>10), http.StatusRequestEntityTooLarge)
			return
		}
	}
	reg, err := s.ByToken(r.Context(), token)
	if err != nil {
		if !errors.Is(err, ErrNotFound) {
			s.log.Error("registration by token", "err", err)
			s.renderProblem(w, r, lang, T(lang, "me.error_failed"), http.StatusServiceUnavailable)
			return
		}
		v := meView{Lang: lang, Title: T(lang, "me.title"), Invalid: true}
		s.render(w, r, "me", v, site.LayoutView{Lang: lang, Title: v.Title, Status: http.StatusNotFound})
		return
	}
	ev, found := s.EventByKey(reg.EventKey, lang)
	notice, status := "", http.StatusOK
	var errs map[string]fieldError
	f := form{Name: reg.Registrant.Name, Lang: reg.Lang, Answers: reg.Registrant.Answers}
	if action == "save" {
		// What was typed, kept whatever the answer.
		f = form{Name: vals.Get("name"), Lang: vals.Get("lang"), Consent: true, Email: reg.Registrant.Email, Answers: map[string]string{}}
		for _, q := range ev.Questions {
			f.Answers[q.ID] = vals.Get("q_" + q.ID)
		}
	}
	switch {
	case action == "" && !tooLarge:
	case action != "save" && action != "cancel" && !tooLarge:
		notice, status = T(lang, "me.bad_action"), http.StatusBadRequest
	case reg.Status == StatusCancelled:
		notice, status = T(lang, "me.already_cancelled"), http.StatusConflict
	case found && eventOver(ev, s.now()):
		// Refused before judging the answers: nothing can be sent anyway.
		// (Update and Cancel check again.)
		notice, status = T(lang, "me.event_over"), http.StatusConflict
	case tooLarge:
		s.log.Info("registration change too large", "event", reg.EventKey)
		notice, status, errs = tooLargeNotice(lang), http.StatusRequestEntityTooLarge, tooLongErrors(ev, cut)
	case action == "cancel":
		cancelled, err := s.Cancel(r.Context(), token)
		switch {
		case errors.Is(err, ErrAlreadyCancelled), errors.Is(err, ErrNotFound):
			notice, status = T(lang, "me.already_cancelled"), http.StatusConflict
			reg.Status = StatusCancelled
		case errors.Is(err, ErrEventOver):
			notice, status = T(lang, "me.event_over"), http.StatusConflict
		case err != nil:
			s.log.Error("cancel registration", "err", err)
			notice, status = T(lang, "me.error_failed"), http.StatusServiceUnavailable
		default:
			reg = cancelled
			notice = T(lang, "me.cancelled")
		}
	case action == "save":
		var in Registrant
		in, errs = validate(ev, &f, func(l string) bool { return cs.Lang(l) != nil })
		if len(errs) > 0 {
			status = http.StatusUnprocessableEntity
			break
		}
		updated, err := s.Update(r.Context(), token, f.Lang, in)
		switch {
		case errors.Is(err, ErrAlreadyCancelled), errors.Is(err, ErrNotFound):
			notice, status = T(lang, "me.already_cancelled"), http.StatusConflict
			reg.Status = StatusCancelled
		case errors.Is(err, ErrEventOver):
			notice, status = T(lang, "me.event_over"), http.StatusConflict
		case err != nil:
			s.log.Error("update registration", "err", err)
			notice, status = T(lang, "me.error_failed"), http.StatusServiceUnavailable
		default:
			reg = updated
			notice = T(lang, "me.saved")
			f.Answers = in.Answers
		}
	}
	v := meView{Lang: lang, Title: T(lang, "me.title"), Token: token, Form: f, Email: reg.Registrant.Email,
		Status: reg.Status, StatusText: T(lang, "me.status_"+reg.Status), Notice: notice, Errors: map[string]string{},
		Cancelled: reg.Status == StatusCancelled}
	if found {
		p := ev.Page
		v.EventTitle, v.EventURL, v.ICSURL = p.Title, p.URL, CalendarURL(p)
		v.When = cs.FormatDateRange(lang, ev.Start(), ev.End())
		v.Where = p.Place
		if reg.Status == StatusConfirmed {
			v.Meeting = ev.MeetingURL
		}
		v.Anonymous = ev.Anonymous
		v.Over = eventOver(ev, s.now())
		v.CanEdit = !v.Cancelled && !v.Over
		for _, q := range ev.Questions {
			qv := questionView{Lang: lang, ID: q.ID, Label: q.label(lang), Type: q.Type, Value: f.Answers[q.ID], Required: q.Required}
			for i, o := range q.Options {
				val := strconv.Itoa(i + 1)
				label := pick(o, lang)
				// Stored answers are option texts; posted ones are numbers.
				sel := val == qv.Value || label == qv.Value || pick(o, reg.Lang) == qv.Value
				qv.Options = append(qv.Options, option{Value: val, Label: label, Selected: sel})
			}
			if e, ok := errs["q_"+q.ID]; ok {
				qv.Error = T(lang, e.Key, e.Args...)
				v.ErrorList = append(v.ErrorList, errItem{Field: "q_" + q.ID, Message: qv.Label + ": " + qv.Error})
			}
			v.Questions = append(v.Questions, qv)
		}
	}
	for _, field := range []string{"name", "lang"} {
		if e, ok := errs[field]; ok {
			msg := T(lang, e.Key, e.Args...)
			v.Errors[field] = msg
			v.ErrorList = append(v.ErrorList, errItem{Field: field, Message: msg})
		}
	}
	for _, l := range cs.Languages {
		v.Langs = append(v.Langs, option{Value: l.Code, Label: l.Name, Selected: l.Code == f.Lang})
	}
	v.Form.Email = reg.Registrant.Email
	title := v.Title
	if status >= 400 {
		title, v.Refused = "⚠ "+title, true
	}
	s.render(w, r, "me", v, site.LayoutView{Lang: lang, Title: title, Status: status})
}

// EventExtra is the HTML for site.Options.EventExtra: below an event's
// details, a "Register" button for internal registration while it is open
// (or a line saying it has closed) and the add-to-calendar links.
//
// The event page is cached, so this holds no live numbers (the seat count
// is on the registration page). It does read the organiser's "closed
// early" flag from the database, once per cache miss: that flag changes
// only through SetClosed, which drops the site's cache (Deps.PublicChanged)
// so the page is rendered again with the new flag. The deadline is the
// site's own cache boundary (NextDeadline).
func (s *Service) EventExtra(r *http.Request, p *content.Page, now time.Time) template.HTML {
	cs := s.d.Site()
	ev, _, ok := FromPage(p, cs)
	if !ok || p.EventState(now) == content.EventPast {
		return ""
	}
	v := extraView{Lang: p.Lang, ICSURL: CalendarURL(p), GoogleURL: googleCalendarURL(ev, s.d.BaseURL+p.URL), FeedURL: "/" + p.Lang + "/events.ics"}
	if ev.Internal {
		switch err := ev.Open(now); {
		case err == nil:
			ctx := context.Background()
			if r != nil {
				ctx = r.Context()
			}
			closed, err := s.closedEarly(ctx, ev.Key)
			if err != nil {
				// Offer the button rather than hide it: the registration
				// page and its POST check the flag again and say clearly
				// when it is closed, whereas a hidden button (cached with
				// the page) would silently stop people registering.
				s.log.Error("read closed flag", "event", ev.Key, "err", err)
			}
			if closed {
				v.Closed = true
			} else {
				v.RegisterURL = RegisterURL(p)
			}
		case errors.Is(err, ErrClosed):
			v.Closed = true
		}
	}
	var buf bytes.Buffer
	if err := s.tmpl.ExecuteTemplate(&buf, "extra", v); err != nil {
		s.log.Error("render event extra", "err", err)
		return ""
	}
	return template.HTML(buf.String())
}

type extraView struct {
	Lang, RegisterURL, ICSURL, GoogleURL, FeedURL string
	// Closed: built-in registration has closed (deadline passed or closed
	// early by an organiser) while the event is still to come.
	Closed bool
}
