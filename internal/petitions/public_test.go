package petitions

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
	"unionhall/internal/formguard"

	"unionhall/internal/auth"
	"unionhall/internal/db"
	"unionhall/internal/dbtest"
)

const (
	pageEN = "/en/petitions/pay-for-on-call/"
	pageCS = "/cs/petitions/zaplatte-pohotovost/"
)

func signer(name, email string) map[string]string {
	return map[string]string{"name": name, "email": email, "city": "Brno", "consent": "yes"}
}

// TestDeclared: the example site's petition is one petition in two
// languages, with its declared fields.
func TestDeclared(t *testing.T) {
	e := newPubEnv(t, dbtest.SQLite(t))
	en, cs := e.petition("on-call-pay", "en"), e.petition("on-call-pay", "cs")
	if en.Page.URL != pageEN || cs.Page.URL != pageCS || len(en.Pages) != 2 {
		t.Fatalf("pages: %s %s %d", en.Page.URL, cs.Page.URL, len(en.Pages))
	}
	if en.Decl.Goal != 1000 || !en.Decl.PublicNames || len(en.Decl.Fields) != 3 || en.Decl.Target == "" {
		t.Fatalf("declaration: %+v", en.Decl)
	}
	if asked, req := en.Field("city"); !asked || !req {
		t.Error("city should be asked and required")
	}
	if asked, req := en.Field("comment"); !asked || req {
		t.Error("comment should be asked and optional")
	}
	plain := e.petition("plain", "en")
	if len(plain.Decl.Fields) != 1 || plain.Decl.Fields[0] != (contentField("city", true)) || plain.Decl.PublicNames {
		t.Errorf("plain petition: %+v", plain.Decl)
	}
	ps, err := e.svc.Petitions(context.Background())
	if err != nil || len(ps) != 4 {
		t.Fatalf("Petitions: %d %v", len(ps), err)
	}
}

