package events

import (
	"testing"
	"testing/fstest"
	"time"

	"unionhall/internal/content"
)

// TestFeedSkipsUnlistedEvents: an event page with `build: {list: never}`
// is still served (it has a URL and its own calendar) but the language's
// calendar feed leaves it out; a `render: never` event is no page at all.
func TestFeedSkipsUnlistedEvents(t *testing.T) {
	ev := func(title, build string) []byte {
		return []byte("---\ntitle: " + title + "\nstartDate: 2026-04-01T18:00:00\ndate: 2026-04-01T20:00:00\n" + build + "---\nx")
	}
	cs, err := content.Load(fstest.MapFS{
		"config.toml":                  {Data: []byte("title = 'U'\ndefaultContentLanguage = 'en'\n[languages.en]\nweight = 1\n")},
		"content/events/listed.en.md":  {Data: ev("Listed", "")},
		"content/events/hidden.en.md":  {Data: ev("Unlisted", "build:\n  list: never\n")},
		"content/events/nothing.en.md": {Data: ev("Fragment", "_build:\n  render: never\n")},
	})
	if err != nil {
		t.Fatal(err)
	}
	s := &Service{d: Deps{Site: func() *content.Site { return cs }}}
	var titles []string
	for _, e := range s.FeedEvents("en", time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)) {
		titles = append(titles, e.Page.Title)
	}
	if len(titles) != 1 || titles[0] != "Listed" {
		t.Errorf("feed has %v", titles)
	}
	if p := cs.PageByURL("/en/events/hidden/"); p == nil {
		t.Error("the unlisted event is not served")
	} else if _, _, ok := FromPage(p, cs); !ok {
		t.Error("the unlisted event is not an event")
	}
	if cs.PageByURL("/en/events/nothing/") != nil {
		t.Error("a render: never event is served")
	}
}
