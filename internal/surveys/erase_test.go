package surveys

import (
	"context"
	"database/sql"
	"testing"

	"unionhall/internal/db"
	"unionhall/internal/dbtest"
)

// Erasing a member deletes their named answers and only theirs; their
// anonymous answer, which nothing links to them, stays.
func TestEraseMember(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newEnv(t, d)
		ms := e.members(2)
		for _, m := range ms {
			for _, id := range []string{"memnamed", "anon"} {
				if err := e.s.Submit(ctx, e.survey(id), Respondent{MemberID: m, Lang: "en"}, answers()); err != nil {
					t.Fatal(err)
				}
			}
		}
		var detail string
		if err := d.Tx(ctx, func(tx *sql.Tx) error {
			var err error
			detail, err = e.s.EraseMember(ctx, tx, ms[0])
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if detail != "1 named survey answers deleted" {
			t.Fatalf("detail %q", detail)
		}
		_, recs, err := e.s.records(ctx, d.Reader(), "memnamed")
		if err != nil || len(recs) != 1 || recs[0].Member != ms[1] {
			t.Fatalf("named answers left: %+v %v", recs, err)
		}
		if st, _ := e.s.State(ctx, "anon"); st.Answers != 2 {
			t.Fatalf("anonymous answers: %d", st.Answers)
		}
	})
}
