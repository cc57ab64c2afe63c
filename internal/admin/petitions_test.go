package admin_test

import (
	"context"
	"fmt"
	"io/fs"
	"testing"
	"testing/fstest"
	"time"

	"unionhall/internal/content"
	"unionhall/internal/db"
	"unionhall/internal/dbtest"
	"unionhall/internal/examplesite"
	"unionhall/internal/petitions"
	"unionhall/internal/seal"
)

// rigPetition is the id of the petition the rig's site declares.
const rigPetition = "rig-petition"

// newPetitions is the petitions feature as internal/app wires it, on the
// example site with one petition (cs and en) added, so the route walk
// reaches real petition pages; it returns the service with one confirmed
// signer.
func newPetitions(t testing.TB, d *db.DB, kr *seal.Keyring, box petitions.Outbox) *petitions.Service {
	t.Helper()
	now := time.Now()
	base, err := examplesite.FS(now)
	if err != nil {
		t.Fatal(err)
	}
	m := fstest.MapFS{}
	err = fs.WalkDir(base, ".", func(p string, de fs.DirEntry, err error) error {
		if err != nil || de.IsDir() {
			return err
		}
		b, err := fs.ReadFile(base, p)
		m[p] = &fstest.MapFile{Data: b, Mode: 0o644}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"cs", "en"} {
		m["content/rig-petition/index."+lang+".md"] = &fstest.MapFile{Data: fmt.Appendf(nil, `---
title: Petition %s
petition:
  id: %s
  goal: 10
  target: The board
  publicNames: true
---
Text.
`, lang, rigPetition)}
	}
	site, err := content.Load(m)
	if err != nil {
		t.Fatal(err)
	}
	svc := petitions.New(petitions.Deps{DB: d, Keys: kr, Outbox: box, Site: func() *content.Site { return site },
		BaseURL: "http://console.test", Logger: dbtest.Logger()})
	t.Cleanup(svc.Close)
	p, err := svc.Get(context.Background(), rigPetition)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SignMember(context.Background(), p, petitions.Signing{Lang: "cs",
		Signer: petitions.Signer{Name: "Jana", Email: "jana-signer@example.org", City: "Brno"}, ShowName: true}); err != nil {
		t.Fatal(err)
	}
	return svc
}