// TestSignConfirmCount: a signature counts only once confirmed by the
// POST of the emailed page, and the page, count.json and the embed move.
func TestSignConfirmCount(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newPubEnv(t, d)
		r := e.get(pageEN)
		if r.status != 200 || !strings.Contains(r.body, "0 of 1,000 signatures") || !strings.Contains(r.body, `<progress id="petition-goal" max="1000" value="0"`) {
			t.Fatalf("page: %d %s", r.status, r.body)
		}
		for _, want := range []string{`name="city"`, `name="workplace"`, `name="comment"`, `name="consent"`, `name="news"`, `name="show_name"`, `name="website"`} {
			if !strings.Contains(r.body, want) {
				t.Errorf("form lacks %s", want)
			}
		}
		v := e.form(pageEN, signer("Jana <script>alert(1)</script> Nováková", "jana@example.org"))
		v.Set("show_name", "yes")
		v.Set("news", "yes")
		r = e.post(pageEN, v)
		if r.status != 200 || !strings.Contains(r.body, "Check your email") {
			t.Fatalf("sign: %d %s", r.status, r.body)
		}
		p := e.petition("on-call-pay", "en")
		if p.Confirmed != 0 || p.Pending != 1 {
			t.Fatalf("after signing: confirmed %d pending %d", p.Confirmed, p.Pending)
		}
		if r := e.get(pageEN); !strings.Contains(r.body, "0 of 1,000") {
			t.Error("an unconfirmed signature was counted on the page")
		}
		ms := e.mem.to("jana@example.org")
		if len(ms) != 1 {
			t.Fatalf("%d emails", len(ms))
		}
		tok := tokenIn(t, ms[0].Text)
		// Opening the link confirms nothing: a scanner may open it.
		r = e.get("/en/signature/confirm?token=" + tok)
		if r.status != 200 || !strings.Contains(r.body, `name="token" value="`+tok+`"`) {
			t.Fatalf("confirm page: %d %s", r.status, r.body)
		}
		if p := e.petition("on-call-pay", "en"); p.Confirmed != 0 {
			t.Fatal("GET confirmed the signature")
		}
		r = e.post("/en/signature/confirm", url.Values{"token": {tok}})
		if r.status != 200 || !strings.Contains(r.body, "counts") {
			t.Fatalf("confirm: %d %s", r.status, r.body)
		}
		p = e.petition("on-call-pay", "en")
		if p.Confirmed != 1 || p.Pending != 0 {
			t.Fatalf("after confirming: confirmed %d pending %d", p.Confirmed, p.Pending)
		}
		r = e.get(pageEN)
		if !strings.Contains(r.body, "1 of 1,000 signatures") || !strings.Contains(r.body, `value="1"`) {
			t.Errorf("page after confirming: %s", r.body)
		}
		// The public name is shown escaped.
		if !strings.Contains(r.body, "Jana &lt;script&gt;alert(1)&lt;/script&gt; Nováková, Brno") || strings.Contains(r.body, "<script>alert(1)") {
			t.Errorf("public name not shown escaped")
		}
		if r := e.get(pageCS); !strings.Contains(r.body, "Podpisů: 1 z 1\u00a0000") {
			t.Errorf("Czech page count: %s", r.body)
		}
		// A second use of the link changes nothing.
		if r := e.post("/en/signature/confirm", url.Values{"token": {tok}}); r.status != http.StatusNotFound {
			t.Errorf("second confirm: %d", r.status)
		}
		r = e.get("/petitions/on-call-pay/count.json")
		var c countJSON
		if err := json.Unmarshal([]byte(r.body), &c); err != nil || c.Confirmed != 1 || c.Goal != 1000 || !c.Open || r.header.Get("Content-Type") != "application/json" {
			t.Fatalf("count.json: %s %v", r.body, err)
		}
		r = e.get("/petitions/on-call-pay/embed?lang=cs")
		if r.status != 200 || !strings.Contains(r.body, "Podpisů: 1 z 1\u00a0000") || !strings.Contains(r.header.Get("Content-Security-Policy"), "frame-ancestors *") ||
			r.header.Get("X-Frame-Options") != "" || strings.Contains(r.body, "http://") && !strings.Contains(r.body, e.srv.URL) {
			t.Fatalf("embed: %d %v %s", r.status, r.header, r.body)
		}
		if r := e.get(pageEN); strings.Contains(r.header.Get("Content-Security-Policy"), "frame-ancestors *") {
			t.Error("the petition page itself may be framed")
		}
		// Stored sealed: neither the name nor the address in the database.
		raw := dbtest.Raw(t, d)
		for _, s := range []string{"jana@example.org", "Nováková"} {
			if strings.Contains(string(raw), s) {
				t.Errorf("%q stored in the clear", s)
			}
		}
		sigs, err := e.svc.Signers(context.Background(), "on-call-pay")
		if err != nil || len(sigs) != 1 || sigs[0].Signer.Email != "jana@example.org" || !sigs[0].ShowName || !sigs[0].News || sigs[0].Lang != "en" {
			t.Fatalf("signers: %+v %v", sigs, err)
		}
		days, err := e.svc.CountsPerDay(context.Background(), "on-call-pay")
		if err != nil || len(days) != 1 || days[0] != (DayCount{Day: "2026-03-10", Confirmed: 1}) {
			t.Fatalf("per day: %+v %v", days, err)
		}
	})
}

// TestRepeat: a second signature with the same address (any case) gets the
// same answer and a fresh link; the older link stops working; once
// confirmed, a repeat only gets a note. Never counted twice.
func TestRepeat(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newPubEnv(t, d)
		first := e.post(pageEN, e.form(pageEN, signer("Petr", "petr@example.org")))
		second := e.post(pageEN, e.form(pageEN, signer("Petr K.", "Petr@Example.org")))
		fresh := e.post(pageEN, e.form(pageEN, signer("Eva", "eva@example.org")))
		if first.status != 200 || second.status != first.status || second.body != first.body || fresh.body != first.body {
			t.Fatalf("answers differ: %d %d", first.status, second.status)
		}
		ms := append(e.mem.to("petr@example.org"), e.mem.to("Petr@Example.org")...)
		if len(ms) != 2 {
			t.Fatalf("%d emails", len(ms))
		}
		old, nw := tokenIn(t, ms[0].Text), tokenIn(t, ms[1].Text)
		if r := e.post("/en/signature/confirm", url.Values{"token": {old}}); r.status != http.StatusNotFound {
			t.Errorf("old link: %d", r.status)
		}
		if r := e.post("/en/signature/confirm", url.Values{"token": {nw}}); r.status != 200 {
			t.Fatalf("new link: %d", r.status)
		}
		again := e.post(pageEN, e.form(pageEN, signer("Petr", "petr@example.org")))
		if again.body != first.body {
			t.Error("a repeat after confirming answers differently")
		}
		notes := e.mem.to("petr@example.org")
		if last := notes[len(notes)-1]; strings.Contains(last.Text, "confirm?token=") || !strings.Contains(last.Text, "already counts") {
			t.Errorf("repeat after confirming: %q", last.Text)
		}
		p := e.petition("on-call-pay", "en")
		if p.Confirmed != 1 || p.Pending != 1 {
			t.Fatalf("confirmed %d pending %d", p.Confirmed, p.Pending)
		}
	})
}

