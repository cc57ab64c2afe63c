package admin

import (
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"unionhall/internal/auth"
	"unionhall/internal/events"
)

// pluralBase returns the key without its plural form and the form, for a
// key such as "apps.count.few"; ok is false for an ordinary key.
func pluralBase(key string) (base, form string, ok bool) {
	i := strings.LastIndexByte(key, '.')
	if i < 0 {
		return "", "", false
	}
	switch f := key[i+1:]; f {
	case "zero", "one", "two", "few", "many", "other":
		return key[:i], f, true
	}
	return "", "", false
}

// wantForms are the plural forms each language needs for whole numbers.
func wantForms(lang string) []string {
	seen := map[string]bool{}
	for n := range 1000 {
		seen[pluralForm(lang, n)] = true
	}
	return slices.Sorted(maps.Keys(seen))
}

var placeholderRE = regexp.MustCompile(`\{[a-z_]+\}`)

func placeholders(s string) []string {
	p := placeholderRE.FindAllString(s, -1)
	slices.Sort(p)
	return slices.Compact(p)
}

// TestMessagesInBothLanguages: every text exists in English and Czech with
// the same placeholders, and every plural text has the forms its language
// needs (English one/other; Czech one/few/other).
func TestMessagesInBothLanguages(t *testing.T) {
	if len(messages) != len(auth.Languages) {
		t.Fatalf("messages.json has languages %v, the console speaks %v", slices.Sorted(maps.Keys(messages)), auth.Languages)
	}
	plurals := map[string]bool{}
	for _, lang := range auth.Languages {
		if messages[lang] == nil {
			t.Fatalf("messages.json lacks %q", lang)
		}
		for k, v := range messages[lang] {
			if strings.TrimSpace(v) == "" {
				t.Errorf("%s: %s is empty", lang, k)
			}
			if base, _, ok := pluralBase(k); ok {
				plurals[base] = true
			}
		}
	}
	for _, a := range auth.Languages {
		for _, b := range auth.Languages {
			for k, v := range messages[a] {
				if _, _, ok := pluralBase(k); ok {
					continue // checked per form below
				}
				w, ok := messages[b][k]
				if !ok {
					t.Errorf("%s lacks %s (%s has it)", b, k, a)
					continue
				}
				if !slices.Equal(placeholders(v), placeholders(w)) {
					t.Errorf("%s: placeholders differ between %s %v and %s %v", k, a, placeholders(v), b, placeholders(w))
				}
			}
		}
	}
	for base := range plurals {
		for _, lang := range auth.Languages {
			for _, f := range wantForms(lang) {
				if _, ok := messages[lang][base+"."+f]; !ok {
					t.Errorf("%s: plural %s lacks the form %q", lang, base, f)
				}
			}
		}
	}
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
	// message key among their arguments: f.text("name", "wp.name", …),
	// f.bad("columns", "export.columns", "err.nothing_chosen").
	formCallRE = regexp.MustCompile(`\.(?:text|email|number|date|choice|bad|clash)\(([^)]*)\)`)
	formKeyRE  = regexp.MustCompile(`"([a-z_]+\.[a-z_.]+)"`)
	// The label of a field built in a template: (field $f "name" "label.key" …).
	tmplFieldRE = regexp.MustCompile(`\(field \S+ "[^"]+" "([^"]+)"`)
)

func checkKey(t *testing.T, where, key string) {
	t.Helper()
	for _, lang := range auth.Languages {
		if _, ok := messages[lang][key]; !ok {
			t.Errorf("%s: %q has no %s text", where, key, lang)
		}
	}
}

func checkPlural(t *testing.T, where, base string) {
	t.Helper()
	for _, lang := range auth.Languages {
		for _, f := range wantForms(lang) {
			if _, ok := messages[lang][base+"."+f]; !ok {
				t.Errorf("%s: plural %q has no %s form %q", where, base, lang, f)
			}
		}
	}
}

// TestTemplatesAndCodeUseKnownKeys walks the templates and the Go sources
// for translation calls, and checks the keys built from codes (states,
// categories, roles, audit actions…) for every code there is.
func TestTemplatesAndCodeUseKnownKeys(t *testing.T) {
	n := 0
	err := fs.WalkDir(templateFS, "templates", func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := fs.ReadFile(templateFS, p)
		if err != nil {
			return err
		}
		for _, m := range tmplKeyRE.FindAllStringSubmatch(string(b), -1) {
			checkKey(t, p, m[1])
			n++
		}
		for _, m := range tmplFieldRE.FindAllStringSubmatch(string(b), -1) {
			checkKey(t, p, m[1])
			n++
		}
		for _, m := range tmplCountRE.FindAllStringSubmatch(string(b), -1) {
			checkPlural(t, p, m[1])
			n++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	gos, _ := filepath.Glob("*.go")
	for _, f := range gos {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, call := range formCallRE.FindAllStringSubmatch(string(b), -1) {
			for _, m := range formKeyRE.FindAllStringSubmatch(call[1], -1) {
				checkKey(t, f, m[1])
				n++
			}
		}
		for _, m := range goKeyRE.FindAllStringSubmatch(string(b), -1) {
			if strings.HasSuffix(m[1], ".") {
				continue // a prefix ("flash."+code): checked with the families below
			}
			checkKey(t, f, m[1])
			n++
		}
	}
	if n < 300 {
		t.Fatalf("only %d translation calls found: has the call pattern changed?", n)
	}

	families := map[string][]string{
		"state.": States, "states.": States,
		"cat.":        {CatNew, CatCurrent, CatPast, CatAll},
		"cats.":       {CatNew, CatCurrent, CatPast, CatAll},
		"reg.":        {events.StatusConfirmed, events.StatusWaiting, events.StatusCancelled},
		"audience.":   messageAudiences,
		"role.":       auth.Roles,
		"col.":        ExportColumns,
		"mailname.":   EmailNames,
		"langname.":   auth.Languages,
		"audit.":      AuditActions,
		"subject.":    auditSubjects,
		"flash.":      flashCodes,
		"app.action.": {"accept", "delete", "resend"},
		"field.":      {"first_name", "last_name", "email", "phone", "address", "city", "postal_code", "date_of_birth", "company"},
		"status.":     {"400", "403", "404", "409", "422", "500"},
		"err.":        {"control", "bidi", "encoding", "too_long"}, // from checkText
	}
	for name := range transitions {
		families["app.action."] = append(families["app.action."], name)
	}
	for prefix, codes := range families {
		for _, c := range codes {
			checkKey(t, prefix+"*", prefix+c)
		}
	}
	for _, s := range States {
		for _, act := range Actions(s) {
			checkKey(t, "Actions("+s+")", "app.action."+act)
		}
	}
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
	codeRE := regexp.MustCompile(`(?:Action: |c\.audit\([^,]+, [^,]+, [^,]+, |action (?::)?= |memberUpdate\([^,]+, [^,]+, [^,]+, )"([a-z.-]+)"`)
	var files []string
	for _, dir := range []string{".", "../auth"} {
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
