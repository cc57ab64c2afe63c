package admin

import (
	"bytes"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"unionhall/internal/auth"
)

type dashboardData struct {
	Apps      map[string]int
	States    []string
	Members   map[string]int
	ShowApps  bool
	ShowMems  bool
	ShowEvts  bool
	ShowAudit bool
	Audit     any
}

func (c *Console) dashboard(w http.ResponseWriter, r *http.Request, a *auth.Account) {
	ctx := r.Context()
	d := dashboardData{States: States, ShowApps: a.Can(auth.ListApplications), ShowMems: a.Can(auth.ListMembers), ShowEvts: a.Can(auth.ListEvents), ShowAudit: a.Can(auth.SuperPowers)}
	var err error
	if d.ShowApps {
		if d.Apps, err = c.CountApplications(ctx); err != nil {
			c.failErr(w, r, a, err)
			return
		}
	}
	if d.ShowMems {
		if d.Members, err = c.CountMembers(ctx, a); err != nil {
			c.failErr(w, r, a, err)
			return
		}
	}
	if d.ShowAudit {
		es, err := c.SearchAudit(ctx, "")
		if err != nil {
			c.failErr(w, r, a, err)
			return
		}
		if len(es) > 10 {
			es = es[:10]
		}
		d.Audit = es
	}
	c.render(w, r, a, http.StatusOK, "dashboard.html", tr(r, "nav.dashboard"), d)
}

func page(r *http.Request) int {
	p, err := strconv.Atoi(r.FormValue("page"))
	if err != nil || p < 0 || p > 100000 {
		return 0
	}
	return p
}

type tab struct {
	State   string
	Count   int
	Current bool
}

func (c *Console) applications(w http.ResponseWriter, r *http.Request, a *auth.Account) {
	state := r.URL.Query().Get("state")
	if !contains(States, state) {
		state = StateProcessing
	}
	counts, err := c.CountApplications(r.Context())
	if err != nil {
		c.failErr(w, r, a, err)
		return
	}
	list, err := c.ListApplications(r.Context(), state, page(r))
	if err != nil {
		c.failErr(w, r, a, err)
		return
	}
	var tabs []tab
	for _, s := range States {
		tabs = append(tabs, tab{s, counts[s], s == state})
	}
	c.render(w, r, a, http.StatusOK, "applications.html", tr(r, "title.applications", "state", label(langOf(r), "states.", state)),
		map[string]any{"Tabs": tabs, "List": list, "State": state, "Count": counts[state]})
}

func (c *Console) application(w http.ResponseWriter, r *http.Request, a *auth.Account) {
	app, err := c.LoadApplication(r.Context(), r.PathValue("id"))
	if err != nil {
		c.failErr(w, r, a, err)
		return
	}
	if err := c.Viewed(r.Context(), a, "application", app.ID); err != nil {
		c.failErr(w, r, a, err)
		return
	}
	notes, err := c.notes(r.Context(), "application", app.ID)
	if err != nil {
		c.failErr(w, r, a, err)
		return
	}
	timeline, err := c.AuditFor(r.Context(), "application", app.ID)
	if err != nil {
		c.failErr(w, r, a, err)
		return
	}
	var actions []string
	if a.Can(auth.ResolveApplications) {
		for _, act := range Actions(app.State) {
			if act != "delete" || a.Can(auth.SuperPowers) {
				actions = append(actions, act)
			}
		}
	}
	c.render(w, r, a, http.StatusOK, "application.html", tr(r, "title.application"), map[string]any{
		"App": app, "Notes": notes, "Timeline": timeline, "Actions": actions,
		"CanResolve": a.Can(auth.ResolveApplications), "CanMember": a.Can(auth.ViewMember)})
}

func (c *Console) applicationFile(w http.ResponseWriter, r *http.Request, a *auth.Account) {
	col := lastSegment(r.URL.Path)
	b, err := c.ApplicationFile(r.Context(), r.PathValue("id"), col)
	if err != nil {
		c.failErr(w, r, a, err)
		return
	}
	if col == "pdf" {
		w.Header().Set("Content-Type", "application/pdf")
		w.Header().Set("Content-Disposition", `attachment; filename="application.pdf"`)
	} else {
		w.Header().Set("Content-Type", "image/png")
	}
	w.Write(b)
}

