package mail_test

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"unionhall/internal/db"
	"unionhall/internal/dbtest"
	"unionhall/internal/jobs"
	"unionhall/internal/mail"
	"unionhall/internal/mailtest"
	"unionhall/internal/seal"
)

const recipient = "jana.dvorakova@posta.example"

func sample() mail.Message {
	return mail.Message{
		To:      "Jana Dvořáková <" + recipient + ">",
		Subject: "Potvrďte přihlášku — Confirm your application",
		Text:    "Dobrý den, Jano Dvořáková,\npotvrďte prosím svou přihlášku.\n",
		HTML:    "<p>Dobrý den, <b>Jano Dvořáková</b></p>",
		Attachments: []mail.Attachment{{
			Name: "Dvořáková_Jana_application.pdf", ContentType: "application/pdf",
			Data: append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte{0, 1, 2, 0xff}, 3000)...),
		}},
		Headers: map[string]string{"Auto-Submitted": "auto-generated"},
	}
}

func smtpSender(t *testing.T, s *mailtest.Server) *mail.SMTPSender {
	t.Helper()
	snd, err := mail.NewSMTPSender(mail.SMTPConfig{Host: s.Host(), Port: s.Port(), TLS: "none",
		From: "Odbory <noreply@union.example>", Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return snd
}

func checkReceived(t *testing.T, got *mailtest.Message, want mail.Message) {
	t.Helper()
	if len(got.To) != 1 || got.To[0] != recipient {
		t.Errorf("envelope To = %v", got.To)
	}
	if got.Subject != want.Subject {
		t.Errorf("Subject = %q, want %q", got.Subject, want.Subject)
	}
	if strings.ReplaceAll(got.Text, "\r\n", "\n") != want.Text {
		t.Errorf("Text = %q, want %q", got.Text, want.Text)
	}
	if !strings.Contains(got.HTML, "<b>Jano Dvořáková</b>") {
		t.Errorf("HTML = %q", got.HTML)
	}
	if len(got.Attachments) != 1 {
		t.Fatalf("%d attachments, want 1", len(got.Attachments))
	}
	a := got.Attachments[0]
	if a.Name != want.Attachments[0].Name || a.ContentType != "application/pdf" || !bytes.Equal(a.Data, want.Attachments[0].Data) {
		t.Errorf("attachment %q %s %d bytes does not match", a.Name, a.ContentType, len(a.Data))
	}
	if got.Header.Get("Auto-Submitted") != "auto-generated" {
		t.Errorf("extra header lost: %v", got.Header)
	}
}

func TestSMTPConversation(t *testing.T) {
	s := mailtest.Start(t)
	m := sample()
	m.MessageID = "fixed-id@union.example"
	if err := smtpSender(t, s).Send(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	got := s.WaitFor(t, 1, 10*time.Second)[0]
	checkReceived(t, got, m)
	if got.Header.Get("Message-Id") != "<fixed-id@union.example>" {
		t.Errorf("Message-ID = %q", got.Header.Get("Message-Id"))
	}
	if got.From != "noreply@union.example" {
		t.Errorf("envelope From = %q", got.From)
	}
}

func TestSMTPErrorsCarryNoAddress(t *testing.T) {
	s := mailtest.Start(t)
	m := sample()
	m.To = "reject-" + recipient
	err := smtpSender(t, s).Send(t.Context(), m)
	if err == nil {
		t.Fatal("rejected recipient: no error")
	}
	if strings.Contains(err.Error(), recipient) || strings.Contains(err.Error(), "jana") {
		t.Errorf("error leaks the address: %v", err)
	}
	if !mail.Permanent(err) {
		t.Errorf("550 on RCPT not permanent: %v", err)
	}
	s.SetDown(true)
	err = smtpSender(t, s).Send(t.Context(), sample())
	if err == nil || mail.Permanent(err) || strings.Contains(err.Error(), recipient) {
		t.Errorf("outage: err = %v (want temporary, no address)", err)
	}
}

type rig struct {
	d   *db.DB
	kr  *seal.Keyring
	clk *fakeClock
	q   *jobs.Queue
	out *mail.Outbox
}

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newRig(t *testing.T, d *db.DB, kr *seal.Keyring, clk *fakeClock, snd mail.Sender) *rig {
	q := jobs.New(d, jobs.Options{Now: clk.Now, Logger: dbtest.Logger(),
		Backoff: func(a int) time.Duration { return time.Duration(a) * time.Minute }})
	return &rig{d: d, kr: kr, clk: clk, q: q, out: mail.NewOutbox(q, kr, snd)}
}

func keyring(t *testing.T) *seal.Keyring {
	kr, err := seal.NewKeyring(seal.GenerateKey())
	if err != nil {
		t.Fatal(err)
	}
	return kr
}

func runOnce(t *testing.T, q *jobs.Queue, want int) {
	t.Helper()
	n, err := q.RunOnce(t.Context())
	if err != nil || n != want {
		t.Fatalf("RunOnce = %d, %v; want %d", n, err, want)
	}
}

// SMTP is down when the email is queued; it arrives once SMTP is back.
func TestOutboxSurvivesSMTPOutage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := mailtest.Start(t)
		s.SetDown(true)
		r := newRig(t, d, keyring(t), &fakeClock{t: time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)}, smtpSender(t, s))
		m := sample()
		id, err := r.out.EnqueueAt(t.Context(), nil, m, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		runOnce(t, r.q, 1)
		if len(s.Messages()) != 0 || s.Refused() == 0 {
			t.Fatalf("while down: %d messages, %d refused", len(s.Messages()), s.Refused())
		}
		counts, _ := r.q.Counts(t.Context())
		if counts["pending"] != 1 {
			t.Fatalf("job not pending after failure: %v", counts)
		}
		// The stored error tells the operator what happened, without the address.
		var lastErr string
		d.QueryRow(t.Context(), "SELECT last_error FROM jobs WHERE kind = ?", mail.JobKind).Scan(&lastErr)
		if lastErr == "" || strings.Contains(lastErr, recipient) {
			t.Fatalf("last_error = %q", lastErr)
		}
		s.SetDown(false)
		runOnce(t, r.q, 0) // back-off not over yet
		r.clk.Add(time.Minute)
		runOnce(t, r.q, 1)
		got := s.WaitFor(t, 1, 10*time.Second)
		checkReceived(t, got[0], m)
		if got[0].Header.Get("Message-Id") != "<"+id+">" {
			t.Errorf("Message-ID %q, want <%s>", got[0].Header.Get("Message-Id"), id)
		}
		r.clk.Add(time.Hour)
		runOnce(t, r.q, 0)
		if n := len(s.Messages()); n != 1 {
			t.Fatalf("%d deliveries, want exactly 1", n)
		}
	})
}

