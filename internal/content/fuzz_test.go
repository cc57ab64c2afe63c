package content

import (
	"bytes"
	"testing"
)

// FuzzSplitFrontMatter: any input splits without panicking, the body is a
// suffix of the input and line numbers are sane.
func FuzzSplitFrontMatter(f *testing.F) {
	for _, s := range []string{
		"---\ntitle: x\n---\nbody", "+++\ntitle = 'x'\n+++\n", "{\"title\": \"x\"}\nbody", "---\n", "---", "{", "{}", "plain\ntext",
		"---  \n---\n", "+++\r\n+++\r\n", "\xef\xbb\xbf---\na: b\n---\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		src = normaliseSource(src)
		fm, err := splitFrontMatter(src)
		if err != nil {
			return
		}
		if !bytes.HasSuffix(src, fm.body) {
			t.Fatalf("body is not a suffix of the input")
		}
		if fm.bodyLine < 1 || fm.bodyLine > bytes.Count(src, []byte{'\n'})+2 {
			t.Fatalf("body line %d out of range", fm.bodyLine)
		}
		if fm.format != "" {
			// Parsing must not panic either.
			_, _ = parseData(fm.format, fm.raw)
		}
	})
}

// FuzzParseShortcodes: tags are in order, inside the input, and never
// overlap; expansion never leaves a "{{<" that was a tag.
func FuzzParseShortcodes(f *testing.F) {
	for _, s := range []string{
		"{{< contacts >}}", "{{% param \"a\" %}}", "{{< x a=\"b\" c=`d` >}}x{{< /x >}}", "{{</* c */>}}", "{{<", "{{< \"", "{{< x \">}}",
		"a {{ b }} {{% %}}", "{{< ref \"about#team\" >}}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		scs := parseShortcodes(src)
		prev := 0
		for _, sc := range scs {
			if sc.start < prev || sc.end < sc.start || sc.end > len(src) {
				t.Fatalf("bad range %d-%d after %d (len %d)", sc.start, sc.end, prev, len(src))
			}
			if !bytes.HasPrefix(src[sc.start:], []byte("{{<")) && !bytes.HasPrefix(src[sc.start:], []byte("{{%")) {
				t.Fatalf("tag at %d does not start with {{< or {{%%", sc.start)
			}
			prev = sc.end
		}
	})
}
