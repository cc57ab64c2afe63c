// Package jointest posts membership applications to a running server's
// JSON API from several clients at once and records which ones were
// acknowledged (202), for the tests that must show nothing acknowledged is
// lost: a backup under load (internal/backup), kill -9 and restart
// (internal/faulttest). It only speaks HTTP, so it works the same against
// an in-process httptest server and a real server subprocess.
package jointest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// APIPath is the join API (membership.APIPath, repeated so this package
// depends on no feature).
const APIPath = "/api/registration/join"

var signature = func() string {
	img := image.NewGray(image.Rect(0, 0, 60, 20))
	for x := 5; x < 55; x++ {
		img.Set(x, 10+x%5, color.White)
	}
	var b bytes.Buffer
	png.Encode(&b, img)
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(b.Bytes())
}()

// Email is the address of the n-th application of a run.
func Email(run string, n int64) string { return fmt.Sprintf("clen.%s.%d@posta.example", run, n) }

// Body is a valid application for Email(run, n).
func Body(run string, n int64) []byte {
	b, _ := json.Marshal(map[string]string{"email": Email(run, n), "first_name": "Petr", "last_name": "Novák",
		"date_of_birth": "1985-01-02", "city": "Brno", "postal_code": "60200",
		"phone_number": "+420 777 123 456", "company_name": "Bajtovna", "occupation": "Programátor",
		"signature": signature, "local": "cs"})
	return b
}

// Post sends application n of run once and returns the status (0 when
// there was no answer).
func Post(baseURL, run string, n int64) int {
	client := &http.Client{Timeout: 30 * time.Second}
	r, err := client.Post(baseURL+APIPath, "application/json", bytes.NewReader(Body(run, n)))
	if err != nil {
		return 0
	}
	r.Body.Close()
	return r.StatusCode
}

// Result is what a burst saw.
type Result struct {
	mu sync.Mutex
	// Acked are the numbers answered 202, Failed those answered otherwise
	// or not at all (a killed server).
	Acked  []int64
	Failed int
	Other  map[int]int // unexpected status → count
}

// AckedSet returns the acknowledged numbers as a set.
func (r *Result) AckedSet() map[int64]bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := make(map[int64]bool, len(r.Acked))
	for _, n := range r.Acked {
		s[n] = true
	}
	return s
}

// Burst posts applications from clients goroutines until ctx ends or max
// have been sent (max ≤ 0: no limit). Each has a distinct number, so
// none is a repeat. acked, if not nil, is called after each 202.
func Burst(ctx context.Context, baseURL, run string, clients int, max int64, acked func(n int64)) *Result {
	res := &Result{Other: map[int]int{}}
	var next atomic.Int64
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				n := next.Add(1)
				if max > 0 && n > max {
					return
				}
				req, _ := http.NewRequestWithContext(ctx, http.MethodPost, baseURL+APIPath, bytes.NewReader(Body(run, n)))
				req.Header.Set("Content-Type", "application/json")
				r, err := client.Do(req)
				if err != nil {
					res.mu.Lock()
					res.Failed++
					res.mu.Unlock()
					continue
				}
				r.Body.Close()
				res.mu.Lock()
				if r.StatusCode == http.StatusAccepted {
					res.Acked = append(res.Acked, n)
				} else {
					res.Failed++
					res.Other[r.StatusCode]++
				}
				res.mu.Unlock()
				if r.StatusCode == http.StatusAccepted && acked != nil {
					acked(n)
				}
			}
		}()
	}
	wg.Wait()
	client.CloseIdleConnections()
	return res
}

// Running is a burst under way in the background (Start).
type Running struct {
	stop  context.CancelFunc
	done  chan *Result
	once  sync.Once
	res   *Result
	mu    sync.Mutex
	acked map[int64]bool
}

// Start runs Burst in the background until Stop, recording the
// acknowledged numbers as they come.
func Start(baseURL, run string, clients int) *Running {
	ctx, stop := context.WithCancel(context.Background())
	r := &Running{stop: stop, done: make(chan *Result, 1), acked: map[int64]bool{}}
	go func() {
		r.done <- Burst(ctx, baseURL, run, clients, 0, func(n int64) { r.mu.Lock(); r.acked[n] = true; r.mu.Unlock() })
	}()
	return r
}

// Acked returns a copy of the numbers acknowledged so far.
func (r *Running) Acked() map[int64]bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[int64]bool, len(r.acked))
	for n := range r.acked {
		out[n] = true
	}
	return out
}

// Count is how many have been acknowledged so far.
func (r *Running) Count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.acked)
}

// Stop ends the burst and returns what it saw. It may be called again
// (say, deferred as well): it returns the same result.
func (r *Running) Stop() *Result {
	r.once.Do(func() {
		r.stop()
		r.res = <-r.done
	})
	return r.res
}
