package admin_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"unionhall/internal/admin"
	"unionhall/internal/auth"
	"unionhall/internal/db"
	"unionhall/internal/dbtest"
	"unionhall/internal/events"
	"unionhall/internal/members"
)

// snapshot is everything a console form could change, as text: the rows
// of the tables the console writes (audit entries too, but for the ".view"
// entries that record an opening of a page, which a form shown again is)
// and the emails queued.
func (r *rig) snapshot(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	for _, q := range []string{
		`SELECT * FROM members ORDER BY id`,
		`SELECT * FROM member_occupations ORDER BY id`,
		`SELECT * FROM member_workplaces ORDER BY member_id, workplace_id`,
		`SELECT * FROM notes ORDER BY id`,
		`SELECT * FROM applications ORDER BY id`,
		`SELECT * FROM workplaces ORDER BY id`,
		`SELECT * FROM email_templates ORDER BY name, lang`,
		`SELECT id, roles, disabled_at FROM accounts ORDER BY id`,
		`SELECT * FROM account_workplaces ORDER BY account_id, workplace_id`,
		`SELECT * FROM counters ORDER BY name`,
		`SELECT id, kind FROM jobs ORDER BY id`,
		`SELECT * FROM event_registrations ORDER BY id`,
		`SELECT * FROM event_state ORDER BY 1`,
		`SELECT id, actor_id, action, subject_type, subject_id, detail FROM audit WHERE action NOT LIKE '%.view' ORDER BY id`,
	} {
		rows, err := r.d.Query(ctx, q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&b, "%q\n", vals)
		}
		rows.Close()
		b.WriteString("--\n")
	}
	r.box.mu.Lock()
	fmt.Fprintf(&b, "outbox %d\n", len(r.box.msgs))
	r.box.mu.Unlock()
	return b.String()
}

// formCase is one bad submission of a console form.
type formCase struct {
	name   string
	method string // POST unless set
	path   string
	form   url.Values
	code   int
	field  string // the id the message is next to, "" for the whole form
	en, cs string // the message (a part of it) in each language
	kept   []string
}

// hostile is markup a person might paste (or an attacker try): it must come
// back as text, escaped, in the field.
const (
	hostile        = `<script>alert("x")</script> O'Brien`
	hostileEscaped = `&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; O&#39;Brien`
)

