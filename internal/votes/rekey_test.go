package votes

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"unionhall/internal/db"
	"unionhall/internal/dbtest"
	"unionhall/internal/rekey"
	"unionhall/internal/seal"
)

// TestVoteKeyRotationWhileOpen: `unionhall keys rotate` during an open vote
// re-seals the live ballots (rekey registry: vote_ballots.sealed, AAD by the
// ballot id) and retires the old key; the close then opens and counts
// every ballot under the new key alone.
func TestVoteKeyRotationWhileOpen(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		dir := t.TempDir()
		if _, _, err := seal.Load(dir, ""); err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(dir, seal.KeyFileName)
		kr, err := seal.LoadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		e := newEnvKeys(t, d, kr, &clock{t: testStart})
		ids := e.members(4)
		id := e.create(e.input(KindSingle))
		e.tickAt(testStart.Add(24 * time.Hour))
		for i, m := range ids {
			if _, err := e.s.Cast(ctx, id, m, ballot([]string{"o1", "o2", "o3"}[i%3]), ""); err != nil {
				t.Fatal(err)
			}
		}
		rep, err := rekey.Rotate(ctx, d, file, rekey.Options{WaitServers: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Resealed < len(ids) || len(rep.Retired) != 1 {
			t.Fatalf("rotation: %+v", rep)
		}
		rotated, err := seal.LoadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if len(rotated.KeyIDs()) != 1 || rotated.KeyIDs()[0] == rep.Retired[0] {
			t.Fatalf("keys after rotation: %v", rotated.KeyIDs())
		}
		kr.Replace(rotated) // what the server's key watcher does
		e.tickAt(e.get(id).ClosesAt)
		v := e.get(id)
		if v.State != StateClosed || v.Result.Cast != len(ids) {
			t.Fatalf("after rotation: %s, counted %v", v.State, v.Result)
		}
	})
}
