package site

import (
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"unionhall/internal/content"
	"unionhall/internal/web"
)

// Options configure a Server.
type Options struct {
	// Logger receives render errors; nil means slog.Default().
	Logger *slog.Logger
	// Now is the clock; nil means time.Now. Tests inject a fake one.
	Now func() time.Time
	// BaseURL is used for absolute links (feeds, sitemap, canonical, QR codes)
	// when the site config has no baseURL, e.g. "https://union.example".
	// When both are empty the request's Host is used and cached per host.
	BaseURL string
	// CacheBytes bounds the memory the response cache may hold; 0 means
	// DefaultCacheBytes. When it is exceeded the cache starts afresh: crude,
	// but it keeps a 5,000-page site within the memory goal and hot pages
	// return at once.
	CacheBytes int64
	// Root is the site folder (os.DirFS(dir) or the example site's FS), used
	// to read page bundle resources such as posters. Needed until
	// content.Site exposes its root itself.
	Root fs.FS
	// EventExtra, when set, returns HTML shown on an event's own page below
	// its details (internal/events: the "Register" link and calendar links).
	// Its result is cached with the page until the site or an event's state
	// changes, so it must depend only on the page, now's event state and
	// rarely changed stored settings (such as registration closed early) —
	// never on live numbers (those belong on the feature's own, uncached
	// page) nor on the request beyond its host. When such a stored setting
	// changes, the feature calls DropCache.
	EventExtra func(r *http.Request, p *content.Page, now time.Time) template.HTML
	// NextChange, when set, names a further instant after now at which
	// cached pages go stale, beyond the site's own (content.Site.NextChange):
	// internal/events gives the next registration deadline, when an event
	// page's "Register" link must disappear. Zero means none.
	NextChange func(site *content.Site, now time.Time) time.Time
	// Members, when set, decides who may read member-only pages (front
	// matter `members: true`; internal/portal). Without it such pages are
	// refused to everyone (401).
	Members Members
	// MemberExtra, when set, returns HTML shown on a member-only page to
	// the signed-in member reading it, below its content (internal/votes:
	// a meeting's open votes and, after the close, their results). It is
	// asked on every request and its page is never cached: what it
	// returns may depend on the member and on live state. Returning ""
	// leaves the page to the cache as usual.
	MemberExtra func(r *http.Request, p *content.Page) template.HTML
}

// Members is the member portal as the site needs it.
type Members interface {
	// SignedIn reports whether the request carries a member session.
	SignedIn(r *http.Request) (bool, error)
	// SignInPage answers a member-only page asked for without one: a
	// sign-in page in lang with status 401 (never 404, never the content).
	SignInPage(w http.ResponseWriter, r *http.Request, lang, next string)
}

// DefaultCacheBytes is the response cache's default budget. Issue 2 asks
// for a 5,000-page site to be served in under 60 MB of resident memory; the
// loaded site itself takes about 18 MB of heap and the binary about 20 MB of
// mapped code, so the cache gets 3 MiB: a few hundred typical pages with
// both their identity and gzip bytes, more than the pages a union's site
// has in demand at once. A miss costs one template execution and one
// compression (about a millisecond), not a disk read.
const DefaultCacheBytes = 3 << 20

// Server serves one site at a time; SetSite swaps it atomically.
type Server struct {
	log         *slog.Logger
	now         func() time.Time
	baseURL     string
	cacheBytes  int64
	theme       *theme
	root        fs.FS
	eventExtra  func(r *http.Request, p *content.Page, now time.Time) template.HTML
	nextChange  func(site *content.Site, now time.Time) time.Time
	members     Members
	memberExtra func(r *http.Request, p *content.Page) template.HTML

	mu  sync.Mutex // serialises cache generation changes
	gen atomic.Pointer[generation]
}

