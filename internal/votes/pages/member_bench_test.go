package pages

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"unionhall/internal/db"
	"unionhall/internal/dbtest"
	"unionhall/internal/members"
	"unionhall/internal/portal"
	"unionhall/internal/seal"
	"unionhall/internal/votes"
	"unionhall/internal/votes/count"
	"unionhall/internal/web"
)

// BenchmarkCastHTTP is issue 10's "1,000 members voting at once" as the
// server meets it: 1,000 members, each with a portal session made
// beforehand and just shown the confirmation page (a step=review POST, on
// the keep-alive connection a browser would hold), POST their confirmed
// ballot (step=cast) at the same instant over real HTTP; the time is from each POST to its
// receipt page read whole. It reports p50, p99 and the slowest, and checks
// that every ballot was counted exactly once (the board after the close
// holds each receipt once, 1,000 in all).
//
//	UNIONHALL_TEST_POSTGRES=… go test -run '^$' -bench CastHTTP -benchtime 3x ./internal/votes/pages/
//
// servingGC runs a benchmark with the collector paced as the server paces
// it once serving (internal/app: servingGCPercent, unless GOGC or
// GOMEMLIMIT is set), so the figures are the server's, not the default
// GOGC=100's; the bare reference runs under the same setting.
func servingGC(b *testing.B) {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	old := debug.SetGCPercent(400)
	b.Cleanup(func() { debug.SetGCPercent(old) })
}