func (c *Console) applicationAction(w http.ResponseWriter, r *http.Request, a *auth.Account) {
	id, action := r.PathValue("id"), lastSegment(r.URL.Path)
	var err error
	switch action {
	case "resend":
		err = c.ResendVerification(r.Context(), a, id)
	case "delete":
		err = c.DeleteApplication(r.Context(), a, id)
	default:
		err = c.Transition(r.Context(), a, id, action)
	}
	if err != nil {
		c.failErr(w, r, a, err)
		return
	}
	if action == "delete" {
		redirect(w, r, "/admin/applications?state=invalid", "")
		return
	}
	redirect(w, r, "/admin/applications/"+id, action)
}

func (c *Console) applicationAccept(w http.ResponseWriter, r *http.Request, a *auth.Account) {
	var number int64
	if s := strings.TrimSpace(r.PostFormValue("number")); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			c.failErr(w, r, a, ErrBadNumber)
			return
		}
		number = n
	}
	memberID, _, err := c.Accept(r.Context(), a, r.PathValue("id"), number)
	if err != nil {
		c.failErr(w, r, a, err)
		return
	}
	if a.Can(auth.ViewMember) {
		redirect(w, r, "/admin/members/"+memberID, "accept")
		return
	}
	redirect(w, r, "/admin/applications/"+r.PathValue("id"), "accept")
}

// maxNote bounds a note.
const maxNote = 5000

func (c *Console) applicationNote(w http.ResponseWriter, r *http.Request, a *auth.Account) {
	id := r.PathValue("id")
	body, ok := cleanText(r.PostFormValue("note"), maxNote, true)
	if !ok || body == "" {
		c.fail(w, r, a, http.StatusBadRequest, "err.note")
		return
	}
	if _, err := c.LoadApplication(r.Context(), id); err != nil {
		c.failErr(w, r, a, err)
		return
	}
	if err := c.AddNote(r.Context(), a, "application", id, body); err != nil {
		c.failErr(w, r, a, err)
		return
	}
	redirect(w, r, "/admin/applications/"+id, "note")
}

// cleanText trims s and refuses control and bidirectional-override
// characters (U+202E and friends can make a name display as something else)
// and texts longer than max runes. multiline allows line breaks.
func cleanText(s string, max int, multiline bool) (string, bool) {
	s = strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > max {
		return "", false
	}
	for _, r := range s {
		if r == '\n' && multiline {
			continue
		}
		if unicode.IsControl(r) || (r >= 0x200e && r <= 0x200f) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) {
			return "", false
		}
	}
	return s, true
}

type membersData struct {
	List       MemberList
	Filter     MemberFilter
	Categories []string
	Workplaces []Workplace
	Prev, Next int
	HasPrev    bool
	HasNext    bool
	CanManage  bool
}

func (c *Console) members(w http.ResponseWriter, r *http.Request, a *auth.Account) {
	// A search is POSTed so that the name or email searched for never
	// appears in a URL (history, bookmarks); the list filters are GETs.
	f := MemberFilter{Category: r.FormValue("list"), Workplace: r.FormValue("workplace"), Query: r.FormValue("q"), Page: page(r)}
	if !contains([]string{CatNew, CatCurrent, CatPast, CatAll}, f.Category) {
		f.Category = CatAll
	}
	list, err := c.ListMembers(r.Context(), a, f)
	if err != nil {
		c.failErr(w, r, a, err)
		return
	}
	wps, err := c.ListWorkplaces(r.Context(), a)
	if err != nil {
		c.failErr(w, r, a, err)
		return
	}
	d := membersData{List: list, Filter: f, Categories: []string{CatNew, CatCurrent, CatPast, CatAll}, Workplaces: wps,
		Prev: f.Page - 1, Next: f.Page + 1, HasPrev: f.Page > 0, HasNext: (f.Page+1)*pageSize < list.Total, CanManage: a.Can(auth.ManageMembers)}
	c.render(w, r, a, http.StatusOK, "members.html", tr(r, "nav.members"), d)
}

