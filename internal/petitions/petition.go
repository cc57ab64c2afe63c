package petitions

import (
	"strings"
	"time"

	"unionhall/internal/content"
)

// Petition is a petition as declared in content together with its stored
// state. Page is the page in the language asked for (falling back to the
// site's default language); Pages holds every language version.
type Petition struct {
	ID    string
	Decl  content.PetitionDecl
	Page  *content.Page
	Pages map[string]*content.Page
	// Title is Page's title.
	Title string
	// Closes is the declared closing time (zero: open until closed early).
	Closes time.Time
	// ClosedEarly is when an organiser closed it (zero: not closed early);
	// ClosedBy is their account id.
	ClosedEarly time.Time
	ClosedBy    string
	// Confirmed signatures count; Pending wait for their email to be
	// confirmed and never count.
	Confirmed, Pending int
	// EraseAt is when the signers' personal data is due to be erased (zero
	// while open); ErasedAt when it was.
	EraseAt, ErasedAt time.Time
}

// ClosedAt is when signing ended or will end: the early close, else the
// declared closing time; zero while open with no closing time.
func (p Petition) ClosedAt() time.Time {
	if !p.ClosedEarly.IsZero() && (p.Closes.IsZero() || p.ClosedEarly.Before(p.Closes)) {
		return p.ClosedEarly
	}
	return p.Closes
}

// Open reports whether it takes signatures at now.
func (p Petition) Open(now time.Time) bool {
	if !p.ClosedEarly.IsZero() {
		return false
	}
	return p.Closes.IsZero() || now.Before(p.Closes)
}

// Erased reports whether the signers' personal data is gone.
func (p Petition) Erased() bool { return !p.ErasedAt.IsZero() }

// Field reports whether the form asks for name (city, workplace, comment)
// and whether it is required.
func (p Petition) Field(name string) (asked, required bool) {
	for _, f := range p.Decl.Fields {
		if f.Name == name {
			return true, f.Required
		}
	}
	return false, false
}

// ID is the petition id a page declares: the declared id, else the page's
// translation key (its path under content/, shared by the cs and en
// versions) without a leading "petitions/" and with slashes turned into
// dashes, so it fits in one URL segment: content/petitions/rent/index.cs.md
// is "rent"; "" when the page declares no petition.
func ID(p *content.Page) string {
	if p == nil || p.Petition == nil {
		return ""
	}
	if p.Petition.ID != "" {
		return p.Petition.ID
	}
	k := strings.ToLower(strings.Trim(p.TranslationKey, "/"))
	k = strings.TrimPrefix(k, "petitions/")
	k = strings.NewReplacer("/", "-", " ", "-").Replace(k)
	if k == "" {
		k = "petition"
	}
	return k
}
