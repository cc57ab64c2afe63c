package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// docExample loads the first ```toml block of a document of the repository
// (a path from the repository's root) as a settings file, over the
// defaults and the environment env, and validates it.
func docExample(t *testing.T, doc string, env map[string]string) Config {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", doc))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), "```toml\n")
	if !ok {
		t.Fatalf("%s has no ```toml block", doc)
	}
	block, _, _ := strings.Cut(rest, "```")
	path := filepath.Join(t.TempDir(), "unionhall.toml")
	if err := os.WriteFile(path, []byte(block), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path, envMap(env))
	if err != nil {
		t.Fatalf("%s example: %v", doc, err)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("%s example does not validate: %v", doc, err)
	}
	return c
}

// TestOperationsExample keeps the settings in docs/operations.md true.
func TestOperationsExample(t *testing.T) {
	c := docExample(t, "docs/operations.md", map[string]string{"UNIONHALL_SMTP_PASSWORD": "x"})
	if c.MetricsAddr == "" || len(c.TrustedProxies) != 2 || c.SMTP.Host == "" {
		t.Errorf("operations.md example not read whole: %+v", c)
	}
}
