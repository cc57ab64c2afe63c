// Package config reads Unionhall's own settings: a TOML settings file, then
// environment variables, then command-line flags, each overriding the one
// before. The result is validated once at start so a typo stops the server
// with a clear message instead of surfacing as a strange failure later.
//
// The site's content configuration (languages, params, permalinks) is NOT
// here: it lives in the site folder's Hugo-style config and is read by
// package content, so a union can keep the folder it already has.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"unionhall/internal/web"
)

// Config is the whole settings tree. Field names match the TOML keys.
type Config struct {
	// Addr is the listen address (host:port). Default 127.0.0.1:8080: a fresh
	// install is reachable only from the machine until the operator decides.
	Addr string `toml:"addr"`
	// SiteDir is the Hugo-style site folder; empty serves the built-in example.
	SiteDir string `toml:"site"`
	// DataDir holds the SQLite database, the sealing key and outgoing mail
	// files when no SMTP server is configured.
	DataDir string `toml:"data"`
	// DatabaseURL switches storage to PostgreSQL (postgres://…).
	DatabaseURL string `toml:"database_url"`
	// PublicURL is the address people use to reach the site; links in emails
	// are built from it. Empty means http://<Addr>/.
	PublicURL string `toml:"public_url"`
	// LogLevel is debug, info, warn or error.
	LogLevel string `toml:"log_level"`
	// AccessLog logs one line per request (method, path without query,
	// status, size, duration — never addresses or query strings). Off saves a
	// write per request on a busy public site.
	AccessLog bool `toml:"access_log"`
	// ReloadInterval is how often the site folder is checked for edits.
	ReloadInterval Duration `toml:"reload_interval"`
	// TrustedProxies are the reverse proxies (IP addresses or CIDR ranges)
	// whose X-Forwarded-For names the client. Behind a proxy every visitor
	// arrives from the proxy's address, so without it all per-address rate
	// limits share one bucket. Empty (the default) trusts nobody, not even
	// loopback: a header is only as true as whoever wrote it.
	TrustedProxies []string `toml:"trusted_proxies"`
	// MetricsAddr, when set (host:port), serves Prometheus metrics at
	// /metrics on a listener of its own; empty (the default) serves none.
	// Bind it to loopback or a private interface: the figures describe the
	// union's activity.
	MetricsAddr string `toml:"metrics_addr"`

	SMTP    SMTP    `toml:"smtp"`
	Join    Join    `toml:"join"`
	Events  Events  `toml:"events"`
	OIDC    OIDC    `toml:"oidc"`
	Members Members `toml:"members"`
	Jobs    Jobs    `toml:"jobs"`
	Votes   Votes   `toml:"votes"`
	// Petitions holds the petitions' settings (internal/petitions).
	Petitions Petitions `toml:"petitions"`
}

// Petitions holds the petitions' settings.
type Petitions struct {
	// EraseAfterDays is how long after a petition closes its signers'
	// personal data is kept (a petition's own eraseAfterDays wins); counts
	// stay.
	EraseAfterDays int `toml:"erase_after_days"`
	// SignaturesPerHour is how many signatures one client address may send
	// per hour (across all petitions); addresses are kept only in memory.
	// Higher than events' because a workplace or a campus shares one
	// address when a petition goes round it.
	SignaturesPerHour int `toml:"signatures_per_hour"`
}

// Votes holds the member votes' settings (internal/votes).
type Votes struct {
	// MinEligible refuses to open a vote with fewer eligible members: the
	// result of a vote among three people tells each of them how the other
	// two voted.
	MinEligible int `toml:"min_eligible"`
}

// MaxMinEligible bounds [votes] min_eligible.
const MaxMinEligible = 100_000

// Jobs tunes the background job queue (emails, PDFs). The defaults suit
// production; the crash tests (internal/faulttest) shorten them so a run
// takes seconds.
type Jobs struct {
	// Lease is how long a job being run is reserved for its process. After
	// a crash, the jobs it was running run again once their lease ends.
	Lease Duration `toml:"lease"`
	// RetryAfter is the wait before the first retry of a failed job; each
	// later one waits twice as long (capped, with jitter).
	RetryAfter Duration `toml:"retry_after"`
}

// Events holds event registration's tunables.
type Events struct {
	// RegistrationsPerHour is how many registrations one client address
	// may make per hour (across all events); it slows a script filling an
	// event with fake names. Addresses are kept only in memory.
	RegistrationsPerHour int `toml:"registrations_per_hour"`
	// EraseAfterDays is how long after an event ends its registrants'
	// personal data is kept (issue 5: "erased a set time after the event").
	// Changing it reschedules the erasure of events already known at the
	// next start.
	EraseAfterDays int `toml:"erase_after_days"`
}

