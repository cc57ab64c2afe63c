package admin

import (
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"unionhall/internal/auth"
	"unionhall/internal/console"
	"unionhall/internal/members"
	"unionhall/internal/web/catalogtest"
)

// wantForms are the plural forms each language needs for whole numbers
// (English one/other; Czech one/few/other), as the console's own
// pluralForm picks them.
// pluralUses are the keys the counts ({{tn "key" n}}) need in lang: one
// per plural form.
func pluralUses(counts []catalogtest.Use, lang string) []catalogtest.Use {
	var forms []catalogtest.Use
	for _, u := range counts {
		for _, f := range wantForms(lang) {
			forms = append(forms, catalogtest.Use{Where: u.Where + " (plural)", Key: u.Key + "." + f})
		}
	}
	return forms
}

func wantForms(lang string) []string {
	seen := map[string]bool{}
	for n := range 1000 {
		seen[pluralForm(lang, n)] = true
	}
	return slices.Sorted(maps.Keys(seen))
}

// TestMessagesInBothLanguages: the console speaks exactly auth.Languages,
// and every text exists, non-empty, in English and Czech with the same
// placeholders; every plural text has the forms its language needs
// (catalogtest.Complete).
func TestMessagesInBothLanguages(t *testing.T) {
	catalogtest.Complete(t, messages, auth.Languages, wantForms)
}

func TestPluralForms(t *testing.T) {
	for _, tc := range []struct {
		lang string
		n    int
		want string
	}{
		{"cs", 0, "V tomto stavu je 0 přihlášek."}, {"cs", 1, "V tomto stavu je 1 přihláška."},
		{"cs", 2, "V tomto stavu jsou 2 přihlášky."}, {"cs", 4, "V tomto stavu jsou 4 přihlášky."},
		{"cs", 5, "V tomto stavu je 5 přihlášek."}, {"cs", 11, "V tomto stavu je 11 přihlášek."},
		{"cs", 21, "V tomto stavu je 21 přihlášek."}, {"cs", 22, "V tomto stavu je 22 přihlášek."},
		{"en", 1, "1 application in this state."}, {"en", 2, "2 applications in this state."},
		{"en", 0, "0 applications in this state."},
	} {
		if got := Tn(tc.lang, "apps.count", tc.n); got != tc.want {
			t.Errorf("%s %d: %q, want %q", tc.lang, tc.n, got, tc.want)
		}
	}
	for n, want := range map[int]string{1: "1 člen.", 3: "3 členové.", 5: "5 členů.", 104: "104 členů.", 22: "22 členů."} {
		if got := Tn("cs", "members.count", n); got != want {
			t.Errorf("members %d: %q, want %q", n, got, want)
		}
	}
	if got := Tn("cs", "msg.send", 1); got != "Odeslat 1 osobě" {
		t.Errorf("send to 1: %q", got)
	}
}

// Translation calls in the templates ({{t "key" …}}, {{tn "key" n}}) and in
// the Go code (tr(r, "key"), c.fail(…, "key"), memberForm's keys).
var (
	tmplKeyRE   = regexp.MustCompile(`[({]\s*t "([^"]+)"`)
	tmplCountRE = regexp.MustCompile(`[({]\s*tn "([^"]+)"`)
	goKeyRE     = regexp.MustCompile(`(?:\btr\(r, |\bT\(lang, |c\.fail\(w, r, a, [^,]+, |return md, )"([a-z_.]+)"`)
	// A form's checks (forms.go) name the field's label key and the
	// message key among their arguments: f.Text("name", "wp.name", …),
	// f.Bad("columns", "export.columns", "err.nothing_chosen").
	formCallRE = regexp.MustCompile(`\.(?:Text|Email|Number|Date|Choice|Bad|Clash)\(([^)]*)\)`)
	formKeyRE  = regexp.MustCompile(`"([a-z_]+\.[a-z_.]+)"`)
	// The label of a field built in a template: (field $f "name" "label.key" …).
	tmplFieldRE = regexp.MustCompile(`\(field \S+ "[^"]+" "([^"]+)"`)
)

