package portal

import (
	"database/sql"
	"errors"
	"net/http"

	"unionhall/internal/events"
)

type homeData struct {
	M        *Member
	LangName string
	Joined   string
	Left     string
	EraseDue string
	// LeavePending is the date of a request to leave the committee has
	// not recorded yet.
	LeavePending string
	Applied      string
	Occupations  []occRow
	Events       []eventRow
	MeetingsURL  string
	SurveysURL   string
	VotesURL     string
	// VotesWaiting counts open votes the member has not voted in yet.
	VotesWaiting int
	HasPDF       bool
	CanEdit      bool
	CanLeave     bool
}

type occRow struct{ Text, Since string }

type eventRow struct {
	Title, URL, Start, Status string
	Anonymous                 bool
}

// langName is a language's own name from the site, else its code.
func (s *Service) langName(code string) string {
	if s.d.Site != nil {
		if cs := s.d.Site(); cs != nil {
			if l := cs.Lang(code); l != nil && l.Name != "" {
				return l.Name
			}
		}
	}
	return code
}

// langs are the languages a member may choose: the site's.
func (s *Service) langs() []string {
	if s.d.Site != nil {
		if cs := s.d.Site(); cs != nil && len(cs.Languages) > 0 {
			out := make([]string, len(cs.Languages))
			for i, l := range cs.Languages {
				out[i] = l.Code
			}
			return out
		}
	}
	return Languages
}

// meetingsURL is the members' meetings section in lang, "" without one.
func (s *Service) meetingsURL(lang string) string {
	if s.d.Site == nil {
		return ""
	}
	cs := s.d.Site()
	if cs == nil {
		return ""
	}
	if sec := cs.Section(lang, "meetings"); sec != nil && sec.Visible(s.d.Now()) {
		return sec.URL
	}
	return ""
}

func (s *Service) registrations(r *http.Request, m *Member, lang string) ([]events.MemberRegistration, error) {
	if s.d.Events == nil || m.Erased || m.Contact.Email == "" {
		return nil, nil
	}
	return s.d.Events.RegistrationsOf(r.Context(), m.Contact.Email, lang)
}

func (s *Service) handleHome(w http.ResponseWriter, r *http.Request, lang string, me *signedIn) {
	m, err := s.load(r.Context(), me)
	if err != nil {
		s.log.Error("load member for portal", "err", err)
		s.failed(w, r, lang)
		return
	}
	regs, err := s.registrations(r, m, lang)
	if err != nil {
		s.log.Error("event registrations for portal", "err", err)
		s.failed(w, r, lang)
		return
	}
	d := homeData{M: m, LangName: s.langName(m.Lang), Joined: s.date(m.JoinedAt), MeetingsURL: s.meetingsURL(lang),
		HasPDF: m.ApplicationID != "", CanEdit: m.LeftAt == nil && !m.Erased, CanLeave: m.LeaveRequestedAt == nil && m.LeftAt == nil && !m.Erased}
	if m.LeftAt != nil {
		d.Left = s.date(*m.LeftAt)
	}
	if due := s.eraseDue(m); due != nil {
		d.EraseDue = s.date(*due)
	}
	if m.LeaveRequestedAt != nil && m.LeftAt == nil {
		d.LeavePending = s.date(*m.LeaveRequestedAt)
	}
	if m.AppliedAt != nil {
		d.Applied = s.date(*m.AppliedAt)
	}
	if s.d.SurveysURL != nil {
		d.SurveysURL = s.d.SurveysURL(lang)
	}
	if s.d.Votes != nil {
		d.VotesURL = s.d.Votes.MemberVotesURL(lang)
		if d.VotesWaiting, err = s.d.Votes.Waiting(r.Context(), me.ID); err != nil {
			s.log.Error("open votes for portal", "err", err)
			s.failed(w, r, lang)
			return
		}
	}
	for _, o := range m.Occupations {
		d.Occupations = append(d.Occupations, occRow{Text: o.Text, Since: s.date(o.Since)})
	}
	for _, e := range regs {
		d.Events = append(d.Events, eventRow{Title: e.Title, URL: e.URL, Start: s.date(e.Start), Status: T(lang, "status."+e.Status), Anonymous: e.Anonymous})
	}
	v := s.view(lang, "home.title")
	switch {
	case r.URL.Query().Get("saved") == "1":
		v.Message = v.T("home.saved")
	case r.URL.Query().Get("withdrawn") == "1":
		v.Message = v.T("home.withdrawn")
	}
	v.Data = d
	s.render(w, r, "home", v, http.StatusOK)
}