// TestBadInput: every field's bad input, in both languages, answered with
// the field named and what was typed kept; nothing stored.
func TestBadInput(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newPubEnv(t, d)
		long := strings.Repeat("ž", 101)
		cases := []struct {
			name, field, value, en, cs string
		}{
			{"empty name", "name", "", "Please fill this in.", "Vyplňte prosím."},
			{"long name", "name", long, "at most 100 characters", "nejvýše 100 znaků"},
			{"RTL override", "name", "Jana\u202eovákoN", "characters we cannot accept", "znaky, které nemůžeme přijmout"},
			{"control char", "city", "Brno\x07", "characters we cannot accept", "znaky, které nemůžeme přijmout"},
			{"empty city", "city", " ", "Please fill this in.", "Vyplňte prosím."},
			{"bad email", "email", "jana@", "name@example.org", "jmeno@example.org"},
			{"email with name", "email", "Jana <jana@example.org>", "name@example.org", "jmeno@example.org"},
			{"long workplace", "workplace", strings.Repeat("x", 201), "at most 200 characters", "nejvýše 200 znaků"},
			{"long comment", "comment", strings.Repeat("y", 1001), "at most 1000 characters", "nejvýše 1000 znaků"},
			{"comment control", "comment", "ok\x00", "characters we cannot accept", "znaky, které nemůžeme přijmout"},
			{"no consent", "consent", "", "Please agree", "Potvrďte prosím souhlas"},
		}
		for _, tc := range cases {
			for _, lang := range []string{"en", "cs"} {
				page, want := pageEN, tc.en
				if lang == "cs" {
					page, want = pageCS, tc.cs
				}
				f := signer("Jana <img src=x onerror=alert(1)>", "jana@example.org")
				f["workplace"] = "'; DROP TABLE petition_signatures; --"
				f[tc.field] = tc.value
				r := e.post(page, e.form(page, f))
				if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, want) || !strings.Contains(r.body, `href="#f-`+tc.field+`"`) {
					t.Errorf("%s (%s): %d, want 422 with %q", tc.name, lang, r.status, want)
					continue
				}
				// What was typed is kept (escaped), bar the field in error
				// itself when it was not a text.
				if tc.field != "name" && !strings.Contains(r.body, html.EscapeString("Jana <img src=x onerror=alert(1)>")) {
					t.Errorf("%s (%s): the name typed was not kept", tc.name, lang)
				}
				// (html/template writes a NUL as U+FFFD; the rest stays.)
				kept := strings.TrimRight(strings.TrimSpace(tc.value), "\x00\x07")
				if tc.field != "consent" && kept != "" && !strings.Contains(r.body, html.EscapeString(kept)) {
					t.Errorf("%s (%s): the bad value was not kept", tc.name, lang)
				}
				if strings.Contains(r.body, "<img src=x") {
					t.Errorf("%s (%s): hostile text not escaped", tc.name, lang)
				}
			}
		}
		// A field sent twice.
		v := e.form(pageEN, signer("Jana", "jana@example.org"))
		v.Add("email", "other@example.org")
		if r := e.post(pageEN, v); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "more than once") {
			t.Errorf("duplicate field: %d", r.status)
		}
		v = e.form(pageCS, signer("Jana", "jana@example.org"))
		v.Add("name", "Eva")
		if r := e.post(pageCS, v); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "vícekrát") {
			t.Errorf("duplicate field (cs): %d", r.status)
		}
		// Oversized post: 413, what could be read kept.
		v = e.form(pageEN, signer("Jana Big", "jana@example.org"))
		v.Set("comment", strings.Repeat("z", 40<<10))
		if r := e.post(pageEN, v); r.status != http.StatusRequestEntityTooLarge || !strings.Contains(r.body, "too long") {
			t.Errorf("too large: %d", r.status)
		}
		if p := e.petition("on-call-pay", "en"); p.Pending+p.Confirmed != 0 || len(e.mem.to("jana@example.org")) != 0 {
			t.Fatalf("bad input stored something: %+v", p)
		}
	})
}