// New returns a Server for site (which may be nil until SetSite).
func New(site *content.Site, opts Options) *Server {
	s := &Server{
		log:         opts.Logger,
		now:         opts.Now,
		baseURL:     strings.TrimRight(opts.BaseURL, "/"),
		cacheBytes:  opts.CacheBytes,
		theme:       loadTheme(),
		root:        opts.Root,
		eventExtra:  opts.EventExtra,
		nextChange:  opts.NextChange,
		members:     opts.Members,
		memberExtra: opts.MemberExtra,
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.cacheBytes <= 0 {
		s.cacheBytes = DefaultCacheBytes
	}
	if site != nil {
		s.SetSite(site)
	}
	return s
}

// SetSite swaps in a (re)loaded site and drops every cached response.
func (s *Server) SetSite(site *content.Site) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gen.Store(s.newGeneration(site, s.now()))
}

// Site returns the site being served.
func (s *Server) Site() *content.Site {
	if g := s.gen.Load(); g != nil {
		return g.site
	}
	return nil
}

// Register adds the site's routes: "GET /" (a catch-all for pages, feeds,
// sitemap, robots.txt, static files and resources) and "GET /{$}" (the
// language redirect). Features register more specific patterns beside it.
func (s *Server) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /{$}", s.serveRoot)
	mux.HandleFunc("GET /", s.serve)
}

// ServeHTTP lets the Server be used as a handler on its own.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if r.URL.Path == "/" {
		s.serveRoot(w, r)
		return
	}
	s.serve(w, r)
}

// current returns the cache generation valid at now, starting a new one
// when the old one has expired (a page or event changed state).
func (s *Server) current(now time.Time) *generation {
	g := s.gen.Load()
	if g == nil || g.validAt(now) {
		return g
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if g2 := s.gen.Load(); g2 != g && g2.validAt(now) {
		return g2
	}
	ng := s.newGeneration(g.site, now)
	s.gen.Store(ng)
	return ng
}

// flush starts an empty cache for the same site and validity when the cache
// outgrew its budget.
func (s *Server) flush(g *generation) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gen.Load() != g {
		return
	}
	ng := &generation{site: g.site, until: g.until}
	s.gen.Store(ng)
}

// DropCache forgets every cached response, keeping the site: the next
// request for each page renders it afresh. Features call it after a change
// that alters what Options.EventExtra returns but that the site cannot see
// by itself — internal/events when an organiser closes or reopens
// registration early, a database flag rather than content or time. Such
// changes are rare, so dropping everything (not just the affected pages) is
// simpler and costs only one render per page afterwards.
//
// Callers must call it after their change is visible to other readers (the
// transaction committed): a request that picks the new, empty cache then
// renders from the new state, while a request still building into the old
// cache stores into one nobody reads any more.
func (s *Server) DropCache() {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.gen.Load()
	if g == nil {
		return
	}
	s.gen.Store(s.newGeneration(g.site, s.now()))
}

// serveRoot redirects "/" to the home of the visitor's language.
func (s *Server) serveRoot(w http.ResponseWriter, r *http.Request) {
	g := s.current(s.now())
	if g == nil {
		http.Error(w, "site not loaded", http.StatusServiceUnavailable)
		return
	}
	lang := s.visitorLang(g.site, r)
	target := "/" + lang + "/"
	if home := g.site.Home(lang); home != nil && home.URL != "" {
		target = home.URL
	}
	h := w.Header()
	h.Set("Location", target)
	h.Set("Vary", "Accept-Language")
	h.Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusFound)
}

// maxPathLen: longer paths are not ours; answer 404 without further work.
const maxPathLen = 2048

// serve is the catch-all: cached response, else build, else 404.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	now := s.now()
	g := s.current(now)
	if g == nil {
		http.Error(w, "site not loaded", http.StatusServiceUnavailable)
		return
	}
	p := r.URL.Path
	if len(p) > maxPathLen || strings.ContainsAny(p, "\x00\r\n") {
		s.notFound(g, w, r, now)
		return
	}
	if g.site.MembersOnlyPath(p) {
		if !s.memberMayRead(g, w, r, p, now) {
			return
		}
		// The bytes are the same for every member, so the cache may keep
		// them; what leaves must never be stored by a shared cache.
		w = &privateWriter{ResponseWriter: w}
		if e := s.memberPage(g, r, p, now); e != nil {
			e.write(w, r)
			return
		}
	}
	host := s.cacheHost(g.site, r)
	if e := g.load(host, p); e != nil {
		e.write(w, r)
		return
	}
	e := s.build(g, r, p, now)
	if e == nil {
		s.notFound(g, w, r, now)
		return
	}
	if e.cacheable {
		s.storePage(g, host, p, e)
	}
	e.write(w, r)
}

