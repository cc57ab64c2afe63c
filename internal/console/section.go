package console

import (
	"io/fs"
	"net/http"

	"unionhall/internal/auth"
)

// Section is one feature's part of the console: its navigation entries,
// its routes (each with the permission it needs), the permissions it
// declares, and the page templates its handlers render inside the
// console's layout. A feature builds its Section from its own folder
// (events.ConsoleSection) and the wiring hands it to the shell
// (admin.Deps.Sections); the feature never imports the shell.
type Section struct {
	// Name identifies the section (its templates are looked up under it).
	Name string
	// Nav are the section's entries in the console's navigation, shown to
	// whoever holds their permission.
	Nav []Nav
	// Routes are the section's routes; the shell wraps each in the session
	// middleware and its permission check, as its own.
	Routes []Route
	// Permissions are the permissions the section declares (Declare makes
	// them grantable); a route may use these, the shell's own, or
	// auth.SignedIn.
	Permissions []Permission
	// Templates holds the section's page templates (*.html at its root),
	// each defining "content", parsed with the console's layout and its
	// shared templates ("input", "errors", …) and functions.
	Templates fs.FS
	// Flashes are the codes a redirect after the section's POSTs may carry
	// (?done=code), shown as the text "flash.<code>".
	Flashes []string
}

// Nav is one navigation entry: a link shown to holders of Perm, labelled
// with the text Label (a key of the console's texts); Hint, when set, is
// the text the dashboard shows under it.
type Nav struct {
	Href, Perm, Label, Hint string
}

// Route is one console route. Every route names the permission it needs;
// the shell refuses (panics on) a route whose permission is declared by
// nobody, and the route-by-role test walks every route of every section.
type Route struct {
	Method, Pattern, Perm string
	Handler               Handler
}

// Handler answers a console request for the signed-in account a, which the
// shell has checked holds the route's permission (and, for a POST, whose
// form it has parsed, at most 64 KiB). p is the shell, to answer with.
type Handler func(p Page, w http.ResponseWriter, r *http.Request, a *auth.Account)

// Page is what the shell offers a section's handlers: its pages, errors
// and texts, in the request's language.
type Page interface {
	// Render shows the section's template page (a file of its Templates)
	// with title inside the console's layout; f is a submitted form shown
	// again (nil: none), its problems summarised at the top.
	Render(w http.ResponseWriter, r *http.Request, a *auth.Account, status int, page, title string, data any, f *Form)
	// Fail shows an error page with the text key.
	Fail(w http.ResponseWriter, r *http.Request, a *auth.Account, status int, key string, args ...any)
	// FailErr maps a common error (not found, wrong state, …) to its
	// answer, logging an unknown one (without personal data).
	FailErr(w http.ResponseWriter, r *http.Request, a *auth.Account, err error)
	// FailForm answers a form's problems on a plain error page, for an
	// account that may not see the form's own page.
	FailForm(w http.ResponseWriter, r *http.Request, a *auth.Account, f *Form)
}

// Permission is a permission a section declares, with its label per
// language (shown on the accounts page and in `admin create`'s errors).
type Permission struct {
	Name  string
	Label map[string]string // by language: "cs", "en"
}

// Declare makes permissions grantable (auth.DeclareRole) and adds their
// labels to the console's texts ("role.<name>"). A feature calls it from
// init, so every binary that links the feature — the server, and
// `unionhall admin create --role` — accepts them.
func Declare(owner string, perms ...Permission) {
	cat := map[string]map[string]string{}
	for _, p := range perms {
		auth.DeclareRole(p.Name)
		for lang, label := range p.Label {
			if cat[lang] == nil {
				cat[lang] = map[string]string{}
			}
			cat[lang]["role."+p.Name] = label
		}
	}
	AddTexts(owner, cat)
}

// Redirect answers a POST with 303 to to, with the flash code done ("":
// none) in the query: only a code, never personal data.
func Redirect(w http.ResponseWriter, r *http.Request, to, done string) {
	if done != "" {
		to += "?done=" + done
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}
