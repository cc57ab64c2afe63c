package content

import (
	"bytes"
	"fmt"
	stdhtml "html"
	"sort"
	"strconv"
	"strings"
)

// shortcode is one parsed {{< … >}} or {{% … %}} tag.
type shortcode struct {
	start, end int // byte range of the whole tag in the source
	name       string
	closing    bool // {{< /name >}}
	markdown   bool // {{% … %}} form
	// literal is set for Hugo's escaped form {{</* name */>}}, which prints
	// the tag itself (how documentation shows a shortcode).
	literal string
	pos     []string
	named   map[string]string
	err     string // syntax problem; the tag is dropped and reported
}

// maxShortcodes bounds work on hostile input (a file of nothing but "{{<").
const maxShortcodes = 10000

// maxTagBytes bounds how far a tag's closing delimiter is looked for. Real
// tags are a line or a few; without the bound every unclosed "{{<" scanned
// to the end of the file, and a 240 KB file of them took a minute to load
// (found by FuzzLoadPage).
const maxTagBytes = 8 << 10

// parseShortcodes finds every shortcode tag in src. It never fails: a
// malformed tag is returned with err set so the caller can drop it (an
// unknown or broken shortcode is never printed raw) and report file:line.
func parseShortcodes(src []byte) []shortcode {
	var out []shortcode
	i := 0
	for i < len(src) && len(out) < maxShortcodes {
		j := bytes.Index(src[i:], []byte("{{"))
		if j < 0 {
			break
		}
		start := i + j
		if start+2 >= len(src) || (src[start+2] != '<' && src[start+2] != '%') {
			i = start + 2
			continue
		}
		mark := src[start+2]
		closeMark := mark
		if mark == '<' {
			closeMark = '>'
		}
		closeTag := []byte{closeMark, '}', '}'}
		special := "\"`" + string(closeMark)
		// Find the closing delimiter outside quotes.
		k := start + 3
		var quote byte
		end := -1
		limit := min(len(src), start+maxTagBytes)
		for k < limit {
			c := src[k]
			switch {
			case quote != 0:
				if c == '\\' && quote == '"' {
					k++
				} else if c == quote {
					quote = 0
				} else if c == '\n' && quote == '"' {
					// A newline inside a quoted argument is almost always a
					// missing quote; stop here so the rest of the page survives.
					quote = 0
				} else {
					stops := "`"
					if quote == '"' {
						stops = "\\\"\n"
					}
					if j := bytes.IndexAny(src[k+1:limit], stops); j >= 0 {
						k += j + 1
					} else {
						k = limit
					}
					continue
				}
			case c == '"' || c == '`':
				quote = c
			case bytes.HasPrefix(src[k:], closeTag):
				end = k + 3
			default:
				// Jump to the next byte that can matter.
				if j := bytes.IndexAny(src[k+1:limit], special); j >= 0 {
					k += j + 1
				} else {
					k = limit
				}
				continue
			}
			if end >= 0 {
				break
			}
			k++
		}
		sc := shortcode{start: start, markdown: mark == '%'}
		if end < 0 {
			// Unclosed: drop to the end of the line.
			e := bytes.IndexByte(src[start:], '\n')
			if e < 0 {
				e = len(src) - start
			}
			sc.end = start + e
			sc.err = "shortcode is not closed with " + string(closeTag)
			out = append(out, sc)
			i = sc.end
			continue
		}
		sc.end = end
		inner := strings.TrimSpace(string(src[start+3 : end-3]))
		parseShortcodeInner(&sc, inner, mark, closeMark)
		out = append(out, sc)
		i = end
	}
	return out
}

