package web

import "testing"

func TestCatalog(t *testing.T) {
	c := MustCatalog("test", []byte(`{"en": {"hi": "Hello, {name}!", "only_en": "English"}, "cs": {"hi": "Ahoj, {name}!"}}`))
	cases := []struct{ lang, key, want string }{
		{"cs", "hi", "Ahoj, Jano!"},
		{"en", "hi", "Hello, Jano!"},
		{"sr", "hi", "Hello, Jano!"},         // uncovered language: English
		{"cs", "only_en", "English"},         // missing in Czech: English
		{"cs", "no_such_key", "no_such_key"}, // a typo shows itself
	}
	for _, tc := range cases {
		if got := c.T(tc.lang, tc.key, "name", "Jano"); got != tc.want {
			t.Errorf("T(%s, %s) = %q, want %q", tc.lang, tc.key, got, tc.want)
		}
	}
	if c.Lang("sr") != "en" || c.Lang("cs") != "cs" {
		t.Error("Lang fallback")
	}
	defer func() {
		if recover() == nil {
			t.Error("broken JSON accepted")
		}
	}()
	MustCatalog("test", []byte(`{"en": `))
}