func (s *Server) store(g *generation, key string, e *entry) {
	if _, loaded := g.entries.LoadOrStore(key, e); loaded {
		return
	}
	s.grew(g, e.size)
}

// storePage caches a page's response under its path and, when links
// depend on it, its host.
func (s *Server) storePage(g *generation, host, p string, e *entry) {
	if host == "" {
		s.store(g, p, e)
		return
	}
	m, ok := g.hosts.Load(host)
	if !ok {
		var loaded bool
		m, loaded = g.hosts.LoadOrStore(host, new(sync.Map))
		if !loaded {
			s.grew(g, hostOverhead)
		}
	}
	if _, loaded := m.(*sync.Map).LoadOrStore(p, e); !loaded {
		s.grew(g, e.size)
	}
}

// hostOverhead is what a host's own map costs the cache budget, so that
// requests naming many hosts cannot grow it unseen.
const hostOverhead = 512

func (s *Server) grew(g *generation, n int64) {
	if g.size.Add(n) > s.cacheBytes {
		s.flush(g)
	}
}

// load returns the cached response for path p (and host, when links
// depend on it), or nil. It allocates nothing: the public site's hot path.
func (g *generation) load(host, p string) *entry {
	m := &g.entries
	if host != "" {
		hm, ok := g.hosts.Load(host)
		if !ok {
			return nil
		}
		m = hm.(*sync.Map)
	}
	if v, ok := m.Load(p); ok {
		return v.(*entry)
	}
	return nil
}

// cacheHost is "" when absolute links do not depend on the request (a base
// URL is configured), else the request's host, so one visitor's Host header
// cannot end up in another visitor's page.
func (s *Server) cacheHost(site *content.Site, r *http.Request) string {
	if s.base(site, nil) != "" {
		return ""
	}
	return requestHost(r)
}

// ServeCached answers a GET or HEAD of a page the response cache holds, and
// reports whether it did; otherwise it has written nothing. It is the
// public site's hot path (issue 8): the app puts it in front of its
// middleware and router (web.StackOptions.Fast), so a cached page costs
// little more than writing its bytes.
//
// It is exactly what the full path would answer. Only pages served by the
// catch-all route are ever cached, and the router's patterns are fixed
// before the first request, so a cached path is one no other route claims
// (the app's content-type and event routing in front of the site decide by
// content and time, and a change of either starts a new cache generation).
// Only complete 200 responses with a Content-Type take this path: for them
// the gzip middleware would change nothing (each carries its own gzip
// variant and Vary), while the security headers are set here as the
// middleware sets them. Paths with escapes that net/http keeps (RawPath)
// are left to the router, which matches on the escaped form.
func (s *Server) ServeCached(w http.ResponseWriter, r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	p := r.URL.Path
	if r.URL.RawPath != "" || len(p) > maxPathLen || p == "/" {
		return false
	}
	g := s.current(s.now())
	if g == nil {
		return false
	}
	// Member-only pages are cached too (the same bytes for every member),
	// but only the full path asks whether the visitor is one.
	if g.site.MembersOnlyPath(p) {
		return false
	}
	e := g.load(s.cacheHost(g.site, r), p)
	if e == nil || !e.fast {
		return false
	}
	web.SetSecurityHeaders(w.Header())
	e.write(w, r)
	return true
}

