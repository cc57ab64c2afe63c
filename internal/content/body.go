package content

import (
	"bytes"
	"compress/flate"
	"html/template"
	"io"
	"strings"
	"sync"
)

// Page bodies are kept compressed (memory, issue 8). The rendered HTML of
// all pages was the largest thing a loaded site held: 9 of the 19 MB of
// live heap of the generated 5,000-page site, for pages of which a server
// has a few hundred in its response cache at any time. Body decompresses on
// every call — a few microseconds for a typical page, spent only when a
// page is rendered into the cache (or a feed is made), never when a cached
// page is served. Small bodies, and bodies that do not compress, stay as
// they are.

// minCompressBody: smaller bodies gain too little to be worth compressing.
const minCompressBody = 512

// bodyLevel trades load time against memory: BestSpeed compresses the
// generated site's bodies to about a quarter at a tenth of the cost of the
// default level, which shrank them only a little further.
const bodyLevel = flate.BestSpeed

var (
	bodyWriters = sync.Pool{New: func() any {
		w, _ := flate.NewWriter(nil, bodyLevel)
		return w
	}}
	bodyReaders = sync.Pool{New: func() any { return flate.NewReader(strings.NewReader("")) }}
)

// Body is the page's rendered, sanitised Markdown.
func (p *Page) Body() template.HTML {
	if p.zbody == "" {
		return p.body
	}
	r := bodyReaders.Get().(io.ReadCloser)
	defer bodyReaders.Put(r)
	src := strings.NewReader(p.zbody)
	if err := r.(flate.Resetter).Reset(src, nil); err != nil {
		return ""
	}
	var b strings.Builder
	b.Grow(len(p.zbody) * 4)
	if _, err := io.Copy(&b, r); err != nil {
		// Only a bug could get here: the bytes were compressed by
		// compressBody in this process.
		return ""
	}
	return template.HTML(b.String())
}

// compressBody moves a large body into zbody when that saves memory.
func (p *Page) compressBody() {
	if len(p.body) < minCompressBody {
		return
	}
	var buf bytes.Buffer
	buf.Grow(len(p.body) / 3)
	w := bodyWriters.Get().(*flate.Writer)
	w.Reset(&buf)
	_, _ = io.WriteString(w, string(p.body))
	_ = w.Close()
	w.Reset(io.Discard)
	bodyWriters.Put(w)
	if buf.Len() > len(p.body)*9/10 {
		return
	}
	p.zbody = buf.String()
	p.body = ""
}
