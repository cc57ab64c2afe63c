package admin_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"unionhall/internal/admin"
	"unionhall/internal/auth"
	"unionhall/internal/browsertest"
	"unionhall/internal/content"
	"unionhall/internal/db"
	"unionhall/internal/dbtest"
	"unionhall/internal/events"
	"unionhall/internal/examplesite"
	"unionhall/internal/jobs"
	"unionhall/internal/members"
	"unionhall/internal/seal"
	"unionhall/internal/web"
)

// doorKey is the key of the test event with built-in registration.
const doorKey = "id:door"

// newEventStore is the events feature on the example site plus two test
// events: "door" (two seats, a question) and one that registers elsewhere.
func newEventStore(t testing.TB, d *db.DB, kr *seal.Keyring, box events.Outbox) *events.Service {
	t.Helper()
	now := time.Now()
	base, err := examplesite.FS(now)
	if err != nil {
		t.Fatal(err)
	}
	m := fstest.MapFS{}
	err = fs.WalkDir(base, ".", func(p string, de fs.DirEntry, err error) error {
		if err != nil || de.IsDir() {
			return err
		}
		b, err := fs.ReadFile(base, p)
		m[p] = &fstest.MapFile{Data: b, Mode: 0o644}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	day := func(n int, hm string) string { return now.AddDate(0, 0, n).Format("2006-01-02") + "T" + hm + ":00" }
	m["content/events/door/index.en.md"] = &fstest.MapFile{Data: []byte(fmt.Sprintf(`---
title: Door <b>meeting</b>
id: door
startDate: %s
date: %s
registration: internal
capacity: 2
questions:
  - id: diet
    label: {en: Food, cs: Jídlo}
    type: text
---
Two seats.
`, day(5, "18:00"), day(5, "20:00")))}
	m["content/events/elsewhere/index.en.md"] = &fstest.MapFile{Data: []byte(fmt.Sprintf(`---
title: Elsewhere workshop
startDate: %s
date: %s
registerUrl: https://forms.example.org/elsewhere
---
`, day(6, "18:00"), day(6, "20:00")))}
	cs, err := content.Load(m)
	if err != nil {
		t.Fatal(err)
	}
	q := jobs.New(d, jobs.Options{Logger: dbtest.Logger()})
	return events.New(events.Deps{DB: d, Keys: kr, Queue: q, Outbox: box, Site: func() *content.Site { return cs },
		BaseURL: "http://site.test", Logger: dbtest.Logger()})
}

// signup registers a person for the door event.
func (r *rig) signup(t testing.TB, name, email string, answers map[string]string) events.Registration {
	t.Helper()
	ev, ok := r.ev.EventByKey(doorKey, "en")
	if !ok {
		t.Fatal("no door event")
	}
	out, err := r.ev.Signup(context.Background(), ev, "en", events.Registrant{Name: name, Email: email, Answers: answers})
	if err != nil {
		t.Fatal(err)
	}
	return out.Registration
}

// eventWithRegistrant returns the door event's console id and a confirmed
// registration's id.
func (r *rig) eventWithRegistrant(t testing.TB) (string, string) {
	t.Helper()
	reg := r.signup(t, "Door Person", db.NewID()+"@example.org", nil)
	return events.EventID(doorKey), reg.ID
}

func (r *rig) auditActions(t testing.TB, typ, id string) []string {
	t.Helper()
	es, err := auth.AuditFor(context.Background(), r.d, typ, id)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Action+" "+e.Detail)
	}
	return out
}

func hasAction(list []string, action string) bool {
	for _, s := range list {
		if strings.HasPrefix(s, action+" ") {
			return true
		}
	}
	return false
}

