package content

import (
	"strings"
	"testing"
	"time"
)

func TestConfigFormats(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		check func(t *testing.T, s *Site)
	}{
		{"toml", map[string]string{"config.toml": `
baseURL = "https://example.org/"
defaultContentLanguageInSubdir = true
someHugoKey = "ignored"
` + baseConfig + `
[permalinks]
events = "/events/:year/:slug/"
[languages.cs.permalinks]
events = "/akce/:year/:slug/"
[params.Social]
Mastodon = "https://social.example/@union"
[unionhall]
timesInUTC = true
`}, func(t *testing.T, s *Site) {
			if s.Title != "Test Union" || s.BaseURL != "https://example.org" || !s.DefaultLangInSubdir || !s.TimesInUTC {
				t.Errorf("site %+v", s)
			}
			if len(s.Languages) != 2 || s.Languages[0].Code != "en" || s.Languages[1].Name != "Čeština" {
				t.Errorf("languages %+v %+v", s.Languages[0], s.Languages[1])
			}
			if s.Lang("cs").Permalinks["events"] != "/akce/:year/:slug/" || s.Lang("en").Permalinks["events"] != "/events/:year/:slug/" {
				t.Errorf("permalinks %v %v", s.Lang("cs").Permalinks, s.Lang("en").Permalinks)
			}
			if got := s.ParamString("en", "social.mastodon"); got != "https://social.example/@union" {
				t.Errorf("dotted param %q", got)
			}
			if s.ParamString("cs", "supportPhone") != "+420 111 222 333" || s.ParamString("en", "SUPPORTPHONE") != "+420 739 547 927" {
				t.Error("per-language params")
			}
			if s.Location.String() != "Europe/Prague" {
				t.Errorf("location %v", s.Location)
			}
		}},
		{"yaml", map[string]string{"config.yaml": `
title: Yaml Union
defaultContentLanguage: cs
timeZone: Europe/Belgrade
languages:
  sr: {weight: 1, languageName: Srpski}
  cs: {weight: 2}
params:
  supportEmail: a@b.c
`}, func(t *testing.T, s *Site) {
			if s.Title != "Yaml Union" || s.DefaultLang != "cs" || s.Languages[0].Code != "sr" || s.Location.String() != "Europe/Belgrade" {
				t.Errorf("site %+v", s)
			}
			if s.Lang("cs").Name != "Čeština" {
				t.Errorf("default language name %q", s.Lang("cs").Name)
			}
		}},
		{"json", map[string]string{"config.json": `{"title": "Json", "languageCode": "cs-CZ", "params": {"x": 1}}`},
			func(t *testing.T, s *Site) {
				if s.Title != "Json" || s.DefaultLang != "cs" || len(s.Languages) != 1 || s.Param("cs", "x") != int64(1) {
					t.Errorf("site %+v", s)
				}
			}},
		{"hugo.toml wins over config.toml", map[string]string{"hugo.toml": `title = "Hugo"`, "config.toml": `title = "Config"`},
			func(t *testing.T, s *Site) {
				if s.Title != "Hugo" {
					t.Errorf("title %q", s.Title)
				}
			}},
		{"no config at all", map[string]string{"content/a.md": "---\ntitle: A\n---\n"},
			func(t *testing.T, s *Site) {
				if s.DefaultLang != "en" || s.Location.String() != "Europe/Prague" || s.PageByURL("/en/a/") == nil {
					t.Errorf("defaults: %+v", s)
				}
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !hasConfig(tc.files) {
				s, err := LoadDir(writeSite(t, tc.files))
				if err != nil {
					t.Fatal(err)
				}
				tc.check(t, s)
				return
			}
			tc.check(t, load(t, tc.files))
		})
	}
}