// The server restarts between enqueue and send: a new queue and outbox on a
// fresh handle to the same database deliver the email exactly once.
func TestOutboxRestartDeliversOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := mailtest.Start(t)
		kr := keyring(t)
		clk := &fakeClock{t: time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)}
		before := newRig(t, d, kr, clk, smtpSender(t, s))
		id, err := before.out.EnqueueAt(t.Context(), nil, sample(), time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		// "Restart": the old queue never ran; its database handle is closed.
		if err := d.Close(); err != nil {
			t.Fatal(err)
		}
		after := newRig(t, dbtest.Reopen(t, d), kr, clk, smtpSender(t, s))
		runOnce(t, after.q, 1)
		runOnce(t, after.q, 0)
		got := s.WaitFor(t, 1, 10*time.Second)
		if len(got) != 1 || got[0].Header.Get("Message-Id") != "<"+id+">" {
			t.Fatalf("deliveries: %d", len(got))
		}
	})
}

// A recipient the server rejects for good goes straight to dead: retrying
// cannot help and would only repeat the rejection.
func TestOutboxPermanentRejection(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := mailtest.Start(t)
		r := newRig(t, d, keyring(t), &fakeClock{t: time.Now()}, smtpSender(t, s))
		m := sample()
		m.To = "reject-" + recipient
		if err := r.out.Enqueue(t.Context(), nil, m); err != nil {
			t.Fatal(err)
		}
		runOnce(t, r.q, 1)
		if c, _ := r.q.Counts(t.Context()); c["dead"] != 1 {
			t.Fatalf("counts %v, want 1 dead", c)
		}
	})
}

