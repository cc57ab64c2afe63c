package votes

import (
	"bytes"
	"context"
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

// TestVoteSecrecy is issue 10 part 3's test: after a vote in which members
// vote in a known order with known choices, someone holding the database
// (files or tables) and the key cannot join a ballot to its voter. It
// checks every way the design says a link could survive:
//
//   - the schema: ballots and the board have no column for a member or a
//     time, and nothing in common with the roll but the vote's id;
//   - storage order: the board is stored in tracker order (SQLite: WITHOUT
//     ROWID, no rowid; PostgreSQL: ctid order), the roll in member order,
//     neither in the order of voting, which differed;
//   - PostgreSQL transaction ids: every roll row and every board row has
//     one xmin (the close's), and the tables were rewritten (VACUUM FULL)
//     so no dead version of a roll row or a ballot remains;
//   - SQLite's files: the write-ahead log is empty, and no sealed ballot as
//     it was stored during the vote (including a replaced one) is left in
//     the database file (secure_delete);
//   - the roll holds the day only; no other vote table names a member; the
//     audit trail has no entry linking a member to the vote; no receipt
//     code is in the outbox, the audit trail, the jobs or the logs.
func TestVoteSecrecy(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newEnv(t, d)
		voters := e.members(12)
		in := e.input(KindSingle)
		in.AllowChange, in.Invite = true, true
		id := e.create(in)
		e.tickAt(testStart.Add(24 * time.Hour))
		if _, err := e.queue.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}

		// Vote in a known order, hours apart (crossing days), with known
		// choices; one member changes their ballot.
		var castOrder, codes []string
		choice := map[string]string{} // tracker → option
		var sealedDuring [][]byte
		for i, m := range voters {
			e.clock.Add(5 * time.Hour)
			opt := fmt.Sprintf("o%d", 1+i%3)
			rc, err := e.s.Cast(ctx, id, m, ballot(opt), "")
			if err != nil {
				t.Fatal(err)
			}
			castOrder = append(castOrder, rc.Tracker)
			codes = append(codes, rc.ChangeCode)
			choice[rc.Tracker] = opt
			sealedDuring = append(sealedDuring, e.sealedOf(rc.Tracker))
		}
		e.clock.Add(time.Hour)
		if _, err := e.s.Cast(ctx, id, voters[4], ballot("o1"), codes[4]); err != nil {
			t.Fatal(err)
		}
		choice[castOrder[4]] = "o1"
		sealedDuring = append(sealedDuring, e.sealedOf(castOrder[4]))
		var filenode string
		if d.Dialect() == db.Postgres {
			if err := d.QueryRow(ctx, `SELECT pg_relation_filenode('vote_roll')::text`).Scan(&filenode); err != nil {
				t.Fatal(err)
			}
		}

		e.tickAt(e.get(id).ClosesAt)
		if v := e.get(id); v.State != StateClosed || v.Cast != 12 {
			t.Fatalf("closed with %d ballots (%s)", v.Cast, v.State)
		}

		// The schema: exactly these columns, none for a member or a time.
		if got := e.columns("vote_ballots"); !slices.Equal(got, []string{"change_hash", "id", "sealed", "tracker", "vote_id"}) {
			t.Errorf("vote_ballots columns %v", got)
		}
		if got := e.columns("vote_board"); !slices.Equal(got, []string{"ballot", "tracker", "vote_id"}) {
			t.Errorf("vote_board columns %v", got)
		}
		if got := e.columns("vote_roll"); !slices.Equal(got, []string{"member_id", "vote_id", "voted", "voted_on"}) {
			t.Errorf("vote_roll columns %v", got)
		}

		// The board: what was cast, by receipt.
		b, err := e.s.Board(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		for _, bl := range b.Ballots {
			if !slices.Equal(bl.Choices, []string{choice[bl.Receipt]}) {
				t.Fatalf("board %s: %v, cast %s", bl.Receipt, bl.Choices, choice[bl.Receipt])
			}
		}

		// Storage order.
		sorted := slices.Sorted(slices.Values(castOrder))
		if slices.Equal(sorted, castOrder) {
			t.Fatal("the trackers came in sorted order by chance (1 in 12!); the order test below would prove nothing")
		}
		orderBy := ""
		if d.Dialect() == db.Postgres {
			orderBy = " ORDER BY ctid"
		}
		if got := e.strings(`SELECT tracker FROM vote_board WHERE vote_id = ?`+orderBy, id); !slices.Equal(got, sorted) {
			t.Errorf("board in storage order %v, want tracker order %v", got, sorted)
		}
		rollOrder := e.strings(`SELECT member_id FROM vote_roll WHERE vote_id = ?`+orderBy, id)
		if !slices.IsSorted(rollOrder) || len(rollOrder) != 12 {
			t.Errorf("roll in storage order %v, want member order", rollOrder)
		}
		for _, day := range e.strings(`SELECT voted_on FROM vote_roll WHERE vote_id = ?`, id) {
			if !regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`).MatchString(day) {
				t.Errorf("roll holds %q, want a day", day)
			}
		}
		if d.Dialect() == db.SQLite {
			for _, tbl := range []string{"vote_board", "vote_roll", "vote_ballots"} {
				if _, err := d.Query(ctx, `SELECT rowid FROM `+tbl); err == nil {
					t.Errorf("%s has a rowid (storage order = insertion order)", tbl)
				}
			}
		}

		// PostgreSQL: one transaction id on every row, tables rewritten.
		if d.Dialect() == db.Postgres {
			for _, tbl := range []string{"vote_roll", "vote_board"} {
				if xs := e.strings(`SELECT DISTINCT xmin::text FROM `+tbl+` WHERE vote_id = ?`, id); len(xs) != 1 {
					t.Errorf("%s rows carry %d transaction ids %v, want 1", tbl, len(xs), xs)
				}
			}
			var after string
			if err := d.QueryRow(ctx, `SELECT pg_relation_filenode('vote_roll')::text`).Scan(&after); err != nil {
				t.Fatal(err)
			}
			if after == filenode {
				t.Error("vote_roll was not rewritten after the close (dead row versions remain)")
			}
		}

		// SQLite: empty WAL, no sealed ballot left in the file.
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
					t.Errorf("sealed ballot %d is still in the database file", i)
				}
			}
		}

		// No other vote table names a member; no entry of the audit trail
		// links a member to the vote; no tracker outside the board.
		for _, q := range []string{`SELECT id || title || body || options || workplaces || COALESCE(result, '') FROM votes`,
			`SELECT tracker || ballot FROM vote_board`} {
			for _, row := range e.strings(q) {
				for _, m := range voters {
					if strings.Contains(row, m) {
						t.Errorf("a vote table names member %s: %s", m, q)
					}
				}
			}
		}
		audit := strings.Join(e.strings(`SELECT actor_id || ' ' || action || ' ' || subject_type || ' ' || subject_id || ' ' || detail FROM audit`), "\n")
		for _, line := range strings.Split(audit, "\n") {
			if !strings.Contains(line, id) {
				continue
			}
			for _, m := range voters {
				if strings.Contains(line, m) {
					t.Errorf("audit entry links member %s to the vote: %s", m, line)
				}
			}
		}
		var mails strings.Builder
		for _, m := range e.out.all() {
			mails.WriteString(m.Subject + m.Text + m.HTML)
		}
		if !strings.Contains(mails.String(), "/member/votes/"+id) {
			t.Fatal("the invitations were not sent; the outbox check would prove nothing")
		}
		jobsText := strings.Join(e.strings(`SELECT kind || ' ' || COALESCE(last_error, '') FROM jobs`), "\n")
		payloads := e.blobs(`SELECT payload FROM jobs`)
		logs := e.logs.String()
		for _, tr := range castOrder {
			for where, text := range map[string]string{"outbox": mails.String(), "audit": audit, "jobs": jobsText, "logs": logs, "payloads": string(bytes.Join(payloads, nil))} {
				if strings.Contains(text, tr) || strings.Contains(text, strings.ReplaceAll(tr, "-", "")) {
					t.Errorf("tracker %s is in the %s", tr, where)
				}
			}
		}
		for _, c := range codes {
			if strings.Contains(logs, c) || strings.Contains(audit, c) || strings.Contains(mails.String(), c) {
				t.Errorf("a change code is outside the voter's receipt")
			}
		}
	})
}

// sealedOf is the stored sealed ballot with this tracker.
func (e *env) sealedOf(tracker string) []byte {
	e.t.Helper()
	var b []byte
	if err := e.d.QueryRow(context.Background(), `SELECT sealed FROM vote_ballots WHERE tracker = ?`, tracker).Scan(&b); err != nil {
		e.t.Fatal(err)
	}
	return b
}

func (e *env) columns(table string) []string { return dbtest.Columns(e.t, e.d, table) }

func (e *env) strings(q string, args ...any) []string { return dbtest.Strings(e.t, e.d, q, args...) }

func (e *env) blobs(q string, args ...any) [][]byte {
	e.t.Helper()
	rows, err := e.d.Query(context.Background(), q, args...)
	if err != nil {
		e.t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var out [][]byte
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			e.t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}
