package site

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// TestEntryBodiesAreExact: a cached response keeps exactly its bytes, not a
// grown buffer's spare capacity, and its size counts what it really holds,
// so the cache budget means what it says.
func TestEntryBodiesAreExact(t *testing.T) {
	// What a bytes.Buffer looks like after its last doubling.
	body := make([]byte, 0, 32<<10)
	for i := 0; i < 300; i++ {
		body = fmt.Appendf(body, "<p>line %d of a page that grows its buffer</p>\n", i)
	}
	e := newEntry(http.StatusOK, htmlType, ccPage, body, nil)
	// The allocator rounds up to its size classes (at most 1/8 here);
	// what must go is the buffer's doubling.
	snug := func(b []byte) bool { return cap(b) <= len(b)+len(b)/8 }
	if !snug(e.plain) || !bytes.Equal(e.plain, body) {
		t.Errorf("plain: len %d cap %d", len(e.plain), cap(e.plain))
	}
	if e.gz == nil || !snug(e.gz) {
		t.Fatalf("gzip: missing %v, len %d cap %d", e.gz == nil, len(e.gz), cap(e.gz))
	}
	if e.size < int64(cap(e.plain)+cap(e.gz)) {
		t.Errorf("size %d below the bytes held", e.size)
	}
	if got := gunzip(t, e.gz); got != string(body) {
		t.Error("gzip variant differs from the body")
	}
	// An empty or tiny body has no gzip variant and still costs something.
	small := newEntry(http.StatusOK, htmlType, ccPage, nil, nil)
	if small.gz != nil || small.size <= 0 {
		t.Errorf("empty body: gz %v size %d", small.gz != nil, small.size)
	}
}

// TestGzipWritersShared: compressors come from a pool and are used by many
// goroutines at once (concurrent cache misses); no response may contain
// another's bytes.
func TestGzipWritersShared(t *testing.T) {
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				want := strings.Repeat(fmt.Sprintf("goroutine %d page %d <script>x</script>\u202e ", g, i), 40+g*i)
				if got := gunzip(t, gzipBytes([]byte(want))); got != want {
					errs <- fmt.Sprintf("goroutine %d page %d: got %d bytes, want %d", g, i, len(got), len(want))
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// TestDefaultCacheBudget: without Options.CacheBytes the documented default
// applies; a negative value is not "unlimited".
func TestDefaultCacheBudget(t *testing.T) {
	for _, b := range []int64{0, -1} {
		if s := New(nil, Options{CacheBytes: b}); s.cacheBytes != DefaultCacheBytes {
			t.Errorf("CacheBytes %d: budget %d", b, s.cacheBytes)
		}
	}
	if s := New(nil, Options{CacheBytes: 1 << 20}); s.cacheBytes != 1<<20 {
		t.Errorf("explicit budget ignored: %d", s.cacheBytes)
	}
}

func gunzip(t *testing.T, b []byte) string {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Errorf("gzip: %v", err)
		return ""
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Errorf("gunzip: %v", err)
	}
	return string(out)
}
