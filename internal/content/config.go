package content

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"gopkg.in/yaml.v3"
)

// configNames are tried in this order; the first one present wins, like Hugo
// (hugo.* is the newer name and takes precedence over config.*).
var configNames = []string{
	"hugo.toml", "config.toml",
	"hugo.yaml", "hugo.yml", "config.yaml", "config.yml",
	"hugo.json", "config.json",
}

// defaultTimeZone is where the unions this was written for live; a site sets
// `timeZone` to change it.
const defaultTimeZone = "Europe/Prague"

// siteConfig is the part of the config Unionhall understands. Everything else
// is ignored on purpose: sites are written for Hugo and carry many Hugo-only
// keys (theme, menus, markup settings …) that have no meaning here.
type siteConfig struct {
	file                string
	title               string
	baseURL             string
	languageCode        string
	defaultLang         string
	defaultLangInSubdir bool
	location            *time.Location
	timesInUTC          bool
	params              map[string]any
	permalinks          map[string]string // section -> pattern
	languages           []*Language
}

// parseData decodes a TOML, YAML or JSON document into generic values.
// Errors carry the line (relative to the given text, 1-based) so callers can
// print file:line. lineOffset is added to reported lines (front matter starts
// below the opening delimiter).
func parseData(format string, src []byte) (map[string]any, error) {
	switch format {
	case "toml":
		m := map[string]any{}
		if err := toml.Unmarshal(src, &m); err != nil {
			return nil, tomlErr(err)
		}
		return m, nil
	case "yaml":
		v, err := decodeYAML(src)
		if err != nil {
			return nil, err
		}
		switch t := v.(type) {
		case nil:
			return map[string]any{}, nil
		case map[string]any:
			return t, nil
		default:
			return nil, &lineError{line: 1, msg: "expected a mapping of keys to values at the top level"}
		}
	case "json":
		v, err := decodeJSON(src)
		if err != nil {
			return nil, err
		}
		m, ok := v.(map[string]any)
		if !ok {
			return nil, &lineError{line: 1, msg: "expected a JSON object at the top level"}
		}
		return m, nil
	}
	return nil, fmt.Errorf("unknown format %q", format)
}

// lineError is a parse error with a line number relative to the parsed text.
type lineError struct {
	line int
	msg  string
}

func (e *lineError) Error() string { return fmt.Sprintf("line %d: %s", e.line, e.msg) }

func tomlErr(err error) error {
	var pe toml.ParseError
	if errors.As(err, &pe) {
		line := pe.Position.Line
		// The parser reports an unexpected end of line on the next line;
		// the mistake is on the line that ended.
		if strings.Contains(pe.Message, `got '\n'`) && line > 1 {
			line--
		}
		return &lineError{line: line, msg: "TOML: " + pe.Message}
	}
	return &lineError{line: 1, msg: "TOML: " + err.Error()}
}

var yamlLineRE = regexp.MustCompile(`line (\d+): ?`)

func yamlErr(err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	msg = strings.ReplaceAll(msg, "\n", "; ")
	if m := yamlLineRE.FindStringSubmatchIndex(msg); m != nil {
		n, _ := strconv.Atoi(msg[m[2]:m[3]])
		return &lineError{line: n, msg: "YAML: " + strings.TrimSpace(msg[:m[0]]+msg[m[1]:])}
	}
	return &lineError{line: 1, msg: "YAML: " + msg}
}

func decodeJSON(src []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(src))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, jsonErr(src, err)
	}
	if dec.More() {
		return nil, &lineError{line: lineAt(src, int(dec.InputOffset())), msg: "JSON: unexpected data after the top-level value"}
	}
	return normaliseJSON(v), nil
}

func jsonErr(src []byte, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return &lineError{line: lineAt(src, int(se.Offset)), msg: "JSON: " + se.Error()}
	case errors.As(err, &te):
		return &lineError{line: lineAt(src, int(te.Offset)), msg: "JSON: " + te.Error()}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return &lineError{line: lineAt(src, len(src)), msg: "JSON: unexpected end of input"}
	}
	return &lineError{line: 1, msg: "JSON: " + err.Error()}
}

