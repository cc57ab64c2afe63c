package site

import (
	"bytes"
	"cmp"
	"html/template"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"unionhall/internal/content"
)

const (
	perPage       = 10 // statements and other lists
	perPagePast   = 20 // past events
	homeEvents    = 3
	homeStatement = 3
	htmlType      = "text/html; charset=utf-8"
)

// build produces the response for a path that is not cached yet, or nil
// for 404. The order matters: theme files and site-wide files first, then
// pages of a language, then files.
func (s *Server) build(g *generation, r *http.Request, p string, now time.Time) *entry {
	site := g.site
	if e, ok := s.theme.files[p]; ok {
		return e
	}
	switch p {
	case "/sitemap.xml":
		return s.sitemap(site, r, now)
	case "/robots.txt":
		if e := s.staticFile(site, p); e != nil {
			return e
		}
		return s.robots(site, r)
	}
	if lang := firstSegment(p); site.Lang(lang) != nil {
		if e := s.buildLang(g, r, p, lang, now); e != nil {
			return e
		}
	}
	if target, ok := site.AliasTarget(p); ok && isSitePath(target) {
		return redirect(http.StatusMovedPermanently, target)
	}
	if file, ok := site.ResourceByURL(p); ok {
		if e := s.resource(site, file); e != nil {
			return e
		}
	}
	if strings.HasPrefix(p, "/assets/") && site.Assets != nil {
		if e := fileEntry(site.Assets, strings.TrimPrefix(p, "/assets/")); e != nil {
			return e
		}
	}
	if e := s.staticFile(site, p); e != nil {
		return e
	}
	// Old links without a language prefix keep working for the default
	// language when the config keeps it at the root (Hugo's default).
	if !site.DefaultLangInSubdir {
		target := "/" + site.DefaultLang + p
		if !strings.HasSuffix(target, "/") {
			target += "/"
		}
		if pg := site.PageByURL(target); pg != nil && pg.Visible(now) {
			return redirect(http.StatusMovedPermanently, pg.URL)
		}
	}
	return nil
}

// buildLang handles paths under a language prefix.
func (s *Server) buildLang(g *generation, r *http.Request, p, lang string, now time.Time) *entry {
	site := g.site
	if pg := site.PageByURL(p); pg != nil && pg.Visible(now) {
		return s.renderPage(g, r, pg, 1, now)
	}
	if !strings.HasSuffix(p, "/") {
		if pg := site.PageByURL(p + "/"); pg != nil && pg.Visible(now) {
			return redirect(http.StatusMovedPermanently, pg.URL)
		}
	}
	// Pagination: <list URL>page/N/.
	if i := strings.LastIndex(p, "/page/"); i >= 0 && strings.HasSuffix(p, "/") {
		n, err := strconv.Atoi(strings.TrimSuffix(p[i+len("/page/"):], "/"))
		if err == nil && n >= 1 && n < 100000 {
			if pg := site.PageByURL(p[:i+1]); pg != nil && pg.Visible(now) && pg.Kind != content.KindPage {
				if n == 1 {
					return redirect(http.StatusMovedPermanently, pg.URL)
				}
				return s.renderPage(g, r, pg, n, now)
			}
		}
	}
	if strings.HasSuffix(p, "/index.xml") {
		if pg := site.PageByURL(strings.TrimSuffix(p, "index.xml")); pg != nil && pg.Visible(now) && feedType(pg) != "" {
			return s.feed(site, r, pg, now)
		}
	}
	return nil
}

// renderPage renders one page (pageNum > 1 for list pages) with the layout.
func (s *Server) renderPage(g *generation, r *http.Request, p *content.Page, pageNum int, now time.Time) *entry {
	return s.renderPageExtra(g, r, p, pageNum, now, "")
}

