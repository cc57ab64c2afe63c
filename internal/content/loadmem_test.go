package content

import (
	"bytes"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
	"time"
	"unicode/utf8"
)

// TestCleanTextMatchesStripControl: the copy-free check used while reading
// pages agrees with stripControl on clean and hostile text alike.
func TestCleanTextMatchesStripControl(t *testing.T) {
	cases := []string{
		"", "plain text\twith tab\nand newline", "Účast a hlasování – ž",
		"evil\u202Eexe.txt", "a\x00b", "bell\x07", "del\x7f", "isolate\u2066x\u2069",
		"cr\rlf", "\xff\xfe invalid utf-8", "emoji 😀", "\u202A\u202B\u202C\u202D",
		"<script>alert(1)</script>", "'; DROP TABLE pages; --",
	}
	for _, c := range cases {
		if got, want := cleanText([]byte(c)), stripControl(c) == c; got != want {
			t.Errorf("cleanText(%q) = %v, stripControl changes it: %v", c, got, !want)
		}
	}
}

// TestReadLimited reads files of every size up to the limit exactly and
// refuses larger ones, including from a file system whose Stat lies.
func TestReadLimited(t *testing.T) {
	big := strings.Repeat("x", maxFileSize)
	fsys := fstest.MapFS{
		"empty":    {Data: nil},
		"small":    {Data: []byte("hello")},
		"exact":    {Data: []byte(big)},
		"over":     {Data: []byte(big + "y")},
		"unicode":  {Data: []byte("Účast\u202e")},
		"pagesize": {Data: bytes.Repeat([]byte("p"), 4096)},
	}
	for name, want := range map[string]int{"empty": 0, "small": 5, "exact": maxFileSize, "unicode": len("Účast\u202e"), "pagesize": 4096} {
		b, err := readLimited(fsys, name)
		if err != nil || len(b) != want {
			t.Errorf("%s: %d bytes, %v; want %d", name, len(b), err, want)
		}
		if name == "small" && string(b) != "hello" {
			t.Errorf("small: %q", b)
		}
	}
	if _, err := readLimited(fsys, "over"); err == nil || !strings.Contains(err.Error(), "more than") {
		t.Errorf("over: %v", err)
	}
	// A file that claims to be small but is not (a growing file, a lying
	// file system) is still cut off at the limit.
	liar := lyingFS{data: big + "more"}
	if _, err := readLimited(liar, "f"); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("lying size: %v", err)
	}
	if _, err := readLimited(fsys, "missing"); err == nil {
		t.Error("missing file read")
	}
}

type lyingFS struct{ data string }

func (l lyingFS) Open(string) (fs.File, error) { return &lyingFile{r: strings.NewReader(l.data)}, nil }

type lyingFile struct{ r *strings.Reader }

func (f *lyingFile) Read(b []byte) (int, error) { return f.r.Read(b) }
func (f *lyingFile) Close() error               { return nil }
func (f *lyingFile) Stat() (fs.FileInfo, error) { return lyingInfo{}, nil }

type lyingInfo struct{}

func (lyingInfo) Name() string       { return "f" }
func (lyingInfo) Size() int64        { return 10 }
func (lyingInfo) Mode() fs.FileMode  { return 0o644 }
func (lyingInfo) ModTime() time.Time { return time.Time{} }
func (lyingInfo) IsDir() bool        { return false }
func (lyingInfo) Sys() any           { return nil }

var _ io.Reader = (*lyingFile)(nil)

// TestSummarise cuts at a word boundary after at most max runes, counting
// runes, not bytes.
func TestSummarise(t *testing.T) {
	if got := summarise("short", 200); got != "short" {
		t.Errorf("short: %q", got)
	}
	czech := strings.Repeat("žluťoučký kůň ", 40)
	got := summarise(czech, 200)
	if n := utf8.RuneCountInString(got); n > 201 || n < 100 || !strings.HasSuffix(got, "…") || !utf8.ValidString(got) {
		t.Errorf("czech: %d runes %q", n, got)
	}
	// 150 two-byte runes are 300 bytes but under the limit: kept whole.
	if s := strings.Repeat("ž", 150); summarise(s, 200) != s {
		t.Error("rune count confused with byte count")
	}
	if got := summarise(strings.Repeat("a", 300), 200); got != strings.Repeat("a", 200)+"…" {
		t.Errorf("no spaces: %q", got)
	}
}

// TestRenderBufferReuse: pages render with pooled output buffers, so one
// document must never carry bytes of the previous one, on either path (safe
// renderer or raw HTML plus sanitiser), and a loaded site has every body.
func TestRenderBufferReuse(t *testing.T) {
	dir := t.TempDir()
	genSite(t, dir, 30)
	s, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range s.Pages {
		if p.Body() == "" && !p.Synthetic {
			t.Errorf("%s: empty body", p.File)
		}
	}
	a, _, err := renderMarkdown([]byte("# One\n\nfirst *doc* with a [link](/en/)\n"))
	if err != nil {
		t.Fatal(err)
	}
	b, _, _ := renderMarkdown([]byte("short"))
	c, _, _ := renderMarkdown([]byte("# One\n\nfirst *doc* with a [link](/en/)\n"))
	if a != c || b != "<p>short</p>\n" {
		t.Errorf("buffer reuse leaked between documents: %q %q %q", a, b, c)
	}
	raw, _, _ := renderMarkdown([]byte("text <script>alert(1)</script> <b>bold</b>"))
	if strings.Contains(raw, "<script") || !strings.Contains(raw, "<b>bold</b>") {
		t.Errorf("raw HTML path: %q", raw)
	}
}