// TestSpamGuards: honeypot, a post faster than a person, a forged
// timestamp and a flood from one address are refused without storing.
func TestSpamGuards(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newPubEnv(t, d)
		v := e.form(pageEN, signer("Bot", "bot@example.org"))
		v.Set("website", "http://spam.example")
		if r := e.post(pageEN, v); r.status != http.StatusBadRequest || !strings.Contains(r.body, "could not accept") || !strings.Contains(r.body, "bot@example.org") {
			t.Errorf("honeypot: %d", r.status)
		}
		r := e.get(pageEN)
		ts := htmlUnescape(stampRe.FindStringSubmatch(r.body)[1])
		fast := url.Values{"ts": {ts}, "name": {"Bot"}, "email": {"bot@example.org"}, "city": {"X"}, "consent": {"yes"}}
		if r := e.post(pageEN, fast); r.status != http.StatusBadRequest {
			t.Errorf("too fast: %d", r.status)
		}
		forged := url.Values{"ts": {"1700000000.AAAAAAAAAAAAAAAAAAAAAA"}, "name": {"Bot"}, "email": {"bot@example.org"}, "city": {"X"}, "consent": {"yes"}}
		e.clock.Add(time.Minute)
		if r := e.post(pageEN, forged); r.status != http.StatusBadRequest {
			t.Errorf("forged stamp: %d", r.status)
		}
		e.clock.Add(25 * time.Hour)
		if r := e.post(pageEN, url.Values{"ts": {ts}, "name": {"Late"}, "email": {"late@example.org"}, "city": {"X"}, "consent": {"yes"}}); r.status != http.StatusBadRequest || !strings.Contains(r.body, "more than a day") {
			t.Errorf("stale stamp: %d", r.status)
		}
		if p := e.petition("on-call-pay", "en"); p.Pending != 0 {
			t.Fatal("a refused post was stored")
		}
		// The flood: a limit of 3 per hour from one address.
		e.svc.limit = formguard.NewLimiter(3, time.Hour)
		for i := range 5 {
			r := e.post(pageEN, e.form(pageEN, signer("Flood", fmt.Sprintf("f%d@example.org", i))))
			want := 200
			if i >= 3 {
				want = http.StatusTooManyRequests
			}
			if r.status != want {
				t.Errorf("post %d: %d, want %d", i, r.status, want)
			}
			if i >= 3 && (!strings.Contains(r.body, "Too many") || r.header.Get("Retry-After") == "" || !strings.Contains(r.body, fmt.Sprintf("f%d@example.org", i))) {
				t.Errorf("rate limit answer: %v", r.header)
			}
		}
		if p := e.petition("on-call-pay", "en"); p.Pending != 3 {
			t.Fatalf("pending %d, want 3", p.Pending)
		}
	})
}

