package content

import (
	"bytes"
	"errors"
	"fmt"
	stdhtml "html"
	"html/template"
	"io"
	"io/fs"
	"math"
	"os"
	"path"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// LoadError is returned by Load when the site cannot be served: a malformed
// config, data, i18n or content file. It lists every such problem, not only
// the first, so `unionhall check` can print them all at once.
type LoadError struct {
	Problems []Problem
}

func (e *LoadError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// maxFileSize bounds what is read from one content, data or config file.
// Real pages are a few kilobytes; a 4 MB page is a mistake or an attack and
// would make every visitor pay for it.
const maxFileSize = 4 << 20

// LoadDir loads the site folder at dir.
func LoadDir(dir string) (*Site, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("site folder: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("site folder %s is not a directory", dir)
	}
	// Fingerprint before reading, so a Watch started after this load
	// notices any edit made while it was loading.
	fp, fpErr := fingerprint(dir)
	s, err := Load(os.DirFS(dir))
	if err == nil && fpErr == nil {
		loadedFingerprints.Store(watchKey(dir), fp)
	}
	return s, err
}

// Load reads a site folder rooted at fsys (os.DirFS(dir) or an embedded
// sub-FS). A malformed config, data, i18n or content file is fatal and
// reported as *LoadError ("file:line: error: what is wrong"); everything
// else that is wrong but servable lands in Site.Problems.
func Load(fsys fs.FS) (*Site, error) {
	l := &loader{fsys: fsys, pack: true}
	return l.load()
}

type loader struct {
	fsys  fs.FS
	pack  bool // packSite the result (false only in tests comparing both)
	cfg   *siteConfig
	site  *Site
	fatal []Problem
	// refs maps the ways a page can be named in ref/relref to its pages.
	refs map[string][]*Page
}

// pageSrc is what phase 1 keeps for rendering in phase 2.
type pageSrc struct {
	page     *Page
	file     string
	rel      string // path under content/
	dir      string // directory under content/ ("." for top level)
	name     string // file name without language and extension
	fileLang string
	bundle   bool // index.* of a leaf bundle
	body     []byte
	bodyLine int
	format   string
	fmRaw    string
	fmLine   int
	desc     string
	descLine int
	subDesc  string
	subLine  int
	problems []Problem
	skip     bool
	err      *Problem
	heading  bool // plain file whose first line is a "# " heading: Markdown
	// Build options (build.go): part is a Markdown resource of the leaf
	// bundle partOf; cascade is what an _index passes down; ownBuild is set
	// when the page's own front matter names build options.
	part     bool
	partOf   string
	cascade  map[string]any
	ownBuild bool
}

func (l *loader) load() (*Site, error) {
	cfg, err := loadConfig(l.fsys)
	if err != nil {
		var p *Problem
		if errors.As(err, &p) {
			return nil, &LoadError{Problems: []Problem{*p}}
		}
		return nil, &LoadError{Problems: []Problem{{File: "config", Line: 1, Severity: SevError, Message: err.Error()}}}
	}
	l.cfg = cfg
	s := &Site{
		Title:               cfg.title,
		BaseURL:             cfg.baseURL,
		Languages:           cfg.languages,
		DefaultLang:         cfg.defaultLang,
		DefaultLangInSubdir: cfg.defaultLangInSubdir,
		Location:            cfg.location,
		TimesInUTC:          cfg.timesInUTC,
		Params:              cfg.params,
		Data:                map[string]any{},
		LoadedAt:            time.Now(),
		byURL:               map[string]*Page{},
		resources:           map[string]string{},
		aliases:             map[string]string{},
		byKey:               map[string][]*Page{},
		homes:               map[string]*Page{},
		sections:            map[string]*Page{},
		langs:               map[string]*Language{},
		fsys:                l.fsys,
	}
	l.site = s
	for _, lang := range s.Languages {
		s.langs[lang.Code] = lang
	}
	if sub, ok := subDir(l.fsys, "static"); ok {
		s.Static = sub
	}
	if sub, ok := subDir(l.fsys, "assets"); ok {
		s.Assets = sub
	}
	s.i18n = l.loadI18n()
	l.loadData()
	srcs := l.readContent()
	if len(l.fatal) > 0 {
		sortProblems(l.fatal)
		return nil, &LoadError{Problems: l.fatal}
	}
	l.applyCascades(srcs)
	l.assemble(srcs)
	l.render(srcs)
	sortProblems(s.Problems)
	if l.pack {
		packSite(s)
	}
	return s, nil
}

func subDir(fsys fs.FS, name string) (fs.FS, bool) {
	st, err := fs.Stat(fsys, name)
	if err != nil || !st.IsDir() {
		return nil, false
	}
	sub, err := fs.Sub(fsys, name)
	return sub, err == nil
}

func fsStat(fsys fs.FS, name string) (fs.FileInfo, error) { return fs.Stat(fsys, name) }

func (l *loader) problem(file string, line int, sev Severity, format string, args ...any) {
	l.site.Problems = append(l.site.Problems, Problem{File: file, Line: line, Severity: sev, Message: fmt.Sprintf(format, args...)})
}

func (l *loader) fatalf(file string, line int, format string, args ...any) {
	l.fatal = append(l.fatal, Problem{File: file, Line: line, Severity: SevError, Message: fmt.Sprintf(format, args...)})
}

func readLimited(fsys fs.FS, name string) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	size := int64(-1)
	if st, err := f.Stat(); err == nil {
		if st.Size() > maxFileSize {
			return nil, fmt.Errorf("file is %d bytes, more than the %d allowed", st.Size(), maxFileSize)
		}
		if st.Mode().IsRegular() {
			size = st.Size()
		}
	}
	var b []byte
	if size >= 0 {
		// One allocation of the right size (plus one byte to see a file
		// that grew meanwhile) instead of io.ReadAll's doubling, which made
		// reading 5,000 pages cost twice their size in garbage.
		b = make([]byte, 0, size+1)
	}
	b, err = readAllInto(b, io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxFileSize {
		return nil, fmt.Errorf("file is larger than the %d bytes allowed", maxFileSize)
	}
	return b, nil
}

// readAllInto appends everything r yields to b, growing it only when needed.
func readAllInto(b []byte, r io.Reader) ([]byte, error) {
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
}

// loadData parses data/**.{yaml,yml,toml,json} into Site.Data, nested by
// folder (data/a/b.yaml -> Data["a"]["b"]), as Hugo does.
func (l *loader) loadData() {
	_ = fs.WalkDir(l.fsys, "data", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == "data" {
				return fs.SkipDir // no data folder
			}
			l.fatalf(p, 0, "cannot read: %v", err)
			return nil
		}
		if d.IsDir() {
			if p != "data" && strings.HasPrefix(d.Name(), ".") {
				return fs.SkipDir
			}
			return nil
		}
		format := formatOf(p)
		if format == "" || strings.HasPrefix(d.Name(), ".") {
			return nil
		}
		src, err := readLimited(l.fsys, p)
		if err != nil {
			l.fatalf(p, 0, "cannot read: %v", err)
			return nil
		}
		src = normaliseSource(src)
		var v any
		switch format {
		case "yaml":
			v, err = decodeYAML(src)
		case "json":
			v, err = decodeJSON(src)
		case "toml":
			v, err = parseData("toml", src)
		}
		if err != nil {
			pr := fileErr(p, 0, err)
			l.fatal = append(l.fatal, *pr)
			return nil
		}
		v = lowerValue(v)
		rel := strings.TrimPrefix(p, "data/")
		parts := strings.Split(strings.TrimSuffix(rel, path.Ext(rel)), "/")
		m := l.site.Data
		for _, dir := range parts[:len(parts)-1] {
			sub, ok := m[dir].(map[string]any)
			if !ok {
				sub = map[string]any{}
				m[dir] = sub
			}
			m = sub
		}
		m[parts[len(parts)-1]] = v
		return nil
	})
}

