package petitions_test

import (
	"fmt"
	"net/url"
	"sync"
	"testing"

	"unionhall/internal/dbtest"
	"unionhall/internal/petitions"
)

// BenchmarkConsolePetitionPage: the organisers' petition page, the CSV and
// the delivery PDF of a petition with 10,000 confirmed signers on SQLite,
// over HTTP through the real console (each request opens every sealed
// signature: the page counts cities and named signers over all of them).
func BenchmarkConsolePetitionPage(b *testing.B) {
	r := newConsRig(b, dbtest.SQLite(b))
	const n = 10000
	var wg sync.WaitGroup
	sem := make(chan struct{}, 64)
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			r.signConfirmed(b, []string{"cs", "en"}[i%2], petitions.Signer{Name: fmt.Sprintf("Signer Nováková %d", i),
				Email: fmt.Sprintf("s%d@example.org", i), City: []string{"Praha", "Brno", "Ostrava", "Plzeň"}[i%4]}, i%3 == 0)
		}()
	}
	wg.Wait()
	viewer := r.login(b, "viewer@example.org", []string{petitions.ListPetitions})
	base := r.srv.URL + "/admin/petitions/rent"
	for _, bc := range []struct {
		name, method, path string
		form               url.Values
	}{
		{"page", "GET", "", nil},
		{"csv", "POST", "/export", url.Values{}},
		{"pdf", "POST", "/pdf", url.Values{"lang": {"cs"}}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if res := consDo(b, viewer, bc.method, base+bc.path, "en", bc.form); res.Code != 200 {
					b.Fatalf("%s: %d", bc.name, res.Code)
				}
			}
		})
	}
}