func BenchmarkCastHTTP(b *testing.B) {
	servingGC(b)
	for _, engine := range []string{"sqlite", "postgres"} {
		b.Run(engine, func(b *testing.B) {
			var d *db.DB
			if engine == "sqlite" {
				d = dbtest.SQLite(b)
			} else {
				d = dbtest.Postgres(b)
			}
			r := newMemberRig(b, d)
			const n = 1000
			ids := benchMemberRows(b, r, n)
			tr := &http.Transport{MaxIdleConnsPerHost: n, MaxIdleConns: n, IdleConnTimeout: time.Minute,
				DialContext: (&net.Dialer{Timeout: 30 * time.Second}).DialContext}
			defer tr.CloseIdleConnections()
			client := &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			var all []time.Duration
			b.ResetTimer()
			for range b.N {
				b.StopTimer()
				now := r.clock.Now()
				in := func(in *votes.Input) {
					in.OpensAt, in.ClosesAt = r.at(now.Add(time.Hour)), r.at(now.Add(2*time.Hour))
				}
				id := r.vote(votes.KindSingle, false, in)
				r.tickAt(now.Add(time.Hour + time.Minute))
				cookies := benchSessions(b, r, ids)
				// Each member has just been shown the confirmation page
				// (step=review), over the connection their browser keeps
				// open; then all of them press Confirm at once.
				var warm sync.WaitGroup
				for i := range ids {
					warm.Add(1)
					go func() {
						defer warm.Done()
						form := url.Values{"vote": {id}, "step": {"review"}, "choice": {fmt.Sprintf("o%d", 1+i%3)}}
						if st, err := benchPost(client, r.srv.URL+BallotPath("en", id), cookies[i], form); err != nil || st != 200 {
							b.Errorf("review %d: %d %v", i, st, err)
						}
					}()
				}
				warm.Wait()
				if b.Failed() {
					b.FailNow()
				}
				lat := make([]time.Duration, n)
				trackers := make([]string, n)
				errs := make([]error, n)
				start := make(chan struct{})
				var wg sync.WaitGroup
				for i := range ids {
					wg.Add(1)
					go func() {
						defer wg.Done()
						form := url.Values{"vote": {id}, "step": {"cast"}, "choice": {fmt.Sprintf("o%d", 1+i%3)}}.Encode()
						req, _ := http.NewRequest("POST", r.srv.URL+BallotPath("en", id), strings.NewReader(form))
						req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
						req.Header.Set("Cookie", portal.CookieName+"="+cookies[i])
						<-start
						t0 := time.Now()
						res, err := client.Do(req)
						if err != nil {
							errs[i] = err
							return
						}
						body, err := io.ReadAll(res.Body)
						res.Body.Close()
						lat[i] = time.Since(t0)
						m := trackerRE.FindStringSubmatch(string(body))
						switch {
						case err != nil:
							errs[i] = err
						case res.StatusCode != 200 || m == nil:
							errs[i] = fmt.Errorf("status %d %.300s", res.StatusCode, mainPart(string(body)))
						default:
							trackers[i] = m[1]
						}
					}()
				}
				b.StartTimer()
				close(start)
				wg.Wait()
				b.StopTimer()
				for i, err := range errs {
					if err != nil {
						b.Fatalf("member %d: %v", i, err)
					}
				}
				all = append(all, lat...)
				// Every ballot counted exactly once.
				r.tickAt(now.Add(2*time.Hour + time.Minute))
				bd, err := r.votes.Board(context.Background(), id)
				if err != nil {
					b.Fatal(err)
				}
				onBoard := map[string]int{}
				for _, bl := range bd.Ballots {
					onBoard[bl.Receipt]++
				}
				if bd.Result.Cast != n || len(bd.Ballots) != n || len(onBoard) != n {
					b.Fatalf("counted %d, board %d ballots (%d receipts), want %d", bd.Result.Cast, len(bd.Ballots), len(onBoard), n)
				}
				for _, tk := range trackers {
					if onBoard[tk] != 1 {
						b.Fatalf("receipt %s on the board %d times", tk, onBoard[tk])
					}
				}
				r.clock.Set(now.Add(3 * time.Hour))
				b.StartTimer()
			}
			b.StopTimer()
			slices.Sort(all)
			b.ReportMetric(float64(all[len(all)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "p99-ms")
			b.ReportMetric(float64(all[len(all)-1].Microseconds())/1000, "max-ms")
		})
	}
}

func benchPost(c *http.Client, u, cookie string, form url.Values) (int, error) {
	req, _ := http.NewRequest("POST", u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Cookie", portal.CookieName+"="+cookie)
	res, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode, nil
}

// BenchmarkCastHTTPBare is BenchmarkCastHTTP's load client (connections
// opened by a first request, then 1,000 POSTs at once) against a bare
// handler that reads the same form and answers a receipt page of the same
// size at once: what the client and the loopback cost alone, to read the
// cast figures against (the client must outrun the server it measures).
//
//	go test -run '^$' -bench CastHTTPBare -benchtime 3x ./internal/votes/pages/
func BenchmarkCastHTTPBare(b *testing.B) {
	servingGC(b)
	page := []byte(strings.Repeat("x", 3000) + `<strong id="tracker">K7Q2-9XMA</strong>`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(page)
	}))
	defer srv.Close()
	const n = 1000
	tr := &http.Transport{MaxIdleConnsPerHost: n, MaxIdleConns: n, IdleConnTimeout: time.Minute}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	var all []time.Duration
	for range b.N {
		var warm sync.WaitGroup
		for range n {
			warm.Add(1)
			go func() {
				defer warm.Done()
				if res, err := client.Post(srv.URL+"/", "application/x-www-form-urlencoded", strings.NewReader("step=review")); err == nil {
					io.Copy(io.Discard, res.Body)
					res.Body.Close()
				}
			}()
		}
		warm.Wait()
		lat := make([]time.Duration, n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				req, _ := http.NewRequest("POST", srv.URL+"/en/member/votes/x/", strings.NewReader("vote=x&step=cast&choice=o1"))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				<-start
				t0 := time.Now()
				res, err := client.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				lat[i] = time.Since(t0)
			}()
		}
		close(start)
		wg.Wait()
		all = append(all, lat...)
	}
	slices.Sort(all)
	b.ReportMetric(float64(all[len(all)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "p99-ms")
}

// benchMemberRows adds n current members in one transaction, as the
// registry stores them (sealed data); AddMember one by one would be most
// of the set-up time.
func benchMemberRows(b *testing.B, r *memberRig, n int) []string {
	b.Helper()
	ids := make([]string, n)
	err := r.d.Tx(context.Background(), func(tx *sql.Tx) error {
		for i := range ids {
			ids[i] = db.NewID()
			data, err := r.keys.SealJSON(members.MemberData{FirstName: fmt.Sprint("B", i), Lang: "cs"}, seal.AAD("members", "data", ids[i]))
			if err != nil {
				return err
			}
			if _, err := tx.Exec(r.d.Rebind(`INSERT INTO members (id, number, data, joined_at) VALUES (?, ?, ?, ?)`),
				ids[i], 100000+i, data, db.T(r.clock.Now())); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return ids
}

// benchSessions opens a portal session for each member, as the sign-in
// link's POST does (auth.Tokens' table and hashing), in one transaction,
// and returns the cookie values.
func benchSessions(b *testing.B, r *memberRig, ids []string) []string {
	b.Helper()
	out := make([]string, len(ids))
	now := r.clock.Now()
	err := r.d.Tx(context.Background(), func(tx *sql.Tx) error {
		for i, id := range ids {
			token, hash := seal.NewToken()
			out[i] = token
			if _, err := tx.Exec(r.d.Rebind(`INSERT INTO member_sessions (hash, member_id, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?)`),
				hash, id, db.T(now), db.T(now), db.T(now.Add(12*time.Hour))); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return out
}

// boardVotes answers the board of one prepared vote (the benchmark of the
// board pages measures their rendering and serving; the database read of
// a board is votes.Service.Board's, benchmarked in internal/votes).
type boardVotes struct {
	MemberVotes
	board *count.Board
}

func (v boardVotes) Board(_ context.Context, id string) (*count.Board, error) {
	if id != v.board.Vote.ID {
		return nil, votes.ErrNotFound
	}
	return v.board, nil
}

// bigBoard is a closed ranked election of n ballots over 10 options, two
// seats, counted by count.Count.
func bigBoard(b *testing.B, n int) *count.Board {
	b.Helper()
	bv := count.BoardVote{ID: "big", Title: map[string]string{"cs": "Velká volba", "en": "Big election"}, Kind: count.KindRanked,
		Seats: 2, Threshold: count.ThresholdPlurality, Eligible: n + n/10,
		OpensAt: memberStart, ClosesAt: memberStart.Add(24 * time.Hour)}
	for i := range 10 {
		bv.Options = append(bv.Options, count.BoardOption{ID: fmt.Sprintf("o%d", i+1),
			Label: map[string]string{"cs": fmt.Sprintf("Kandidát %d", i+1), "en": fmt.Sprintf("Candidate %d", i+1)}})
	}
	rng := rand.New(rand.NewPCG(1, 2))
	const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	seen := map[string]bool{}
	ballots := make([]count.Ballot, 0, n)
	for len(ballots) < n {
		var rc [9]byte
		for i := range rc {
			rc[i] = alphabet[rng.IntN(32)]
		}
		rc[4] = '-'
		if seen[string(rc[:])] {
			continue
		}
		seen[string(rc[:])] = true
		perm := rng.Perm(10)
		k := 1 + rng.IntN(10)
		choices := make([]string, k)
		for i := range k {
			choices[i] = fmt.Sprintf("o%d", perm[i]+1)
		}
		ballots = append(ballots, count.Ballot{Receipt: string(rc[:]), Choices: choices})
	}
	res, err := count.Count(bv.Rule(), ballots)
	if err != nil {
		b.Fatal(err)
	}
	bd := count.MakeBoard(bv, ballots, res)
	return &bd
}

// BenchmarkBoard100k serves the board of 100,000 ranked ballots over 10
// options: the first read (JSON encoding, gzip and the receipt index,
// "cold"), the HTML page 1 and a middle page, "find my receipt", and the
// JSON with and without gzip, each over real HTTP.
//
//	go test -run '^$' -bench Board100k ./internal/votes/pages/
func BenchmarkBoard100k(b *testing.B) {
	bd := bigBoard(b, 100_000)
	pages := NewMember(MemberDeps{Votes: boardVotes{board: bd}, Session: nil, BaseURL: "https://union.example"})
	mux := http.NewServeMux()
	pages.Register(mux)
	mux.Handle("/", pages.Wrap(http.NotFoundHandler()))
	srv := httptest.NewServer(web.Stack(mux, slog.New(slog.NewTextHandler(io.Discard, nil))))
	defer srv.Close()
	tr := &http.Transport{DisableCompression: true}
	defer tr.CloseIdleConnections()
	do := func(b *testing.B, method, path, body, enc string) int {
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		if enc != "" {
			req.Header.Set("Accept-Encoding", enc)
		}
		res, err := tr.RoundTrip(req)
		if err != nil {
			b.Fatal(err)
		}
		nb, _ := io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != 200 {
			b.Fatalf("%s %s: %d", method, path, res.StatusCode)
		}
		return int(nb)
	}
	b.Run("cold", func(b *testing.B) {
		for range b.N {
			pages.boardsMu.Lock()
			clear(pages.boards)
			pages.order = nil
			pages.boardsMu.Unlock()
			do(b, "GET", BoardJSONPath("big"), "", "gzip")
		}
	})
	for _, c := range []struct{ name, method, path, body, enc string }{
		{"html-page1", "GET", BoardPath("en", "big"), "", "gzip"},
		{"html-page100", "GET", BoardPath("cs", "big") + "?page=100", "", "gzip"},
		{"find-receipt", "POST", BoardPath("en", "big"), "receipt=" + url.QueryEscape(strings.ToLower(bd.Ballots[77_777].Receipt)), "gzip"},
		{"json-gzip", "GET", BoardJSONPath("big"), "", "gzip"},
		{"json", "GET", BoardJSONPath("big"), "", ""},
	} {
		b.Run(c.name, func(b *testing.B) {
			var size int
			for range b.N {
				size = do(b, c.method, c.path, c.body, c.enc)
			}
			b.ReportMetric(float64(size)/1024, "KiB/resp")
		})
	}
}

// BenchmarkBoard100kFromDB is the board of a real closed vote of 100,000
// ranked ballots over 10 options on SQLite: 100,000 members cast through
// votes.Service (in bursts of 1,000), the vote closes and is counted,
// then each iteration reads the board from the database afresh (a new
// process's first request: the service's Board, JSON, gzip, receipt
// index) and serves the first HTML page. Set-up takes about a minute.
//
//	go test -run '^$' -bench Board100kFromDB -benchtime 3x -timeout 30m ./internal/votes/pages/
func BenchmarkBoard100kFromDB(b *testing.B) {
	d := dbtest.SQLite(b)
	r := newMemberRig(b, d)
	const n = 100_000
	ids := benchMemberRows(b, r, n)
	id := r.vote(votes.KindRanked, false, func(in *votes.Input) {
		in.Options = map[string]string{"cs": "A\nB\nC\nD\nE\nF\nG\nH\nI\nJ", "en": "A\nB\nC\nD\nE\nF\nG\nH\nI\nJ"}
		in.Seats = "2"
	})
	r.tickAt(opensAt)
	rng := rand.New(rand.NewPCG(3, 4))
	ctx := context.Background()
	for from := 0; from < n; from += 1000 {
		var wg sync.WaitGroup
		errs := make([]error, 1000)
		for i := range 1000 {
			perm := rng.Perm(10)
			choices := make([]string, 1+rng.IntN(10))
			for k := range choices {
				choices[k] = fmt.Sprintf("o%d", perm[k]+1)
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = r.votes.Cast(ctx, id, ids[from+i], count.Ballot{Choices: choices}, "")
			}()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	t0 := time.Now()
	r.tickAt(closesAt)
	closeMS := float64(time.Since(t0).Milliseconds())
	tr := &http.Transport{DisableCompression: true}
	defer tr.CloseIdleConnections()
	b.ResetTimer()
	for range b.N {
		r.pages.boardsMu.Lock()
		clear(r.pages.boards)
		r.pages.order = nil
		r.pages.boardsMu.Unlock()
		req, _ := http.NewRequest("GET", r.srv.URL+BoardPath("en", id), nil)
		req.Header.Set("Accept-Encoding", "gzip")
		res, err := tr.RoundTrip(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != 200 {
			b.Fatalf("board: %d", res.StatusCode)
		}
	}
	b.StopTimer()
	b.ReportMetric(closeMS, "close-ms")
	bd, err := r.votes.Board(ctx, id)
	if err != nil || len(bd.Ballots) != n {
		b.Fatalf("board: %v, %d ballots", err, len(bd.Ballots))
	}
}