// TestClosing: after closes (or closed early) the page shows the result and
// no form; a post and an outstanding link are refused; reopening works
// until erasure.
func TestClosing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newPubEnv(t, d)
		ctx := context.Background()
		r := e.get("/en/petitions/closed/")
		if r.status != 200 || strings.Contains(r.body, `name="email"`) || !strings.Contains(r.body, "Signing has closed. Signatures: 0 (the goal was 5).") {
			t.Fatalf("closed page: %d %s", r.status, r.body)
		}
		if r := e.post("/en/petitions/closed/", url.Values{"name": {"x"}}); r.status != http.StatusConflict {
			t.Errorf("post to closed: %d", r.status)
		}
		// An outstanding link when the organiser closes early.
		e.post(pageEN, e.form(pageEN, signer("Late", "late@example.org")))
		tok := tokenIn(t, e.mem.to("late@example.org")[0].Text)
		actor := &auth.Account{ID: "org-1"}
		if err := e.svc.CloseEarly(ctx, actor, "on-call-pay"); err != nil {
			t.Fatal(err)
		}
		if r := e.get(pageEN); strings.Contains(r.body, `name="email"`) || !strings.Contains(r.body, "Signing has closed") {
			t.Error("form shown after closing early")
		}
		if r := e.post("/en/signature/confirm", url.Values{"token": {tok}}); r.status != http.StatusConflict {
			t.Errorf("confirm after closing: %d", r.status)
		}
		if r := e.post(pageEN, e.form2(pageEN)); r.status != http.StatusConflict {
			t.Errorf("sign after closing: %d", r.status)
		}
		if err := e.svc.Reopen(ctx, actor, "on-call-pay"); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.Reopen(ctx, actor, "on-call-pay"); err != ErrNotEarly {
			t.Errorf("second reopen: %v", err)
		}
		if r := e.post("/en/signature/confirm", url.Values{"token": {tok}}); r.status != 200 {
			t.Errorf("confirm after reopening: %d", r.status)
		}
		entries, err := auth.AuditFor(ctx, d, "petition", "on-call-pay")
		actions := map[string]string{}
		for _, en := range entries {
			actions[en.Action] = en.ActorID
		}
		if err != nil || len(entries) != 2 || actions["petition.close"] != "org-1" || actions["petition.reopen"] != "org-1" {
			t.Fatalf("audit: %+v %v", entries, err)
		}
		// The declared closing time passing closes it too.
		e.clock.Add(11 * 24 * time.Hour)
		if r := e.get("/en/petitions/plain/"); strings.Contains(r.body, `name="email"`) {
			t.Error("form shown after closes")
		}
	})
}

// form2 is a valid form for page whose timestamp is taken while it is
// still open (the test then closes it).
func (e *pubEnv) form2(page string) url.Values {
	e.t.Helper()
	v := url.Values{"ts": {e.svc.stamp.Stamp(e.clock.Now().Add(-time.Minute))}}
	for k, x := range signer("Someone", "someone@example.org") {
		v.Set(k, x)
	}
	return v
}

// TestMember: a member signed in to the portal signs with one click,
// counted at once; a second click changes nothing.
func TestMember(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newPubEnv(t, d)
		e.member = &MemberSigner{ID: "m1", Name: "Marta Členová", Email: "marta@example.org", City: "Plzeň"}
		ck := &http.Cookie{Name: "test_member", Value: "1"}
		// A visitor's view in the same second is kept for visitors only.
		if r := e.get(pageCS); strings.Contains(r.body, "Podepsat jako") {
			t.Fatal("a visitor sees the member's button")
		}
		req, _ := http.NewRequest(http.MethodGet, e.srv.URL+pageCS, nil)
		req.AddCookie(ck)
		r := e.do(req)
		if !strings.Contains(r.body, "Podepsat jako Marta Členová") || strings.Contains(r.body, `name="email"`) {
			t.Fatalf("member page: %s", r.body)
		}
		for range 2 {
			r = e.post(pageCS, url.Values{"action": {"member"}, "show_name": {"yes"}}, ck)
			if r.status != 200 || !strings.Contains(r.body, "Děkujeme za podpis") {
				t.Fatalf("one click: %d %s", r.status, r.body)
			}
		}
		p := e.petition("on-call-pay", "cs")
		if p.Confirmed != 1 || p.Pending != 0 {
			t.Fatalf("confirmed %d pending %d", p.Confirmed, p.Pending)
		}
		sigs, _ := e.svc.Signers(context.Background(), "on-call-pay")
		if len(sigs) != 1 || !sigs[0].Member || sigs[0].Signer.City != "Plzeň" || sigs[0].Lang != "cs" {
			t.Fatalf("signature: %+v", sigs)
		}
		// Without the session the action is refused, nothing stored.
		if r := e.post(pageCS, url.Values{"action": {"member"}}); r.status != http.StatusBadRequest {
			t.Errorf("member action without session: %d", r.status)
		}
		// The same address signing by the form later gets the note only.
		e.post(pageEN, e.form(pageEN, signer("Marta", "marta@example.org")))
		if p := e.petition("on-call-pay", "en"); p.Confirmed != 1 || p.Pending != 0 {
			t.Fatalf("after form repeat: %+v", p)
		}
	})
}

