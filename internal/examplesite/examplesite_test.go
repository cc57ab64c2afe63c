package examplesite

import (
	"bytes"
	"fmt"
	"image/png"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"
	"testing"
	"testing/fstest"
	"time"
	"unicode/utf8"

	"github.com/BurntSushi/toml"
	"gopkg.in/yaml.v3"
)

// nows are the moments the example is checked at: today, and the awkward
// ones – a year boundary that differs between UTC and Prague, both
// daylight-saving switches, and a date years ahead.
func nows(t *testing.T) []time.Time {
	t.Helper()
	loc := prague(t)
	return []time.Time{
		time.Now(),
		time.Date(2026, 12, 31, 23, 30, 0, 0, time.UTC), // already 1 January in Prague
		time.Date(2027, 3, 28, 2, 30, 0, 0, loc),        // inside the spring-forward gap
		time.Date(2026, 10, 25, 2, 30, 0, 0, loc),       // the repeated autumn hour
		time.Date(2026, 7, 1, 0, 0, 1, 0, loc),          // just after the newest fixed publishDate
		time.Date(2031, 2, 28, 23, 59, 59, 0, loc),
	}
}

func prague(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(TimeZone)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func mustFS(t *testing.T, now time.Time) fs.FS {
	t.Helper()
	fsys, err := FS(now)
	if err != nil {
		t.Fatalf("FS(%s): %v", now, err)
	}
	return fsys
}

// page is one parsed content file.
type page struct {
	file string
	fm   map[string]any
	body string
}

// splitFrontMatter returns the YAML between the leading "---" fences.
func splitFrontMatter(file string, data []byte) (string, string, error) {
	s := string(data)
	if !strings.HasPrefix(s, "---\n") {
		return "", "", fmt.Errorf("%s: no YAML front matter", file)
	}
	end := strings.Index(s[4:], "\n---\n")
	if end < 0 {
		if strings.HasSuffix(s, "\n---\n") || strings.HasSuffix(s, "\n---") {
			return s[4:strings.LastIndex(s, "\n---")], "", nil
		}
		return "", "", fmt.Errorf("%s: front matter not closed", file)
	}
	return s[4 : 4+end], s[4+end+5:], nil
}

// loadPages parses every .md file of fsys, failing the test on invalid YAML.
func loadPages(t *testing.T, fsys fs.FS) map[string]*page {
	t.Helper()
	pages := map[string]*page{}
	err := fs.WalkDir(fsys, "content", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path.Ext(name) != ".md" {
			return err
		}
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		if !utf8.Valid(data) {
			return fmt.Errorf("%s: not UTF-8", name)
		}
		fmText, body, err := splitFrontMatter(name, data)
		if err != nil {
			return err
		}
		var fm map[string]any
		if err := yaml.Unmarshal([]byte(fmText), &fm); err != nil {
			return fmt.Errorf("%s: front matter: %w", name, err)
		}
		pages[name] = &page{file: name, fm: fm, body: body}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(pages) == 0 {
		t.Fatal("no content pages found")
	}
	return pages
}

func str(fm map[string]any, key string) string {
	s, _ := fm[key].(string)
	return s
}

func TestFSIsAValidFileSystem(t *testing.T) {
	fsys := mustFS(t, time.Now())
	if err := fstest.TestFS(fsys,
		"config.toml",
		"static/.well-known/security.txt",
		"static/files/stanovy.txt",
		"static/favicon.svg",
		"assets/logo.svg",
		"data/occupations.yaml",
		"content/events/planning-meeting/poster.png",
	); err != nil {
		t.Fatal(err)
	}
}

func TestNoPlaceholderSurvives(t *testing.T) {
	for _, now := range nows(t) {
		fsys := mustFS(t, now)
		for name := range loadPages(t, fsys) {
			data, _ := fs.ReadFile(fsys, name)
			if attemptRe.Match(data) {
				t.Errorf("%s at %s: unresolved placeholder", name, now)
			}
		}
	}
}

// The embedded source must actually use placeholders for every event date,
// otherwise the four states would rot.
func TestEventDatesArePlaceholders(t *testing.T) {
	matches, err := fs.Glob(embedded, "site/content/events/*/index.*.md")
	if err != nil || len(matches) != 8 {
		t.Fatalf("want 8 event files, got %d (%v)", len(matches), err)
	}
	for _, m := range matches {
		data, _ := embedded.ReadFile(m)
		for _, key := range []string{"startDate", "date", "publishDate"} {
			if !regexp.MustCompile(`(?m)^` + key + `: \{\{date "[^"]+"\}\}$`).Match(data) {
				t.Errorf("%s: %s is not a date placeholder", m, key)
			}
		}
	}
}

func TestEveryPageHasBothLanguages(t *testing.T) {
	pages := loadPages(t, mustFS(t, time.Now()))
	langRe := regexp.MustCompile(`^(.*)\.(cs|en)\.md$`)
	byBase := map[string]map[string]bool{}
	for name := range pages {
		m := langRe.FindStringSubmatch(name)
		if m == nil {
			t.Errorf("%s: file name lacks a .cs.md or .en.md language suffix", name)
			continue
		}
		if byBase[m[1]] == nil {
			byBase[m[1]] = map[string]bool{}
		}
		byBase[m[1]][m[2]] = true
	}
	for base, langs := range byBase {
		if !langs["cs"] || !langs["en"] {
			t.Errorf("%s: has %v, want both cs and en", base, langs)
		}
	}
	// Czech files must really be Czech: a copied English text has no diacritics.
	for name, p := range pages {
		if strings.HasSuffix(name, ".cs.md") && !strings.ContainsAny(str(p.fm, "title")+str(p.fm, "description")+p.body, "ěščřžýáíéůúňťďĚŠČŘŽÝÁÍÉŮÚ") {
			t.Errorf("%s: Czech page without any Czech diacritics", name)
		}
	}
}

func TestRequiredSectionsAndFields(t *testing.T) {
	pages := loadPages(t, mustFS(t, time.Now()))
	for _, lang := range []string{"cs", "en"} {
		get := func(name string) *page {
			p := pages["content/"+strings.ReplaceAll(name, "LANG", lang)]
			if p == nil {
				t.Fatalf("missing content/%s", strings.ReplaceAll(name, "LANG", lang))
			}
			return p
		}
		wantType := map[string]string{
			"about/index.LANG.md":       "about",
			"declaration/index.LANG.md": "declaration",
			"statutes/index.LANG.md":    "statutes",
			"careers/index.LANG.md":     "careers",
			"register/_index.LANG.md":   "register",
		}
		for name, typ := range wantType {
			if got := str(get(name).fm, "type"); got != typ {
				t.Errorf("%s (%s): type %q, want %q", name, lang, got, typ)
			}
		}
		if typ := str(get("privacy/index.LANG.md").fm, "type"); typ != "" {
			t.Errorf("privacy (%s) has type %q; it should fall back to the generic page", lang, typ)
		}
		about := get("about/index.LANG.md").body
		for _, sc := range []string{"{{< contacts >}}", "{{< occupations >}}", "{{< people >}}"} {
			if !strings.Contains(about, sc) {
				t.Errorf("about (%s) lacks %s", lang, sc)
			}
		}
		if d := str(get("statutes/index.LANG.md").fm, "download"); d != "/files/stanovy.txt" {
			t.Errorf("statutes (%s) download %q", lang, d)
		}
		if d := str(get("declaration/index.LANG.md").fm, "download"); d != "" {
			t.Errorf("declaration (%s) download %q without a shipped file", lang, d)
		}
		for _, home := range []string{"_index.LANG.md"} {
			p := get(home)
			if str(p.fm, "title") == "" || str(p.fm, "description") == "" {
				t.Errorf("home (%s) needs title and description", lang)
			}
		}

		var statements, faqs, workplaces int
		for name, p := range pages {
			if !strings.HasSuffix(name, "."+lang+".md") {
				continue
			}
			if str(p.fm, "title") == "" {
				t.Errorf("%s: no title", name)
			}
			base := path.Base(name)
			switch dir := path.Dir(name); {
			case dir == "content/statements" && !strings.HasPrefix(base, "_index"):
				statements++
				for _, k := range []string{"author", "authorInfo", "description", "slug"} {
					if str(p.fm, k) == "" {
						t.Errorf("%s: no %s", name, k)
					}
				}
				pd, err := parseDay(p.fm["publishDate"], time.UTC)
				if err != nil || pd.Year() < 2025 || pd.Year() > 2026 {
					t.Errorf("%s: publishDate %v, want a fixed date in 2025 or 2026", name, p.fm["publishDate"])
				}
			case dir == "content/faq" && !strings.HasPrefix(base, "_index"):
				faqs++
				if w, ok := p.fm["weight"].(int); !ok || w <= 0 {
					t.Errorf("%s: weight %v", name, p.fm["weight"])
				}
				if strings.TrimSpace(p.body) == "" || !strings.HasSuffix(str(p.fm, "title"), "?") {
					t.Errorf("%s: a FAQ item is a question with an answer", name)
				}
			case dir == "content/workplaces" && !strings.HasPrefix(base, "_index"):
				workplaces++
				if str(p.fm, "description") == "" {
					t.Errorf("%s: no description", name)
				}
			}
		}
		if statements != 3 || workplaces != 2 || faqs < 5 || faqs > 7 {
			t.Errorf("%s: %d statements, %d workplaces, %d FAQ items; want 3, 2, 5–7", lang, statements, workplaces, faqs)
		}
	}
}

// Every page's explicit url must be unique within its language: two pages on
// one URL is an error the checker reports.
func TestURLsAreUnique(t *testing.T) {
	pages := loadPages(t, mustFS(t, time.Now()))
	seen := map[string]string{}
	for name, p := range pages {
		u := str(p.fm, "url")
		if u == "" {
			continue
		}
		lang := strings.TrimSuffix(name[strings.LastIndex(name[:len(name)-3], ".")+1:], ".md")
		key := lang + ":" + strings.Trim(u, "/")
		if other, dup := seen[key]; dup {
			t.Errorf("%s and %s both use url %q", name, other, u)
		}
		seen[key] = name
	}
}

// ref/relref targets must exist, or the checker reports broken links.
func TestRefsResolve(t *testing.T) {
	fsys := mustFS(t, time.Now())
	refRe := regexp.MustCompile(`\{\{[<%] *(?:rel)?ref +"([^"]+)" *[>%]\}\}`)
	n := 0
	for name, p := range loadPages(t, fsys) {
		for _, m := range refRe.FindAllStringSubmatch(p.body+str(p.fm, "description"), -1) {
			n++
			target := path.Join("content", strings.Trim(m[1], "/"))
			if _, err := fs.Stat(fsys, target); err != nil {
				if _, err2 := fs.Stat(fsys, target+".md"); err2 != nil {
					t.Errorf("%s: ref %q: no %s", name, m[1], target)
				}
			}
		}
	}
	if n == 0 {
		t.Error("no ref/relref found; the example should show the mechanism")
	}
}

// The core promise: whenever the example runs, it shows exactly one past, one
// ongoing and two upcoming events, one of the upcoming ones online.
func TestEventStatesHoldAtAnyTime(t *testing.T) {
	loc := prague(t)
	for _, now := range nows(t) {
		pages := loadPages(t, mustFS(t, now))
		for _, lang := range []string{"cs", "en"} {
			states := map[string][]*page{}
			for name, p := range pages {
				if !strings.HasPrefix(name, "content/events/") || path.Base(name) != "index."+lang+".md" {
					continue
				}
				start, err := parseWall(p.fm["startDate"], loc)
				if err != nil {
					t.Fatalf("%s at %s: startDate: %v", name, now, err)
				}
				end, err := parseWall(p.fm["date"], loc)
				if err != nil {
					t.Fatalf("%s at %s: date: %v", name, now, err)
				}
				pub, err := parseDay(p.fm["publishDate"], loc)
				if err != nil || pub.After(now) {
					t.Errorf("%s at %s: publishDate %v is not in the past", name, now, p.fm["publishDate"])
				}
				if !end.After(start) {
					t.Errorf("%s: ends %s before it starts %s", name, end, start)
				}
				switch {
				case now.Before(start):
					states["upcoming"] = append(states["upcoming"], p)
				case now.Before(end):
					states["ongoing"] = append(states["ongoing"], p)
				default:
					states["past"] = append(states["past"], p)
				}
			}
			if len(states["past"]) != 1 || len(states["ongoing"]) != 1 || len(states["upcoming"]) != 2 {
				t.Fatalf("%s at %s: past %d, ongoing %d, upcoming %d; want 1, 1, 2",
					lang, now, len(states["past"]), len(states["ongoing"]), len(states["upcoming"]))
			}
			past := states["past"][0]
			if past.fm["lat"] == nil || past.fm["lon"] == nil || str(past.fm, "poster") == "" {
				t.Errorf("%s: the past event needs lat, lon and a poster", past.file)
			}
			var online, inPerson int
			for _, p := range states["upcoming"] {
				if str(p.fm, "place") == "Online" {
					online++
					if str(p.fm, "registration") != "internal" || p.fm["capacity"] != 30 || p.fm["anonymous"] != true ||
						!strings.HasPrefix(str(p.fm, "meetingUrl"), "https://") {
						t.Errorf("%s: the online event needs registration internal, capacity 30, anonymous, meetingUrl", p.file)
					}
				} else {
					inPerson++
					if p.fm["lat"] == nil || str(p.fm, "ctaType") != "register" || !strings.HasPrefix(str(p.fm, "registerUrl"), "https://example.org/") {
						t.Errorf("%s: the in-person event needs lat/lon, ctaType register and a registerUrl", p.file)
					}
				}
			}
			if online != 1 || inPerson != 1 {
				t.Errorf("%s at %s: upcoming online %d, in person %d; want 1 and 1", lang, now, online, inPerson)
			}
		}
	}
}

func parseWall(v any, loc *time.Location) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, fmt.Errorf("%v (%T) is not a string", v, v)
	}
	return time.ParseInLocation("2006-01-02T15:04:05", s, loc)
}