func (s *Service) handleApplicationPDF(w http.ResponseWriter, r *http.Request, lang string, me *signedIn) {
	b, err := s.d.Registry.ApplicationPDF(r.Context(), me.ID)
	if errors.Is(err, ErrNoFile) {
		s.notFound(w, r, lang)
		return
	}
	if err == nil {
		err = s.d.DB.Tx(r.Context(), func(tx *sql.Tx) error {
			return s.audit(r.Context(), tx, me.ID, "member.application-pdf", "by the member")
		})
	}
	if err != nil {
		s.log.Error("member application pdf", "err", err)
		s.failed(w, r, lang)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/pdf")
	h.Set("Content-Disposition", `attachment; filename="application.pdf"`)
	w.Write(b)
}

type detailsData struct {
	Fields  []fieldView
	Langs   []langChoice
	Errors  []errItem
	LangErr string
}

type fieldView struct {
	field
	Label, Value, Error string
}

type langChoice struct {
	Code, Name string
	Selected   bool
}

type errItem struct{ Field, Message string }

func (s *Service) handleDetails(w http.ResponseWriter, r *http.Request, lang string, me *signedIn) {
	m, err := s.load(r.Context(), me)
	if err != nil {
		s.log.Error("load member for portal", "err", err)
		s.failed(w, r, lang)
		return
	}
	if m.Erased || m.LeftAt != nil {
		s.message(w, r, lang, "details.title", "leave.already", http.StatusConflict)
		return
	}
	f := &contactForm{Values: m.Contact.values(), Lang: m.Lang}
	if r.Method != http.MethodPost {
		s.renderDetails(w, r, lang, f, http.StatusOK)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		s.message(w, r, lang, "details.title", "signin.form_unread", http.StatusBadRequest)
		return
	}
	f = &contactForm{Values: map[string]string{}, Lang: r.PostFormValue("lang")}
	for _, fl := range contactFields {
		f.Values[fl.Name] = r.PostFormValue(fl.Name)
	}
	f.check(s.langs(), s.d.Now())
	if len(f.Errors) > 0 {
		s.renderDetails(w, r, lang, f, http.StatusUnprocessableEntity)
		return
	}
	err = s.UpdateDetails(r.Context(), m, contactFrom(f.Values), f.Lang)
	switch {
	case errors.Is(err, ErrEmailTaken):
		f.Errors["email"] = []any{"err.taken"}
		s.renderDetails(w, r, lang, f, http.StatusConflict)
	case err != nil:
		s.log.Error("member updates details", "err", err)
		s.failed(w, r, lang)
	default:
		http.Redirect(w, r, Base(lang)+"?saved=1", http.StatusSeeOther)
	}
}

func (s *Service) renderDetails(w http.ResponseWriter, r *http.Request, lang string, f *contactForm, status int) {
	v := s.view(lang, "details.title")
	d := detailsData{}
	for _, fl := range contactFields {
		fv := fieldView{field: fl, Label: T(lang, "field."+fl.Name), Value: f.Values[fl.Name]}
		if e, ok := f.Errors[fl.Name]; ok {
			fv.Error = T(lang, e[0].(string), e[1:]...)
			d.Errors = append(d.Errors, errItem{Field: "f-" + fl.Name, Message: fv.Label + ": " + fv.Error})
		}
		d.Fields = append(d.Fields, fv)
	}
	if e, ok := f.Errors["lang"]; ok {
		d.LangErr = T(lang, e[0].(string))
		d.Errors = append(d.Errors, errItem{Field: "f-lang", Message: T(lang, "field.lang") + ": " + d.LangErr})
	}
	for _, c := range s.langs() {
		d.Langs = append(d.Langs, langChoice{Code: c, Name: s.langName(c), Selected: c == f.Lang})
	}
	if len(d.Errors) > 0 {
		v.Error = v.T("details.errors")
	}
	v.Data = d
	s.render(w, r, "details", v, status)
}
