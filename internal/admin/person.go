package admin

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"unionhall/internal/auth"
	"unionhall/internal/console"
	"unionhall/internal/members"
	"unionhall/internal/membership"
)

// This file holds what protects a person's record beyond the plain pages:
// the notice of a member who has the same email (duplicates), the files of
// a member's record, and the confirmation pages of the two actions that
// cannot be undone (erasing a member's personal data, deleting an
// application for good). See doc.go for the choices made.

// dupView is a member who has the email of an application (or of a member
// being added by hand), as the viewer may see them: the number, category
// and a link only for a viewer who may open that member's page.
type dupView struct {
	ID       string
	Number   int64
	Category string
}

// dupViews splits matches into those viewer may open and whether there
// are others: those are only mentioned, with nothing that identifies them.
func (c *Console) dupViews(ctx context.Context, viewer *auth.Account, matches []members.MemberMatch) (visible []dupView, hidden bool, err error) {
	for _, m := range matches {
		ok, err := c.reg.CanSeeMember(ctx, viewer, m.ID)
		if err != nil {
			return nil, false, err
		}
		if !ok {
			hidden = true
			continue
		}
		visible = append(visible, dupView{ID: m.ID, Number: m.Number, Category: m.Category})
	}
	return visible, hidden, nil
}

// serveFile answers with an application's PDF (a download) or signature
// image.
func serveFile(w http.ResponseWriter, col string, b []byte) {
	if col == "pdf" {
		w.Header().Set("Content-Type", "application/pdf")
		w.Header().Set("Content-Disposition", `attachment; filename="application.pdf"`)
	} else {
		w.Header().Set("Content-Type", "image/png")
	}
	w.Write(b)
}

// memberFile serves the PDF or signature of the application a member's
// record is linked to, to whoever may view that member (OpenMemberFile
// scopes it and records the opening).
func (c *Console) memberFile(w http.ResponseWriter, r *http.Request, a *auth.Account) {
	col := lastSegment(r.URL.Path)
	b, err := c.OpenMemberFile(r.Context(), a, r.PathValue("id"), col)
	if err != nil {
		c.failErr(w, r, a, err)
		return
	}
	serveFile(w, col, b)
}

// memberFiles lists the files of a member's record: the PDF and the
// signature image ("pdf", "signature") that application appID ("": none),
// the one the member is linked to, has.
func (c *Console) memberFiles(ctx context.Context, appID string) ([]string, error) {
	if appID == "" {
		return nil, nil
	}
	var sig, pdf bool
	err := c.d.DB.QueryRow(ctx, `SELECT signature IS NOT NULL, pdf IS NOT NULL FROM applications WHERE id = ?`, appID).Scan(&sig, &pdf)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("files of application %s: %w", appID, err)
	}
	var out []string
	if pdf {
		out = append(out, "pdf")
	}
	if sig {
		out = append(out, "signature")
	}
	return out, nil
}

// OpenMemberFile returns the PDF or signature ("pdf", "signature") of the
// application member id is linked to, to a viewer who may view that member
// (the registry scopes it as LoadMember: a representative gets only their
// workplaces' members; anyone else gets "not found"), and records the
// opening on the member's trail. The file is served only once the entry is
// written: no record, no file.
func (c *Console) OpenMemberFile(ctx context.Context, viewer *auth.Account, id, col string) ([]byte, error) {
	if col != "signature" && col != "pdf" {
		return nil, ErrNotFound
	}
	app, err := c.reg.LinkedApplication(ctx, viewer, id)
	if err != nil {
		return nil, err
	}
	b, err := c.ApplicationFile(ctx, app, col)
	if err != nil {
		return nil, err
	}
	action := "member.pdf"
	if col == "signature" {
		action = "member.signature"
	}
	if err := c.d.DB.Tx(ctx, func(tx *sql.Tx) error {
		return c.audit(ctx, tx, viewer, action, "member", id, "application "+app)
	}); err != nil {
		return nil, err
	}
	return b, nil
}

// memberEraseForm shows what erasing a member's personal data removes and
// what stays, with the member number to type (the erase button on the
// member's page leads here; only memberErase acts).
func (c *Console) memberEraseForm(w http.ResponseWriter, r *http.Request, a *auth.Account) {
	c.showMemberErase(w, r, a, r.PathValue("id"), nil)
}

type eraseData struct {
	M *members.MemberDetail
	// Number is the member number as text, what must be typed.
	Number string
	// Apps is the number of applications the member signed (the one the
	// record is linked to and earlier ones): all of them are erased.
	Apps int
	// AppFiles: one of them has a signature or a PDF.
	AppFiles bool
}

