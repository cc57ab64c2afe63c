package content

import (
	"testing"
	"time"
)

// TestPetitionDeclaration: a petition block and type: petition are read
// with their defaults; bad values are content errors at their lines.
func TestPetitionDeclaration(t *testing.T) {
	s := load(t, map[string]string{
		"content/p/a.en.md": `---
title: A
petitionId: rent-now
petition:
  goal: 500
  closes: 2026-06-30T23:59:00
  target: The city council
  fields: [city, workplace, comment]
  publicNames: true
  eraseAfterDays: 30
---
`,
		"content/p/b.en.md": "---\ntitle: B\ntype: petition\ngoal: 10\n---\n",
		"content/p/c.en.md": "---\ntitle: C\npetition:\n  fields: {city: optional, workplace: required}\n---\n",
		"content/p/bad.en.md": `---
title: Bad
petitionId: Not A Slug!
petition:
  goal: lots
  closes: soon
  fields: [city, phone, city]
  publicNames: maybe
  eraseAfterDays: 0
---
`,
		"content/p/none.en.md": "---\ntitle: None\nctaType: sign\npetitionId: rent-now\n---\n",
	})
	a := page(t, s, "/en/p/a/").Petition
	if a == nil || a.ID != "rent-now" || a.Goal != 500 || a.Target != "The city council" || !a.PublicNames || a.EraseAfterDays != 30 ||
		len(a.Fields) != 3 || a.Fields[0] != (PetitionField{"city", true}) || a.Fields[1] != (PetitionField{"workplace", false}) {
		t.Fatalf("a: %+v", a)
	}
	if want := time.Date(2026, 6, 30, 23, 59, 0, 0, s.Location); !a.Closes.Equal(want) {
		t.Errorf("closes %v, want %v", a.Closes, want)
	}
	b := page(t, s, "/en/p/b/").Petition
	if b == nil || b.Goal != 10 || len(b.Fields) != 1 || b.Fields[0] != (PetitionField{"city", true}) || b.ID != "" {
		t.Fatalf("b: %+v", b)
	}
	c := page(t, s, "/en/p/c/").Petition
	if c == nil || len(c.Fields) != 2 || c.Fields[0] != (PetitionField{"city", false}) || c.Fields[1] != (PetitionField{"workplace", true}) {
		t.Fatalf("c: %+v", c)
	}
	if p := page(t, s, "/en/p/none/"); p.Petition != nil {
		t.Error("a call to action declared a petition")
	}
	for line, text := range map[int]string{3: "petition id", 5: "goal", 6: "closes", 7: "phone", 8: "publicNames", 9: "eraseAfterDays"} {
		if !hasProblem(s.Problems, "content/p/bad.en.md", line, SevError, text) {
			t.Errorf("line %d %q not reported: %v", line, text, s.Problems)
		}
	}
	if !hasProblem(s.Problems, "content/p/bad.en.md", 7, SevError, "listed twice") {
		t.Errorf("duplicate field not reported: %v", s.Problems)
	}
}
