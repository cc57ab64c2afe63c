package events

import (
	"context"
	"database/sql"
	"embed"
	"io/fs"

	"unionhall/internal/auth"
	"unionhall/internal/console"
	"unionhall/internal/web"
)

// The events feature's part of the committee's console (console.go,
// console_handlers.go, console/*.html): the events with built-in
// registration, their registrants, check-in at the door, the CSV export,
// messages and closing registration early. The feature contributes its
// pages, navigation entry and permissions to the console's one route table
// (ConsoleSection) and never imports the console: the shell
// (internal/admin) walks the sections the wiring gives it.

// The events permissions, declared by the feature (console.Declare).
const (
	// ListEvents shows the events with built-in registration: counts,
	// registrants with their personal data, the CSV export and check-in.
	ListEvents = "list-events"
	// ManageEvents closes or reopens registration early and messages an
	// event's registrants.
	ManageEvents = "manage-events"
)

func init() {
	console.AddTexts("events", consoleTexts)
	console.Declare("events",
		console.Permission{Name: ListEvents, Label: map[string]string{
			"en": "See events, registrants and check-in", "cs": "Vidět akce, registrované a prezenci"}},
		console.Permission{Name: ManageEvents, Label: map[string]string{
			"en": "Manage events", "cs": "Spravovat akce"}})
}

//go:embed console/*.html
var consoleFS embed.FS

// consoleJSON holds the texts of the events pages ("en" and "cs"), joined
// to the console's texts (console.AddTexts), so the pages may use the
// console's words too and the console can show the events' flashes.
//
//go:embed console.json
var consoleJSON []byte

var consoleTexts = web.MustCatalog("events console", consoleJSON)

// ConsoleTexts is the events pages' own catalog (for its tests).
func ConsoleTexts() web.Catalog { return consoleTexts }

// consolePages serves the events section's console pages.
type consolePages struct{ s *Service }

// ConsoleSection is the events feature's section of the console. A
// workplace representative gets none of it: event registrants belong to no
// workplace.
func (s *Service) ConsoleSection() console.Section {
	cp := &consolePages{s: s}
	tmpl, _ := fs.Sub(consoleFS, "console")
	return console.Section{
		Name:        "events",
		Nav:         []console.Nav{{Href: "/admin/events", Perm: ListEvents, Label: "nav.events", Hint: "dash.events"}},
		Templates:   tmpl,
		Flashes:     eventFlashes,
		Permissions: []console.Permission{{Name: ListEvents}, {Name: ManageEvents}},
		Routes: []console.Route{
			{Method: "GET", Pattern: "/admin/events", Perm: ListEvents, Handler: cp.eventsList},
			{Method: "GET", Pattern: "/admin/events/{id}", Perm: ListEvents, Handler: cp.eventPage},
			{Method: "GET", Pattern: "/admin/events/{id}/door", Perm: ListEvents, Handler: cp.eventDoor},
			{Method: "POST", Pattern: "/admin/events/{id}/door", Perm: ListEvents, Handler: cp.eventDoor},
			{Method: "POST", Pattern: "/admin/events/{id}/checkin", Perm: ListEvents, Handler: cp.eventCheckIn},
			{Method: "POST", Pattern: "/admin/events/{id}/export", Perm: ListEvents, Handler: cp.eventExport},
			{Method: "POST", Pattern: "/admin/events/{id}/close", Perm: ManageEvents, Handler: cp.eventClose},
			{Method: "POST", Pattern: "/admin/events/{id}/message", Perm: ManageEvents, Handler: cp.eventMessage},
		},
	}
}

// consoleAudit writes the console's audit entry of an events action
// inside tx (auth.Audit, the one trail).
func consoleAudit(ctx context.Context, s *Service, tx *sql.Tx, actor *auth.Account, action, typ, id, detail string) error {
	return auth.Audit(ctx, s.d.DB, tx, auth.Entry{At: s.now(), ActorID: actor.ID, Action: action, SubjectType: typ, SubjectID: id, Detail: detail})
}
