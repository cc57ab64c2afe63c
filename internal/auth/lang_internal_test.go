package auth

import (
	"context"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

var placeholderRE = regexp.MustCompile(`\{[a-z_]+\}`)

func placeholders(s string) []string {
	p := placeholderRE.FindAllString(s, -1)
	slices.Sort(p)
	return slices.Compact(p)
}

// TestMessagesInBothLanguages: every text of the sign-in pages exists in
// English and Czech, non-empty, with the same placeholders.
func TestMessagesInBothLanguages(t *testing.T) {
	if got := slices.Sorted(maps.Keys(messages)); !slices.Equal(got, slices.Sorted(slices.Values(Languages))) {
		t.Fatalf("messages.json has %v, the console speaks %v", got, Languages)
	}
	for _, a := range Languages {
		for k, v := range messages[a] {
			if strings.TrimSpace(v) == "" {
				t.Errorf("%s: %s is empty", a, k)
			}
			for _, b := range Languages {
				w, ok := messages[b][k]
				if !ok {
					t.Errorf("%s lacks %s (%s has it)", b, k, a)
				} else if !slices.Equal(placeholders(v), placeholders(w)) {
					t.Errorf("%s: placeholders %v in %s, %v in %s", k, placeholders(v), a, placeholders(w), b)
				}
			}
		}
	}
}

// The templates call the view's T method ({{.T "key"}}, {{$.T "key"}});
// the Go code passes keys to v.T, T, jsonError, fail and accountPage.
var (
	tmplKeyRE = regexp.MustCompile(`\.T "([^"]+)"`)
	goKeyRE   = regexp.MustCompile(`(?:v\.T\(|\bT\([^,()]+, |jsonError\(w, r, [^,]+, |fail\([^,]+, |accountPage\(w, r, [^,]+, "[^"]*", )"([a-z_.]+)"`)
)

func TestTemplatesAndCodeUseKnownKeys(t *testing.T) {
	check := func(where, key string) {
		for _, l := range Languages {
			if _, ok := messages[l][key]; !ok {
				t.Errorf("%s: %q has no %s text", where, key, l)
			}
		}
	}
	n := 0
	err := fs.WalkDir(templateFS, "templates", func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := fs.ReadFile(templateFS, p)
		if err != nil {
			return err
		}
		for _, m := range tmplKeyRE.FindAllStringSubmatch(string(b), -1) {
			check(p, m[1])
			n++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("*.go")
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range goKeyRE.FindAllStringSubmatch(string(b), -1) {
			check(f, m[1])
			n++
		}
	}
	if n < 60 {
		t.Fatalf("only %d translation calls found: has the call pattern changed?", n)
	}
	// Keys built at run time.
	for _, l := range Languages {
		check("langname", "langname."+l)
	}
	for code, key := range accountDone {
		check("accountDone "+code, key)
	}
}

// TestEmailsInTheRequestsLanguage: the sign-in link and invitation emails
// exist in both languages, carry the link, and are valid messages.
func TestEmailsInTheRequestsLanguage(t *testing.T) {
	link := "https://union.example/auth/link?token=abc"
	for _, tc := range []struct {
		lang, subject, text string
	}{
		{"cs", "Váš odkaz pro přihlášení do Unionhallu", "Otevřete tento odkaz do 15 minut"},
		{"en", "Your Unionhall sign-in link", "Open this link within 15 minutes"},
		{"de", "Your Unionhall sign-in link", "Open this link within 15 minutes"}, // not spoken: English
	} {
		m := linkEmail(tc.lang, "a@example.org", link)
		if m.Subject != tc.subject || !strings.Contains(m.Text, tc.text) || !strings.Contains(m.Text, link) {
			t.Errorf("%s link email: %q\n%s", tc.lang, m.Subject, m.Text)
		}
		if err := m.Validate(); err != nil {
			t.Errorf("%s link email: %v", tc.lang, err)
		}
		if want := map[string]string{"de": "en"}[tc.lang]; want != "" && m.Headers["Content-Language"] != want {
			t.Errorf("%s link email says Content-Language %q", tc.lang, m.Headers["Content-Language"])
		}
	}
	if m := inviteEmail("cs", "a@example.org", link); !strings.Contains(m.Text, "založen účet") || !strings.Contains(m.Text, link) || m.Headers["Content-Language"] != "cs" {
		t.Errorf("cs invitation: %q", m.Text)
	}
	ctx := WithLang(context.Background(), "cs")
	if LangFrom(ctx) != "cs" || LangFrom(context.Background()) != "" {
		t.Error("WithLang/LangFrom do not round-trip")
	}
}