// renderPageExtra is renderPage with a member-only page's per-request HTML
// (Options.MemberExtra) below its content.
func (s *Server) renderPageExtra(g *generation, r *http.Request, p *content.Page, pageNum int, now time.Time, extra template.HTML) *entry {
	site := g.site
	u := ui{site: site, lang: p.Lang}
	if p.Type == "faq" && p.Kind == content.KindPage {
		if sec := site.Section(p.Lang, p.Section); sec != nil && sec.Visible(now) {
			return redirect(http.StatusFound, sec.URL+"#"+faqID(p))
		}
	}
	mv := &mainView{UI: u, Lang: p.Lang, Page: p, FirstPage: pageNum == 1, MemberExtra: extra}
	mv.JoinURL, mv.WorkplaceURL = s.joinURL(site, p.Lang, now), s.workplaceURL(site, p.Lang, now)
	mv.EventsURL = sectionURL(site, p.Lang, "events", now)
	mv.StatementsURL = sectionURL(site, p.Lang, "statements", now)

	name := "page"
	canonical := p.URL
	ogType := "website"
	var ogImage string
	switch {
	case p.Plain:
		name = "plain"
	case p.Kind == content.KindHome:
		name = "home"
		mv.Upcoming = s.eventViews(site, r, p.Lang, now, true, homeEvents)
		mv.Statements = limit(s.statements(site, p.Lang, now), homeStatement)
	case p.Type == "faq":
		name = "faq"
		for _, c := range children(site, p, now) {
			mv.FAQ = append(mv.FAQ, faqItem{ID: faqID(c), P: c})
		}
		slices.SortStableFunc(mv.FAQ, func(a, b faqItem) int { return byWeightThenFile(a.P, b.P) })
	case p.Type == "events" && p.Kind != content.KindPage:
		name = "events"
		mv.Upcoming = s.eventViews(site, r, p.Lang, now, true, 0)
		past := s.eventViews(site, r, p.Lang, now, false, 0)
		pg, ok := paginate(len(past), perPagePast, pageNum)
		if !ok {
			return nil
		}
		if pageNum > 1 {
			mv.Upcoming = nil
		}
		mv.Past = past[pg.from:pg.to]
		mv.Pager = s.pager(u, p, pageNum, pg.total)
	case p.Type == "meetings" && p.Kind != content.KindPage:
		name = "meetings"
		mv.Meetings, mv.PastMeetings = s.meetings(site, p, now)
	case p.Type == "meetings":
		name = "meeting"
	case !p.StartDate.IsZero() || p.Type == "events":
		name = "event"
		ev := s.eventView(site, r, p, now, true)
		mv.Event = &ev
		ogType = "article"
	case p.Kind != content.KindPage:
		name = "list"
		items := s.listItems(site, p, now)
		pg, ok := paginate(len(items), perPage, pageNum)
		if !ok {
			return nil
		}
		mv.Items = items[pg.from:pg.to]
		mv.Pager = s.pager(u, p, pageNum, pg.total)
	case p.Type == "statements":
		name = "statement"
		ogType = "article"
		mv.ShareURL = s.base(site, r) + p.URL
		mv.Share = shareLinks(u, p.Title, mv.ShareURL)
	}
	if pageNum > 1 {
		if name != "list" && name != "events" {
			return nil
		}
		canonical = p.URL + "page/" + strconv.Itoa(pageNum) + "/"
	}
	if isSitePath(p.Poster) {
		ogImage = s.abs(site, r, p.Poster)
	}
	var buf bytes.Buffer
	if err := s.theme.tmpl.ExecuteTemplate(&buf, name, mv); err != nil {
		s.log.Error("render page", "file", p.File, "template", name, "err", err)
		return s.errorEntry()
	}
	ld := s.chrome(site, r, p.Lang, canonical, now)
	ld.Title = p.Title
	ld.FullTitle = p.Title + " – " + ld.SiteName
	if p.Kind == content.KindHome {
		ld.FullTitle = ld.SiteName
		if p.SubTitle != "" && p.Title != "" {
			ld.FullTitle = p.Title + " – " + p.SubTitle
		}
	}
	if pageNum > 1 {
		ld.FullTitle = p.Title + " (" + u.T("page") + " " + strconv.Itoa(pageNum) + ") – " + ld.SiteName
	}
	ld.Description = p.DescriptionText
	if ld.Description == "" {
		ld.Description = site.ParamString(p.Lang, "description")
	}
	ld.OGType, ld.OGImage = ogType, ogImage
	ld.NoIndex = ld.NoIndex || p.MembersOnly
	ld.Main = template.HTML(buf.String())
	ld.Switcher, ld.Alternates = s.languageLinks(site, r, p, now)
	return s.layoutEntry(ld, http.StatusOK)
}

