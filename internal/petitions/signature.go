package petitions

import "time"

// Signature statuses.
const (
	StatusPending   = "pending"
	StatusConfirmed = "confirmed"
)

// Signer is what a person gives when signing. It is sealed as one JSON
// blob; only the email's blind index is stored beside it.
type Signer struct {
	Name      string `json:"n"`
	Email     string `json:"e"`
	City      string `json:"c,omitempty"`
	Workplace string `json:"w,omitempty"`
	Comment   string `json:"m,omitempty"`
	// Consent is the signer's agreement to the processing the form
	// describes; a signature without it is never stored.
	Consent bool `json:"k"`
}

// Signature is a stored signature with its personal data opened (Signer
// is empty once erased).
type Signature struct {
	ID         string
	PetitionID string
	Status     string
	// Lang is the page language it was signed in (messages use it).
	Lang   string
	Signer Signer
	// News: the signer opted in to hear about the campaign. ShowName: the
	// signer agreed to show their name and city publicly (and in the
	// delivery PDF). Member: signed with one click by a signed-in member.
	News, ShowName, Member bool
	CreatedAt              time.Time
	ConfirmedAt            time.Time // zero while pending
	Erased                 bool
}

// DayCount is the number of signatures confirmed on one day (site time
// zone, "2006-01-02"). It survives erasure.
type DayCount struct {
	Day       string
	Confirmed int
}
