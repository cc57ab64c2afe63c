package surveys

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
	"unionhall/internal/formguard"

	"unionhall/internal/db"
	"unionhall/internal/dbtest"
)

// Every bad answer to every question kind, in both languages: 422, the
// message beside the question and in the summary, what was typed kept
// (escaped), and nothing stored.
func TestBadAnswers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		c := e.client("")
		msg := func(lang, key string, args ...any) string { return htmlEsc(T(lang, key, args...)) }
		cases := []struct {
			name  string
			edit  func(url.Values)
			field string
			key   string
			args  []any
			kept  string
		}{
			{"single missing", func(v url.Values) { v.Del("q-color") }, "color", "err.required", nil, ""},
			{"single unknown option", func(v url.Values) { v.Set("q-color", "purple") }, "color", "err.choice_invalid", nil, ""},
			{"single two options", func(v url.Values) { v["q-color"] = []string{"red", "blue"} }, "color", "err.choice_one", nil, ""},
			{"multiple unknown option", func(v url.Values) { v["q-tools"] = []string{"1", "9"} }, "tools", "err.choice_invalid", nil, ""},
			{"scale missing", func(v url.Values) { v.Del("q-mood") }, "mood", "err.required", nil, ""},
			{"scale out of range", func(v url.Values) { v.Set("q-mood", "9") }, "mood", "err.scale", []any{"min", 1, "max", 5}, ""},
			{"scale not a number", func(v url.Values) { v.Set("q-mood", "3; DROP TABLE survey_answers") }, "mood", "err.scale", []any{"min", 1, "max", 5}, ""},
			{"short too long", func(v url.Values) { v.Set("q-city", strings.Repeat("é", MaxShort+1)) }, "city", "err.too_long", []any{"max", MaxShort, "n", MaxShort + 1}, strings.Repeat("é", 20)},
			{"short control", func(v url.Values) { v.Set("q-city", "Brno\x00") }, "city", "err.control", nil, "Brno"},
			{"short newline", func(v url.Values) { v.Set("q-city", "Br\nno") }, "city", "err.control", nil, ""},
			{"short RTL override", func(v url.Values) { v.Set("q-city", "Brno\u202egpj.exe") }, "city", "err.bidi", nil, "gpj.exe"},
			{"long missing", func(v url.Values) { v.Set("q-story", "   ") }, "story", "err.required", nil, ""},
			{"long too long", func(v url.Values) { v.Set("q-story", strings.Repeat("a", MaxLong+1)) }, "story", "err.too_long", []any{"max", MaxLong, "n", MaxLong + 1}, strings.Repeat("a", 100)},
			{"long bad encoding", func(v url.Values) { v.Set("q-story", "ok \xff\xfe") }, "story", "err.encoding", nil, ""},
			{"email malformed", func(v url.Values) { v.Set("email", "not an email <script>") }, "email", "err.email", nil, "not an email &lt;script&gt;"},
			{"name control", func(v url.Values) { v.Set("name", "Jana\x1b[31m") }, "name", "err.control", nil, "Jana"},
		}
		for _, lang := range []string{"en", "cs"} {
			path := e.answerPath("public", lang)
			for _, tc := range cases {
				v := good()
				v.Set("city", "")
				v.Set("q-city", "<script>alert(1)</script>")
				tc.edit(v)
				v.Set("ts", e.token("public"))
				status, body, _ := e.post(c, path, v)
				if status != http.StatusUnprocessableEntity {
					t.Fatalf("%s %s: status %d", lang, tc.name, status)
				}
				want := msg(lang, tc.key, tc.args...)
				if strings.Count(body, want) < 2 {
					t.Errorf("%s %s: %q not beside the field and in the summary:\n%.3000s", lang, tc.name, want, body)
				}
				if !strings.Contains(body, msg(lang, "form.errors")) {
					t.Errorf("%s %s: no error summary", lang, tc.name)
				}
				if tc.kept != "" && !strings.Contains(body, tc.kept) {
					t.Errorf("%s %s: typed %q not kept", lang, tc.name, tc.kept)
				}
				if strings.Contains(body, "<script>alert(1)</script>") {
					t.Errorf("%s %s: hostile text not escaped", lang, tc.name)
				}
				if tc.field != "city" && !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
					t.Errorf("%s %s: the other answers were not kept", lang, tc.name)
				}
				if tc.field != "color" && !strings.Contains(body, `value="red" checked`) {
					t.Errorf("%s %s: the chosen option was not kept", lang, tc.name)
				}
			}
		}
		if st, _ := e.s.State(context.Background(), "public"); st.Answers != 0 {
			t.Fatalf("%d bad answers stored", st.Answers)
		}
	})
}

