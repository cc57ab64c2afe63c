package events

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"unionhall/internal/browsertest"
	"unionhall/internal/db"
	"unionhall/internal/dbtest"
)

// askedEvent has required and optional questions of both types, in both
// languages.
var askedEvent = map[string]string{
	"content/events/asked/index.en.md": askedFrontMatter("Asked meeting"),
	"content/events/asked/index.cs.md": askedFrontMatter("Schůze s otázkami"),
}

func askedFrontMatter(title string) string {
	return `---
title: ` + title + `
startDate: 2026-03-21T18:00:00
date: 2026-03-21T20:00:00
registration: internal
id: asked
questions:
  - id: employer
    label: {en: Your employer, cs: Váš zaměstnavatel}
    type: text
    required: true
  - id: shift
    label: {en: Shift, cs: Směna}
    type: choice
    required: true
    options: [{en: Morning, cs: Ranní}, {en: Night, cs: Noční}]
  - id: note
    label: {en: Anything else, cs: Ještě něco}
    type: text
  - id: size
    label: {en: T-shirt size, cs: Velikost trička}
    type: choice
    options: [S, M, L]
---
`
}

// fieldMark returns the mark written beside question id's label ("" when
// none) and the question's control tag.
func fieldMark(t *testing.T, body, id string) (mark, control string) {
	t.Helper()
	label := regexp.MustCompile(`<label for="f-q_` + id + `">[^<]*(?:<span class="(?:req|opt)">\(([^)]*)\)</span>)?</label>`).FindStringSubmatch(body)
	if label == nil {
		t.Fatalf("no label for question %s", id)
	}
	control = regexp.MustCompile(`<(?:input|select) [^>]*id="f-q_` + id + `"[^>]*>`).FindString(body)
	if control == "" {
		t.Fatalf("no control for question %s", id)
	}
	return label[1], control
}

// TestRequiredQuestionsMarked: the organiser's required questions say
// "(required)" in the visitor's language and carry required and
// aria-required, like the name and email; optional ones say "(optional)"
// and carry neither. A missing required answer is named in the error
// summary and beside the field, and everything typed is kept.
func TestRequiredQuestionsMarked(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, nil)
		e.setSite(askedEvent)
		words := map[string][2]string{"en": {"required", "optional"}, "cs": {"povinné", "nepovinné"}}
		for _, lang := range []string{"en", "cs"} {
			ev := e.event("id:asked", lang)
			u := e.srv.URL + RegisterURL(ev.Page)
			resp, b := get(t, u)
			if resp.StatusCode != 200 {
				t.Fatalf("%s: registration page %d", lang, resp.StatusCode)
			}
			body := string(b)
			for _, id := range []string{"employer", "shift"} {
				mark, control := fieldMark(t, body, id)
				if mark != words[lang][0] {
					t.Errorf("%s: required question %s marked %q, want %q", lang, id, mark, words[lang][0])
				}
				if !strings.Contains(control, " required") || !strings.Contains(control, `aria-required="true"`) {
					t.Errorf("%s: required question %s: %s", lang, id, control)
				}
			}
			for _, id := range []string{"note", "size"} {
				mark, control := fieldMark(t, body, id)
				if mark != words[lang][1] {
					t.Errorf("%s: optional question %s marked %q, want %q", lang, id, mark, words[lang][1])
				}
				if strings.Contains(control, "required") {
					t.Errorf("%s: optional question %s: %s", lang, id, control)
				}
			}
			// Name and email are marked the same way.
			for _, sel := range []string{`id="f-name"`, `id="f-email"`} {
				if c := regexp.MustCompile(`<input [^>]*` + sel + `[^>]*>`).FindString(body); !strings.Contains(c, `required aria-required="true"`) {
					t.Errorf("%s: %s", lang, c)
				}
			}

			// Required answers missing: named, and the rest kept.
			v := goodForm()
			v.Set("lang", lang)
			v.Set("name", "Jana <b>")
			v.Set("q_employer", "  ")
			v.Set("q_shift", "")
			v.Set("q_note", "Přijdu později & s dítětem")
			v.Set("q_size", "2")
			resp, body = post(t, u, v)
			if resp.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("%s: missing required answers: %d", lang, resp.StatusCode)
			}
			summary := regexp.MustCompile(`(?s)<div class="error-summary".*?</div>`).FindString(body)
			for _, want := range map[string][]string{
				"en": {"Your employer: Please fill this in.", "Shift: Please fill this in."},
				"cs": {"Váš zaměstnavatel: Vyplňte prosím.", "Směna: Vyplňte prosím."},
			}[lang] {
				if !strings.Contains(summary, want) {
					t.Errorf("%s: error summary lacks %q: %s", lang, want, summary)
				}
			}
			if strings.Contains(summary, "q_note") || strings.Contains(summary, "q_size") {
				t.Errorf("%s: an optional question reported as missing", lang)
			}
			for _, id := range []string{"employer", "shift"} {
				_, control := fieldMark(t, body, id)
				if !strings.Contains(control, `aria-invalid="true"`) || !strings.Contains(control, `aria-describedby="err-q_`+id+`"`) ||
					!strings.Contains(body, `<p class="error" id="err-q_`+id+`">`) {
					t.Errorf("%s: question %s not flagged: %s", lang, id, control)
				}
			}
			for _, kept := range []string{
				`value="Jana &lt;b&gt;"`, `value="jana@example.org"`,
				`value="Přijdu později &amp; s dítětem"`, `<option value="2" selected>M</option>`,
				`name="consent" value="yes" required aria-required="true" checked`,
			} {
				if !strings.Contains(body, kept) {
					t.Errorf("%s: typed input lost: %s", lang, kept)
				}
			}
		}
		if c := counts(t, e, "id:asked"); c.Confirmed != 0 {
			t.Fatalf("stored with required answers missing: %+v", c)
		}
		// With the answers it goes through; the optional ones may stay empty.
		v := goodForm()
		v.Del("q_diet")
		v.Set("q_note", "")
		v.Set("q_employer", "Depo Hostivař")
		v.Set("q_shift", "2")
		if resp, body := post(t, e.srv.URL+RegisterURL(e.event("id:asked", "en").Page), v); resp.StatusCode != 200 || !strings.Contains(body, "Check your email") {
			t.Fatalf("complete answers: %d", resp.StatusCode)
		}
		regs, err := e.svc.Registrations(context.Background(), "id:asked")
		if err != nil || len(regs) != 1 {
			t.Fatalf("registrations: %d %v", len(regs), err)
		}
		if a := regs[0].Registrant.Answers; a["employer"] != "Depo Hostivař" || a["shift"] != "Night" || a["note"] != "" {
			t.Errorf("answers stored: %v", a)
		}
	})
}

