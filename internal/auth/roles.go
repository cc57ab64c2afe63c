package auth

import (
	"slices"
	"strings"
)

// Permissions. An account holds a set of them (its "roles"); every console
// route names exactly one. These are the console's own; a feature declares
// its own from its folder (console.Declare).
const (
	ListApplications    = "list-applications"
	ViewApplication     = "view-application"
	ResolveApplications = "resolve-applications"
	ListMembers         = "list-members"
	ViewMember          = "view-member"
	ManageMembers       = "manage-members"
	ListWorkplaces      = "list-workplaces"
	ManageWorkplaces    = "manage-workplaces"
	SuperPowers         = "super-powers"

	// SignedIn is met by every signed-in account (the dashboard, sign out).
	// It is not a role that can be granted.
	SignedIn = "signed-in"
)

// Roles lists the grantable permissions, in display order: the
// console's own here, and the features' as they declare them
// (DeclareRole, from console.Declare; events adds list-events and
// manage-events).
var Roles = []string{
	ListApplications, ViewApplication, ResolveApplications,
	ListMembers, ViewMember, ManageMembers,
	ListWorkplaces, ManageWorkplaces,
	SuperPowers,
}

// DeclareRole adds a feature's permission to Roles (before super-powers,
// which stays last), once. Features declare theirs from init
// (console.Declare), before anything reads Roles, so Roles needs no lock.
func DeclareRole(name string) {
	if name == "" || name == SignedIn || slices.Contains(Roles, name) {
		return
	}
	i := slices.Index(Roles, SuperPowers)
	if i < 0 {
		i = len(Roles)
	}
	Roles = slices.Insert(Roles, i, name)
}

// ValidRole reports whether r is a grantable permission.
func ValidRole(r string) bool { return slices.Contains(Roles, r) }

// repPermissions are what a workplace representative may do without holding
// the role, limited to the members of their own workplaces (see Scoped).
var repPermissions = []string{ListMembers, ViewMember, ListWorkplaces}

// Account is a signed-in console user.
type Account struct {
	ID    string
	Email string
	Roles []string
	// Workplaces are the ids of the workplaces this account represents.
	Workplaces []string
	// Lang is the console language the account chose, "" to follow the
	// browser (see Service.Lang).
	Lang string
	// sessionHash identifies the current session, for signing out.
	sessionHash []byte
}

// Has reports whether the account holds permission p as a role.
func (a *Account) Has(p string) bool {
	if a == nil {
		return false
	}
	return slices.Contains(a.Roles, p)
}

// Can reports whether the account may use a route that needs permission p:
// it holds the role, or p is one a workplace representative gets for their
// own workplaces. Can is only the route check; queries must still apply
// Scoped so that a representative sees only their workplaces' records.
func (a *Account) Can(p string) bool {
	if a == nil {
		return false
	}
	if p == SignedIn || a.Has(p) {
		return true
	}
	return len(a.Workplaces) > 0 && slices.Contains(repPermissions, p)
}

// Scoped reports whether, for permission p, the account sees only the
// records of its own workplaces (it is a representative without the role).
func (a *Account) Scoped(p string) bool {
	return a != nil && !a.Has(p) && len(a.Workplaces) > 0
}

// Represents reports whether the account represents workplace id.
func (a *Account) Represents(id string) bool {
	return a != nil && slices.Contains(a.Workplaces, id)
}

func joinRoles(r []string) string { return strings.Join(r, " ") }

func splitRoles(s string) []string { return strings.Fields(s) }