// Every malformed file stops the load with file:line and what is wrong.
func TestMalformedFiles(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"config toml", map[string]string{"config.toml": "title = \"x\"\n[params\nfoo = 1\n"}, "config.toml:2: error: TOML"},
		{"config yaml", map[string]string{"config.yaml": "title: x\nparams:\n  a: 1\n b: 2\n"}, "config.yaml:3: error: YAML"},
		{"config json", map[string]string{"config.json": "{\n\"title\": \"x\",\n}"}, "config.json:3: error: JSON"},
		{"unknown time zone", map[string]string{"config.toml": "title = \"x\"\ntimeZone = \"Mars/Olympus\"\n"}, "config.toml:2: unknown timeZone"},
		{"default language not configured", map[string]string{"config.toml": "defaultContentLanguage = \"de\"\n[languages.en]\nweight = 1\n"}, "config.toml:1: defaultContentLanguage"},
		{"data yaml", map[string]string{"data/occupations.yaml": "- en: a\n  cs: b\n- en: [unclosed\n"}, "data/occupations.yaml:"},
		{"data toml", map[string]string{"data/x.toml": "a = 1\nb = \n"}, "data/x.toml:2: error: TOML"},
		{"i18n toml", map[string]string{"i18n/cs.toml": "home = \"Domů\"\nbad = \n"}, "i18n/cs.toml:2: error: TOML"},
		{"i18n bad template", map[string]string{"i18n/en.toml": "ok = \"fine\"\nbroken = \"{{ .Count \"\n"}, "i18n/en.toml:2: error: translation \"broken\""},
		{"yaml front matter", map[string]string{"content/a.en.md": "---\ntitle: A\ndate: [\n---\nbody\n"}, "content/a.en.md:3: error: YAML"},
		{"yaml front matter tab", map[string]string{"content/a.en.md": "---\ntitle: A\n\tdraft: true\n---\n"}, "content/a.en.md:3: error: YAML"},
		{"toml front matter", map[string]string{"content/a.en.md": "+++\ntitle = \"A\"\ndraft = tru\n+++\n"}, "content/a.en.md:3: error: TOML"},
		{"json front matter", map[string]string{"content/a.en.md": "{\n\"title\": \"A\",\n\"draft\": }\nbody"}, "content/a.en.md:3: error: JSON"},
		{"unclosed front matter", map[string]string{"content/a.en.md": "---\ntitle: A\nbody text\n"}, "content/a.en.md:1: error: front matter is not closed"},
		{"front matter not a mapping", map[string]string{"content/a.en.md": "---\n- a\n- b\n---\n"}, "content/a.en.md:2: error: expected a mapping"},
		{"oversized page", map[string]string{"content/big.en.md": "---\ntitle: big\n---\n" + strings.Repeat("a", maxFileSize+10)}, "content/big.en.md: error: cannot read: file is"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := loadErr(t, tc.files)
			if !strings.Contains(got, tc.want) {
				t.Errorf("error\n%s\nwant it to contain\n%s", got, tc.want)
			}
		})
	}
	// All broken pages are reported at once, not only the first.
	got := loadErr(t, map[string]string{
		"content/a.en.md": "---\ntitle: [\n---\n",
		"content/b.en.md": "+++\ntitle = \n+++\n",
	})
	if !strings.Contains(got, "content/a.en.md:") || !strings.Contains(got, "content/b.en.md:") {
		t.Errorf("want both files in %q", got)
	}
}