// errorEntry is a non-cached 500 for a template failure (a theme bug).
func (s *Server) errorEntry() *entry {
	e := newEntry(http.StatusInternalServerError, "text/plain; charset=utf-8", "no-store", []byte("500 internal server error\n"), nil)
	e.cacheable = false
	return e
}

func (s *Server) layoutEntry(ld *layoutData, status int) *entry {
	var buf bytes.Buffer
	if err := s.theme.tmpl.ExecuteTemplate(&buf, "layout", ld); err != nil {
		s.log.Error("render layout", "err", err)
		return s.errorEntry()
	}
	return newEntry(status, htmlType, ccPage, buf.Bytes(), nil)
}

// languageLinks returns the switcher (every language: the translation of p
// if there is one, else that language's home) and the hreflang alternates
// (only real translations, including p itself).
func (s *Server) languageLinks(site *content.Site, r *http.Request, p *content.Page, now time.Time) (switcher, alternates []link) {
	trans := map[string]*content.Page{p.Lang: p}
	for _, t := range site.Translations(p, now) {
		if t != nil && t.Visible(now) {
			trans[t.Lang] = t
		}
	}
	for _, l := range site.Languages {
		target := "/" + l.Code + "/"
		if h := site.Home(l.Code); h != nil {
			target = h.URL
		}
		if t, ok := trans[l.Code]; ok {
			target = t.URL
			alternates = append(alternates, link{Lang: l.Code, URL: s.abs(site, r, t.URL)})
		}
		switcher = append(switcher, link{Title: l.Name, URL: target, Lang: l.Code, Current: l.Code == p.Lang})
	}
	if len(alternates) < 2 {
		alternates = nil // a lone page has no alternates worth announcing
	}
	return switcher, alternates
}

// chrome fills the parts of the layout shared by every page of a language.
func (s *Server) chrome(site *content.Site, r *http.Request, lang, current string, now time.Time) *layoutData {
	u := ui{site: site, lang: lang}
	ld := &layoutData{UI: u, Lang: lang, CSS: s.theme.css, Icon: s.theme.icon, OGLocale: ogLocale(lang)}
	ld.SiteName = site.Title
	if l := site.Lang(lang); l != nil && l.Title != "" {
		ld.SiteName = l.Title
	}
	ld.HomeURL = "/" + lang + "/"
	ld.Brand = ld.SiteName
	if h := site.Home(lang); h != nil {
		ld.HomeURL = h.URL
		if h.Title != "" {
			ld.Brand = h.Title
			ld.Tagline = h.SubTitle
		}
	}
	if current != "" {
		ld.Canonical = s.abs(site, r, current)
	}
	if logo := site.ParamString(lang, "logo"); logo != "" && site.Assets != nil && validName(logo) {
		if _, err := readLimited(site.Assets, logo, maxFileCache); err == nil {
			ld.Logo = "/assets/" + logo
		}
	}
	ld.JoinURL = s.joinURL(site, lang, now)
	ld.Nav = navItems(site, lang, current, now)
	for _, sec := range []string{"statements", "events"} {
		if pg := site.Section(lang, sec); pg != nil && pg.Visible(now) {
			ld.Feeds = append(ld.Feeds, link{Title: u.T("rss_" + sec), URL: pg.URL + "index.xml"})
		}
	}
	ld.Footer = s.footer(site, lang, now)
	return ld
}

// navTypeOrder orders the main navigation when pages carry no weight.
var navTypeOrder = []string{"about", "events", "statements", "workplaces", "faq", "declaration", "statutes", "careers"}

// navHidden types are reached another way (the join button, the footer).
var navHidden = map[string]bool{"register": true, "privacy": true, "join": true}

