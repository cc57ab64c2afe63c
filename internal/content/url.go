package content

import (
	"fmt"
	"path"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Urlize turns a title or file name into a URL segment: lower case,
// diacritics removed ("Účast" -> "ucast"), anything that is not a letter or
// digit becomes "-", repeated dashes collapsed. Letters of other scripts
// (Cyrillic) are kept, lower-cased.
func Urlize(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	dash := false
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
			// combining mark left over from a decomposed letter: drop it
		case r == 'đ' || r == 'Đ':
			b.WriteByte('d')
			dash = false
		case r == 'ł' || r == 'Ł':
			b.WriteByte('l')
			dash = false
		case r == 'ß':
			b.WriteString("ss")
			dash = false
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '.':
			b.WriteRune(unicode.ToLower(r))
			dash = false
		default:
			if !dash && b.Len() > 0 {
				b.WriteByte('-')
				dash = true
			}
		}
	}
	return strings.Trim(b.String(), "-.")
}

// permalinkVars are what a pattern's tokens are replaced with.
type permalinkVars struct {
	date     time.Time
	slug     string // front matter slug, may be empty
	title    string
	filename string // file base name without language and extension, or the bundle dir
	section  string
}

// expandPermalink fills a Hugo permalink pattern such as
// "/events/:year/:slug/". Unknown tokens are an error so that `check`
// reports them instead of producing odd URLs.
func expandPermalink(pattern string, v permalinkVars) (string, error) {
	segs := strings.Split(pattern, "/")
	for i, seg := range segs {
		if !strings.Contains(seg, ":") {
			continue
		}
		var b strings.Builder
		rest := seg
		for rest != "" {
			j := strings.IndexByte(rest, ':')
			if j < 0 {
				b.WriteString(rest)
				break
			}
			b.WriteString(rest[:j])
			rest = rest[j+1:]
			k := 0
			for k < len(rest) && (rest[k] >= 'a' && rest[k] <= 'z' || rest[k] >= 'A' && rest[k] <= 'Z' || rest[k] == '_') {
				k++
			}
			tok := rest[:k]
			rest = rest[k:]
			switch tok {
			case "year":
				b.WriteString(fmt.Sprintf("%04d", v.date.Year()))
			case "month":
				b.WriteString(fmt.Sprintf("%02d", int(v.date.Month())))
			case "monthname":
				b.WriteString(strings.ToLower(v.date.Month().String()))
			case "day":
				b.WriteString(fmt.Sprintf("%02d", v.date.Day()))
			case "yearday":
				b.WriteString(fmt.Sprintf("%03d", v.date.YearDay()))
			case "slug":
				if v.slug != "" {
					b.WriteString(Urlize(v.slug))
				} else {
					b.WriteString(Urlize(v.title))
				}
			case "slugorfilename", "slugorcontentbasename":
				if v.slug != "" {
					b.WriteString(Urlize(v.slug))
				} else {
					b.WriteString(Urlize(v.filename))
				}
			case "title":
				b.WriteString(Urlize(v.title))
			case "filename", "contentbasename":
				b.WriteString(Urlize(v.filename))
			case "section", "sections":
				b.WriteString(v.section)
			default:
				return "", fmt.Errorf("unknown permalink token :%s in %q", tok, pattern)
			}
		}
		segs[i] = b.String()
	}
	return cleanURL(strings.Join(segs, "/")), nil
}

// permalinkPrefix is the static part of a pattern before the first token:
// "/akce/:year/:slug/" -> "/akce/". The section list lives there so that a
// visitor who trims the URL lands on the list.
func permalinkPrefix(pattern string) string {
	var keep []string
	for _, seg := range strings.Split(strings.Trim(pattern, "/"), "/") {
		if strings.Contains(seg, ":") || seg == "" {
			break
		}
		keep = append(keep, seg)
	}
	if len(keep) == 0 {
		return ""
	}
	return "/" + strings.Join(keep, "/") + "/"
}

// cleanURL makes p absolute, collapses "//" and "..", and adds a trailing
// slash: every page URL is a directory, like Hugo's default pretty URLs.
func cleanURL(p string) string {
	p = path.Clean("/" + p)
	if p != "/" {
		p += "/"
	}
	return p
}

// langURL puts a path under the language prefix unless it already is.
func langURL(lang, p string) string {
	p = cleanURL(p)
	prefix := "/" + lang + "/"
	if p+"/" == prefix || strings.HasPrefix(p, prefix) {
		return p
	}
	return cleanURL(prefix + p)
}

// urlWithoutSpace replaces each run of white space and control characters
// in a front matter `url` or alias with "-". Such a URL ends up in hrefs,
// the sitemap, feeds and calendar files, where a line break would start a
// property of its own (found by FuzzLoadPage: `url: "a\nb"`).
func urlWithoutSpace(u string) string {
	if !strings.ContainsFunc(u, urlSpace) {
		return u
	}
	var b strings.Builder
	dash := false
	for _, r := range u {
		if urlSpace(r) {
			if !dash {
				b.WriteByte('-')
			}
			dash = true
			continue
		}
		dash = false
		b.WriteRune(r)
	}
	return b.String()
}

func urlSpace(r rune) bool {
	return r <= ' ' || unicode.IsSpace(r) || unicode.IsControl(r) || isUnwantedRune(r)
}