// normaliseJSON turns json.Number into int64 or float64 so values look like
// what the TOML and YAML decoders produce.
func normaliseJSON(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			t[k] = normaliseJSON(x)
		}
		return t
	case []any:
		for i, x := range t {
			t[i] = normaliseJSON(x)
		}
		return t
	case json.Number:
		if i, err := t.Int64(); err == nil {
			return i
		}
		f, _ := t.Float64()
		return f
	}
	return v
}

// lineAt returns the 1-based line of byte offset off in src.
func lineAt(src []byte, off int) int {
	if off > len(src) {
		off = len(src)
	}
	if off < 0 {
		off = 0
	}
	return bytes.Count(src[:off], []byte{'\n'}) + 1
}

// decodeYAML decodes through yaml.Node so that timestamps stay strings: the
// loader must see whether a time was written with "Z" (read as wall-clock time
// by default) or with an explicit offset, which yaml's time.Time loses.
func decodeYAML(src []byte) (any, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, yamlErr(err)
	}
	if doc.Kind == 0 {
		return nil, nil
	}
	budget := maxYAMLNodes
	return yamlValue(&doc, 0, &budget)
}

// maxYAMLNodes bounds alias expansion: "billion laughs" documents expand a
// few lines into exponentially many values.
const maxYAMLNodes = 200000

func yamlValue(n *yaml.Node, depth int, budget *int) (any, error) {
	if depth > 100 {
		return nil, &lineError{line: n.Line, msg: "YAML: nesting too deep"}
	}
	if *budget--; *budget < 0 {
		return nil, &lineError{line: n.Line, msg: "YAML: document expands to too many values (aliases?)"}
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return yamlValue(n.Content[0], depth+1, budget)
	case yaml.AliasNode:
		return yamlValue(n.Alias, depth+1, budget)
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := yamlValue(c, depth+1, budget)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.MappingNode:
		out := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, vn := n.Content[i], n.Content[i+1]
			if k.Tag == "!!merge" || k.Value == "<<" && k.Tag != "!!str" {
				v, err := yamlValue(vn, depth+1, budget)
				if err != nil {
					return nil, err
				}
				if m, ok := v.(map[string]any); ok {
					for mk, mv := range m {
						if _, exists := out[mk]; !exists {
							out[mk] = mv
						}
					}
				}
				continue
			}
			v, err := yamlValue(vn, depth+1, budget)
			if err != nil {
				return nil, err
			}
			out[k.Value] = v
		}
		return out, nil
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!str", "!!timestamp", "!!binary":
			return n.Value, nil
		case "!!null":
			return nil, nil
		case "!!bool":
			var b bool
			if err := n.Decode(&b); err != nil {
				return nil, yamlErr(err)
			}
			return b, nil
		case "!!int":
			if i, err := strconv.ParseInt(n.Value, 10, 64); err == nil {
				return i, nil
			}
			var i int64
			if err := n.Decode(&i); err != nil {
				// Too large for int64: keep the text rather than fail the site.
				return n.Value, nil
			}
			return i, nil
		case "!!float":
			if f, err := strconv.ParseFloat(n.Value, 64); err == nil {
				return f, nil
			}
			var f float64
			if err := n.Decode(&f); err != nil {
				return n.Value, nil
			}
			return f, nil
		}
		return n.Value, nil
	}
	return nil, nil
}

