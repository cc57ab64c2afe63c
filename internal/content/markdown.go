package content

import (
	"bufio"
	"bytes"
	stdhtml "html"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// linksKey collects the internal link destinations of one document, for
// `check`'s broken-link report.
var linksKey = parser.NewContextKey()

// rawHTMLKey is set when a document contains raw HTML.
var rawHTMLKey = parser.NewContextKey()

// mdOptions are shared by both renderers below.
func mdOptions() []goldmark.Option {
	return []goldmark.Option{
		goldmark.WithExtensions(extension.GFM), // tables, strikethrough, linkify, task lists
		goldmark.WithParserOptions(
			parser.WithAutoHeadingID(),
			parser.WithASTTransformers(util.Prioritized(linkTransformer{}, 100)),
		),
	}
}

// mdSafe renders documents without raw HTML. goldmark's default (safe)
// renderer escapes all text and drops dangerous URLs (javascript:, …), so
// its output needs no sanitising; that skips the sanitiser, the most
// expensive step of loading, for the vast majority of pages.
var mdSafe = goldmark.New(mdOptions()...)

// mdUnsafe keeps raw HTML (contributors do use <details>, <br> and the
// like); its output always goes through the sanitiser. Both are safe for
// concurrent use as long as each call has its own parser context.
var mdUnsafe = goldmark.New(append(mdOptions(), goldmark.WithRendererOptions(html.WithUnsafe()))...)

// policy sanitises everything that came from content files. The UGC policy
// keeps ordinary formatting and drops scripts, styles, event handlers,
// iframes and javascript: URLs. Built once: bluemonday policies are safe for
// concurrent use after construction.
var policy = sync.OnceValue(func() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	// The union's own content: no nofollow. Our link transformer adds
	// rel="noopener noreferrer" to external links instead; allow exactly that.
	p.RequireNoFollowOnLinks(false)
	p.AllowAttrs("rel").Matching(regexp.MustCompile(`^(noopener|noreferrer|nofollow)( (noopener|noreferrer|nofollow))*$`)).OnElements("a")
	p.AllowAttrs("class").Matching(regexp.MustCompile(`^language-[\w+#-]+$`)).OnElements("code")
	// GFM task lists render disabled checkboxes.
	p.AllowAttrs("type").Matching(regexp.MustCompile(`^checkbox$`)).OnElements("input")
	p.AllowAttrs("checked", "disabled").OnElements("input")
	return p
})

// linkTransformer marks external links rel="noopener noreferrer" (a
// visitor's browsing should not be reported to other sites: privacy first)
// and collects internal destinations for the link checker.
type linkTransformer struct{}

func (linkTransformer) Transform(doc *ast.Document, reader text.Reader, pc parser.Context) {
	var links []string
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		var dest string
		switch l := n.(type) {
		case *ast.HTMLBlock, *ast.RawHTML:
			pc.Set(rawHTMLKey, true)
			return ast.WalkContinue, nil
		case *ast.Link:
			dest = string(l.Destination)
		case *ast.Image:
			dest = string(l.Destination)
		case *ast.AutoLink:
			dest = string(l.URL(reader.Source()))
		default:
			return ast.WalkContinue, nil
		}
		switch {
		case isExternal(dest):
			if _, isImg := n.(*ast.Image); !isImg {
				n.SetAttributeString("rel", []byte("noopener noreferrer"))
			}
		case strings.HasPrefix(dest, "/"):
			links = append(links, dest)
		}
		return ast.WalkContinue, nil
	})
	if len(links) > 0 {
		pc.Set(linksKey, links)
	}
}

func isExternal(u string) bool {
	l := strings.ToLower(u)
	return strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://") || strings.HasPrefix(l, "//")
}

// headingIDs produces ASCII anchors ("Účast a hlasování" -> "ucast-a-hlasovani")
// that survive the sanitiser's id pattern, unique within one document.
type headingIDs struct{ seen map[string]bool }