func parseShortcodeInner(sc *shortcode, inner string, mark, closeMark byte) {
	if strings.HasPrefix(inner, "/*") && strings.HasSuffix(inner, "*/") && len(inner) >= 4 {
		sc.literal = "{{" + string(mark) + " " + strings.TrimSpace(inner[2:len(inner)-2]) + " " + string(closeMark) + "}}"
		return
	}
	if strings.HasPrefix(inner, "/") {
		sc.closing = true
		sc.name = strings.TrimSpace(inner[1:])
		if !validName(sc.name) {
			sc.err = fmt.Sprintf("bad closing shortcode name %q", sc.name)
		}
		return
	}
	inner = strings.TrimSuffix(inner, "/") // self-closing form {{< x />}}
	toks, err := tokenizeArgs(inner)
	if err != "" {
		sc.err = err
		if len(toks) > 0 {
			sc.name = toks[0].val
		}
		return
	}
	if len(toks) == 0 {
		sc.err = "empty shortcode"
		return
	}
	if toks[0].quoted || !validName(toks[0].val) {
		sc.err = fmt.Sprintf("bad shortcode name %q", toks[0].val)
		return
	}
	sc.name = toks[0].val
	for _, t := range toks[1:] {
		if t.key != "" {
			if sc.named == nil {
				sc.named = map[string]string{}
			}
			sc.named[t.key] = t.val
		} else {
			sc.pos = append(sc.pos, t.val)
		}
	}
	if len(sc.named) > 0 && len(sc.pos) > 0 {
		sc.err = "shortcode mixes positional and named arguments"
	}
}

func validName(s string) bool {
	if s == "" || len(s) > 100 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '/' || r == '.') {
			return false
		}
	}
	return true
}

type argTok struct {
	key    string
	val    string
	quoted bool
}

// tokenizeArgs splits `name "a b" key="v" 'x'`. Returns a message on error.
func tokenizeArgs(s string) ([]argTok, string) {
	var toks []argTok
	i := 0
	for i < len(s) {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n') {
			i++
		}
		if i >= len(s) {
			break
		}
		var t argTok
		// key=
		j := i
		for j < len(s) && s[j] != '=' && s[j] != ' ' && s[j] != '\t' && s[j] != '\n' && s[j] != '"' && s[j] != '`' {
			j++
		}
		if j < len(s) && s[j] == '=' && j > i {
			t.key = s[i:j]
			i = j + 1
		}
		if i >= len(s) {
			toks = append(toks, t)
			break
		}
		switch s[i] {
		case '"':
			var b strings.Builder
			i++
			closed := false
			for i < len(s) {
				c := s[i]
				if c == '\\' && i+1 < len(s) {
					b.WriteByte(s[i+1])
					i += 2
					continue
				}
				if c == '"' {
					closed = true
					i++
					break
				}
				b.WriteByte(c)
				i++
			}
			if !closed {
				return toks, "unterminated quoted argument"
			}
			t.val, t.quoted = b.String(), true
		case '`':
			e := strings.IndexByte(s[i+1:], '`')
			if e < 0 {
				return toks, "unterminated raw-string argument"
			}
			t.val, t.quoted = s[i+1:i+1+e], true
			i += e + 2
		default:
			j := i
			for j < len(s) && s[j] != ' ' && s[j] != '\t' && s[j] != '\n' {
				j++
			}
			t.val = s[i:j]
			i = j
		}
		toks = append(toks, t)
	}
	return toks, ""
}

// knownShortcodes are the shortcodes Unionhall implements.
var knownShortcodes = map[string]bool{
	"contacts": true, "occupations": true, "people": true,
	"param": true, "ref": true, "relref": true,
}

// placeholder marks where a shortcode's HTML goes: shortcodes are expanded
// after Markdown rendering and sanitising, so our own trusted markup (class
// attributes, mailto: links) is not stripped, and their output is never
// reinterpreted as Markdown. Letters and digits only, so goldmark and the
// sanitiser leave it alone wherever it stands (text, heading, link target).
func placeholder(prefix string, i int) string {
	return prefix + strconv.Itoa(i) + "Z"
}

// expanded is the result of replacing shortcodes in one Markdown text.
type expanded struct {
	src      []byte
	prefix   string
	htmls    []string
	problems []Problem
}

