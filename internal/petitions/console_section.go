package petitions

import (
	"embed"
	"io/fs"

	"unionhall/internal/console"
	"unionhall/internal/web"
)

// The petitions feature's part of the committee's console (console*.go,
// console/*.html, console.json; the delivery PDF is pdf.go, the CSV
// csv.go): the petitions declared in content with their numbers, a
// petition's page (counts per day as a table and a chart, per-city counts,
// the signers), the CSV export and the delivery PDF, closing early and
// reopening, and a message to the confirmed signers. The feature
// contributes its pages, navigation entry and permissions to the console's
// one route table (ConsoleSection) and never imports the console's shell.

// The petitions permissions, declared by the feature (console.Declare).
const (
	// ListPetitions shows the petitions, their counts, the signers with
	// their personal data, the CSV export and the delivery PDF.
	ListPetitions = "list-petitions"
	// ManagePetitions closes a petition early (or reopens it) and writes
	// to its confirmed signers.
	ManagePetitions = "manage-petitions"
)

func init() {
	console.AddTexts("petitions", consoleTexts)
	console.Declare("petitions",
		console.Permission{Name: ListPetitions, Label: map[string]string{
			"en": "See petitions, signers and exports", "cs": "Vidět petice, podpisy a exporty"}},
		console.Permission{Name: ManagePetitions, Label: map[string]string{
			"en": "Close petitions and write to signers", "cs": "Uzavírat petice a psát podepsaným"}})
}

//go:embed console/*.html
var consoleFS embed.FS

// consoleJSON holds the texts of the petitions pages and of the delivery
// PDF and the message footer ("en" and "cs"), joined to the console's
// texts (console.AddTexts), so the pages may use the console's words too
// and the console can show the petitions' flashes and audit codes.
//
//go:embed console.json
var consoleJSON []byte

var consoleTexts = web.MustCatalog("petitions console", consoleJSON)

// ConsoleTexts is the petitions pages' own catalog (for its tests).
func ConsoleTexts() web.Catalog { return consoleTexts }

// consolePages serves the petitions section's console pages.
type consolePages struct{ s *Service }

// ConsoleSection is the petitions feature's section of the console. A
// workplace representative gets none of it: signers belong to no
// workplace.
func (s *Service) ConsoleSection() console.Section {
	cp := &consolePages{s: s}
	tmpl, _ := fs.Sub(consoleFS, "console")
	return console.Section{
		Name:        "petitions",
		Nav:         []console.Nav{{Href: "/admin/petitions", Perm: ListPetitions, Label: "nav.petitions", Hint: "dash.petitions"}},
		Templates:   tmpl,
		Flashes:     petitionFlashes,
		Permissions: []console.Permission{{Name: ListPetitions}, {Name: ManagePetitions}},
		Routes: []console.Route{
			{Method: "GET", Pattern: "/admin/petitions", Perm: ListPetitions, Handler: cp.petitionsList},
			{Method: "GET", Pattern: "/admin/petitions/{id}", Perm: ListPetitions, Handler: cp.petitionPage},
			{Method: "POST", Pattern: "/admin/petitions/{id}/export", Perm: ListPetitions, Handler: cp.petitionExport},
			{Method: "POST", Pattern: "/admin/petitions/{id}/pdf", Perm: ListPetitions, Handler: cp.petitionPDF},
			{Method: "GET", Pattern: "/admin/petitions/{id}/close", Perm: ManagePetitions, Handler: cp.petitionCloseForm},
			{Method: "POST", Pattern: "/admin/petitions/{id}/close", Perm: ManagePetitions, Handler: cp.petitionClose},
			{Method: "POST", Pattern: "/admin/petitions/{id}/message", Perm: ManagePetitions, Handler: cp.petitionMessage},
		},
	}
}
