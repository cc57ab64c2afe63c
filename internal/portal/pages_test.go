package portal

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"unionhall/internal/auth"
	"unionhall/internal/db"
	"unionhall/internal/dbtest"
)

func goodDetails() url.Values {
	return url.Values{"email": {"jana@posta.example"}, "first_name": {"Jana"}, "last_name": {"Dvořáková"},
		"date_of_birth": {"1990-05-31"}, "address": {""}, "city": {"Praha"}, "postal_code": {"186 00"},
		"phone_number": {"+420 777 000 111"}, "company_name": {"Kvádr s.r.o."}, "lang": {"cs"}}
}

func auditActions(t *testing.T, d *db.DB, id string) []string {
	t.Helper()
	rows, err := d.Query(context.Background(), `SELECT action, detail FROM audit WHERE subject_id = ? ORDER BY at, id`, id)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var a, det string
		rows.Scan(&a, &det)
		out = append(out, a+": "+det)
	}
	return out
}

// TestEditDetails: a member corrects their phone number and language;
// the audit names the fields, never the values; an email change tells the
// committee and the new address signs in.
func TestEditDetails(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, 0)
		id := e.addMember(3, "jana@posta.example", "Jana", "en")
		c := e.client()
		c.signIn("jana@posta.example", "en")
		st, body := c.get("/en/member/details")
		if st != 200 || !strings.Contains(body, `value="601 234 567"`) {
			t.Fatalf("details form: %d", st)
		}
		st, _ = c.post("/en/member/details", goodDetails())
		if st != http.StatusSeeOther {
			t.Fatalf("save: %d", st)
		}
		m, err := e.svc.d.Registry.Member(context.Background(), id)
		if err != nil || m.Contact.Phone != "+420 777 000 111" || m.Lang != "cs" || m.Contact.PostalCode != "186 00" {
			t.Fatalf("saved: %+v %v", m, err)
		}
		trail := strings.Join(auditActions(t, d, id), "\n")
		if !strings.Contains(trail, "member.edit: changed: postal code, phone, language (by the member)") || strings.Contains(trail, "777") {
			t.Errorf("audit: %s", trail)
		}
		if _, body := c.get("/en/member/?saved=1"); !strings.Contains(body, "777 000 111") || !strings.Contains(body, "have been saved") {
			t.Error("home does not show the saved details")
		}
		// The email: committee told, new address signs in, old does not.
		f := goodDetails()
		f.Set("email", "Jana.New@Posta.example")
		if st, _ := c.post("/en/member/details", f); st != http.StatusSeeOther {
			t.Fatalf("email change: %d", st)
		}
		notes := e.out.to("committee@union.example")
		if len(notes) != 1 || !strings.Contains(notes[0].Text, "number 3") || strings.Contains(notes[0].Text, "jana") {
			t.Errorf("committee notice: %+v", notes)
		}
		fresh := e.client()
		fresh.signIn("jana.new@posta.example", "en")
		fresh.post("/en/member/signin", url.Values{"email": {"jana@posta.example"}})
		e.svc.Wait()
		if n := len(e.out.to("jana@posta.example")); n != 1 {
			t.Errorf("the old address got %d emails, want only the first sign-in link", n)
		}
		// Another member's email is refused, with what was typed kept.
		e.addMember(4, "petr@posta.example", "Petr", "cs")
		f.Set("email", "petr@posta.example")
		if st, body := c.post("/en/member/details", f); st != http.StatusConflict || !strings.Contains(body, "Another member") || !strings.Contains(body, `value="petr@posta.example"`) {
			t.Errorf("taken email: %d", st)
		}
	})
}

