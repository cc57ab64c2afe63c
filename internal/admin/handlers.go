package admin

import (
	"bytes"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"unionhall/internal/auth"
	"unionhall/internal/console"
	"unionhall/internal/members"
)

type dashboardData struct {
	Apps     map[string]int
	States   []string
	Members  map[string]int
	ShowApps bool
	ShowMems bool
	// Sections are the features' entries the account may open, with their
	// dashboard hint (console.Nav.Hint).
	Sections  []console.Nav
	ShowAudit bool
	Audit     any
	// ShowJobs: the background jobs' state is shown (super-powers, and a
	// queue to ask); DeadJobs counts the jobs that gave up (see jobs).
	ShowJobs bool
	DeadJobs int
}

func (c *Console) dashboard(w http.ResponseWriter, r *http.Request, a *auth.Account) {
	ctx := r.Context()
	d := dashboardData{States: States, ShowApps: a.Can(auth.ListApplications), ShowMems: a.Can(auth.ListMembers), ShowAudit: a.Can(auth.SuperPowers)}
	for _, s := range c.d.Sections {
		for _, n := range s.Nav {
			if n.Hint != "" && a.Can(n.Perm) {
				d.Sections = append(d.Sections, n)
			}
		}
	}
	var err error
	if d.ShowApps {
		if d.Apps, err = c.CountApplications(ctx); err != nil {
			c.failErr(w, r, a, err)
			return
		}
	}
	if d.ShowMems {
		if d.Members, err = c.reg.CountMembers(ctx, a); err != nil {
			c.failErr(w, r, a, err)
			return
		}
	}
	if d.ShowAudit {
		es, err := auth.SearchAudit(ctx, c.d.DB, "")
		if err != nil {
			c.failErr(w, r, a, err)
			return
		}
		if len(es) > 10 {
			es = es[:10]
		}
		d.Audit = es
	}
	// Emails and PDFs that failed for about three days are dead jobs; they
	// wait for someone to fix the cause and run `unionhall jobs retry
	// --all`, so whoever holds super-powers sees how many there are.
	if d.ShowAudit && c.d.Queue != nil {
		counts, err := c.d.Queue.Counts(ctx)
		if err != nil {
			c.failErr(w, r, a, err)
			return
		}
		d.ShowJobs, d.DeadJobs = true, counts["dead"]
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
	c.showApplication(w, r, a, r.PathValue("id"), nil)
}

// showApplication shows the application page; with f, the form f came
// back with problems (the page answers f's status). Showing it is an
// opening like any other and is recorded; an account that may not open
// applications gets the problems on an error page instead.
func (c *Console) showApplication(w http.ResponseWriter, r *http.Request, a *auth.Account, id string, f *console.Form) {
	status := http.StatusOK
	if f != nil {
		if !a.Can(auth.ViewApplication) {
			c.failForm(w, r, a, f)
			return
		}
		status = f.Status()
	}
	app, err := c.LoadApplication(r.Context(), id)
	if err != nil {
		c.failErr(w, r, a, err)
		return
	}
	if err := c.reg.Viewed(r.Context(), a, "application", app.ID); err != nil {
		c.failErr(w, r, a, err)
		return
	}
	notes, err := c.reg.Notes(r.Context(), "application", app.ID)
	if err != nil {
		c.failErr(w, r, a, err)
		return
	}
	timeline, err := auth.AuditFor(r.Context(), c.d.DB, "application", app.ID)
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
	// Members who already have the applicant's email: named and linked
	// for whoever may open them, only mentioned for anyone else.
	matches, err := c.reg.MembersWithEmail(r.Context(), app.Applicant.Email, app.ID)
	if err != nil {
		c.failErr(w, r, a, err)
		return
	}
	// An earlier application of a member who re-joined is theirs too
	// (applications.member_id), not a duplicate of them.
	matches = slices.DeleteFunc(matches, func(m members.MemberMatch) bool { return m.ID == app.MemberID })
	dups, dupHidden, err := c.dupViews(r.Context(), a, matches)
	if err != nil {
		c.failErr(w, r, a, err)
		return
	}
	c.renderForm(w, r, a, status, "application.html", tr(r, "title.application"), map[string]any{
		"App": app, "Notes": notes, "Timeline": timeline, "Actions": actions,
		"CanResolve": a.Can(auth.ResolveApplications), "CanMember": a.Can(auth.ViewMember),
		"Dups": dups, "DupHidden": dupHidden, "HasDups": len(matches) > 0}, f)
}

// applicationFile serves an application's signature or PDF; the opening
// is recorded (OpenApplicationFile).
func (c *Console) applicationFile(w http.ResponseWriter, r *http.Request, a *auth.Account) {
	col := lastSegment(r.URL.Path)
	b, err := c.OpenApplicationFile(r.Context(), a, r.PathValue("id"), col)
	if err != nil {
		c.failErr(w, r, a, err)
		return
	}
	serveFile(w, col, b)
}

func (c *Console) applicationAction(w http.ResponseWriter, r *http.Request, a *auth.Account) {
	id, action := r.PathValue("id"), lastSegment(r.URL.Path)
	var err error
	switch action {
	case "resend":
		err = c.ResendVerification(r.Context(), a, id)
	default:
		err = c.Transition(r.Context(), a, id, action)
	}
	if errors.Is(err, ErrWrongState) {
		// Someone else may have moved it meanwhile: show where it is now.
		f := console.NewForm(r, action)
		f.Clash("", "", "err.wrong_state_now")
		c.showApplication(w, r, a, id, f)
		return
	}
	if err != nil {
		c.failErr(w, r, a, err)
		return
	}
	redirect(w, r, "/admin/applications/"+id, action)
}

func (c *Console) applicationAccept(w http.ResponseWriter, r *http.Request, a *auth.Account) {
	id := r.PathValue("id")
	f := console.NewForm(r, "accept")
	number := f.Number("number", "field.number")
	// What to do when the applicant's email is a member's: nothing chosen
	// (refused when there is such a member), link, or a new member anyway.
	dup := r.PostFormValue("duplicate")
	if dup != "" {
		dup = f.Choice("duplicate", "duplicate", "app.dup_field", []string{members.DuplicateLink, members.DuplicateNew})
	}
	if dup == members.DuplicateLink && number != 0 {
		f.Bad("number", "field.number", "err.link_number")
	}
	if f.OK() {
		memberID, _, err := c.AcceptWith(r.Context(), a, id, AcceptOptions{Number: number, Duplicate: dup})
		switch {
		case errors.Is(err, ErrDuplicate):
			f.Clash("duplicate", "app.dup_field", "err.duplicate_member")
		case errors.Is(err, ErrNothingToLink):
			f.Clash("", "", "err.nothing_to_link")
		case errors.Is(err, ErrNumberTaken):
			f.Clash("number", "field.number", "err.number_taken")
		case errors.Is(err, ErrBadNumber):
			f.Bad("number", "field.number", "err.bad_number")
		case errors.Is(err, ErrWrongState):
			f.Clash("", "", "err.wrong_state_now")
		case err != nil:
			c.failErr(w, r, a, err)
			return
		case a.Can(auth.ViewMember):
			redirect(w, r, "/admin/members/"+memberID, "accept")
			return
		default:
			redirect(w, r, "/admin/applications/"+id, "accept")
			return
		}
	}
	c.showApplication(w, r, a, id, f)
}

// maxNote bounds a note.
const maxNote = 5000

func (c *Console) applicationNote(w http.ResponseWriter, r *http.Request, a *auth.Account) {
	id := r.PathValue("id")
	f := console.NewForm(r, "note")
	body := f.Text("note", "notes.add", maxNote, true, true)
	if !f.OK() {
		c.showApplication(w, r, a, id, f)
		return
	}
	if _, err := c.LoadApplication(r.Context(), id); err != nil {
		c.failErr(w, r, a, err)
		return
	}
	if err := c.reg.AddNote(r.Context(), a, "application", id, body); err != nil {
		c.failErr(w, r, a, err)
		return
	}
	redirect(w, r, "/admin/applications/"+id, "note")
}

type membersData struct {
	List       members.MemberList
	Filter     members.MemberFilter
	Categories []string
	Workplaces []members.Workplace
	Prev, Next int
	HasPrev    bool
	HasNext    bool
	CanManage  bool
}

func (c *Console) members(w http.ResponseWriter, r *http.Request, a *auth.Account) {
	// A search is POSTed so that the name or email searched for never
	// appears in a URL (history, bookmarks); the list filters are GETs.
	f := members.MemberFilter{Category: r.FormValue("list"), Workplace: r.FormValue("workplace"), Query: r.FormValue("q"), Page: page(r)}
	if !contains([]string{members.CatNew, members.CatCurrent, members.CatPast, members.CatAll}, f.Category) {
		f.Category = members.CatAll
	}
	// A search that cannot be run shows the search form again with the
	// text kept and no list: a list that ignored the search would look
	// like its result.
	var form *console.Form
	if _, key, args := console.CheckText(f.Query, members.MaxQuery, false); key != "" {
		form = console.FormOf(r, "search", url.Values{"q": {f.Query}})
		form.Bad("q", "members.search", key, args...)
	}
	var list members.MemberList
	var err error
	if form == nil {
		if list, err = c.reg.ListMembers(r.Context(), a, f); err != nil {
			c.failErr(w, r, a, err)
			return
		}
	}
	wps, err := c.reg.ListWorkplaces(r.Context(), a)
	if err != nil {
		c.failErr(w, r, a, err)
		return
	}
	d := membersData{List: list, Filter: f, Categories: []string{members.CatNew, members.CatCurrent, members.CatPast, members.CatAll}, Workplaces: wps,
		Prev: f.Page - 1, Next: f.Page + 1, HasPrev: f.Page > 0, HasNext: (f.Page+1)*pageSize < list.Total, CanManage: a.Can(auth.ManageMembers)}
	status := http.StatusOK
	if form != nil {
		status = form.Status()
	}
	c.renderForm(w, r, a, status, "members.html", tr(r, "nav.members"), d, form)
}

func (c *Console) member(w http.ResponseWriter, r *http.Request, a *auth.Account) {
	c.showMember(w, r, a, r.PathValue("id"), nil)
}

// showMember shows a member's page; with f, the form f came back with
// problems (see showApplication).
func (c *Console) showMember(w http.ResponseWriter, r *http.Request, a *auth.Account, id string, f *console.Form) {
	c.showMemberDup(w, r, a, id, f, nil)
}

// emailDup is what the contact-data form shows when its new email is
// another member's: those members (linked for whoever may open them) and
// the "the same address is shared" box.
type emailDup struct {
	Dups      []dupView
	DupHidden bool
}

// showMemberDup is showMember with the edit form's duplicate notice (dup:
// nil when there is none).
func (c *Console) showMemberDup(w http.ResponseWriter, r *http.Request, a *auth.Account, id string, f *console.Form, dup *emailDup) {
	status := http.StatusOK
	if f != nil {
		if !a.Can(auth.ViewMember) {
			c.failForm(w, r, a, f)
			return
		}
		status = f.Status()
	}
	m, err := c.reg.LoadMember(r.Context(), a, id, auth.ViewMember)
	if err != nil {
		c.failErr(w, r, a, err)
		return
	}
	if err := c.reg.Viewed(r.Context(), a, "member", m.ID); err != nil {
		c.failErr(w, r, a, err)
		return
	}
	var wps []members.Workplace
	if a.Can(auth.ManageMembers) {
		if wps, err = c.reg.ListWorkplaces(r.Context(), a); err != nil {
			c.failErr(w, r, a, err)
			return
		}
	}
	files, err := c.memberFiles(r.Context(), m.ApplicationID)
	if err != nil {
		c.failErr(w, r, a, err)
		return
	}
	in := map[string]bool{}
	for _, wp := range m.Workplaces {
		in[wp.ID] = true
	}
	title := m.Data.Name()
	if title == "" {
		title = tr(r, "title.member_number", "number", strconv.FormatInt(m.Number, 10))
	}
	c.renderForm(w, r, a, status, "member.html", title, map[string]any{
		"M": m, "CanManage": a.Can(auth.ManageMembers), "CanApp": a.Can(auth.ViewApplication),
		"AllWorkplaces": wps, "In": in, "Dup": dup, "Files": files}, f)
}

// memberFields reads and checks the contact fields of a member form (the
// new-member form and the edit form share them).
func (c *Console) memberFields(f *console.Form) members.MemberData {
	var md members.MemberData
	md.FirstName = f.Text("first_name", "field.first_name", 100, false, false)
	md.LastName = f.Text("last_name", "field.last_name", 100, false, false)
	if md.FirstName == "" && md.LastName == "" && f.Err("first_name") == "" && f.Err("last_name") == "" {
		f.Bad("first_name", "field.first_name", "err.member_name")
	}
	md.Email = f.Email("email", "field.email", false)
	md.Phone = f.Text("phone", "field.phone", 40, false, false)
	md.Address = f.Text("address", "field.address", 300, false, false)
	md.City = f.Text("city", "field.city", 100, false, false)
	md.PostalCode = f.Text("postal_code", "field.postal_code", 20, false, false)
	md.DateOfBirth = f.Date("date_of_birth", "field.date_of_birth_hint", c.d.Now().In(c.d.Location))
	md.Company = f.Text("company", "field.company", 200, false, false)
	return md
}

func (c *Console) memberEdit(w http.ResponseWriter, r *http.Request, a *auth.Account) {
	id := r.PathValue("id")
	f := console.NewForm(r, "edit")
	md := c.memberFields(f)
	// "The same address is shared" is offered once the new email turned
	// out to be another member's (mirroring "add anyway" on the new-member
	// form): only then does the record take it.
	shared := r.PostFormValue("shared") == "yes"
	var dup *emailDup
	if f.OK() {
		err := c.reg.UpdateMember(r.Context(), a, id, md, shared)
		var de *members.DuplicateError
		switch {
		case errors.As(err, &de):
			f.Clash("email", "field.email", "err.member_email_taken")
			dup = &emailDup{}
			if dup.Dups, dup.DupHidden, err = c.dupViews(r.Context(), a, de.Members); err != nil {
				c.failErr(w, r, a, err)
				return
			}
		case errors.Is(err, ErrWrongState):
			f.Clash("", "", "err.wrong_state_now")
		case err != nil:
			c.failErr(w, r, a, err)
			return
		default:
			redirect(w, r, "/admin/members/"+id, "saved")
			return
		}
	}
	c.showMemberDup(w, r, a, id, f, dup)
}

func (c *Console) memberAction(w http.ResponseWriter, r *http.Request, a *auth.Account) {
	id, action := r.PathValue("id"), lastSegment(r.URL.Path)
	f := console.NewForm(r, action)
	var err error
	switch action {
	case "onboarded":
		err = c.reg.SetOnboarded(r.Context(), a, id)
	case "leave":
		if r.PostFormValue("erase") == "yes" {
			// Erasing cannot be undone: it happens only on its
			// confirmation page (person.go), never from this button.
			http.Redirect(w, r, "/admin/members/"+id+"/erase", http.StatusSeeOther)
			return
		}
		err = c.reg.RecordLeaving(r.Context(), a, id, false)
	case "workplaces":
		err = c.reg.SetMemberWorkplaces(r.Context(), a, id, r.PostForm["workplace"])
	case "occupations":
		if text := f.Text("occupation", "field.occupation", 200, false, true); f.OK() {
			err = c.reg.AddOccupation(r.Context(), a, id, text)
		}
	case "notes":
		if body := f.Text("note", "field.note", maxNote, true, true); f.OK() {
			if _, err = c.reg.LoadMember(r.Context(), a, id, auth.ManageMembers); err == nil {
				err = c.reg.AddNote(r.Context(), a, "member", id, body)
			}
		}
	}
	if errors.Is(err, ErrWrongState) {
		// Done twice, or by someone else meanwhile: show the member as
		// they are now.
		f.Clash("", "", "err.wrong_state_now")
	} else if err != nil {
		c.failErr(w, r, a, err)
		return
	}
	if !f.OK() {
		c.showMember(w, r, a, id, f)
		return
	}
	redirect(w, r, "/admin/members/"+id, action)
}

func (c *Console) memberNewForm(w http.ResponseWriter, r *http.Request, a *auth.Account) {
	c.render(w, r, a, http.StatusOK, "member_new.html", tr(r, "title.member_new"), nil)
}

func (c *Console) memberCreate(w http.ResponseWriter, r *http.Request, a *auth.Account) {
	f := console.NewForm(r, "new")
	number := f.Number("number", "field.number_hint")
	md := c.memberFields(f)
	occ := f.Text("occupation", "field.occupation", 200, false, false)
	if md.Lang = f.Text("lang", "field.lang_hint", 10, false, false); md.Lang != "" && !validLang(md.Lang) {
		f.Bad("lang", "field.lang_hint", "err.lang")
	}
	// "Add anyway" is offered once the email turned out to be a member's
	// (two people sharing an address): only then is a second member made.
	anyway := r.PostFormValue("anyway") == "yes"
	var data newMemberData
	if f.OK() {
		id, _, err := c.reg.AddMember(r.Context(), a, md, occ, number, anyway)
		var dup *members.DuplicateError
		switch {
		case errors.As(err, &dup):
			f.Clash("email", "field.email", "err.member_exists")
			data.Duplicate = true
			if data.Dups, data.DupHidden, err = c.dupViews(r.Context(), a, dup.Members); err != nil {
				c.failErr(w, r, a, err)
				return
			}
		case errors.Is(err, ErrNumberTaken):
			f.Clash("number", "field.number_hint", "err.number_taken")
		case errors.Is(err, ErrBadNumber):
			f.Bad("number", "field.number_hint", "err.bad_number")
		case err != nil:
			c.failErr(w, r, a, err)
			return
		default:
			redirect(w, r, "/admin/members/"+id, "created")
			return
		}
	}
	c.renderForm(w, r, a, f.Status(), "member_new.html", tr(r, "title.member_new"), data, f)
}

// newMemberData is what the add-a-member form shows when it comes back:
// with Duplicate, the members who have the email typed (linked for whoever
// may open them) and the "add anyway" box.
type newMemberData struct {
	Duplicate bool
	Dups      []dupView
	DupHidden bool
}

func (c *Console) workplaces(w http.ResponseWriter, r *http.Request, a *auth.Account) {
	c.showWorkplaces(w, r, a, nil)
}

// showWorkplaces shows the list of workplaces with the new-workplace form
// (f: that form come back with problems).
func (c *Console) showWorkplaces(w http.ResponseWriter, r *http.Request, a *auth.Account, f *console.Form) {
	wps, err := c.reg.ListWorkplaces(r.Context(), a)
	if err != nil {
		c.failErr(w, r, a, err)
		return
	}
	status := http.StatusOK
	if f != nil {
		status = f.Status()
	}
	c.renderForm(w, r, a, status, "workplaces.html", tr(r, "nav.workplaces"), map[string]any{"List": wps, "CanManage": a.Can(auth.ManageWorkplaces)}, f)
}

func (c *Console) workplace(w http.ResponseWriter, r *http.Request, a *auth.Account) {
	c.showWorkplace(w, r, a, r.PathValue("id"), nil)
}

// showWorkplace shows a workplace's page (f: its edit form come back with
// problems).
func (c *Console) showWorkplace(w http.ResponseWriter, r *http.Request, a *auth.Account, id string, f *console.Form) {
	wp, err := c.reg.LoadWorkplace(r.Context(), a, id)
	if err != nil {
		c.failErr(w, r, a, err)
		return
	}
	var list members.MemberList
	if a.Can(auth.ListMembers) {
		if list, err = c.reg.ListMembers(r.Context(), a, members.MemberFilter{Workplace: wp.ID, Category: members.CatAll}); err != nil {
			c.failErr(w, r, a, err)
			return
		}
	}
	d := map[string]any{"W": wp, "Members": list, "CanManage": a.Can(auth.ManageWorkplaces), "CanExport": a.Can(auth.ManageMembers)}
	if a.Can(auth.ManageWorkplaces) {
		reps, err := c.reg.Representatives(r.Context(), wp.ID)
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
	status := http.StatusOK
	if f != nil {
		status = f.Status()
	}
	c.renderForm(w, r, a, status, "workplace.html", wp.Name, d, f)
}

func (c *Console) workplaceSave(w http.ResponseWriter, r *http.Request, a *auth.Account) {
	id := r.PathValue("id")
	f := console.NewForm(r, "workplace")
	name := f.Text("name", "wp.name", 200, false, true)
	email := f.Email("contact_email", "wp.contact_email", false)
	desc := f.Text("description", "wp.description", 5000, true, false)
	if f.OK() {
		saved, err := c.reg.SaveWorkplace(r.Context(), a, members.Workplace{ID: id, Name: name, ContactEmail: email, Description: desc})
		switch {
		case errors.Is(err, members.ErrWorkplaceNameTaken):
			// A conflict the person resolves by choosing another name:
			// the same page again, 409, with what they typed.
			f.Clash("name", "wp.name", "err.workplace_name_taken")
		case err != nil:
			c.failErr(w, r, a, err)
			return
		default:
			redirect(w, r, "/admin/workplaces/"+saved, "saved")
			return
		}
	}
	if id == "" {
		c.showWorkplaces(w, r, a, f)
	} else {
		c.showWorkplace(w, r, a, id, f)
	}
}

func (c *Console) workplaceRep(w http.ResponseWriter, r *http.Request, a *auth.Account) {
	id := r.PathValue("id")
	if err := c.reg.SetRepresentative(r.Context(), a, id, r.PostFormValue("account"), r.PostFormValue("op") == "add"); err != nil {
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
	c.showExport(w, r, a, nil)
}

func (c *Console) showExport(w http.ResponseWriter, r *http.Request, a *auth.Account, f *console.Form) {
	status := http.StatusOK
	if f != nil {
		status = f.Status()
	}
	c.renderForm(w, r, a, status, "export.html", tr(r, "title.export"), map[string]any{"Columns": ExportColumns,
		"Categories": exportCategories}, f)
}

// exportCategories are the lists an export offers, the default first.
var exportCategories = []string{members.CatCurrent, members.CatNew, members.CatPast, members.CatAll}

func (c *Console) exportMembers(w http.ResponseWriter, r *http.Request, a *auth.Account) {
	f := console.NewForm(r, "export")
	cat := f.Choice("list", "list", "export.members", exportCategories)
	var cols []string
	for _, col := range r.PostForm["column"] {
		if contains(ExportColumns, col) {
			cols = append(cols, col)
		}
	}
	if len(cols) == 0 {
		f.Bad("columns", "export.columns", "err.nothing_chosen")
	}
	if !f.OK() {
		c.showExport(w, r, a, f)
		return
	}
	var b bytes.Buffer
	if err := c.ExportMembers(r.Context(), a, cat, cols, &b); err != nil {
		c.failErr(w, r, a, err)
		return
	}
	csvHeaders(w, "members.csv")
	w.Write(b.Bytes())
}

func (c *Console) auditPage(w http.ResponseWriter, r *http.Request, a *auth.Account) {
	q := r.URL.Query().Get("q")
	// The search text is an action code or an id (never personal data,
	// so a GET); one that cannot be searched for comes back to its field.
	if _, key, args := console.CheckText(q, maxAuditQuery, false); key != "" {
		f := console.FormOf(r, "audit", url.Values{"q": {q}})
		f.Bad("q", "audit.search", key, args...)
		c.renderForm(w, r, a, f.Status(), "audit.html", tr(r, "nav.audit"), map[string]any{"Q": q}, f)
		return
	}
	es, err := auth.SearchAudit(r.Context(), c.d.DB, q)
	if err != nil {
		c.failErr(w, r, a, err)
		return
	}
	c.render(w, r, a, http.StatusOK, "audit.html", tr(r, "nav.audit"), map[string]any{"Q": q, "Entries": es})
}

// maxAuditQuery bounds an audit search.
const maxAuditQuery = 100

// memberEmail previews (op=preview) or sends (op=send) an email to a member.
// What stops it is shown on the member's page, pointing at what to change.
func (c *Console) memberEmail(w http.ResponseWriter, r *http.Request, a *auth.Account) {
	id, name := r.PathValue("id"), r.PostFormValue("name")
	f := console.NewForm(r, "email")
	if !contains(EmailNames, name) {
		f.Bad("", "", "err.choose_email")
	} else {
		var err error
		if r.PostFormValue("op") == "send" {
			if err = c.SendEmail(r.Context(), a, name, id); err == nil {
				redirect(w, r, "/admin/members/"+id, "sent")
				return
			}
		} else {
			var e *RenderedEmail
			if e, err = c.RenderEmail(r.Context(), a, name, id); err == nil {
				c.render(w, r, a, http.StatusOK, "email_preview.html", tr(r, "title.email_preview", "name", label(langOf(r), "mailname.", name)), map[string]any{"E": e, "ID": id, "Name": name})
				return
			}
		}
		switch {
		case errors.Is(err, errNoEmail):
			f.About("edit") // the message goes next to the contact data's email field
			f.Clash("email", "field.email", "err.no_email")
		case errors.Is(err, errBadEmail):
			f.Clash("", "", "err.bad_email")
		default:
			c.failErr(w, r, a, err)
			return
		}
	}
	c.showMember(w, r, a, id, f)
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
	c.showEmailForm(w, r, a, nil)
}

// showEmailForm shows the template editor (f: an edit come back with
// problems, its subject and text as typed).
func (c *Console) showEmailForm(w http.ResponseWriter, r *http.Request, a *auth.Account, f *console.Form) {
	name, lang := r.PathValue("name"), r.PathValue("lang")
	t, err := c.EmailTemplate(r.Context(), name, lang)
	if errors.Is(err, ErrNotFound) && contains(EmailNames, name) && validLang(lang) {
		t, err = &EmailTemplate{Name: name, Lang: lang}, nil // a new language
	}
	if err != nil {
		c.failErr(w, r, a, err)
		return
	}
	status := http.StatusOK
	if f != nil {
		status = f.Status()
	}
	c.renderForm(w, r, a, status, "email_form.html", tr(r, "title.email_form", "name", label(langOf(r), "mailname.", name), "lang", lang), map[string]any{"T": t, "Vars": EmailVars}, f)
}

func (c *Console) emailSave(w http.ResponseWriter, r *http.Request, a *auth.Account) {
	t := EmailTemplate{Name: r.PathValue("name"), Lang: r.PathValue("lang")}
	reset := r.PostFormValue("op") == "reset"
	if !reset {
		f := console.NewForm(r, "template")
		t.Subject = f.Text("subject", "field.subject", maxSubject, false, true)
		t.Body = f.Text("body", "field.text", maxTemplate, true, true)
		if !f.OK() {
			c.showEmailForm(w, r, a, f)
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

// maxSubject bounds an email template's subject.
const maxSubject = 200
