package admin

import (
	"io/fs"
	"strings"
	"testing"

	"unionhall/internal/auth"
)

// TestAllPagesParse: console pages are parsed on first use (Console.page),
// so this parses every one in every language, as start-up once did.
func TestAllPagesParse(t *testing.T) {
	c := New(Deps{})
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil || len(names) < 10 {
		t.Fatalf("templates: %v %v", names, err)
	}
	for _, lang := range auth.Languages {
		for _, n := range names {
			base := strings.TrimPrefix(n, "templates/")
			if base == "layout.html" {
				if _, err := c.page(lang, base); err == nil {
					t.Error("the layout alone is not a page")
				}
				continue
			}
			if _, err := c.page(lang, base); err != nil {
				t.Errorf("%s %s: %v", lang, base, err)
			}
		}
	}
	for _, bad := range []string{"nope.html", "../console.go", ""} {
		if _, err := c.page("en", bad); err == nil {
			t.Errorf("page %q parsed", bad)
		}
	}
}