func (c *Console) member(w http.ResponseWriter, r *http.Request, a *auth.Account) {
	m, err := c.LoadMember(r.Context(), a, r.PathValue("id"), auth.ViewMember)
	if err != nil {
		c.failErr(w, r, a, err)
		return
	}
	if err := c.Viewed(r.Context(), a, "member", m.ID); err != nil {
		c.failErr(w, r, a, err)
		return
	}
	var wps []Workplace
	if a.Can(auth.ManageMembers) {
		if wps, err = c.ListWorkplaces(r.Context(), a); err != nil {
			c.failErr(w, r, a, err)
			return
		}
	}
	in := map[string]bool{}
	for _, wp := range m.Workplaces {
		in[wp.ID] = true
	}
	title := m.Data.Name()
	if title == "" {
		title = tr(r, "title.member_number", "number", strconv.FormatInt(m.Number, 10))
	}
	c.render(w, r, a, http.StatusOK, "member.html", title, map[string]any{
		"M": m, "CanManage": a.Can(auth.ManageMembers), "CanApp": a.Can(auth.ViewApplication),
		"AllWorkplaces": wps, "In": in})
}

// memberForm reads and checks the contact fields of a member form. On a
// problem it returns the message key and its args.
func memberForm(r *http.Request) (md MemberData, key string, args []any, ok bool) {
	fields := []struct {
		dst  *string
		name string
		max  int
	}{
		{&md.FirstName, "first_name", 100}, {&md.LastName, "last_name", 100}, {&md.Email, "email", 254},
		{&md.Phone, "phone", 40}, {&md.Address, "address", 300}, {&md.City, "city", 100},
		{&md.PostalCode, "postal_code", 20}, {&md.DateOfBirth, "date_of_birth", 10}, {&md.Company, "company", 200},
	}
	for _, f := range fields {
		v, ok := cleanText(r.PostFormValue(f.name), f.max, false)
		if !ok {
			return md, "err.field", []any{"field", tr(r, "field."+f.name)}, false
		}
		*f.dst = v
	}
	if md.FirstName == "" && md.LastName == "" {
		return md, "err.member_name", nil, false
	}
	if md.Email != "" && (!strings.Contains(md.Email, "@") || strings.ContainsAny(md.Email, " <>\"")) {
		return md, "err.member_email", nil, false
	}
	md.Email = strings.ToLower(md.Email)
	md.Lang, _ = cleanText(r.PostFormValue("lang"), 10, false)
	return md, "", nil, true
}

func (c *Console) memberEdit(w http.ResponseWriter, r *http.Request, a *auth.Account) {
	md, key, args, ok := memberForm(r)
	if !ok {
		c.fail(w, r, a, http.StatusBadRequest, key, args...)
		return
	}
	id := r.PathValue("id")
	if err := c.UpdateMember(r.Context(), a, id, md); err != nil {
		c.failErr(w, r, a, err)
		return
	}
	redirect(w, r, "/admin/members/"+id, "saved")
}

func (c *Console) memberAction(w http.ResponseWriter, r *http.Request, a *auth.Account) {
	id, action := r.PathValue("id"), lastSegment(r.URL.Path)
	var err error
	switch action {
	case "onboarded":
		err = c.SetOnboarded(r.Context(), a, id)
	case "leave":
		err = c.RecordLeaving(r.Context(), a, id, r.PostFormValue("erase") == "yes")
	case "workplaces":
		err = c.SetMemberWorkplaces(r.Context(), a, id, r.PostForm["workplace"])
	case "occupations":
		text, ok := cleanText(r.PostFormValue("occupation"), 200, false)
		if !ok || text == "" {
			c.fail(w, r, a, http.StatusBadRequest, "err.occupation_needed")
			return
		}
		err = c.AddOccupation(r.Context(), a, id, text)
	case "notes":
		body, ok := cleanText(r.PostFormValue("note"), maxNote, true)
		if !ok || body == "" {
			c.fail(w, r, a, http.StatusBadRequest, "err.note")
			return
		}
		if _, err = c.LoadMember(r.Context(), a, id, auth.ManageMembers); err == nil {
			err = c.AddNote(r.Context(), a, "member", id, body)
		}
	}
	if err != nil {
		c.failErr(w, r, a, err)
		return
	}
	redirect(w, r, "/admin/members/"+id, action)
}

func (c *Console) memberNewForm(w http.ResponseWriter, r *http.Request, a *auth.Account) {
	c.render(w, r, a, http.StatusOK, "member_new.html", tr(r, "title.member_new"), nil)
}

