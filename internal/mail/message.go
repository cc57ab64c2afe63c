package mail

import (
	"bytes"
	"errors"
	"fmt"
	"mime"
	netmail "net/mail"
	"regexp"
	"strings"
	"time"
	"unicode"

	gomail "github.com/wneessen/go-mail"
)

// Message is an email to one recipient.
type Message struct {
	To          string // one address, "a@b.c" or "Name <a@b.c>"
	Subject     string
	Text        string // plain-text body (required)
	HTML        string // optional HTML alternative
	Attachments []Attachment
	// Headers are extra headers, e.g. List-Unsubscribe. Names must be
	// header tokens; values must not contain line breaks.
	Headers map[string]string
	// MessageID, without angle brackets, is set by the Outbox; senders
	// generate one if it is empty.
	MessageID string
}

// Attachment is a file attached to a Message.
type Attachment struct {
	Name        string // file name shown to the recipient, no path
	ContentType string // e.g. application/pdf
	Data        []byte
}

// Limits on what a Message may hold. They keep a sealed message well inside
// the job queue's payload limit.
const (
	MaxSubject     = 998 // RFC 5322 line length
	MaxBody        = 1 << 20
	MaxAttachments = 10
	MaxAttachTotal = 5 << 20
	MaxNameLen     = 200
)

// Validate checks a message before it is queued, so a bad one fails the
// request that made it instead of dying in the queue. Error texts name the
// field, never its value.
func (m Message) Validate() error {
	if err := checkAddress(m.To); err != nil {
		return fmt.Errorf("mail: recipient: %w", err)
	}
	if strings.TrimSpace(m.Subject) == "" {
		return errors.New("mail: empty subject")
	}
	if len(m.Subject) > MaxSubject || hasControl(m.Subject) {
		return errors.New("mail: subject too long or holds control characters")
	}
	if m.Text == "" {
		return errors.New("mail: empty text body")
	}
	if len(m.Text) > MaxBody || len(m.HTML) > MaxBody {
		return errors.New("mail: body too large")
	}
	if len(m.Attachments) > MaxAttachments {
		return errors.New("mail: too many attachments")
	}
	total := 0
	for i, a := range m.Attachments {
		total += len(a.Data)
		if a.Name == "" || len(a.Name) > MaxNameLen || hasControl(a.Name) || strings.ContainsAny(a.Name, `/\"`) {
			return fmt.Errorf("mail: attachment %d: bad file name", i+1)
		}
		if _, _, err := mime.ParseMediaType(a.ContentType); err != nil || hasControl(a.ContentType) {
			return fmt.Errorf("mail: attachment %d: bad content type", i+1)
		}
	}
	if total > MaxAttachTotal {
		return errors.New("mail: attachments too large")
	}
	for k, v := range m.Headers {
		if !headerToken(k) || reservedHeader(k) {
			return errors.New("mail: bad or reserved extra header name")
		}
		if len(v) > MaxSubject || hasControl(v) {
			return fmt.Errorf("mail: header %s: value too long or holds control characters", k)
		}
	}
	if m.MessageID != "" && (len(m.MessageID) > 250 || !strings.Contains(m.MessageID, "@") ||
		strings.ContainsAny(m.MessageID, "<> \t") || hasControl(m.MessageID)) {
		return errors.New("mail: bad Message-ID")
	}
	return nil
}

func checkAddress(s string) error {
	if s == "" {
		return errors.New("empty address")
	}
	if len(s) > 320 || hasControl(s) {
		return errors.New("address too long or holds control characters")
	}
	if _, err := netmail.ParseAddress(s); err != nil {
		return errors.New("not an email address")
	}
	return nil
}

// hasControl reports C0/C1 controls (including CR and LF: header injection)
// and bidirectional overrides, which have no business in headers.
func hasControl(s string) bool {
	for _, r := range s {
		if unicode.IsControl(r) || (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069) {
			return true
		}
	}
	return false
}

func headerToken(s string) bool {
	if s == "" || len(s) > 76 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || c == ':' {
			return false
		}
	}
	return true
}

// reservedHeader names headers the package sets itself.
func reservedHeader(k string) bool {
	switch strings.ToLower(k) {
	case "to", "from", "cc", "bcc", "subject", "date", "message-id", "mime-version",
		"content-type", "content-transfer-encoding", "sender", "reply-to-all":
		return true
	}
	return false
}

// build turns m into a go-mail message; SMTP and file senders share it.
func build(from string, m Message, now time.Time) (*gomail.Msg, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	if err := msg.From(from); err != nil {
		return nil, fmt.Errorf("mail: sender address: %w", err)
	}
	if err := msg.To(m.To); err != nil {
		return nil, errors.New("mail: recipient is not an email address")
	}
	msg.Subject(m.Subject)
	msg.SetDateWithValue(now)
	if m.MessageID != "" {
		msg.SetMessageIDWithValue(m.MessageID)
	} else {
		msg.SetMessageID()
	}
	for k, v := range m.Headers {
		msg.SetGenHeader(gomail.Header(k), v)
	}
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	for _, a := range m.Attachments {
		if err := msg.AttachReader(a.Name, bytes.NewReader(a.Data), gomail.WithFileContentType(gomail.ContentType(a.ContentType))); err != nil {
			return nil, fmt.Errorf("mail: attach: %w", err)
		}
	}
	return msg, nil
}

// Render returns m as RFC 5322 bytes, as it would be sent from from.
func Render(from string, m Message) ([]byte, error) {
	msg, err := build(from, m, time.Now())
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if _, err := msg.WriteTo(&b); err != nil {
		return nil, fmt.Errorf("mail: render: %w", err)
	}
	return b.Bytes(), nil
}

var addressLike = regexp.MustCompile(`[^\s<>"'(),;:]+@[^\s<>"'(),;:]+`)

// scrub replaces anything that looks like an email address in an error
// text, so server replies echoing the recipient stay out of logs and the
// job table.
func scrub(s string) string {
	return addressLike.ReplaceAllString(s, "<address>")
}

// scrubbedError keeps an error's identity for errors.Is/As while its text
// is scrubbed.
type scrubbedError struct {
	text string
	err  error
}

func (e scrubbedError) Error() string { return e.text }
func (e scrubbedError) Unwrap() error { return e.err }

func scrubErr(prefix string, err error) error {
	if err == nil {
		return nil
	}
	return scrubbedError{text: prefix + ": " + scrub(err.Error()), err: err}
}
