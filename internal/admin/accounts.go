package admin

import (
	"net/http"

	"unionhall/internal/auth"
)

// Accounts: who may use the console. Only super-powers holders manage them;
// a new account gets its first sign-in link by email.

func (c *Console) accounts(w http.ResponseWriter, r *http.Request, a *auth.Account) {
	accts, err := c.d.Auth.Accounts(r.Context())
	if err != nil {
		c.failErr(w, r, a, err)
		return
	}
	wps, err := c.ListWorkplaces(r.Context(), a)
	if err != nil {
		c.failErr(w, r, a, err)
		return
	}
	names := map[string]string{}
	for _, wp := range wps {
		names[wp.ID] = wp.Name
	}
	c.render(w, r, a, http.StatusOK, "accounts.html", tr(r, "nav.accounts"), map[string]any{
		"List": accts, "Roles": auth.Roles, "Workplaces": wps, "Names": names, "Me": a.ID})
}

func (c *Console) accountInvite(w http.ResponseWriter, r *http.Request, a *auth.Account) {
	// The context carries the inviting member's language (guard's
	// auth.WithLang) for the invitation email: the new account has no
	// choice of its own yet.
	if _, err := c.d.Auth.Invite(r.Context(), a.ID, r.PostFormValue("email"), r.PostForm["role"], r.PostForm["workplace"]); err != nil {
		c.failErr(w, r, a, err)
		return
	}
	redirect(w, r, "/admin/accounts", "invited")
}

func (c *Console) accountRoles(w http.ResponseWriter, r *http.Request, a *auth.Account) {
	id := r.PathValue("id")
	roles := r.PostForm["role"]
	// Nobody takes the key away from themselves by mistake.
	if id == a.ID && !contains(roles, auth.SuperPowers) {
		c.fail(w, r, a, http.StatusConflict, "err.own_super")
		return
	}
	if err := c.d.Auth.SetRoles(r.Context(), a.ID, id, roles); err != nil {
		c.failErr(w, r, a, err)
		return
	}
	redirect(w, r, "/admin/accounts", "roles")
}

func (c *Console) accountDisable(w http.ResponseWriter, r *http.Request, a *auth.Account) {
	id := r.PathValue("id")
	if id == a.ID {
		c.fail(w, r, a, http.StatusConflict, "err.own_disable")
		return
	}
	if err := c.d.Auth.Disable(r.Context(), a.ID, id); err != nil {
		c.failErr(w, r, a, err)
		return
	}
	redirect(w, r, "/admin/accounts", "disabled")
}
