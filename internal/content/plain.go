package content

import (
	stdhtml "html"
	"net/url"
	"strings"
)

// A plain document (no front matter) is text, not Markdown or HTML: every
// character is escaped. Two things are still expanded, because authors
// paste them into plain files exactly as into Markdown ones and expect the
// same result: shortcodes ({{< contacts >}}, {{< relref path="x" >}}), which
// go through the same placeholder machinery as Markdown (expandShortcodes /
// fill), and links — Markdown inline links [text](dest), autolinks <https://…>
// and bare http(s) URLs, the three forms goldmark's GFM linkify turns into
// links elsewhere. Nothing else Markdown means (emphasis, lists, headings)
// is interpreted: a plain document's "1." or "*" stays what the author typed.

// plainHTML renders plain text: blank-line separated blocks are paragraphs,
// line breaks inside a block are kept. resolve maps a link destination that
// contains a shortcode placeholder to its final URL (nil: no shortcodes).
// It returns the HTML and the internal link destinations for Check.
func plainHTML(body []byte, resolve func(string) string) (string, []string) {
	var b strings.Builder
	b.Grow(len(body) + len(body)/8)
	var links []string
	var para []string
	flush := func() {
		if len(para) == 0 {
			return
		}
		b.WriteString("<p>")
		for i, l := range para {
			if i > 0 {
				b.WriteString("<br>\n")
			}
			links = plainInline(&b, l, resolve, links)
		}
		b.WriteString("</p>\n")
		para = para[:0]
	}
	for _, l := range strings.Split(string(body), "\n") {
		t := strings.TrimSpace(stripControl(l))
		if t == "" {
			flush()
			continue
		}
		para = append(para, t)
	}
	flush()
	return b.String(), links
}

// plainInline writes one line of plain text, escaped, with its links.
func plainInline(b *strings.Builder, line string, resolve func(string) string, links []string) []string {
	for len(line) > 0 {
		i := strings.IndexAny(line, "[<hH")
		if i < 0 {
			break
		}
		text, dest, n := "", "", 0
		switch line[i] {
		case '[':
			text, dest, n = mdLink(line[i:])
		case '<':
			dest, n = autoLink(line[i:])
			text = dest
		default:
			if i == 0 || !isWordByte(line[i-1]) {
				dest, n = bareURL(line[i:])
				text = dest
			}
		}
		if n == 0 {
			b.WriteString(stdhtml.EscapeString(line[:i+1]))
			line = line[i+1:]
			continue
		}
		b.WriteString(stdhtml.EscapeString(line[:i]))
		line = line[i+n:]
		if resolve != nil {
			dest = resolve(dest)
		}
		href, ok := safeHref(dest)
		if !ok {
			// A link we will not make (javascript:, data:) keeps its words.
			b.WriteString(stdhtml.EscapeString(text))
			continue
		}
		b.WriteString(`<a href="`)
		b.WriteString(stdhtml.EscapeString(href))
		if isExternal(href) {
			b.WriteString(`" rel="noopener noreferrer`)
		} else if strings.HasPrefix(href, "/") {
			links = append(links, href)
		}
		b.WriteString(`">`)
		b.WriteString(stdhtml.EscapeString(text))
		b.WriteString("</a>")
	}
	b.WriteString(stdhtml.EscapeString(line))
	return links
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c >= 0x80
}

// Link text and destinations longer than these are not links: the bounds
// keep a line of nothing but "[" or "<" linear to scan.
const (
	maxLinkText = 1000
	maxLinkDest = 2000
)

// mdLink parses "[text](dest)" or "[text](dest "title")" at the start of s;
// n is 0 when s does not start with one. Brackets nest in the text and
// parentheses nest in the destination, as in CommonMark.
func mdLink(s string) (text, dest string, n int) {
	close := matching(s, '[', ']', 0, maxLinkText)
	if close < 0 || close+1 >= len(s) || s[close+1] != '(' {
		return "", "", 0
	}
	text = s[1:close]
	rest := s[close+2:]
	end := matching(rest, '(', ')', 1, maxLinkDest)
	if end < 0 {
		return "", "", 0
	}
	inner := strings.TrimSpace(rest[:end])
	if strings.HasPrefix(inner, "<") {
		if j := strings.IndexByte(inner, '>'); j > 0 {
			inner = inner[1:j]
		}
	} else if j := strings.IndexAny(inner, " \t"); j >= 0 {
		inner = inner[:j] // drop a "title"
	}
	if inner == "" || strings.TrimSpace(text) == "" {
		return "", "", 0
	}
	return unescapeMD(text), inner, close + 2 + end + 1
}

// matching returns the index of the close byte that brings the nesting
// depth (starting at depth) back to zero, skipping backslash escapes and
// looking no further than limit bytes; -1 if there is none.
func matching(s string, open, close byte, depth, limit int) int {
	for i := 0; i < len(s) && i < limit; i++ {
		switch s[i] {
		case '\\':
			i++
		case open:
			depth++
		case close:
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

// unescapeMD drops the backslash of Markdown escapes (\[ \] \( \)).
func unescapeMD(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("[]()\\*_`#", s[i+1]) >= 0 {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// autoLink parses "<https://…>" or "<mailto:…>" at the start of s.
func autoLink(s string) (string, int) {
	j := strings.IndexByte(s[:min(len(s), maxLinkDest)], '>')
	if j < 0 {
		return "", 0
	}
	u := s[1:j]
	if strings.ContainsAny(u, " \t<") {
		return "", 0
	}
	l := strings.ToLower(u)
	if !strings.HasPrefix(l, "http://") && !strings.HasPrefix(l, "https://") && !strings.HasPrefix(l, "mailto:") {
		return "", 0
	}
	return u, j + 1
}

// bareURL parses an http(s) URL written as text at the start of s, without
// the punctuation that ends a sentence after it (GFM's rule).
func bareURL(s string) (string, int) {
	l := strings.ToLower(s[:min(len(s), 8)])
	if !strings.HasPrefix(l, "http://") && !strings.HasPrefix(l, "https://") {
		return "", 0
	}
	end := strings.IndexAny(s, " \t<>\"")
	if end < 0 {
		end = len(s)
	}
	u := s[:end]
	for len(u) > 0 {
		c := u[len(u)-1]
		if strings.IndexByte(".,:;!?'*_~", c) >= 0 {
			u = u[:len(u)-1]
			continue
		}
		if c == ')' && strings.Count(u, "(") < strings.Count(u, ")") {
			u = u[:len(u)-1]
			continue
		}
		break
	}
	if i := strings.Index(u, "://"); i < 0 || len(u) <= i+3 {
		return "", 0
	}
	return u, len(u)
}

// safeHref accepts what a plain document may link to: paths and anchors
// on this site and http(s), mailto and tel URLs. Anything with another
// scheme (javascript:, data:, vbscript:) is refused.
func safeHref(dest string) (string, bool) {
	dest = strings.TrimSpace(dest)
	if dest == "" {
		return "", false
	}
	u, err := url.Parse(dest)
	if err != nil {
		return "", false
	}
	switch strings.ToLower(u.Scheme) {
	case "":
		// A colon before any slash would make the browser see a scheme
		// that url.Parse did not ("java\tscript:" after tab removal).
		if c := strings.IndexByte(dest, ':'); c >= 0 {
			if s := strings.IndexAny(dest, "/?#"); s < 0 || c < s {
				return "", false
			}
		}
		return dest, true
	case "http", "https", "mailto", "tel":
		return dest, true
	}
	return "", false
}
