package events

import (
	"slices"
	"strings"
	"testing"
	"time"

	"unionhall/internal/content"
	"unionhall/internal/web/catalogtest"
)

func page(params map[string]any) *content.Page {
	return &content.Page{File: "content/events/x/index.en.md", Lang: "en", Kind: content.KindPage,
		StartDate: time.Date(2026, 4, 1, 16, 0, 0, 0, time.UTC), Date: time.Date(2026, 4, 1, 18, 0, 0, 0, time.UTC), Params: params}
}

func TestFromPageBadFrontMatter(t *testing.T) {
	prague, _ := time.LoadLocation("Europe/Prague")
	pragueSite := &content.Site{Location: prague}
	cases := []struct {
		name   string
		params map[string]any
		want   string // a problem containing this
	}{
		{"capacity text", map[string]any{"capacity": "many"}, "capacity"},
		{"capacity negative", map[string]any{"capacity": -3}, "capacity"},
		{"capacity fraction", map[string]any{"capacity": 2.5}, "capacity"},
		{"capacity huge", map[string]any{"capacity": 1e12}, "capacity"},
		{"closes garbage", map[string]any{"registrationcloses": "tomorrow-ish"}, "registrationCloses"},
		{"meeting javascript", map[string]any{"meetingurl": "javascript:alert(1)"}, "meetingUrl"},
		{"reminder garbage", map[string]any{"reminder": "a day"}, "reminder"},
		{"reminder negative", map[string]any{"reminder": "-1h"}, "reminder"},
		{"questions not a list", map[string]any{"questions": "what?"}, "questions must be a list"},
		{"question not a map", map[string]any{"questions": []any{"x"}}, "not a mapping"},
		{"question bad id", map[string]any{"questions": []any{map[string]any{"id": "<b>", "label": "X"}}}, "id must be"},
		{"question no label", map[string]any{"questions": []any{map[string]any{"id": "a"}}}, "label missing"},
		{"question bad type", map[string]any{"questions": []any{map[string]any{"id": "a", "label": "A", "type": "file"}}}, "type must be"},
		{"choice without options", map[string]any{"questions": []any{map[string]any{"id": "a", "label": "A", "type": "choice"}}}, "options"},
		{"question twice", map[string]any{"questions": []any{map[string]any{"id": "a", "label": "A"}, map[string]any{"id": "a", "label": "B"}}}, "used twice"},
	}
	for _, c := range cases {
		ev, problems, ok := FromPage(page(c.params), pragueSite)
		if !ok {
			t.Fatalf("%s: not an event", c.name)
		}
		if !slices.ContainsFunc(problems, func(p string) bool { return strings.Contains(p, c.want) }) {
			t.Errorf("%s: problems %q, want one about %q", c.name, problems, c.want)
		}
		if ev.MeetingURL != "" || ev.Capacity != 0 || len(ev.Questions) > 1 || ev.Reminder != DefaultReminder {
			t.Errorf("%s: a bad value was kept: %+v", c.name, ev)
		}
	}
}

func TestFromPageGood(t *testing.T) {
	prague, _ := time.LoadLocation("Europe/Prague")
	pragueSite := &content.Site{Location: prague}
	ev, problems, ok := FromPage(page(map[string]any{
		"registration": "Internal", "capacity": 30, "anonymous": true, "meetingurl": "https://meet.example.org/x",
		"registrationcloses": "2026-03-31 12:00", "reminder": "3h", "id": "assembly-2026",
		"questions": []any{
			map[string]any{"id": "diet", "label": map[string]any{"en": "Food", "cs": "Jídlo"}, "type": "choice", "options": []any{"Vegan", map[string]any{"en": "Any", "cs": "Cokoli"}}},
		},
	}), pragueSite)
	if !ok || len(problems) != 0 {
		t.Fatalf("problems %v", problems)
	}
	if !ev.Internal || ev.Capacity != 30 || !ev.Anonymous || ev.Reminder != 3*time.Hour || ev.Key != "id:assembly-2026" {
		t.Fatalf("%+v", ev)
	}
	if want := time.Date(2026, 3, 31, 12, 0, 0, 0, prague); !ev.ClosesAt().Equal(want) {
		t.Errorf("closes %v, want %v", ev.ClosesAt(), want)
	}
	if ev.Questions[0].label("cs") != "Jídlo" || ev.Questions[0].label("sr") != "Food" || pick(ev.Questions[0].Options[1], "cs") != "Cokoli" {
		t.Errorf("question labels %+v", ev.Questions[0])
	}
	// Without id the key is the file without its language, shared by translations.
	cs := page(nil)
	cs.File, cs.Lang = "content/events/x/index.cs.md", "cs"
	if Key(cs) != Key(page(nil)) || Key(cs) != "content/events/x/index.md" {
		t.Errorf("keys %q %q", Key(cs), Key(page(nil)))
	}
	// A non-event page.
	if _, _, ok := FromPage(&content.Page{}, pragueSite); ok {
		t.Error("a page without a start date is an event")
	}
}

// TestMessagesComplete: every text in both languages, with the same
// placeholders; an unknown language falls back to English.
func TestMessagesComplete(t *testing.T) {
	catalogtest.Complete(t, messages, []string{"en", "cs"}, nil)
	if T("sr", "form.submit") != "Register" || T("cs", "form.submit") != "Registrovat se" {
		t.Error("fallback to English")
	}
}

// FuzzFromPage: no front matter makes the parser panic or keep a meeting
// link that is not http(s).
func FuzzFromPage(f *testing.F) {
	f.Add("30", "2026-03-01", "https://x.example", "24h", "a")
	f.Add("-1", "x", "javascript:1", "-5h", "<b>")
	f.Fuzz(func(t *testing.T, capacity, closes, meeting, reminder, qid string) {
		ev, _, _ := FromPage(page(map[string]any{"capacity": capacity, "registrationcloses": closes, "meetingurl": meeting,
			"reminder": reminder, "questions": []any{map[string]any{"id": qid, "label": qid, "type": "choice", "options": []any{qid}}}}), &content.Site{Location: time.UTC})
		if ev.MeetingURL != "" && !strings.HasPrefix(ev.MeetingURL, "https://") && !strings.HasPrefix(ev.MeetingURL, "http://") {
			t.Fatalf("meeting link %q kept", ev.MeetingURL)
		}
		if ev.Capacity < 0 {
			t.Fatal("negative capacity")
		}
	})
}