// TestTemplatesAndCodeUseKnownKeys walks the templates and the Go sources
// for translation calls (catalogtest.Used), and checks the keys built from
// codes (states, categories, roles, audit actions…) for every code there
// is (catalogtest.Known).
func TestTemplatesAndCodeUseKnownKeys(t *testing.T) {
	src := os.DirFS(".")
	uses := append(catalogtest.Used(t, templateFS, "templates/*.html", tmplKeyRE, tmplFieldRE),
		catalogtest.Used(t, src, "*.go", goKeyRE)...)
	// A prefix ("flash."+code) is checked with the families below.
	uses = slices.DeleteFunc(uses, func(u catalogtest.Use) bool { return strings.HasSuffix(u.Key, ".") })
	// Form checks: first the call's arguments, then the keys among them.
	for _, call := range catalogtest.Used(t, src, "*.go", formCallRE) {
		for _, m := range formKeyRE.FindAllStringSubmatch(call.Key, -1) {
			uses = append(uses, catalogtest.Use{Where: call.Where, Key: m[1]})
		}
	}
	// Counts ({{tn "key" n}}) need each plural form of their language.
	counts := catalogtest.Used(t, templateFS, "templates/*.html", tmplCountRE)
	if n := len(uses) + len(counts); n < 300 {
		t.Fatalf("only %d translation calls found: has the call pattern changed?", n)
	}
	for _, lang := range auth.Languages {
		catalogtest.Known(t, messages, []string{lang}, pluralUses(counts, lang)...)
	}

	families := map[string][]string{
		"state.": States, "states.": States,
		"cat.":        {members.CatNew, members.CatCurrent, members.CatPast, members.CatAll},
		"cats.":       {members.CatNew, members.CatCurrent, members.CatPast, members.CatAll},
		"col.":        ExportColumns,
		"mailname.":   EmailNames,
		"langname.":   auth.Languages,
		"audit.":      AuditActions,
		"subject.":    auditSubjects,
		"flash.":      flashCodes,
		"app.action.": {"accept", "delete", "resend"},
		"field.":      {"first_name", "last_name", "email", "phone", "address", "city", "postal_code", "date_of_birth", "company"},
		"status.":     {"400", "403", "404", "409", "422", "500"},
		"err.":        {"control", "bidi", "encoding", "too_long"}, // from console.CheckText
	}
	for name := range transitions {
		families["app.action."] = append(families["app.action."], name)
	}
	for prefix, codes := range families {
		for _, c := range codes {
			uses = append(uses, catalogtest.Use{Where: prefix + "*", Key: prefix + c})
		}
	}
	for _, s := range States {
		for _, act := range Actions(s) {
			uses = append(uses, catalogtest.Use{Where: "Actions(" + s + ")", Key: "app.action." + act})
		}
	}
	catalogtest.Known(t, messages, auth.Languages, uses...)
	// Every grantable permission has its label, the console's own here and
	// a section's where the section declared it (console.Declare).
	var roles []catalogtest.Use
	for _, role := range auth.Roles {
		roles = append(roles, catalogtest.Use{Where: "auth.Roles", Key: "role." + role})
	}
	catalogtest.Known(t, console.Catalog(), auth.Languages, roles...)
	// An unknown code shows as itself rather than as a missing key.
	if got := label("cs", "audit.", "something.new"); got != "something.new" {
		t.Errorf("unknown audit code shown as %q", got)
	}
	if got := statusTitle("cs", 418); got == "" || strings.HasPrefix(got, "status.") {
		t.Errorf("status 418 title %q", got)
	}
}

// TestAuditActionsListed: every audit code written by this package and by
// internal/auth is in AuditActions (and so has a label). The codes are
// found as the string literals passed to audit(…) and as Action: "…" in
// Entry literals.
func TestAuditActionsListed(t *testing.T) {
	codeRE := regexp.MustCompile(`(?:Action: |(?:c|reg)\.audit\([^,]+, [^,]+, [^,]+, |consoleAudit\([^,]+, [^,]+, [^,]+, [^,]+, |action (?::)?= |memberUpdate\([^,]+, [^,]+, [^,]+, )"([a-z.-]+)"`)
	var files []string
	for _, dir := range []string{".", "../auth", "../members", "../events"} {
		matches, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		files = append(files, matches...)
	}
	found := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range codeRE.FindAllStringSubmatch(string(b), -1) {
			if strings.HasSuffix(m[1], ".") {
				continue // "application."+action: checked below
			}
			found++
			if !slices.Contains(AuditActions, m[1]) {
				t.Errorf("%s writes audit action %q, which AuditActions (and messages.json) lack", f, m[1])
			}
		}
	}
	// Built from parts: typ+".view", "application."+action, typ+".note".
	for _, typ := range []string{"application", "member"} {
		for _, suffix := range []string{".view", ".note"} {
			if !slices.Contains(AuditActions, typ+suffix) {
				t.Errorf("AuditActions lacks %s", typ+suffix)
			}
		}
	}
	for name := range transitions {
		if !slices.Contains(AuditActions, "application."+name) {
			t.Errorf("AuditActions lacks application.%s", name)
		}
	}
	if found < 25 {
		t.Fatalf("found only %d audit actions in the sources: has the pattern changed?", found)
	}
}
