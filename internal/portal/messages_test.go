package portal

import (
	"os"
	"regexp"
	"testing"

	"unionhall/internal/web/catalogtest"
)

// TestMessagesInBothLanguages: every text exists in English and Czech,
// non-empty, with the same placeholders.
func TestMessagesInBothLanguages(t *testing.T) {
	catalogtest.Complete(t, messages, Languages, nil)
}

// The templates call the view's T ({{.T "key"}}, {{$.T "key"}}); the Go
// code passes keys to T, t, v.T, s.view, s.message and the field lists.
var (
	tmplKeyRE = regexp.MustCompile(`\.T "([^"]+)"`)
	goKeyRE   = regexp.MustCompile(`(?:\bv\.T\(|\bT\([^,()]+, |\bt\(|s\.view\([^,]+, |s\.message\(w, r, [^,]+, |"[a-z.]+", )"([a-z_]+\.[a-z_.]+)"`)
)

func TestTemplatesAndCodeUseKnownKeys(t *testing.T) {
	uses := append(catalogtest.Used(t, templateFS, "templates/*.html", tmplKeyRE),
		catalogtest.Used(t, os.DirFS("."), "*.go", goKeyRE)...)
	if len(uses) < 80 {
		t.Fatalf("only %d translation calls found: has the call pattern changed?", len(uses))
	}
	// Keys built at run time.
	for _, f := range contactFields {
		uses = append(uses, catalogtest.Use{Where: "field", Key: "field." + f.Name})
	}
	for _, st := range []string{"confirmed", "waiting", "cancelled"} {
		uses = append(uses, catalogtest.Use{Where: "status", Key: "status." + st})
	}
	for _, k := range []string{"err.required", "err.too_long", "err.control", "err.bidi", "err.email", "err.date", "err.date_range", "err.phone", "err.postal", "err.lang", "err.taken"} {
		uses = append(uses, catalogtest.Use{Where: "form.go", Key: k})
	}
	catalogtest.Known(t, messages, Languages, uses...)
}