// navItems lists the top-level sections and pages of a language.
func navItems(site *content.Site, lang, current string, now time.Time) []link {
	type cand struct {
		p    *content.Page
		rank int
	}
	var cs []cand
	seen := map[string]bool{}
	for _, p := range site.VisiblePages(lang, now) {
		if p.Kind == content.KindHome || p.Plain || p.MembersOnly || navHidden[p.Type] || navHidden[p.Section] || seen[p.URL] {
			continue
		}
		// Top level only: "/en/about/", not "/en/events/2024/x/".
		if strings.Count(strings.Trim(p.URL, "/"), "/") != 1 {
			continue
		}
		if p.Params != nil {
			if v, ok := p.Params["menu"]; ok && v == false {
				continue
			}
		}
		seen[p.URL] = true
		rank := slices.Index(navTypeOrder, p.Type)
		if rank < 0 {
			rank = len(navTypeOrder)
		}
		cs = append(cs, cand{p, rank})
	}
	slices.SortStableFunc(cs, func(a, b cand) int {
		if c := cmp.Compare(a.rank, b.rank); c != 0 {
			return c
		}
		return cmp.Compare(a.p.Title, b.p.Title)
	})
	out := make([]link, 0, len(cs))
	for _, c := range cs {
		// Short labels: a page's linkTitle, else the UI name of a known
		// section type ("Events"), else its title.
		title := c.p.Title
		if lt, ok := c.p.Params["linktitle"].(string); ok && lt != "" {
			title = lt
		} else if c.rank < len(navTypeOrder) && site.HasT(lang, c.p.Type) {
			title = site.T(lang, c.p.Type)
		}
		out = append(out, link{Title: title, URL: c.p.URL, Current: current != "" && strings.HasPrefix(current, c.p.URL)})
	}
	return out
}

func (s *Server) footer(site *content.Site, lang string, now time.Time) footerView {
	u := ui{site: site, lang: lang}
	f := footerView{
		LegalName: site.ParamString(lang, "legalName"),
		RegNo:     site.ParamString(lang, "registrationNumber"),
		Address:   site.ParamString(lang, "address"),
		Email:     site.ParamString(lang, "supportEmail"),
		Phone:     site.ParamString(lang, "supportPhone"),
	}
	f.PhoneHref = template.URL(telHref(f.Phone)) // digits and "+" only: safe
	if m, ok := site.Param(lang, "social").(map[string]any); ok {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if v, ok := m[k].(string); ok && safeURL(v) {
				f.Social = append(f.Social, link{Title: socialName(k), URL: v})
			}
		}
	}
	if list, ok := site.Param(lang, "partners").([]any); ok {
		for _, it := range list {
			m, ok := it.(map[string]any)
			if !ok {
				continue
			}
			name, _ := m["name"].(string)
			href, _ := m["url"].(string)
			if name != "" && safeURL(href) {
				f.Partners = append(f.Partners, link{Title: name, URL: href})
			}
		}
	}
	for _, typ := range []string{"privacy", "declaration", "statutes"} {
		if pg := firstOfType(site, lang, typ, now); pg != nil {
			f.Links = append(f.Links, link{Title: pg.Title, URL: pg.URL})
		}
	}
	for _, sec := range []string{"statements", "events"} {
		if pg := site.Section(lang, sec); pg != nil && pg.Visible(now) {
			f.Links = append(f.Links, link{Title: u.T("rss_" + sec), URL: pg.URL + "index.xml"})
		}
	}
	if f.LegalName != "" && f.RegNo != "" {
		f.Legal = u.TM("footer_legal", "Name", f.LegalName, "ID", f.RegNo)
	} else {
		f.Legal = f.LegalName
	}
	return f
}

func socialName(k string) string {
	names := map[string]string{"mastodon": "Mastodon", "peertube": "PeerTube", "matrix": "Matrix", "bluesky": "Bluesky",
		"facebook": "Facebook", "instagram": "Instagram", "telegram": "Telegram", "youtube": "YouTube",
		"linkedin": "LinkedIn", "twitter": "X (Twitter)", "x": "X", "signal": "Signal", "github": "GitHub"}
	if n, ok := names[strings.ToLower(k)]; ok {
		return n
	}
	return k
}

// safeURL accepts only http(s) and mailto links from params, so a config
// value can never become a javascript: link.
func safeURL(v string) bool {
	u, err := url.Parse(v)
	if err != nil {
		return false
	}
	return u.Scheme == "https" || u.Scheme == "http" || u.Scheme == "mailto"
}

