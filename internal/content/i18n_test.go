package content

import (
	"strings"
	"testing"
	"time"
)

func TestI18n(t *testing.T) {
	s := load(t, map[string]string{
		"config.toml": baseConfig + "\n[languages.sr]\nweight = 3\n",
		"i18n/cs.toml": `
home = "Domů"
[apples]
one = "{{ .Count }} jablko"
few = "{{ .Count }} jablka"
many = "{{ .Count }} jablka"
other = "{{ .Count }} jablek"
[greeting]
other = "Ahoj {{ .Name }}"
`,
		"i18n/en.yaml": "apples:\n  one: \"{{ . }} apple\"\n  other: \"{{ . }} apples\"\nonlyEnglish: English only\n",
		"i18n/sr.json": `[{"id": "home", "translation": "Početna"}]`,
	})
	tests := []struct {
		lang, key string
		args      []any
		want      string
	}{
		{"cs", "home", nil, "Domů"},
		{"cs", "HOME", nil, "Domů"},
		{"en", "home", nil, "Home"},
		{"sr", "home", nil, "Početna"},
		{"sr", "events", nil, "Events"},
		{"cs", "events", nil, "Akce"},
		{"cs", "apples", []any{1}, "1 jablko"},
		{"cs", "apples", []any{3}, "3 jablka"},
		{"cs", "apples", []any{5}, "5 jablek"},
		{"cs", "apples", []any{int64(22)}, "22 jablek"},
		{"cs", "apples", []any{1.5}, "1.5 jablka"},
		{"cs", "apples", []any{"0"}, "0 jablek"},
		{"en", "apples", []any{1}, "1 apple"},
		{"en", "apples", []any{2}, "2 apples"},
		{"cs", "events_count", []any{4}, "4 akce"},
		{"cs", "events_count", []any{7}, "7 akcí"},
		{"cs", "greeting", []any{map[string]any{"Name": "Jano"}}, "Ahoj Jano"},
		{"cs", "onlyEnglish", nil, "English only"},
		{"cs", "no_such_key", nil, "no_such_key"},
		{"xx", "home", nil, "Home"},
		{"cs", "page_n_of_m", []any{map[string]any{"Page": 2, "Pages": 5}}, "Strana 2 z 5"},
	}
	for _, tc := range tests {
		if got := s.T(tc.lang, tc.key, tc.args...); got != tc.want {
			t.Errorf("T(%s, %s, %v) = %q, want %q", tc.lang, tc.key, tc.args, got, tc.want)
		}
	}
}

// Every built-in key exists in Czech too, and every template renders.
func TestDefaultStrings(t *testing.T) {
	s := load(t, map[string]string{})
	keys := DefaultKeys()
	if len(keys) < 100 {
		t.Errorf("only %d built-in keys", len(keys))
	}
	for _, k := range keys {
		if m := s.i18n.langs["cs"][k]; m == nil {
			t.Errorf("no Czech string for %q", k)
		}
		for _, lang := range []string{"en", "cs"} {
			got := s.T(lang, k, map[string]any{"Count": 3, "Language": "X", "Page": 1, "Pages": 2, "Author": "A", "Date": "D", "Name": "N", "ID": "1"})
			if got == "" || strings.Contains(got, "{{") || strings.Contains(got, "<no value>") {
				t.Errorf("T(%s, %s) = %q", lang, k, got)
			}
		}
	}
}

func TestFormatDate(t *testing.T) {
	s := load(t, map[string]string{})
	loc := prague(t)
	d := time.Date(2024, 1, 24, 18, 30, 0, 0, loc)
	utc := time.Date(2024, 1, 24, 23, 30, 0, 0, time.UTC) // 00:30 next day in Prague
	for _, tc := range []struct {
		lang string
		t    time.Time
		want string
	}{
		{"cs", d, "24. ledna 2024"},
		{"en", d, "24 January 2024"},
		{"sr", d, "24. januar 2024"},
		{"de", d, "24. Januar 2024"},
		{"xx", d, "24 January 2024"},
		{"cs", utc, "25. ledna 2024"},
		{"cs", time.Time{}, ""},
	} {
		if got := s.FormatDate(tc.lang, tc.t); got != tc.want {
			t.Errorf("FormatDate(%s, %v) = %q, want %q", tc.lang, tc.t, got, tc.want)
		}
	}
	if got := s.FormatTime("en", utc); got != "00:30" {
		t.Errorf("FormatTime = %q", got)
	}
	day := func(d, h, m int) time.Time { return time.Date(2024, 1, d, h, m, 0, 0, loc) }
	for _, tc := range []struct {
		lang       string
		start, end time.Time
		want       string
	}{
		{"cs", day(24, 18, 30), day(24, 20, 0), "24. ledna 2024, 18:30–20:00"},
		{"en", day(24, 18, 30), day(24, 20, 0), "24 January 2024, 18:30–20:00"},
		{"cs", day(24, 18, 30), day(25, 2, 0), "24. ledna 2024, 18:30 – 25. ledna 2024, 02:00"},
		{"cs", day(24, 18, 30), time.Time{}, "24. ledna 2024, 18:30"},
		{"cs", day(24, 18, 30), day(24, 17, 0), "24. ledna 2024, 18:30"},
		{"cs", day(24, 0, 0), time.Time{}, "24. ledna 2024"},
		{"cs", day(24, 0, 0), day(26, 0, 0), "24.–26. ledna 2024"},
		{"en", day(24, 0, 0), day(26, 0, 0), "24–26 January 2024"},
		{"cs", day(30, 0, 0), time.Date(2024, 2, 2, 0, 0, 0, 0, loc), "30. ledna – 2. února 2024"},
		{"cs", time.Date(2023, 12, 30, 0, 0, 0, 0, loc), day(2, 0, 0), "30. prosince 2023 – 2. ledna 2024"},
		{"cs", time.Time{}, day(2, 0, 0), ""},
	} {
		if got := s.FormatDateRange(tc.lang, tc.start, tc.end); got != tc.want {
			t.Errorf("FormatDateRange(%s, %v, %v) = %q, want %q", tc.lang, tc.start, tc.end, got, tc.want)
		}
	}
}