// loadConfig reads the first config file found in fsys.
func loadConfig(fsys fs.FS) (*siteConfig, error) {
	cfg := &siteConfig{params: map[string]any{}, permalinks: map[string]string{}}
	var raw map[string]any
	for _, name := range configNames {
		src, err := fs.ReadFile(fsys, name)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		cfg.file = name
		m, err := parseData(formatOf(name), src)
		if err != nil {
			return nil, fileErr(name, 0, err)
		}
		raw = lowerKeys(m)
		break
	}
	if raw == nil {
		raw = map[string]any{}
	}
	cfg.title = str(raw["title"])
	cfg.baseURL = strings.TrimRight(str(raw["baseurl"]), "/")
	cfg.languageCode = str(raw["languagecode"])
	cfg.defaultLang = strings.ToLower(str(raw["defaultcontentlanguage"]))
	cfg.defaultLangInSubdir, _ = raw["defaultcontentlanguageinsubdir"].(bool)
	if p, ok := raw["params"].(map[string]any); ok {
		cfg.params = p
	}
	if uh, ok := raw["unionhall"].(map[string]any); ok {
		cfg.timesInUTC, _ = uh["timesinutc"].(bool)
	}
	tz := str(raw["timezone"])
	if tz == "" {
		tz = defaultTimeZone
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return nil, fmt.Errorf("%s:%d: unknown timeZone %q", cfg.file, keyLine(cfg.file, fsys, "timeZone"), tz)
	}
	cfg.location = loc
	cfg.permalinks = permalinkMap(raw["permalinks"])

	if langs, ok := raw["languages"].(map[string]any); ok {
		for code, v := range langs {
			lm, _ := v.(map[string]any)
			l := &Language{
				Code:   strings.ToLower(code),
				Name:   str(lm["languagename"]),
				Title:  str(lm["title"]),
				Params: map[string]any{},
			}
			if w, ok := toInt(lm["weight"]); ok {
				l.Weight = w
			}
			if p, ok := lm["params"].(map[string]any); ok {
				l.Params = p
			}
			l.Permalinks = map[string]string{}
			for k, v := range cfg.permalinks {
				l.Permalinks[k] = v
			}
			for k, v := range permalinkMap(lm["permalinks"]) {
				l.Permalinks[k] = v
			}
			cfg.languages = append(cfg.languages, l)
		}
	}
	if len(cfg.languages) == 0 {
		code := cfg.defaultLang
		if code == "" {
			code = strings.ToLower(strings.SplitN(strings.ReplaceAll(cfg.languageCode, "_", "-"), "-", 2)[0])
		}
		if code == "" {
			code = "en"
		}
		cfg.languages = []*Language{{Code: code, Params: map[string]any{}, Permalinks: cfg.permalinks}}
	}
	sort.SliceStable(cfg.languages, func(i, j int) bool {
		a, b := cfg.languages[i], cfg.languages[j]
		if a.Weight != b.Weight {
			// Hugo treats weight 0 as "unset", after every weighted language.
			if a.Weight == 0 || b.Weight == 0 {
				return b.Weight == 0
			}
			return a.Weight < b.Weight
		}
		return a.Code < b.Code
	})
	for _, l := range cfg.languages {
		if l.Name == "" {
			l.Name = languageName(l.Code)
		}
	}
	if cfg.defaultLang == "" {
		cfg.defaultLang = "en"
		if !hasLang(cfg.languages, "en") {
			cfg.defaultLang = cfg.languages[0].Code
		}
	} else if !hasLang(cfg.languages, cfg.defaultLang) {
		return nil, fmt.Errorf("%s:%d: defaultContentLanguage %q is not one of the configured languages",
			cfg.file, keyLine(cfg.file, fsys, "defaultContentLanguage"), cfg.defaultLang)
	}
	return cfg, nil
}

func hasLang(ls []*Language, code string) bool {
	for _, l := range ls {
		if l.Code == code {
			return true
		}
	}
	return false
}

// languageName gives a readable name when the config has no languageName.
func languageName(code string) string {
	switch code {
	case "cs":
		return "Čeština"
	case "en":
		return "English"
	case "sr":
		return "Srpski"
	case "sk":
		return "Slovenčina"
	case "de":
		return "Deutsch"
	case "pl":
		return "Polski"
	}
	return strings.ToUpper(code)
}