func telHref(phone string) string {
	var b strings.Builder
	for _, c := range phone {
		if c == '+' && b.Len() == 0 || c >= '0' && c <= '9' {
			b.WriteRune(c)
		}
	}
	if b.Len() < 3 {
		return ""
	}
	return "tel:" + b.String()
}

func ogLocale(lang string) string {
	switch lang {
	case "cs":
		return "cs_CZ"
	case "en":
		return "en_GB"
	case "sr":
		return "sr_RS"
	case "sk":
		return "sk_SK"
	case "de":
		return "de_DE"
	}
	return lang
}

// abs makes a site path absolute for feeds, canonical links and QR codes.
func (s *Server) abs(site *content.Site, r *http.Request, p string) string {
	if strings.HasPrefix(p, "http://") || strings.HasPrefix(p, "https://") {
		return p
	}
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	return s.base(site, r) + p
}

func (s *Server) joinURL(site *content.Site, lang string, now time.Time) string {
	if pg := site.Section(lang, "register"); pg != nil && pg.Visible(now) {
		return pg.URL
	}
	if pg := firstOfType(site, lang, "register", now); pg != nil {
		return pg.URL
	}
	return "/" + lang + "/join/"
}

func (s *Server) workplaceURL(site *content.Site, lang string, now time.Time) string {
	if u := sectionURL(site, lang, "workplaces", now); u != "" {
		return u
	}
	return s.joinURL(site, lang, now)
}

func sectionURL(site *content.Site, lang, section string, now time.Time) string {
	if pg := site.Section(lang, section); pg != nil && pg.Visible(now) {
		return pg.URL
	}
	return ""
}

// firstOfType returns the top-most visible page of a type (the section page
// when there is one).
func firstOfType(site *content.Site, lang, typ string, now time.Time) *content.Page {
	var best *content.Page
	for _, p := range site.PagesOfType(lang, typ, now) {
		if best == nil || (p.Kind == content.KindSection && best.Kind != content.KindSection) ||
			(p.Kind == best.Kind && len(p.URL) < len(best.URL)) {
			best = p
		}
	}
	return best
}

// children are the visible regular pages of a section page; member-only
// pages only in a member-only section's own list.
func children(site *content.Site, sec *content.Page, now time.Time) []*content.Page {
	var out []*content.Page
	for _, p := range site.VisiblePages(sec.Lang, now) {
		if p.Kind == content.KindPage && p.Section == sec.Section && p != sec && (!p.MembersOnly || sec.MembersOnly) {
			out = append(out, p)
		}
	}
	return out
}

func (s *Server) listItems(site *content.Site, sec *content.Page, now time.Time) []itemView {
	u := ui{site: site, lang: sec.Lang}
	kids := children(site, sec, now)
	if sec.Type == "statements" {
		slices.SortStableFunc(kids, newestFirst)
	} else {
		slices.SortStableFunc(kids, func(a, b *content.Page) int {
			if c := byWeight(a, b); c != 0 {
				return c
			}
			if c := newestFirst(a, b); c != 0 {
				return c
			}
			return cmp.Compare(a.Title, b.Title)
		})
	}
	out := make([]itemView, len(kids))
	for i, k := range kids {
		out[i] = itemView{UI: u, P: k, Date: pageDate(k)}
	}
	return out
}

// meetings splits a meetings section's pages by their `date`: coming
// (from today on, soonest first) and past (newest first).
func (s *Server) meetings(site *content.Site, sec *content.Page, now time.Time) (coming, past []itemView) {
	u := ui{site: site, lang: sec.Lang}
	kids := children(site, sec, now)
	slices.SortStableFunc(kids, func(a, b *content.Page) int { return a.Date.Compare(b.Date) })
	y, m, d := now.In(u.loc()).Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, u.loc())
	for _, k := range kids {
		it := itemView{UI: u, P: k, Date: k.Date}
		if !k.Date.Before(today) {
			coming = append(coming, it)
		} else {
			past = append([]itemView{it}, past...)
		}
	}
	return coming, past
}