// Bounds of the [events] settings. A day is the least that leaves time for
// check-in lists and a follow-up; more than a year is no longer "a set time
// after the event" but keeping a register of who attended.
const (
	MaxRegistrationsPerHour = 10_000
	MaxEraseAfterDays       = 365
)

// OIDC turns on single sign-on to the console with an OpenID Connect
// provider (for example an existing Keycloak) when Issuer is set.
type OIDC struct {
	Name         string `toml:"name"` // on the button: "Sign in with <name>"
	Issuer       string `toml:"issuer"`
	ClientID     string `toml:"client_id"`
	ClientSecret string `toml:"client_secret"`
	// RolesClaim is the dot path of the claim listing permissions, e.g.
	// "resource_access.unionhall.roles" for Keycloak client roles.
	RolesClaim string `toml:"roles_claim"`
	// WorkplacesClaim lists the workplaces a person represents (e.g. "groups").
	WorkplacesClaim string `toml:"workplaces_claim"`
}

// Members holds settings used in emails to members.
type Members struct {
	// FeeInfo is the dues information per language ({fee_info} in the
	// welcome email), e.g. {cs = "…", en = "…"}.
	FeeInfo map[string]string `toml:"fee_info"`
	// EraseAfterDays is how long after a member has left their personal
	// data is erased (internal/portal's hourly sweep); 0 erases at the
	// next sweep.
	EraseAfterDays int `toml:"erase_after_days"`
}

// SMTP settings. An empty Host writes emails as .eml files under DataDir.
type SMTP struct {
	Host     string `toml:"host"`
	Port     int    `toml:"port"`
	TLS      string `toml:"tls"` // starttls | tls | none
	Username string `toml:"username"`
	Password string `toml:"password"`
	From     string `toml:"from"`
}

// Join holds the membership application's tunables.
type Join struct {
	// CommitteeEmail receives a notice (a link only) for each confirmed
	// application. Empty falls back to the site's params.committeeEmail.
	CommitteeEmail string `toml:"committee_email"`
	// VerificationTTL is how long an email confirmation link stays valid.
	VerificationTTL Duration `toml:"verification_ttl"`
	// MinFillTime refuses submissions faster than a person can type.
	MinFillTime Duration `toml:"min_fill_time"`
	// RateLimit is how many submissions one client address may make per
	// RateWindow. Addresses are kept only in memory.
	RateLimit  int      `toml:"rate_limit"`
	RateWindow Duration `toml:"rate_window"`
	// AllowedOrigins are the websites (exact origins such as
	// "https://union.example") whose pages may call POST
	// /api/registration/join from the browser. Empty: only same-origin
	// pages and server-to-server calls.
	AllowedOrigins []string `toml:"allowed_origins"`
}

// Duration reads "14d", "36h", "90s" from TOML and the environment.
type Duration struct{ time.Duration }

// UnmarshalText accepts Go durations plus a "d" suffix for days.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := ParseDuration(string(b))
	if err != nil {
		return err
	}
	d.Duration = v
	return nil
}

// ParseDuration is time.ParseDuration plus whole days ("14d").
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days < 0 {
			return 0, fmt.Errorf("invalid duration %q", s)
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("invalid duration %q", s)
	}
	return v, nil
}

// Default returns the settings used when nothing is configured.
func Default() Config {
	return Config{
		Addr:           "127.0.0.1:8080",
		DataDir:        "./data",
		LogLevel:       "info",
		AccessLog:      true,
		ReloadInterval: Duration{2 * time.Second},
		SMTP:           SMTP{Port: 587, TLS: "starttls"},
		Join: Join{
			VerificationTTL: Duration{14 * 24 * time.Hour},
			MinFillTime:     Duration{3 * time.Second},
			RateLimit:       10,
			RateWindow:      Duration{time.Hour},
		},
		// The same as events.New's own defaults.
		Events: Events{RegistrationsPerHour: 20, EraseAfterDays: 30},
		Jobs:   Jobs{Lease: Duration{5 * time.Minute}, RetryAfter: Duration{30 * time.Second}},
		// Member portal: leaving members' data is erased after 30 days.
		Members: Members{EraseAfterDays: 30},
		// votes.DefaultMinEligible.
		Votes: Votes{MinEligible: 10},
		// petitions.DefaultEraseAfterDays.
		Petitions: Petitions{EraseAfterDays: 90, SignaturesPerHour: 30},
	}
}