// expandShortcodes replaces tags in src with placeholders; line is the file
// line of src's first line.
func (l *loader) expandShortcodes(src []byte, p *Page, line int) expanded {
	res := expanded{src: src}
	if !bytes.Contains(src, []byte("{{")) {
		return res
	}
	scs := parseShortcodes(src)
	if len(scs) == 0 {
		return res
	}
	res.prefix = "UHSC"
	for bytes.Contains(src, []byte(res.prefix)) {
		res.prefix += "Q"
	}
	var b bytes.Buffer
	b.Grow(len(src))
	last := 0
	reported := map[string]bool{} // unknown names already reported at their opening tag
	at, counted := line, 0        // file line of src[counted:], kept incrementally (not quadratic)
	for _, sc := range scs {
		b.Write(src[last:sc.start])
		last = sc.end
		at += bytes.Count(src[counted:sc.start], []byte{'\n'})
		counted = sc.start
		problem := func(sev Severity, format string, args ...any) {
			res.problems = append(res.problems, Problem{File: p.File, Line: at, Severity: sev, Message: fmt.Sprintf(format, args...)})
		}
		switch {
		case sc.literal != "":
			// Written out as text, escaped by the Markdown renderer.
			b.WriteString(placeholder(res.prefix, len(res.htmls)))
			res.htmls = append(res.htmls, stdhtml.EscapeString(sc.literal))
			continue
		case sc.err != "":
			problem(SevError, "shortcode %s: %s; left out", nameOr(sc.name), sc.err)
			continue
		case sc.closing:
			// Inner content of a paired shortcode is kept (for an unknown
			// one that is better than losing the author's text); the tags
			// themselves disappear.
			if !knownShortcodes[sc.name] && !reported[sc.name] {
				problem(SevError, "unknown shortcode %q; left out", sc.name)
			}
			continue
		case !knownShortcodes[sc.name]:
			problem(SevError, "unknown shortcode %q; left out", sc.name)
			reported[sc.name] = true
			continue
		}
		h, probs := l.runShortcode(sc, p)
		for _, m := range probs {
			problem(m.Severity, "%s", m.Message)
		}
		// A block shortcode alone on its line becomes its own paragraph
		// (replaced whole by fill), so its list never lands inside a <p>.
		alone := blockShortcodes[sc.name] && aloneOnLine(src, sc.start, sc.end)
		if alone {
			b.WriteString("\n")
		}
		b.WriteString(placeholder(res.prefix, len(res.htmls)))
		if alone {
			b.WriteString("\n")
		}
		res.htmls = append(res.htmls, h)
	}
	b.Write(src[last:])
	res.src = b.Bytes()
	return res
}

// blockShortcodes produce block-level HTML (lists).
var blockShortcodes = map[string]bool{"contacts": true, "occupations": true, "people": true}

// aloneOnLine reports whether src[start:end] is the only thing on its line
// and not indented (indented means inside a list item or code block, where
// a blank line would change the structure).
func aloneOnLine(src []byte, start, end int) bool {
	ls := bytes.LastIndexByte(src[:start], '\n') + 1
	if ls != start {
		return false
	}
	le := bytes.IndexByte(src[end:], '\n')
	if le < 0 {
		le = len(src) - end
	}
	return len(bytes.TrimSpace(src[end:end+le])) == 0
}

func nameOr(n string) string {
	if n == "" {
		return "(unnamed)"
	}
	return strconv.Quote(n)
}

// fill puts shortcode HTML into rendered output. A shortcode alone on a line
// became its own paragraph; its block output replaces the paragraph.
//
// It scans for the prefix by hand rather than building a strings.Replacer
// per document: the replacer's trie was a tenth of all the bytes allocated
// while loading a big site. The prefix does not occur in the source (see
// expandShortcodes), so every occurrence is one of ours; anything that does
// not parse as a placeholder is copied unchanged.
func (e expanded) fill(h string) string {
	out, _ := e.fillChecked(h)
	return out
}

