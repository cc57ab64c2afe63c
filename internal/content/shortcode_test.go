package content

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestParseShortcodes(t *testing.T) {
	tests := []struct {
		in   string
		want []shortcode
	}{
		{`a {{< contacts >}} b`, []shortcode{{start: 2, end: 18, name: "contacts"}}},
		{`{{% param "social.mastodon" %}}`, []shortcode{{start: 0, end: 31, name: "param", markdown: true, pos: []string{"social.mastodon"}}}},
		{`{{< ref path="about/index.en.md" >}}`, []shortcode{{start: 0, end: 36, name: "ref", named: map[string]string{"path": "about/index.en.md"}}}},
		{"{{< x `raw \"q\"` \"a \\\"b\\\"\" bare />}}", []shortcode{{start: 0, end: 35, name: "x", pos: []string{`raw "q"`, `a "b"`, "bare"}}}},
		{`{{< /details >}}`, []shortcode{{start: 0, end: 16, name: "details", closing: true}}},
		{`{{</* contacts */>}}`, []shortcode{{start: 0, end: 20, literal: "{{< contacts >}}"}}},
		{`{{< x ">}}" >}}`, []shortcode{{start: 0, end: 15, name: "x", pos: []string{">}}"}}}},
		{"{{< broken\nnext line", []shortcode{{start: 0, end: 10, err: "shortcode is not closed with >}}"}}},
		{`{{<  >}}`, []shortcode{{start: 0, end: 8, err: "empty shortcode"}}},
		{`{{< "quoted" >}}`, []shortcode{{start: 0, end: 16, err: `bad shortcode name "quoted"`}}},
		{`{{< x a k=v >}}`, []shortcode{{start: 0, end: 15, name: "x", pos: []string{"a"}, named: map[string]string{"k": "v"}, err: "shortcode mixes positional and named arguments"}}},
		{`{{ .Title }} {{`, nil},
	}
	for _, tc := range tests {
		got := parseShortcodes([]byte(tc.in))
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("parseShortcodes(%q)\n got %+v\nwant %+v", tc.in, got, tc.want)
		}
	}
}

