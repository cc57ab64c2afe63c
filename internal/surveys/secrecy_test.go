package surveys

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"unionhall/internal/db"
	"unionhall/internal/dbtest"
)

// TestAnonymousSurveySecrecy is issue 11's test of an anonymous survey:
// after members answer in a known order with known answers and the survey
// closes, someone holding the database (files or tables) and the key
// cannot join an answer to the member who gave it. It checks every way a
// link could survive, as TestVoteSecrecy does for ballots:
//
//   - the schema: answers have no column for a member or a time, and
//     nothing in common with the takers but the survey's id; the sealed
//     record, opened with the key, holds the answers only (no member, no
//     language, no time);
//   - storage order: answers are stored in the order of their ids, which
//     the close drew afresh (none of the ids given while open is left), the
//     takers in member order; neither in the order of answering;
//   - PostgreSQL transaction ids: every taker row and every answer row
//     carries the close's xmin, and the tables were rewritten (VACUUM FULL)
//     so no dead version remains;
//   - SQLite's files: the write-ahead log is empty and no answer as it was
//     sealed while the survey was open is left in the database file
//     (secure_delete);
//   - the takers hold the day only; the audit trail and the logs name no
//     member with the survey.
func TestAnonymousSurveySecrecy(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newEnv(t, d)
		sv := e.survey("anon")
		ms := e.members(12)
		// Answer in a known order, hours apart (crossing days), each with
		// a different story so each answer is known.
		order := slices.Clone(ms)
		slices.Reverse(order)
		order[0], order[5] = order[5], order[0]
		story := map[string]string{} // story → member
		var idsDuring []string
		var sealedDuring [][]byte
		for i, m := range order {
			e.clock.Add(5 * time.Hour)
			s := fmt.Sprintf("story number %02d", i)
			story[s] = m
			if err := e.s.Submit(ctx, sv, Respondent{MemberID: m, Lang: "cs"}, Answers{"color": {"red"}, "mood": {"2"}, "story": {s}}); err != nil {
				t.Fatal(err)
			}
			ids, blobs := e.answerRows(sv.ID)
			for j, id := range ids {
				if !slices.Contains(idsDuring, id) {
					idsDuring = append(idsDuring, id)
					sealedDuring = append(sealedDuring, blobs[j])
				}
			}
		}
		if len(idsDuring) != 12 {
			t.Fatalf("%d answers stored", len(idsDuring))
		}
		var nodes [2]string
		if d.Dialect() == db.Postgres {
			for i, tbl := range []string{"survey_takers", "survey_answers"} {
				if err := d.QueryRow(ctx, `SELECT pg_relation_filenode('`+tbl+`')::text`).Scan(&nodes[i]); err != nil {
					t.Fatal(err)
				}
			}
		}

		e.clock.Add(10 * 24 * time.Hour)
		if err := e.s.Tick(ctx); err != nil {
			t.Fatal(err)
		}
		st, err := e.s.State(ctx, sv.ID)
		if err != nil || !st.Scrubbed || st.ClosedAt.IsZero() || st.Answers != 12 {
			t.Fatalf("after the close: %+v %v", st, err)
		}

		// The schema.
		if got := e.columns("survey_answers"); !slices.Equal(got, []string{"id", "sealed", "survey_id"}) {
			t.Errorf("survey_answers columns %v", got)
		}
		if got := e.columns("survey_takers"); !slices.Equal(got, []string{"answered_on", "member_id", "survey_id"}) {
			t.Errorf("survey_takers columns %v", got)
		}
		// What the key opens: the answers only.
		ids, blobs := e.answerRows(sv.ID)
		for i, id := range ids {
			plain, err := e.keys.Open(blobs[i], aadAnswer(id))
			if err != nil {
				t.Fatal(err)
			}
			var m map[string]json.RawMessage
			if err := json.Unmarshal(plain, &m); err != nil {
				t.Fatal(err)
			}
			if len(m) != 1 || m["a"] == nil {
				t.Errorf("an anonymous answer holds %s", plain)
			}
			for _, mem := range ms {
				if bytes.Contains(plain, []byte(mem)) {
					t.Errorf("an answer names member %s", mem)
				}
			}
		}
		// Every answer is still there (the close rewrote, not lost).
		res, err := e.s.Results(ctx, sv, "cs", true)
		if err != nil || len(res.Questions[4].Texts) != 12 {
			t.Fatalf("results after the close: %+v %v", res, err)
		}
		for s := range story {
			if !slices.Contains(res.Questions[4].Texts, s) {
				t.Fatalf("story %q lost", s)
			}
		}

		// Storage order.
		for _, id := range ids {
			if slices.Contains(idsDuring, id) {
				t.Errorf("answer id %s given while open survived the close", id)
			}
		}
		orderBy := ""
		if d.Dialect() == db.Postgres {
			orderBy = " ORDER BY ctid"
		}
		if stored := e.strings(`SELECT id FROM survey_answers WHERE survey_id = ?`+orderBy, sv.ID); !slices.IsSorted(stored) || len(stored) != 12 {
			t.Errorf("answers in storage order %v, want id order", stored)
		}
		if slices.IsSorted(order) {
			t.Fatal("members answered in member order; the takers' order test would prove nothing")
		}
		if stored := e.strings(`SELECT member_id FROM survey_takers WHERE survey_id = ?`+orderBy, sv.ID); !slices.IsSorted(stored) || len(stored) != 12 {
			t.Errorf("takers in storage order %v, want member order", stored)
		}
		for _, day := range e.strings(`SELECT answered_on FROM survey_takers WHERE survey_id = ?`, sv.ID) {
			if !regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`).MatchString(day) {
				t.Errorf("takers hold %q, want a day", day)
			}
		}
		if d.Dialect() == db.SQLite {
			for _, tbl := range []string{"survey_answers", "survey_takers"} {
				if _, err := d.Query(ctx, `SELECT rowid FROM `+tbl); err == nil {
					t.Errorf("%s has a rowid (storage order = insertion order)", tbl)
				}
			}
		}

		// PostgreSQL: one transaction id on every row, tables rewritten.
		if d.Dialect() == db.Postgres {
			xs := e.strings(`SELECT DISTINCT xmin::text FROM survey_takers WHERE survey_id = ? UNION SELECT DISTINCT xmin::text FROM survey_answers WHERE survey_id = ?`, sv.ID, sv.ID)
			if len(xs) != 1 {
				t.Errorf("survey rows carry %d transaction ids %v, want 1 (the close's)", len(xs), xs)
			}
			for i, tbl := range []string{"survey_takers", "survey_answers"} {
				var after string
				if err := d.QueryRow(ctx, `SELECT pg_relation_filenode('`+tbl+`')::text`).Scan(&after); err != nil {
					t.Fatal(err)
				}
				if after == nodes[i] {
					t.Errorf("%s was not rewritten after the close (dead row versions remain)", tbl)
				}
			}
		}

		// SQLite: empty WAL, no answer as sealed while open in the file.
		if d.Dialect() == db.SQLite {
			if fi, err := os.Stat(d.Path() + "-wal"); err == nil && fi.Size() != 0 {
				t.Errorf("write-ahead log holds %d bytes after the close", fi.Size())
			}
			file, err := os.ReadFile(d.Path())
			if err != nil {
				t.Fatal(err)
			}
			for i, s := range sealedDuring {
				if bytes.Contains(file, s[len(s)-32:]) {
					t.Errorf("answer %d as sealed while open is still in the database file", i)
				}
			}
			for i, id := range idsDuring {
				if bytes.Contains(file, []byte(id)) {
					t.Errorf("answer id %d given while open is still in the database file", i)
				}
			}
		}

		// The audit trail and the logs name no member with the survey.
		audit := e.strings(`SELECT actor_id || ' ' || action || ' ' || subject_type || ' ' || subject_id || ' ' || detail FROM audit`)
		logs := e.logs.String()
		for _, m := range ms {
			for _, line := range audit {
				if strings.Contains(line, m) {
					t.Errorf("audit entry names member %s: %s", m, line)
				}
			}
			if strings.Contains(logs, m) {
				t.Errorf("the logs name member %s", m)
			}
		}
		for s := range story {
			if strings.Contains(logs, s) {
				t.Error("an answer is in the logs")
			}
		}
	})
}

func (e *env) answerRows(id string) ([]string, [][]byte) {
	e.t.Helper()
	rows, err := e.d.Query(context.Background(), `SELECT id, sealed FROM survey_answers WHERE survey_id = ? ORDER BY id`, id)
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	var ids []string
	var blobs [][]byte
	for rows.Next() {
		var s string
		var b []byte
		if err := rows.Scan(&s, &b); err != nil {
			e.t.Fatal(err)
		}
		ids, blobs = append(ids, s), append(blobs, b)
	}
	return ids, blobs
}

func (e *env) columns(table string) []string { return dbtest.Columns(e.t, e.d, table) }

func (e *env) strings(q string, args ...any) []string { return dbtest.Strings(e.t, e.d, q, args...) }