func TestContentFiles(t *testing.T) {
	s := load(t, map[string]string{
		"content/_index.en.md":                 "---\ntitle: Welcome\n---\nIntro text",
		"content/_index.cs.md":                 "---\ntitle: Vítejte\n---\n",
		"content/statements/_index.en.md":      "---\ntitle: Our statements\n---\n",
		"content/statements/first.en.md":       "---\ntitle: First\ndate: 2024-02-01\n---\nHello",
		"content/statements/first.cs.md":       "---\ntitle: První\ndate: 2024-02-01\n---\nAhoj",
		"content/statements/plain-default.md":  "---\ntitle: Default language\n---\n",
		"content/statements/german.de.md":      "---\ntitle: Deutsch\n---\n",
		"content/statements/v1.2.md":           "---\ntitle: Version\n---\n",
		"content/statements/.hidden.md":        "---\ntitle: Hidden\n---\n",
		"content/statements/backup.md~":        "junk",
		"content/events/party/index.en.md":     "---\ntitle: Party\nposter: poster.png\n---\n![poster](poster.png)",
		"content/events/party/index.cs.md":     "---\ntitle: Večírek\n---\n",
		"content/events/party/poster.png":      "PNG",
		"content/events/party/docs/agenda.pdf": "PDF",
		"content/events/party/notes.md":        "---\ntitle: Not a page\n---\n",
		"content/declaration/index.en.md":      "---\ntitle: Decl\nlang: cs\n---\n",
		"content/statutes/index.en.md":         "---\ntitle: Statutes\nlang: fr\n---\n",
		"content/privacy.en.md":                "---\ntitle: Privacy\ntype: privacy\nlayout: wide\nweight: 3\n---\n",
		"content/faq/q1.en.md":                 "+++\ntitle = \"Q1\"\nweight = 2\n+++\nAnswer",
		"content/faq/q2.en.md":                 "{\"title\": \"Q2\", \"weight\": 1}\nJSON answer",
		"static/robots.txt":                    "User-agent: *",
		"assets/logo.svg":                      "<svg/>",
	})
	now := time.Now()
	if p := page(t, s, "/en/"); p.Title != "Welcome" || p.Kind != KindHome || !strings.Contains(string(p.Body()), "Intro text") {
		t.Errorf("home %+v", p)
	}
	if s.Home("cs").Title != "Vítejte" || s.Home("xx") == nil {
		t.Error("Home")
	}
	if p := s.Section("en", "statements"); p == nil || p.Title != "Our statements" || p.Synthetic {
		t.Errorf("section %+v", p)
	}
	if p := s.Section("cs", "statements"); p == nil || !p.Synthetic || p.Title != "Prohlášení" || p.URL != "/cs/statements/" {
		t.Errorf("synthesised section %+v", p)
	}
	if s.Section("cs", "faq") != nil {
		t.Error("cs has no faq pages, want nil section")
	}
	page(t, s, "/cs/statements/first/")
	if p := page(t, s, "/en/statements/plain-default/"); p.Lang != "en" {
		t.Errorf("default language: %s", p.Lang)
	}
	page(t, s, "/en/statements/v1.2/")
	if !hasProblem(s.Problems, "content/statements/german.de.md", 1, SevWarning, `language "de" is not configured`) {
		t.Errorf("unconfigured language not reported: %v", s.Problems)
	}
	for _, p := range s.Pages {
		if strings.Contains(p.Title, "Hidden") || p.Title == "Deutsch" || p.Title == "Not a page" || p.Title == "Statutes" {
			t.Errorf("page %q should have been skipped", p.Title)
		}
	}
	party := page(t, s, "/en/events/party/")
	if party.Poster != "/en/events/party/poster.png" {
		t.Errorf("poster %q", party.Poster)
	}
	for u, f := range map[string]string{
		"/en/events/party/poster.png":      "content/events/party/poster.png",
		"/cs/events/party/poster.png":      "content/events/party/poster.png",
		"/en/events/party/docs/agenda.pdf": "content/events/party/docs/agenda.pdf",
	} {
		if got, ok := s.ResourceByURL(u); !ok || got != f {
			t.Errorf("resource %s = %q %v", u, got, ok)
		}
	}
	if _, ok := s.ResourceByURL("/en/events/party/notes.md"); ok {
		t.Error("markdown inside a bundle must not be served (it may be notes)")
	}
	if tr := s.Translations(party, now); len(tr) != 1 || tr[0].Title != "Večírek" {
		t.Errorf("translations %v", tr)
	}
	if p := page(t, s, "/cs/declaration/"); p.Lang != "cs" {
		t.Errorf("lang override %s", p.Lang)
	}
	if p := page(t, s, "/en/privacy/"); p.Type != "privacy" || p.Layout != "wide" || p.Weight != 3 || p.Section != "" {
		t.Errorf("privacy %+v", p)
	}
	faq := s.PagesOfType("en", "faq", now)
	if len(faq) != 2 || faq[0].Title != "Q1" || faq[1].Title != "Q2" || !strings.Contains(string(faq[1].Body()), "JSON answer") {
		t.Errorf("faq %v", faq)
	}
	if s.Static == nil || s.Assets == nil {
		t.Error("static/assets not set")
	}
	if len(s.VisiblePages("en", now)) < 8 {
		t.Errorf("visible pages %d", len(s.VisiblePages("en", now)))
	}
}

