package admin

import (
	"bytes"
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"sort"
	"strconv"
	"strings"

	"github.com/yuin/goldmark"

	"unionhall/internal/auth"
	"unionhall/internal/db"
	"unionhall/internal/mail"
)

// Emails to members: templates in Markdown with {variables}, one per
// language, shipped as defaults and editable in the console (a row in
// email_templates overrides the default). Variables are replaced by plain
// text before Markdown is rendered, and goldmark drops raw HTML and
// dangerous links, so a member's name cannot inject markup. The plain-text
// part is the Markdown itself, which reads fine as text.

//go:embed mail/*.md
var defaultMails embed.FS

// EmailNames are the editable emails.
var EmailNames = []string{"welcome"}

// EmailVars are the variables a template may use.
var EmailVars = []string{"{first_name}", "{last_name}", "{member_number}", "{fee_info}"}

// EmailTemplate is one email in one language.
type EmailTemplate struct {
	Name, Lang    string
	Subject, Body string
	Custom        bool // edited in the console (not the shipped default)
}

// maxTemplate bounds a template body.
const maxTemplate = 20000

func parseDefault(name, lang string) (*EmailTemplate, bool) {
	b, err := defaultMails.ReadFile("mail/" + name + "." + lang + ".md")
	if err != nil {
		return nil, false
	}
	s := string(b)
	subject, body, _ := strings.Cut(s, "\n")
	return &EmailTemplate{Name: name, Lang: lang, Subject: strings.TrimSpace(strings.TrimPrefix(subject, "Subject:")), Body: strings.TrimSpace(body)}, true
}

// EmailTemplates lists every template: the shipped languages plus any
// language edited in the console.
func (c *Console) EmailTemplates(ctx context.Context) ([]EmailTemplate, error) {
	seen := map[string]bool{}
	var out []EmailTemplate
	rows, err := c.d.DB.Query(ctx, `SELECT name, lang, subject, body FROM email_templates ORDER BY name, lang`)
	if err != nil {
		return nil, fmt.Errorf("list email templates: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		t := EmailTemplate{Custom: true}
		if err := rows.Scan(&t.Name, &t.Lang, &t.Subject, &t.Body); err != nil {
			return nil, fmt.Errorf("list email templates: %w", err)
		}
		seen[t.Name+"/"+t.Lang] = true
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list email templates: %w", err)
	}
	files, _ := defaultMails.ReadDir("mail")
	for _, f := range files {
		parts := strings.Split(strings.TrimSuffix(f.Name(), ".md"), ".")
		if len(parts) == 2 && !seen[parts[0]+"/"+parts[1]] {
			if t, ok := parseDefault(parts[0], parts[1]); ok {
				out = append(out, *t)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name+out[i].Lang < out[j].Name+out[j].Lang })
	return out, nil
}

// validLang accepts a language tag such as "cs" or "en-GB".
func validLang(s string) bool {
	if len(s) < 2 || len(s) > 10 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '-') {
			return false
		}
	}
	return true
}

// EmailTemplate returns the template for name in lang: the edited one, or
// the default; ErrNotFound if neither exists.
func (c *Console) EmailTemplate(ctx context.Context, name, lang string) (*EmailTemplate, error) {
	if !contains(EmailNames, name) || !validLang(lang) {
		return nil, ErrNotFound
	}
	t := EmailTemplate{Name: name, Lang: lang, Custom: true}
	err := c.d.DB.QueryRow(ctx, `SELECT subject, body FROM email_templates WHERE name = ? AND lang = ?`, name, lang).Scan(&t.Subject, &t.Body)
	if err == nil {
		return &t, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("load email template: %w", err)
	}
	if d, ok := parseDefault(name, lang); ok {
		return d, nil
	}
	return nil, ErrNotFound
}