func htmlEsc(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(s)
}

// A good public answer is stored (hostile text as given, escaped when
// shown); the spam guards: a filled honeypot gets the thanks and stores
// nothing, a post too soon after the form (or without its token) is
// refused with the form kept, the per-address limit answers 429; an
// oversized post 413 with the answers before the cut kept; a malformed
// body 400.
func TestPublicAnswerAndGuards(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newEnv(t, d)
		c := e.client("")
		path := e.answerPath("public", "cs")
		status, body := e.get(c, path)
		if status != 200 || !strings.Contains(body, "<fieldset") || !strings.Contains(body, "<legend>Oblíbená barva?") || !strings.Contains(body, "(povinné)") || !strings.Contains(body, `name="website"`) {
			t.Fatalf("form: %d %.2000s", status, body)
		}
		v := good()
		v.Set("name", `<img src=x onerror=alert(1)> Jana`)
		v.Set("email", "jana@example.org")
		v.Set("ts", e.token("public"))
		status, _, h := e.post(c, path, v)
		if status != http.StatusSeeOther || h.Get("Location") != path+"?sent=1" {
			t.Fatalf("good answer: %d %v", status, h)
		}
		if status, body := e.get(c, path+"?sent=1"); status != 200 || !strings.Contains(body, T("cs", "msg.thanks")) {
			t.Fatalf("thanks: %d", status)
		}
		csv, err := e.s.CSV(ctx, e.survey("public"), "cs")
		if err != nil || !strings.Contains(string(csv), "<img src=x onerror=alert(1)> Jana") || !strings.Contains(string(csv), "jana@example.org") {
			t.Fatalf("csv %s %v", csv, err)
		}

		// Honeypot.
		v = good()
		v.Set("website", "http://spam.example")
		v.Set("ts", e.token("public"))
		if status, _, h := e.post(c, path, v); status != http.StatusSeeOther || !strings.HasSuffix(h.Get("Location"), "?sent=1") {
			t.Fatalf("honeypot: %d", status)
		}
		// Too fast, and no token.
		v = good()
		v.Set("ts", e.s.newToken("public"))
		if status, body, _ := e.post(c, path, v); status != http.StatusUnprocessableEntity || !strings.Contains(body, htmlEsc(T("cs", "err.too_fast"))) || !strings.Contains(body, "Long hours.") {
			t.Fatalf("too fast: %d", status)
		}
		v.Set("ts", "123.abc")
		if status, _, _ := e.post(c, path, v); status != http.StatusUnprocessableEntity {
			t.Fatalf("forged token: %d", status)
		}
		// A token of another survey.
		v.Set("ts", e.token("pubanon"))
		if status, _, _ := e.post(c, path, v); status != http.StatusUnprocessableEntity {
			t.Fatalf("another survey's token: %d", status)
		}
		// Oversized.
		v = good()
		v.Set("ts", e.token("public"))
		status, body, _ = e.postRaw(c, path, v.Encode()+"&q-story="+strings.Repeat("x", maxForm))
		if status != http.StatusRequestEntityTooLarge || !strings.Contains(body, htmlEsc(T("cs", "err.form_too_big"))) || !strings.Contains(body, `value="red" checked`) {
			t.Fatalf("oversized: %d %.1000s", status, body)
		}
		// Malformed.
		if status, _, _ := e.postRaw(c, path, "q-color=%zz&q-mood=3"); status != http.StatusBadRequest {
			t.Fatalf("malformed: %d", status)
		}
		if st, _ := e.s.State(ctx, "public"); st.Answers != 1 {
			t.Fatalf("%d answers stored, want 1", st.Answers)
		}

		// The per-address limit.
		e.s.limit = formguard.NewLimiter(2, time.Hour)
		for i := range 3 {
			v = good()
			v.Set("ts", e.token("pubanon"))
			status, body, h := e.post(c, e.answerPath("pubanon", "en"), v)
			if i < 2 && status != http.StatusSeeOther {
				t.Fatalf("answer %d: %d", i, status)
			}
			if i == 2 && (status != http.StatusTooManyRequests || h.Get("Retry-After") == "" || !strings.Contains(body, htmlEsc(T("en", "err.rate")))) {
				t.Fatalf("over the limit: %d", status)
			}
		}
	})
}