// fillChecked is fill that also returns the shortcode outputs it refused to
// put where a link target starts (href="…" or src="…"): the placeholder
// passed goldmark's and the sanitiser's URL checks as harmless letters, so
// a `param` whose value is "javascript:…" would otherwise become a live
// link (found while writing FuzzLoadPage; docs/fuzzing.md). It becomes
// "#"; ref and relref output (paths and http(s) URLs) always passes.
func (e expanded) fillChecked(h string) (string, []string) {
	if len(e.htmls) == 0 || !strings.Contains(h, e.prefix) {
		return h, nil
	}
	var refused []string
	n := len(h)
	for _, x := range e.htmls {
		n += len(x)
	}
	var b strings.Builder
	b.Grow(n)
	for {
		i := strings.Index(h, e.prefix)
		if i < 0 {
			break
		}
		j := i + len(e.prefix)
		k := j
		for k < len(h) && h[k] >= '0' && h[k] <= '9' {
			k++
		}
		idx, err := strconv.Atoi(h[j:k])
		if err != nil || k == j || k >= len(h) || h[k] != 'Z' || idx >= len(e.htmls) {
			b.WriteString(h[:j])
			h = h[j:]
			continue
		}
		end := k + 1
		if strings.HasSuffix(h[:i], "<p>") && strings.HasPrefix(h[end:], "</p>") {
			i -= len("<p>")
			end += len("</p>")
		}
		b.WriteString(h[:i])
		if x := e.htmls[idx]; (strings.HasSuffix(h[:i], ` href="`) || strings.HasSuffix(h[:i], ` src="`)) && !safeLinkStart(x) {
			refused = append(refused, stdhtml.UnescapeString(x))
			b.WriteString("#")
		} else {
			b.WriteString(x)
		}
		h = h[end:]
	}
	b.WriteString(h)
	return b.String(), refused
}

// safeLinkStart reports whether escaped shortcode output may begin a link
// target: empty, or a path, anchor or http(s)/mailto/tel URL.
func safeLinkStart(escaped string) bool {
	if escaped == "" {
		return true
	}
	_, ok := safeHref(stdhtml.UnescapeString(escaped))
	return ok
}

// scMessage is a problem message from a shortcode (file and line are added
// by the caller).
type scMessage struct {
	Severity Severity
	Message  string
}

func (l *loader) runShortcode(sc shortcode, p *Page) (string, []scMessage) {
	arg := func(i int, name string) string {
		if v, ok := sc.named[name]; ok {
			return v
		}
		if i < len(sc.pos) {
			return sc.pos[i]
		}
		return ""
	}
	switch sc.name {
	case "contacts":
		return l.contactsHTML(p.Lang)
	case "occupations":
		return l.occupationsHTML(p.Lang)
	case "people":
		return l.peopleHTML(p.Lang)
	case "param":
		key := arg(0, "name")
		if key == "" {
			return "", []scMessage{{SevError, "param: missing parameter name"}}
		}
		v := lookupDotted(p.Params, strings.ToLower(key))
		if v == nil {
			v = l.site.Param(p.Lang, key)
		}
		if v == nil {
			return "", []scMessage{{SevError, fmt.Sprintf("param: %q is not set in the page or site params", key)}}
		}
		return stdhtml.EscapeString(str(v)), nil
	case "ref", "relref":
		target := arg(0, "path")
		if target == "" {
			return "", []scMessage{{SevError, sc.name + ": missing path"}}
		}
		u, msg := l.resolveRef(target, p, sc.named["lang"])
		if u == "" {
			return "", []scMessage{{SevError, msg}}
		}
		if sc.name == "ref" && l.site.BaseURL != "" {
			u = l.site.BaseURL + u
		}
		var msgs []scMessage
		if msg != "" {
			msgs = append(msgs, scMessage{SevWarning, msg})
		}
		return stdhtml.EscapeString(u), msgs
	}
	return "", nil
}

