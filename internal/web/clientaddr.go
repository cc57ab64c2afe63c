package web

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Proxies is the set of reverse proxies trusted to say who their client is
// (the trusted_proxies setting). Behind a proxy every connection comes from
// the proxy, so without this every visitor would share one rate-limit
// bucket and one person could lock everybody out of the join form, event
// registration and the console's sign-in.
//
// The zero value and nil trust nobody: the connection's own address is the
// client. That is the safe default, because a client that is not behind a
// proxy we trust can write any X-Forwarded-For it likes; loopback is not
// trusted by default either, since a proxy on the same machine is a choice
// the operator makes, not something we can assume.
type Proxies struct {
	prefixes []netip.Prefix
}

// ParseProxies reads a list of IP addresses ("10.0.0.5", "::1") and CIDR
// ranges ("10.0.0.0/8", "fd00::/8"). An empty list gives nil (trust nobody).
// The error names the first entry that is neither.
func ParseProxies(list []string) (*Proxies, error) {
	var p Proxies
	for _, s := range list {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if strings.Contains(s, "/") {
			pf, err := netip.ParsePrefix(s)
			if err != nil {
				return nil, fmt.Errorf("%q is not an IP address or CIDR range (like 10.0.0.0/8)", s)
			}
			// An IPv4 range written as IPv4-mapped IPv6 would never match:
			// addresses are unmapped before they are compared.
			if pf.Addr().Is4In6() {
				if pf.Bits() < 96 {
					return nil, fmt.Errorf("%q: write IPv4 ranges as IPv4 (like 10.0.0.0/8)", s)
				}
				pf = netip.PrefixFrom(pf.Addr().Unmap(), pf.Bits()-96)
			}
			p.prefixes = append(p.prefixes, pf.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil || a.Zone() != "" {
			return nil, fmt.Errorf("%q is not an IP address or CIDR range (like 10.0.0.0/8)", s)
		}
		a = a.Unmap()
		p.prefixes = append(p.prefixes, netip.PrefixFrom(a, a.BitLen()))
	}
	if len(p.prefixes) == 0 {
		return nil, nil
	}
	return &p, nil
}

// Trusts reports whether a is one of the trusted proxies.
func (p *Proxies) Trusts(a netip.Addr) bool {
	if p == nil {
		return false
	}
	a = a.Unmap().WithZone("")
	for _, pf := range p.prefixes {
		if pf.Contains(a) {
			return true
		}
	}
	return false
}

// maxForwardHops bounds how many X-Forwarded-For entries are read, from the
// right. Real chains are one or two proxies long; an attacker can send a
// header of thousands, and only its right end, written by our own proxies,
// matters. More trusted hops than this falls back to the peer.
const maxForwardHops = 16

// maxForwardEntry is longer than any address we accept ("[v6]:port").
const maxForwardEntry = 64

// ClientAddr returns the address of the client that made r, without port:
//
//   - the connection's peer (r.RemoteAddr) when it is not a trusted proxy,
//     whatever headers it sent (anyone can forge X-Forwarded-For);
//   - behind trusted proxies, the first address in X-Forwarded-For, walking
//     from the right (the entry our own proxy appended) and skipping the
//     addresses of trusted proxies, that is not itself trusted; when every
//     entry is trusted, the left-most one read.
//
// A malformed entry on the way (not an IP address, empty, too long) or more
// than maxForwardHops trusted hops make it fall back to the peer: the
// request then shares the proxy's bucket rather than picking its own.
//
// Only X-Forwarded-For is read, not RFC 7239 Forwarded: every common proxy
// (nginx, Caddy, Traefik, HAProxy, Apache) writes X-Forwarded-For, and a
// proxy that writes one header passes the other through from the client
// untouched, so reading both would let clients choose their own address.
func (p *Proxies) ClientAddr(r *http.Request) string {
	peer, ok := parsePeer(r.RemoteAddr)
	if !ok {
		// Not an IP (a unix socket, a test's fake address): use it as is.
		return hostOnly(r.RemoteAddr)
	}
	if !p.Trusts(peer) {
		return peer.String()
	}
	client, hops := peer, 0
	vals := r.Header.Values("X-Forwarded-For")
	for i := len(vals) - 1; i >= 0; i-- {
		v := vals[i]
		if strings.TrimSpace(v) == "" {
			continue // an empty header line adds no hop
		}
		for {
			j := strings.LastIndexByte(v, ',')
			entry := v[j+1:]
			if hops++; hops > maxForwardHops {
				return peer.String()
			}
			a, ok := parseForwarded(entry)
			if !ok {
				return peer.String()
			}
			client = a
			if !p.Trusts(a) {
				return a.String()
			}
			if j < 0 {
				break
			}
			v = v[:j]
		}
	}
	return client.String()
}

// parsePeer reads RemoteAddr ("1.2.3.4:5678", "[::1]:5678").
func parsePeer(remote string) (netip.Addr, bool) {
	if ap, err := netip.ParseAddrPort(remote); err == nil {
		return ap.Addr().Unmap().WithZone(""), true
	}
	a, err := netip.ParseAddr(hostOnly(remote))
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap().WithZone(""), true
}

func hostOnly(remote string) string {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		return remote
	}
	return host
}

// parseForwarded reads one X-Forwarded-For entry: an address, optionally
// with a port ("1.2.3.4:80", "[2001:db8::1]:80", "[2001:db8::1]") as some
// proxies write it.
func parseForwarded(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > maxForwardEntry {
		return netip.Addr{}, false
	}
	if a, err := netip.ParseAddr(s); err == nil {
		if a.Zone() != "" {
			return netip.Addr{}, false
		}
		return a.Unmap(), true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil && ap.Addr().Zone() == "" {
		return ap.Addr().Unmap(), true
	}
	if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		if a, err := netip.ParseAddr(s[1 : len(s)-1]); err == nil && a.Is6() && a.Zone() == "" {
			return a.Unmap(), true
		}
	}
	return netip.Addr{}, false
}

type proxiesKey struct{}

// Middleware makes ClientAddr(r) use p for the requests it passes on. With
// no trusted proxy it returns next itself, so a server that is not behind a
// proxy pays nothing per request.
func (p *Proxies) Middleware(next http.Handler) http.Handler {
	if p == nil || len(p.prefixes) == 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), proxiesKey{}, p)))
	})
}

// ClientAddr is the client's address for per-client rate limits, as decided
// by the trusted proxies the request was served with (Proxies.Middleware,
// part of the app's stack); without them it is the connection's peer.
//
// It is for counting in memory only: client addresses are personal data and
// are never logged or stored (the access log has no address field).
func ClientAddr(r *http.Request) string {
	p, _ := r.Context().Value(proxiesKey{}).(*Proxies)
	return p.ClientAddr(r)
}

// ClientKey is ClientAddr grouped the way rate limits should count: IPv4
// addresses as they are, IPv6 by /64, because one household or phone gets
// a whole /64 and could otherwise take a fresh address for every request.
func ClientKey(r *http.Request) string {
	s := ClientAddr(r)
	a, err := netip.ParseAddr(s)
	if err != nil || !a.Is6() {
		return s
	}
	pf, err := a.Prefix(64)
	if err != nil {
		return s
	}
	return pf.Addr().String()
}
