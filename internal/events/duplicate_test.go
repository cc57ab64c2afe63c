package events

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"unionhall/internal/db"
	"unionhall/internal/dbtest"
)

// TestSimultaneousRegistrationsMakeOne: the same registration sent many
// times at once (a double click, a phone retrying on a bad connection, an
// address written with other letter case) is one registration, and every
// one of the requests gets the same answer as the first.
func TestSimultaneousRegistrationsMakeOne(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, nil)
		u := e.srv.URL + RegisterURL(e.event("id:small", "en").Page)
		const n = 8
		var wg sync.WaitGroup
		answers := make([]string, n)
		codes := make([]int, n)
		for i := range n {
			wg.Go(func() {
				v := goodForm()
				if i%2 == 1 {
					v.Set("email", "Jana@Example.ORG")
				}
				resp, err := http.PostForm(u, v)
				if err != nil {
					answers[i] = err.Error()
					return
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				codes[i], answers[i] = resp.StatusCode, string(b)
			})
		}
		wg.Wait()
		for i := range n {
			if codes[i] != http.StatusOK || !strings.Contains(answers[i], "Check your email") {
				t.Errorf("request %d: %d %.200s", i, codes[i], answers[i])
			}
		}
		var rows int
		if err := d.QueryRow(context.Background(), `SELECT COUNT(*) FROM event_registrations`).Scan(&rows); err != nil {
			t.Fatal(err)
		}
		if rows != 1 {
			t.Fatalf("%d registrations from %d simultaneous copies", rows, n)
		}
	})
}
