package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func envMap(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestPrecedenceFileThenEnv(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "unionhall.toml")
	err := os.WriteFile(path, []byte(`
addr = "127.0.0.1:9000"
data = "/var/lib/unionhall"
[smtp]
host = "mail.example.org"
from = "union@example.org"
[join]
verification_ttl = "7d"
`), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	c, err := Load(path, envMap(map[string]string{"UNIONHALL_ADDR": "127.0.0.1:9100", "UNIONHALL_SMTP_PORT": "2525"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:9100" {
		t.Errorf("env should override file: addr = %q", c.Addr)
	}
	if c.DataDir != "/var/lib/unionhall" || c.SMTP.Host != "mail.example.org" || c.SMTP.Port != 2525 {
		t.Errorf("file values lost: %+v", c)
	}
	if c.Join.VerificationTTL.Duration != 7*24*time.Hour {
		t.Errorf("ttl = %v", c.Join.VerificationTTL)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("valid config refused: %v", err)
	}
}

func TestMalformedFileNamesLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.toml")
	os.WriteFile(path, []byte("addr = \"x\"\n\nport = = 3\n"), 0o600)
	_, err := Load(path, envMap(nil))
	if err == nil || !strings.Contains(err.Error(), "bad.toml:3") {
		t.Fatalf("want file:line error, got %v", err)
	}
}

func TestUnknownKeyRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "u.toml")
	os.WriteFile(path, []byte("adress = \"127.0.0.1:1\"\n"), 0o600)
	_, err := Load(path, envMap(nil))
	if err == nil || !strings.Contains(err.Error(), "adress") {
		t.Fatalf("want unknown-key error, got %v", err)
	}
}

func TestValidate(t *testing.T) {
	cases := map[string]func(*Config){
		"bad addr":        func(c *Config) { c.Addr = "8080" },
		"no data":         func(c *Config) { c.DataDir = "" },
		"mysql url":       func(c *Config) { c.DatabaseURL = "mysql://x" },
		"bad public url":  func(c *Config) { c.PublicURL = "javascript:alert(1)" },
		"bad level":       func(c *Config) { c.LogLevel = "loud" },
		"bad tls":         func(c *Config) { c.SMTP.TLS = "maybe" },
		"smtp no from":    func(c *Config) { c.SMTP.Host = "mail" },
		"tiny ttl":        func(c *Config) { c.Join.VerificationTTL.Duration = time.Minute },
		"no rate":         func(c *Config) { c.Join.RateLimit = 0 },
		"fast reload":     func(c *Config) { c.ReloadInterval.Duration = time.Millisecond },
		"port overflow":   func(c *Config) { c.SMTP.Port = 70000 },
		"control in addr": func(c *Config) { c.Addr = "127.0.0.1:80\x00" },
	}
	for name, mutate := range cases {
		c := Default()
		mutate(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	c := Default()
	if err := c.Validate(); err != nil {
		t.Fatalf("defaults refused: %v", err)
	}
}

func TestDatabaseURLPasswordNotEchoed(t *testing.T) {
	c := Default()
	c.DatabaseURL = "mysql://user:s3cret@host/db"
	err := c.Validate()
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("error must not echo the URL: %v", err)
	}
}

func TestParseDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{"14d": 336 * time.Hour, "90s": 90 * time.Second, " 2h ": 2 * time.Hour} {
		got, err := ParseDuration(in)
		if err != nil || got != want {
			t.Errorf("%q: %v %v", in, got, err)
		}
	}
	for _, in := range []string{"", "d", "-1d", "1w", "abc"} {
		if _, err := ParseDuration(in); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
}

// TestREADMEExample keeps the settings example in the README true: it must
// load, with no unknown key, and validate.
func TestREADMEExample(t *testing.T) {
	c := docExample(t, "README.md", nil)
	if c.OIDC.RolesClaim == "" || c.Members.FeeInfo["cs"] == "" || c.Join.VerificationTTL.Duration != 14*24*time.Hour {
		t.Errorf("README example not read whole: %+v", c)
	}
}

func TestTrustedProxiesAndOrigins(t *testing.T) {
	path := filepath.Join(t.TempDir(), "u.toml")
	os.WriteFile(path, []byte(`
trusted_proxies = ["10.0.0.0/8", "::1"]
[join]
allowed_origins = ["https://union.example", "https://odbory.example:8443"]
`), 0o600)
	c, err := Load(path, envMap(nil))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if len(c.TrustedProxies) != 2 || c.TrustedProxies[1] != "::1" || len(c.Join.AllowedOrigins) != 2 {
		t.Fatalf("not read: %+v %+v", c.TrustedProxies, c.Join.AllowedOrigins)
	}
	// The environment overrides the file; set but empty trusts nobody.
	c, err = Load(path, envMap(map[string]string{"UNIONHALL_TRUSTED_PROXIES": " 192.0.2.1, 2001:db8::/32 ,"}))
	if err != nil || strings.Join(c.TrustedProxies, "|") != "192.0.2.1|2001:db8::/32" {
		t.Fatalf("env: %q %v", c.TrustedProxies, err)
	}
	c, _ = Load(path, envMap(map[string]string{"UNIONHALL_TRUSTED_PROXIES": ""}))
	if len(c.TrustedProxies) != 0 {
		t.Fatalf("empty env: %q", c.TrustedProxies)
	}
	// Nothing trusted and nothing opened by default.
	d := Default()
	if len(d.TrustedProxies) != 0 || len(d.Join.AllowedOrigins) != 0 {
		t.Fatal("defaults trust someone")
	}

	bad := map[string]struct {
		mutate func(*Config)
		want   string
	}{
		"proxy name":        {func(c *Config) { c.TrustedProxies = []string{"proxy.local"} }, `trusted_proxies: "proxy.local"`},
		"proxy bad cidr":    {func(c *Config) { c.TrustedProxies = []string{"10.0.0.0/40"} }, "trusted_proxies"},
		"origin wildcard":   {func(c *Config) { c.Join.AllowedOrigins = []string{"*"} }, `join.allowed_origins: "*"`},
		"origin with path":  {func(c *Config) { c.Join.AllowedOrigins = []string{"https://union.example/join"} }, "join.allowed_origins"},
		"origin no scheme":  {func(c *Config) { c.Join.AllowedOrigins = []string{"union.example"} }, "join.allowed_origins"},
		"origin not ascii":  {func(c *Config) { c.Join.AllowedOrigins = []string{"https://čmkos.example"} }, "ASCII"},
		"origin empty item": {func(c *Config) { c.Join.AllowedOrigins = []string{""} }, "join.allowed_origins"},
	}
	for name, b := range bad {
		c := Default()
		b.mutate(&c)
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("%s: %v, want an error with %q", name, err, b.want)
		}
	}
	// Env list for --help.
	if !strings.Contains(strings.Join(Env, " "), "UNIONHALL_TRUSTED_PROXIES") {
		t.Error("UNIONHALL_TRUSTED_PROXIES not listed")
	}
}

