package surveys

import (
	"context"
	"testing"

	"unionhall/internal/dbtest"
)

// BenchmarkSubmitAnonymous is members answering an anonymous survey at
// once on SQLite, each durable before Submit returns (group commit).
func BenchmarkSubmitAnonymous(b *testing.B) {
	d := dbtest.SQLite(b)
	e := newEnv(b, d)
	sv := e.survey("anon")
	ms := e.members(b.N)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	next := make(chan string, len(ms))
	for _, m := range ms {
		next <- m
	}
	close(next)
	b.SetParallelism(16)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := e.s.Submit(ctx, sv, Respondent{MemberID: <-next}, Answers{"color": {"red"}, "mood": {"3"}, "story": {"a story of a few words"}}); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkResults is counting 1,000 answers for the console page.
func BenchmarkResults(b *testing.B) {
	d := dbtest.SQLite(b)
	e := newEnv(b, d)
	sv := e.survey("pubanon")
	ctx := context.Background()
	for range 1000 {
		if err := e.s.Submit(ctx, sv, Respondent{}, Answers{"color": {"red"}, "tools": {"1", "2"}, "mood": {"3"}, "story": {"a story of a few words"}}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := e.s.Results(ctx, sv, "en", true); err != nil {
			b.Fatal(err)
		}
	}
}