// Member-only surveys: signed out gets the portal's sign-in with the form
// as the next page; a member answers once (then "already answered", 409
// on a second post); someone not a member is refused; the member's list
// shows the survey and the day; after the close the form says closed.
func TestMemberAnswer(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newEnv(t, d)
		ms := e.members(2)
		for _, lang := range []string{"en", "cs"} {
			path := e.answerPath("anon", lang)
			if status, body := e.get(e.client(""), path); status != http.StatusUnauthorized || !strings.Contains(body, "then "+path) {
				t.Fatalf("%s signed out: %d %s", lang, status, body)
			}
			if status, _, _ := e.post(e.client(""), path, good()); status != http.StatusUnauthorized {
				t.Fatalf("%s signed out post: %d", lang, status)
			}
			if status, body, _ := e.post(e.client("stranger"), path, good()); status != http.StatusForbidden || !strings.Contains(body, htmlEsc(T(lang, "msg.not_member"))) {
				t.Fatalf("%s stranger: %d", lang, status)
			}
		}
		c := e.client(ms[0])
		path := e.answerPath("anon", "cs")
		status, body := e.get(c, path)
		if status != 200 || !strings.Contains(body, htmlEsc(T("cs", "form.anonymous"))) || strings.Contains(body, `name="website"`) {
			t.Fatalf("member form: %d", status)
		}
		v := good()
		v.Set("q-mood", "0")
		if status, body, _ := e.post(c, path, v); status != http.StatusUnprocessableEntity || !strings.Contains(body, htmlEsc(T("cs", "err.scale", "min", 1, "max", 5))) {
			t.Fatalf("member bad answer: %d", status)
		}
		if status, _, _ := e.post(c, path, good()); status != http.StatusSeeOther {
			t.Fatalf("member answer: %d", status)
		}
		if status, body := e.get(c, path); status != 200 || !strings.Contains(body, htmlEsc(T("cs", "msg.answered"))) {
			t.Fatalf("after answering: %d", status)
		}
		if status, _, _ := e.post(c, e.answerPath("anon", "en"), good()); status != http.StatusConflict {
			t.Fatalf("second answer in the other language: %d", status)
		}
		if status, body := e.get(c, MemberBase("cs")); status != 200 || !strings.Contains(body, "anon cs") || !strings.Contains(body, T("cs", "list.answered", "day", "2026-03-10")) {
			t.Fatalf("member list: %d %.2000s", status, body)
		}
		if status, _ := e.get(e.client(""), MemberBase("en")); status != http.StatusUnauthorized {
			t.Fatalf("member list signed out: %d", status)
		}
		e.clock.Add(11 * 24 * time.Hour)
		if status, body := e.get(e.client(ms[1]), path); status != 200 || !strings.Contains(body, htmlEsc(T("cs", "msg.closed"))) {
			t.Fatalf("closed: %d", status)
		}
		if status, _, _ := e.post(e.client(ms[1]), path, good()); status != http.StatusConflict {
			t.Fatalf("post after the close: %d", status)
		}
		if st, _ := e.s.State(ctx, "anon"); st.Answers != 1 {
			t.Fatalf("%d answers", st.Answers)
		}
	})
}

// The public results page: only where the survey offers it, counts and
// charts without the text answers; an anonymous survey's suppressed.
func TestPublicResults(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newEnv(t, d)
		for range 3 {
			if err := e.s.Submit(ctx, e.survey("public"), Respondent{}, Answers{"color": {"blue"}, "mood": {"2"}, "story": {"secret text"}}); err != nil {
				t.Fatal(err)
			}
			if err := e.s.Submit(ctx, e.survey("pubanon"), Respondent{}, Answers{"color": {"blue"}, "mood": {"2"}, "story": {"secret text"}}); err != nil {
				t.Fatal(err)
			}
		}
		c := e.client("")
		status, body := e.get(c, ResultsURL(e.survey("public").Pages["en"]))
		if status != 200 || !strings.Contains(body, "<svg") || !strings.Contains(body, "<table") || strings.Contains(body, "secret text") || !strings.Contains(body, "<td>3</td><td>100 %</td>") {
			t.Fatalf("results: %d %.3000s", status, body)
		}
		status, body = e.get(c, ResultsURL(e.survey("pubanon").Pages["cs"]))
		if status != 200 || strings.Contains(body, "<svg") || !strings.Contains(body, htmlEsc(T("cs", "res.suppressed", "n", 10))) {
			t.Fatalf("suppressed results: %d", status)
		}
		if status, _ := e.get(c, ResultsURL(e.survey("memnamed").Pages["en"])); status != http.StatusNotFound {
			t.Fatalf("results of a survey without public results: %d", status)
		}
	})
}
