package web

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
)

func mustProxies(t *testing.T, list ...string) *Proxies {
	t.Helper()
	p, err := ParseProxies(list)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestParseProxies(t *testing.T) {
	p := mustProxies(t, "10.0.0.0/8", " 192.0.2.7 ", "fd00::/8", "::1", "::ffff:172.16.0.0/108", "")
	for _, s := range []string{"10.1.2.3", "192.0.2.7", "::ffff:192.0.2.7", "fd12::1", "::1", "172.16.5.5"} {
		if !p.Trusts(netip.MustParseAddr(s)) {
			t.Errorf("%s not trusted", s)
		}
	}
	for _, s := range []string{"11.0.0.1", "192.0.2.8", "127.0.0.1", "2001:db8::1", "172.32.0.1"} {
		if p.Trusts(netip.MustParseAddr(s)) {
			t.Errorf("%s trusted", s)
		}
	}
	for _, bad := range []string{"localhost", "10.0.0.0/33", "10.0.0.1/", "fe80::1%eth0", "1.2.3", "::ffff:0.0.0.0/90", "10.0.0.0/8,10.1.0.0/16"} {
		if _, err := ParseProxies([]string{bad}); err == nil {
			t.Errorf("%q accepted", bad)
		} else if !strings.Contains(err.Error(), bad) {
			t.Errorf("%q: error does not name the entry: %v", bad, err)
		}
	}
	if p, err := ParseProxies(nil); p != nil || err != nil {
		t.Errorf("empty list: %v %v, want nil (trust nobody)", p, err)
	}
	// Loopback is trusted only when listed.
	var none *Proxies
	if none.Trusts(netip.MustParseAddr("127.0.0.1")) || none.Trusts(netip.MustParseAddr("::1")) {
		t.Error("nil Proxies trusts loopback")
	}
}

func TestClientAddr(t *testing.T) {
	trusted := mustProxies(t, "10.0.0.0/8", "2001:db8:ffff::/48")
	long := strings.Repeat("6.6.6.6, ", 20000) // ~180 kB of forged hops
	cases := []struct {
		name   string
		p      *Proxies
		peer   string
		xff    []string // header lines, in order
		want   string
		wantNo string // must not be the result
	}{
		{name: "no proxy", p: trusted, peer: "198.51.100.1:4000", want: "198.51.100.1"},
		{name: "spoofed XFF from an untrusted peer is ignored", p: trusted, peer: "198.51.100.1:4000",
			xff: []string{"203.0.113.9"}, want: "198.51.100.1"},
		{name: "nothing trusted by default", p: nil, peer: "10.0.0.2:4000", xff: []string{"203.0.113.9"}, want: "10.0.0.2"},
		{name: "loopback proxy not trusted unless listed", p: trusted, peer: "127.0.0.1:4000",
			xff: []string{"203.0.113.9"}, want: "127.0.0.1"},
		{name: "one trusted proxy", p: trusted, peer: "10.0.0.2:4000", xff: []string{"203.0.113.9"}, want: "203.0.113.9"},
		{name: "client-forged left part is skipped", p: trusted, peer: "10.0.0.2:4000",
			xff: []string{"1.1.1.1, 2.2.2.2, 203.0.113.9"}, want: "203.0.113.9"},
		{name: "chain of trusted proxies", p: trusted, peer: "10.0.0.2:4000",
			xff: []string{"6.6.6.6, 203.0.113.9, 10.9.9.9,10.8.8.8"}, want: "203.0.113.9"},
		{name: "several header lines, last one nearest", p: trusted, peer: "10.0.0.2:4000",
			xff: []string{"6.6.6.6, 203.0.113.9", "10.9.9.9"}, want: "203.0.113.9"},
		{name: "blank header line adds no hop", p: trusted, peer: "10.0.0.2:4000",
			xff: []string{"203.0.113.9", "  "}, want: "203.0.113.9"},
		{name: "no header from a trusted proxy", p: trusted, peer: "10.0.0.2:4000", want: "10.0.0.2"},
		{name: "all hops trusted: left-most", p: trusted, peer: "10.0.0.2:4000",
			xff: []string{"10.1.1.1, 10.2.2.2"}, want: "10.1.1.1"},
		{name: "IPv6 peer and client", p: trusted, peer: "[2001:db8:ffff::2]:4000",
			xff: []string{"2001:db8:1:2::3"}, want: "2001:db8:1:2::3"},
		{name: "IPv6 client bracketed with port", p: trusted, peer: "10.0.0.2:4000",
			xff: []string{"[2001:db8:1:2::3]:5555"}, want: "2001:db8:1:2::3"},
		{name: "IPv6 client bracketed", p: trusted, peer: "10.0.0.2:4000",
			xff: []string{"[2001:db8:1:2::3]"}, want: "2001:db8:1:2::3"},
		{name: "IPv4 client with port", p: trusted, peer: "10.0.0.2:4000",
			xff: []string{"203.0.113.9:5555"}, want: "203.0.113.9"},
		{name: "IPv4-mapped peer is unmapped", p: trusted, peer: "[::ffff:10.0.0.2]:4000",
			xff: []string{"::ffff:203.0.113.9"}, want: "203.0.113.9"},
		{name: "garbage falls back to the peer", p: trusted, peer: "10.0.0.2:4000",
			xff: []string{"<script>"}, want: "10.0.0.2"},
		{name: "unknown falls back to the peer", p: trusted, peer: "10.0.0.2:4000",
			xff: []string{"1.2.3.4, unknown"}, want: "10.0.0.2"},
		{name: "empty entry falls back to the peer", p: trusted, peer: "10.0.0.2:4000",
			xff: []string{"203.0.113.9,,10.1.1.1"}, want: "10.0.0.2"},
		{name: "trailing comma falls back to the peer", p: trusted, peer: "10.0.0.2:4000",
			xff: []string{"203.0.113.9,"}, want: "10.0.0.2"},
		{name: "zone falls back to the peer", p: trusted, peer: "10.0.0.2:4000",
			xff: []string{"fe80::1%eth0"}, want: "10.0.0.2"},
		{name: "oversized entry falls back to the peer", p: trusted, peer: "10.0.0.2:4000",
			xff: []string{strings.Repeat("1", 5000)}, want: "10.0.0.2"},
		{name: "oversized forged header: only its right end is read", p: trusted, peer: "10.0.0.2:4000",
			xff: []string{long + "203.0.113.9"}, want: "203.0.113.9"},
		{name: "too many trusted hops falls back to the peer", p: trusted, peer: "10.0.0.2:4000",
			xff: []string{"203.0.113.9, " + strings.Repeat("10.1.1.1, ", 20) + "10.1.1.1"}, want: "10.0.0.2"},
		{name: "peer not an IP", p: trusted, peer: "@", xff: []string{"203.0.113.9"}, want: "@"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = c.peer
			for _, v := range c.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			// Forwarded is never read (see ClientAddr).
			r.Header.Set("Forwarded", "for=192.0.2.200")
			if got := c.p.ClientAddr(r); got != c.want {
				t.Errorf("ClientAddr = %q, want %q", got, c.want)
			}
		})
	}
}

