package content

import (
	"embed"
	"fmt"
	"io/fs"
	"math"
	"path"
	"sort"
	"strconv"
	"strings"
	"text/template"

	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
)

// defaultsFS holds the built-in UI strings. A site's i18n/<lang>.toml
// overrides them key by key, so a union only writes the strings it wants to
// change.
//
//go:embed defaults/*.toml
var defaultsFS embed.FS

// pluralForms are the CLDR categories a message may define.
var pluralForms = []string{"zero", "one", "two", "few", "many", "other"}

// message is one UI string with its plural forms; templates are parsed at
// load so T does no parsing per request.
type message struct {
	forms map[string]string
	tmpls map[string]*template.Template
}

// catalog is the merged set of UI strings: per language, the site's file
// over the built-in defaults.
type catalog struct {
	langs map[string]map[string]*message
	tags  map[string]language.Tag
}

// lookup returns the message for key in lang, else English, else false.
func (c *catalog) lookup(lang, key string, args []any) (string, bool) {
	if c == nil {
		return "", false
	}
	key = strings.ToLower(key)
	for _, l := range []string{lang, baseLang(lang), "en"} {
		if m := c.langs[l][key]; m != nil {
			return c.format(l, m, args), true
		}
	}
	return "", false
}

func baseLang(l string) string {
	b, _, _ := strings.Cut(l, "-")
	return b
}

// templateData mirrors Hugo: a number argument is both {{ . }} and
// {{ .Count }}.
type intCount int

func (c intCount) Count() int { return int(c) }

type floatCount float64

func (c floatCount) Count() float64 { return float64(c) }

func (c *catalog) format(lang string, m *message, args []any) string {
	form := "other"
	var data any
	if len(args) > 0 {
		data = args[0]
		var count any = args[0]
		if mp, ok := args[0].(map[string]any); ok {
			count = mp["Count"]
			if count == nil {
				count = mp["count"]
			}
		}
		if n, f, ok := pluralOperands(count); ok {
			form = c.pluralForm(lang, n, f)
			if f == "" {
				if _, isMap := args[0].(map[string]any); !isMap {
					data = intCount(n)
				}
			} else if fv, err := strconv.ParseFloat(strconv.Itoa(n)+"."+f, 64); err == nil {
				if _, isMap := args[0].(map[string]any); !isMap {
					data = floatCount(fv)
				}
			}
		}
	}
	text, ok := m.forms[form]
	if !ok || text == "" {
		form = "other"
		text = m.forms["other"]
	}
	if t := m.tmpls[form]; t != nil {
		var b strings.Builder
		if err := t.Execute(&b, data); err == nil {
			return b.String()
		}
	}
	return text
}

// pluralOperands splits a count into its integer part and fraction digits.
func pluralOperands(v any) (int, string, bool) {
	switch t := v.(type) {
	case int:
		return t, "", true
	case int64:
		return int(t), "", true
	case int32:
		return int(t), "", true
	case uint:
		return int(t), "", true
	case float64:
		if t == math.Trunc(t) && math.Abs(t) < 1e15 {
			return int(t), "", true
		}
		s := strconv.FormatFloat(math.Abs(t), 'f', -1, 64)
		i, f, _ := strings.Cut(s, ".")
		n, _ := strconv.Atoi(i)
		return n, f, true
	case string:
		if n, err := strconv.Atoi(strings.TrimSpace(t)); err == nil {
			return n, "", true
		}
		if f, err := strconv.ParseFloat(strings.TrimSpace(t), 64); err == nil {
			return pluralOperands(f)
		}
	}
	return 0, "", false
}

func (c *catalog) pluralForm(lang string, n int, frac string) string {
	tag, ok := c.tags[lang]
	if !ok {
		tag = language.Make(lang)
	}
	if n < 0 {
		n = -n
	}
	v := len(frac)
	f, _ := strconv.Atoi(frac)
	trimmed := strings.TrimRight(frac, "0")
	w := len(trimmed)
	t, _ := strconv.Atoi(trimmed)
	// MatchPlural takes the CLDR operands i, v, w, f, t.
	switch plural.Cardinal.MatchPlural(tag, n, v, w, f, t) {
	case plural.Zero:
		return "zero"
	case plural.One:
		return "one"
	case plural.Two:
		return "two"
	case plural.Few:
		return "few"
	case plural.Many:
		return "many"
	}
	return "other"
}