func (h *headingIDs) Generate(value []byte, _ ast.NodeKind) []byte {
	base := asciiOnly(Urlize(string(value)))
	if base == "" {
		base = "section"
	}
	id := base
	for i := 1; h.seen[id]; i++ {
		id = base + "-" + strconv.Itoa(i)
	}
	h.seen[id] = true
	return []byte(id)
}

func (h *headingIDs) Put(value []byte) { h.seen[string(value)] = true }

func asciiOnly(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x80 {
			b.WriteByte(c)
		}
	}
	return strings.Trim(strings.ReplaceAll(b.String(), "--", "-"), "-")
}

// renderMarkdown converts Markdown to safe HTML and returns the internal
// link destinations found. The document is parsed once; if it holds raw
// HTML it is rendered keeping that HTML and then sanitised, otherwise the
// safe renderer's output is used as is.
func renderMarkdown(src []byte) (string, []string, error) {
	pc := parser.NewContext(parser.WithIDs(&headingIDs{seen: map[string]bool{}}))
	doc := mdSafe.Parser().Parse(text.NewReader(src), parser.WithContext(pc))
	links, _ := pc.Get(linksKey).([]string)
	out := renderBuffers.Get().(*renderBuffer)
	defer renderBuffers.Put(out)
	out.buf.Reset()
	out.w.Reset(&out.buf)
	r := mdSafe.Renderer()
	raw, _ := pc.Get(rawHTMLKey).(bool)
	if raw {
		r = mdUnsafe.Renderer()
	}
	if err := r.Render(out.w, src, doc); err != nil {
		return "", nil, err
	}
	if err := out.w.Flush(); err != nil {
		return "", nil, err
	}
	if raw {
		return policy().Sanitize(out.buf.String()), links, nil
	}
	return out.buf.String(), links, nil
}

// renderBuffer is the output side of one render. goldmark wraps any writer
// that is not already buffered in a fresh 4 KB bufio.Writer per call, and a
// fresh bytes.Buffer grows by doubling; reusing both per worker removes a
// quarter of the garbage of loading a big site. buf.String() copies, so the
// HTML a page keeps has exactly its length.
type renderBuffer struct {
	buf bytes.Buffer
	w   *bufio.Writer
}

var renderBuffers = sync.Pool{New: func() any {
	b := &renderBuffer{}
	b.w = bufio.NewWriterSize(&b.buf, 4096)
	return b
}}

var spaceRE = regexp.MustCompile(`\s+`)

// plainText strips tags from sanitised HTML and collapses white space (for
// meta descriptions). The input is our own well-formed output, so a simple
// scanner suffices; max > 0 stops early once that many bytes of text exist.
var blockTags = map[string]bool{
	"p": true, "br": true, "li": true, "ul": true, "ol": true, "div": true, "h1": true, "h2": true, "h3": true,
	"h4": true, "h5": true, "h6": true, "tr": true, "td": true, "th": true, "table": true, "blockquote": true,
	"pre": true, "hr": true, "dt": true, "dd": true, "details": true, "summary": true, "section": true,
}

func plainText(h string) string { return plainTextMax(h, 0) }

func plainTextMax(h string, max int) string {
	var b strings.Builder
	inTag := false
	space := false
	tagStart := 0
	for i := 0; i < len(h); i++ {
		c := h[i]
		switch {
		case inTag:
			if c == '>' {
				inTag = false
				// Block boundaries separate words; inline tags do not.
				name := strings.TrimLeft(h[tagStart:i], "/")
				if j := strings.IndexAny(name, " /"); j >= 0 {
					name = name[:j]
				}
				if blockTags[strings.ToLower(name)] {
					space = true
				}
			}
		case c == '<':
			inTag = true
			tagStart = i + 1
		case c == ' ' || c == '\n' || c == '\t' || c == '\r':
			space = true
		default:
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteByte(c)
			if max > 0 && b.Len() >= max {
				return stdhtml.UnescapeString(b.String())
			}
		}
	}
	return stdhtml.UnescapeString(b.String())
}