var langLikeRE = regexp.MustCompile(`^[a-z]{2,3}(-[a-z0-9]{2,8})?$`)

// readContent walks content/ and parses every page's file (phase 1): front
// matter and fields, but no Markdown yet. Parsing runs on all cores because
// YAML decoding dominates the load time of a big site.
func (l *loader) readContent() []*pageSrc {
	var files []string
	leafDirs := map[string]bool{}   // dirs holding index.*.md
	branchDirs := map[string]bool{} // dirs holding _index.*.md
	err := fs.WalkDir(l.fsys, "content", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == "content" {
				return fs.SkipDir
			}
			l.fatalf(p, 0, "cannot read: %v", err)
			return nil
		}
		name := d.Name()
		if p != "content" && (strings.HasPrefix(name, ".") || strings.HasSuffix(name, "~")) {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil // editor backups and hidden files
		}
		if d.IsDir() {
			return nil
		}
		files = append(files, p)
		if isMarkdown(name) {
			base, _ := splitLangName(stripMarkdownExt(name))
			switch base {
			case "index":
				leafDirs[path.Dir(p)] = true
			case "_index":
				branchDirs[path.Dir(p)] = true
			}
		}
		return nil
	})
	if err != nil {
		l.fatalf("content", 0, "cannot read: %v", err)
	}
	// leafOf returns the outermost leaf bundle dir containing p (or "").
	leafOf := func(dir string) string {
		found := ""
		for d := dir; d != "content" && d != "." && d != "/"; d = path.Dir(d) {
			if leafDirs[d] {
				found = d
			}
		}
		return found
	}
	var srcs []*pageSrc
	bundleResources := map[string][]string{} // bundle dir -> resource files
	for _, f := range files {
		dir := path.Dir(f)
		name := path.Base(f)
		leaf := leafOf(dir)
		if isMarkdown(name) {
			base, _ := splitLangName(stripMarkdownExt(name))
			if leaf != "" && !(leaf == dir && base == "index") {
				// Markdown inside a leaf bundle is a resource in Hugo, not
				// a page: it is rendered as a part of the bundle (build.go).
				srcs = append(srcs, &pageSrc{file: f, part: true, partOf: strings.TrimPrefix(leaf, "content/")})
				continue
			}
			srcs = append(srcs, &pageSrc{file: f})
			continue
		}
		switch {
		case leaf != "":
			bundleResources[leaf] = append(bundleResources[leaf], f)
		case branchDirs[dir]:
			bundleResources[dir] = append(bundleResources[dir], f)
		}
	}
	parallel(len(srcs), func(i int) { l.parsePage(srcs[i], bundleResources) })
	for _, ps := range srcs {
		switch {
		case ps.err != nil && ps.part:
			// A broken part spoils only the block a theme composes from
			// it, not the site: reported, left out.
			ps.problems = append(ps.problems, *ps.err)
			ps.err, ps.skip = nil, true
		case ps.err != nil:
			l.fatal = append(l.fatal, *ps.err)
		}
	}
	return srcs
}