// showMemberErase shows the erase confirmation (f: a confirmation come back
// with problems). The page names the member, so it is an opening of the
// record and is recorded as one.
func (c *Console) showMemberErase(w http.ResponseWriter, r *http.Request, a *auth.Account, id string, f *console.Form) {
	m, err := c.reg.LoadMember(r.Context(), a, id, auth.ManageMembers)
	if err != nil {
		c.failErr(w, r, a, err)
		return
	}
	if m.Erased {
		c.failErr(w, r, a, ErrWrongState)
		return
	}
	if err := c.reg.Viewed(r.Context(), a, "member", m.ID); err != nil {
		c.failErr(w, r, a, err)
		return
	}
	status := http.StatusOK
	if f != nil {
		status = f.Status()
	}
	apps, files, err := membership.CountMemberApplications(r.Context(), c.d.DB, m.ID)
	if err != nil {
		c.failErr(w, r, a, err)
		return
	}
	number := strconv.FormatInt(m.Number, 10)
	c.renderForm(w, r, a, status, "member_erase.html", tr(r, "title.member_erase", "number", number),
		eraseData{M: m, Number: number, Apps: apps, AppFiles: files}, f)
}

// memberErase records leaving and erases the personal data, once the
// member number has been typed as shown; anything else shows the
// confirmation again (422) and changes nothing.
func (c *Console) memberErase(w http.ResponseWriter, r *http.Request, a *auth.Account) {
	id := r.PathValue("id")
	f := console.NewForm(r, "erase")
	typed := f.Text("confirm_number", "erase.confirm_field", 20, false, true)
	m, err := c.reg.LoadMember(r.Context(), a, id, auth.ManageMembers)
	if err != nil {
		c.failErr(w, r, a, err)
		return
	}
	if m.Erased {
		f.Clash("", "", "err.wrong_state_now")
		c.showMember(w, r, a, id, f)
		return
	}
	if f.OK() && typed != strconv.FormatInt(m.Number, 10) {
		f.Bad("confirm_number", "erase.confirm_field", "err.erase_number", "number", m.Number)
	}
	if !f.OK() {
		c.showMemberErase(w, r, a, id, f)
		return
	}
	err = c.reg.RecordLeaving(r.Context(), a, id, true)
	if errors.Is(err, ErrWrongState) {
		f.Clash("", "", "err.wrong_state_now")
		c.showMember(w, r, a, id, f)
		return
	}
	if err != nil {
		c.failErr(w, r, a, err)
		return
	}
	redirect(w, r, "/admin/members/"+id, "erased")
}

// applicationDeleteForm shows what deleting an invalid application for good
// removes, with the box to tick (the delete button on the application's
// page leads here; only applicationDelete acts).
func (c *Console) applicationDeleteForm(w http.ResponseWriter, r *http.Request, a *auth.Account) {
	c.showApplicationDelete(w, r, a, r.PathValue("id"), nil)
}

// showApplicationDelete shows the delete confirmation (f: a confirmation
// come back with problems); like the application's page, it is an opening
// of the application and is recorded.
func (c *Console) showApplicationDelete(w http.ResponseWriter, r *http.Request, a *auth.Account, id string, f *console.Form) {
	app, err := c.LoadApplication(r.Context(), id)
	if err != nil {
		c.failErr(w, r, a, err)
		return
	}
	if app.State != StateInvalid {
		c.failErr(w, r, a, ErrWrongState)
		return
	}
	var notes int
	if err := c.d.DB.QueryRow(r.Context(), `SELECT COUNT(*) FROM notes WHERE subject_type = 'application' AND subject_id = ?`, app.ID).Scan(&notes); err != nil {
		c.failErr(w, r, a, err)
		return
	}
	if err := c.reg.Viewed(r.Context(), a, "application", app.ID); err != nil {
		c.failErr(w, r, a, err)
		return
	}
	status := http.StatusOK
	if f != nil {
		status = f.Status()
	}
	c.renderForm(w, r, a, status, "application_delete.html", tr(r, "title.application_delete"),
		map[string]any{"App": app, "Notes": notes}, f)
}

// applicationDelete deletes an invalid application for good once the
// confirmation box is ticked; without it the confirmation comes back (422)
// and nothing changes.
func (c *Console) applicationDelete(w http.ResponseWriter, r *http.Request, a *auth.Account) {
	id := r.PathValue("id")
	f := console.NewForm(r, "delete")
	if r.PostFormValue("confirm") != "yes" {
		f.Bad("confirm", "del.confirm_field", "err.confirm_delete")
		c.showApplicationDelete(w, r, a, id, f)
		return
	}
	err := c.DeleteApplication(r.Context(), a, id)
	if errors.Is(err, ErrWrongState) {
		// Someone re-evaluated it meanwhile: show where it is now.
		f.Clash("", "", "err.wrong_state_now")
		c.showApplication(w, r, a, id, f)
		return
	}
	if err != nil {
		c.failErr(w, r, a, err)
		return
	}
	http.Redirect(w, r, "/admin/applications?state=invalid&done=delete", http.StatusSeeOther)
}
