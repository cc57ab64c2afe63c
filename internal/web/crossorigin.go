package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// CORSRoute opens one API path to browser calls from pages on other
// origins — the join API, which a union's existing website (often on its
// own domain) calls with fetch. Nothing else is opened: every other path
// keeps the default cross-origin protection, so an allowed site still
// cannot post the join form, sign in to the console or act on a session.
type CORSRoute struct {
	// Path is the exact URL path ("/api/registration/join"). A path that
	// only cleans or redirects to it is not opened.
	Path string
	// Method is the one method other origins may use ("POST").
	Method string
	// Origins are exact origins ("https://union.example"); see
	// ParseOrigin. An empty list opens nothing.
	Origins []string
}

// corsMaxAge is how long a browser may cache a preflight answer, in seconds
// (Chromium caps it at two hours, Firefox at a day).
const corsMaxAge = "7200"

// ParseOrigin checks an allowed origin and returns it as browsers send it
// in the Origin header — lower-case scheme and host, no default port, no
// trailing slash — so that comparing strings is exact. "*" and "null" are
// refused: the join API is for named sites, and a sandboxed or local page
// ("null") could be anyone.
func ParseOrigin(s string) (string, error) {
	s = strings.TrimSpace(s)
	switch s {
	case "":
		return "", errors.New("empty origin")
	case "*":
		return "", errors.New(`"*" is not allowed: list each site, like "https://union.example"`)
	case "null":
		return "", errors.New(`"null" is not allowed: list each site, like "https://union.example"`)
	}
	u, err := url.Parse(s)
	// url.Parse lower-cases the scheme.
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Opaque != "" {
		return "", fmt.Errorf("%q: want an origin like \"https://union.example\"", s)
	}
	if u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return "", fmt.Errorf("%q: an origin is only scheme://host[:port], with no path, query or user", s)
	}
	for _, c := range u.Host {
		if c > 0x7e {
			return "", fmt.Errorf("%q: write the host in its ASCII form (xn--…), as browsers send it", s)
		}
	}
	if name := u.Hostname(); !strings.Contains(name, ":") { // IPv6 literals are checked by url.Parse
		for _, c := range name {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_') {
				return "", fmt.Errorf("%q: the host may hold only letters, digits, '-' and '.' (no wildcards)", s)
			}
		}
	}
	scheme := u.Scheme
	host := strings.ToLower(u.Host)
	if port := u.Port(); (scheme == "https" && port == "443") || (scheme == "http" && port == "80") {
		host = strings.TrimSuffix(host, ":"+port)
	}
	if u.Hostname() == "" {
		return "", fmt.Errorf("%q: want an origin like \"https://union.example\"", s)
	}
	return scheme + "://" + host, nil
}

// corsRoute is one CORSRoute ready to serve.
type corsRoute struct {
	method  string
	origins map[string]bool
	// cop trusts exactly this route's origins. It is a separate
	// http.CrossOriginProtection from the one guarding every other path:
	// AddTrustedOrigin applies to all paths of the protection it is added
	// to, so one shared protection would open the whole site to the listed
	// sites.
	cop *http.CrossOriginProtection
}

// CrossOriginRoutes is the cross-origin (CSRF) protection of every route —
// http.CrossOriginProtection, which refuses state-changing browser requests
// from other sites — with the listed routes opened to their origins:
//
//   - a CORS preflight (OPTIONS with Access-Control-Request-Method) from an
//     allowed origin for the route's method is answered 204 with
//     Access-Control-Allow-Origin (the origin itself, never "*"),
//     -Allow-Methods, -Allow-Headers: Content-Type and -Max-Age; from any
//     other origin, or for another method, 403 with no CORS headers;
//   - the route's method from an allowed origin passes and its answer
//     carries Access-Control-Allow-Origin (and exposes Retry-After, so the
//     calling page can say when to try again);
//   - everything else on the route is checked as any other path: other
//     sites get 403, same-origin and non-browser calls pass.
//
// No Access-Control-Allow-Credentials is sent: browsers then send no
// cookies along and cannot read an answer that depended on them.
// Responses on an opened path vary by Origin.
func CrossOriginRoutes(routes ...CORSRoute) (Middleware, error) {
	global := http.NewCrossOriginProtection()
	byPath := map[string]*corsRoute{}
	for _, rt := range routes {
		if len(rt.Origins) == 0 {
			continue
		}
		if !strings.HasPrefix(rt.Path, "/") {
			return nil, fmt.Errorf("cross-origin route %q: want a path starting with /", rt.Path)
		}
		if rt.Method == "" || rt.Method == http.MethodOptions {
			return nil, fmt.Errorf("cross-origin route %s: want a method such as POST", rt.Path)
		}
		if byPath[rt.Path] != nil {
			return nil, fmt.Errorf("cross-origin route %s: listed twice", rt.Path)
		}
		c := &corsRoute{method: rt.Method, origins: map[string]bool{}, cop: http.NewCrossOriginProtection()}
		for _, o := range rt.Origins {
			n, err := ParseOrigin(o)
			if err != nil {
				return nil, err
			}
			if err := c.cop.AddTrustedOrigin(n); err != nil {
				return nil, err
			}
			c.origins[n] = true
		}
		byPath[rt.Path] = c
	}
	if len(byPath) == 0 {
		return global.Handler, nil
	}
	return func(next http.Handler) http.Handler {
		protected := global.Handler(next)
		opened := make(map[string]http.Handler, len(byPath))
		for p, c := range byPath {
			opened[p] = c.cop.Handler(next)
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c := byPath[r.URL.Path]
			if c == nil {
				protected.ServeHTTP(w, r)
				return
			}
			h := w.Header()
			h.Add("Vary", "Origin")
			origin := r.Header.Get("Origin")
			allowed := origin != "" && c.origins[origin]
			if reqMethod := r.Header.Get("Access-Control-Request-Method"); r.Method == http.MethodOptions && reqMethod != "" {
				if !allowed || reqMethod != c.method {
					h.Set("Cache-Control", "no-store")
					http.Error(w, "403 Forbidden: cross-origin request not allowed", http.StatusForbidden)
					return
				}
				h.Set("Access-Control-Allow-Origin", origin)
				h.Set("Access-Control-Allow-Methods", c.method)
				h.Set("Access-Control-Allow-Headers", "Content-Type")
				h.Set("Access-Control-Max-Age", corsMaxAge)
				w.WriteHeader(http.StatusNoContent)
				return
			}
			if r.Method != c.method {
				// Only the route's own method is opened.
				protected.ServeHTTP(w, r)
				return
			}
			if allowed {
				h.Set("Access-Control-Allow-Origin", origin)
				h.Set("Access-Control-Expose-Headers", "Retry-After")
			}
			opened[r.URL.Path].ServeHTTP(w, r)
		})
	}, nil
}