// parseDay reads a date-only value; yaml.v3 turns an unquoted "2026-11-22"
// into a time.Time at UTC midnight, which the site reads as local midnight.
func parseDay(v any, loc *time.Location) (time.Time, error) {
	switch v := v.(type) {
	case time.Time:
		return time.Date(v.Year(), v.Month(), v.Day(), 0, 0, 0, 0, loc), nil
	case string:
		return time.ParseInLocation("2006-01-02", v, loc)
	}
	return time.Time{}, fmt.Errorf("%v (%T) is not a date", v, v)
}

func TestPosterIsASmallValidPNG(t *testing.T) {
	fsys := mustFS(t, time.Now())
	data, err := fs.ReadFile(fsys, "content/events/planning-meeting/poster.png")
	if err != nil {
		t.Fatal(err)
	}
	if len(data) > 20<<10 {
		t.Errorf("poster is %d bytes, want under 20 KiB", len(data))
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("poster: %v", err)
	}
	if b := img.Bounds(); b.Dx() < 100 || b.Dy() < 100 {
		t.Errorf("poster is only %v", b)
	}
}

func TestConfig(t *testing.T) {
	fsys := mustFS(t, time.Now())
	data, err := fs.ReadFile(fsys, "config.toml")
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Title                          string
		BaseURL                        string `toml:"baseURL"`
		DefaultContentLanguage         string
		DefaultContentLanguageInSubdir bool
		TimeZone                       string
		Params                         map[string]any
		Permalinks                     map[string]string
		Unionhall                      struct{ TimesInUTC bool }
		Languages                      map[string]struct {
			LanguageName string
			Weight       int
			Title        string
			Permalinks   map[string]string
			Params       map[string]any
		}
	}
	md, err := toml.Decode(string(data), &cfg)
	if err != nil {
		t.Fatalf("config.toml: %v", err)
	}
	if !md.IsDefined("unionhall", "timesInUTC") || cfg.Unionhall.TimesInUTC {
		t.Error("[unionhall] timesInUTC = false must be set explicitly")
	}
	if cfg.TimeZone != TimeZone {
		t.Errorf("timeZone %q, but placeholders resolve in %q", cfg.TimeZone, TimeZone)
	}
	if cfg.DefaultContentLanguage != "cs" || !cfg.DefaultContentLanguageInSubdir || cfg.BaseURL != "" {
		t.Errorf("config basics: %+v", cfg)
	}
	if l := cfg.Languages["cs"]; l.LanguageName != "Čeština" || l.Weight != 1 || l.Permalinks["events"] != "/akce/:year/:slug/" {
		t.Errorf("languages.cs: %+v", l)
	}
	if l := cfg.Languages["en"]; l.LanguageName != "English" || l.Weight != 2 {
		t.Errorf("languages.en: %+v", l)
	}
	if cfg.Permalinks["events"] != "/events/:year/:slug/" || cfg.Permalinks["workplaces"] != "/workplaces/:slug/" {
		t.Errorf("permalinks: %v", cfg.Permalinks)
	}
	for _, k := range []string{"supportEmail", "supportPhone", "signal", "legalName", "registrationNumber", "address", "place", "logo", "committeeEmail"} {
		if s, _ := cfg.Params[k].(string); s == "" {
			t.Errorf("params.%s missing", k)
		}
	}
	if ico, _ := cfg.Params["registrationNumber"].(string); !validICO(ico) {
		t.Errorf("registrationNumber %v fails the IČO checksum", cfg.Params["registrationNumber"])
	}
	if logo, _ := cfg.Params["logo"].(string); logo == "" {
		t.Error("no logo")
	} else if _, err := fs.Stat(fsys, "assets/"+logo); err != nil {
		t.Errorf("logo: %v", err)
	}
	people, _ := cfg.Params["people"].([]map[string]any)
	csPeople, _ := cfg.Languages["cs"].Params["people"].([]map[string]any)
	if len(people) == 0 || len(people) != len(csPeople) {
		t.Errorf("people: %d in params, %d in languages.cs.params", len(people), len(csPeople))
	}
	for _, p := range append(people, csPeople...) {
		for _, k := range []string{"name", "role", "email"} {
			if s, _ := p[k].(string); s == "" {
				t.Errorf("person %v lacks %s", p, k)
			}
		}
	}
	if partners, _ := cfg.Params["partners"].([]map[string]any); len(partners) == 0 {
		t.Error("no partners")
	}
}