// The queued message is sealed: neither the raw SQLite files nor a
// PostgreSQL dump show the recipient, the name or the attachment.
func TestOutboxPayloadIsSealed(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		r := newRig(t, d, keyring(t), &fakeClock{t: time.Now()}, &mail.FileSender{Dir: t.TempDir()})
		m := sample()
		m.Attachments[0].Data = []byte("UNIQUE-ATTACHMENT-CONTENT-0451")
		if err := r.out.Enqueue(t.Context(), nil, m); err != nil {
			t.Fatal(err)
		}
		raw := dbtest.Raw(t, d)
		if !bytes.Contains(raw, []byte(mail.JobKind)) {
			t.Fatal("the dump does not even contain the job: the test would prove nothing")
		}
		for _, secret := range []string{recipient, "jana.dvorakova", "Dvořáková", "Dvo\\305\\231\\303\\241kov\\303\\241",
			"UNIQUE-ATTACHMENT", "Potvrďte"} {
			if bytes.Contains(raw, []byte(secret)) {
				t.Errorf("raw database contains %q", secret)
			}
		}
	})
}

// A sealed payload moved to another job does not open there.
func TestOutboxPayloadBoundToJob(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := mailtest.Start(t)
		r := newRig(t, d, keyring(t), &fakeClock{t: time.Now()}, smtpSender(t, s))
		ctx := t.Context()
		a, _ := r.out.EnqueueAt(ctx, nil, sample(), time.Time{})
		b, _ := r.out.EnqueueAt(ctx, nil, sample(), time.Time{})
		idA, idB := strings.Split(a, "@")[0], strings.Split(b, "@")[0]
		if _, err := d.Exec(ctx, "UPDATE jobs SET payload = (SELECT payload FROM jobs WHERE id = ?) WHERE id = ?", idA, idB); err != nil {
			t.Fatal(err)
		}
		runOnce(t, r.q, 2)
		if len(s.Messages()) != 1 {
			t.Fatalf("%d messages sent, want only the untampered one", len(s.Messages()))
		}
		if i, _ := r.q.Get(ctx, idB); i.State != "dead" {
			t.Fatalf("swapped job state %s, want dead", i.State)
		}
	})
}

