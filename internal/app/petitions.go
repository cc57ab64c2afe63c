package app

import (
	"errors"
	"net/http"

	"unionhall/internal/petitions"
	"unionhall/internal/portal"
)

// petitionMembers is the member signed in to the portal, for a petition's
// one-click signature: their name, address and city from the registry.
// The registry is read only when the request carries a member session, so
// a visitor's page view costs nothing more.
func petitionMembers(a *App) petitions.Members {
	// a.Members exists when this is called (app.go makes it first).
	reg := portal.NewRegistry(a.Members, a.DB, a.Keys)
	return func(r *http.Request) (petitions.MemberSigner, bool, error) {
		if a.Portal == nil {
			return petitions.MemberSigner{}, false, nil
		}
		id, err := a.Portal.MemberID(r)
		if err != nil || id == "" {
			return petitions.MemberSigner{}, false, err
		}
		m, err := reg.Member(r.Context(), id)
		if errors.Is(err, portal.ErrNoMember) || err == nil && (m.Erased || m.Contact.Email == "") {
			return petitions.MemberSigner{}, false, nil
		}
		if err != nil {
			return petitions.MemberSigner{}, false, err
		}
		return petitions.MemberSigner{ID: m.ID, Name: m.Contact.Name(), Email: m.Contact.Email, City: m.Contact.City}, true, nil
	}
}
