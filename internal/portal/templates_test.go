package portal

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// TestTranslatedTemplatesRenderTheSame: the per-language templates, with
// their texts inlined, give byte for byte the page the calling templates
// give, for every page in both languages and in every state a page can be
// in (texts in attributes, inside ranges and conditions, with markup in the
// data escaped the same way).
func TestTranslatedTemplatesRenderTheSame(t *testing.T) {
	s := &Service{tmpl: New(Deps{}).tmpl}
	hostile := `<script>alert("x")</script> &amp; ‮`
	left := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	member := &Member{ID: "m1", Number: 1042, Lang: "cs", Workplaces: []string{"Acme " + hostile},
		Contact: Contact{FirstName: "Jana" + hostile, LastName: "Nováková", Email: "jana@example.org"}}
	homes := []homeData{
		{M: member, LangName: "čeština", Joined: "1. 2. 2026", Applied: "1. 1. 2026", HasPDF: true, CanEdit: true, CanLeave: true,
			MeetingsURL: "/cs/schuze/", Occupations: []occRow{{Text: "tester " + hostile, Since: "2026"}},
			Events: []eventRow{{Title: "Schůze " + hostile, URL: "/cs/akce/x/", Start: "3. 3.", Status: "ok", Anonymous: true}, {Title: "B"}}},
		{M: &Member{ID: "m2", Number: 7, LeftAt: &left}, Left: "1. 5. 2026", EraseDue: "31. 5. 2026"},
		{M: member, LeavePending: "2. 5. 2026", CanEdit: true},
	}
	var details []detailsData
	for _, withErrors := range []bool{false, true} {
		d := detailsData{Langs: []langChoice{{Code: "en", Name: "English"}, {Code: "cs", Name: "čeština", Selected: true}}}
		for _, f := range contactFields {
			fv := fieldView{field: f, Label: f.Name, Value: hostile}
			if withErrors {
				fv.Error = "fix " + hostile
				d.Errors = append(d.Errors, errItem{Field: "f-" + f.Name, Message: fv.Error})
			}
			d.Fields = append(d.Fields, fv)
		}
		if withErrors {
			d.LangErr = "bad"
		}
		details = append(details, d)
	}
	for _, lang := range Languages {
		var views []struct {
			name string
			v    view
		}
		add := func(name string, v view) {
			views = append(views, struct {
				name string
				v    view
			}{name, v})
		}
		for _, h := range homes {
			v := s.view(lang, "home.title")
			v.Data, v.Message = h, "saved"
			add("home", v)
		}
		for _, d := range details {
			v := s.view(lang, "details.title")
			v.Data, v.Error = d, "errors "+hostile
			add("details", v)
		}
		for _, atOnce := range []bool{false, true} {
			v := s.view(lang, "leave.title")
			v.Data = leaveData{Days: "30", AtOnce: atOnce}
			add("leave", v)
		}
		for _, members := range []bool{false, true} {
			v := s.view(lang, "signin.title")
			v.MembersOnly, v.Next, v.Email, v.Error = members, "/cs/schuze/", hostile, "again"
			add("signin", v)
		}
		v := s.view(lang, "link.title")
		v.Token = "tok" + hostile
		add("link", v)
		add("message", s.view(lang, "failed.title"))
		translated := translatedTemplates(lang)
		for _, c := range views {
			var want, got bytes.Buffer
			if err := s.tmpl.ExecuteTemplate(&want, c.name, c.v); err != nil {
				t.Fatalf("%s %s: %v", lang, c.name, err)
			}
			if err := translated.ExecuteTemplate(&got, c.name, c.v); err != nil {
				t.Fatalf("%s %s translated: %v", lang, c.name, err)
			}
			if got.String() != want.String() {
				t.Errorf("%s %s: translated template differs:\n%s\n---\n%s", lang, c.name, got.String(), want.String())
			}
			if strings.Contains(got.String(), "<script>alert") {
				t.Errorf("%s %s: unescaped data", lang, c.name)
			}
		}
	}
	// Every text without arguments was inlined: none is left as a call.
	for _, name := range []string{"home", "details", "leave", "signin", "link", "message"} {
		tm := translatedTemplates("en").Lookup(name)
		if tm == nil {
			t.Fatalf("no template %s", name)
		}
		if plainText.MatchString(tm.Tree.Root.String()) {
			t.Errorf("%s: a text without arguments is still a call", name)
		}
	}
}
