package admin

import (
	"errors"
	"net/http"

	"unionhall/internal/auth"
	"unionhall/internal/console"
)

// Accounts: who may use the console. Only super-powers holders manage them;
// a new account gets its first sign-in link by email.

func (c *Console) accounts(w http.ResponseWriter, r *http.Request, a *auth.Account) {
	c.showAccounts(w, r, a, nil)
}

// showAccounts shows the accounts page (f: the invitation or one
// account's roles come back with problems).
func (c *Console) showAccounts(w http.ResponseWriter, r *http.Request, a *auth.Account, f *console.Form) {
	accts, err := c.d.Auth.Accounts(r.Context())
	if err != nil {
		c.failErr(w, r, a, err)
		return
	}
	wps, err := c.reg.ListWorkplaces(r.Context(), a)
	if err != nil {
		c.failErr(w, r, a, err)
		return
	}
	names := map[string]string{}
	for _, wp := range wps {
		names[wp.ID] = wp.Name
	}
	status := http.StatusOK
	if f != nil {
		status = f.Status()
	}
	c.renderForm(w, r, a, status, "accounts.html", tr(r, "nav.accounts"), map[string]any{
		"List": accts, "Roles": auth.Roles, "Workplaces": wps, "Names": names, "Me": a.ID}, f)
}

func (c *Console) accountInvite(w http.ResponseWriter, r *http.Request, a *auth.Account) {
	f := console.NewForm(r, "invite")
	// The console checks the characters itself, so the message can say
	// what is wrong; internal/auth checks the address's form.
	email := f.Text("email", "acc.email", console.MaxEmail, false, true)
	if f.OK() {
		// The context carries the inviting member's language (guard's
		// auth.WithLang) for the invitation email: the new account has no
		// choice of its own yet.
		_, err := c.d.Auth.Invite(r.Context(), a.ID, email, r.PostForm["role"], r.PostForm["workplace"])
		switch {
		case errors.Is(err, auth.ErrExists):
			f.Clash("email", "acc.email", "err.account_exists")
		case errors.Is(err, auth.ErrBadEmail):
			f.Bad("email", "acc.email", "err.account_email")
		case errors.Is(err, auth.ErrBadRole):
			f.Bad("invite-roles", "acc.roles", "err.account_role")
		case errors.Is(err, auth.ErrBadWorkpl):
			f.Bad("invite-workplaces", "acc.represents_legend", "err.account_workplace")
		case err != nil:
			c.failErr(w, r, a, err)
			return
		default:
			redirect(w, r, "/admin/accounts", "invited")
			return
		}
	}
	c.showAccounts(w, r, a, f)
}

func (c *Console) accountRoles(w http.ResponseWriter, r *http.Request, a *auth.Account) {
	id := r.PathValue("id")
	roles := r.PostForm["role"]
	f := console.NewForm(r, "roles-"+id)
	// Nobody takes the key away from themselves by mistake.
	if id == a.ID && !contains(roles, auth.SuperPowers) {
		f.Clash("roles-"+id, "acc.roles", "err.own_super")
	} else {
		err := c.d.Auth.SetRoles(r.Context(), a.ID, id, roles)
		switch {
		case errors.Is(err, auth.ErrBadRole):
			f.Bad("roles-"+id, "acc.roles", "err.account_role")
		case err != nil:
			c.failErr(w, r, a, err)
			return
		default:
			redirect(w, r, "/admin/accounts", "roles")
			return
		}
	}
	c.showAccounts(w, r, a, f)
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