// TestDetailsBadInput sends the usual bad inputs in both languages: the
// form comes back with a message in the page's language by the field,
// what was typed kept (escaped), and nothing stored.
func TestDetailsBadInput(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, 0)
		id := e.addMember(3, "jana@posta.example", "Jana", "en")
		c := e.client()
		c.signIn("jana@posta.example", "en")
		cases := []struct {
			name, field, value string
			en, cs             string
		}{
			{"empty", "first_name", "", "Please fill this in", "Vyplňte prosím"},
			{"oversized", "city", strings.Repeat("x", 101), "too long", "Příliš dlouhé"},
			{"script", "last_name", "<script>alert(1)</script>", "", ""},
			{"sql", "address", "'; DROP TABLE members; --", "", ""},
			{"control", "first_name", "Ja\x07na", "control characters", "řídicí znaky"},
			{"rtl", "last_name", "Nov\u202eáková", "reverse the direction", "obracejí směr"},
			{"bad email", "email", "jana@", "not an email", "není e-mailová"},
			{"bad date", "date_of_birth", "31.5.1990", "YYYY-MM-DD", "RRRR-MM-DD"},
			{"future date", "date_of_birth", "2030-01-01", "not plausible", "není věrohodné"},
			{"bad phone", "phone_number", "call me", "digits", "číslice"},
			{"bad lang", "lang", "xx", "offered languages", "nabízených"},
		}
		for _, lang := range []string{"en", "cs"} {
			for _, tc := range cases {
				f := goodDetails()
				f.Set(tc.field, tc.value)
				f.Set("address", "Keep this street 1")
				st, body := c.post(Base(lang)+"details", f)
				want := tc.en
				if lang == "cs" {
					want = tc.cs
				}
				if want == "" {
					// Hostile but valid text is stored as text, escaped when shown.
					if st != http.StatusSeeOther {
						t.Errorf("%s %s: %d", lang, tc.name, st)
					}
					if _, home := c.get(Base(lang)); strings.Contains(home, "<script>alert") {
						t.Errorf("%s: markup not escaped", tc.name)
					}
					continue
				}
				if st != http.StatusUnprocessableEntity || !strings.Contains(body, want) || !strings.Contains(body, `role="alert"`) {
					t.Errorf("%s %s: %d, want 422 with %q", lang, tc.name, st, want)
				}
				if !strings.Contains(body, `value="Keep this street 1"`) {
					t.Errorf("%s %s: the other fields were not kept", lang, tc.name)
				}
				if tc.name == "control" && !strings.Contains(body, `value="Ja�na"`) {
					t.Errorf("control character not shown as �")
				}
			}
		}
		// Oversized body: refused, nothing stored.
		huge := goodDetails()
		huge.Set("address", strings.Repeat("a", 40<<10))
		if st, _ := c.post("/en/member/details", huge); st != http.StatusBadRequest {
			t.Errorf("oversized body: %d", st)
		}
		m, _ := e.svc.d.Registry.Member(context.Background(), id)
		if m.Contact.FirstName != "Jana" || m.Contact.Address == "Keep this street 1" && m.Contact.LastName == "" {
			t.Errorf("a refused form changed the record: %+v", m.Contact)
		}
		// The sign-in form too.
		anon := e.client()
		for lang, want := range map[string]string{"cs": "Toto není e-mailová adresa", "en": "This is not an email address"} {
			for _, v := range []string{"", "not-an-email", "<script>@x", strings.Repeat("a", 300) + "@x.cz", "a\u202e@posta.example", "' OR 1=1 --@x.cz"} {
				st, body := anon.post(Base(lang)+"signin", url.Values{"email": {v}})
				if st != http.StatusBadRequest || !strings.Contains(body, want) || strings.Contains(body, "<script>@") {
					t.Errorf("%s sign-in with %.20q: %d", lang, v, st)
				}
			}
			// The leave confirmation without its box, and a link page with
			// a hostile token, in this language too.
			if st, body := c.post(Base(lang)+"leave", url.Values{"step": {"confirm"}}); st != http.StatusUnprocessableEntity || !strings.Contains(body, `role="alert"`) {
				t.Errorf("%s leave without the box: %d", lang, st)
			}
			if st, body := anon.get(Base(lang) + "link?token=%22%3E%3Cscript%3E"); st != 200 || strings.Contains(body, "<script>") {
				t.Errorf("%s link page with a hostile token: %d", lang, st)
			}
		}
	})
}