// LoadFile merges a TOML settings file over c. A missing file is an error:
// the operator named it, so it should exist.
func (c *Config) LoadFile(path string) error {
	md, err := toml.DecodeFile(path, c)
	if err != nil {
		var perr toml.ParseError
		if errors.As(err, &perr) {
			return fmt.Errorf("%s:%d: %s", path, perr.Position.Line, perr.Message)
		}
		return fmt.Errorf("%s: %w", path, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		// Unknown keys are most often typos; say so rather than ignore silently.
		return fmt.Errorf("%s: unknown setting %q", path, und[0].String())
	}
	return nil
}

// Env lists the environment variables read, for `unionhall serve --help`.
var Env = []string{
	"UNIONHALL_CONFIG", "UNIONHALL_ADDR", "UNIONHALL_SITE", "UNIONHALL_DATA",
	"UNIONHALL_DATABASE_URL", "UNIONHALL_PUBLIC_URL", "UNIONHALL_LOG_LEVEL", "UNIONHALL_ACCESS_LOG",
	"UNIONHALL_SMTP_HOST", "UNIONHALL_SMTP_PORT", "UNIONHALL_SMTP_TLS",
	"UNIONHALL_SMTP_USERNAME", "UNIONHALL_SMTP_PASSWORD", "UNIONHALL_SMTP_FROM",
	"UNIONHALL_COMMITTEE_EMAIL", "UNIONHALL_SEAL_KEY", "UNIONHALL_OIDC_CLIENT_SECRET",
	"UNIONHALL_TRUSTED_PROXIES",
	"UNIONHALL_METRICS_ADDR",
}

// LoadEnv merges environment variables over c (lookup is os.LookupEnv in
// production, a map in tests).
func (c *Config) LoadEnv(lookup func(string) (string, bool)) error {
	str := func(name string, dst *string) {
		if v, ok := lookup(name); ok {
			*dst = v
		}
	}
	str("UNIONHALL_ADDR", &c.Addr)
	str("UNIONHALL_SITE", &c.SiteDir)
	str("UNIONHALL_DATA", &c.DataDir)
	str("UNIONHALL_DATABASE_URL", &c.DatabaseURL)
	str("UNIONHALL_PUBLIC_URL", &c.PublicURL)
	str("UNIONHALL_LOG_LEVEL", &c.LogLevel)
	str("UNIONHALL_SMTP_HOST", &c.SMTP.Host)
	str("UNIONHALL_SMTP_TLS", &c.SMTP.TLS)
	str("UNIONHALL_SMTP_USERNAME", &c.SMTP.Username)
	str("UNIONHALL_SMTP_PASSWORD", &c.SMTP.Password)
	str("UNIONHALL_SMTP_FROM", &c.SMTP.From)
	str("UNIONHALL_METRICS_ADDR", &c.MetricsAddr)
	str("UNIONHALL_COMMITTEE_EMAIL", &c.Join.CommitteeEmail)
	// The one secret of the OIDC settings may stay out of the settings file.
	str("UNIONHALL_OIDC_CLIENT_SECRET", &c.OIDC.ClientSecret)
	if v, ok := lookup("UNIONHALL_TRUSTED_PROXIES"); ok {
		// Comma-separated; set but empty trusts nobody (overriding the file).
		c.TrustedProxies = splitList(v)
	}
	if v, ok := lookup("UNIONHALL_ACCESS_LOG"); ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("UNIONHALL_ACCESS_LOG: %q is not true or false", v)
		}
		c.AccessLog = b
	}
	if v, ok := lookup("UNIONHALL_SMTP_PORT"); ok {
		p, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("UNIONHALL_SMTP_PORT: %q is not a number", v)
		}
		c.SMTP.Port = p
	}
	return nil
}