func TestEventsSettings(t *testing.T) {
	d := Default()
	if d.Events.RegistrationsPerHour != 20 || d.Events.EraseAfterDays != 30 {
		t.Fatalf("defaults changed: %+v", d.Events)
	}
	load := func(body string) (Config, error) {
		path := filepath.Join(t.TempDir(), "e.toml")
		os.WriteFile(path, []byte(body), 0o600)
		c, err := Load(path, envMap(nil))
		if err != nil {
			return c, err
		}
		return c, c.Validate()
	}
	c, err := load("[events]\nregistrations_per_hour = 5\nerase_after_days = 7\n")
	if err != nil || c.Events.RegistrationsPerHour != 5 || c.Events.EraseAfterDays != 7 {
		t.Fatalf("good: %+v %v", c.Events, err)
	}
	if c, err := load("[votes]\nmin_eligible = 3\n"); err != nil || c.Votes.MinEligible != 3 || Default().Votes.MinEligible != 10 {
		t.Fatalf("votes: %+v %v", c.Votes, err)
	}
	// A section that sets one key keeps the other's default.
	c, err = load("[events]\nerase_after_days = 90\n")
	if err != nil || c.Events.RegistrationsPerHour != 20 || c.Events.EraseAfterDays != 90 {
		t.Fatalf("partial: %+v %v", c.Events, err)
	}
	for body, want := range map[string]string{
		"[events]\nerase_after_days = 0\n":            "events.erase_after_days: 0 is out of range, want 1 to 365",
		"[events]\nerase_after_days = -3\n":           "events.erase_after_days: -3",
		"[events]\nerase_after_days = 366\n":          "events.erase_after_days: 366",
		"[events]\nregistrations_per_hour = 0\n":      "events.registrations_per_hour: 0 is out of range, want 1 to 10000",
		"[events]\nregistrations_per_hour = 100000\n": "events.registrations_per_hour: 100000",
		"[events]\nerase_after_days = \"30d\"\n":      "erase_after_days",
		"[events]\nerase_after_day = 30\n":            `unknown setting "events.erase_after_day"`,
		"[events]\nregistrations_per_hour = 2.5\n":    "registrations_per_hour",
		"[event]\nregistrations_per_hour = 5\n":       "unknown setting",
		"trusted_proxies = \"10.0.0.1\"\n":            "trusted_proxies",
		"[join]\nallowed_origins = \"https://a.b\"\n": "allowed_origins",
		"[votes]\nmin_eligible = 0\n":                 "votes.min_eligible: 0 is out of range",
		"[votes]\nmin_eligible = 1000000\n":           "votes.min_eligible: 1000000",
	} {
		if _, err := load(body); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want an error with %q", body, err, want)
		}
	}
}

// metrics_addr is off by default, read from the file and the environment,
// and refused when it is no address or the public one.
func TestMetricsAddr(t *testing.T) {
	if c := Default(); c.MetricsAddr != "" {
		t.Fatalf("metrics on by default: %q", c.MetricsAddr)
	}
	path := filepath.Join(t.TempDir(), "u.toml")
	os.WriteFile(path, []byte("metrics_addr = \"127.0.0.1:9090\"\n"), 0o600)
	c, err := Load(path, envMap(nil))
	if err != nil || c.MetricsAddr != "127.0.0.1:9090" || c.Validate() != nil {
		t.Fatalf("from file: %q %v %v", c.MetricsAddr, err, c.Validate())
	}
	c, _ = Load(path, envMap(map[string]string{"UNIONHALL_METRICS_ADDR": "[::1]:9100"}))
	if c.MetricsAddr != "[::1]:9100" || c.Validate() != nil {
		t.Fatalf("from env: %q %v", c.MetricsAddr, c.Validate())
	}
	for _, bad := range []string{"9090", "localhost", "127.0.0.1:99999", "<script>:1", "127.0.0.1:8080"} {
		c := Default()
		c.MetricsAddr = bad
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "metrics_addr") {
			t.Errorf("metrics_addr %q: %v", bad, err)
		}
	}
	if !strings.Contains(strings.Join(Env, " "), "UNIONHALL_METRICS_ADDR") {
		t.Error("UNIONHALL_METRICS_ADDR not listed")
	}
}
