package petitions

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"unionhall/internal/auth"
	"unionhall/internal/console"
	"unionhall/internal/db"
	"unionhall/internal/mail"
)

// What the console needs of the store beyond the service's own methods:
// audit entries of its own (a view, an export), and a message written per
// language.

// Limits of a message to signers.
const (
	maxMessageSubject = 200
	maxMessageText    = 10000
)

// consoleAudit records a console action on petition id in its own
// transaction.
func (s *Service) consoleAudit(ctx context.Context, actor *auth.Account, action, id, detail string) error {
	return s.d.DB.Tx(ctx, func(tx *sql.Tx) error { return s.audit(ctx, tx, actor, action, id, detail) })
}

// SignerMessage is a message to a petition's confirmed signers: a subject
// and a text per page language ("cs", "en"…).
type SignerMessage struct {
	Subject, Text map[string]string
}

var (
	errNoRecipients = errors.New("petitions: nobody confirmed can be written to")
	errBadMessage   = errors.New("petitions: a message needs a one-line subject (at most 200 characters) and a text (at most 10,000) for every language someone signed in, without control characters")
)

// messageLang is the version of a message a signer who signed in lang
// gets: their language when the petition has a page in it, else the
// site's default language, else the first of langs.
func messageLang(lang string, langs []string, def string) string {
	switch {
	case slices.Contains(langs, lang):
		return lang
	case slices.Contains(langs, def):
		return def
	case len(langs) > 0:
		return langs[0]
	}
	return lang
}

// petitionLangs are the languages p has a page in, sorted.
func petitionLangs(p Petition) []string {
	var out []string
	for l := range p.Pages {
		out = append(out, l)
	}
	slices.Sort(out)
	return out
}

// defaultLang is the site's default language.
func (s *Service) defaultLang() string {
	if cs := s.d.Site(); cs != nil {
		return cs.DefaultLang
	}
	return "en"
}

// recipientsByLang counts the confirmed, live signers of sigs by the
// version of the message they would get.
func (s *Service) recipientsByLang(p Petition, sigs []Signature) map[string]int {
	by := map[string]int{}
	for _, g := range sigs {
		if reachable(g) {
			by[g.Lang]++
		}
	}
	return s.messageRecipients(p, by)
}

// messageRecipients turns counts by the language people signed in into
// counts by the version of the message they get (messageLang).
func (s *Service) messageRecipients(p Petition, bySignerLang map[string]int) map[string]int {
	langs, def := petitionLangs(p), s.defaultLang()
	out := map[string]int{}
	for lang, n := range bySignerLang {
		out[messageLang(lang, langs, def)] += n
	}
	return out
}

func reachable(g Signature) bool {
	return g.Status == StatusConfirmed && !g.Erased && g.Signer.Email != ""
}

// checkSignerMessage is the store's own check of a message (the form's is
// the same, field by field): every version someone gets is whole and
// clean. Plain text: markup is not refused, it is sent as the characters.
func checkSignerMessage(m SignerMessage, need map[string]int) (SignerMessage, error) {
	out := SignerMessage{Subject: map[string]string{}, Text: map[string]string{}}
	for lang, n := range need {
		if n == 0 {
			continue
		}
		subj, ok1 := console.CleanText(m.Subject[lang], maxMessageSubject, false)
		text, ok2 := console.CleanText(m.Text[lang], maxMessageText, true)
		if !ok1 || !ok2 || subj == "" || text == "" {
			return out, errBadMessage
		}
		out.Subject[lang], out.Text[lang] = subj, text
	}
	return out, nil
}

// MessageSigners queues m to every confirmed signer of p through the
// outbox, each the version of the language they signed in, with a footer
// in that language saying why they get it. All are queued in one
// transaction with the audit entry: everyone gets it or nobody does. It
// returns how many were queued; a failure is recorded afterwards.
func (s *Service) MessageSigners(ctx context.Context, actor *auth.Account, p Petition, m SignerMessage) (int, error) {
	sigs, err := s.Signers(ctx, p.ID)
	if err != nil {
		return 0, err
	}
	need := s.recipientsByLang(p, sigs)
	total := 0
	for _, n := range need {
		total += n
	}
	if total == 0 {
		return 0, errNoRecipients
	}
	m, err = checkSignerMessage(m, need)
	if err != nil {
		return 0, err
	}
	langs, def := petitionLangs(p), s.defaultLang()
	n := 0
	err = s.d.DB.Tx(ctx, func(tx *sql.Tx) error {
		n = 0
		for _, g := range sigs {
			if !reachable(g) {
				continue
			}
			lang := messageLang(g.Lang, langs, def)
			title, url := p.Title, ""
			if pg := p.Pages[lang]; pg != nil {
				title, url = pg.Title, s.d.BaseURL+pg.URL
			}
			text := m.Text[lang] + "\n\n-- \n" + console.T(lang, "pet.mail.footer", "title", title, "url", url)
			if err := s.d.Outbox.Enqueue(ctx, tx, mail.Message{To: g.Signer.Email, Subject: m.Subject[lang], Text: text}); err != nil {
				return fmt.Errorf("queue message: %w", err)
			}
			n++
		}
		var parts []string
		for _, l := range langs {
			if need[l] > 0 {
				parts = append(parts, fmt.Sprintf("%s %d (subject %d, text %d characters)", l, need[l],
					utf8.RuneCountInString(m.Subject[l]), utf8.RuneCountInString(m.Text[l])))
			}
		}
		return s.audit(ctx, tx, actor, "petition.message", p.ID, fmt.Sprintf("%d recipients: %s", n, strings.Join(parts, ", ")))
	})
	if err != nil {
		bg := context.WithoutCancel(ctx)
		if aerr := s.consoleAudit(bg, actor, "petition.message.failed", p.ID, "nothing was queued"); aerr != nil {
			s.log.Error("record failed petition message", "petition", p.ID, "err", aerr)
		}
		return 0, fmt.Errorf("message signers of %s: %w", p.ID, err)
	}
	return n, nil
}

