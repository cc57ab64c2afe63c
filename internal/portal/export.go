package portal

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"

	"unionhall/internal/db"
	"unionhall/internal/events"
	"unionhall/internal/membership/applicationpdf"
)

// ExportFormat and ExportVersion identify the JSON export
// (docs/member-export.md). Field names are stable: a new field may be
// added within a version; renaming or removing one makes a new version.
const (
	ExportFormat  = "unionhall-member-export"
	ExportVersion = 1
)

// Export is everything the union holds about one member.
type Export struct {
	Format      string                      `json:"format"`
	Version     int                         `json:"version"`
	GeneratedAt time.Time                   `json:"generated_at"`
	Membership  ExportMember                `json:"membership"`
	Contact     Contact                     `json:"contact"`
	Workplaces  []string                    `json:"workplaces"`
	Occupations []Occupation                `json:"occupations"`
	Application *ExportApplication          `json:"application"`
	Events      []events.MemberRegistration `json:"event_registrations"`
	Consents    []ExportConsent             `json:"consents"`
	Notes       []Note                      `json:"committee_notes"`
	History     []ExportEvent               `json:"history"`
}

// ExportMember is the membership itself.
type ExportMember struct {
	Number           int64      `json:"member_number"`
	VariableSymbol   string     `json:"variable_symbol"`
	Language         string     `json:"preferred_language"`
	JoinedAt         time.Time  `json:"joined_at"`
	OnboardedAt      *time.Time `json:"onboarded_at"`
	LeftAt           *time.Time `json:"left_at"`
	LeaveRequestedAt *time.Time `json:"leave_requested_at"`
	EraseDueAt       *time.Time `json:"erase_due_at"`
}

// ExportApplication is the signed application the record is linked to.
type ExportApplication struct {
	SignedAt *time.Time `json:"signed_at"`
	// PDF is the signed application as the member received it (base64 in
	// JSON); null once erased.
	PDF []byte `json:"pdf"`
}

// ExportConsent is one thing the member agreed to.
type ExportConsent struct {
	Kind    string     `json:"kind"` // membership_application | event_registration
	Subject string     `json:"subject"`
	GivenAt *time.Time `json:"given_at"`
}

// ExportEvent is one line of the audit trail about the member: what
// happened and when, and whether the member, the committee or the
// retention job did it (committee members are not named).
type ExportEvent struct {
	At     time.Time `json:"at"`
	Action string    `json:"action"`
	By     string    `json:"by"` // member | committee | retention
}

// BuildExport gathers the export of member id in lang (event titles).
func (s *Service) BuildExport(ctx context.Context, id, lang string) (*Export, error) {
	m, err := s.d.Registry.Member(ctx, id)
	if err != nil {
		return nil, err
	}
	x := &Export{Format: ExportFormat, Version: ExportVersion, GeneratedAt: s.d.Now().UTC(), Contact: m.Contact,
		Workplaces: m.Workplaces, Occupations: m.Occupations,
		Membership: ExportMember{Number: m.Number, VariableSymbol: strconv.FormatInt(m.Number, 10), Language: m.Lang,
			JoinedAt: m.JoinedAt, OnboardedAt: m.OnboardedAt, LeftAt: m.LeftAt, LeaveRequestedAt: m.LeaveRequestedAt, EraseDueAt: s.eraseDue(m)}}
	if x.Workplaces == nil {
		x.Workplaces = []string{}
	}
	if x.Occupations == nil {
		x.Occupations = []Occupation{}
	}
	if m.ApplicationID != "" {
		x.Application = &ExportApplication{SignedAt: m.AppliedAt}
		pdf, err := s.d.Registry.ApplicationPDF(ctx, id)
		if err != nil && !errors.Is(err, ErrNoFile) {
			return nil, err
		}
		x.Application.PDF = pdf
		x.Consents = append(x.Consents, ExportConsent{Kind: "membership_application", Subject: "statutes and membership records", GivenAt: m.AppliedAt})
	}
	if x.Events, err = s.registrationsOf(ctx, m, lang); err != nil {
		return nil, err
	}
	for _, e := range x.Events {
		at := e.Registered
		x.Consents = append(x.Consents, ExportConsent{Kind: "event_registration", Subject: e.Title, GivenAt: &at})
	}
	if x.Events == nil {
		x.Events = []events.MemberRegistration{}
	}
	if x.Consents == nil {
		x.Consents = []ExportConsent{}
	}
	if x.Notes, err = s.d.Registry.Notes(ctx, id); err != nil {
		return nil, err
	}
	if x.Notes == nil {
		x.Notes = []Note{}
	}
	if x.History, err = s.history(ctx, id); err != nil {
		return nil, err
	}
	return x, nil
}