// validICO checks the Czech company registration number's mod-11 digit, so the
// invented number at least looks like one to a validator.
func validICO(s string) bool {
	if len(s) != 8 {
		return false
	}
	sum := 0
	for i := 0; i < 7; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
		sum += int(s[i]-'0') * (8 - i)
	}
	return int(s[7]-'0') == (11-sum%11)%10
}

func TestData(t *testing.T) {
	fsys := mustFS(t, time.Now())
	var occ []map[string]string
	readYAML(t, fsys, "data/occupations.yaml", &occ)
	if len(occ) < 12 {
		t.Errorf("%d occupations, want 12+", len(occ))
	}
	for _, o := range occ {
		if o["en"] == "" || o["cs"] == "" {
			t.Errorf("occupation %v lacks a language", o)
		}
	}
	var companies, domains []string
	readYAML(t, fsys, "data/companies.yaml", &companies)
	readYAML(t, fsys, "data/employer_domains.yaml", &domains)
	if len(companies) < 12 || len(domains) < 3 {
		t.Errorf("%d companies, %d domains", len(companies), len(domains))
	}
	domRe := regexp.MustCompile(`^[a-z0-9-]+(\.[a-z0-9-]+)+$`)
	for _, d := range domains {
		if !domRe.MatchString(d) {
			t.Errorf("employer domain %q is not a bare lower-case domain", d)
		}
	}
}

