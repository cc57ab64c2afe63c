package mail

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// Sender delivers one message.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// SMTPConfig are the SMTP settings.
type SMTPConfig struct {
	Host     string
	Port     int    // default by TLS mode: 587 starttls, 465 tls, 25 none
	TLS      string // "starttls" (default), "tls" (implicit, port 465) or "none"
	Username string // empty: no authentication
	Password string
	From     string // sender address, e.g. "Union <noreply@union.example>"
	HeloName string // name given in EHLO; default: the From domain
	Timeout  time.Duration
}

// SMTPSender sends through an SMTP server, one connection per message.
type SMTPSender struct {
	cfg  SMTPConfig
	opts []gomail.Option
}

// NewSMTPSender validates cfg and returns a sender. It does not connect.
func NewSMTPSender(cfg SMTPConfig) (*SMTPSender, error) {
	if cfg.Host == "" || hasControl(cfg.Host) {
		return nil, errors.New("mail: SMTP host missing or invalid")
	}
	if _, err := mail.ParseAddress(cfg.From); err != nil {
		return nil, errors.New("mail: SMTP sender address (From) is not an email address")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.HeloName == "" {
		cfg.HeloName = domainOf(cfg.From)
	}
	opts := []gomail.Option{gomail.WithTimeout(cfg.Timeout), gomail.WithHELO(cfg.HeloName)}
	switch strings.ToLower(cfg.TLS) {
	case "", "starttls":
		cfg.TLS = "starttls"
		if cfg.Port == 0 {
			cfg.Port = 587
		}
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case "tls":
		if cfg.Port == 0 {
			cfg.Port = 465
		}
		opts = append(opts, gomail.WithSSL())
	case "none":
		if cfg.Port == 0 {
			cfg.Port = 25
		}
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		return nil, fmt.Errorf("mail: SMTP TLS mode %q: want starttls, tls or none", cfg.TLS)
	}
	if cfg.Port < 1 || cfg.Port > 65535 {
		return nil, fmt.Errorf("mail: SMTP port %d out of range", cfg.Port)
	}
	opts = append(opts, gomail.WithPort(cfg.Port))
	if cfg.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(cfg.Username), gomail.WithPassword(cfg.Password))
	}
	return &SMTPSender{cfg: cfg, opts: opts}, nil
}

// From returns the configured sender address.
func (s *SMTPSender) From() string { return s.cfg.From }

// Send delivers m. Errors are scrubbed of addresses; a recipient the server
// rejects permanently gives an error for which Permanent reports true.
func (s *SMTPSender) Send(ctx context.Context, m Message) error {
	msg, err := build(s.cfg.From, m, time.Now())
	if err != nil {
		return err
	}
	c, err := gomail.NewClient(s.cfg.Host, s.opts...)
	if err != nil {
		return scrubErr("mail: smtp client", err)
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		return scrubErr(fmt.Sprintf("mail: smtp %s:%d", s.cfg.Host, s.cfg.Port), err)
	}
	return nil
}

// Permanent reports whether err is an SMTP rejection that retrying cannot
// fix: the server refused the recipient with a 5xx reply.
func Permanent(err error) bool {
	var se *gomail.SendError
	if !errors.As(err, &se) {
		return false
	}
	return se.Reason == gomail.ErrSMTPRcptTo && !se.IsTemp() && se.ErrorCode() >= 500
}

// FileSender writes each message as an .eml file instead of sending it, so
// Unionhall runs on a laptop with no SMTP server. Files are mode 0600: they
// hold personal data.
type FileSender struct {
	Dir    string // e.g. DataDir/mail
	From   string
	Logger *slog.Logger
}

// Send writes m to a new file in Dir and logs the file's path.
func (f *FileSender) Send(ctx context.Context, m Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	from := f.From
	if from == "" {
		from = "Unionhall <unionhall@localhost>"
	}
	now := time.Now().UTC()
	msg, err := build(from, m, now)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(f.Dir, 0o700); err != nil {
		return fmt.Errorf("mail: create mail folder: %w", err)
	}
	var rnd [6]byte
	rand.Read(rnd[:])
	name := now.Format("20060102T150405.000000Z") + "-" + hex.EncodeToString(rnd[:]) + ".eml"
	tmp, err := os.CreateTemp(f.Dir, ".tmp-*.eml")
	if err != nil {
		return fmt.Errorf("mail: create file: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if _, err := msg.WriteTo(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("mail: write file: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("mail: sync file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("mail: close file: %w", err)
	}
	// Rename makes the file appear whole or not at all.
	path := filepath.Join(f.Dir, name)
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("mail: rename file: %w", err)
	}
	log := f.Logger
	if log == nil {
		log = slog.Default()
	}
	log.Info("mail: no SMTP configured, email written to file", "path", path)
	return nil
}

// FromAddress returns the sender address, for Message-IDs.
func (f *FileSender) FromAddress() string { return f.From }

// FromAddress returns the sender address, for Message-IDs.
func (s *SMTPSender) FromAddress() string { return s.cfg.From }

func domainOf(addr string) string {
	a, err := mail.ParseAddress(addr)
	if err != nil {
		return "localhost"
	}
	if i := strings.LastIndexByte(a.Address, '@'); i >= 0 && i < len(a.Address)-1 {
		return a.Address[i+1:]
	}
	return "localhost"
}
