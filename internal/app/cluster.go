package app

import "unionhall/internal/changes"

// subscribeCaches connects every in-process cache that holds data from the
// database to the change bus, so a change made through any process on a
// shared PostgreSQL database reaches them all (see internal/changes and
// docs/operations.md, "Several processes"). Caches built only from the site
// folder (the loaded site, the join form's facts, events' page index) are
// not here: every process watches its own copy of the folder.
//
// The console's name-search cache is not here either: it checks each entry
// against the sealed value it came from on every search, so it cannot go
// stale.
func (a *App) subscribeCaches() {
	// Rendered public pages: an event's "Register" button depends on the
	// stored "closed early" flag.
	a.Changes.Subscribe(changes.TopicSite, a.Site.DropCache)
	// Account e-mails shown as "who did it" in the audit trail.
	a.Changes.Subscribe(changes.TopicAccounts, a.Admin.ForgetActors)
}