// permalinkMap reads Hugo's `permalinks` in both the old flat form
// (section = pattern) and the newer one (page.section = pattern).
func permalinkMap(v any) map[string]string {
	out := map[string]string{}
	m, ok := v.(map[string]any)
	if !ok {
		return out
	}
	for k, x := range m {
		switch t := x.(type) {
		case string:
			out[k] = t
		case map[string]any:
			if k == "page" {
				for sk, sv := range t {
					if s, ok := sv.(string); ok {
						out[sk] = s
					}
				}
			}
		}
	}
	return out
}

// keyLine finds the line of a top-level key in a config file for messages;
// 1 when it cannot be found.
func keyLine(file string, fsys fs.FS, key string) int {
	src, err := fs.ReadFile(fsys, file)
	if err != nil {
		return 1
	}
	if n := findKeyLine(string(src), key); n > 0 {
		return n
	}
	return 1
}

// findKeyLine returns the 1-based line where key is defined (YAML `key:`,
// TOML `key =`, JSON `"key":`), case-insensitively; 0 if not found.
func findKeyLine(src, key string) int {
	lk := strings.ToLower(key)
	line := 0
	for len(src) > 0 {
		line++
		i := strings.IndexByte(src, '\n')
		var l string
		if i < 0 {
			l, src = src, ""
		} else {
			l, src = src[:i], src[i+1:]
		}
		t := strings.ToLower(strings.TrimSpace(l))
		t = strings.Trim(t, `"'`)
		if strings.HasPrefix(t, lk) {
			rest := strings.TrimLeft(strings.TrimPrefix(t[len(lk):], `"`), " \t")
			rest = strings.TrimPrefix(rest, `'`)
			if strings.HasPrefix(rest, ":") || strings.HasPrefix(rest, "=") {
				return line
			}
		}
	}
	return 0
}

func formatOf(name string) string {
	switch {
	case strings.HasSuffix(name, ".toml"):
		return "toml"
	case strings.HasSuffix(name, ".yaml"), strings.HasSuffix(name, ".yml"):
		return "yaml"
	case strings.HasSuffix(name, ".json"):
		return "json"
	}
	return ""
}

// fileErr turns a parse error into "file:line: message"; base is the line of
// the parsed text's first line minus one.
func fileErr(file string, base int, err error) *Problem {
	var le *lineError
	if errors.As(err, &le) {
		return &Problem{File: file, Line: base + le.line, Severity: SevError, Message: le.msg}
	}
	return &Problem{File: file, Line: base + 1, Severity: SevError, Message: err.Error()}
}

// Error makes a Problem usable as an error ("file:line: message").
func (p *Problem) Error() string { return p.String() }

// String formats a Problem as "file:line: severity: message".
func (p Problem) String() string {
	loc := p.File
	if loc == "" {
		loc = "site"
	}
	if p.Line > 0 {
		loc += ":" + strconv.Itoa(p.Line)
	}
	return loc + ": " + string(p.Severity) + ": " + p.Message
}

// lowerKeys lower-cases map keys recursively, as Hugo does for config and
// params, so templates and lookups need not care how a key was written.
func lowerKeys(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[strings.ToLower(k)] = lowerValue(v)
	}
	return out
}

func lowerValue(v any) any {
	switch t := v.(type) {
	case map[string]any:
		return lowerKeys(t)
	case []map[string]any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = lowerKeys(x)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = lowerValue(x)
		}
		return out
	}
	return v
}

func str(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case nil:
		return ""
	case fmt.Stringer:
		return t.String()
	case time.Time:
		return t.Format(time.RFC3339)
	}
	return fmt.Sprint(v)
}

func toInt(v any) (int, bool) {
	switch t := v.(type) {
	case int:
		return t, true
	case int64:
		return int(t), true
	case float64:
		return int(t), true
	case string:
		i, err := strconv.Atoi(strings.TrimSpace(t))
		return i, err == nil
	}
	return 0, false
}

func toFloat(v any) (float64, bool) {
	switch t := v.(type) {
	case int:
		return float64(t), true
	case int64:
		return float64(t), true
	case float64:
		return t, true
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(strings.ReplaceAll(t, ",", ".")), 64)
		return f, err == nil
	}
	return 0, false
}