// TestPackSiteChangesNothing: packing a loaded site into dense memory
// leaves every page, field, front matter value and look-up exactly as the
// loader made them, and every look-up points at the pages in Site.Pages.
func TestPackSiteChangesNothing(t *testing.T) {
	dir := t.TempDir()
	genSite(t, dir, 60)
	extra := map[string]string{
		"content/_index.en.md":                "---\ntitle: Home\n---\nWelcome {{< contacts >}}",
		"content/about/index.en.md":           "---\ntitle: About\naliases: [/old-about/, o]\nlat: 50.1\nlon: 14.4\ntags: [a, b]\nnested:\n  deep: [1, 2.5, true, \"x\"]\ndescription: \"See <b>us</b> \\u202e\"\n---\nBody <script>alert(1)</script> [link](/en/about/)",
		"content/about/poster.png":            "PNG",
		"content/statements/_index.cs.md":     "---\ntitle: Prohlášení\n---\n",
		"content/statements/plain.md":         "Plain title\n\nFirst paragraph.\n\nSecond.",
		"content/events/party/index.en.md":    "---\ntitle: Party\nposter: poster.png\nstartDate: 2024-01-24T18:30:00Z\n---\n![poster](poster.png)",
		"content/events/party/poster.png":     "PNG",
		"content/events/party/index.cs.md":    "---\ntitle: Večírek\nstartDate: 2024-01-24T18:30:00Z\nsubDescription: \"*pod*\"\n---\n",
		"content/empty.en.md":                 "---\ntitle: Empty\n---\n",
		"content/faq/q-0/index.en.md":         "+++\ntitle = \"Duplicate URL?\"\nurl = \"/faq/q-0/\"\n+++\n",
		"content/statements/long.en.md":       "---\ntitle: " + strings.Repeat("long ", 5000) + "\n---\n" + strings.Repeat("word ", 20000),
		"content/statements/weird.en.md":      "---\ntitle: \"\\u202eevil\"\nauthor: \"'; DROP TABLE x; --\"\n---\n",
		"content/workplaces/_index.en.md":     "---\ntitle: Workplaces\n---\n",
		"content/workplaces/acme/index.en.md": "---\ntitle: ACME\n---\n",
		"content/workplaces/acme/photo.jpg":   "JPG",
	}
	for name, body := range extra {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	fsys := os.DirFS(dir)
	want, err := (&loader{fsys: fsys}).load()
	if err != nil {
		t.Fatal(err)
	}
	got, err := (&loader{fsys: fsys}).load()
	if err != nil {
		t.Fatal(err)
	}
	packSite(got)
	if len(got.Pages) != len(want.Pages) {
		t.Fatalf("%d pages, want %d", len(got.Pages), len(want.Pages))
	}
	for i := range want.Pages {
		if !reflect.DeepEqual(got.Pages[i], want.Pages[i]) {
			t.Errorf("page %s differs after packing:\n got %+v\nwant %+v", want.Pages[i].File, got.Pages[i], want.Pages[i])
		}
	}
	for name, pair := range map[string][2]any{
		"byURL": {got.byURL, want.byURL}, "byKey": {got.byKey, want.byKey}, "homes": {got.homes, want.homes},
		"sections": {got.sections, want.sections}, "aliases": {got.aliases, want.aliases}, "resources": {got.resources, want.resources},
	} {
		if !reflect.DeepEqual(pair[0], pair[1]) {
			t.Errorf("%s differs after packing", name)
		}
	}
	if len(got.aliases) == 0 || len(got.resources) == 0 {
		t.Error("test site needs aliases and resources")
	}
	// Identity: every look-up leads to a page of Site.Pages.
	in := map[*Page]bool{}
	for _, p := range got.Pages {
		in[p] = true
	}
	for u, p := range got.byURL {
		if !in[p] || p.URL != u {
			t.Errorf("byURL[%s] is not a page of Site.Pages", u)
		}
	}
	for k, ps := range got.byKey {
		for _, p := range ps {
			if !in[p] {
				t.Errorf("byKey[%s] holds a stale page", k)
			}
		}
	}
	for l, p := range got.homes {
		if !in[p] || got.Home(l) != p {
			t.Errorf("home %s is stale", l)
		}
	}
	for k, p := range got.sections {
		if !in[p] {
			t.Errorf("section %s is stale", k)
		}
	}
	// The public path packs too, and check still works on the result.
	s, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(s.Check(), want.Check()) {
		t.Errorf("check differs after packing:\n got %v\nwant %v", s.Check(), want.Check())
	}
}
