package auth

import (
	"context"
	"os"
	"regexp"
	"strings"
	"testing"

	"unionhall/internal/web/catalogtest"
)

// TestMessagesInBothLanguages: every text of the sign-in pages exists in
// English and Czech, non-empty, with the same placeholders.
func TestMessagesInBothLanguages(t *testing.T) {
	catalogtest.Complete(t, messages, Languages, nil)
}

// The templates call the view's T method ({{.T "key"}}, {{$.T "key"}});
// the Go code passes keys to v.T, T, jsonError, fail and accountPage.
var (
	tmplKeyRE = regexp.MustCompile(`\.T "([^"]+)"`)
	goKeyRE   = regexp.MustCompile(`(?:v\.T\(|\bT\([^,()]+, |jsonError\(w, r, [^,]+, |fail\([^,]+, |accountPage\(w, r, [^,]+, "[^"]*", )"([a-z_.]+)"`)
)

func TestTemplatesAndCodeUseKnownKeys(t *testing.T) {
	uses := append(catalogtest.Used(t, templateFS, "templates/*.html", tmplKeyRE),
		catalogtest.Used(t, os.DirFS("."), "*.go", goKeyRE)...)
	if len(uses) < 60 {
		t.Fatalf("only %d translation calls found: has the call pattern changed?", len(uses))
	}
	// Keys built at run time.
	for _, l := range Languages {
		uses = append(uses, catalogtest.Use{Where: "langname", Key: "langname." + l})
	}
	for code, key := range accountDone {
		uses = append(uses, catalogtest.Use{Where: "accountDone " + code, Key: key})
	}
	catalogtest.Known(t, messages, Languages, uses...)
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