// eraseDue is when a member who left is to be erased, nil before leaving.
func (s *Service) eraseDue(m *Member) *time.Time {
	if m.LeftAt == nil || m.Erased {
		return nil
	}
	t := m.LeftAt.Add(s.d.EraseAfter)
	return &t
}

func (s *Service) registrationsOf(ctx context.Context, m *Member, lang string) ([]events.MemberRegistration, error) {
	if s.d.Events == nil || m.Erased || m.Contact.Email == "" {
		return nil, nil
	}
	return s.d.Events.RegistrationsOf(ctx, m.Contact.Email, lang)
}

// history reads the audit trail about member id.
func (s *Service) history(ctx context.Context, id string) ([]ExportEvent, error) {
	rows, err := s.d.DB.Query(ctx, `SELECT at, actor_id, action FROM audit WHERE subject_type = 'member' AND subject_id = ? ORDER BY at, id`, id)
	if err != nil {
		return nil, fmt.Errorf("history of member: %w", err)
	}
	defer rows.Close()
	out := []ExportEvent{}
	for rows.Next() {
		var at db.Time
		var actor string
		var e ExportEvent
		if err := rows.Scan(&at, &actor, &e.Action); err != nil {
			return nil, fmt.Errorf("history of member: %w", err)
		}
		e.At = at.Time
		switch {
		case strings.HasPrefix(actor, "member:"):
			e.By = "member"
		case actor == RetentionActor:
			e.By = RetentionActor
		default:
			e.By = "committee"
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// exported records an export in the audit trail; the file goes out only
// once the entry is written.
func (s *Service) exported(ctx context.Context, id, format string) error {
	return s.d.DB.Tx(ctx, func(tx *sql.Tx) error { return s.audit(ctx, tx, id, "member.export", format) })
}

func (s *Service) handleExportJSON(w http.ResponseWriter, r *http.Request, lang string, me *signedIn) {
	x, err := s.BuildExport(r.Context(), me.ID, lang)
	var b []byte
	if err == nil {
		b, err = json.MarshalIndent(x, "", "  ")
	}
	if err == nil {
		err = s.exported(r.Context(), me.ID, "json")
	}
	if err != nil {
		s.log.Error("member export", "format", "json", "err", err)
		s.failed(w, r, lang)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="`+T(lang, "export.filename")+`.json"`)
	w.Write(append(b, '\n'))
}

func (s *Service) handleExportPDF(w http.ResponseWriter, r *http.Request, lang string, me *signedIn) {
	x, err := s.BuildExport(r.Context(), me.ID, lang)
	var b []byte
	if err == nil {
		b, err = s.exportPDF(x, x.Membership.Language)
	}
	if err == nil {
		err = s.exported(r.Context(), me.ID, "pdf")
	}
	if err != nil {
		s.log.Error("member export", "format", "pdf", "err", err)
		s.failed(w, r, lang)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/pdf")
	h.Set("Content-Disposition", `attachment; filename="`+T(lang, "export.filename")+`.pdf"`)
	w.Write(b)
}

// exportPDF prints the export for people, in the member's language (the
// portal's language when they have none the portal speaks), with the
// application PDF's embedded font, so Czech and Cyrillic names print.
func (s *Service) exportPDF(x *Export, lang string) ([]byte, error) {
	if messages.Lang(lang) != lang {
		lang = "en"
	}
	t := func(key string, args ...any) string { return T(lang, key, args...) }
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetCompression(true)
	applicationpdf.AddFonts(pdf)
	pdf.SetMargins(18, 18, 18)
	pdf.SetAutoPageBreak(true, 18)
	pdf.AddPage()
	f := applicationpdf.FontFamily
	heading := func(text string) {
		pdf.Ln(3)
		pdf.SetFont(f, "B", 12)
		pdf.MultiCell(0, 7, applicationpdf.Clean(text), "", "L", false)
		pdf.SetFont(f, "", 10)
	}
	row := func(label, value string) {
		if value == "" {
			value = "–"
		}
		pdf.SetFont(f, "B", 10)
		pdf.CellFormat(55, 6, applicationpdf.Clean(label), "", 0, "L", false, 0, "")
		pdf.SetFont(f, "", 10)
		pdf.MultiCell(0, 6, applicationpdf.Clean(value), "", "L", false)
	}
	day := func(tm *time.Time) string {
		if tm == nil {
			return ""
		}
		return s.date(*tm)
	}
	pdf.SetFont(f, "B", 16)
	pdf.MultiCell(0, 9, applicationpdf.Clean(t("export.title")), "", "L", false)
	pdf.SetFont(f, "", 9)
	pdf.MultiCell(0, 5, applicationpdf.Clean(t("export.generated", "date", x.GeneratedAt.Format("2006-01-02 15:04 UTC"))), "", "L", false)

	heading(t("export.member"))
	mb := x.Membership
	row(t("home.number"), mb.VariableSymbol)
	row(t("home.joined"), day(&mb.JoinedAt))
	row(t("home.left"), day(mb.LeftAt))
	row(t("home.language"), s.langName(mb.Language))
	heading(t("export.contact"))
	c := x.Contact
	for _, fl := range [][2]string{{"email", c.Email}, {"first_name", c.FirstName}, {"last_name", c.LastName},
		{"date_of_birth", c.DateOfBirth}, {"address", c.Address}, {"city", c.City}, {"postal_code", c.PostalCode},
		{"phone_number", c.Phone}, {"company_name", c.Company}} {
		row(t("field."+fl[0]), fl[1])
	}
	heading(t("home.workplaces"))
	list(pdf, x.Workplaces, t("export.none"))
	heading(t("home.occupations"))
	var occ []string
	for _, o := range x.Occupations {
		occ = append(occ, o.Text+" ("+t("home.since", "date", s.date(o.Since))+")")
	}
	list(pdf, occ, t("export.none"))
	heading(t("home.events"))
	var evs []string
	for _, e := range x.Events {
		evs = append(evs, s.date(e.Start)+" "+e.Title+" ("+t("status."+e.Status)+")")
	}
	list(pdf, evs, t("export.none"))
	heading(t("home.consents"))
	var cons []string
	if x.Application != nil && x.Application.SignedAt != nil {
		cons = append(cons, t("home.consent_application", "date", s.date(*x.Application.SignedAt)))
	}
	if len(x.Events) > 0 {
		cons = append(cons, t("home.consent_events"))
	}
	list(pdf, cons, t("home.consent_none"))
	heading(t("home.application"))
	if x.Application != nil && x.Application.PDF != nil {
		list(pdf, []string{t("home.application_pdf")}, "")
	} else {
		list(pdf, nil, t("home.no_application"))
	}
	if len(x.Notes) > 0 {
		heading(t("export.notes"))
		var ns []string
		for _, n := range x.Notes {
			ns = append(ns, s.date(n.At)+": "+n.Text)
		}
		list(pdf, ns, "")
	}
	heading(t("export.audit"))
	pdf.SetFont(f, "", 8)
	pdf.MultiCell(0, 4, applicationpdf.Clean(t("export.audit_note")), "", "L", false)
	pdf.SetFont(f, "", 9)
	for _, e := range x.History {
		by := e.By
		switch by {
		case "member":
			by = t("export.by_member")
		case "committee":
			by = t("export.by_committee")
		}
		pdf.MultiCell(0, 5, applicationpdf.Clean(e.At.Format("2006-01-02 15:04")+"  "+e.Action+"  ("+by+")"), "", "L", false)
	}
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("export pdf: %w", err)
	}
	return buf.Bytes(), nil
}

func list(pdf *fpdf.Fpdf, items []string, none string) {
	if len(items) == 0 {
		pdf.MultiCell(0, 6, applicationpdf.Clean(none), "", "L", false)
		return
	}
	for _, it := range items {
		pdf.MultiCell(0, 6, applicationpdf.Clean("• "+it), "", "L", false)
	}
}
