package site

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"strings"
)

//go:embed templates/*.html theme/*
var themeFS embed.FS

// theme holds the parsed templates and the hashed static theme files.
type theme struct {
	tmpl  *template.Template
	files map[string]*entry // URL path -> response
	css   string            // URL of the stylesheet
	icon  string            // URL of the favicon
}

func loadTheme() *theme {
	t := &theme{files: map[string]*entry{}}
	t.tmpl = template.Must(template.New("").Funcs(funcs).ParseFS(themeFS, "templates/*.html"))
	t.css = t.addFile("theme/style.css", "style", ".css", "text/css; charset=utf-8")
	t.icon = t.addFile("theme/icon.svg", "icon", ".svg", "image/svg+xml")
	return t
}

// addFile serves an embedded file under a URL containing its content hash,
// so it can be cached forever and still change with a new release.
func (t *theme) addFile(name, base, ext, ctype string) string {
	b, err := themeFS.ReadFile(name)
	if err != nil {
		panic(fmt.Sprintf("site theme: %v", err)) // embedded: cannot happen in a built binary
	}
	sum := sha256.Sum256(b)
	url := "/_theme/" + base + "." + hex.EncodeToString(sum[:6]) + ext
	t.files[url] = newEntry(200, ctype, ccImmutable, b, nil)
	return url
}

var funcs = template.FuncMap{
	"join": strings.Join,
}
