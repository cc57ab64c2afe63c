package site

import (
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"

	"unionhall/internal/content"
)

// maxFileCache: files up to this size are kept in the response cache;
// bigger ones (posters, PDFs) are streamed from the site's file system.
const maxFileCache = 2 << 20

// validName checks a slash-separated file name taken from a URL or config:
// no "..", no empty or dot segments, no control characters, and no dotfiles
// except under .well-known (where security.txt lives).
func validName(name string) bool {
	if name == "" || !fs.ValidPath(name) {
		return false
	}
	for i := 0; i < len(name); i++ {
		if name[i] < 0x20 || name[i] == 0x7f || name[i] == '\\' {
			return false
		}
	}
	for seg := range strings.SplitSeq(name, "/") {
		if strings.HasPrefix(seg, ".") && seg != ".well-known" {
			return false
		}
	}
	return true
}

// staticFile serves a file of the site's static/ folder at the same path.
func (s *Server) staticFile(site *content.Site, p string) *entry {
	if site.Static == nil {
		return nil
	}
	return fileEntry(site.Static, strings.TrimPrefix(p, "/"))
}

// resource serves a page bundle resource (file is relative to the site root).
func (s *Server) resource(site *content.Site, file string) *entry {
	fsys := siteRoot(site)
	if fsys == nil {
		fsys = s.root
	}
	if fsys == nil {
		return nil
	}
	return fileEntry(fsys, file)
}

// fileEntry reads a file into a cacheable response. Directories and files
// too large for the cache give nil and uncached responses respectively.
func fileEntry(fsys fs.FS, name string) *entry {
	if !validName(name) {
		return nil
	}
	f, err := fsys.Open(name)
	if err != nil {
		return nil
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || st.IsDir() || !st.Mode().IsRegular() && st.Mode()&fs.ModeType != 0 {
		return nil
	}
	ctype := contentType(name)
	if st.Size() > maxFileCache {
		return streamEntry(fsys, name, ctype)
	}
	b, err := io.ReadAll(io.LimitReader(f, maxFileCache+1))
	if err != nil || len(b) > maxFileCache {
		return nil
	}
	if ctype == "" {
		ctype = http.DetectContentType(b)
	}
	return newEntry(http.StatusOK, ctype, ccStatic, b, nil)
}

// streamEntry is a marker for big files: write streams them with
// http.ServeContent (Range requests work) instead of caching them.
func streamEntry(fsys fs.FS, name, ctype string) *entry {
	return &entry{status: http.StatusOK, cacheable: true, size: 256, stream: &streamFile{fsys: fsys, name: name, ctype: ctype}}
}

type streamFile struct {
	fsys  fs.FS
	name  string
	ctype string
}

func (sf *streamFile) serve(w http.ResponseWriter, r *http.Request) {
	f, err := sf.fsys.Open(sf.name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		http.NotFound(w, r)
		return
	}
	if rs, ok := f.(io.ReadSeeker); ok {
		if sf.ctype != "" {
			w.Header().Set("Content-Type", sf.ctype)
		}
		w.Header().Set("Cache-Control", ccStatic)
		http.ServeContent(w, r, sf.name, st.ModTime(), rs)
		return
	}
	if sf.ctype != "" {
		w.Header().Set("Content-Type", sf.ctype)
	}
	w.Header().Set("Content-Length", fmt.Sprint(st.Size()))
	w.Header().Set("Cache-Control", ccStatic)
	if r.Method != http.MethodHead {
		_, _ = io.Copy(w, f)
	}
}

// contentType by extension, with charset for text so Czech is not mangled.
func contentType(name string) string {
	ext := strings.ToLower(path.Ext(name))
	switch ext {
	case ".txt", "":
		if path.Base(name) == "security.txt" || ext == ".txt" {
			return "text/plain; charset=utf-8"
		}
		return ""
	case ".md":
		return "text/markdown; charset=utf-8"
	case ".webmanifest":
		return "application/manifest+json"
	}
	if t := mime.TypeByExtension(ext); t != "" {
		if strings.HasPrefix(t, "text/") && !strings.Contains(t, "charset") {
			t += "; charset=utf-8"
		}
		return t
	}
	return ""
}

// readLimited reads a whole file of at most max bytes.
func readLimited(fsys fs.FS, name string, max int64) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%s: larger than %d bytes", name, max)
	}
	return b, nil
}

// siteRoot returns the site folder's file system, needed for bundle
// resources (ResourceByURL gives a path relative to the site root). The
// content package exposes it as a method; the interface keeps this package
// compiling against either spelling.
func siteRoot(site *content.Site) fs.FS {
	switch v := any(site).(type) {
	case interface{ Root() fs.FS }:
		return v.Root()
	case interface{ FS() fs.FS }:
		return v.FS()
	}
	return nil
}