func TestFileSender(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "mail")
	var logs bytes.Buffer
	fs := &mail.FileSender{Dir: dir, From: "Odbory <noreply@union.example>", Logger: slog.New(slog.NewTextHandler(&logs, nil))}
	m := sample()
	if err := fs.Send(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
	if len(files) != 1 {
		t.Fatalf("%d .eml files, want 1", len(files))
	}
	fi, _ := os.Stat(files[0])
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("file mode %v, want 0600", fi.Mode().Perm())
	}
	raw, _ := os.ReadFile(files[0])
	got, err := mailtest.Parse(raw)
	if err != nil {
		t.Fatalf("written .eml does not parse: %v", err)
	}
	got.To = []string{recipient} // no envelope in a file
	checkReceived(t, got, m)
	if !strings.Contains(logs.String(), files[0]) {
		t.Errorf("log does not say where the file is: %s", logs.String())
	}
	if strings.Contains(logs.String(), recipient) || strings.Contains(logs.String(), "Dvořáková") {
		t.Errorf("log leaks personal data: %s", logs.String())
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".tmp-*")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func TestValidateBadInput(t *testing.T) {
	big := strings.Repeat("x", mail.MaxBody+1)
	cases := map[string]func(*mail.Message){
		"empty to":             func(m *mail.Message) { m.To = "" },
		"not an address":       func(m *mail.Message) { m.To = "jana at example" },
		"header injection to":  func(m *mail.Message) { m.To = recipient + "\r\nBcc: boss@employer.example" },
		"two recipients":       func(m *mail.Message) { m.To = "a@b.example, c@d.example" },
		"script in to":         func(m *mail.Message) { m.To = "<script>alert(1)</script>" },
		"empty subject":        func(m *mail.Message) { m.Subject = "  " },
		"subject injection":    func(m *mail.Message) { m.Subject = "Hi\r\nBcc: boss@employer.example" },
		"subject rtl override": func(m *mail.Message) { m.Subject = "invoice\u202efdp.exe" },
		"long subject":         func(m *mail.Message) { m.Subject = strings.Repeat("a", 999) },
		"empty text":           func(m *mail.Message) { m.Text = "" },
		"huge text":            func(m *mail.Message) { m.Text = big },
		"huge html":            func(m *mail.Message) { m.HTML = big },
		"path in file name":    func(m *mail.Message) { m.Attachments[0].Name = "../../etc/passwd" },
		"empty file name":      func(m *mail.Message) { m.Attachments[0].Name = "" },
		"rtl file name":        func(m *mail.Message) { m.Attachments[0].Name = "cv\u202efdp.exe" },
		"bad content type":     func(m *mail.Message) { m.Attachments[0].ContentType = "not a type;;" },
		"huge attachment":      func(m *mail.Message) { m.Attachments[0].Data = make([]byte, mail.MaxAttachTotal+1) },
		"too many attachments": func(m *mail.Message) {
			for range mail.MaxAttachments {
				m.Attachments = append(m.Attachments, m.Attachments[0])
			}
		},
		"header name injection": func(m *mail.Message) { m.Headers = map[string]string{"X-A\r\nBcc": "x"} },
		"reserved header":       func(m *mail.Message) { m.Headers = map[string]string{"Bcc": "boss@employer.example"} },
		"header value newline":  func(m *mail.Message) { m.Headers = map[string]string{"X-Note": "a\nBcc: x@y.z"} },
		"bad message id":        func(m *mail.Message) { m.MessageID = "<no-at-sign>" },
	}
	for name, mutate := range cases {
		m := sample()
		mutate(&m)
		if err := m.Validate(); err == nil {
			t.Errorf("%s: accepted", name)
		} else if strings.Contains(err.Error(), recipient) {
			t.Errorf("%s: error echoes the address", name)
		}
	}
	if err := sample().Validate(); err != nil {
		t.Fatalf("good message refused: %v", err)
	}
	// The Outbox refuses a bad message at enqueue, before anything is stored.
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		r := newRig(t, d, keyring(t), &fakeClock{t: time.Now()}, &mail.FileSender{Dir: t.TempDir()})
		m := sample()
		m.To = "nobody"
		if err := r.out.Enqueue(context.Background(), nil, m); err == nil {
			t.Error("Outbox queued an invalid message")
		}
		if c, _ := r.q.Counts(t.Context()); len(c) != 0 {
			t.Errorf("jobs stored for a refused message: %v", c)
		}
	})
}

func TestSMTPConfigErrors(t *testing.T) {
	for name, cfg := range map[string]mail.SMTPConfig{
		"no host":      {From: "a@b.example"},
		"bad from":     {Host: "smtp.example", From: "nope"},
		"bad tls":      {Host: "smtp.example", From: "a@b.example", TLS: "ssl3"},
		"bad port":     {Host: "smtp.example", From: "a@b.example", Port: 70000},
		"host newline": {Host: "smtp.example\r\nX", From: "a@b.example"},
	} {
		if _, err := mail.NewSMTPSender(cfg); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	for _, mode := range []string{"", "starttls", "tls", "none", "STARTTLS"} {
		if _, err := mail.NewSMTPSender(mail.SMTPConfig{Host: "smtp.example", From: "a@b.example", TLS: mode}); err != nil {
			t.Errorf("TLS %q refused: %v", mode, err)
		}
	}
}
