package votes

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"unionhall/internal/db"
	"unionhall/internal/dbtest"
	"unionhall/internal/members"
	"unionhall/internal/seal"
	"unionhall/internal/votes/count"
)

// BenchmarkVoteCast is issue 10's speed goal at the service level: 1,000
// members cast at the same moment (one goroutine each), on SQLite and
// PostgreSQL, with the group-commit batcher and without it (one
// transaction per cast), so the batcher's effect shows side by side. Each
// iteration is a fresh vote; it reports p50 and p99 of one Cast and checks
// after the close that exactly 1,000 ballots were counted, each once.
//
//	UNIONHALL_TEST_POSTGRES=… go test ./internal/votes/ -run '^$' -bench VoteCast -benchtime 3x
func BenchmarkVoteCast(b *testing.B) {
	for _, engine := range []string{"sqlite", "postgres"} {
		b.Run(engine, func(b *testing.B) {
			var d *db.DB
			if engine == "sqlite" {
				d = dbtest.SQLite(b)
			} else {
				d = dbtest.Postgres(b)
			}
			e := newEnv(b, d)
			voters := benchMembers(b, e, 1000)
			for _, mode := range []string{"batch", "nobatch"} {
				b.Run(mode, func(b *testing.B) {
					saved := e.s.batch
					if mode == "nobatch" {
						e.s.batch = nil
					}
					defer func() { e.s.batch = saved }()
					var all, closes []time.Duration
					for range b.N {
						b.StopTimer()
						in := e.input(KindSingle)
						in.OpensAt, in.ClosesAt = e.at(e.clock.Now().Add(24*time.Hour)), e.at(e.clock.Now().Add(8*24*time.Hour))
						id := e.create(in)
						e.tickAt(e.clock.Now().Add(24*time.Hour + time.Minute))
						start := make(chan struct{})
						lat := make([]time.Duration, len(voters))
						errs := make([]error, len(voters))
						var wg sync.WaitGroup
						for i, m := range voters {
							wg.Add(1)
							go func() {
								defer wg.Done()
								<-start
								t0 := time.Now()
								_, errs[i] = e.s.Cast(context.Background(), id, m, count.Ballot{Choices: []string{fmt.Sprintf("o%d", 1+i%3)}}, "")
								lat[i] = time.Since(t0)
							}()
						}
						b.StartTimer()
						close(start)
						wg.Wait()
						b.StopTimer()
						for i, err := range errs {
							if err != nil {
								b.Fatalf("cast %d: %v", i, err)
							}
						}
						all = append(all, lat...)
						t0 := time.Now()
						e.tickAt(e.get(id).ClosesAt) // count, board, roll rewrite, scrub
						closes = append(closes, time.Since(t0))
						v := e.get(id)
						bd, err := e.s.Board(context.Background(), id)
						if err != nil {
							b.Fatal(err)
						}
						seen := map[string]bool{}
						for _, bl := range bd.Ballots {
							seen[bl.Receipt] = true
						}
						if v.Result.Cast != len(voters) || len(bd.Ballots) != len(voters) || len(seen) != len(voters) {
							b.Fatalf("counted %d, board %d (%d distinct), want %d each", v.Result.Cast, len(bd.Ballots), len(seen), len(voters))
						}
						b.StartTimer()
					}
					slices.Sort(all)
					b.ReportMetric(float64(all[len(all)/2].Microseconds())/1000, "p50-ms")
					b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "p99-ms")
					b.ReportMetric(float64(all[len(all)-1].Microseconds())/1000, "max-ms")
					slices.Sort(closes)
					b.ReportMetric(float64(closes[len(closes)/2].Microseconds())/1000, "close-ms")
				})
			}
		})
	}
}

// benchMembers adds n current members in one transaction (the registry's
// one-by-one AddMember would take most of the benchmark's set-up time).
func benchMembers(b *testing.B, e *env, n int) []string {
	b.Helper()
	ids := make([]string, n)
	err := e.d.Tx(context.Background(), func(tx *sql.Tx) error {
		for i := range ids {
			ids[i] = db.NewID()
			data, err := e.keys.SealJSON(members.MemberData{FirstName: fmt.Sprint("B", i), Lang: "cs"}, sealAADMember(ids[i]))
			if err != nil {
				return err
			}
			if _, err := tx.Exec(e.d.Rebind(`INSERT INTO members (id, number, data, joined_at) VALUES (?, ?, ?, ?)`),
				ids[i], 100000+i, data, db.T(e.clock.Now())); err != nil {
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

func sealAADMember(id string) []byte { return seal.AAD("members", "data", id) }