// TestErasure: eraseAfterDays after closing, the sweep erases personal
// data and deletes unconfirmed signatures; counts and days stay.
func TestErasure(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newPubEnv(t, d)
		ctx := context.Background()
		const page = "/en/petitions/plain/"
		e.post(page, e.form(page, signer("Ana", "ana@example.org")))
		e.post(page, e.form(page, signer("Bo", "bo@example.org")))
		tok := tokenIn(t, e.mem.to("ana@example.org")[0].Text)
		if r := e.post("/en/signature/confirm", url.Values{"token": {tok}}); r.status != 200 {
			t.Fatal(r.status)
		}
		if n, err := e.svc.EraseDue(ctx); err != nil || n != 0 {
			t.Fatalf("erased while open: %d %v", n, err)
		}
		e.clock.Add(10*24*time.Hour + 89*24*time.Hour) // closes 20 March + 89 days
		if _, err := e.svc.EraseDue(ctx); err != nil || e.petition("plain", "en").Erased() {
			t.Fatalf("erased early: %v", err)
		}
		e.clock.Add(2 * 24 * time.Hour)
		if _, err := e.svc.EraseDue(ctx); err != nil || !e.petition("plain", "en").Erased() {
			t.Fatalf("not erased: %v", err)
		}
		sigs, err := e.svc.Signers(ctx, "plain")
		if err != nil || len(sigs) != 1 || !sigs[0].Erased || sigs[0].Signer != (Signer{}) {
			t.Fatalf("after erasure: %+v %v", sigs, err)
		}
		p := e.petition("plain", "en")
		if p.Confirmed != 1 || p.Pending != 0 || !p.Erased() {
			t.Fatalf("state: %+v", p)
		}
		if days, _ := e.svc.CountsPerDay(ctx, "plain"); len(days) != 1 || days[0].Confirmed != 1 {
			t.Fatalf("days: %+v", days)
		}
		var n int
		if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM petition_signatures WHERE data IS NOT NULL OR email_bidx IS NOT NULL OR token_hash IS NOT NULL`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("personal data left: %d %v", n, err)
		}
		if r := e.get(page); !strings.Contains(r.body, "Signatures: 1 (the goal was 10).") {
			t.Errorf("page after erasure: %s", r.body)
		}
	})
}

// TestMessages: Czech and English have the same keys.
func TestMessages(t *testing.T) {
	var m map[string]map[string]string
	if err := json.Unmarshal(messagesJSON, &m); err != nil {
		t.Fatal(err)
	}
	for k := range m["en"] {
		if _, ok := m["cs"][k]; !ok {
			t.Errorf("cs lacks %s", k)
		}
	}
	for k := range m["cs"] {
		if _, ok := m["en"][k]; !ok {
			t.Errorf("en lacks %s", k)
		}
	}
}

// TestMessageSigners: Service.Message reaches every confirmed signer, in
// the language they signed in, not the pending ones, and is audited.
func TestMessageSigners(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newPubEnv(t, d)
		ctx := context.Background()
		e.post(pageCS, e.form(pageCS, signer("Olga", "olga@example.org")))
		e.post(pageEN, e.form(pageEN, signer("Pending", "pend@example.org")))
		if r := e.post("/cs/signature/confirm", url.Values{"token": {tokenIn(t, e.mem.to("olga@example.org")[0].Text)}}); r.status != 200 {
			t.Fatal(r.status)
		}
		actor := &auth.Account{ID: "org-2"}
		if _, err := e.svc.Message(ctx, actor, "on-call-pay", "Bad\nsubject", "x"); err == nil {
			t.Error("a subject with a line break was accepted")
		}
		n, err := e.svc.Message(ctx, actor, "on-call-pay", "We delivered it", "Thank you all.")
		if err != nil || n != 1 {
			t.Fatalf("message: %d %v", n, err)
		}
		ms := e.mem.to("olga@example.org")
		if last := ms[len(ms)-1]; last.Subject != "We delivered it" || !strings.Contains(last.Text, "Organizátoři píší") || !strings.Contains(last.Text, "Thank you all.") {
			t.Errorf("message: %+v", last)
		}
		if len(e.mem.to("pend@example.org")) != 1 {
			t.Error("a pending signer was written to")
		}
		entries, _ := auth.AuditFor(ctx, d, "petition", "on-call-pay")
		if len(entries) != 1 || entries[0].Action != "petition.message" || entries[0].ActorID != "org-2" {
			t.Errorf("audit: %+v", entries)
		}
	})
}