func isMarkdown(name string) bool {
	return strings.HasSuffix(name, ".md") || strings.HasSuffix(name, ".markdown")
}

func stripMarkdownExt(name string) string {
	return strings.TrimSuffix(strings.TrimSuffix(name, ".md"), ".markdown")
}

// splitLangName splits "intro.en" into ("intro", "en"); ("intro", "") if no
// suffix.
func splitLangName(n string) (string, string) {
	i := strings.LastIndexByte(n, '.')
	if i <= 0 {
		return n, ""
	}
	return n[:i], strings.ToLower(n[i+1:])
}

// parallel runs f(0..n-1) on all cores.
func parallel(n int, f func(int)) {
	workers := runtime.GOMAXPROCS(0)
	if workers > n {
		workers = n
	}
	if workers <= 1 {
		for i := 0; i < n; i++ {
			f(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				f(i)
			}
		}()
	}
	wg.Wait()
}

var ctaTypes = map[string]bool{"register": true, "fill": true, "sign": true}

// parsePage reads one content file (phase 1). It runs concurrently: it only
// writes to ps and reads the config.
func (l *loader) parsePage(ps *pageSrc, bundleResources map[string][]string) {
	cfg := l.cfg
	ps.rel = strings.TrimPrefix(ps.file, "content/")
	ps.dir = path.Dir(ps.rel)
	base, suffix := splitLangName(stripMarkdownExt(path.Base(ps.rel)))
	ps.name = base
	switch {
	case suffix == "":
		ps.fileLang = cfg.defaultLang
	case hasLang(cfg.languages, suffix):
		ps.fileLang = suffix
	case langLikeRE.MatchString(suffix):
		ps.problems = append(ps.problems, Problem{File: ps.file, Line: 1, Severity: SevWarning,
			Message: fmt.Sprintf("language %q is not configured; file skipped", suffix)})
		ps.skip = true
		return
	default:
		// "v1.2.md": the dot is part of the name.
		ps.name = stripMarkdownExt(path.Base(ps.rel))
		ps.fileLang = cfg.defaultLang
	}
	src, err := readLimited(l.fsys, ps.file)
	if err != nil {
		ps.err = &Problem{File: ps.file, Line: 0, Severity: SevError, Message: "cannot read: " + err.Error()}
		return
	}
	// Control characters and bidi overrides (U+202E can make "evil.exe"
	// read as "exe.live") have no business in page text: drop them early so
	// titles, descriptions and bodies are all clean.
	src = normaliseSource(src)
	if !cleanText(src) {
		src = []byte(stripControl(string(src)))
	}
	fm, err := splitFrontMatter(src)
	if err != nil {
		ps.err = fileErr(ps.file, 0, err)
		return
	}
	p := &Page{File: ps.file, Lang: ps.fileLang, Kind: KindPage}
	ps.page = p
	ps.body, ps.bodyLine, ps.format = fm.body, fm.bodyLine, fm.format
	p.Line = fm.bodyLine
	ps.fmRaw, ps.fmLine = string(fm.raw), fm.rawLine
	switch base {
	case "_index":
		p.Kind = KindSection
		if ps.dir == "." {
			p.Kind = KindHome
		}
	case "index":
		ps.bundle = ps.dir != "."
	}
	if ps.dir != "." {
		p.Section = strings.SplitN(ps.dir, "/", 2)[0]
	}
	params := map[string]any{}
	if fm.format != "" {
		m, err := parseData(fm.format, fm.raw)
		if err != nil {
			ps.err = fileErr(ps.file, fm.rawLine-1, err)
			return
		}
		params = lowerKeys(m)
	} else {
		l.parsePlain(ps)
	}
	p.Params = params
	ps.fields(l, params)
	if ps.bundle {
		p.Resources = map[string]string{}
		for _, f := range bundleResources[path.Dir(ps.file)] {
			p.Resources[strings.TrimPrefix(f, path.Dir(ps.file)+"/")] = f // URL filled in assemble
		}
	} else if p.Kind == KindSection || p.Kind == KindHome {
		if res := bundleResources[path.Dir(ps.file)]; len(res) > 0 {
			p.Resources = map[string]string{}
			for _, f := range res {
				p.Resources[strings.TrimPrefix(f, path.Dir(ps.file)+"/")] = f
			}
		}
	}
}

