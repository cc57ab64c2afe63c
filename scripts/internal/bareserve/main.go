// Command bareserve is the reference scripts/bench-site measures Unionhall
// against: a bare net/http handler that writes the bytes of a few pages from
// variables, with nothing else on its path. It is what Go's HTTP server can
// do on this machine; Unionhall's goal (issue 8) is to come within a tenth
// of it.
//
//	bareserve -addr 127.0.0.1:18083 -root DIR [-type text/html;charset=utf-8]
//
// Every file under DIR is read into memory at start and served at its path
// (DIR/en/index.html at /en/ and /en/index.html), with the given
// Content-Type and its Content-Length (as Unionhall sends: without it
// net/http would chunk a body over 2 KB); Date comes from net/http as for
// any handler. It listens on loopback only.
package main

import (
	"flag"
	"io/fs"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:18083", "loopback listen address")
	root := flag.String("root", "", "folder of the pages to serve")
	ctype := flag.String("type", "text/html; charset=utf-8", "Content-Type of every page")
	flag.Parse()
	if host, _, err := net.SplitHostPort(*addr); err != nil || (host != "127.0.0.1" && host != "::1" && host != "localhost") {
		log.Fatalf("bareserve: -addr %q: want a loopback host:port", *addr)
	}
	type page struct {
		body []byte
		size []string // Content-Length, or net/http would chunk a body over 2 KB
	}
	pages := map[string]page{}
	err := filepath.WalkDir(*root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel := "/" + filepath.ToSlash(strings.TrimPrefix(p, *root))
		rel = "/" + strings.TrimLeft(rel, "/")
		pg := page{body: b, size: []string{strconv.Itoa(len(b))}}
		pages[rel] = pg
		if dir, ok := strings.CutSuffix(rel, "index.html"); ok {
			pages[dir] = pg
		}
		return nil
	})
	if err != nil || *root == "" {
		log.Fatalf("bareserve: -root %q: %v", *root, err)
	}
	ct := []string{*ctype}
	log.Fatal(http.ListenAndServe(*addr, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		pg, ok := pages[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		h["Content-Type"] = ct
		h["Content-Length"] = pg.size
		_, _ = w.Write(pg.body)
	})))
}
