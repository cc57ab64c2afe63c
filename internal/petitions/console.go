package petitions

// The petitions pages of the console (issue 11, item 3; the section is
// console_section.go, the handlers console_handlers.go).
//
// Why it is built so:
//
//   - The store is the service's (store.go); the console checks roles,
//     validates input, audits and renders. What the console needs beyond
//     the service's exported methods — the per-language message, the
//     audit entries of views and exports, the page's counts and its one
//     page of signers (read without opening and sorting every sealed row)
//     — is console_store.go.
//   - The delivery PDF (pdf.go) names only confirmed signers who agreed to
//     be named, on a petition that lets them agree (publicNames); the
//     rest are counted. The CSV (csv.go) has a byte-order mark for
//     spreadsheet programs and defuses formula cells.
//   - Petition ids are content's ([a-z0-9_-], at most 64) and are already
//     public in the petition's embed and count.json URLs, so console URLs
//     use them as they are; a signature is never addressed by URL.
//   - list-petitions sees the counts, the signers decrypted, the CSV and
//     the delivery PDF; manage-petitions closes early, reopens and writes
//     to the confirmed signers. A workplace representative gets neither.
//   - Auditing: opening the signers list, every CSV and PDF, closing,
//     reopening and every message are in the audit trail. Data that leaves
//     the system (an export, a message) is recorded before it leaves: an
//     action that cannot be recorded is not taken. Details hold counts and
//     languages, never a name, an address or the message text.
//   - Per-city counts are shown only for cities with at least five
//     confirmed signatures (minCityCount): a city with one or two signers
//     would point at the person in a small town, and the chart is seen by
//     more people than those who need the list. The rest is one line, "other
//     cities".
//   - The message goes to confirmed signers only (a pending address was
//     never shown to be the signer's), each in the language they signed in:
//     the form has a subject and text per language of the petition, required
//     for every language someone signed in, and the footer telling why they
//     get it is in that language too.

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"unionhall/internal/members"
)

// minCityCount is the smallest number of confirmed signatures from one city
// that the console names the city for.
const minCityCount = 5

// signersPerPage bounds the signers table of one page: a viral petition
// has tens of thousands, and the CSV has them all.
const signersPerPage = 200

// cityCount is one line of the per-city table.
type cityCount struct {
	City string
	N    int
}

// cityCounts counts confirmed signatures per city (letters compared
// without case and accents: "Brno", "brno" and "BRNO" are one city, shown
// in its most common spelling), keeping the cities with at least
// minCityCount; others is what the rest add up to, unknown the confirmed
// signatures without a city (or erased).
func cityCounts(sigs []Signature) (shown []cityCount, others, unknown int) {
	type acc struct {
		n        int
		spelling map[string]int
	}
	by := map[string]*acc{}
	for _, g := range sigs {
		if g.Status != StatusConfirmed {
			continue
		}
		c := strings.Join(strings.Fields(g.Signer.City), " ")
		if c == "" {
			unknown++
			continue
		}
		k := members.Fold(c)
		a := by[k]
		if a == nil {
			a = &acc{spelling: map[string]int{}}
			by[k] = a
		}
		a.n++
		a.spelling[c]++
	}
	for _, a := range by {
		if a.n < minCityCount {
			others += a.n
			continue
		}
		best, bn := "", 0
		for s, n := range a.spelling {
			if n > bn || n == bn && s < best {
				best, bn = s, n
			}
		}
		shown = append(shown, cityCount{best, a.n})
	}
	slices.SortFunc(shown, func(x, y cityCount) int {
		return cmp.Or(cmp.Compare(y.N, x.N), strings.Compare(members.Fold(x.City), members.Fold(y.City)))
	})
	return shown, others, unknown
}

// today is now's day in the site's zone ("2006-01-02"), as the store
// writes days.
func (s *Service) today() string { return s.now().In(s.loc()).Format(time.DateOnly) }

// deliverySigners are the named signers of the delivery PDF: confirmed,
// not erased, and agreed to be named — only when the petition lets signers
// agree (publicNames); in signing order.
func deliverySigners(p Petition, sigs []Signature) []DeliverySigner {
	if !p.Decl.PublicNames {
		return nil
	}
	var out []DeliverySigner
	for _, g := range sigs {
		if g.Status == StatusConfirmed && g.ShowName && !g.Erased && g.Signer.Name != "" {
			out = append(out, DeliverySigner{Name: g.Signer.Name, City: g.Signer.City})
		}
	}
	return out
}

// csvHeader is the export's header (English column names, like the other
// exports: stable for scripts, whatever the organiser's language).
var csvHeader = []string{"status", "name", "email", "city", "workplace", "comment", "language",
	"show_name", "campaign_news", "member", "signed_at", "confirmed_at"}

// csvRows are the export's rows: every signature, confirmed first.
func (s *Service) csvRows(sigs []Signature) [][]string {
	loc := s.loc()
	at := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(loc).Format("2006-01-02 15:04")
	}
	yes := func(b bool) string {
		if b {
			return "yes"
		}
		return "no"
	}
	out := make([][]string, 0, len(sigs))
	for _, g := range sigs {
		status := g.Status
		if g.Erased {
			status = "erased"
		}
		out = append(out, []string{status, g.Signer.Name, g.Signer.Email, g.Signer.City, g.Signer.Workplace, g.Signer.Comment, g.Lang,
			yes(g.ShowName), yes(g.News), yes(g.Member), at(g.CreatedAt), at(g.ConfirmedAt)})
	}
	return out
}