// fields fills the Page from front matter, reporting bad values with the
// line of their key.
func (ps *pageSrc) fields(l *loader, m map[string]any) {
	p := ps.page
	cfg := l.cfg
	line := func(key string) int {
		if ps.format == "" {
			return 1
		}
		if n := findKeyLine(ps.fmRaw, key); n > 0 {
			return ps.fmLine + n - 1
		}
		return ps.fmLine
	}
	bad := func(key, format string, args ...any) {
		ps.problems = append(ps.problems, Problem{File: ps.file, Line: line(key), Severity: SevError, Message: fmt.Sprintf(format, args...)})
	}
	sv := func(key string) string { return strings.TrimSpace(str(m[key])) }
	if ps.format != "" {
		p.Title = sv("title")
	}
	p.SubTitle = sv("subtitle")
	if lang := strings.ToLower(sv("lang")); lang != "" {
		if !hasLang(cfg.languages, lang) {
			ps.problems = append(ps.problems, Problem{File: ps.file, Line: line("lang"), Severity: SevWarning,
				Message: fmt.Sprintf("lang %q is not configured; file skipped", lang)})
			ps.skip = true
			return
		}
		p.Lang = lang
	}
	p.Type = sv("type")
	p.Layout = sv("layout")
	p.Slug = sv("slug")
	p.TranslationKey = sv("translationkey")
	p.Download = sv("download")
	p.Author = sv("author")
	p.AuthorInfo = sv("authorinfo")
	p.Duration = sv("duration")
	p.Place = sv("place")
	p.PlaceAddress = sv("placeaddress")
	p.PlaceURL = sv("placeurl")
	p.Poster = sv("poster")
	p.RegisterURL = sv("registerurl")
	p.CTAType = strings.ToLower(sv("ctatype"))
	p.PetitionID = sv("petitionid")
	p.SurveyID = sv("surveyid")
	if p.CTAType != "" && !ctaTypes[p.CTAType] {
		bad("ctatype", "ctaType %q is not one of register, fill, sign", p.CTAType)
	}
	parsePetition(p, m, cfg, bad)
	// A flag is true or false (YAML bool, or the words in quotes); a value
	// that is neither is reported and counts as true, the safe reading for
	// both: a typo must neither publish a draft nor members' minutes.
	flag := func(key, message string) (on, set bool) {
		switch v := m[key].(type) {
		case nil:
			return false, false
		case bool:
			return v, true
		case string:
			switch strings.ToLower(strings.TrimSpace(v)) {
			case "true", "yes":
				return true, true
			case "false", "no", "":
				return false, true
			}
		}
		bad(key, message, key)
		return true, true
	}
	if on, set := flag("draft", "%s must be true or false; the page stays hidden until it is fixed"); set {
		p.Draft = on
	}
	for _, key := range []string{"members", "protected"} {
		on, _ := flag(key, "%s must be true or false; the page is kept for members only until it is fixed")
		p.MembersOnly = p.MembersOnly || on
	}
	if v, ok := m["weight"]; ok {
		if w, ok := toInt(v); ok {
			p.Weight = w
		} else {
			bad("weight", "weight %q is not a number", str(v))
		}
	}
	date := func(key string) time.Time {
		v, ok := m[key]
		if !ok {
			return time.Time{}
		}
		t, ok := parseTime(v, cfg.location, cfg.timesInUTC)
		if !ok {
			bad(key, "%s %q is not a date (use 2024-01-24 or 2024-01-24T18:30:00)", key, str(v))
		}
		return t
	}
	p.Date = date("date")
	p.StartDate = date("startdate")
	p.ExpiryDate = date("expirydate")
	if v, ok := m["publishdate"]; ok {
		t, ok := parseTime(v, cfg.location, cfg.timesInUTC)
		if !ok {
			// A typo must not publish an announcement early: hide the page.
			bad("publishdate", "publishDate %q is not a date; the page stays hidden until it is fixed", str(v))
			p.Draft = true
		}
		p.PublishDate = t
	}
	if !p.StartDate.IsZero() && !p.Date.IsZero() && p.Date.Before(p.StartDate) {
		bad("date", "event ends (date %s) before it starts (startDate %s); shown with its start only",
			p.Date.In(cfg.location).Format("2006-01-02 15:04"), p.StartDate.In(cfg.location).Format("2006-01-02 15:04"))
	}
	coord := func(key string, limit float64) *float64 {
		v, ok := m[key]
		if !ok || v == nil || str(v) == "" {
			return nil
		}
		f, ok := toFloat(v)
		if !ok || math.IsNaN(f) || math.IsInf(f, 0) || f < -limit || f > limit {
			bad(key, "%s %q is not a coordinate between -%g and %g", key, str(v), limit, limit)
			return nil
		}
		return &f
	}
	p.Lat = coord("lat", 90)
	p.Lon = coord("lon", 180)
	if (p.Lat == nil) != (p.Lon == nil) {
		p.Lat, p.Lon = nil, nil
	}
	switch v := m["aliases"].(type) {
	case []any:
		for _, a := range v {
			if s := strings.TrimSpace(str(a)); s != "" {
				p.Aliases = append(p.Aliases, s)
			}
		}
	case string:
		p.Aliases = []string{v}
	}
	if s, ok := m["description"]; ok {
		ps.desc = str(s)
		ps.descLine = valueLine(ps.fmRaw, "description", line("description"))
	}
	if s, ok := m["subdescription"]; ok {
		ps.subDesc = str(s)
		ps.subLine = valueLine(ps.fmRaw, "subdescription", line("subdescription"))
	}
	_, b1 := m["_build"]
	_, b2 := m["build"]
	_, b3 := m["headless"]
	ps.ownBuild = b1 || b2 || b3 || ps.part
	p.Build = parseBuild(m, nil, bad)
	if ps.part {
		p.Build.Render, p.Build.List, p.Build.BundlePart = "never", "never", true
	}
	ps.cascade, _ = cascadedBuild(m)
	p.Survey = parseSurvey(m, p, cfg.location, cfg.timesInUTC, bad)
}

