// Package catalogtest checks a feature's texts (a web.Catalog read from its
// messages.json) in that feature's tests. Every feature that speaks more
// than one language keeps the same promises, so they are checked by one
// piece of code:
//
//   - Complete: every language has every text, none empty, with the same
//     {placeholders}; plural texts (keys ending in .one, .few, .other, …)
//     have every form their language needs.
//   - Used and Known: the keys that templates and Go code pass to the
//     feature's translation calls (found with the feature's own patterns)
//     exist in every language, so a typo fails a test instead of showing
//     a raw key to a union member.
package catalogtest

import (
	"io/fs"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"

	"unionhall/internal/web"
)

var placeholderRE = regexp.MustCompile(`\{[a-z_]+\}`)

// Placeholders returns the distinct {name} placeholders of s, sorted.
func Placeholders(s string) []string {
	p := placeholderRE.FindAllString(s, -1)
	slices.Sort(p)
	return slices.Compact(p)
}

// PluralBase splits a plural text's key ("apps.count.few") into its base
// and form; ok is false for an ordinary key.
func PluralBase(key string) (base, form string, ok bool) {
	i := strings.LastIndexByte(key, '.')
	if i < 0 {
		return "", "", false
	}
	switch f := key[i+1:]; f {
	case "zero", "one", "two", "few", "many", "other":
		return key[:i], f, true
	}
	return "", "", false
}

// Complete checks that c speaks exactly langs and that every text exists,
// non-empty, in every language with the same placeholders. With forms set,
// keys ending in a plural form are checked per form instead: every plural
// base has each form forms(lang) names for each language.
func Complete(t testing.TB, c web.Catalog, langs []string, forms func(lang string) []string) {
	t.Helper()
	if got := slices.Sorted(maps.Keys(c)); !slices.Equal(got, slices.Sorted(slices.Values(langs))) {
		t.Fatalf("messages.json has languages %v, want %v", got, langs)
	}
	plurals := map[string]bool{}
	for _, a := range langs {
		for k, v := range c[a] {
			if strings.TrimSpace(v) == "" {
				t.Errorf("%s: %s is empty", a, k)
			}
			if forms != nil {
				if base, _, ok := PluralBase(k); ok {
					plurals[base] = true
					continue
				}
			}
			for _, b := range langs {
				w, ok := c[b][k]
				if !ok {
					t.Errorf("%s lacks %s (%s has it)", b, k, a)
				} else if !slices.Equal(Placeholders(v), Placeholders(w)) {
					t.Errorf("%s: placeholders %v in %s, %v in %s", k, Placeholders(v), a, Placeholders(w), b)
				}
			}
		}
	}
	for base := range plurals {
		for _, lang := range langs {
			for _, f := range forms(lang) {
				if _, ok := c[lang][base+"."+f]; !ok {
					t.Errorf("%s: plural %s lacks the form %q", lang, base, f)
				}
			}
		}
	}
}

// Use is a translation key found in a file.
type Use struct{ Where, Key string }

// Used returns the keys in the files of fsys matching glob (fs.Glob) that
// any of res finds: each pattern's first group is the key.
func Used(t testing.TB, fsys fs.FS, glob string, res ...*regexp.Regexp) []Use {
	t.Helper()
	files, err := fs.Glob(fsys, glob)
	if err != nil {
		t.Fatal(err)
	}
	var out []Use
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := fs.ReadFile(fsys, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, re := range res {
			for _, m := range re.FindAllStringSubmatch(string(b), -1) {
				out = append(out, Use{f, m[1]})
			}
		}
	}
	return out
}

// Known fails t for each key in uses that some language of c lacks.
func Known(t testing.TB, c web.Catalog, langs []string, uses ...Use) {
	t.Helper()
	for _, u := range uses {
		for _, l := range langs {
			if _, ok := c[l][u.Key]; !ok {
				t.Errorf("%s: %q has no %s text", u.Where, u.Key, l)
			}
		}
	}
}
