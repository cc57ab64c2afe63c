package content

import (
	"strings"
	"testing"
)

// TestPlainShortcodesAndLinks: a document without front matter expands
// shortcodes (positional and named arguments) and Markdown links as
// Markdown pages do, and stays escaped text otherwise.
func TestPlainShortcodesAndLinks(t *testing.T) {
	s := load(t, map[string]string{
		"data/occupations.yaml":     "- en: Tester\n  cs: Testerka\n",
		"content/register.en.md":    "---\ntitle: Register\n---\nForm.",
		"content/about/index.en.md": "---\ntitle: About\n---\nAbout.",
		"content/about/index.cs.md": "---\ntitle: O nás\n---\nO nás.",
		"content/plain.en.md": strings.Join([]string{
			"Plain page",
			"",
			"Sign up [here]({{< relref path=\"register\" >}}) or read [about us]({{< ref \"about\" >}}).",
			"Czech: [o nás]({{< relref path=\"about\" lang=\"cs\" >}}).",
			"Write to {{< param \"supportEmail\" >}} or see https://example.org/x_(y). Also <https://example.net/a>.",
			"",
			"{{< occupations >}}",
			"",
			"1. not a list *not emphasis* <script>alert(1)</script>",
			"[bad](javascript:alert(1)) [also bad](data:text/html,x) [missing](/en/nowhere/)",
			"[unclosed](https://example.org/ and [x] alone",
		}, "\n"),
	})
	p := page(t, s, "/en/plain/")
	if !p.Plain || p.Title != "Plain page" {
		t.Fatalf("plain %v title %q", p.Plain, p.Title)
	}
	body := string(p.Body())
	for _, want := range []string{
		`Sign up <a href="/en/register/">here</a> or read <a href="/en/about/">about us</a>.`,
		`Czech: <a href="/cs/about/">o nás</a>.`,
		`Write to info@example.org or see <a href="https://example.org/x_(y)" rel="noopener noreferrer">https://example.org/x_(y)</a>.`,
		`Also <a href="https://example.net/a" rel="noopener noreferrer">https://example.net/a</a>.`,
		"<ul class=\"occupations\">\n<li>Tester</li>\n</ul>\n",
		`1. not a list *not emphasis* &lt;script&gt;alert(1)&lt;/script&gt;`,
		`bad also bad <a href="/en/nowhere/">missing</a>`,
		`[unclosed](<a href="https://example.org/" rel="noopener noreferrer">https://example.org/</a> and [x] alone`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("body lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, "UHSC") || strings.Contains(body, "{{") || strings.Contains(body, "javascript") || strings.Contains(body, "<p><ul") {
		t.Errorf("body:\n%s", body)
	}
	// check sees the plain page's internal links like any other.
	probs := s.Check()
	if !hasProblem(probs, "content/plain.en.md", 0, SevError, "/en/nowhere/") {
		t.Errorf("broken link in a plain page not reported: %v", probs)
	}
	if hasProblem(probs, "content/plain.en.md", 0, SevError, "/en/register/") {
		t.Errorf("good link reported: %v", probs)
	}
}

// TestPlainShortcodeProblems: a plain document's unknown shortcode or bad
// ref is reported at its line and left out, as in Markdown.
func TestPlainShortcodeProblems(t *testing.T) {
	s := load(t, map[string]string{
		"content/p.en.md": "Title\n\nline\n{{< nosuch >}} text [x]({{< relref \"gone\" >}})\n",
	})
	body := string(page(t, s, "/en/p/").Body())
	if body != "<p>line<br>\ntext x</p>\n" {
		t.Errorf("body %q", body)
	}
	if !hasProblem(s.Problems, "content/p.en.md", 4, SevError, `unknown shortcode "nosuch"`) ||
		!hasProblem(s.Problems, "content/p.en.md", 4, SevError, `no page "gone"`) {
		t.Errorf("problems %v", s.Problems)
	}
}

// TestPlainSeedWithShortcodes: the two plain seeds (a copied news page and
// an about page) render as before, and the same text with a shortcode and a
// link added, as the union's editors would, expands them.
func TestPlainSeedWithShortcodes(t *testing.T) {
	dir := seedsDir(t)
	news, about := seed(t, dir, "003"), seed(t, dir, "004")
	s := load(t, map[string]string{
		"data/occupations.yaml":    "- en: Programmer\n  cs: Programátor\n",
		"content/news/a.en.md":     news,
		"content/news/b.en.md":     news + "\n\nSee [the events]({{< relref path=\"events\" >}}).\n",
		"content/events/_index.md": "---\ntitle: Events\n---\n",
		"content/unitech.en.md":    about + "\n\nWho are we?\n\n{{< occupations >}}\n\nWrite to {{< param supportEmail >}}.\n",
	})
	for _, p := range s.Problems {
		if p.Severity == SevError {
			t.Errorf("problem: %s", p)
		}
	}
	a, b := string(page(t, s, "/en/news/a/").Body()), string(page(t, s, "/en/news/b/").Body())
	if strings.Contains(a, "<a ") || !strings.HasPrefix(b, a) {
		t.Errorf("plain seed changed by link handling:\n%s", a)
	}
	if !strings.HasSuffix(b, "<p>See <a href=\"/en/events/\">the events</a>.</p>\n") {
		t.Errorf("news with a link ends:\n%s", b[max(0, len(b)-200):])
	}
	u := string(page(t, s, "/en/unitech/").Body())
	if !strings.Contains(u, "<p>Who are we?</p>\n<ul class=\"occupations\">\n<li>Programmer</li>\n</ul>\n") ||
		!strings.HasSuffix(u, "<p>Write to info@example.org.</p>\n") ||
		!strings.Contains(u, "we never put each other at risk of losing our jobs") {
		t.Errorf("unitech with shortcodes:\n%s", u[max(0, len(u)-400):])
	}
}

func TestSafeHref(t *testing.T) {
	for in, ok := range map[string]bool{
		"/en/a/": true, "#x": true, "a/b": true, "https://x.org": true, "mailto:a@b.c": true, "tel:+420": true,
		"javascript:alert(1)": false, "JavaScript:x": false, "data:text/html,x": false, "vbscript:x": false,
		"": false, "a:b/c": false, "//evil.example/": true,
	} {
		if _, got := safeHref(in); got != ok {
			t.Errorf("safeHref(%q) = %v, want %v", in, got, ok)
		}
	}
}

// TestParamCannotMakeScriptLinks: a front matter value put into a link
// target by {{< param >}} passed the Markdown renderer's and the
// sanitiser's URL checks as a harmless placeholder; it is checked when it
// is filled in, in Markdown, raw HTML and plain documents alike.
func TestParamCannotMakeScriptLinks(t *testing.T) {
	s := load(t, map[string]string{
		"content/md.en.md":    "---\ntitle: M\nevil: \"javascript:alert(1)\"\nhome: /en/\n---\n[a]({{< param evil >}}) <a href=\" {{< param evil >}}\">b</a> ![c]({{< param evil >}}) [d]({{< param home >}})\n",
		"content/plain.en.md": "Plain\n\n[a]({{< param supportPhone >}}) [b]({{< param \"supportEmail\" >}})\n",
	})
	md := string(page(t, s, "/en/md/").Body())
	if strings.Contains(md, "javascript") || strings.Count(md, `href="#"`) != 2 || !strings.Contains(md, `src="#"`) || !strings.Contains(md, `<a href="/en/">d</a>`) {
		t.Errorf("markdown body %s", md)
	}
	if n := len(problemsWith(s.Problems, "is not a safe link target")); n != 3 {
		t.Errorf("%d refusals reported: %v", n, s.Problems)
	}
	if p := string(page(t, s, "/en/plain/").Body()); !strings.Contains(p, `<a href="+420%20739%20547%20927">a</a>`) && !strings.Contains(p, `<a href="+420 739 547 927">a</a>`) {
		t.Errorf("plain body %s", p)
	}
}

func problemsWith(ps []Problem, text string) []Problem {
	var out []Problem
	for _, p := range ps {
		if strings.Contains(p.Message, text) {
			out = append(out, p)
		}
	}
	return out
}