// TestEventsConsole walks what an organiser does: the list with counts,
// the registrants, check-in at the door, the export, closing and
// reopening, a message to the waiting list.
func TestEventsConsole(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		r := newRig(t, d)
		ctx := context.Background()
		ana := r.signup(t, "Ána <script>alert(1)</script>", "ana@example.org", map[string]string{"diet": "=HYPERLINK(\"http://evil\")"})
		bo := r.signup(t, "Bořek Dvořák", "bo@example.org", map[string]string{"diet": "vegan"})
		wait := r.signup(t, "Wanda Waiting", "wanda@example.org", nil)
		if wait.Status != events.StatusWaiting || ana.Status != events.StatusConfirmed {
			t.Fatalf("statuses %s %s", ana.Status, wait.Status)
		}
		id := events.EventID(doorKey)
		base := r.srv.URL + "/admin/events"
		viewer, _ := r.login(t, "viewer@example.org", []string{events.ListEvents}, nil)
		manager, _ := r.login(t, "manager@example.org", []string{events.ListEvents, events.ManageEvents}, nil)

		code, body := do(t, viewer, "GET", base, nil)
		if code != 200 || !strings.Contains(body, "Door &lt;b&gt;meeting&lt;/b&gt;") || !strings.Contains(body, "/admin/events/"+id) {
			t.Fatalf("list: %d\n%s", code, body)
		}
		for _, want := range []string{"<td>2</td><td>1</td><td>2</td><td>0</td>", "open until", "upcoming",
			"Elsewhere workshop", "registration happens elsewhere", "https://forms.example.org/elsewhere"} {
			if !strings.Contains(body, want) {
				t.Errorf("list lacks %q", want)
			}
		}
		if strings.Contains(body, "ana@example.org") || strings.Contains(body, doorKey) {
			t.Error("the list shows personal data or the raw key")
		}

		code, body = do(t, viewer, "GET", base+"/"+id, nil)
		if code != 200 || !strings.Contains(body, "ana@example.org") || !strings.Contains(body, "Bořek Dvořák") || !strings.Contains(body, "wanda@example.org") {
			t.Fatalf("event page: %d\n%s", code, body)
		}
		if strings.Contains(body, "<script>alert") || !strings.Contains(body, "&lt;script&gt;") {
			t.Fatal("a hostile name is not escaped")
		}
		if strings.Contains(body, `action="/admin/events/`+id+`/close"`) || strings.Contains(body, `/message"`) {
			t.Fatal("list-events alone is offered close or message")
		}
		if !hasAction(r.auditActions(t, "event", doorKey), "event.view") {
			t.Fatal("opening the registrants was not audited")
		}
		for _, u := range []string{base + "/" + id, base + "/" + id + "/door"} {
			resp, err := viewer.Get(u)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.Header.Get("Cache-Control") != "no-store" || !strings.Contains(resp.Header.Get("X-Robots-Tag"), "noindex") || resp.Header.Get("Content-Security-Policy") == "" {
				t.Fatalf("%s headers: %v", u, resp.Header)
			}
		}

		// The door: confirmed people only, then one check-in.
		code, body = do(t, viewer, "GET", base+"/"+id+"/door", nil)
		if code != 200 || !strings.Contains(body, "bo@example.org") || strings.Contains(body, "wanda@example.org") {
			t.Fatalf("door: %d", code)
		}
		code, body = do(t, viewer, "POST", base+"/"+id+"/door", url.Values{"q": {"dvorak"}})
		if code != 200 || !strings.Contains(body, "bo@example.org") || strings.Contains(body, "ana@example.org") {
			t.Fatalf("door search: %d", code)
		}
		code, loc := do(t, viewer, "POST", base+"/"+id+"/checkin", url.Values{"reg": {bo.ID}, "op": {"in"}})
		if code != 303 || loc != "/admin/events/"+id+"/door?done=checkedin#r-"+bo.ID {
			t.Fatalf("check in: %d %s", code, loc)
		}
		if _, body = do(t, viewer, "GET", base, nil); !strings.Contains(body, "<td>2</td><td>1</td><td>2</td><td>1</td>") {
			t.Error("the list does not count the check-in")
		}
		if !hasAction(r.auditActions(t, "event_registration", bo.ID), "event.checkin") {
			t.Fatal("check-in not audited")
		}
		for _, reg := range []string{wait.ID, db.NewID(), "", "'; DROP TABLE event_registrations; --", "../" + bo.ID} {
			if code, _ := do(t, viewer, "POST", base+"/"+id+"/checkin", url.Values{"reg": {reg}, "op": {"in"}}); code != 404 {
				t.Errorf("check in %q: %d, want 404", reg, code)
			}
		}
		if code, _ := do(t, viewer, "POST", base+"/"+id+"/checkin", url.Values{"reg": {bo.ID}, "op": {"maybe"}}); code != 400 {
			t.Errorf("bad op: %d", code)
		}
		if code, _ := do(t, viewer, "POST", base+"/"+id+"/checkin", url.Values{"reg": {bo.ID}, "op": {"out"}}); code != 303 {
			t.Errorf("undo: %d", code)
		}

		// The export: every registration, formulas neutralised, audited.
		resp, err := viewer.PostForm(base+"/"+id+"/export", nil)
		if err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(resp.Body).ReadAll()
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 || len(recs) != 4 || recs[0][6] != "Food" {
			t.Fatalf("export: %d %v %v", resp.StatusCode, err, recs)
		}
		if !strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") || resp.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("export headers: %v", resp.Header)
		}
		if recs[1][2] != "ana@example.org" || !strings.HasPrefix(recs[1][6], "'=") {
			t.Fatalf("export row: %v", recs[1])
		}
		if !hasAction(r.auditActions(t, "event", doorKey), "export.event") {
			t.Fatal("export not audited")
		}

		// Closing and messaging need manage-events.
		for _, p := range []string{"/close", "/message"} {
			if code, _ := do(t, viewer, "POST", base+"/"+id+p, url.Values{"op": {"close"}}); code != 403 {
				t.Errorf("viewer %s: %d", p, code)
			}
		}
		if code, _ := do(t, manager, "POST", base+"/"+id+"/close", url.Values{"op": {"close"}}); code != 303 {
			t.Fatalf("close: %d", code)
		}
		if _, body = do(t, manager, "GET", base+"/"+id, nil); !strings.Contains(body, "closed early") || !strings.Contains(body, `id="reopen"`) {
			t.Fatal("closing does not show")
		}
		ev, _ := r.ev.EventByKey(doorKey, "en")
		if _, err := r.ev.Signup(ctx, ev, "en", events.Registrant{Name: "Late", Email: "late@example.org"}); err == nil {
			t.Fatal("registration still open after closing")
		}
		if code, _ := do(t, manager, "POST", base+"/"+id+"/close", url.Values{"op": {"reopen"}}); code != 303 {
			t.Fatalf("reopen: %d", code)
		}
		if c, _ := r.ev.Counts(ctx, doorKey); c.Closed {
			t.Fatal("still closed after reopening")
		}
		if as := r.auditActions(t, "event", doorKey); !hasAction(as, "event.close") || !hasAction(as, "event.reopen") {
			t.Fatalf("closing not audited: %v", as)
		}

		// A message to the waiting list: preview (nothing sent), then send.
		msg := url.Values{"audience": {"waiting"}, "subject": {"Room <b>2</b>"}, "text": {"We meet in room 2.\n<script>alert(1)</script>"}, "op": {"preview"}}
		code, body = do(t, manager, "POST", base+"/"+id+"/message", msg)
		if code != 200 || !strings.Contains(body, `<strong id="count">1</strong>`) || strings.Contains(body, "<script>alert") || !strings.Contains(body, "Room &lt;b&gt;2&lt;/b&gt;") {
			t.Fatalf("preview: %d\n%s", code, body)
		}
		before := len(r.box.msgs)
		msg.Set("op", "edit")
		if code, body = do(t, manager, "POST", base+"/"+id+"/message", msg); code != 200 || !strings.Contains(body, "We meet in room 2.") {
			t.Fatalf("edit: %d", code)
		}
		if len(r.box.msgs) != before {
			t.Fatal("preview or edit sent something")
		}
		msg.Set("op", "send")
		if code, loc = do(t, manager, "POST", base+"/"+id+"/message", msg); code != 303 || !strings.Contains(loc, "done=messaged") {
			t.Fatalf("send: %d %s", code, loc)
		}
		sent := r.box.msgs[before:]
		if len(sent) != 1 || sent[0].To != "wanda@example.org" || sent[0].Subject != "Room <b>2</b>" || !strings.Contains(sent[0].Text, "room 2") {
			t.Fatalf("sent: %+v", sent)
		}
		as := r.auditActions(t, "event", doorKey)
		if !hasAction(as, "event.message") || strings.Contains(strings.Join(as, "|"), "room 2") {
			t.Fatalf("message audit: %v", as)
		}

		// Unknown events answer 404 whatever the id looks like.
		for _, u := range []string{"/" + strings.Repeat("0", 20), "/zzz", "/" + id + "x", "/" + url.PathEscape(doorKey), "/" + strings.Repeat("a", 5000)} {
			if code, _ := do(t, manager, "GET", base+u, nil); code != 404 {
				t.Errorf("GET %s: %d", u[:min(len(u), 40)], code)
			}
			if code, _ := do(t, manager, "POST", base+u+"/close", url.Values{"op": {"close"}}); code != 404 {
				t.Errorf("POST %s/close: %d", u[:min(len(u), 40)], code)
			}
		}
	})
}