func TestClientAddrThroughMiddleware(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "10.0.0.2:4000"
	r.Header.Set("X-Forwarded-For", "2001:db8:1:2:3:4:5:6")
	// Without the middleware nobody is trusted.
	if got := ClientAddr(r); got != "10.0.0.2" {
		t.Errorf("without middleware: %q", got)
	}
	var addr, key string
	h := mustProxies(t, "10.0.0.0/8").Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		addr, key = ClientAddr(r), ClientKey(r)
	}))
	h.ServeHTTP(httptest.NewRecorder(), r)
	if addr != "2001:db8:1:2:3:4:5:6" || key != "2001:db8:1:2::" {
		t.Errorf("addr %q key %q", addr, key)
	}
	// A nil Proxies adds no middleware at all (nothing per request).
	inner := http.NotFoundHandler()
	var none *Proxies
	if got := none.Middleware(inner); got == nil {
		t.Error("nil middleware")
	}
}

// TestNoClientAddressLogged: the access log never holds the client's
// address, the peer's or the forwarded one.
func TestNoClientAddressLogged(t *testing.T) {
	var buf bytes.Buffer
	var mu sync.Mutex
	logger := slog.New(slog.NewTextHandler(lockedWriter{&mu, &buf}, nil))
	h, err := NewStack(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, ClientAddr(r))
	}), StackOptions{Logger: logger, AccessLog: true, Proxies: mustProxies(t, "127.0.0.1", "::1")})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	req, _ := http.NewRequest("GET", srv.URL+"/x", nil)
	req.Header.Set("X-Forwarded-For", "203.0.113.77")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if string(b) != "203.0.113.77" {
		t.Fatalf("handler saw %q", b)
	}
	mu.Lock()
	log := buf.String()
	mu.Unlock()
	if !strings.Contains(log, "path=/x") {
		t.Fatalf("no access log line: %s", log)
	}
	for _, a := range []string{"203.0.113.77", "127.0.0.1", "::1"} {
		if strings.Contains(log, a) {
			t.Errorf("access log holds %s: %s", a, log)
		}
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