// TestFormsKeepInputAndSayWhatToFix: every console form that takes typed
// input answers empty, oversized, malformed and hostile input (and the
// conflicts a person can resolve) with the same page again: 422 (409 for a
// conflict), the error summary linking to the field, the message next to
// the field in Czech and in English, what was typed still in the field and
// escaped — and nothing stored changes.
func TestFormsKeepInputAndSayWhatToFix(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		r := newRig(t, d)
		ctx := context.Background()
		boss, me := r.login(t, "boss@example.org", auth.Roles, nil)
		_, other := r.login(t, "other@example.org", []string{auth.ListMembers}, nil)
		app := r.addApplication(t, admin.StateProcessing, applicant("Jana", "Dvořáková", "jana@example.org"))
		member, number, err := r.reg.AddMember(ctx, super, members.MemberData{FirstName: "Olga", LastName: "Veselá", Email: "olga@example.org",
			City: "Brno", DateOfBirth: "1980-01-02", Lang: "cs"}, "Welder", 0, false)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.reg.AddNote(ctx, super, "member", member, "first note"); err != nil {
			t.Fatal(err)
		}
		noMail, _, _ := r.reg.AddMember(ctx, super, members.MemberData{FirstName: "Pavel"}, "", 0, false)
		left, _, _ := r.reg.AddMember(ctx, super, members.MemberData{FirstName: "Ludmila"}, "", 0, false)
		if err := r.reg.RecordLeaving(ctx, super, left, false); err != nil {
			t.Fatal(err)
		}
		wp, _ := r.reg.SaveWorkplace(ctx, super, members.Workplace{Name: "Depot", ContactEmail: "depot@example.org", Description: "Trams"})
		annex, _ := r.reg.SaveWorkplace(ctx, super, members.Workplace{Name: "Annex"})
		r.signup(t, "Ana", "ana@example.org", nil)
		event := "/admin/events/" + events.EventID(doorKey)
		taken := strconv.FormatInt(number, 10)
		long := func(n int) string { return strings.Repeat("é", n) }
		msg := func(kv ...string) url.Values {
			v := url.Values{"audience": {"all"}, "subject": {"Room"}, "text": {"We meet in room 2."}, "op": {"send"}}
			for i := 0; i < len(kv); i += 2 {
				v.Set(kv[i], kv[i+1])
			}
			return v
		}
		const (
			needName     = "A member needs a name"
			needNameCS   = "Člen musí mít jméno"
			fill         = "Fill this in."
			fillCS       = "Toto pole je třeba vyplnit."
			bidi         = "changes the direction of text (such as U&#43;202E), shown here as �"
			bidiCS       = "mění směr textu (například U&#43;202E), zde zobrazený jako �"
			control      = "invisible control character"
			controlCS    = "neviditelný řídicí znak"
			encoding     = "not valid text"
			encodingCS   = "nejsou platným textem"
			notEmail     = "Not an email address; write it as name@example.org."
			notEmailCS   = "Toto není e-mailová adresa"
			wrongState   = "not possible in the record&#39;s current state"
			wrongStateCS = "tento úkon nelze provést"
			choose       = "Choose one of the options offered."
			chooseCS     = "Vyberte jednu z nabízených možností."
		)
		tooLong := func(max, n int) (string, string) {
			return fmt.Sprintf("Too long: at most %d characters (now %d).", max, n), fmt.Sprintf("Příliš dlouhé: nejvýše %d znaků (nyní %d).", max, n)
		}
		tl100en, tl100cs := tooLong(100, 101)
		tl5000en, tl5000cs := tooLong(5000, 5001)
		tl200en, tl200cs := tooLong(200, 201)
		cases := []formCase{
			// Adding a member by hand.
			{name: "new member empty", path: "/admin/members/new", form: url.Values{"first_name": {""}, "last_name": {" "}},
				code: 422, field: "first_name", en: needName, cs: needNameCS},
			{name: "new member oversized", path: "/admin/members/new", form: url.Values{"first_name": {long(101)}, "city": {"Brno"}},
				code: 422, field: "first_name", en: tl100en, cs: tl100cs, kept: []string{`value="` + long(101) + `"`, `value="Brno"`}},
			{name: "new member malformed email", path: "/admin/members/new", form: url.Values{"first_name": {"Jana"}, "email": {"jana(at)example.org"}},
				code: 422, field: "email", en: notEmail, cs: notEmailCS, kept: []string{`value="jana(at)example.org"`, `value="Jana"`}},
			{name: "new member malformed date", path: "/admin/members/new", form: url.Values{"first_name": {"Jana"}, "date_of_birth": {"31. 2. 1990"}},
				code: 422, field: "date_of_birth", en: "Not a date", cs: "Toto není datum", kept: []string{`value="31. 2. 1990"`}},
			{name: "new member future date", path: "/admin/members/new", form: url.Values{"first_name": {"Jana"}, "date_of_birth": {"2999-01-01"}},
				code: 422, field: "date_of_birth", en: "between the year 1900 and today", cs: "mezi rokem 1900 a dneškem"},
			{name: "new member malformed number", path: "/admin/members/new", form: url.Values{"first_name": {"Jana"}, "number": {"12a"}},
				code: 422, field: "number", en: "whole number from 1 to 999999999", cs: "celé číslo od 1 do 999999999", kept: []string{`value="12a"`}},
			{name: "new member malformed language", path: "/admin/members/new", form: url.Values{"first_name": {"Jana"}, "lang": {"c$"}},
				code: 422, field: "lang", en: "language code", cs: "kód jazyka", kept: []string{`value="c$"`}},
			{name: "new member hostile", path: "/admin/members/new", form: url.Values{"first_name": {hostile}, "last_name": {"Nov\u202Eá"}},
				code: 422, field: "last_name", en: bidi, cs: bidiCS, kept: []string{`value="` + hostileEscaped + `"`, `value="Nov�á"`}},
			{name: "new member taken number", path: "/admin/members/new", form: url.Values{"first_name": {"Jana"}, "number": {taken}},
				code: 409, field: "number", en: "already taken", cs: "už je obsazené", kept: []string{`value="` + taken + `"`, `value="Jana"`}},
			// Editing a member's contact data.
			{name: "edit member empty", path: "/admin/members/" + member + "/edit", form: url.Values{"first_name": {""}, "last_name": {""}, "city": {""}},
				code: 422, field: "first_name", en: needName, cs: needNameCS},
			{name: "edit member oversized", path: "/admin/members/" + member + "/edit", form: url.Values{"first_name": {"Olga"}, "city": {long(101)}},
				code: 422, field: "city", en: tl100en, cs: tl100cs, kept: []string{`value="` + long(101) + `"`}},
			{name: "edit member malformed", path: "/admin/members/" + member + "/edit", form: url.Values{"first_name": {"Olga"}, "email": {"olga@"}, "date_of_birth": {"1990-13-01"}},
				code: 422, field: "email", en: notEmail, cs: notEmailCS, kept: []string{`value="olga@"`, `value="1990-13-01"`, `id="err-date_of_birth"`}},
			{name: "edit member hostile", path: "/admin/members/" + member + "/edit", form: url.Values{"first_name": {hostile}, "phone": {"777\a123"}},
				code: 422, field: "phone", en: control, cs: controlCS, kept: []string{`value="` + hostileEscaped + `"`, `value="777�123"`}},
			// Notes and occupations on a member.
			{name: "member note empty", path: "/admin/members/" + member + "/notes", form: url.Values{"note": {"  \n "}},
				code: 422, field: "note", en: fill, cs: fillCS},
			{name: "member note oversized", path: "/admin/members/" + member + "/notes", form: url.Values{"note": {strings.Repeat("x", 5001)}},
				code: 422, field: "note", en: tl5000en, cs: tl5000cs, kept: []string{strings.Repeat("x", 5001) + "</textarea>"}},
			{name: "member note hostile", path: "/admin/members/" + member + "/notes", form: url.Values{"note": {hostile + "\n\u202Egnp.exe"}},
				code: 422, field: "note", en: bidi, cs: bidiCS, kept: []string{hostileEscaped + "\n�gnp.exe</textarea>"}},
			{name: "member note malformed", path: "/admin/members/" + member + "/notes", form: url.Values{"note": {"caf\xe9"}},
				code: 422, field: "note", en: encoding, cs: encodingCS, kept: []string{"caf�</textarea>"}},
			{name: "occupation empty", path: "/admin/members/" + member + "/occupations", form: url.Values{"occupation": {""}},
				code: 422, field: "occupation", en: fill, cs: fillCS},
			{name: "occupation hostile", path: "/admin/members/" + member + "/occupations", form: url.Values{"occupation": {hostile + "\tx"}},
				code: 422, field: "occupation", en: control, cs: controlCS, kept: []string{`value="` + hostileEscaped + `�x"`}},
			// Notes on an application; accepting with a chosen number.
			{name: "application note empty", path: "/admin/applications/" + app + "/notes", form: url.Values{"note": {""}},
				code: 422, field: "note", en: fill, cs: fillCS},
			{name: "application note oversized", path: "/admin/applications/" + app + "/notes", form: url.Values{"note": {long(5001)}},
				code: 422, field: "note", en: tl5000en, cs: tl5000cs, kept: []string{long(5001) + "</textarea>"}},
			{name: "application note hostile", path: "/admin/applications/" + app + "/notes", form: url.Values{"note": {hostile + "\x00"}},
				code: 422, field: "note", en: control, cs: controlCS, kept: []string{hostileEscaped + "�</textarea>"}},
			{name: "accept malformed number", path: "/admin/applications/" + app + "/accept", form: url.Values{"number": {"12a"}},
				code: 422, field: "number", en: "whole number from 1", cs: "celé číslo od 1", kept: []string{`value="12a"`}},
			{name: "accept oversized number", path: "/admin/applications/" + app + "/accept", form: url.Values{"number": {"1000000000"}},
				code: 422, field: "number", en: "whole number from 1", cs: "celé číslo od 1", kept: []string{`value="1000000000"`}},
			{name: "accept hostile number", path: "/admin/applications/" + app + "/accept", form: url.Values{"number": {`<b>"1"</b>`}},
				code: 422, field: "number", en: "whole number from 1", cs: "celé číslo od 1", kept: []string{`value="&lt;b&gt;&#34;1&#34;&lt;/b&gt;"`}},
			{name: "accept taken number", path: "/admin/applications/" + app + "/accept", form: url.Values{"number": {taken}},
				code: 409, field: "number", en: "already taken", cs: "už je obsazené", kept: []string{`value="` + taken + `"`}},
			// Recording leaving twice: the page shows the member as they are.
			{name: "leave twice", path: "/admin/members/" + left + "/leave", form: url.Values{},
				code: 409, en: wrongState, cs: wrongStateCS, kept: []string{"Ludmila"}},
			// Workplaces: create and edit.
			{name: "workplace create empty", path: "/admin/workplaces", form: url.Values{"name": {""}, "description": {"Buses"}},
				code: 422, field: "name", en: fill, cs: fillCS, kept: []string{">\nBuses</textarea>"}},
			{name: "workplace create oversized", path: "/admin/workplaces", form: url.Values{"name": {long(201)}},
				code: 422, field: "name", en: tl200en, cs: tl200cs, kept: []string{`value="` + long(201) + `"`}},
			{name: "workplace create malformed", path: "/admin/workplaces", form: url.Values{"name": {"Garage"}, "contact_email": {"garage"}},
				code: 422, field: "contact_email", en: notEmail, cs: notEmailCS, kept: []string{`value="garage"`, `value="Garage"`}},
			{name: "workplace create hostile", path: "/admin/workplaces", form: url.Values{"name": {hostile}, "description": {"a\u2066b"}},
				code: 422, field: "description", en: bidi, cs: bidiCS, kept: []string{`value="` + hostileEscaped + `"`, "a�b</textarea>"}},
			{name: "workplace edit empty", path: "/admin/workplaces/" + wp, form: url.Values{"name": {" "}},
				code: 422, field: "name", en: fill, cs: fillCS},
			{name: "workplace edit hostile", path: "/admin/workplaces/" + wp, form: url.Values{"name": {hostile}, "contact_email": {"<b>@x.org"}},
				code: 422, field: "contact_email", en: notEmail, cs: notEmailCS, kept: []string{`value="` + hostileEscaped + `"`, `value="&lt;b&gt;@x.org"`}},
			// A name another workplace has (in any case and spacing).
			{name: "workplace create duplicate", path: "/admin/workplaces", form: url.Values{"name": {"  DEPOT "}, "contact_email": {"new@example.org"}, "description": {"Buses"}},
				code: 409, field: "name", en: "Another workplace already has this name", cs: "Pracoviště s tímto názvem už existuje",
				kept: []string{`value="  DEPOT "`, `value="new@example.org"`, ">\nBuses</textarea>"}},
			{name: "workplace rename duplicate", path: "/admin/workplaces/" + annex, form: url.Values{"name": {"depot"}, "contact_email": {"a@example.org"}},
				code: 409, field: "name", en: "Another workplace already has this name", cs: "Pracoviště s tímto názvem už existuje",
				kept: []string{`value="depot"`, `value="a@example.org"`}},
			// The welcome email's template.
			{name: "template empty", path: "/admin/emails/welcome/cs", form: url.Values{"subject": {""}, "body": {""}},
				code: 422, field: "subject", en: fill, cs: fillCS, kept: []string{`id="err-body"`}},
			{name: "template oversized", path: "/admin/emails/welcome/cs", form: url.Values{"subject": {"Vítejte"}, "body": {strings.Repeat("x", 20001)}},
				code: 422, field: "body", en: "at most 20000 characters (now 20001)", cs: "nejvýše 20000 znaků (nyní 20001)", kept: []string{`value="Vítejte"`}},
			{name: "template hostile", path: "/admin/emails/welcome/cs", form: url.Values{"subject": {hostile}, "body": {"Ahoj\r\n\x1b[31m"}},
				code: 422, field: "body", en: control, cs: controlCS, kept: []string{`value="` + hostileEscaped + `"`, "Ahoj\n�[31m</textarea>"}},
			// Previewing an email to a member without an address.
			{name: "email preview no address", path: "/admin/members/" + noMail + "/email", form: url.Values{"name": {"welcome"}, "op": {"preview"}},
				code: 409, field: "email", en: "has no email address", cs: "nemá e-mailovou adresu", kept: []string{`value="Pavel"`}},
			{name: "email preview unknown", path: "/admin/members/" + member + "/email", form: url.Values{"name": {hostile}, "op": {"preview"}},
				code: 422, en: "Choose an email to send.", cs: "Vyberte e-mail"},
			// Inviting an account; editing roles.
			{name: "invite empty", path: "/admin/accounts", form: url.Values{"email": {""}, "role": {auth.ListMembers}},
				code: 422, field: "email", en: fill, cs: fillCS, kept: []string{`value="list-members" checked`}},
			{name: "invite oversized", path: "/admin/accounts", form: url.Values{"email": {strings.Repeat("a", 250) + "@x.org"}},
				code: 422, field: "email", en: "at most 254 characters (now 256)", cs: "nejvýše 254 znaků (nyní 256)"},
			{name: "invite malformed", path: "/admin/accounts", form: url.Values{"email": {"not-an-email"}, "workplace": {wp}},
				code: 422, field: "email", en: "Not a valid email address", cs: "Toto není platná e-mailová adresa", kept: []string{`value="not-an-email"`, `value="` + wp + `" checked`}},
			{name: "invite hostile", path: "/admin/accounts", form: url.Values{"email": {hostile + "\u202E@x.org"}},
				code: 422, field: "email", en: bidi, cs: bidiCS, kept: []string{`value="` + hostileEscaped + `�@x.org"`}},
			{name: "invite exists", path: "/admin/accounts", form: url.Values{"email": {"Other@example.org"}, "role": {auth.ViewMember}},
				code: 409, field: "email", en: "exists already", cs: "už existuje", kept: []string{`value="Other@example.org"`, `value="view-member" checked`}},
			{name: "invite unknown role", path: "/admin/accounts", form: url.Values{"email": {"new@example.org"}, "role": {"root"}},
				code: 422, field: "invite-roles", en: "Unknown role", cs: "Neznámé oprávnění", kept: []string{`value="new@example.org"`}},
			{name: "roles own super", path: "/admin/accounts/" + me.ID + "/roles", form: url.Values{"role": {auth.ListMembers}},
				code: 409, field: "roles-" + me.ID, en: "own account", cs: "Vlastnímu účtu"},
			{name: "roles unknown", path: "/admin/accounts/" + other.ID + "/roles", form: url.Values{"role": {"root", auth.ViewMember}},
				code: 422, field: "roles-" + other.ID, en: "Unknown role", cs: "Neznámé oprávnění"},
			// Choosing export columns.
			{name: "export nothing", path: "/admin/export", form: url.Values{"list": {"past"}},
				code: 422, field: "columns", en: "Nothing was chosen", cs: "Nic nebylo vybráno", kept: []string{`value="past" selected`}},
			{name: "export hostile list", path: "/admin/export", form: url.Values{"list": {hostile}, "column": {"email"}},
				code: 422, field: "list", en: choose, cs: chooseCS, kept: []string{`value="email" checked`}},
			// A message to an event's registrants.
			{name: "message empty", path: event + "/message", form: msg("subject", "", "text", ""),
				code: 422, field: "subject", en: fill, cs: fillCS, kept: []string{`id="err-text"`}},
			{name: "message oversized", path: event + "/message", form: msg("subject", long(201)),
				code: 422, field: "subject", en: tl200en, cs: tl200cs, kept: []string{`value="` + long(201) + `"`, "We meet in room 2.</textarea>"}},
			{name: "message malformed audience", path: event + "/message", form: msg("audience", "everyone"),
				code: 422, field: "audience", en: choose, cs: chooseCS, kept: []string{`value="Room"`}},
			{name: "message hostile", path: event + "/message", form: msg("subject", "Hi\r\nBcc: all@example.org", "text", hostile),
				code: 422, field: "subject", en: control, cs: controlCS, kept: []string{`value="Hi�Bcc: all@example.org"`, hostileEscaped + "</textarea>"}},
			{name: "message nobody", path: event + "/message", form: msg("audience", "waiting"),
				code: 409, field: "audience", en: "Nobody in that group", cs: "Nikomu z této skupiny", kept: []string{`value="waiting" checked`, `value="Room"`}},
			// Searching: members, the door, the audit trail.
			{name: "search oversized", path: "/admin/members", form: url.Values{"q": {long(201)}},
				code: 422, field: "q", en: tl200en, cs: tl200cs, kept: []string{`value="` + long(201) + `"`}},
			{name: "search hostile", path: "/admin/members", form: url.Values{"q": {hostile + "\u202E"}},
				code: 422, field: "q", en: bidi, cs: bidiCS, kept: []string{`value="` + hostileEscaped + `�"`}},
			{name: "door oversized", path: event + "/door", form: url.Values{"q": {long(101)}},
				code: 422, field: "q", en: tl100en, cs: tl100cs, kept: []string{`value="` + long(101) + `"`}},
			{name: "door hostile", path: event + "/door", form: url.Values{"q": {hostile + "\x00"}},
				code: 422, field: "q", en: control, cs: controlCS, kept: []string{`value="` + hostileEscaped + `�"`}},
			{name: "audit hostile", method: "GET", path: "/admin/audit?q=" + url.QueryEscape(hostile+"\u202E"),
				code: 422, field: "q", en: bidi, cs: bidiCS, kept: []string{`value="` + hostileEscaped + `�"`}},
		}
		for _, tc := range cases {
			for _, lang := range []string{"en", "cs"} {
				t.Run(tc.name+"/"+lang, func(t *testing.T) {
					before := r.snapshot(t)
					method, form := tc.method, tc.form
					if method == "" {
						method = "POST"
					}
					if method == "GET" {
						form = nil
					}
					code, body, cl := send(t, boss, method, r.srv.URL+tc.path, lang, form)
					want := tc.en
					if lang == "cs" {
						want = tc.cs
					}
					if code != tc.code || cl != lang {
						t.Fatalf("%d (%s), want %d (%s)\n%.3000s", code, cl, tc.code, lang, body)
					}
					prefix := map[string]string{"en": "<title>Error: ", "cs": "<title>Chyba: "}[lang]
					mustContain(t, tc.name, body, prefix, `id="error-summary" role="alert"`, want)
					if tc.field != "" {
						// Linked from the summary; the message next to the
						// field, which points to it.
						mustContain(t, tc.name, body, `<a href="#`+tc.field+`">`, `id="err-`+tc.field+`"`, `aria-describedby="err-`+tc.field+`"`)
						if !strings.Contains(body, `id="`+tc.field+`"`) {
							t.Errorf("no field with id %q", tc.field)
						}
						if i := strings.Index(body, `id="err-`+tc.field+`"`); i < 0 || !strings.Contains(body[i:], want) {
							t.Errorf("the message is not next to %s", tc.field)
						}
					}
					mustContain(t, tc.name, body, tc.kept...)
					// Typed markup is text; invisible characters come back
					// visible, never raw.
					mustNotContain(t, tc.name, body, "<script", "\u202E", "\u2066", "\x00", "\a", "\x1b", "\xe9\"")
					if after := r.snapshot(t); after != before {
						t.Errorf("a failed submission changed stored data:\nbefore %s\nafter %s", before, after)
					}
				})
			}
		}
		// And the forms still work when the input is right.
		for _, ok := range []struct {
			path string
			form url.Values
		}{
			{"/admin/members/new", url.Values{"first_name": {hostile}, "date_of_birth": {"12. 3. 1985"}, "email": {"Hostile@Example.org"}}},
			{"/admin/members/" + member + "/edit", url.Values{"first_name": {"Olga"}, "last_name": {"Veselá"}, "date_of_birth": {"1980-01-02"}}},
			{"/admin/workplaces", url.Values{"name": {"Garage"}, "contact_email": {"garage@example.org"}}},
			{"/admin/emails/welcome/cs", url.Values{"subject": {"Vítejte"}, "body": {"Ahoj {first_name}\r\n\r\nčíslo {member_number}"}}},
			{"/admin/applications/" + app + "/accept", url.Values{"number": {"4242"}}},
		} {
			if code, loc, _ := send(t, boss, "POST", r.srv.URL+ok.path, "en", ok.form); code != 303 {
				t.Errorf("POST %s %v: %d %.300s", ok.path, ok.form, code, loc)
			}
		}
		list, err := r.reg.ListMembers(ctx, super, members.MemberFilter{Query: "hostile@example.org"})
		if err != nil || len(list.Members) != 1 || list.Members[0].Data.DateOfBirth != "1985-03-12" || list.Members[0].Data.FirstName != hostile {
			t.Fatalf("member added by hand: %+v %v", list, err)
		}
	})
}