// socialOrder is the display order of well-known social links in contacts.
var socialOrder = []string{"signal", "mastodon", "bluesky", "matrix", "telegram", "facebook", "instagram", "linkedin", "twitter", "x", "youtube", "peertube", "pixelfed", "github", "gitlab", "codeberg", "tiktok", "threads", "discord"}

var socialNames = map[string]string{
	"mastodon": "Mastodon", "bluesky": "Bluesky", "matrix": "Matrix", "telegram": "Telegram",
	"facebook": "Facebook", "instagram": "Instagram", "linkedin": "LinkedIn", "twitter": "Twitter",
	"x": "X", "youtube": "YouTube", "peertube": "PeerTube", "pixelfed": "Pixelfed", "github": "GitHub",
	"gitlab": "GitLab", "codeberg": "Codeberg", "tiktok": "TikTok", "threads": "Threads", "discord": "Discord",
}

func (l *loader) contactsHTML(lang string) (string, []scMessage) {
	s := l.site
	var b strings.Builder
	item := func(class, label, href, text string) {
		fmt.Fprintf(&b, `<li class="contacts-%s"><span class="contacts-label">%s</span> `, class, stdhtml.EscapeString(label))
		if href != "" {
			fmt.Fprintf(&b, `<a href="%s">%s</a>`, stdhtml.EscapeString(href), stdhtml.EscapeString(text))
		} else {
			b.WriteString(stdhtml.EscapeString(text))
		}
		b.WriteString("</li>\n")
	}
	if email := strings.TrimSpace(s.ParamString(lang, "supportEmail")); email != "" {
		item("email", s.T(lang, "contacts_email"), "mailto:"+email, email)
	}
	if phone := strings.TrimSpace(s.ParamString(lang, "supportPhone")); phone != "" {
		item("phone", s.T(lang, "contacts_phone"), "tel:"+telDigits(phone), phone)
	}
	if sig := strings.TrimSpace(s.ParamString(lang, "signal")); sig != "" {
		if isExternal(sig) {
			item("signal", s.T(lang, "contacts_signal"), sig, s.T(lang, "contacts_signal_link"))
		} else {
			item("signal", s.T(lang, "contacts_signal"), "", sig)
		}
	}
	// Social links: params.social.<name> or params.<name>, URLs only.
	social := map[string]string{}
	if m, ok := s.Param(lang, "social").(map[string]any); ok {
		for k, v := range m {
			if u := strings.TrimSpace(str(v)); isExternal(u) {
				social[strings.ToLower(k)] = u
			}
		}
	}
	for name := range socialNames {
		if _, ok := social[name]; ok {
			continue
		}
		if u := strings.TrimSpace(s.ParamString(lang, name)); isExternal(u) {
			social[name] = u
		}
	}
	keys := make([]string, 0, len(social))
	for k := range social {
		keys = append(keys, k)
	}
	rank := func(k string) int {
		for i, n := range socialOrder {
			if n == k {
				return i
			}
		}
		return len(socialOrder)
	}
	sort.Slice(keys, func(i, j int) bool {
		if rank(keys[i]) != rank(keys[j]) {
			return rank(keys[i]) < rank(keys[j])
		}
		return keys[i] < keys[j]
	})
	for _, k := range keys {
		name := socialNames[k]
		if name == "" {
			name = strings.ToUpper(k[:1]) + k[1:]
		}
		item("social contacts-"+Urlize(k), name, social[k], displayURL(social[k]))
	}
	if b.Len() == 0 {
		return "", []scMessage{{SevWarning, "contacts: the site params set no supportEmail, supportPhone, signal or social links"}}
	}
	return `<ul class="contacts" aria-label="` + stdhtml.EscapeString(s.T(lang, "contacts_title")) + `">` + "\n" + b.String() + "</ul>\n", nil
}