// SaveEmailTemplate stores an edited template; reset deletes the edit so
// the default applies again.
func (c *Console) SaveEmailTemplate(ctx context.Context, actor *auth.Account, t EmailTemplate, reset bool) error {
	if !contains(EmailNames, t.Name) || !validLang(t.Lang) {
		return ErrNotFound
	}
	return c.d.DB.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, c.d.DB.Rebind(`DELETE FROM email_templates WHERE name = ? AND lang = ?`), t.Name, t.Lang); err != nil {
			return fmt.Errorf("save email template: %w", err)
		}
		action := "email-template.reset"
		if !reset {
			action = "email-template.edit"
			if _, err := tx.ExecContext(ctx, c.d.DB.Rebind(`INSERT INTO email_templates (name, lang, subject, body, updated_at, updated_by)
				VALUES (?, ?, ?, ?, ?, ?)`), t.Name, t.Lang, t.Subject, t.Body, db.T(c.d.Now()), actor.ID); err != nil {
				return fmt.Errorf("save email template: %w", err)
			}
		}
		return c.audit(ctx, tx, actor, action, "email-template", t.Name+"/"+t.Lang, "")
	})
}

// RenderedEmail is a template filled in for one member.
type RenderedEmail struct {
	To, Lang, Subject, Text string
	HTML                    template.HTML
}

// RenderEmail fills in template name for a member, in the member's
// language (falling back to the first language that has the template).
func (c *Console) RenderEmail(ctx context.Context, viewer *auth.Account, name, memberID string) (*RenderedEmail, error) {
	m, err := c.reg.LoadMember(ctx, viewer, memberID, auth.ManageMembers)
	if err != nil {
		return nil, err
	}
	if m.Erased || m.Data.Email == "" {
		return nil, errNoEmail
	}
	var t *EmailTemplate
	for _, lang := range []string{m.Data.Lang, "cs", "en"} {
		if lang == "" {
			continue
		}
		if t, err = c.EmailTemplate(ctx, name, lang); err == nil {
			break
		}
		if !errors.Is(err, ErrNotFound) {
			return nil, err
		}
	}
	if t == nil {
		return nil, ErrNotFound
	}
	fee := ""
	if c.d.FeeInfo != nil {
		fee = c.d.FeeInfo(t.Lang)
	}
	r := strings.NewReplacer("{first_name}", m.Data.FirstName, "{last_name}", m.Data.LastName,
		"{member_number}", strconv.FormatInt(m.Number, 10), "{fee_info}", fee)
	out := &RenderedEmail{To: m.Data.Email, Lang: t.Lang, Subject: strings.Join(strings.Fields(r.Replace(t.Subject)), " "), Text: r.Replace(t.Body)}
	var b bytes.Buffer
	if err := goldmark.Convert([]byte(out.Text), &b); err != nil {
		return nil, fmt.Errorf("render email: %w", err)
	}
	out.HTML = template.HTML(b.String()) // goldmark without WithUnsafe: no raw HTML, no javascript: links
	return out, nil
}

var errNoEmail = errors.New("this member has no email address")

// SendEmail renders template name for a member and queues it in the outbox,
// recording it in the member's timeline in the same transaction.
func (c *Console) SendEmail(ctx context.Context, actor *auth.Account, name, memberID string) error {
	if c.d.Outbox == nil {
		return errors.New("send email: no outbox")
	}
	e, err := c.RenderEmail(ctx, actor, name, memberID)
	if err != nil {
		return err
	}
	msg := mail.Message{To: e.To, Subject: e.Subject, Text: e.Text, HTML: string(e.HTML), Headers: map[string]string{"Content-Language": e.Lang}}
	if err := msg.Validate(); err != nil {
		return fmt.Errorf("%w: %v", errBadEmail, err)
	}
	return c.d.DB.Tx(ctx, func(tx *sql.Tx) error {
		if err := c.d.Outbox.Enqueue(ctx, tx, msg); err != nil {
			return fmt.Errorf("queue %s email: %w", name, err)
		}
		return c.audit(ctx, tx, actor, "member.email", "member", memberID, name+" ("+e.Lang+")")
	})
}

var errBadEmail = errors.New("the email cannot be sent")