// TestNoOtherMember tries every portal URL with one member's session and
// the other member's id in every place an id could go: only the signed-in
// member's own data is ever shown.
func TestNoOtherMember(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, 30*24*time.Hour)
		e.addMember(1, "jana@posta.example", "Jana", "en")
		other := e.addMember(2, "petr@posta.example", "Petr", "en")
		c := e.client()
		c.signIn("jana@posta.example", "en")
		var paths []string
		for _, p := range []string{"", "details", "application.pdf", "export.json", "export.pdf", "leave"} {
			paths = append(paths, "/en/member/"+p, "/en/member/"+p+"?id="+other+"&member="+other+"&number=2",
				"/en/member/"+p+"/"+other, "/en/member/"+other+"/"+p)
		}
		for _, p := range paths {
			for _, method := range []string{"GET", "POST"} {
				form := url.Values{"id": {other}, "member_id": {other}}
				if method == "GET" {
					form = nil
				}
				_, body, _ := c.do(method, p, form, "")
				if strings.Contains(body, "Petr") || strings.Contains(body, "petr@") || strings.Contains(body, "Workplace of Petr") {
					t.Errorf("%s %s shows the other member", method, p)
				}
			}
		}
		// The other member's record is untouched and they are still in.
		m, _ := e.svc.d.Registry.Member(context.Background(), other)
		if m.LeaveRequestedAt != nil || m.Contact.FirstName != "Petr" {
			t.Errorf("the other member changed: %+v", m)
		}
	})
}

// TestExport: JSON with the documented field names and the member's own
// data only, a PDF in the member's language, both recorded in the audit.
func TestExport(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, 0)
		id := e.addMember(12, "jana@posta.example", "Jana", "cs")
		e.addMember(13, "petr@posta.example", "Petr", "cs")
		c := e.client()
		c.signIn("jana@posta.example", "en")
		st, body, h := c.do("GET", "/en/member/export.json", nil, "")
		if st != 200 || !strings.HasPrefix(h.Get("Content-Type"), "application/json") || !strings.Contains(h.Get("Content-Disposition"), "attachment") {
			t.Fatalf("export.json: %d %v", st, h)
		}
		var x map[string]any
		if err := json.Unmarshal([]byte(body), &x); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"format", "version", "generated_at", "membership", "contact", "workplaces", "occupations",
			"application", "event_registrations", "consents", "committee_notes", "history"} {
			if _, ok := x[k]; !ok {
				t.Errorf("export lacks %q", k)
			}
		}
		if x["format"] != ExportFormat || x["membership"].(map[string]any)["variable_symbol"] != "12" ||
			x["contact"].(map[string]any)["first_name"] != "Jana" || x["workplaces"].([]any)[0] != "Workplace of Jana" {
			t.Errorf("export content: %.600s", body)
		}
		if strings.Contains(body, "Petr") {
			t.Error("export holds another member")
		}
		st, pdf, h := c.do("GET", "/cs/clen/export.pdf", nil, "")
		if st != 200 || !strings.HasPrefix(pdf, "%PDF-") || h.Get("Content-Type") != "application/pdf" {
			t.Fatalf("export.pdf: %d %.20q", st, pdf)
		}
		trail := strings.Join(auditActions(t, d, id), "\n")
		if !strings.Contains(trail, "member.export: json") || !strings.Contains(trail, "member.export: pdf") {
			t.Errorf("exports not in the audit: %s", trail)
		}
		// No application on file: the PDF link answers 404, not another's.
		if st, _ := c.get("/en/member/application.pdf"); st != http.StatusNotFound {
			t.Errorf("application.pdf without one: %d", st)
		}
	})
}