// valueLine is the line where a value's text starts: the key's own line, or
// the next one for YAML block scalars ("description: |").
func valueLine(raw, key string, keyLine int) int {
	n := findKeyLine(raw, key)
	if n == 0 {
		return keyLine
	}
	l := strings.Split(raw, "\n")[n-1]
	if i := strings.IndexAny(l, ":="); i >= 0 {
		v := strings.TrimSpace(l[i+1:])
		if v == "|" || v == ">" || strings.HasPrefix(v, "|") || strings.HasPrefix(v, ">") || v == `"""` || v == "'''" {
			return keyLine + 1
		}
	}
	return keyLine
}

// parsePlain handles a document without front matter: the first non-empty
// line is the title. A first line written as a Markdown heading ("# Title")
// marks the rest as Markdown; anything else is plain text.
func (l *loader) parsePlain(ps *pageSrc) {
	p := ps.page
	p.Plain = true
	lines := strings.Split(string(ps.body), "\n")
	i := 0
	for i < len(lines) && strings.TrimSpace(lines[i]) == "" {
		i++
	}
	if i == len(lines) {
		ps.body = nil
		return
	}
	title := strings.TrimSpace(lines[i])
	if strings.HasPrefix(title, "# ") {
		ps.heading = true
		p.Plain = false
		title = strings.TrimSpace(strings.TrimLeft(title, "# "))
	}
	p.Title = title
	rest := lines[i+1:]
	ps.bodyLine += i + 1
	// Skip a repeated title (copied web pages often show it twice).
	j := 0
	for j < len(rest) && strings.TrimSpace(rest[j]) == "" {
		j++
	}
	if j < len(rest) && strings.TrimSpace(rest[j]) == title && (j+1 == len(rest) || strings.TrimSpace(rest[j+1]) == "") {
		rest = rest[j+1:]
		ps.bodyLine += j + 1
	}
	ps.body = []byte(strings.Join(rest, "\n"))
	p.Line = ps.bodyLine
}