// splitList splits a comma-separated environment value, dropping blanks.
func splitList(v string) []string {
	out := []string{}
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// Validate reports the first setting that cannot work.
func (c *Config) Validate() error {
	_, port, err := net.SplitHostPort(c.Addr)
	if n, perr := strconv.Atoi(port); err != nil || perr != nil || n < 0 || n > 65535 {
		return fmt.Errorf("addr %q: want host:port", c.Addr)
	}
	if c.MetricsAddr != "" {
		host, port, err := net.SplitHostPort(c.MetricsAddr)
		if n, perr := strconv.Atoi(port); err != nil || perr != nil || n < 0 || n > 65535 || !hostName(host) {
			return fmt.Errorf("metrics_addr %q: want host:port, e.g. 127.0.0.1:9090", c.MetricsAddr)
		}
		if c.MetricsAddr == c.Addr && port != "0" { // port 0: any free port, twice
			return fmt.Errorf("metrics_addr %q: must differ from addr, metrics are not for the public", c.MetricsAddr)
		}
	}
	if c.DataDir == "" {
		return errors.New("data: a data folder is required")
	}
	if c.DatabaseURL != "" {
		u, err := url.Parse(c.DatabaseURL)
		if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			// The URL may carry a password: never echo it.
			return errors.New("database_url: want a postgres:// URL")
		}
	}
	if c.PublicURL != "" {
		u, err := url.Parse(c.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("public_url %q: want an http(s) URL", c.PublicURL)
		}
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("log_level %q: want debug, info, warn or error", c.LogLevel)
	}
	switch c.SMTP.TLS {
	case "starttls", "tls", "none":
	default:
		return fmt.Errorf("smtp.tls %q: want starttls, tls or none", c.SMTP.TLS)
	}
	if c.SMTP.Host != "" && c.SMTP.From == "" {
		return errors.New("smtp.from: required when smtp.host is set")
	}
	if c.SMTP.Port < 0 || c.SMTP.Port > 65535 {
		return fmt.Errorf("smtp.port %d: out of range", c.SMTP.Port)
	}
	if c.Join.VerificationTTL.Duration < time.Hour {
		return errors.New("join.verification_ttl: at least 1h")
	}
	if c.Join.RateLimit < 1 {
		return errors.New("join.rate_limit: at least 1")
	}
	for _, o := range c.Join.AllowedOrigins {
		if _, err := web.ParseOrigin(o); err != nil {
			return fmt.Errorf("join.allowed_origins: %w", err)
		}
	}
	if _, err := web.ParseProxies(c.TrustedProxies); err != nil {
		return fmt.Errorf("trusted_proxies: %w", err)
	}
	if l := c.Jobs.Lease.Duration; l < 5*time.Second || l > time.Hour {
		return fmt.Errorf("jobs.lease: %v is out of range, want 5s to 1h", l)
	}
	if r := c.Jobs.RetryAfter.Duration; r < time.Second || r > time.Hour {
		return fmt.Errorf("jobs.retry_after: %v is out of range, want 1s to 1h", r)
	}
	if n := c.Events.RegistrationsPerHour; n < 1 || n > MaxRegistrationsPerHour {
		return fmt.Errorf("events.registrations_per_hour: %d is out of range, want 1 to %d", n, MaxRegistrationsPerHour)
	}
	if n := c.Events.EraseAfterDays; n < 1 || n > MaxEraseAfterDays {
		return fmt.Errorf("events.erase_after_days: %d is out of range, want 1 to %d (days after the event ends)", n, MaxEraseAfterDays)
	}
	if n := c.Petitions.EraseAfterDays; n < 1 || n > 3650 {
		return fmt.Errorf("petitions.erase_after_days: %d is out of range, want 1 to 3650 (days after the petition closes)", n)
	}
	if n := c.Petitions.SignaturesPerHour; n < 1 || n > MaxRegistrationsPerHour {
		return fmt.Errorf("petitions.signatures_per_hour: %d is out of range, want 1 to %d", n, MaxRegistrationsPerHour)
	}
	if n := c.Votes.MinEligible; n < 1 || n > MaxMinEligible {
		return fmt.Errorf("votes.min_eligible: %d is out of range, want 1 to %d (members on a vote's roll)", n, MaxMinEligible)
	}
	if n := c.Members.EraseAfterDays; n < 0 || n > MaxEraseAfterDays {
		return fmt.Errorf("members.erase_after_days: %d is out of range, want 0 (at once) to %d", n, MaxEraseAfterDays)
	}
	if c.OIDC.Issuer != "" {
		u, err := url.Parse(c.OIDC.Issuer)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return fmt.Errorf("oidc.issuer %q: want an https URL", c.OIDC.Issuer)
		}
		if c.OIDC.ClientID == "" {
			return errors.New("oidc.client_id: required when oidc.issuer is set")
		}
	}
	if c.ReloadInterval.Duration < 100*time.Millisecond {
		return errors.New("reload_interval: at least 100ms")
	}
	return nil
}

// hostName reports whether h is empty, an IP address or a plain DNS name.
func hostName(h string) bool {
	if h == "" || net.ParseIP(h) != nil {
		return true
	}
	for _, r := range h {
		if (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') && (r < '0' || r > '9') && r != '.' && r != '-' {
			return false
		}
	}
	return len(h) <= 253
}

// BaseURL is where people reach the server, without a trailing slash.
func (c *Config) BaseURL() string {
	if c.PublicURL != "" {
		return strings.TrimRight(c.PublicURL, "/")
	}
	return "http://" + c.Addr
}

// Load builds the configuration: defaults, then the settings file (the
// explicit path, else $UNIONHALL_CONFIG, else ./unionhall.toml when present),
// then the environment. Flags are applied by the caller afterwards.
func Load(path string, lookup func(string) (string, bool)) (Config, error) {
	c := Default()
	if path == "" {
		if v, ok := lookup("UNIONHALL_CONFIG"); ok {
			path = v
		} else if _, err := os.Stat("unionhall.toml"); err == nil {
			path = "unionhall.toml"
		}
	}
	if path != "" {
		if err := c.LoadFile(path); err != nil {
			return c, err
		}
	}
	if err := c.LoadEnv(lookup); err != nil {
		return c, err
	}
	return c, nil
}