// TestLeave: two steps; the request goes to the registry's queue, the
// member and the committee are told; the member may withdraw it; once the
// committee records the leaving, the retention sweep erases the personal
// data after the retention period, keeping the member number.
func TestLeave(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, 30*24*time.Hour)
		id := e.addMember(21, "jana@posta.example", "Jana", "cs")
		c := e.client()
		c.signIn("jana@posta.example", "cs")
		ctx := context.Background()
		if st, body := c.get("/cs/clen/leave"); st != 200 || !strings.Contains(body, "30 dní") {
			t.Fatalf("leave page: %d %.300s", st, body)
		}
		if st, body := c.post("/cs/clen/leave", url.Values{}); st != 200 || !strings.Contains(body, `name="confirm"`) {
			t.Fatalf("step 1: %d", st)
		}
		if st, body := c.post("/cs/clen/leave", url.Values{"step": {"confirm"}}); st != http.StatusUnprocessableEntity || !strings.Contains(body, "Zaškrtněte") {
			t.Fatalf("step 2 without the box: %d", st)
		}
		if m, _ := e.svc.d.Registry.Member(ctx, id); m.LeaveRequestedAt != nil {
			t.Fatal("asked without confirming")
		}
		confirm := url.Values{"step": {"confirm"}, "confirm": {"yes"}}
		if st, _ := c.post("/cs/clen/leave", confirm); st != 200 {
			t.Fatalf("confirm: %d", st)
		}
		if st, _ := c.post("/cs/clen/leave", confirm); st != http.StatusConflict {
			t.Errorf("twice: %d", st)
		}
		mine := e.out.to("jana@posta.example")
		if len(mine) != 2 || !strings.Contains(mine[1].Text, "30 dní") || !strings.Contains(mine[1].Subject, "vystoupení") {
			t.Errorf("member email: %+v", mine)
		}
		if n := len(e.out.to("committee@union.example")); n != 1 {
			t.Errorf("%d committee notices", n)
		}
		queue, err := e.reg.LeaveRequests(ctx, &auth.Account{ID: "chair", Roles: auth.Roles})
		if err != nil || len(queue) != 1 || queue[0].Number != 21 {
			t.Fatalf("committee queue: %+v %v", queue, err)
		}
		// Withdrawn, and asked again.
		if st, body := c.get("/cs/clen/"); !strings.Contains(body, `id="withdraw"`) {
			t.Fatalf("home lacks the withdraw button: %d", st)
		}
		if st, _ := c.post("/cs/clen/leave", url.Values{"step": {"withdraw"}}); st != http.StatusSeeOther {
			t.Fatalf("withdraw: %d", st)
		}
		if m, _ := e.svc.d.Registry.Member(ctx, id); m.LeaveRequestedAt != nil {
			t.Fatal("not withdrawn")
		}
		if st, _ := c.post("/cs/clen/leave", confirm); st != 200 {
			t.Fatalf("ask again: %d", st)
		}
		// The committee records the leaving; nothing is erased before its time.
		if err := e.reg.RecordLeaving(ctx, &auth.Account{ID: "chair", Roles: auth.Roles}, id, false); err != nil {
			t.Fatal(err)
		}
		if st, body := c.get("/cs/clen/"); st != 200 || !strings.Contains(body, "budou smazány 2026-04-01") {
			t.Errorf("home after leaving: %d", st)
		}
		if st, _ := c.get("/cs/clen/export.json"); st != 200 {
			t.Errorf("export after leaving: %d", st)
		}
		e.clock.Add(29 * 24 * time.Hour)
		if n, err := e.svc.EraseDue(ctx); err != nil || n != 0 {
			t.Fatalf("erased early: %d %v", n, err)
		}
		e.clock.Add(24*time.Hour + time.Minute)
		if n, err := e.svc.EraseDue(ctx); err != nil || n != 1 {
			t.Fatalf("erase: %d %v", n, err)
		}
		m, _ := e.svc.d.Registry.Member(ctx, id)
		if !m.Erased || m.Number != 21 || m.Contact.Email != "" || len(m.Occupations) != 0 || len(m.Workplaces) != 1 {
			t.Errorf("after erasure: %+v", m)
		}
		if st, body := c.get("/cs/clen/"); st != 200 || !strings.Contains(body, `name="email"`) {
			t.Errorf("session survived the erasure: %d", st)
		}
		if !strings.Contains(strings.Join(auditActions(t, d, id), "\n"), "member.leave: personal data erased") {
			t.Error("erasure not in the audit")
		}
	})
}