// TestBrowserQuestionsAndClosing: in Chromium without JavaScript, the
// registration page with required and optional questions, and the same
// page with a missing required answer, pass axe; after closing early the
// event page says so and passes axe too.
func TestBrowserQuestionsAndClosing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, nil)
		e.setSite(askedEvent)
		b := browsertest.Start(t)
		ctx := b.TabNoJS(t)
		ev := e.event("id:asked", "cs")

		browsertest.Navigate(t, ctx, e.srv.URL+RegisterURL(ev.Page))
		if txt := browsertest.Text(t, ctx, `label[for="f-q_employer"]`); txt != "Váš zaměstnavatel (povinné)" {
			t.Errorf("required question's label %q", txt)
		}
		if txt := browsertest.Text(t, ctx, `label[for="f-q_note"]`); txt != "Ještě něco (nepovinné)" {
			t.Errorf("optional question's label %q", txt)
		}
		browsertest.AssertAxeClean(t, ctx, "registration page with questions")
		browsertest.Type(t, ctx, "#f-name", "Sova")
		browsertest.Type(t, ctx, "#f-email", "sova@example.org")
		browsertest.Type(t, ctx, "#f-q_note", "později")
		browsertest.Click(t, ctx, "#f-consent")
		browsertest.ClickNavigate(t, ctx, "button.register-submit")
		if txt := browsertest.Text(t, ctx, "#error-summary"); !strings.Contains(txt, "Váš zaměstnavatel: Vyplňte prosím.") || !strings.Contains(txt, "Směna: Vyplňte prosím.") {
			t.Errorf("error summary %q", txt)
		}
		if v := browsertest.Value(t, ctx, "#f-q_note"); v != "později" {
			t.Errorf("typed answer lost: %q", v)
		}
		browsertest.AssertAxeClean(t, ctx, "registration page with a missing required answer")

		if err := e.svc.SetClosed(context.Background(), ev, true); err != nil {
			t.Fatal(err)
		}
		browsertest.Navigate(t, ctx, e.srv.URL+ev.Page.URL)
		if n := browsertest.Count(t, ctx, ".event-register-link"); n != 0 {
			t.Error("closed event page offers registration")
		}
		if txt := browsertest.Text(t, ctx, ".event-register-closed"); txt != closedText["cs"] {
			t.Errorf("closed note %q", txt)
		}
		browsertest.AssertAxeClean(t, ctx, "event page, registration closed early")
	})
}