func (c *Console) memberCreate(w http.ResponseWriter, r *http.Request, a *auth.Account) {
	md, key, args, ok := memberForm(r)
	if !ok {
		c.fail(w, r, a, http.StatusBadRequest, key, args...)
		return
	}
	occ, ok := cleanText(r.PostFormValue("occupation"), 200, false)
	if !ok {
		c.fail(w, r, a, http.StatusBadRequest, "err.occupation")
		return
	}
	var number int64
	if s := strings.TrimSpace(r.PostFormValue("number")); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			c.failErr(w, r, a, ErrBadNumber)
			return
		}
		number = n
	}
	id, _, err := c.AddMember(r.Context(), a, md, occ, number)
	if err != nil {
		c.failErr(w, r, a, err)
		return
	}
	redirect(w, r, "/admin/members/"+id, "created")
}

func (c *Console) workplaces(w http.ResponseWriter, r *http.Request, a *auth.Account) {
	wps, err := c.ListWorkplaces(r.Context(), a)
	if err != nil {
		c.failErr(w, r, a, err)
		return
	}
	c.render(w, r, a, http.StatusOK, "workplaces.html", tr(r, "nav.workplaces"), map[string]any{"List": wps, "CanManage": a.Can(auth.ManageWorkplaces)})
}

func (c *Console) workplace(w http.ResponseWriter, r *http.Request, a *auth.Account) {
	wp, err := c.LoadWorkplace(r.Context(), a, r.PathValue("id"))
	if err != nil {
		c.failErr(w, r, a, err)
		return
	}
	var members MemberList
	if a.Can(auth.ListMembers) {
		if members, err = c.ListMembers(r.Context(), a, MemberFilter{Workplace: wp.ID, Category: CatAll}); err != nil {
			c.failErr(w, r, a, err)
			return
		}
	}
	d := map[string]any{"W": wp, "Members": members, "CanManage": a.Can(auth.ManageWorkplaces), "CanExport": a.Can(auth.ManageMembers)}
	if a.Can(auth.ManageWorkplaces) {
		reps, err := c.Representatives(r.Context(), wp.ID)
		if err != nil {
			c.failErr(w, r, a, err)
			return
		}
		accts, err := c.d.Auth.Accounts(r.Context())
		if err != nil {
			c.failErr(w, r, a, err)
			return
		}
		d["Reps"], d["Accounts"] = reps, accts
	}
	c.render(w, r, a, http.StatusOK, "workplace.html", wp.Name, d)
}

func (c *Console) workplaceSave(w http.ResponseWriter, r *http.Request, a *auth.Account) {
	name, ok1 := cleanText(r.PostFormValue("name"), 200, false)
	email, ok2 := cleanText(r.PostFormValue("contact_email"), 254, false)
	desc, ok3 := cleanText(r.PostFormValue("description"), 5000, true)
	if !ok1 || !ok2 || !ok3 || name == "" {
		c.fail(w, r, a, http.StatusBadRequest, "err.workplace")
		return
	}
	id, err := c.SaveWorkplace(r.Context(), a, Workplace{ID: r.PathValue("id"), Name: name, ContactEmail: email, Description: desc})
	if err != nil {
		c.failErr(w, r, a, err)
		return
	}
	redirect(w, r, "/admin/workplaces/"+id, "saved")
}

func (c *Console) workplaceRep(w http.ResponseWriter, r *http.Request, a *auth.Account) {
	id := r.PathValue("id")
	if err := c.SetRepresentative(r.Context(), a, id, r.PostFormValue("account"), r.PostFormValue("op") == "add"); err != nil {
		c.failErr(w, r, a, err)
		return
	}
	redirect(w, r, "/admin/workplaces/"+id, "rep")
}

func (c *Console) workplaceNewsletter(w http.ResponseWriter, r *http.Request, a *auth.Account) {
	var b bytes.Buffer
	if err := c.ExportNewsletter(r.Context(), a, r.PathValue("id"), &b); err != nil {
		c.failErr(w, r, a, err)
		return
	}
	csvHeaders(w, "newsletter.csv")
	w.Write(b.Bytes())
}

func csvHeaders(w http.ResponseWriter, name string) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
}