func TestShortcodes(t *testing.T) {
	cfg := baseConfig + `
signal = "https://signal.me/#p/+420111"
[params.social]
mastodon = "https://social.example/@union"
bogus = "javascript:alert(1)"
[[params.people]]
name = "Jana Nováková"
role = {en = "Chair", cs = "Předsedkyně"}
email = "jana@example.org"
phone = "+420 123 456 789"
image = "jana.jpg"
[[params.people]]
name = "<b>Evil</b>"
`
	s := load(t, map[string]string{
		"config.toml":           cfg,
		"data/occupations.yaml": "- en: Programmer\n  cs: Programátor\n- en: Tester\n- cs: Jen česky\n",
		"content/about/index.en.md": `---
title: About
description: |
  Intro {{< contacts >}}
---
{{< occupations >}}

{{% people %}}

Mastodon: {{< param "social.mastodon" >}}, page param {{< param custom >}}.

[Declaration]({{< relref "declaration" >}}) and [abs]({{< ref "about/index.en.md#team" >}}).

{{< youtube abc >}}
{{< details >}}Inner **kept**{{< /details >}}
Literal: {{</* contacts */>}}
{{< ref "nowhere" >}}
{{< param "nope" >}}
{{< broken
`,
		"content/about/index.cs.md":       "---\ntitle: O nás\ncustom: x\n---\n{{< occupations >}}\n{{< people >}}\n[cs]({{< relref \"about/index.en.md\" >}}) [en]({{< relref path=\"about\" lang=\"en\" >}})\n",
		"content/declaration/index.cs.md": "---\ntitle: Deklarace\nurl: deklarace\n---\n",
	})
	en := page(t, s, "/en/about/")
	desc := string(en.Description)
	for _, want := range []string{
		`<ul class="contacts" aria-label="Contacts">`,
		`<a href="mailto:info@example.org">info@example.org</a>`,
		`<a href="tel:+420739547927">+420 739 547 927</a>`,
		`<a href="https://signal.me/#p/+420111">Write to us on Signal</a>`,
		`<a href="https://social.example/@union">social.example/@union</a>`,
	} {
		if !strings.Contains(desc, want) {
			t.Errorf("contacts lack %q:\n%s", want, desc)
		}
	}
	if strings.Contains(desc, "javascript") {
		t.Error("non-http social link kept")
	}
	body := string(en.Body())
	for _, want := range []string{
		"<ul class=\"occupations\">\n<li>Programmer</li>\n<li>Tester</li>\n<li>Jen česky</li>\n</ul>",
		`<span class="person-name">Jana Nováková</span> <span class="person-role">Chair</span>`,
		`<img class="person-image" src="/assets/jana.jpg" alt="" loading="lazy">`,
		`href="mailto:jana@example.org"`, `href="tel:+420123456789"`,
		`<span class="person-name">&lt;b&gt;Evil&lt;/b&gt;</span>`,
		"Mastodon: https://social.example/@union, page param .",
		`<a href="/cs/deklarace/">Declaration</a>`,
		`<a href="/en/about/#team">abs</a>`,
		"Inner <strong>kept</strong>",
		"Literal: {{&lt; contacts &gt;}}",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("body lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, "youtube") || strings.Contains(body, "{{&lt; broken") || strings.Contains(body, "UHSC") {
		t.Errorf("raw shortcode in body:\n%s", body)
	}
	f := "content/about/index.en.md"
	for _, want := range []struct {
		line int
		sev  Severity
		text string
	}{
		{10, SevError, `param: "custom" is not set`},
		{12, SevWarning, `"declaration" has no en version`},
		{14, SevError, `unknown shortcode "youtube"`},
		{15, SevError, `unknown shortcode "details"`},
		{17, SevError, `no page "nowhere"`},
		{18, SevError, `"nope" is not set`},
		{19, SevError, "not closed"},
	} {
		if !hasProblem(s.Problems, f, want.line, want.sev, want.text) {
			t.Errorf("missing problem %s:%d %s; have %v", f, want.line, want.text, s.Problems)
		}
	}
	cs := string(page(t, s, "/cs/about/").Body())
	for _, want := range []string{"<li>Programátor</li>", "<li>Tester</li>", `<span class="person-role">Předsedkyně</span>`, `<a href="/cs/about/">cs</a>`, `<a href="/en/about/">en</a>`} {
		if !strings.Contains(cs, want) {
			t.Errorf("cs body lacks %q:\n%s", want, cs)
		}
	}
	if strings.Contains(cs, "<p><ul") {
		t.Errorf("block shortcode inside a paragraph:\n%s", cs)
	}
	if n := strings.Count(strings.Join(func() []string {
		var out []string
		for _, p := range s.Problems {
			out = append(out, p.String())
		}
		return out
	}(), "\n"), `unknown shortcode "details"`); n != 1 {
		t.Errorf("paired unknown shortcode reported %d times", n)
	}
}

func TestShortcodesWithoutData(t *testing.T) {
	s := load(t, map[string]string{
		"config.toml":     "title = \"x\"\n",
		"content/a.en.md": "---\ntitle: A\n---\n{{< contacts >}}\n{{< occupations >}}\n{{< people >}}\n",
	})
	if b := page(t, s, "/en/a/").Body(); strings.TrimSpace(string(b)) != "" {
		t.Errorf("body %q", b)
	}
	for _, text := range []string{"contacts:", "occupations:", "people:"} {
		if !hasProblem(s.Problems, "content/a.en.md", 0, SevWarning, text) {
			t.Errorf("%s not reported: %v", text, s.Problems)
		}
	}
}

// fillByReplacer is the former implementation of expanded.fill, kept as the
// reference for TestFillMatchesReplacer.
func fillByReplacer(e expanded, h string) string {
	if len(e.htmls) == 0 {
		return h
	}
	pairs := make([]string, 0, 4*len(e.htmls))
	for i := len(e.htmls) - 1; i >= 0; i-- {
		ph := placeholder(e.prefix, i)
		pairs = append(pairs, "<p>"+ph+"</p>", e.htmls[i], ph, e.htmls[i])
	}
	return strings.NewReplacer(pairs...).Replace(h)
}

// TestFillMatchesReplacer: the hand-written placeholder scan gives exactly
// what the strings.Replacer it replaced gave, including for text that only
// looks like a placeholder.
func TestFillMatchesReplacer(t *testing.T) {
	htmls := make([]string, 12)
	for i := range htmls {
		htmls[i] = fmt.Sprintf(`<ul class="sc%d"><li>x</li></ul>`, i)
	}
	e := expanded{prefix: "UHSC", htmls: htmls}
	cases := []string{
		"",
		"<p>no shortcodes</p>\n",
		"<p>UHSC0Z</p>\n",
		"<p>before UHSC1Z after</p>\n<p>UHSC11Z</p>\n",
		"<p>UHSC1ZUHSC2Z</p>",
		"UHSC10Z UHSC1Z UHSC0Z",
		"<p>UHSC12Z</p>",                   // out of range: left alone
		"<p>UHSC3</p>",                     // no terminator
		"<p>UHSCZ</p>",                     // no number
		"<p>UHSC</p>UHSC",                  // bare prefix, also at the very end
		"<p>UHSC-1Z</p>",                   // sign is not a digit
		"<p>UHSC99999999999999999999Z</p>", // overflows int
		"<p><p>UHSC4Z</p></p>",
		"<p>\u202eUHSC5Z</p>",
	}
	for _, h := range cases {
		if got, want := e.fill(h), fillByReplacer(e, h); got != want {
			t.Errorf("fill(%q)\n got %q\nwant %q", h, got, want)
		}
	}
	if got := (expanded{prefix: "UHSC"}).fill("<p>UHSC0Z</p>"); got != "<p>UHSC0Z</p>" {
		t.Errorf("no shortcodes: %q", got)
	}
}

// TestShortcodeTagLengthBound: a closing delimiter further than
// maxTagBytes from its "{{<" does not close the tag, so hostile files of
// unclosed tags cost linear, not quadratic, time (each tag used to scan to
// the end of the file: a 240 KB file took a minute to load).
func TestShortcodeTagLengthBound(t *testing.T) {
	long := "{{< param \"" + strings.Repeat("x", maxTagBytes) + "\" >}}"
	scs := parseShortcodes([]byte(long))
	if len(scs) != 1 || scs[0].err == "" {
		t.Fatalf("over-long tag parsed as %+v", scs)
	}
	ok := "{{< param \"" + strings.Repeat("x", maxTagBytes/2) + "\" >}}"
	if scs := parseShortcodes([]byte(ok)); len(scs) != 1 || scs[0].err != "" || scs[0].end != len(ok) {
		t.Fatalf("long but bounded tag: %+v", scs)
	}
	// Many unclosed tags, each on its own line: every one is reported and
	// the text between survives.
	src := strings.Repeat("{{< x\ntext\n", 100)
	scs = parseShortcodes([]byte(src))
	if len(scs) != 100 {
		t.Fatalf("%d tags", len(scs))
	}
	for _, sc := range scs {
		if sc.err == "" || src[sc.end] != '\n' {
			t.Fatalf("unclosed tag %+v", sc)
		}
	}
}
