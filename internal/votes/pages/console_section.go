package pages

import (
	"context"
	"embed"
	"io/fs"
	"time"

	"unionhall/internal/auth"
	"unionhall/internal/console"
	"unionhall/internal/content"
	"unionhall/internal/members"
	"unionhall/internal/votes"
	"unionhall/internal/web"
)

// The votes feature's part of the committee's console (console*.go,
// templates/console/*.html, console.json): the list of votes, the form that
// creates and edits one, its page (what voters will see, turnout, the result
// after the close), scheduling and cancelling. doc.go says why it is built
// so.

// The votes permissions, declared by the feature (console.Declare).
const (
	// ListVotes shows the votes, their turnout (a count, never who) and
	// their results.
	ListVotes = "list-votes"
	// ManageVotes creates, edits, schedules and cancels votes.
	ManageVotes = "manage-votes"
)

func init() {
	console.AddTexts("votes", consoleTexts)
	console.Declare("votes",
		console.Permission{Name: ListVotes, Label: map[string]string{
			"en": "See votes, turnout and results", "cs": "Vidět hlasování, účast a výsledky"}},
		console.Permission{Name: ManageVotes, Label: map[string]string{
			"en": "Create, schedule and cancel votes", "cs": "Vytvářet, plánovat a rušit hlasování"}})
}

//go:embed templates/console/*.html
var consoleFS embed.FS

// consoleJSON holds the texts of the votes pages ("en" and "cs"), joined to
// the console's texts (console.AddTexts), so the pages may use the
// console's words too and the console can show the votes' flashes and
// audit codes.
//
//go:embed console.json
var consoleJSON []byte

var consoleTexts = web.MustCatalog("votes console", consoleJSON)

// ConsoleTexts is the votes pages' own catalog (for tests).
func ConsoleTexts() web.Catalog { return consoleTexts }

// ConsoleVotes is the part of *votes.Service the console uses: it may set
// votes up and read them, never cast or see a ballot.
type ConsoleVotes interface {
	Create(ctx context.Context, actor string, in votes.Input) (string, votes.Problems, error)
	Update(ctx context.Context, actor, id string, in votes.Input) (votes.Problems, error)
	Schedule(ctx context.Context, actor, id string) error
	Unschedule(ctx context.Context, actor, id string) error
	Cancel(ctx context.Context, actor, id, reason string) error
	Get(ctx context.Context, id string) (*votes.Vote, error)
	List(ctx context.Context) ([]votes.Vote, error)
}

// Workplaces lists the registry's workplaces (*members.Registry), for the
// form's "who may vote" checkboxes.
type Workplaces interface {
	ListWorkplaces(ctx context.Context, viewer *auth.Account) ([]members.Workplace, error)
}

// ConsoleDeps is what the console pages need. Votes, Workplaces and Site
// are required to serve; a zero ConsoleDeps still gives the section's
// templates (the console's parse test uses that).
type ConsoleDeps struct {
	Votes      ConsoleVotes
	Workplaces Workplaces
	// Site returns the current site: its languages (a field per language),
	// its time zone (the form's times) and its member-only meeting pages.
	Site func() *content.Site
	Now  func() time.Time
}

// consolePages serves the votes section's console pages.
type consolePages struct{ d ConsoleDeps }

// consoleFlashes are the codes a redirect after the votes' POSTs carries.
var consoleFlashes = []string{"vote_created", "vote_saved", "vote_scheduled", "vote_unscheduled", "vote_cancelled"}

// ConsoleSection is the votes feature's section of the console. A workplace
// representative gets none of it: a vote is the whole union's (or several
// workplaces') business, decided by the committee.
func ConsoleSection(d ConsoleDeps) console.Section {
	if d.Now == nil {
		d.Now = time.Now
	}
	cp := &consolePages{d: d}
	tmpl, _ := fs.Sub(consoleFS, "templates/console")
	return console.Section{
		Name:        "votes",
		Nav:         []console.Nav{{Href: "/admin/votes", Perm: ListVotes, Label: "nav.votes", Hint: "dash.votes"}},
		Templates:   tmpl,
		Flashes:     consoleFlashes,
		Permissions: []console.Permission{{Name: ListVotes}, {Name: ManageVotes}},
		Routes: []console.Route{
			{Method: "GET", Pattern: "/admin/votes", Perm: ListVotes, Handler: cp.votesList},
			{Method: "GET", Pattern: "/admin/votes/new", Perm: ManageVotes, Handler: cp.voteNew},
			{Method: "POST", Pattern: "/admin/votes/new", Perm: ManageVotes, Handler: cp.voteCreate},
			{Method: "GET", Pattern: "/admin/votes/{id}", Perm: ListVotes, Handler: cp.votePage},
			{Method: "GET", Pattern: "/admin/votes/{id}/edit", Perm: ManageVotes, Handler: cp.voteEdit},
			{Method: "POST", Pattern: "/admin/votes/{id}/edit", Perm: ManageVotes, Handler: cp.voteUpdate},
			{Method: "POST", Pattern: "/admin/votes/{id}/schedule", Perm: ManageVotes, Handler: cp.voteSchedule},
			{Method: "POST", Pattern: "/admin/votes/{id}/unschedule", Perm: ManageVotes, Handler: cp.voteUnschedule},
			{Method: "GET", Pattern: "/admin/votes/{id}/cancel", Perm: ManageVotes, Handler: cp.voteCancelForm},
			{Method: "POST", Pattern: "/admin/votes/{id}/cancel", Perm: ManageVotes, Handler: cp.voteCancel},
		},
	}
}

// LazyVotes is the console's votes service looked up at each request: the
// server builds its console before the votes service (which needs the
// member portal, built after the console), so the section is handed a way
// to reach the service rather than the service itself.
func LazyVotes(get func() *votes.Service) ConsoleVotes { return lazyVotes(get) }

type lazyVotes func() *votes.Service

func (l lazyVotes) Create(ctx context.Context, actor string, in votes.Input) (string, votes.Problems, error) {
	return l().Create(ctx, actor, in)
}
func (l lazyVotes) Update(ctx context.Context, actor, id string, in votes.Input) (votes.Problems, error) {
	return l().Update(ctx, actor, id, in)
}
func (l lazyVotes) Schedule(ctx context.Context, actor, id string) error {
	return l().Schedule(ctx, actor, id)
}
func (l lazyVotes) Unschedule(ctx context.Context, actor, id string) error {
	return l().Unschedule(ctx, actor, id)
}
func (l lazyVotes) Cancel(ctx context.Context, actor, id, reason string) error {
	return l().Cancel(ctx, actor, id, reason)
}
func (l lazyVotes) Get(ctx context.Context, id string) (*votes.Vote, error) { return l().Get(ctx, id) }
func (l lazyVotes) List(ctx context.Context) ([]votes.Vote, error)          { return l().List(ctx) }