// stripControl removes control and bidi-override characters that have no
// place in page text (U+202E can disguise a link or a name).
func stripControl(s string) string {
	clean := true
	for _, r := range s {
		if isUnwantedRune(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	return strings.Map(func(r rune) rune {
		if isUnwantedRune(r) {
			return -1
		}
		return r
	}, s)
}

// cleanText reports whether stripControl would leave b unchanged, without
// copying it (almost every file is clean).
func cleanText(b []byte) bool {
	for len(b) > 0 {
		c := b[0]
		if c < utf8.RuneSelf {
			if isUnwantedRune(rune(c)) {
				return false
			}
			b = b[1:]
			continue
		}
		r, n := utf8.DecodeRune(b)
		if isUnwantedRune(r) {
			return false
		}
		b = b[n:]
	}
	return true
}

func isUnwantedRune(r rune) bool {
	return r < 0x20 && r != '\t' && r != '\n' || r == 0x7f || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069
}

// assemble gives every page its language, URL and translation key,
// synthesises missing home and section pages, and builds the look-up maps
// (phase 1b, sequential).
func (l *loader) assemble(srcs []*pageSrc) {
	s := l.site
	var pages, fragments []*Page
	for _, ps := range srcs {
		s.Problems = append(s.Problems, ps.problems...)
		if ps.skip || ps.page == nil {
			continue
		}
		p := ps.page
		ps.problems = nil
		if p.TranslationKey == "" {
			switch {
			case ps.bundle:
				p.TranslationKey = ps.dir
			case ps.dir == ".":
				p.TranslationKey = ps.name
			default:
				p.TranslationKey = ps.dir + "/" + ps.name
			}
		}
		if p.Type == "" {
			switch {
			case p.Kind == KindHome:
				p.Type = "home"
			case p.Section != "":
				p.Type = p.Section
			default:
				p.Type = "page"
			}
		}
		if p.Title == "" && p.Kind == KindPage {
			if !ps.part { // a bundle's Markdown parts are blocks, titles optional
				s.Problems = append(s.Problems, Problem{File: p.File, Line: 1, Severity: SevWarning, Message: "page has no title"})
			}
			p.Title = humanise(ps.name)
			if ps.bundle {
				p.Title = humanise(path.Base(ps.dir))
			}
		}
		if p.Fragment() {
			if p.Build.Render == "link" {
				l.assignURL(ps)
			}
			fragments = append(fragments, p)
			continue
		}
		l.assignURL(ps)
		pages = append(pages, p)
	}
	l.attachParts(srcs)
	// Synthesise homes and sections so every language has a home and every
	// section with pages has a list page.
	for _, lang := range s.Languages {
		var home *Page
		for _, p := range pages {
			if p.Kind == KindHome && p.Lang == lang.Code {
				home = p
				break
			}
		}
		if home == nil {
			title := lang.Title
			if title == "" {
				title = s.Title
			}
			pages = append(pages, &Page{Lang: lang.Code, Kind: KindHome, Type: "home", URL: "/" + lang.Code + "/",
				Title: title, TranslationKey: "_index", Synthetic: true, Params: map[string]any{}})
		}
	}
	haveSection := map[string]bool{}
	for _, p := range append(pages, fragments...) {
		// A section whose _index is a fragment has no list page.
		if p.Kind == KindSection {
			haveSection[p.Lang+"/"+p.Section] = true
		}
	}
	for _, ps := range srcs {
		p := ps.page
		// A bundle directly under content/ (content/about/index.md) is a
		// page, not a section with pages.
		if ps.skip || p == nil || p.Kind != KindPage || p.Section == "" || p.Fragment() || (ps.bundle && !strings.Contains(ps.dir, "/")) {
			continue
		}
		if haveSection[p.Lang+"/"+p.Section] {
			continue
		}
		haveSection[p.Lang+"/"+p.Section] = true
		pages = append(pages, &Page{
			Lang: p.Lang, Kind: KindSection, Section: p.Section, Type: p.Section,
			URL:   l.sectionURL(p.Lang, p.Section),
			Title: s.sectionTitle(p.Lang, p.Section), TranslationKey: p.Section + "/_index",
			Synthetic: true, Params: map[string]any{},
		})
	}
	s.Pages = pages
	// Look-up maps; the first file (sorted path) wins a URL.
	for _, p := range pages {
		if first, ok := s.byURL[p.URL]; ok {
			if p.Synthetic {
				// A real page took the URL of a generated list page.
				s.Problems = append(s.Problems, Problem{File: first.File, Line: 1, Severity: SevWarning,
					Message: fmt.Sprintf("URL %s is where the %s list would be; the list is not shown", p.URL, p.Section)})
				continue
			}
			a, b := first.File, p.File
			s.Problems = append(s.Problems, Problem{File: p.File, Line: 1, Severity: SevError,
				Message: fmt.Sprintf("URL %s is used by both %s and %s; %s is served", p.URL, a, b, a)})
			continue
		}
		s.byURL[p.URL] = p
		s.byKey[p.TranslationKey] = append(s.byKey[p.TranslationKey], p)
		switch p.Kind {
		case KindHome:
			if s.homes[p.Lang] == nil {
				s.homes[p.Lang] = p
			}
		case KindSection:
			k := p.Lang + "/" + p.Section
			if s.sections[k] == nil || s.sections[k].Synthetic {
				s.sections[k] = p
			}
		}
	}
	// A member-only section keeps its pages for members too.
	for _, p := range pages {
		if sec := s.sections[p.Lang+"/"+p.Section]; p.Section != "" && sec != nil && sec.MembersOnly {
			p.MembersOnly = true
		}
	}
	for _, p := range pages {
		if len(p.Resources) == 0 || s.byURL[p.URL] != p {
			continue
		}
		res := make(map[string]string, len(p.Resources))
		for rel, file := range p.Resources {
			u := p.URL + rel
			res[u] = file
			if _, taken := s.resources[u]; !taken && p.Build.PublishResources {
				s.resources[u] = file
			}
		}
		p.Resources = res
		if p.Poster != "" && !isExternal(p.Poster) && !strings.HasPrefix(p.Poster, "/") {
			if _, ok := res[p.URL+p.Poster]; ok {
				p.Poster = p.URL + p.Poster
			}
		}
	}
	for _, p := range pages {
		for _, a := range p.Aliases {
			u := urlWithoutSpace(a)
			if strings.HasPrefix(u, "/") {
				u = cleanURL(u)
			} else {
				u = langURL(p.Lang, u)
			}
			if q, ok := s.byURL[u]; ok && q != p {
				s.Problems = append(s.Problems, Problem{File: p.File, Line: 1, Severity: SevWarning,
					Message: fmt.Sprintf("alias %s is the URL of %s; the page wins", u, q.File)})
				continue
			}
			if _, ok := s.aliases[u]; !ok {
				s.aliases[u] = p.URL
			}
		}
	}
	l.buildRefs(pages, fragments)
}

// humanise turns "my-first_page" into "My first page" for a missing title.
func humanise(name string) string {
	s := strings.NewReplacer("-", " ", "_", " ").Replace(name)
	if s == "" {
		return s
	}
	r := []rune(s)
	return strings.ToUpper(string(r[0])) + string(r[1:])
}

func (s *Site) sectionTitle(lang, section string) string {
	if t, ok := s.i18n.lookup(lang, "section_"+section, nil); ok {
		return t
	}
	return humanise(section)
}

// sectionURL is where a section's list lives: the static prefix of its
// permalink pattern when that has one ("/akce/:year/:slug/" -> /cs/akce/),
// else /<lang>/<section>/.
func (l *loader) sectionURL(lang, section string) string {
	if lg := l.site.langs[lang]; lg != nil {
		if pat, ok := lg.Permalinks[section]; ok {
			if pre := permalinkPrefix(pat); pre != "" {
				return langURL(lang, pre)
			}
		}
	}
	return langURL(lang, urlizePath(section))
}

func urlizePath(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		parts[i] = Urlize(s)
	}
	return strings.Join(parts, "/")
}

func (l *loader) assignURL(ps *pageSrc) {
	p := ps.page
	if u := strings.TrimSpace(str(p.Params["url"])); u != "" {
		if isExternal(u) || strings.Contains(u, "://") {
			p.Params["url"] = nil
			ps.page.URL = ""
			l.site.Problems = append(l.site.Problems, Problem{File: p.File, Line: 1, Severity: SevError,
				Message: fmt.Sprintf("url %q must be a path, not a link to another site; ignored", u)})
		} else {
			if clean := urlWithoutSpace(u); clean != u {
				l.site.Problems = append(l.site.Problems, Problem{File: p.File, Line: 1, Severity: SevError,
					Message: fmt.Sprintf("url %q holds spaces, line breaks or control characters; served at %q", u, clean)})
				u = clean
			}
			p.URL = langURL(p.Lang, u)
			return
		}
	}
	switch p.Kind {
	case KindHome:
		p.URL = "/" + p.Lang + "/"
		return
	case KindSection:
		if !strings.Contains(ps.dir, "/") {
			p.URL = l.sectionURL(p.Lang, ps.dir)
		} else {
			p.URL = langURL(p.Lang, urlizePath(ps.dir))
		}
		return
	}
	filename := ps.name
	parent := ps.dir
	if ps.bundle {
		filename = path.Base(ps.dir)
		parent = path.Dir(ps.dir)
	}
	if lg := l.site.langs[p.Lang]; lg != nil && p.Section != "" {
		if pat, ok := lg.Permalinks[p.Section]; ok {
			d := p.StartDate
			if d.IsZero() {
				d = p.Date
			}
			if d.IsZero() {
				d = p.PublishDate
			}
			if d.IsZero() && strings.Contains(pat, ":year") || d.IsZero() && strings.Contains(pat, ":month") || d.IsZero() && strings.Contains(pat, ":day") {
				l.site.Problems = append(l.site.Problems, Problem{File: p.File, Line: 1, Severity: SevWarning,
					Message: fmt.Sprintf("permalink %q needs a date but the page has no startDate, date or publishDate", pat)})
			}
			u, err := expandPermalink(pat, permalinkVars{
				date: d.In(l.site.Location), slug: p.Slug, title: p.Title, filename: filename, section: p.Section,
			})
			if err == nil {
				p.URL = langURL(p.Lang, u)
				return
			}
			l.site.Problems = append(l.site.Problems, Problem{File: l.cfg.file, Line: 1, Severity: SevError, Message: err.Error()})
		}
	}
	last := Urlize(filename)
	if p.Slug != "" {
		last = Urlize(p.Slug)
	}
	if parent == "." {
		p.URL = langURL(p.Lang, last)
	} else {
		p.URL = langURL(p.Lang, urlizePath(parent)+"/"+last)
	}
}

// buildRefs indexes every name a ref/relref may use for a page: the path
// under content/ with and without language and extension, and a bundle's
// directory.
func (l *loader) buildRefs(pages, fragments []*Page) {
	l.refs = map[string][]*Page{}
	add := func(k string, p *Page) {
		for _, q := range l.refs[k] {
			if q == p {
				return
			}
		}
		l.refs[k] = append(l.refs[k], p)
	}
	for _, p := range pages {
		if p.File == "" || l.site.byURL[p.URL] != p {
			continue
		}
		rel := strings.TrimPrefix(p.File, "content/")
		add(rel, p)
		dir := path.Dir(rel)
		base := path.Base(rel)
		noExt := stripMarkdownExt(base)
		name, suffix := splitLangName(noExt)
		if suffix == "" || l.site.langs[suffix] == nil {
			name = noExt
		}
		withoutLang := path.Join(dir, name)
		add(withoutLang+".md", p)
		add(withoutLang, p)
		if name == "index" || name == "_index" {
			if dir == "." {
				add("", p)
			} else {
				add(dir, p)
			}
		}
	}
	// Fragments come after pages, so a published page wins a name both
	// could answer to.
	l.site.fragments = map[string][]*Page{}
	for _, p := range fragments {
		for _, k := range l.fragmentKeys(p) {
			add(k, p)
			l.site.fragments[k] = append(l.site.fragments[k], p)
		}
	}
}

// resolveRef finds the URL of the page a ref names, in the referring page's
// language when a translation exists. The message is an error when the URL
// is empty and a warning otherwise.
func (l *loader) resolveRef(target string, from *Page, lang string) (string, string) {
	if lang == "" {
		lang = from.Lang
	}
	ref, anchor, _ := strings.Cut(target, "#")
	if anchor != "" {
		anchor = "#" + anchor
	}
	key := strings.Trim(strings.TrimPrefix(strings.TrimPrefix(ref, "/"), "content/"), "/")
	if ref == "" && anchor != "" {
		return anchor, ""
	}
	cands := l.refs[key]
	if len(cands) == 0 {
		// Relative to the referring page's directory.
		if from.File != "" {
			rel := strings.TrimPrefix(path.Join(path.Dir(strings.TrimPrefix(from.File, "content/")), key), "/")
			cands = l.refs[rel]
		}
	}
	if len(cands) == 0 {
		return "", fmt.Sprintf("%s: no page %q", "ref", target)
	}
	for _, c := range cands {
		if c.Lang == lang {
			if c.URL == "" {
				return "", fmt.Sprintf("ref: %q is not published as a page (%s), so it has no URL", target, unpublishedWhy(c))
			}
			return c.URL + anchor, ""
		}
	}
	for _, t := range l.site.byKey[cands[0].TranslationKey] {
		if t.Lang == lang {
			return t.URL + anchor, ""
		}
	}
	if cands[0].URL == "" {
		return "", fmt.Sprintf("ref: %q is not published as a page (%s), so it has no URL", target, unpublishedWhy(cands[0]))
	}
	return cands[0].URL + anchor, fmt.Sprintf("ref: %q has no %s version; linking the %s one", target, lang, cands[0].Lang)
}

// render turns Markdown and plain text into HTML for every page (phase 2,
// on all cores).
func (l *loader) render(srcs []*pageSrc) {
	var live []*pageSrc
	for _, ps := range srcs {
		if !ps.skip && ps.page != nil && ps.err == nil {
			live = append(live, ps)
		}
	}
	parallel(len(live), func(i int) { l.renderPage(live[i]) })
	for _, ps := range live {
		l.site.Problems = append(l.site.Problems, ps.problems...)
	}
}

func (l *loader) renderPage(ps *pageSrc) {
	p := ps.page
	if p.Plain {
		ex := l.expandShortcodes(ps.body, p, ps.bodyLine)
		ps.problems = append(ps.problems, ex.problems...)
		var resolve func(string) string
		if len(ex.htmls) > 0 {
			resolve = func(dest string) string { return stdhtml.UnescapeString(ex.fill(dest)) }
		}
		h, links := plainHTML(ex.src, resolve)
		p.body = template.HTML(ex.fill(h))
		p.links = append(p.links, links...)
	} else if len(bytes.TrimSpace(ps.body)) > 0 {
		h, links := l.renderMarkdownField(ps, ps.body, ps.bodyLine, nil)
		p.body = template.HTML(h)
		p.links = append(p.links, links...)
	}
	if strings.TrimSpace(ps.desc) != "" {
		var text string
		h, links := l.renderMarkdownField(ps, []byte(ps.desc), ps.descLine, &text)
		p.Description = template.HTML(h)
		p.DescriptionText = text
		p.links = append(p.links, links...)
	}
	if strings.TrimSpace(ps.subDesc) != "" {
		h, links := l.renderMarkdownField(ps, []byte(ps.subDesc), ps.subLine, nil)
		p.SubDescription = template.HTML(h)
		p.links = append(p.links, links...)
	}
	l.renderMeeting(ps)
	if p.DescriptionText == "" {
		p.DescriptionText = summarise(plainTextMax(string(p.body), 1000), 200)
	}
	p.compressBody()
	ps.body = nil // free the source: pages are immutable once rendered
}

// renderMeeting renders a meeting's `agenda` (Markdown text, or a list
// of items) and `minutes` (Markdown text, or the name of a file of the
// page bundle, which then becomes MinutesURL).
func (l *loader) renderMeeting(ps *pageSrc) {
	p := ps.page
	if p.Params == nil {
		return
	}
	switch v := p.Params["agenda"].(type) {
	case string:
		if strings.TrimSpace(v) != "" {
			h, _ := l.renderMarkdownField(ps, []byte(v), ps.fmLine, nil)
			p.Agenda = template.HTML(h)
		}
	case []any:
		var b strings.Builder
		for _, it := range v {
			b.WriteString("- " + strings.ReplaceAll(strings.TrimSpace(str(it)), "\n", " ") + "\n")
		}
		h, _ := l.renderMarkdownField(ps, []byte(b.String()), ps.fmLine, nil)
		p.Agenda = template.HTML(h)
	}
	v, _ := p.Params["minutes"].(string)
	v = strings.TrimSpace(v)
	if v == "" {
		return
	}
	if !strings.ContainsAny(v, "\n ") {
		if _, ok := p.Resources[p.URL+v]; ok {
			p.MinutesURL = p.URL + v
			return
		}
	}
	h, _ := l.renderMarkdownField(ps, []byte(v), ps.fmLine, nil)
	p.Minutes = template.HTML(h)
}

// renderMarkdownField expands shortcodes, renders and sanitises one Markdown
// text. When text is non-nil it receives the plain text without shortcode
// output (for meta tags).
func (l *loader) renderMarkdownField(ps *pageSrc, src []byte, line int, text *string) (string, []string) {
	ex := l.expandShortcodes(src, ps.page, line)
	ps.problems = append(ps.problems, ex.problems...)
	h, links, err := renderMarkdown(ex.src)
	if err != nil {
		ps.problems = append(ps.problems, Problem{File: ps.file, Line: line, Severity: SevError, Message: "markdown: " + err.Error()})
		return "", nil
	}
	if text != nil {
		t := plainText(h)
		if ex.prefix != "" {
			t = strings.TrimSpace(spaceRE.ReplaceAllString(regexp.MustCompile(ex.prefix+`\d+Z`).ReplaceAllString(t, ""), " "))
		}
		*text = t
	}
	out, refused := ex.fillChecked(h)
	for _, v := range refused {
		ps.problems = append(ps.problems, Problem{File: ps.file, Line: line, Severity: SevError,
			Message: fmt.Sprintf("shortcode output %q is not a safe link target (only paths and http, https, mailto, tel URLs); the link goes to #", v)})
	}
	return out, links
}

// summarise cuts text at a word boundary near max runes.
func summarise(s string, max int) string {
	if len(s) <= max || utf8.RuneCountInString(s) <= max {
		return s
	}
	// Cut after max runes without converting the whole text to runes.
	n := 0
	for i := range s {
		if n == max {
			s = s[:i]
			break
		}
		n++
	}
	cut := s
	if i := strings.LastIndexByte(cut, ' '); i > max/2 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ,.;:–-") + "…"
}

func sortProblems(ps []Problem) {
	sort.SliceStable(ps, func(i, j int) bool {
		if ps[i].File != ps[j].File {
			return ps[i].File < ps[j].File
		}
		return ps[i].Line < ps[j].Line
	})
}