// loadI18n merges the built-in defaults with the site's i18n folder. A
// malformed site file is fatal, like any other malformed site file.
func (l *loader) loadI18n() *catalog {
	c := &catalog{langs: map[string]map[string]*message{}, tags: map[string]language.Tag{}}
	defaults, _ := fs.Glob(defaultsFS, "defaults/*.toml")
	for _, f := range defaults {
		src, _ := defaultsFS.ReadFile(f)
		if err := c.addFile(f, src); err != nil {
			// The defaults are part of the binary and tested; a failure here
			// is a programming error worth stopping for.
			panic(fmt.Sprintf("built-in i18n %s: %v", f, err))
		}
	}
	entries, err := fs.ReadDir(l.fsys, "i18n")
	if err == nil {
		for _, e := range entries {
			name := e.Name()
			if e.IsDir() || formatOf(name) == "" || strings.HasPrefix(name, ".") {
				continue
			}
			file := "i18n/" + name
			src, err := readLimited(l.fsys, file)
			if err != nil {
				l.fatalf(file, 0, "cannot read: %v", err)
				continue
			}
			if err := c.addFile(file, normaliseSource(src)); err != nil {
				l.fatal = append(l.fatal, *fileErr(file, 0, err))
			}
		}
	}
	for lang := range c.langs {
		c.tags[lang] = language.Make(lang)
	}
	return c
}

// addFile reads one translation file in any of Hugo's layouts:
//
//	key = "text"                      # flat
//	[key]                             # plural forms
//	one = "…"; few = "…"; other = "…"
//	- id: key                         # go-i18n v1 list (YAML/JSON)
//	  translation: "…"
func (c *catalog) addFile(file string, src []byte) error {
	lang := strings.ToLower(strings.TrimSuffix(path.Base(file), path.Ext(file)))
	var v any
	var err error
	switch formatOf(file) {
	case "toml":
		v, err = parseData("toml", src)
	case "yaml":
		v, err = decodeYAML(src)
	case "json":
		v, err = decodeJSON(src)
	}
	if err != nil {
		return err
	}
	msgs := c.langs[lang]
	if msgs == nil {
		msgs = map[string]*message{}
		c.langs[lang] = msgs
	}
	switch t := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if err := c.addValue(msgs, k, t[k], src); err != nil {
				return err
			}
		}
	case []any:
		for i, it := range t {
			m, ok := it.(map[string]any)
			if !ok || str(m["id"]) == "" {
				return &lineError{line: 1, msg: fmt.Sprintf("entry %d has no id", i+1)}
			}
			if err := c.addValue(msgs, str(m["id"]), m["translation"], src); err != nil {
				return err
			}
		}
	case nil:
	default:
		return &lineError{line: 1, msg: "expected a table of translations"}
	}
	return nil
}

func (c *catalog) addValue(msgs map[string]*message, id string, v any, src []byte) error {
	m := &message{forms: map[string]string{}}
	switch t := v.(type) {
	case string:
		m.forms["other"] = t
	case map[string]any:
		if tr, ok := t["translation"]; ok {
			return c.addValue(msgs, id, tr, src)
		}
		for _, f := range pluralForms {
			if s, ok := t[f].(string); ok {
				m.forms[f] = s
			}
		}
	case nil:
	case []any:
		// Not a message (a list in a data-like file): Hugo ignores it too.
	default:
		m.forms["other"] = str(t)
	}
	if len(m.forms) == 0 {
		return nil
	}
	if _, ok := m.forms["other"]; !ok {
		for _, f := range []string{"many", "few", "one", "two", "zero"} {
			if s, ok := m.forms[f]; ok {
				m.forms["other"] = s
				break
			}
		}
	}
	return c.store(msgs, id, m, src)
}

func (c *catalog) store(msgs map[string]*message, id string, m *message, src []byte) error {
	for f, s := range m.forms {
		if !strings.Contains(s, "{{") {
			continue
		}
		t, err := template.New(id).Option("missingkey=zero").Parse(s)
		if err != nil {
			line := findKeyLine(string(src), id)
			if line == 0 {
				line = 1
			}
			return &lineError{line: line, msg: fmt.Sprintf("translation %q: %v", id, err)}
		}
		if m.tmpls == nil {
			m.tmpls = map[string]*template.Template{}
		}
		m.tmpls[f] = t
	}
	msgs[strings.ToLower(id)] = m
	return nil
}

// T returns the UI string key in lang: the site's i18n/<lang> file over the
// built-in defaults, then English, then the key itself (so a missing string
// is visible but never breaks a page). args[0] may be a count (selecting the
// plural form by the language's CLDR rules, e.g. Czech one/few/many/other)
// or a map used as template data; {{ .Count }} and {{ . }} work as in Hugo.
func (s *Site) T(lang, key string, args ...any) string {
	if t, ok := s.i18n.lookup(lang, key, args); ok {
		return t
	}
	return key
}

// HasT reports whether a UI string exists for key (in lang or English).
func (s *Site) HasT(lang, key string) bool {
	_, ok := s.i18n.lookup(lang, key, nil)
	return ok
}

// DefaultKeys lists every built-in UI string key (sorted), for tests and
// for translators.
func DefaultKeys() []string {
	c := &catalog{langs: map[string]map[string]*message{}}
	src, _ := defaultsFS.ReadFile("defaults/en.toml")
	_ = c.addFile("en.toml", src)
	keys := make([]string, 0, len(c.langs["en"]))
	for k := range c.langs["en"] {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