func TestURLs(t *testing.T) {
	cfg := baseConfig + `
[permalinks]
statements = "/statements/:year/:month/:day/:filename/"
[languages.en.permalinks]
events = "/events/:year/:slug/"
[languages.cs.permalinks]
events = "/akce/:year/:slug/"
news = "/:section/:title/"
`
	s := load(t, map[string]string{
		"config.toml":                       cfg,
		"content/declaration/index.cs.md":   "---\ntitle: D\nurl: deklarace\n---\n",
		"content/about.cs.md":               "---\ntitle: O nás\nurl: /cs/o-nas\n---\n",
		"content/about.en.md":               "---\ntitle: About\nurl: /about-us/\n---\n",
		"content/page.en.md":                "---\ntitle: P\nslug: Nice Slug\n---\n",
		"content/Ugly Name.en.md":           "---\ntitle: U\n---\n",
		"content/events/intro.en.md":        "---\ntitle: Intro to Unions\nstartDate: 2024-01-24T18:30:00Z\ndate: 2024-01-24T20:00:00Z\n---\n",
		"content/events/intro.cs.md":        "---\ntitle: Úvod do odborů\nslug: úvod\nstartDate: 2024-01-24T18:30:00Z\n---\n",
		"content/events/undated.en.md":      "---\ntitle: No date\n---\n",
		"content/statements/s1/index.en.md": "---\ntitle: S\ndate: 2023-12-31T23:30:00Z\n---\n",
		"content/news/n.cs.md":              "---\ntitle: Žluťoučký kůň úpěl\n---\n",
		"content/a/b/deep.en.md":            "---\ntitle: Deep\n---\n",
		"content/ext.en.md":                 "---\ntitle: Ext\nurl: https://evil.example/\n---\n",
	})
	for url, title := range map[string]string{
		"/cs/deklarace/":                   "D",
		"/cs/o-nas/":                       "O nás",
		"/en/about-us/":                    "About",
		"/en/nice-slug/":                   "P",
		"/en/ugly-name/":                   "U",
		"/en/events/2024/intro-to-unions/": "Intro to Unions",
		"/cs/akce/2024/uvod/":              "Úvod do odborů",
		"/en/statements/2023/12/31/s1/":    "S",
		"/cs/news/zlutoucky-kun-upel/":     "Žluťoučký kůň úpěl",
		"/en/a/b/deep/":                    "Deep",
		"/en/ext/":                         "Ext",
	} {
		if p := page(t, s, url); p.Title != title {
			t.Errorf("%s: title %q, want %q", url, p.Title, title)
		}
	}
	if p := s.Section("cs", "events"); p == nil || p.URL != "/cs/akce/" {
		t.Errorf("cs events section %+v", p)
	}
	if p := s.Section("en", "events"); p == nil || p.URL != "/en/events/" {
		t.Errorf("en events section %+v", p)
	}
	if !hasProblem(s.Problems, "content/events/undated.en.md", 0, SevWarning, "needs a date") {
		t.Errorf("undated permalink not reported: %v", s.Problems)
	}
	if !hasProblem(s.Problems, "content/ext.en.md", 0, SevError, "must be a path") {
		t.Errorf("external url not reported")
	}
}