// displayURL shortens a URL for display ("https://x.org/@u/" -> "x.org/@u").
func displayURL(u string) string {
	u = strings.TrimPrefix(strings.TrimPrefix(u, "https://"), "http://")
	return strings.TrimSuffix(strings.TrimPrefix(u, "www."), "/")
}

// telDigits keeps what a tel: URI may hold.
func telDigits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' || r == '+' && b.Len() == 0 {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// localised picks lang from a {en: …, cs: …} map, falling back to English
// and then to any value (sorted, so the choice is stable).
func localised(v any, lang string) string {
	switch t := v.(type) {
	case string:
		return t
	case map[string]any:
		if s := str(t[lang]); s != "" {
			return s
		}
		if s := str(t["en"]); s != "" {
			return s
		}
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if s := str(t[k]); s != "" {
				return s
			}
		}
	}
	return ""
}

func (l *loader) occupationsHTML(lang string) (string, []scMessage) {
	v := l.site.Data["occupations"]
	if m, ok := v.(map[string]any); ok {
		v = m["occupations"]
	}
	list, ok := v.([]any)
	if !ok || len(list) == 0 {
		return "", []scMessage{{SevWarning, "occupations: data/occupations.yaml is missing or is not a list"}}
	}
	var b strings.Builder
	b.WriteString(`<ul class="occupations">` + "\n")
	for _, it := range list {
		if s := strings.TrimSpace(localised(it, lang)); s != "" {
			b.WriteString("<li>" + stdhtml.EscapeString(s) + "</li>\n")
		}
	}
	b.WriteString("</ul>\n")
	return b.String(), nil
}

func (l *loader) peopleHTML(lang string) (string, []scMessage) {
	list, ok := l.site.Param(lang, "people").([]any)
	if !ok || len(list) == 0 {
		return "", []scMessage{{SevWarning, "people: params.people is missing or is not a list"}}
	}
	var b strings.Builder
	b.WriteString(`<ul class="people">` + "\n")
	for _, it := range list {
		m, ok := it.(map[string]any)
		if !ok {
			continue
		}
		name := strings.TrimSpace(localised(m["name"], lang))
		if name == "" {
			continue
		}
		b.WriteString(`<li class="person">`)
		if img := strings.TrimSpace(str(m["image"])); img != "" {
			// alt="" because the name follows: the image is decorative.
			fmt.Fprintf(&b, `<img class="person-image" src="%s" alt="" loading="lazy"> `, stdhtml.EscapeString(l.assetURL(img)))
		}
		fmt.Fprintf(&b, `<span class="person-name">%s</span>`, stdhtml.EscapeString(name))
		if role := strings.TrimSpace(localised(m["role"], lang)); role != "" {
			fmt.Fprintf(&b, ` <span class="person-role">%s</span>`, stdhtml.EscapeString(role))
		}
		if email := strings.TrimSpace(str(m["email"])); email != "" {
			fmt.Fprintf(&b, ` <a class="person-email" href="mailto:%s">%s</a>`, stdhtml.EscapeString(email), stdhtml.EscapeString(email))
		}
		if phone := strings.TrimSpace(str(m["phone"])); phone != "" {
			fmt.Fprintf(&b, ` <a class="person-phone" href="tel:%s">%s</a>`, telDigits(phone), stdhtml.EscapeString(phone))
		}
		b.WriteString("</li>\n")
	}
	b.WriteString("</ul>\n")
	return b.String(), nil
}

// assetURL maps a params image reference to where it is served: URLs and
// absolute paths unchanged, a file in static/ at /<file>, otherwise /assets/<file>.
func (l *loader) assetURL(ref string) string {
	if isExternal(ref) || strings.HasPrefix(ref, "/") || strings.HasPrefix(ref, "data:") {
		return ref
	}
	if l.site.Static != nil {
		if _, err := fsStat(l.site.Static, ref); err == nil {
			return "/" + ref
		}
	}
	return "/assets/" + ref
}