// TestEventsHiddenFromOthers: a workplace representative or a member
// manager sees nothing of events, not even the navigation link.
func TestEventsHiddenFromOthers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		r := newRig(t, d)
		ctx := context.Background()
		r.signup(t, "Secret Person", "secret@example.org", nil)
		wp, _ := r.reg.SaveWorkplace(ctx, super, members.Workplace{Name: "Depot"})
		rep, _ := r.login(t, "rep@example.org", nil, []string{wp})
		mm, _ := r.login(t, "mm@example.org", []string{auth.ListMembers, auth.ViewMember, auth.ManageMembers, auth.SuperPowers}, nil)
		id := events.EventID(doorKey)
		for _, c := range []*http.Client{rep, mm} {
			for _, u := range []string{"/admin/events", "/admin/events/" + id, "/admin/events/" + id + "/door"} {
				if code, body := do(t, c, "GET", r.srv.URL+u, nil); code != 403 || strings.Contains(body, "secret@example.org") {
					t.Errorf("GET %s: %d", u, code)
				}
			}
			if code, _ := do(t, c, "POST", r.srv.URL+"/admin/events/"+id+"/export", nil); code != 403 {
				t.Errorf("export: %d", code)
			}
			if _, body := do(t, c, "GET", r.srv.URL+"/admin/", nil); strings.Contains(body, `href="/admin/events"`) {
				t.Error("navigation offers events")
			}
		}
	})
}