// visitorLang is the language of the URL prefix, else Accept-Language, else
// the default language.
func (s *Server) visitorLang(site *content.Site, r *http.Request) string {
	if seg := firstSegment(r.URL.Path); seg != "" && site.Lang(seg) != nil {
		return seg
	}
	codes := make([]string, len(site.Languages))
	for i, l := range site.Languages {
		codes[i] = l.Code
	}
	def := site.DefaultLang
	if site.Lang(def) == nil && len(codes) > 0 {
		def = codes[0]
	}
	return web.NegotiateLanguage(r.Header.Get("Accept-Language"), codes, def)
}

func firstSegment(p string) string {
	p = strings.TrimPrefix(p, "/")
	seg, _, _ := strings.Cut(p, "/")
	return seg
}

// base returns the absolute origin for links, without a trailing slash:
// Options.BaseURL (the operator's public_url: where this instance really
// runs), else the site's baseURL, else (when r is given) the request's scheme
// and host. It returns "" when r is nil and nothing is configured.
func (s *Server) base(site *content.Site, r *http.Request) string {
	if s.baseURL != "" {
		return s.baseURL
	}
	if site != nil && site.BaseURL != "" {
		return strings.TrimRight(site.BaseURL, "/")
	}
	if r == nil {
		return ""
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + requestHost(r)
}

// requestHost returns the Host header when it is a plausible host[:port],
// else "localhost", so a hostile Host cannot inject markup or grow the
// cache without bound.
func requestHost(r *http.Request) string {
	h := strings.ToLower(r.Host)
	if h == "" || len(h) > 255 {
		return "localhost"
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == ':' || c == '[' || c == ']') {
			return "localhost"
		}
	}
	return h
}

// memberMayRead lets a signed-in member through to a member-only path and
// answers everyone else with the portal's sign-in page (401) in the page's
// language. It reports whether to go on.
func (s *Server) memberMayRead(g *generation, w http.ResponseWriter, r *http.Request, p string, now time.Time) bool {
	lang := s.visitorLang(g.site, r)
	if s.members == nil {
		w.Header().Set("Cache-Control", "no-store")
		http.Error(w, "401 members only", http.StatusUnauthorized)
		return false
	}
	ok, err := s.members.SignedIn(r)
	if err != nil {
		s.log.Error("member session check failed", "err", err)
		w.Header().Set("Cache-Control", "no-store")
		http.Error(w, "503 service unavailable", http.StatusServiceUnavailable)
		return false
	}
	if !ok {
		w.Header().Set("X-Robots-Tag", "noindex, nofollow")
		s.members.SignInPage(w, r, lang, p)
		return false
	}
	return true
}

// memberPage renders a member-only page with Options.MemberExtra's HTML
// for this request, never cached; nil when there is no such hook, no such
// page, or the hook has nothing to add (the cached page serves).
func (s *Server) memberPage(g *generation, r *http.Request, p string, now time.Time) *entry {
	if s.memberExtra == nil {
		return nil
	}
	pg := g.site.PageByURL(p)
	if pg == nil || !pg.Visible(now) || !pg.MembersOnly {
		return nil
	}
	extra := s.memberExtra(r, pg)
	if extra == "" {
		return nil
	}
	e := s.renderPageExtra(g, r, pg, 1, now, extra)
	if e != nil {
		e.cacheable = false
	}
	return e
}

// privateWriter marks a member-only response private and unindexed,
// whatever its cache entry says.
type privateWriter struct {
	http.ResponseWriter
	done bool
}

func (p *privateWriter) WriteHeader(code int) {
	if !p.done {
		p.done = true
		h := p.Header()
		h.Set("Cache-Control", "private, no-store")
		h.Set("X-Robots-Tag", "noindex, nofollow")
		h.Set("Referrer-Policy", "no-referrer")
	}
	p.ResponseWriter.WriteHeader(code)
}

func (p *privateWriter) Write(b []byte) (int, error) {
	if !p.done {
		p.WriteHeader(http.StatusOK)
	}
	return p.ResponseWriter.Write(b)
}

func (p *privateWriter) Unwrap() http.ResponseWriter { return p.ResponseWriter }
