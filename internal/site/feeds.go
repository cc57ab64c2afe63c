package site

import (
	"bytes"
	"encoding/xml"
	"net/http"
	"slices"
	"strings"
	"time"

	"unionhall/internal/content"
)

// feedItems is how many items an RSS feed carries.
const feedItems = 30

type rss struct {
	XMLName xml.Name   `xml:"rss"`
	Version string     `xml:"version,attr"`
	Atom    string     `xml:"xmlns:atom,attr"`
	Channel rssChannel `xml:"channel"`
}

type rssChannel struct {
	Title       string    `xml:"title"`
	Link        string    `xml:"link"`
	Self        atomLink  `xml:"atom:link"`
	Description string    `xml:"description"`
	Language    string    `xml:"language"`
	LastBuild   string    `xml:"lastBuildDate,omitempty"`
	Items       []rssItem `xml:"item"`
}

type atomLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr"`
}

type rssItem struct {
	Title       string  `xml:"title"`
	Link        string  `xml:"link"`
	GUID        rssGUID `xml:"guid"`
	PubDate     string  `xml:"pubDate,omitempty"`
	Author      string  `xml:"dc:creator,omitempty"`
	Description string  `xml:"description"`
}

type rssGUID struct {
	IsPermaLink string `xml:"isPermaLink,attr"`
	Value       string `xml:",chardata"`
}

// feed renders RSS 2.0 for a statements or events section: statements
// newest first; events by start, newest first (so new announcements show
// at the top of a reader).
func (s *Server) feed(site *content.Site, r *http.Request, sec *content.Page, now time.Time) *entry {
	kids := children(site, sec, now)
	if sec.Type == "events" {
		slices.SortStableFunc(kids, func(a, b *content.Page) int { return b.StartDate.Compare(a.StartDate) })
	} else {
		slices.SortStableFunc(kids, newestFirst)
	}
	kids = limit(kids, feedItems)
	u := ui{site: site, lang: sec.Lang}
	title := site.Title
	if l := site.Lang(sec.Lang); l != nil && l.Title != "" {
		title = l.Title
	}
	ch := rssChannel{
		Title:       sec.Title + " – " + title,
		Link:        s.abs(site, r, sec.URL),
		Self:        atomLink{Href: s.abs(site, r, sec.URL+"index.xml"), Rel: "self", Type: "application/rss+xml"},
		Description: sec.DescriptionText,
		Language:    sec.Lang,
	}
	if ch.Description == "" {
		ch.Description = sec.Title
	}
	var latest time.Time
	for _, p := range kids {
		it := rssItem{Title: p.Title, Link: s.abs(site, r, p.URL), Author: p.Author}
		it.GUID = rssGUID{IsPermaLink: "true", Value: it.Link}
		d := pageDate(p)
		if !p.PublishDate.IsZero() {
			d = p.PublishDate
		} else if sec.Type == "events" && !p.StartDate.IsZero() {
			d = p.StartDate
		}
		if !d.IsZero() {
			it.PubDate = d.Format(time.RFC1123Z)
			if d.After(latest) {
				latest = d
			}
		}
		var desc strings.Builder
		if sec.Type == "events" && !p.StartDate.IsZero() {
			desc.WriteString("<p>" + xmlEscape(u.T("event_when")+": "+u.When(p)) + "</p>")
			if p.Place != "" {
				desc.WriteString("<p>" + xmlEscape(u.T("event_where")+": "+p.Place) + "</p>")
			}
		}
		if p.Description != "" {
			desc.WriteString(string(p.Description))
		} else {
			desc.WriteString(string(p.Body()))
		}
		it.Description = desc.String()
		ch.Items = append(ch.Items, it)
	}
	if !latest.IsZero() {
		ch.LastBuild = latest.Format(time.RFC1123Z)
	}
	feed := rss{Version: "2.0", Atom: "http://www.w3.org/2005/Atom", Channel: ch}
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", " ")
	// dc:creator needs its namespace declared on the root element.
	if err := enc.Encode(feed); err != nil {
		s.log.Error("render feed", "section", sec.File, "err", err)
		return s.errorEntry()
	}
	out := bytes.Replace(buf.Bytes(), []byte(`<rss version="2.0"`), []byte(`<rss xmlns:dc="http://purl.org/dc/elements/1.1/" version="2.0"`), 1)
	return newEntry(http.StatusOK, "application/rss+xml; charset=utf-8", ccPage, out, nil)
}

func xmlEscape(s string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

type urlset struct {
	XMLName xml.Name     `xml:"urlset"`
	NS      string       `xml:"xmlns,attr"`
	XHTML   string       `xml:"xmlns:xhtml,attr"`
	URLs    []sitemapURL `xml:"url"`
}

type sitemapURL struct {
	Loc     string      `xml:"loc"`
	LastMod string      `xml:"lastmod,omitempty"`
	Links   []xhtmlLink `xml:"xhtml:link"`
}

type xhtmlLink struct {
	Rel      string `xml:"rel,attr"`
	Hreflang string `xml:"hreflang,attr"`
	Href     string `xml:"href,attr"`
}

// sitemap lists every visible page of every language with its translations
// as xhtml:link alternates. FAQ items are left out: they live as anchors
// on the FAQ page.
func (s *Server) sitemap(site *content.Site, r *http.Request, now time.Time) *entry {
	us := urlset{NS: "http://www.sitemaps.org/schemas/sitemap/0.9", XHTML: "http://www.w3.org/1999/xhtml"}
	for _, l := range site.Languages {
		for _, p := range site.VisiblePages(l.Code, now) {
			if p.Type == "faq" && p.Kind == content.KindPage {
				continue
			}
			su := sitemapURL{Loc: s.abs(site, r, p.URL)}
			if d := pageDate(p); !d.IsZero() && !d.After(now) {
				su.LastMod = d.UTC().Format(time.RFC3339)
			}
			// Translations excludes p; the alternates list includes it, as
			// Google asks.
			if trans := site.Translations(p, now); len(trans) > 0 {
				su.Links = append(su.Links, xhtmlLink{Rel: "alternate", Hreflang: p.Lang, Href: su.Loc})
				for _, t := range trans {
					su.Links = append(su.Links, xhtmlLink{Rel: "alternate", Hreflang: t.Lang, Href: s.abs(site, r, t.URL)})
				}
			}
			us.URLs = append(us.URLs, su)
		}
	}
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", " ")
	if err := enc.Encode(us); err != nil {
		s.log.Error("render sitemap", "err", err)
		return s.errorEntry()
	}
	return newEntry(http.StatusOK, "application/xml; charset=utf-8", ccPage, buf.Bytes(), nil)
}

// robots allows everything and points crawlers to the sitemap. A site's
// own static/robots.txt takes precedence (checked by the caller).
func (s *Server) robots(site *content.Site, r *http.Request) *entry {
	body := "User-agent: *\nAllow: /\n\nSitemap: " + s.abs(site, r, "/sitemap.xml") + "\n"
	return newEntry(http.StatusOK, "text/plain; charset=utf-8", ccPage, []byte(body), nil)
}