func (c *Console) exportForm(w http.ResponseWriter, r *http.Request, a *auth.Account) {
	c.render(w, r, a, http.StatusOK, "export.html", tr(r, "title.export"), map[string]any{"Columns": ExportColumns,
		"Categories": []string{CatCurrent, CatNew, CatPast, CatAll}})
}

func (c *Console) exportMembers(w http.ResponseWriter, r *http.Request, a *auth.Account) {
	cat := r.PostFormValue("list")
	if !contains([]string{CatNew, CatCurrent, CatPast, CatAll}, cat) {
		cat = CatAll
	}
	var b bytes.Buffer
	if err := c.ExportMembers(r.Context(), a, cat, r.PostForm["column"], &b); err != nil {
		c.failErr(w, r, a, err)
		return
	}
	csvHeaders(w, "members.csv")
	w.Write(b.Bytes())
}

func (c *Console) auditPage(w http.ResponseWriter, r *http.Request, a *auth.Account) {
	q := r.URL.Query().Get("q")
	es, err := c.SearchAudit(r.Context(), q)
	if err != nil {
		c.failErr(w, r, a, err)
		return
	}
	c.render(w, r, a, http.StatusOK, "audit.html", tr(r, "nav.audit"), map[string]any{"Q": q, "Entries": es})
}

// memberEmail previews (op=preview) or sends (op=send) an email to a member.
func (c *Console) memberEmail(w http.ResponseWriter, r *http.Request, a *auth.Account) {
	id, name := r.PathValue("id"), r.PostFormValue("name")
	if !contains(EmailNames, name) {
		c.fail(w, r, a, http.StatusBadRequest, "err.choose_email")
		return
	}
	if r.PostFormValue("op") == "send" {
		if err := c.SendEmail(r.Context(), a, name, id); err != nil {
			c.failErr(w, r, a, err)
			return
		}
		redirect(w, r, "/admin/members/"+id, "sent")
		return
	}
	e, err := c.RenderEmail(r.Context(), a, name, id)
	if err != nil {
		c.failErr(w, r, a, err)
		return
	}
	c.render(w, r, a, http.StatusOK, "email_preview.html", tr(r, "title.email_preview", "name", label(langOf(r), "mailname.", name)), map[string]any{"E": e, "ID": id, "Name": name})
}

func (c *Console) emails(w http.ResponseWriter, r *http.Request, a *auth.Account) {
	ts, err := c.EmailTemplates(r.Context())
	if err != nil {
		c.failErr(w, r, a, err)
		return
	}
	c.render(w, r, a, http.StatusOK, "emails.html", tr(r, "title.emails"), map[string]any{"List": ts, "Names": EmailNames})
}

func (c *Console) emailForm(w http.ResponseWriter, r *http.Request, a *auth.Account) {
	name, lang := r.PathValue("name"), r.PathValue("lang")
	t, err := c.EmailTemplate(r.Context(), name, lang)
	if errors.Is(err, ErrNotFound) && contains(EmailNames, name) && validLang(lang) {
		t, err = &EmailTemplate{Name: name, Lang: lang}, nil // a new language
	}
	if err != nil {
		c.failErr(w, r, a, err)
		return
	}
	c.render(w, r, a, http.StatusOK, "email_form.html", tr(r, "title.email_form", "name", label(langOf(r), "mailname.", name), "lang", lang), map[string]any{"T": t, "Vars": EmailVars})
}

func (c *Console) emailSave(w http.ResponseWriter, r *http.Request, a *auth.Account) {
	t := EmailTemplate{Name: r.PathValue("name"), Lang: r.PathValue("lang")}
	reset := r.PostFormValue("op") == "reset"
	if !reset {
		var ok1, ok2 bool
		t.Subject, ok1 = cleanText(r.PostFormValue("subject"), 200, false)
		t.Body, ok2 = cleanText(r.PostFormValue("body"), maxTemplate, true)
		if !ok1 || !ok2 || t.Subject == "" || t.Body == "" {
			c.fail(w, r, a, http.StatusBadRequest, "err.template")
			return
		}
	}
	if err := c.SaveEmailTemplate(r.Context(), a, t, reset); err != nil {
		c.failErr(w, r, a, err)
		return
	}
	done := "saved"
	if reset {
		done = "reset"
	}
	redirect(w, r, "/admin/emails/"+t.Name+"/"+t.Lang, done)
}
