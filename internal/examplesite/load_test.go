package examplesite

import (
	"strings"
	"testing"
	"time"

	"unionhall/internal/content"
)

// The example must load with the real loader without a single problem: it
// is what every newcomer sees first, and the reference unions copy.
func TestLoadsWithContentLoader(t *testing.T) {
	for _, now := range nows(t) {
		site, err := content.Load(mustFS(t, now))
		if err != nil {
			t.Fatalf("at %s: %v", now, err)
		}
		// Warnings count too: the example is what unions copy.
		for _, p := range site.Check() {
			t.Errorf("at %s: %s:%d: %s: %s", now, p.File, p.Line, p.Severity, p.Message)
		}
		if len(site.Languages) != 2 || site.DefaultLang != "cs" {
			t.Errorf("languages %v, default %q", site.Languages, site.DefaultLang)
		}
		states := map[string]map[content.EventState]int{}
		for _, p := range site.Pages {
			if p.Section != "events" || p.Kind != content.KindPage {
				continue
			}
			if states[p.Lang] == nil {
				states[p.Lang] = map[content.EventState]int{}
			}
			states[p.Lang][eventState(p, now)]++
		}
		for _, lang := range []string{"cs", "en"} {
			s := states[lang]
			if s[content.EventPast] != 1 || s[content.EventOngoing] != 1 || s[content.EventUpcoming] != 2 {
				t.Errorf("at %s, %s: event states %v", now, lang, s)
			}
		}
	}
}

// eventState mirrors the product rule on the loaded times, so this test does
// not depend on which method name the loader gives it.
func eventState(p *content.Page, now time.Time) content.EventState {
	switch {
	case p.StartDate.IsZero():
		return content.EventNone
	case now.Before(p.StartDate):
		return content.EventUpcoming
	case p.Date.After(p.StartDate) && now.Before(p.Date):
		return content.EventOngoing
	}
	return content.EventPast
}

func TestLoadedURLs(t *testing.T) {
	site, err := content.Load(mustFS(t, time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	urls := map[string]bool{}
	for _, p := range site.Pages {
		urls[p.URL] = true
	}
	for _, u := range []string{"/cs/", "/en/", "/cs/deklarace/", "/en/declaration/", "/cs/stanovy/",
		"/cs/prihlaska/", "/en/join/", "/cs/prihlaska/potvrzeni/", "/en/join/confirmation/", "/cs/pracoviste/hlasova-linka/",
		"/en/workplaces/kvadr-software/", "/cs/soukromi/", "/en/privacy/"} {
		if !urls[u] {
			t.Errorf("no page at %s", u)
		}
	}
	var events int
	for u := range urls {
		if strings.HasPrefix(u, "/cs/akce/") && u != "/cs/akce/" {
			events++
		}
	}
	if events != 4 {
		t.Errorf("%d Czech event pages under /cs/akce/, want 4", events)
	}
}