// TestFormProblemsRespectPermissions: a failed form shows its own page only
// to someone who may see that page. Resolving applications, managing
// members or managing events without the right to open the record gets the
// problem on an error page, with no personal data.
func TestFormProblemsRespectPermissions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		r := newRig(t, d)
		ctx := context.Background()
		app := r.addApplication(t, admin.StateProcessing, applicant("Jana", "Dvořáková", "jana@example.org"))
		member, _, _ := r.reg.AddMember(ctx, super, members.MemberData{FirstName: "Olga", LastName: "Veselá", Email: "olga@example.org"}, "", 0, false)
		r.signup(t, "Ana", "ana@example.org", nil)
		resolver, _ := r.login(t, "resolver@example.org", []string{auth.ResolveApplications}, nil)
		manager, _ := r.login(t, "manager@example.org", []string{auth.ManageMembers}, nil)
		organiser, _ := r.login(t, "organiser@example.org", []string{events.ManageEvents}, nil)
		event := r.srv.URL + "/admin/events/" + events.EventID(doorKey) + "/message"
		for _, tc := range []struct {
			c      *http.Client
			path   string
			form   url.Values
			code   int
			msg    string
			secret string
		}{
			{resolver, "/admin/applications/" + app + "/notes", url.Values{"note": {""}}, 422, "Fill this in", "Dvořáková"},
			{resolver, "/admin/applications/" + app + "/accept", url.Values{"number": {"x"}}, 422, "whole number", "Dvořáková"},
			{manager, "/admin/members/" + member + "/notes", url.Values{"note": {""}}, 422, "Fill this in", "Veselá"},
			{manager, "/admin/members/" + member + "/edit", url.Values{"first_name": {""}}, 422, "needs a name", "Veselá"},
			{organiser, event, url.Values{"audience": {"all"}, "subject": {""}, "text": {"x"}, "op": {"send"}}, 422, "Fill this in", "ana@example.org"},
			{organiser, event, url.Values{"audience": {"all"}, "subject": {"S"}, "text": {"x"}, "op": {"edit"}}, 403, "permission", "ana@example.org"},
		} {
			u := tc.path
			if !strings.HasPrefix(u, "http") {
				u = r.srv.URL + u
			}
			code, body, _ := send(t, tc.c, "POST", u, "en", tc.form)
			if code != tc.code || !strings.Contains(body, tc.msg) || strings.Contains(body, tc.secret) {
				t.Errorf("POST %s: %d, want %d with %q and without %q\n%.2000s", tc.path, code, tc.code, tc.msg, tc.secret, body)
			}
		}
	})
}