func readYAML(t *testing.T, fsys fs.FS, name string, v any) {
	t.Helper()
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

func TestI18n(t *testing.T) {
	fsys := mustFS(t, time.Now())
	for _, lang := range []string{"cs", "en"} {
		var m map[string]string
		data, err := fs.ReadFile(fsys, "i18n/"+lang+".toml")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := toml.Decode(string(data), &m); err != nil {
			t.Fatalf("i18n/%s.toml: %v", lang, err)
		}
		if m["join_cta"] == "" {
			t.Errorf("i18n/%s.toml lacks join_cta", lang)
		}
	}
}

// security.txt must follow RFC 9116 and must not have expired: an expired
// file tells researchers the contact is stale. If this fails, move Expires.
func TestSecurityTxt(t *testing.T) {
	data, err := fs.ReadFile(mustFS(t, time.Now()), "static/.well-known/security.txt")
	if err != nil {
		t.Fatal(err)
	}
	fields := map[string][]string{}
	for _, line := range strings.Split(string(data), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, ": ")
		if !ok {
			t.Errorf("malformed line %q", line)
			continue
		}
		fields[strings.ToLower(k)] = append(fields[strings.ToLower(k)], v)
	}
	if len(fields["contact"]) == 0 || !strings.HasPrefix(fields["contact"][0], "mailto:") {
		t.Errorf("Contact: %v", fields["contact"])
	}
	if len(fields["expires"]) != 1 {
		t.Fatalf("want exactly one Expires, got %v", fields["expires"])
	}
	exp, err := time.Parse(time.RFC3339, fields["expires"][0])
	if err != nil {
		t.Fatalf("Expires: %v", err)
	}
	if !exp.After(time.Now()) {
		t.Errorf("security.txt expired on %s; move Expires a few years ahead", exp)
	}
	if got := fields["preferred-languages"]; len(got) != 1 || got[0] != "cs, en" {
		t.Errorf("Preferred-Languages %v", got)
	}
}