// TestLeaveAtOnce: with erase_after_days = 0 the data goes at the first
// sweep after the committee recorded the leaving.
func TestLeaveAtOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, 0)
		id := e.addMember(5, "jana@posta.example", "Jana", "en")
		c := e.client()
		c.signIn("jana@posta.example", "en")
		if st, _ := c.post("/en/member/leave", url.Values{"step": {"confirm"}, "confirm": {"yes"}}); st != 200 {
			t.Fatalf("leave: %d", st)
		}
		if mine := e.out.to("jana@posta.example"); len(mine) != 2 || !strings.Contains(mine[1].Text, "as soon as you have left") {
			t.Errorf("member email: %+v", mine)
		}
		ctx := context.Background()
		if err := e.reg.RecordLeaving(ctx, &auth.Account{ID: "chair", Roles: auth.Roles}, id, false); err != nil {
			t.Fatal(err)
		}
		e.clock.Add(time.Second)
		if n, err := e.svc.EraseDue(ctx); err != nil || n != 1 {
			t.Fatalf("sweep: %d %v", n, err)
		}
		if m, _ := e.svc.d.Registry.Member(ctx, id); !m.Erased || m.Number != 5 {
			t.Errorf("not erased: %+v", m)
		}
	})
}

// TestConsoleErasureEndsPortalSessions: the committee's "leave and erase"
// signs the member out of the portal in the same transaction.
func TestConsoleErasureEndsPortalSessions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, 30*24*time.Hour)
		id := e.addMember(8, "jana@posta.example", "Jana", "en")
		c := e.client()
		c.signIn("jana@posta.example", "en")
		if err := e.reg.RecordLeaving(context.Background(), &auth.Account{ID: "chair", Roles: auth.Roles}, id, true); err != nil {
			t.Fatal(err)
		}
		if st, body := c.get("/en/member/"); st != 200 || !strings.Contains(body, `name="email"`) || strings.Contains(body, "Jana") {
			t.Errorf("still signed in after the console's erasure: %d", st)
		}
	})
}

// lockedBuffer collects log output from several goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// TestNoPersonalDataInLogsOrURLs walks the portal with every log line
// (debug level, the access log included) kept: sign-in for a member and a
// stranger, a refused and a saved edit, exports, leaving. No email, name,
// phone or token appears in the log, and no redirect carries one.
func TestNoPersonalDataInLogsOrURLs(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		var buf lockedBuffer
		logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
		e := newEnvLog(t, d, 0, logger)
		e.addMember(9, "jana@posta.example", "Jana", "en")
		c := e.client()
		c.signIn("jana@posta.example", "en")
		c.post("/en/member/signin", url.Values{"email": {"stranger@posta.example"}})
		f := goodDetails()
		f.Set("phone_number", "call me 601")
		c.post("/en/member/details", f)
		f.Set("phone_number", "777 000 111")
		_, _, h := c.do("POST", "/en/member/details", f, "")
		if loc := h.Get("Location"); strings.ContainsAny(loc, "@") || strings.Contains(loc, "777") {
			t.Errorf("redirect carries personal data: %s", loc)
		}
		c.get("/en/member/export.json")
		c.get("/en/member/export.pdf")
		c.post("/en/member/leave", url.Values{"step": {"confirm"}, "confirm": {"yes"}})
		e.svc.Wait()
		log := buf.String()
		if !strings.Contains(log, "/en/member/") {
			t.Fatalf("the access log did not run: %q", log)
		}
		// (Phone numbers as typed, with their spaces: bare digits turn up in
		// durations.)
		for _, pd := range []string{"jana", "posta.example", "stranger", "Dvořáková", "601 234 567", "777 000 111", "call me", "Praha", "Kvádr", "token="} {
			if strings.Contains(log, pd) {
				t.Errorf("log holds %q: %s", pd, log[max(0, strings.Index(log, pd)-200):min(len(log), strings.Index(log, pd)+100)])
			}
		}
	})
}
