// Package mailtest runs a real SMTP server in the test process
// (github.com/emersion/go-smtp on 127.0.0.1:0) and parses what it receives,
// so tests check email the way a recipient meets it: over a real SMTP
// conversation, as MIME, with attachments. SetDown simulates an outage at
// the protocol level (every connection is answered "421" and closed), which
// is what a real mail server under maintenance does.
package mailtest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	netmail "net/mail"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"encoding/base64"

	"github.com/emersion/go-smtp"
)

// Message is a received email, parsed.
type Message struct {
	From        string   // envelope MAIL FROM
	To          []string // envelope RCPT TO
	Header      netmail.Header
	Subject     string // decoded
	Text        string // first text/plain part, decoded
	HTML        string // first text/html part, decoded
	Attachments []Attachment
	Raw         []byte
}

// Attachment is an attached file, decoded.
type Attachment struct {
	Name        string
	ContentType string
	Data        []byte
}

// Server is an in-process SMTP server.
type Server struct {
	srv  *smtp.Server
	ln   net.Listener
	down atomic.Bool

	mu       sync.Mutex
	messages []*Message
	refused  int
}

// Start starts a server on 127.0.0.1:0, stopped at cleanup.
func Start(t testing.TB) *Server {
	t.Helper()
	s := &Server{}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("mailtest: listen: %v", err)
	}
	s.ln = &downListener{Listener: ln, s: s}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &session{s: s}, nil
	}))
	s.srv.Domain = "mailtest.localhost"
	s.srv.AllowInsecureAuth = true
	s.srv.MaxMessageBytes = 20 << 20
	s.srv.ReadTimeout = 30 * time.Second
	s.srv.WriteTimeout = 30 * time.Second
	go s.srv.Serve(s.ln)
	t.Cleanup(func() { s.srv.Close() })
	return s
}

// Addr is the server's host:port.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Host is the server's IP address.
func (s *Server) Host() string { h, _, _ := net.SplitHostPort(s.Addr()); return h }

// Port is the server's port.
func (s *Server) Port() int {
	_, p, _ := net.SplitHostPort(s.Addr())
	n, _ := strconv.Atoi(p)
	return n
}

// SetDown makes the server refuse (true) or accept (false) connections.
func (s *Server) SetDown(down bool) { s.down.Store(down) }

// Refused reports how many connections were refused while down.
func (s *Server) Refused() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refused
}

// Messages returns the messages received so far.
func (s *Server) Messages() []*Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*Message(nil), s.messages...)
}

// WaitFor waits until at least n messages have arrived and returns them;
// it fails the test after timeout.
func (s *Server) WaitFor(t testing.TB, n int, timeout time.Duration) []*Message {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if m := s.Messages(); len(m) >= n {
			return m
		}
		if time.Now().After(deadline) {
			t.Fatalf("mailtest: %d message(s) after %v, want %d", len(s.Messages()), timeout, n)
		}
		time.Sleep(10 * time.Millisecond) // poll interval
	}
}

// downListener answers connections with 421 while the server is down.
type downListener struct {
	net.Listener
	s *Server
}

func (l *downListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil || !l.s.down.Load() {
			return c, err
		}
		l.s.mu.Lock()
		l.s.refused++
		l.s.mu.Unlock()
		c.SetWriteDeadline(time.Now().Add(5 * time.Second))
		io.WriteString(c, "421 4.3.2 mailtest is down for maintenance\r\n")
		c.Close()
	}
}

type session struct {
	s    *Server
	from string
	to   []string
}

func (x *session) Mail(from string, _ *smtp.MailOptions) error { x.from = from; return nil }
func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if strings.HasPrefix(to, "reject-") {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user <" + to + ">"}
	}
	x.to = append(x.to, to)
	return nil
}
func (x *session) Reset()        { x.from, x.to = "", nil }
func (x *session) Logout() error { return nil }
func (x *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m, err := Parse(raw)
	if err != nil {
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "unparseable message: " + err.Error()}
	}
	m.From, m.To = x.from, append([]string(nil), x.to...)
	x.s.mu.Lock()
	x.s.messages = append(x.s.messages, m)
	x.s.mu.Unlock()
	return nil
}

// Parse parses an RFC 5322 message with its MIME parts. It is strict: a
// message a mail client could not read is an error.
func Parse(raw []byte) (*Message, error) {
	nm, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("read message: %w", err)
	}
	m := &Message{Header: nm.Header, Raw: raw}
	dec := new(mime.WordDecoder)
	if m.Subject, err = dec.DecodeHeader(nm.Header.Get("Subject")); err != nil {
		return nil, fmt.Errorf("subject: %w", err)
	}
	if err := m.walk(textproto(nm.Header), nm.Body, 0); err != nil {
		return nil, err
	}
	return m, nil
}

type partHeader interface{ Get(string) string }

func textproto(h netmail.Header) partHeader { return h }

func (m *Message) walk(h partHeader, body io.Reader, depth int) error {
	if depth > 10 {
		return errors.New("MIME nesting too deep")
	}
	ct := h.Get("Content-Type")
	if ct == "" {
		ct = "text/plain; charset=us-ascii"
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return fmt.Errorf("content type %q: %w", ct, err)
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return fmt.Errorf("multipart: %w", err)
			}
			if err := m.walk(p.Header, p, depth+1); err != nil {
				return err
			}
		}
	}
	data, err := decodeBody(h.Get("Content-Transfer-Encoding"), body)
	if err != nil {
		return err
	}
	disp, dparams, _ := mime.ParseMediaType(h.Get("Content-Disposition"))
	name := dparams["filename"]
	if name == "" {
		name = params["name"]
	}
	// RFC 2231 (filename*=) is decoded by ParseMediaType; many senders,
	// go-mail included, use RFC 2047 words instead, which clients accept.
	if strings.Contains(name, "=?") {
		if dn, err := new(mime.WordDecoder).DecodeHeader(name); err == nil {
			name = dn
		}
	}
	switch {
	case disp == "attachment" || name != "":
		m.Attachments = append(m.Attachments, Attachment{Name: name, ContentType: mt, Data: data})
	case mt == "text/plain" && m.Text == "":
		m.Text = string(data)
	case mt == "text/html" && m.HTML == "":
		m.HTML = string(data)
	}
	return nil
}

func decodeBody(cte string, r io.Reader) ([]byte, error) {
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "base64":
		b, err := io.ReadAll(base64.NewDecoder(base64.StdEncoding, &newlineStripper{r: r}))
		if err != nil {
			return nil, fmt.Errorf("base64 body: %w", err)
		}
		return b, nil
	case "quoted-printable":
		b, err := io.ReadAll(quotedprintable.NewReader(r))
		if err != nil {
			return nil, fmt.Errorf("quoted-printable body: %w", err)
		}
		return b, nil
	case "", "7bit", "8bit", "binary":
		return io.ReadAll(r)
	default:
		return nil, fmt.Errorf("unknown transfer encoding %q", cte)
	}
}

// newlineStripper removes CR and LF, which base64 bodies are wrapped with.
type newlineStripper struct{ r io.Reader }

func (n *newlineStripper) Read(p []byte) (int, error) {
	for {
		k, err := n.r.Read(p)
		j := 0
		for _, c := range p[:k] {
			if c != '\r' && c != '\n' {
				p[j] = c
				j++
			}
		}
		if j > 0 || err != nil {
			return j, err
		}
	}
}
