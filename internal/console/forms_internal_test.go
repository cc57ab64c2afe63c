package console

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"unionhall/internal/auth"
	"unionhall/internal/web"
	"unionhall/internal/web/catalogtest"
)

// TestCheckText: each refused kind of character has its own message, so
// the person learns what to remove.
func TestCheckText(t *testing.T) {
	for _, tc := range []struct {
		in        string
		multiline bool
		want      string
	}{
		{"  ok  ", false, ""}, {"a\nb", true, ""}, {"a\r\nb", true, ""}, {"a\nb", false, "err.control"},
		{"a\u202Eb", false, "err.bidi"}, {"a\u200Fb", true, "err.bidi"}, {"a\u2069b", false, "err.bidi"},
		{"a\x00b", true, "err.control"}, {"a\tb", false, "err.control"}, {"a\u0085b", false, "err.control"},
		{"a\u061Cb", false, "err.bidi"}, {"a\u2028b", true, "err.control"}, {"a\U000E0041b", false, "err.control"},
		{"a\uFEFFb", false, "err.control"}, {"a\uFFFDb", false, "err.control"}, {"a\xffb", false, "err.encoding"},
		{strings.Repeat("é", 10), false, ""}, {strings.Repeat("é", 11), false, "err.too_long"},
	} {
		if _, got, _ := CheckText(tc.in, 10, tc.multiline); got != tc.want {
			t.Errorf("%q (multiline %v): %q, want %q", tc.in, tc.multiline, got, tc.want)
		}
	}
}

// TestVisible: a value shown again is what was typed, with only the
// refused characters (and broken bytes) replaced by U+FFFD, so the person
// sees where they are; resubmitting it unchanged is refused again.
func TestVisible(t *testing.T) {
	for _, tc := range []struct {
		in        string
		multiline bool
		want      string
	}{
		{`<b>"x"</b>`, false, `<b>"x"</b>`}, {"Nov\u202Eá", false, "Nov\uFFFDá"}, {"a\r\nb", true, "a\nb"},
		{"a\r\nb", false, "a\uFFFDb"}, {"caf\xe9!", false, "caf\uFFFD!"}, {"a\x00\tb", true, "a\uFFFD\uFFFDb"},
		{"Dvořáková", false, "Dvořáková"},
	} {
		got := Visible(tc.in, tc.multiline)
		if got != tc.want {
			t.Errorf("Visible(%q, %v) = %q, want %q", tc.in, tc.multiline, got, tc.want)
		}
		if _, ok := CleanText(tc.in, 100, tc.multiline); !ok {
			if _, ok := CleanText(got, 100, tc.multiline); ok {
				t.Errorf("%q shown as %q would be accepted", tc.in, got)
			}
		}
	}
}

// TestNilFormIsSafe: pages without a sent form call the same methods.
func TestNilFormIsSafe(t *testing.T) {
	var f *Form
	if f.For("x") != nil || f.Failed() || f.Err("a") != "" || f.V("a", "d") != "d" || !f.Checked("a", "b", true) {
		t.Fatal("nil form")
	}
}

// TestFormTextsComplete: the form kit's messages exist in both languages,
// and every message key forms.go names is among them.
func TestFormTextsComplete(t *testing.T) {
	cat := web.MustCatalog("console", formJSON)
	catalogtest.Complete(t, cat, auth.Languages, nil)
	src, err := os.ReadFile("forms.go")
	if err != nil {
		t.Fatal(err)
	}
	keys := regexp.MustCompile(`"(err\.[a-z_]+)"`).FindAllStringSubmatch(string(src), -1)
	if len(keys) < 10 {
		t.Fatalf("only %d message keys found in forms.go", len(keys))
	}
	var uses []catalogtest.Use
	for _, k := range keys {
		uses = append(uses, catalogtest.Use{Where: "forms.go", Key: k[1]})
	}
	catalogtest.Known(t, cat, auth.Languages, uses...)
}