// Pages must load nothing from other hosts. External URLs are allowed only as
// plain links: Markdown links in bodies, link-valued front matter, and config
// links (social, partners, baseURL). SVG namespaces are identifiers, not loads.
func TestNoExternalResources(t *testing.T) {
	fsys := mustFS(t, time.Now())
	urlRe := regexp.MustCompile(`(?i)(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}[^\s)"'<>]*`)
	linkFM := map[string]bool{"registerUrl": true, "placeUrl": true, "meetingUrl": true}
	hostile := regexp.MustCompile(`(?i)<\s*(script|iframe|img|link|object|embed|style)\b|\bsrc\s*=|url\(|@import|!\[[^\]]*\]\(\s*(https?:)?//`)
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		if !utf8.Valid(data) {
			return nil // binary (the poster), checked by its own test
		}
		text := string(data)
		if m := hostile.FindString(text); m != "" {
			t.Errorf("%s: embeds a resource: %q", name, m)
		}
		switch ext := path.Ext(name); ext {
		case ".md":
			fmText, body, err := splitFrontMatter(name, data)
			if err != nil {
				return err
			}
			var fm map[string]any
			if err := yaml.Unmarshal([]byte(fmText), &fm); err != nil {
				return err
			}
			for k, v := range fm {
				if s, ok := v.(string); ok && urlRe.MatchString(s) && !linkFM[k] {
					t.Errorf("%s: front matter %s holds a URL %q; only link fields may", name, k, s)
				}
			}
			// In the body, every URL must be the target of a Markdown link.
			for _, loc := range urlRe.FindAllStringIndex(body, -1) {
				if loc[0] < 2 || body[loc[0]-2:loc[0]] != "](" {
					t.Errorf("%s: bare URL %q in body", name, body[loc[0]:loc[1]])
				}
			}
		case ".toml":
			var cfg map[string]any
			if _, err := toml.Decode(text, &cfg); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			walkStrings("", cfg, func(key, s string) {
				if !urlRe.MatchString(s) {
					return
				}
				if key != "baseURL" && !strings.HasPrefix(key, "params.social.") && key != "params.partners.url" {
					t.Errorf("%s: %s holds a URL %q outside the link fields", name, key, s)
				}
			})
		case ".svg":
			rest := strings.ReplaceAll(text, `xmlns="http://www.w3.org/2000/svg"`, "")
			if strings.Contains(rest, "//") || strings.Contains(rest, "href") {
				t.Errorf("%s: references something outside itself", name)
			}
			if len(data) > 3<<10 {
				t.Errorf("%s: %d bytes, want under 3 KiB", name, len(data))
			}
		default:
			if m := urlRe.FindString(text); m != "" {
				t.Errorf("%s: URL %q", name, m)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func walkStrings(prefix string, v any, fn func(key, s string)) {
	switch v := v.(type) {
	case string:
		fn(prefix, v)
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			walkStrings(p, v[k], fn)
		}
	case []map[string]any:
		for _, e := range v {
			walkStrings(prefix, e, fn)
		}
	case []any:
		for _, e := range v {
			walkStrings(prefix, e, fn)
		}
	}
}

// Pages must stay short so the rendered HTML stays well under 50 KB.
func TestPagesAreShort(t *testing.T) {
	fsys := mustFS(t, time.Now())
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if path.Ext(name) == ".md" && info.Size() > 8<<10 {
			t.Errorf("%s: %d bytes; keep pages short", name, info.Size())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestRender(t *testing.T) {
	loc := prague(t)
	// 22 November 2026, 23:30 in Prague (22:30 UTC).
	now := time.Date(2026, 11, 22, 22, 30, 0, 0, time.UTC)
	good := []struct{ in, want string }{
		{`startDate: {{date "+7d 18:30"}}`, `startDate: 2026-11-29T18:30:00`},
		{`{{date "-30d"}}`, `2026-10-23`},
		{`{{date "+0d 00:00"}}`, `2026-11-22T00:00:00`},
		{`{{ date "+1d 9:05" }}`, `2026-11-23T09:05:00`},
		{`{{date "+40d 23:59"}}|{{date "-1d"}}`, `2027-01-01T23:59:00|2026-11-21`},
		{`no placeholders, {{< contacts >}} and {{% param x %}} stay`, `no placeholders, {{< contacts >}} and {{% param x %}} stay`},
		{`{{dates}} and {{datex "+1d"}} are not ours`, `{{dates}} and {{datex "+1d"}} are not ours`},
		{"", ""},
	}
	for _, tc := range good {
		got, err := render([]byte(tc.in), now, loc)
		if err != nil || string(got) != tc.want {
			t.Errorf("render(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	bad := []string{
		`{{date "+7"}}`,
		`{{date "7d"}}`,
		`{{date "+7d 24:00"}}`,
		`{{date "+7d 18:60"}}`,
		`{{date "+7d 18:30:00"}}`,
		`{{date "+99999d"}}`,
		`{{date "+3661d"}}`,
		`{{date "+7d 18:30Z"}}`,
		"{{date \"+7d\t18:30\"}}",
		"{{date \"+7d\u202e 18:30\"}}",
		"{{date \"+7d 18:30\x00\"}}",
		`{{date "<script>alert(1)</script>"}}`,
		`{{date "'; DROP TABLE events; --"}}`,
		`{{date "+7d 18:30"}`,
		`{{date +7d}}`,
		`{{- date "+1d" }}`,
		`{{date "+1d` + "\n" + `"}}`,
		`{{date "` + strings.Repeat("9", 1<<16) + `d"}}`,
	}
	for _, in := range bad {
		src := "line one\n" + in + "\n"
		_, err := render([]byte(src), now, loc)
		if err == nil {
			t.Errorf("render(%q): no error", in)
			continue
		}
		if !strings.HasPrefix(err.Error(), "2: ") {
			t.Errorf("render(%q): error %q does not start with the line number", in, err)
		}
		if len(err.Error()) > 200 {
			t.Errorf("render(%q): error is %d bytes; hostile input must not be echoed whole", in, len(err.Error()))
		}
	}
}

// Calendar days, not 24-hour steps: across a daylight-saving switch the
// time of day must stay as written.
func TestRenderAcrossDST(t *testing.T) {
	loc := prague(t)
	now := time.Date(2027, 3, 27, 12, 0, 0, 0, loc) // the day before spring-forward
	for in, want := range map[string]string{
		`{{date "+1d 02:30"}}`: "2027-03-28T02:30:00", // inside the gap: kept as written
		`{{date "+2d 18:30"}}`: "2027-03-29T18:30:00",
		`{{date "-1d 18:30"}}`: "2027-03-26T18:30:00",
	} {
		got, err := render([]byte(in), now, loc)
		if err != nil || string(got) != want {
			t.Errorf("render(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

// A malformed placeholder must stop FS with the file and line, never ship raw.
func TestBuildReportsFileAndLine(t *testing.T) {
	src := fstest.MapFS{
		"config.toml":               {Data: []byte("title = \"x\"\n")},
		"content/ok.en.md":          {Data: []byte("---\ntitle: ok\ndate: {{date \"+1d\"}}\n---\n")},
		"content/events/x/index.md": {Data: []byte("---\ntitle: x\nstartDate: {{date \"+1x\"}}\n---\n")},
		"static/raw.txt":            {Data: []byte(`{{date "not rendered outside .md"}}`)},
	}
	_, err := build(src, time.Now())
	if err == nil || !strings.Contains(err.Error(), "content/events/x/index.md:3:") {
		t.Fatalf("want an error naming content/events/x/index.md:3, got %v", err)
	}
	delete(src, "content/events/x/index.md")
	out, err := build(src, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := fs.ReadFile(out, "static/raw.txt")
	if string(raw) != `{{date "not rendered outside .md"}}` {
		t.Errorf("non-.md file changed: %q", raw)
	}
	ok, _ := fs.ReadFile(out, "content/ok.en.md")
	if bytes.Contains(ok, []byte("{{")) {
		t.Errorf("placeholder not rendered: %q", ok)
	}
}

func TestRefreshAfter(t *testing.T) {
	loc := prague(t)
	for _, tc := range []struct{ now, want time.Time }{
		{time.Date(2026, 11, 22, 23, 30, 0, 0, time.UTC), time.Date(2026, 11, 24, 0, 0, 0, 0, loc)}, // already the 23rd in Prague
		{time.Date(2027, 3, 28, 1, 0, 0, 0, loc), time.Date(2027, 3, 29, 0, 0, 0, 0, loc)},          // a 23-hour day
		{time.Date(2026, 10, 25, 23, 59, 59, 0, loc), time.Date(2026, 10, 26, 0, 0, 0, 0, loc)},     // a 25-hour day
	} {
		got := RefreshAfter(tc.now)
		if !got.Equal(tc.want) {
			t.Errorf("RefreshAfter(%s) = %s, want %s", tc.now, got, tc.want)
		}
		// Rendering just before and at the refresh moment must differ, and
		// rendering anywhere before it must not.
		before, _ := render([]byte(`{{date "+1d"}}`), got.Add(-time.Nanosecond), loc)
		same, _ := render([]byte(`{{date "+1d"}}`), tc.now, loc)
		after, _ := render([]byte(`{{date "+1d"}}`), got, loc)
		if string(before) != string(same) || string(after) == string(same) {
			t.Errorf("at %s: %s / %s / %s", tc.now, same, before, after)
		}
	}
}

// FS is called on start (and possibly daily); it must be cheap.
func BenchmarkFS(b *testing.B) {
	now := time.Now()
	for b.Loop() {
		if _, err := FS(now); err != nil {
			b.Fatal(err)
		}
	}
}