func TestEventMessageBadInput(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		r := newRig(t, d)
		r.signup(t, "Ana", "ana@example.org", nil)
		c, _ := r.login(t, "boss@example.org", []string{events.ListEvents, events.ManageEvents}, nil)
		u := r.srv.URL + "/admin/events/" + events.EventID(doorKey) + "/message"
		ok := func() url.Values {
			return url.Values{"audience": {"all"}, "subject": {"Hello"}, "text": {"Text"}, "op": {"send"}}
		}
		cases := []struct {
			name, field, value string
			code               int
			msg                string
		}{
			{"empty subject", "subject", "", 422, "Fill this in"},
			{"blank text", "text", " \n\t ", 422, "Fill this in"},
			{"long subject", "subject", strings.Repeat("s", 201), 422, "at most 200 characters (now 201)"},
			{"long text", "text", strings.Repeat("é", 10001), 422, "at most 10000 characters (now 10001)"},
			{"header injection", "subject", "Hi\r\nBcc: all@example.org", 422, "control character"},
			{"rtl override", "subject", "invoice\u202Etxt.exe", 422, "direction of text"},
			{"nul", "text", "a\x00b", 422, "control character"},
			{"bad utf-8", "text", "a\xffb", 422, "not valid text"},
			{"unknown audience", "audience", "everyone'; DROP TABLE audit; --", 422, "Choose one of the options"},
			{"no op", "op", "", 422, "Choose preview"},
			{"nobody waiting", "audience", "waiting", 409, "Nobody in that group"},
			{"oversized form", "text", strings.Repeat("x", 70000), 400, "could not be read"},
		}
		for _, tc := range cases {
			f := ok()
			f.Set(tc.field, tc.value)
			code, body := do(t, c, "POST", u, f)
			if code != tc.code || !strings.Contains(body, tc.msg) {
				t.Errorf("%s: %d, want %d with %q\n%.300s", tc.name, code, tc.code, tc.msg, body)
			}
		}
		if len(r.box.msgs) != 1 { // the confirmation of the signup only
			t.Fatalf("bad input queued %d emails", len(r.box.msgs)-1)
		}
		if as := r.auditActions(t, "event", doorKey); hasAction(as, "event.message") {
			t.Fatalf("bad input audited as sent: %v", as)
		}
	})
}