func (s *Server) statements(site *content.Site, lang string, now time.Time) []itemView {
	u := ui{site: site, lang: lang}
	var ps []*content.Page
	for _, p := range site.PagesOfType(lang, "statements", now) {
		if p.Kind == content.KindPage && !p.MembersOnly {
			ps = append(ps, p)
		}
	}
	slices.SortStableFunc(ps, newestFirst)
	out := make([]itemView, len(ps))
	for i, p := range ps {
		out[i] = itemView{UI: u, P: p, Date: pageDate(p)}
	}
	return out
}

func limit[T any](s []T, n int) []T {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// pageDate is the date a reader cares about: `date`, else `publishDate`.
func pageDate(p *content.Page) time.Time {
	if !p.Date.IsZero() {
		return p.Date
	}
	return p.PublishDate
}

func newestFirst(a, b *content.Page) int {
	if c := pageDate(b).Compare(pageDate(a)); c != 0 {
		return c
	}
	return cmp.Compare(a.File, b.File)
}

// byWeight follows Hugo: pages with a weight come first, ascending;
// weight 0 means "no weight".
func byWeight(a, b *content.Page) int {
	switch {
	case a.Weight == b.Weight:
		return 0
	case a.Weight == 0:
		return 1
	case b.Weight == 0:
		return -1
	}
	return cmp.Compare(a.Weight, b.Weight)
}

func byWeightThenFile(a, b *content.Page) int {
	if c := byWeight(a, b); c != 0 {
		return c
	}
	return cmp.Compare(a.File, b.File)
}

// faqID is a FAQ item's anchor on the FAQ page: its slug, else the last
// segment of its URL.
func faqID(p *content.Page) string {
	if p.Slug != "" {
		return content.Urlize(p.Slug)
	}
	return path.Base(strings.TrimSuffix(p.URL, "/"))
}

type pageRange struct{ from, to, total int }

// paginate returns the slice bounds for page n; ok is false past the end.
func paginate(count, per, n int) (pageRange, bool) {
	total := max(1, (count+per-1)/per)
	if n < 1 || n > total {
		return pageRange{}, false
	}
	from := (n - 1) * per
	return pageRange{from: from, to: min(count, from+per), total: total}, true
}

func (s *Server) pager(u ui, p *content.Page, n, total int) *pager {
	if total <= 1 {
		return nil
	}
	pg := &pager{Current: n, Total: total, Label: u.T("pagination"),
		PageOfText: u.TM("page_n_of_m", "Page", n, "Pages", total),
		PrevText:   u.T("previous"), NextText: u.T("next")}
	if p.Type == "statements" || p.Type == "events" {
		// Newest first: going forward means going back in time.
		pg.PrevText, pg.NextText = u.T("newer"), u.T("older")
	}
	if n > 1 {
		pg.PrevURL = p.URL
		if n > 2 {
			pg.PrevURL = p.URL + "page/" + strconv.Itoa(n-1) + "/"
		}
	}
	if n < total {
		pg.NextURL = p.URL + "page/" + strconv.Itoa(n+1) + "/"
	}
	return pg
}

// shareLinks are plain links to share a page: no third-party scripts, and
// nothing is contacted until the reader clicks.
func shareLinks(u ui, title, abs string) []link {
	q := url.QueryEscape
	text := title + " " + abs
	return []link{
		{Title: u.T("share_email"), URL: "mailto:?subject=" + pathEscape(title) + "&body=" + pathEscape(abs)},
		{Title: u.T("share_bluesky"), URL: "https://bsky.app/intent/compose?text=" + q(text)},
		{Title: u.T("share_facebook"), URL: "https://www.facebook.com/sharer/sharer.php?u=" + q(abs)},
		{Title: u.T("share_telegram"), URL: "https://t.me/share/url?url=" + q(abs) + "&text=" + q(title)},
	}
}

// pathEscape is for mailto: where "+" would show up literally.
func pathEscape(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") }

func feedType(p *content.Page) string {
	if p.Kind == content.KindPage {
		return ""
	}
	switch p.Type {
	case "statements", "events":
		return p.Type
	}
	return ""
}