// The petition page's numbers without the whole list. The page shows 200
// signers at a time, but its counts (per city, named, recipients per
// language) are over every confirmed signature. Signers() opens all of
// them in order, and ordering rows that carry sealed blobs makes SQLite
// sort them through a temporary file: with 10,000 signers a page took
// about half a second. So the page reads its counts from the plain columns
// (language, show_name, status), opens only the confirmed rows' sealed data
// for the cities, unordered, and fetches the one page of signers it shows.

// pageSummary is what the petition page counts over all signatures.
type pageSummary struct {
	Named      int            // confirmed, agreed to be named
	Recipients map[string]int // confirmed and not erased, by the language they signed in
	Cities     []cityCount
	Others     int // in cities under minCityCount
	NoCity     int
	Total      int // signatures of every status
}

// summary counts p's signatures for the petition page.
func (s *Service) summary(ctx context.Context, p Petition) (pageSummary, error) {
	sum := pageSummary{Recipients: map[string]int{}}
	rows, err := s.d.DB.Query(ctx, `SELECT status, lang, show_name, erased_at IS NULL, COUNT(*) FROM petition_signatures
		WHERE petition_id = ? GROUP BY status, lang, show_name, erased_at IS NULL`, p.ID)
	if err != nil {
		return sum, fmt.Errorf("petition summary: %w", err)
	}
	for rows.Next() {
		var status, lang string
		var named, live bool
		var n int
		if err := rows.Scan(&status, &lang, &named, &live, &n); err != nil {
			rows.Close()
			return sum, fmt.Errorf("petition summary: %w", err)
		}
		sum.Total += n
		if status != StatusConfirmed {
			continue
		}
		if named && live && p.Decl.PublicNames {
			sum.Named += n
		}
		if live {
			sum.Recipients[lang] += n
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return sum, fmt.Errorf("petition summary: %w", err)
	}
	// The cities: only confirmed, live rows' sealed data, in no order.
	rows, err = s.d.DB.Query(ctx, `SELECT id, data FROM petition_signatures
		WHERE petition_id = ? AND status = ? AND data IS NOT NULL`, p.ID, StatusConfirmed)
	if err != nil {
		return sum, fmt.Errorf("petition cities: %w", err)
	}
	defer rows.Close()
	var sigs []Signature
	for rows.Next() {
		var id string
		var data []byte
		if err := rows.Scan(&id, &data); err != nil {
			return sum, fmt.Errorf("petition cities: %w", err)
		}
		var g Signature
		if err := s.d.Keys.OpenJSON(data, dataAAD(id), &g.Signer); err != nil {
			return sum, fmt.Errorf("open signature %s: %w", id, err)
		}
		// Only the city is kept: the rest of the person is not needed here.
		sigs = append(sigs, Signature{Status: StatusConfirmed, Signer: Signer{City: g.Signer.City}})
	}
	if err := rows.Err(); err != nil {
		return sum, fmt.Errorf("petition cities: %w", err)
	}
	sum.Cities, sum.Others, sum.NoCity = cityCounts(sigs)
	return sum, nil
}

// signersPage is one page of p's signatures with their personal data
// opened, as Signers orders them (confirmed first, by confirmation, then
// by signing): offset and limit in that order.
func (s *Service) signersPage(ctx context.Context, id string, offset, limit int) ([]Signature, error) {
	rows, err := s.d.DB.Query(ctx, `SELECT id, status, lang, member, show_name, news, data, created_at, confirmed_at, erased_at
		FROM petition_signatures WHERE petition_id = ?
		ORDER BY CASE WHEN status = 'confirmed' THEN 0 ELSE 1 END, confirmed_at, created_at, id LIMIT ? OFFSET ?`, id, limit, offset)
	if err != nil {
		return nil, fmt.Errorf("petition signers page: %w", err)
	}
	defer rows.Close()
	var out []Signature
	for rows.Next() {
		var g Signature
		var data []byte
		var created db.Time
		var confirmed, erased sql.Null[db.Time]
		if err := rows.Scan(&g.ID, &g.Status, &g.Lang, &g.Member, &g.ShowName, &g.News, &data, &created, &confirmed, &erased); err != nil {
			return nil, fmt.Errorf("petition signers page: %w", err)
		}
		g.PetitionID, g.CreatedAt, g.Erased = id, created.Time, erased.Valid
		if confirmed.Valid {
			g.ConfirmedAt = confirmed.V.Time
		}
		if data != nil {
			if err := s.d.Keys.OpenJSON(data, dataAAD(g.ID), &g.Signer); err != nil {
				return nil, fmt.Errorf("open signature %s: %w", g.ID, err)
			}
		}
		out = append(out, g)
	}
	return out, rows.Err()
}
