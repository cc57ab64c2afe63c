package surveys

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"unionhall/internal/web"
)

// Czech and English have the same keys, in both catalogs, and every key
// the code and templates use exists.
func TestCatalogs(t *testing.T) {
	for name, c := range map[string]web.Catalog{"messages": Messages(), "console": ConsoleTexts()} {
		en, cs := slices.Sorted(maps.Keys(c["en"])), slices.Sorted(maps.Keys(c["cs"]))
		if !slices.Equal(en, cs) {
			t.Errorf("%s: en and cs keys differ:\n%v\n%v", name, en, cs)
		}
		for _, k := range en {
			if strings.TrimSpace(c["cs"][k]) == "" || strings.TrimSpace(c["en"][k]) == "" {
				t.Errorf("%s: %s is empty", name, k)
			}
		}
	}
	for _, k := range []string{"err.required", "err.choice_invalid", "err.choice_one", "err.scale", "err.too_long", "err.control", "err.bidi", "err.encoding", "err.email",
		"err.form_too_big", "err.form_malformed", "err.too_fast", "err.rate", "msg.thanks", "msg.answered", "msg.closed", "msg.members", "msg.not_member", "msg.failed"} {
		if _, ok := Messages()["cs"][k]; !ok {
			t.Errorf("missing %s", k)
		}
	}
}