// TestEventsInBrowser: the organiser's pages in Chromium, axe-clean, the
// check-in done by pressing the button.
func TestEventsInBrowser(t *testing.T) {
	b := browsertest.Start(t)
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		r := newRig(t, d)
		ctx := context.Background()
		r.signup(t, "Ána Nováková", "ana@example.org", map[string]string{"diet": "vegan"})
		bo := r.signup(t, "Bořek Dvořák", "bo@example.org", nil)
		r.signup(t, "Wanda Waiting", "wanda@example.org", nil)
		link, err := r.auth.CreateAccount(ctx, "organiser@example.org", []string{events.ListEvents, events.ManageEvents}, nil)
		if err != nil {
			t.Fatal(err)
		}
		tok := tokenRE.FindStringSubmatch(link)
		tab := b.Tab(t)
		browsertest.Navigate(t, tab, r.srv.URL+"/auth/link?token="+tok[1])
		browsertest.ClickNavigate(t, tab, "#signin")
		browsertest.ClickNavigate(t, tab, `nav a[href="/admin/events"]`)
		browsertest.AssertAxeClean(t, tab, "events")
		id := events.EventID(doorKey)
		browsertest.ClickNavigate(t, tab, `a[href="/admin/events/`+id+`"]`)
		if !strings.Contains(browsertest.Text(t, tab, "main table"), "bo@example.org") {
			t.Fatal("registrants missing")
		}
		browsertest.AssertAxeClean(t, tab, "event")
		browsertest.ClickNavigate(t, tab, "#door")
		browsertest.AssertAxeClean(t, tab, "door")
		browsertest.ClickNavigate(t, tab, `#r-`+bo.ID+` button`)
		if got := browsertest.Text(t, tab, "#checkedin"); got != "1" {
			t.Fatalf("checked in after the button: %q", got)
		}
		if !strings.Contains(browsertest.Text(t, tab, "#r-"+bo.ID), "Checked in") {
			t.Fatal("the row does not say checked in")
		}
		browsertest.AssertAxeClean(t, tab, "door after check-in")
		browsertest.Navigate(t, tab, r.srv.URL+"/admin/events/"+id)
		browsertest.Click(t, tab, `input[name=audience][value=waiting]`)
		browsertest.Type(t, tab, "#subject", "Room change")
		browsertest.Type(t, tab, "#text", "We meet in room 2.")
		browsertest.ClickNavigate(t, tab, "#preview")
		if got := browsertest.Text(t, tab, "#count"); got != "1" {
			t.Fatalf("preview count %q", got)
		}
		browsertest.AssertAxeClean(t, tab, "message preview")
		before := len(r.box.msgs)
		browsertest.ClickNavigate(t, tab, "#send")
		if len(r.box.msgs) != before+1 || r.box.msgs[before].To != "wanda@example.org" {
			t.Fatalf("message not queued to the waiting list: %d", len(r.box.msgs)-before)
		}
		browsertest.AssertAxeClean(t, tab, "event after message")
		browsertest.Navigate(t, tab, r.srv.URL+"/admin/events/"+strings.Repeat("0", 20))
		browsertest.AssertAxeClean(t, tab, "unknown event")
	})
}

// TestEventsNotSetUp: a console built without the events section has no
// events pages and no entry for them, in the navigation or on the
// dashboard; the routes are simply not there.
func TestEventsNotSetUp(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		r := newRig(t, d)
		c := admin.New(admin.Deps{DB: d, Keys: r.keys, Auth: r.auth, Logger: dbtest.Logger()})
		mux := http.NewServeMux()
		r.auth.Register(mux)
		c.Register(mux)
		srv := httptest.NewServer(web.Stack(mux, dbtest.Logger()))
		defer srv.Close()
		// Cookies are per host, not per port: the rig's session works here too.
		client, _ := r.login(t, "boss@example.org", auth.Roles, nil)
		id := events.EventID(doorKey)
		for _, u := range []string{"/admin/events", "/admin/events/" + id} {
			if code, _ := do(t, client, "GET", srv.URL+u, nil); code != 404 {
				t.Errorf("GET %s: %d", u, code)
			}
		}
		if code, _ := do(t, client, "POST", srv.URL+"/admin/events/"+id+"/close", url.Values{"op": {"close"}}); code != 404 {
			t.Errorf("close: %d", code)
		}
		code, body := do(t, client, "GET", srv.URL+"/admin/", nil)
		if code != 200 || strings.Contains(body, "/admin/events") {
			t.Errorf("dashboard without the events section: %d, links to events: %v", code, strings.Contains(body, "/admin/events"))
		}
		// With the section (the rig's console), both link to it.
		if code, body := do(t, client, "GET", r.srv.URL+"/admin/", nil); code != 200 || strings.Count(body, `href="/admin/events"`) != 2 {
			t.Errorf("dashboard with the events section: %d, %d links", code, strings.Count(body, `href="/admin/events"`))
		}
	})
}