func TestUrlize(t *testing.T) {
	for in, want := range map[string]string{
		"Hello World":               "hello-world",
		"Účast a hlasování!":        "ucast-a-hlasovani",
		"  --a--b--  ":              "a-b",
		"Đorđe Łódź straße":         "dorde-lodz-strasse",
		"Синдикат ИКТ":              "синдикат-икт",
		"v1.2":                      "v1.2",
		"<script>alert(1)</script>": "script-alert-1-script",
		"":                          "",
	} {
		if got := Urlize(in); got != want {
			t.Errorf("Urlize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTimes(t *testing.T) {
	loc := prague(t)
	files := map[string]string{
		"content/events/z.en.md":      "---\ntitle: Z\nstartDate: 2024-07-01T18:30:00Z\n---\n",
		"content/events/local.en.md":  "---\ntitle: L\nstartDate: 2024-07-01 18:30\n---\n",
		"content/events/offset.en.md": "---\ntitle: O\nstartDate: 2024-07-01T18:30:00+03:00\n---\n",
		"content/events/date.en.md":   "---\ntitle: D\nstartDate: 2024-07-01\n---\n",
		"content/events/quoted.en.md": "---\ntitle: Q\nstartDate: \"2024-07-01T18:30:00.000Z\"\n---\n",
		"content/events/toml.en.md":   "+++\ntitle = \"T\"\nstartDate = 2024-07-01T18:30:00Z\ndate = 2024-07-01T20:00:00\n+++\n",
		"content/events/tomld.en.md":  "+++\ntitle = \"TD\"\nstartDate = 2024-07-01\n+++\n",
		"content/events/json.en.md":   "{\"title\": \"J\", \"startDate\": \"2024-07-01T18:30:00Z\"}\n",
		"content/events/bad.en.md":    "---\ntitle: B\nstartDate: next tuesday\npublishDate: soon\n---\n",
	}
	s := load(t, files)
	wall := time.Date(2024, 7, 1, 18, 30, 0, 0, loc)
	for url, want := range map[string]time.Time{
		"/en/events/z/":      wall,
		"/en/events/local/":  wall,
		"/en/events/offset/": time.Date(2024, 7, 1, 15, 30, 0, 0, time.UTC),
		"/en/events/date/":   time.Date(2024, 7, 1, 0, 0, 0, 0, loc),
		"/en/events/quoted/": wall,
		"/en/events/toml/":   wall,
		"/en/events/tomld/":  time.Date(2024, 7, 1, 0, 0, 0, 0, loc),
		"/en/events/json/":   wall,
	} {
		if got := page(t, s, url).StartDate; !got.Equal(want) {
			t.Errorf("%s: start %v, want %v", url, got, want)
		}
	}
	if end := page(t, s, "/en/events/toml/").End(); !end.Equal(time.Date(2024, 7, 1, 20, 0, 0, 0, loc)) {
		t.Errorf("toml local end %v", end)
	}
	bad := page(t, s, "/en/events/bad/")
	if !bad.StartDate.IsZero() || !bad.Draft || bad.Visible(time.Now()) {
		t.Errorf("bad dates: %+v", bad)
	}
	if !hasProblem(s.Problems, "content/events/bad.en.md", 3, SevError, "startdate") ||
		!hasProblem(s.Problems, "content/events/bad.en.md", 4, SevError, "stays hidden") {
		t.Errorf("date problems not reported with lines: %v", s.Problems)
	}

	files["config.toml"] = baseConfig + "\n[unionhall]\ntimesInUTC = true\n"
	s = load(t, files)
	if got := page(t, s, "/en/events/z/").StartDate; !got.Equal(time.Date(2024, 7, 1, 18, 30, 0, 0, time.UTC)) {
		t.Errorf("timesInUTC: %v", got)
	}
	if got := page(t, s, "/en/events/local/").StartDate; !got.Equal(wall) {
		t.Errorf("timesInUTC keeps zone-less times local: %v", got)
	}
}

func TestVisibilityAndEvents(t *testing.T) {
	loc := prague(t)
	s := load(t, map[string]string{
		"content/a.en.md":        "---\ntitle: Draft\ndraft: true\n---\n",
		"content/b.en.md":        "---\ntitle: Future\npublishDate: 2030-01-01T10:00:00\n---\n",
		"content/c.en.md":        "---\ntitle: Expiring\nexpiryDate: 2030-06-01\n---\n",
		"content/events/e.en.md": "---\ntitle: E\nstartDate: 2030-02-01T18:00:00Z\ndate: 2030-02-01T20:00:00Z\n---\n",
		"content/events/f.en.md": "---\ntitle: Backwards\nstartDate: 2030-03-01T18:00:00Z\ndate: 2030-03-01T17:00:00Z\n---\n",
	})
	before := time.Date(2029, 12, 31, 0, 0, 0, 0, loc)
	draft, future, exp := page(t, s, "/en/a/"), page(t, s, "/en/b/"), page(t, s, "/en/c/")
	if draft.Visible(before) || future.Visible(before) || !exp.Visible(before) {
		t.Error("visibility before")
	}
	if !future.Visible(time.Date(2030, 1, 1, 10, 0, 0, 0, loc)) || exp.Visible(time.Date(2030, 6, 1, 0, 0, 0, 0, loc)) {
		t.Error("visibility at the instants")
	}
	e, f := page(t, s, "/en/events/e/"), page(t, s, "/en/events/f/")
	cases := []struct {
		at   time.Time
		want EventState
	}{
		{time.Date(2030, 2, 1, 17, 59, 0, 0, loc), EventUpcoming},
		{time.Date(2030, 2, 1, 18, 0, 0, 0, loc), EventOngoing},
		{time.Date(2030, 2, 1, 19, 59, 0, 0, loc), EventOngoing},
		{time.Date(2030, 2, 1, 20, 0, 0, 0, loc), EventPast},
	}
	for _, c := range cases {
		if got := e.EventState(c.at); got != c.want {
			t.Errorf("at %v: %q, want %q", c.at, got, c.want)
		}
	}
	if !f.End().IsZero() || f.EventState(time.Date(2030, 3, 1, 18, 0, 0, 0, loc)) != EventPast {
		t.Error("an event ending before it starts is past from its start")
	}
	if !hasProblem(s.Problems, "content/events/f.en.md", 4, SevError, "before it starts") {
		t.Errorf("backwards event not reported: %v", s.Problems)
	}
	if draft.EventState(before) != EventNone {
		t.Error("non-event state")
	}
	// NextChange walks through every instant in order.
	want := []time.Time{
		time.Date(2030, 1, 1, 10, 0, 0, 0, loc),
		time.Date(2030, 2, 1, 18, 0, 0, 0, loc),
		time.Date(2030, 2, 1, 20, 0, 0, 0, loc),
		time.Date(2030, 3, 1, 18, 0, 0, 0, loc),
		time.Date(2030, 6, 1, 0, 0, 0, 0, loc),
	}
	now := before
	for _, w := range want {
		got := s.NextChange(now)
		if !got.Equal(w) {
			t.Fatalf("NextChange(%v) = %v, want %v", now, got, w)
		}
		now = got
	}
	if got := s.NextChange(now); !got.IsZero() {
		t.Errorf("NextChange after everything = %v, want zero", got)
	}
}

func TestFrontMatterFields(t *testing.T) {
	s := load(t, map[string]string{
		"content/events/x.en.md": `---
Title: Full
subtitle: Sub
description: "Short **bold** text"
subDescription: "More _text_"
weight: 5
download: /files/statutes.pdf
author: Jana
authorInfo: Organiser
duration: 2 hours
place: Hall
placeAddress: Main St 1
placeUrl: https://hall.example/
lat: "50.08"
lon: 14.42
registerUrl: https://forms.example/x
ctaType: Sign
petitionId: pet-1
surveyId: sv-2
translationKey: shared
aliases: [/old/x/]
capacity: 40
---
`,
		"content/events/y.en.md": "---\ntitle: Bad\nctaType: dance\nlat: north\nlon: 200\nweight: heavy\ndraft: maybe\n---\n",
	})
	p := page(t, s, "/en/events/x/")
	if p.Title != "Full" || p.SubTitle != "Sub" || p.Weight != 5 || p.Download != "/files/statutes.pdf" || p.Author != "Jana" ||
		p.AuthorInfo != "Organiser" || p.Duration != "2 hours" || p.Place != "Hall" || p.PlaceAddress != "Main St 1" ||
		p.PlaceURL != "https://hall.example/" || p.RegisterURL != "https://forms.example/x" || p.CTAType != "sign" ||
		p.PetitionID != "pet-1" || p.SurveyID != "sv-2" || p.TranslationKey != "shared" {
		t.Errorf("fields %+v", p)
	}
	if p.Lat == nil || *p.Lat != 50.08 || p.Lon == nil || *p.Lon != 14.42 {
		t.Errorf("lat/lon %v %v", p.Lat, p.Lon)
	}
	if string(p.Description) != "<p>Short <strong>bold</strong> text</p>\n" || p.DescriptionText != "Short bold text" ||
		!strings.Contains(string(p.SubDescription), "<em>text</em>") {
		t.Errorf("descriptions %q %q %q", p.Description, p.DescriptionText, p.SubDescription)
	}
	if p.Params["capacity"] != int64(40) {
		t.Errorf("params %v", p.Params)
	}
	if u, ok := s.AliasTarget("/old/x/"); !ok || u != "/en/events/x/" {
		t.Errorf("alias %q %v", u, ok)
	}
	for line, text := range map[int]string{3: "ctaType", 4: "lat", 5: "lon", 6: "weight", 7: "draft"} {
		if !hasProblem(s.Problems, "content/events/y.en.md", line, SevError, text) {
			t.Errorf("line %d %s not reported: %v", line, text, s.Problems)
		}
	}
	if q := page(t, s, "/en/events/y/"); q.Lat != nil || q.Lon != nil {
		t.Error("bad coordinates kept")
	}
}

func TestMarkdown(t *testing.T) {
	s := load(t, map[string]string{
		"content/m.en.md": "---\ntitle: M\n---\n" + `
## Účast a hlasování
## Účast a hlasování

| a | b |
|---|---|
| 1 | 2 |

~~old~~ https://example.org and [local](/en/m/) and [ext](https://x.example/)

<script>alert("x")</script>
<a href="javascript:alert(1)" onclick="steal()">click</a>
<img src="x.png" onerror="steal()">
<details><summary>More</summary>Hidden <b>text</b></details>
<iframe src="https://evil.example/"></iframe>

` + "```go\nfmt.Println(\"<b>\")\n```\n",
	})
	b := string(page(t, s, "/en/m/").Body())
	for _, want := range []string{
		`<h2 id="ucast-a-hlasovani">`, `<h2 id="ucast-a-hlasovani-1">`, "<table>", "<td>1</td>", "<del>old</del>",
		`<a href="https://example.org" rel="noopener noreferrer">https://example.org</a>`,
		`<a href="/en/m/">local</a>`, `<a href="https://x.example/" rel="noopener noreferrer">ext</a>`,
		`<details><summary>More</summary>Hidden <b>text</b></details>`,
		`<code class="language-go">`, `&lt;b&gt;`,
	} {
		if !strings.Contains(b, want) {
			t.Errorf("body lacks %q:\n%s", want, b)
		}
	}
	for _, bad := range []string{"<script", "javascript:", "onclick", "onerror", "<iframe", "steal"} {
		if strings.Contains(b, bad) {
			t.Errorf("body keeps %q:\n%s", bad, b)
		}
	}
}

func TestHostileText(t *testing.T) {
	s := load(t, map[string]string{
		"content/h.en.md":     "---\ntitle: \"Evil\u202Egnp.exe <script>\"\ndescription: \"<script>alert(1)</script>hi\"\n---\nA\u0000B\u202EC \x1b[31m",
		"content/plain.en.md": "Plain <b>title</b>\n\n<script>alert(1)</script>\nline two\n",
		"content/empty.en.md": "",
		"content/blank.en.md": "\n\n   \n",
	})
	h := page(t, s, "/en/h/")
	if strings.ContainsRune(h.Title, '\u202E') || strings.ContainsRune(string(h.Body()), '\u202E') || strings.ContainsRune(string(h.Body()), 0) || strings.Contains(string(h.Body()), "\x1b") {
		t.Errorf("control characters kept: %q %q", h.Title, h.Body())
	}
	if strings.Contains(string(h.Description), "<script") || h.DescriptionText != "hi" {
		t.Errorf("description %q / %q", h.Description, h.DescriptionText)
	}
	p := page(t, s, "/en/plain/")
	if p.Title != "Plain <b>title</b>" || string(p.Body()) != "<p>&lt;script&gt;alert(1)&lt;/script&gt;<br>\nline two</p>\n" {
		t.Errorf("plain %q %q", p.Title, p.Body())
	}
	if e := page(t, s, "/en/empty/"); e.Title != "Empty" || e.Body() != "" {
		t.Errorf("empty file %+v", e)
	}
	if !hasProblem(s.Problems, "content/empty.en.md", 1, SevWarning, "no title") {
		t.Error("missing title not reported")
	}
	page(t, s, "/en/blank/")
}

func TestPlainDocuments(t *testing.T) {
	s := load(t, map[string]string{
		"content/a.en.md": "\n\nTitle line\n\nTitle line\n\n\n\nFirst para\nsame para\n\n  Second para  \n",
		"content/b.en.md": "# Heading Title\n\nSome *markdown* here.\n",
		"content/c.en.md": "Only a title",
		"content/d.en.md": "{{< contacts >}} is not JSON\n\ntext",
	})
	if d := page(t, s, "/en/d/"); d.Title != "{{< contacts >}} is not JSON" || !d.Plain {
		t.Errorf("d: %+v", d)
	}
	a := page(t, s, "/en/a/")
	if a.Title != "Title line" || !a.Plain || string(a.Body()) != "<p>First para<br>\nsame para</p>\n<p>Second para</p>\n" {
		t.Errorf("a: %q %q", a.Title, a.Body())
	}
	b := page(t, s, "/en/b/")
	if b.Title != "Heading Title" || b.Plain || !strings.Contains(string(b.Body()), "<em>markdown</em>") {
		t.Errorf("b: %q %q", b.Title, b.Body())
	}
	if c := page(t, s, "/en/c/"); c.Title != "Only a title" || c.Body() != "" {
		t.Errorf("c: %+v", c)
	}
}

func TestPlainTextAndSafeRendering(t *testing.T) {
	if got := plainText("<p>a<strong>b</strong>c</p><p>d &amp; e</p><ul><li>x</li><li>y</li></ul>"); got != "abc d & e x y" {
		t.Errorf("plainText = %q", got)
	}
	// No raw HTML: the safe renderer drops dangerous URLs by itself.
	h, _, err := renderMarkdown([]byte("[x](javascript:alert(1)) ![i](data:text/html,evil) <https://ok.example/>"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(h, "javascript") || strings.Contains(h, "data:text") || !strings.Contains(h, `href="https://ok.example/"`) {
		t.Errorf("safe render: %s", h)
	}
}

func TestYAMLBomb(t *testing.T) {
	bomb := "---\ntitle: x\na: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
	prev := "a"
	for _, n := range []string{"b", "c", "d", "e", "f", "g", "h", "i"} {
		bomb += n + ": &" + n + " [*" + prev + ",*" + prev + ",*" + prev + ",*" + prev + ",*" + prev + ",*" + prev + ",*" + prev + ",*" + prev + ",*" + prev + "]\n"
		prev = n
	}
	bomb += "---\n"
	got := loadErr(t, map[string]string{"content/bomb.en.md": bomb})
	if !strings.Contains(got, "content/bomb.en.md:") || !strings.Contains(got, "too many values") {
		t.Errorf("error %q", got)
	}
}
