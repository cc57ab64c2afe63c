package votes

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"unionhall/internal/auth"
	"unionhall/internal/db"
	"unionhall/internal/dbtest"
	"unionhall/internal/votes/count"
)

func ballot(choices ...string) count.Ballot { return count.Ballot{Choices: choices} }

// TestVoteLifecycle walks a ranked vote through every state by the
// injected clock: edits while scheduled, locked once open, invitations at
// opening, casting, the close with its board and result, and the audit.
func TestVoteLifecycle(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newEnv(t, d)
		ids := e.members(5)
		in := e.input(KindRanked)
		in.Invite = true
		in.Meeting = "/meetings/2026-06-planning/"
		id := e.create(in)
		v := e.get(id)
		if v.State != StateScheduled || v.Meeting != "meetings/2026-06-planning" || len(v.Options) != 3 || v.Options[1].Label["cs"] != "Bořek" {
			t.Fatalf("scheduled vote: %+v", v)
		}
		in.Title["en"] = "Committee election 2026"
		if p, err := e.s.Update(ctx, e.admin.ID, id, in); err != nil || !p.OK() {
			t.Fatalf("update while scheduled: %v %v", p, err)
		}

		e.tickAt(testStart.Add(23 * time.Hour))
		if v := e.get(id); v.State != StateScheduled {
			t.Fatalf("opened early: %s", v.State)
		}
		if _, err := e.s.Cast(ctx, id, ids[0], ballot("o1"), ""); !errors.Is(err, ErrNotOpen) {
			t.Fatalf("cast before opening: %v", err)
		}
		e.tickAt(testStart.Add(24 * time.Hour))
		v = e.get(id)
		if v.State != StateOpen || v.Eligible != 5 || v.OpenedAt.IsZero() {
			t.Fatalf("after opening: state %s eligible %d", v.State, v.Eligible)
		}
		if _, err := e.s.Update(ctx, e.admin.ID, id, in); !errors.Is(err, ErrLocked) {
			t.Fatalf("update while open: %v, want ErrLocked", err)
		}

		// Invitations: one per member, in their language, with the link.
		if _, err := e.queue.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		sent := e.out.all()
		if len(sent) != 5 {
			t.Fatalf("%d invitations, want 5", len(sent))
		}
		for _, m := range sent {
			if !strings.Contains(m.Text, "https://union.example/signin/TOKEN-") || !(strings.Contains(m.Text, "/member/votes/"+id+"/") || strings.Contains(m.Text, "/cs/clen/hlasovani/"+id+"/")) {
				t.Errorf("invitation without its link: %q", m.Text)
			}
			cs := strings.HasPrefix(m.Subject, "Hlasování: Volba výboru")
			en := strings.HasPrefix(m.Subject, "Vote: Committee election 2026")
			if !cs && !en {
				t.Errorf("invitation subject %q", m.Subject)
			}
		}
		if len(e.links.calls) != 5 || !strings.HasSuffix(e.links.calls[0], v.ClosesAt.UTC().Format(time.RFC3339)) {
			t.Fatalf("links issued: %v", e.links.calls)
		}

		// Ranked ballots: a repeat is refused before anything is stored.
		var be *count.BallotError
		if _, err := e.s.Cast(ctx, id, ids[0], ballot("o1", "o1"), ""); !errors.As(err, &be) || be.Code != count.CodeRepeat {
			t.Fatalf("repeat: %v", err)
		}
		casts := [][]string{{"o1", "o2"}, {"o2"}, {"o1", "o3", "o2"}, {"o1"}}
		receipts := map[string][]string{}
		for i, c := range casts {
			rc, err := e.s.Cast(ctx, id, ids[i], ballot(c...), "")
			if err != nil {
				t.Fatalf("cast %d: %v", i, err)
			}
			if _, ok := NormaliseTracker(rc.Tracker); !ok || rc.ChangeCode != "" {
				t.Fatalf("receipt %+v", rc)
			}
			receipts[rc.Tracker] = c
		}
		if _, err := e.s.Cast(ctx, id, ids[0], ballot("o2"), ""); !errors.Is(err, ErrAlreadyVoted) {
			t.Fatalf("second cast: %v", err)
		}
		if v := e.get(id); v.Cast != 4 {
			t.Fatalf("cast count %d", v.Cast)
		}
		if _, err := e.s.Board(ctx, id); !errors.Is(err, ErrNotClosed) {
			t.Fatalf("board while open: %v", err)
		}
		mv, err := e.s.ForMember(ctx, ids[0])
		if err != nil || len(mv) != 1 || !mv[0].Voted || !mv[0].OnRoll {
			t.Fatalf("for member: %+v %v", mv, err)
		}
		if mt, err := e.s.OfMeeting(ctx, "meetings/2026-06-planning"); err != nil || len(mt) != 1 {
			t.Fatalf("of meeting: %v %v", mt, err)
		}

		e.tickAt(v.ClosesAt)
		if _, err := e.s.Cast(ctx, id, ids[4], ballot("o1"), ""); !errors.Is(err, ErrClosed) {
			t.Fatalf("cast after close: %v", err)
		}
		v = e.get(id)
		if v.State != StateClosed || v.Cast != 4 || v.Result == nil || v.Result.Cast != 4 || v.Result.Eligible != 5 {
			t.Fatalf("closed: %+v", v)
		}
		if !slices.Equal(v.Result.Elected, []string{"o1"}) {
			t.Errorf("elected %v, want o1 (3 of 4 first preferences)", v.Result.Elected)
		}
		b, err := e.s.Board(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if len(b.Ballots) != 4 || !slices.IsSortedFunc(b.Ballots, func(a, b count.Ballot) int { return strings.Compare(a.Receipt, b.Receipt) }) {
			t.Fatalf("board ballots %+v", b.Ballots)
		}
		for _, bl := range b.Ballots {
			if !slices.Equal(bl.Choices, receipts[bl.Receipt]) {
				t.Errorf("receipt %s shows %v, was cast as %v", bl.Receipt, bl.Choices, receipts[bl.Receipt])
			}
		}
		if res, problems := count.Verify(*b); len(problems) != 0 || !slices.Equal(res.Elected, v.Result.Elected) {
			t.Fatalf("verify: %v", problems)
		}
		var live int
		if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM vote_ballots`).Scan(&live); err != nil || live != 0 {
			t.Fatalf("%d live ballots after the close (%v)", live, err)
		}
		// The audit has every state change with its actor, and no cast.
		entries, err := auth.AuditFor(ctx, d, "vote", id)
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, en := range entries {
			actions = append(actions, en.Action+" "+en.ActorID)
		}
		want := []string{"vote.create acct-admin", "vote.schedule acct-admin", "vote.edit acct-admin", "vote.open " + SystemActor, "vote.close " + SystemActor}
		slices.Sort(actions) // entries of one instant come in id order
		slices.Sort(want)
		if !slices.Equal(actions, want) {
			t.Fatalf("audit %v, want %v", actions, want)
		}
		if err := e.s.Cancel(ctx, e.admin.ID, id, "too late"); !errors.Is(err, ErrClosed) {
			t.Fatalf("cancel after close: %v", err)
		}
	})
}

// TestVoteEligibility: the roll is fixed at opening both ways, by
// workplace when the vote names some, and min_eligible holds a vote back.
func TestVoteEligibility(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newEnv(t, d)
		ids := e.members(4)
		wp := e.workplace("Depo Hostivař", ids[0], ids[1], ids[2])
		other := e.workplace("Depo Kačerov", ids[3])
		all := e.create(e.input(KindYesNo))
		in := e.input(KindSingle)
		in.Workplaces = []string{wp}
		byWP := e.create(in)
		in.Workplaces = []string{other}
		tooFew := e.create(in)

		e.tickAt(testStart.Add(24 * time.Hour))
		if v := e.get(tooFew); v.State != StateScheduled || v.OpenProblem != "eligible.too_few" {
			t.Fatalf("vote of one member: state %s problem %q", v.State, v.OpenProblem)
		}
		if v := e.get(byWP); v.State != StateOpen || v.Eligible != 3 {
			t.Fatalf("workplace vote: %s %d", v.State, v.Eligible)
		}
		if _, err := e.s.Cast(ctx, byWP, ids[3], ballot("o1"), ""); !errors.Is(err, ErrNotEligible) {
			t.Fatalf("member of another workplace: %v", err)
		}
		// Joined after the opening: not on the roll.
		e.clock.Add(time.Hour)
		late := e.member("Late", "en")
		if _, err := e.s.Cast(ctx, all, late, count.Ballot{Choices: []string{"yes"}}, ""); !errors.Is(err, ErrJoinedLater) {
			t.Fatalf("joined later: %v", err)
		}
		mv, err := e.s.ForMember(ctx, late)
		if err != nil || len(mv) != 1 || mv[0].OnRoll || mv[0].ID != all {
			t.Fatalf("late member's list: %+v %v", mv, err)
		}
		if st, err := e.s.Status(ctx, all, late); err != nil || e.s.CanCast(ctx, st, late, false) != ErrJoinedLater {
			t.Fatalf("status of late member: %v", err)
		}
		// Left after the opening: still on the roll.
		if err := e.reg.RecordLeaving(ctx, e.admin, ids[0], false); err != nil {
			t.Fatal(err)
		}
		if _, err := e.s.Cast(ctx, all, ids[0], count.Ballot{Choices: []string{"yes"}}, ""); err != nil {
			t.Fatalf("member who left after opening: %v", err)
		}
		if _, err := e.s.Cast(ctx, all, "nobody", count.Ballot{Abstain: true}, ""); !errors.Is(err, ErrNotEligible) {
			t.Fatalf("unknown member: %v", err)
		}
		// Enough members join the other workplace before its close: it opens.
		var more []string
		for _, n := range []string{"K1", "K2"} {
			more = append(more, e.member(n, "cs"))
		}
		if err := e.reg.SetMemberWorkplaces(ctx, e.admin, more[0], []string{other}); err != nil {
			t.Fatal(err)
		}
		if err := e.reg.SetMemberWorkplaces(ctx, e.admin, more[1], []string{other}); err != nil {
			t.Fatal(err)
		}
		e.tickAt(e.clock.Now().Add(time.Minute))
		if v := e.get(tooFew); v.State != StateOpen || v.Eligible != 3 || v.OpenProblem != "" {
			t.Fatalf("after more joined: %s %d %q", v.State, v.Eligible, v.OpenProblem)
		}
	})
}

// TestVoteDoubleSubmission: the same member submitting at once many times
// leaves exactly one ballot; the rest are ErrAlreadyVoted.
func TestVoteDoubleSubmission(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newEnv(t, d)
		ids := e.members(3)
		id := e.create(e.input(KindSingle))
		e.tickAt(testStart.Add(24 * time.Hour))
		const n = 16
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = e.s.Cast(ctx, id, ids[0], ballot("o2"), "")
			}()
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case !errors.Is(err, ErrAlreadyVoted):
				t.Errorf("unexpected error: %v", err)
			}
		}
		var ballots int
		if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM vote_ballots WHERE vote_id = ?`, id).Scan(&ballots); err != nil {
			t.Fatal(err)
		}
		if ok != 1 || ballots != 1 {
			t.Fatalf("%d casts accepted, %d ballots stored; want 1 and 1", ok, ballots)
		}
	})
}

// TestVoteChange: a ballot is replaced by its change code only, keeps its
// tracker, and the last one counts.
func TestVoteChange(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newEnv(t, d)
		ids := e.members(3)
		in := e.input(KindMultiple)
		in.AllowChange, in.MaxChoices, in.Seats = true, "2", "1"
		id := e.create(in)
		other := e.create(in)
		fixed := e.create(e.input(KindSingle)) // no change allowed
		e.tickAt(testStart.Add(24 * time.Hour))

		rc, err := e.s.Cast(ctx, id, ids[0], ballot("o1", "o2"), "")
		if err != nil || rc.ChangeCode == "" {
			t.Fatalf("cast: %+v %v", rc, err)
		}
		rcOther, err := e.s.Cast(ctx, other, ids[1], ballot("o1"), "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.s.Cast(ctx, id, ids[1], ballot("o3"), ""); err != nil {
			t.Fatal(err)
		}
		for name, code := range map[string]string{
			"wrong":          "AAAA-BBBB-CCCC",
			"garbage":        "<script>",
			"another vote's": rcOther.ChangeCode,
		} {
			if _, err := e.s.Cast(ctx, id, ids[0], ballot("o3"), code); !errors.Is(err, ErrBadChangeCode) {
				t.Errorf("%s change code: %v", name, err)
			}
		}
		// A member who has not voted cannot use anyone's code.
		if _, err := e.s.Cast(ctx, id, ids[2], ballot("o3"), rc.ChangeCode); !errors.Is(err, ErrBadChangeCode) {
			t.Errorf("change by a member who has not voted: %v", err)
		}
		if _, err := e.s.Cast(ctx, id, ids[0], ballot("o3"), ""); !errors.Is(err, ErrAlreadyVoted) {
			t.Errorf("recast without code: %v", err)
		}
		// Typed loosely (lower case, spaces): still the code.
		loose := strings.ToLower(strings.ReplaceAll(rc.ChangeCode, "-", " "))
		ch, err := e.s.Cast(ctx, id, ids[0], ballot("o3"), loose)
		if err != nil || ch.Tracker != rc.Tracker || !ch.Changed || ch.ChangeCode != "" {
			t.Fatalf("change: %+v %v", ch, err)
		}
		if _, err := e.s.Cast(ctx, id, ids[0], ballot("o2"), rc.ChangeCode); err != nil {
			t.Fatalf("second change: %v", err)
		}
		rf, err := e.s.Cast(ctx, fixed, ids[0], ballot("o1"), "")
		if err != nil || rf.ChangeCode != "" {
			t.Fatalf("cast in a vote without change: %+v %v", rf, err)
		}
		if _, err := e.s.Cast(ctx, fixed, ids[0], ballot("o2"), rc.ChangeCode); !errors.Is(err, ErrBadChangeCode) {
			t.Fatalf("change where not allowed: %v", err)
		}
		e.tickAt(e.get(id).ClosesAt)
		b, err := e.s.Board(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if len(b.Ballots) != 2 {
			t.Fatalf("%d ballots on the board, want 2", len(b.Ballots))
		}
		for _, bl := range b.Ballots {
			if bl.Receipt == rc.Tracker && !slices.Equal(bl.Choices, []string{"o2"}) {
				t.Fatalf("changed ballot shows %v, want the last, [o2]", bl.Choices)
			}
		}
	})
}

// TestVoteCancel: cancelling an open vote deletes its ballots unread; the
// reason stays for the members on its roll.
func TestVoteCancel(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newEnv(t, d)
		ids := e.members(3)
		id := e.create(e.input(KindYesNo))
		draft, _, err := e.s.Create(ctx, e.admin.ID, e.input(KindSingle))
		if err != nil {
			t.Fatal(err)
		}
		e.tickAt(testStart.Add(24 * time.Hour))
		if _, err := e.s.Cast(ctx, id, ids[0], count.Ballot{Choices: []string{"no"}}, ""); err != nil {
			t.Fatal(err)
		}
		var pe *ProblemsError
		if err := e.s.Cancel(ctx, e.admin.ID, id, "  "); !errors.As(err, &pe) || pe.Problems["reason"] != "reason.required" {
			t.Fatalf("cancel without reason: %v", err)
		}
		if err := e.s.Cancel(ctx, e.admin.ID, id, "evil \u202e reason"); !errors.As(err, &pe) || pe.Problems["reason"] != "text.refused" {
			t.Fatalf("cancel with an override character: %v", err)
		}
		if err := e.s.Cancel(ctx, e.admin.ID, id, "The employer changed the offer."); err != nil {
			t.Fatal(err)
		}
		if err := e.s.Cancel(ctx, e.admin.ID, draft, "Not needed."); err != nil {
			t.Fatal(err)
		}
		var live int
		if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM vote_ballots`).Scan(&live); err != nil || live != 0 {
			t.Fatalf("%d ballots after cancelling (%v)", live, err)
		}
		if _, err := e.s.Cast(ctx, id, ids[1], count.Ballot{Choices: []string{"yes"}}, ""); !errors.Is(err, ErrCancelled) {
			t.Fatalf("cast after cancel: %v", err)
		}
		mv, err := e.s.ForMember(ctx, ids[0])
		if err != nil || len(mv) != 1 || mv[0].State != StateCancelled || mv[0].CancelReason != "The employer changed the offer." {
			t.Fatalf("member's view: %+v %v", mv, err)
		}
		e.tickAt(e.get(id).ClosesAt.Add(time.Hour))
		if v := e.get(id); v.State != StateCancelled || v.Result != nil {
			t.Fatalf("a cancelled vote was counted: %+v", v)
		}
		if _, err := e.s.Board(ctx, id); !errors.Is(err, ErrNotClosed) {
			t.Fatalf("board of a cancelled vote: %v", err)
		}
		if err := e.s.Schedule(ctx, e.admin.ID, id); !errors.Is(err, ErrCancelled) {
			t.Fatalf("schedule a cancelled vote: %v", err)
		}
	})
}

// TestVoteTickTwice: two servers on one database ticking at once open and
// close each vote once.
func TestVoteTickTwice(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newEnv(t, d)
		e2 := newEnvKeys(t, dbtest.Reopen(t, d), e.keys, e.clock)
		ids := e.members(4)
		in := e.input(KindSingle)
		in.Invite = true
		id := e.create(in)
		e.clock.Add(24 * time.Hour)
		tickBoth := func() {
			var wg sync.WaitGroup
			for _, s := range []*Service{e.s, e2.s, e.s, e2.s} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if err := s.Tick(ctx); err != nil {
						t.Error(err)
					}
				}()
			}
			wg.Wait()
		}
		tickBoth()
		for i, m := range ids {
			if _, err := e2.s.Cast(ctx, id, m, ballot("o"+string(rune('1'+i%3))), ""); err != nil {
				t.Fatal(err)
			}
		}
		e.clock.Add(7 * 24 * time.Hour)
		tickBoth()
		entries, err := auth.AuditFor(ctx, d, "vote", id)
		if err != nil {
			t.Fatal(err)
		}
		opens, closes := 0, 0
		for _, en := range entries {
			opens += b2i(en.Action == "vote.open")
			closes += b2i(en.Action == "vote.close")
		}
		var jobsQueued, board, roll int
		if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM jobs WHERE kind = ?`, JobInvite).Scan(&jobsQueued); err != nil {
			t.Fatal(err)
		}
		if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM vote_board WHERE vote_id = ?`, id).Scan(&board); err != nil {
			t.Fatal(err)
		}
		if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM vote_roll WHERE vote_id = ?`, id).Scan(&roll); err != nil {
			t.Fatal(err)
		}
		if opens != 1 || closes != 1 || jobsQueued != 1 || board != 4 || roll != 4 {
			t.Fatalf("opened %d, closed %d, invitation jobs %d, board %d, roll %d; want 1, 1, 1, 4, 4", opens, closes, jobsQueued, board, roll)
		}
	})
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestVoteInvitationsInBatches: every roll member with an address gets one
// invitation in their language across several job runs, members without
// an address are skipped, and a vote cancelled midway invites nobody more.
func TestVoteInvitationsInBatches(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		saved := inviteBatch
		inviteBatch = 2
		defer func() { inviteBatch = saved }()
		e := newEnv(t, d)
		ids := e.members(5)
		in := e.input(KindYesNo)
		in.Invite = true
		id := e.create(in)
		e.tickAt(testStart.Add(24 * time.Hour))
		for range 5 {
			if _, err := e.queue.RunOnce(ctx); err != nil {
				t.Fatal(err)
			}
		}
		sent := e.out.all()
		if len(sent) != len(ids) {
			t.Fatalf("%d invitations, want %d", len(sent), len(ids))
		}
		to := map[string]string{}
		for _, m := range sent {
			if to[m.To] != "" {
				t.Fatalf("%s invited twice", m.To)
			}
			to[m.To] = m.Subject
		}
		for i := range ids {
			subj := to[strings.ToLower(fmt.Sprintf("M%04d", i))+"@example.org"]
			wantCS := i%2 == 0 // env.members: even members chose Czech
			if strings.HasPrefix(subj, "Hlasování: ") != wantCS || (!wantCS && !strings.HasPrefix(subj, "Vote: ")) {
				t.Errorf("member %d's invitation %q in the wrong language", i, subj)
			}
		}

		// Cancelled before the job runs: no more invitations.
		e.out.sent = nil
		id2 := e.create(in)
		e.tickAt(testStart.Add(24*time.Hour + time.Minute))
		if err := e.s.Cancel(ctx, e.admin.ID, id2, "Mistake."); err != nil {
			t.Fatal(err)
		}
		if _, err := e.queue.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		if n := len(e.out.all()); n != 0 {
			t.Fatalf("%d invitations of a cancelled vote", n)
		}
		_ = id
	})
}

// TestVoteMissedOpening: a scheduled vote that could not open before its
// closing time says so and never opens.
func TestVoteMissedOpening(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.members(2) // fewer than MinEligible (3)
		id := e.create(e.input(KindSingle))
		e.tickAt(testStart.Add(24 * time.Hour))
		if v := e.get(id); v.State != StateScheduled || v.OpenProblem != "eligible.too_few" {
			t.Fatalf("%s %q", v.State, v.OpenProblem)
		}
		for _, n := range []string{"X1", "X2", "X3"} {
			e.member(n, "cs") // enough now, but too late
		}
		e.tickAt(e.get(id).ClosesAt)
		if v := e.get(id); v.State != StateScheduled || v.OpenProblem != "closes.passed" {
			t.Fatalf("after its close: %s %q", v.State, v.OpenProblem)
		}
	})
}

// TestVoteCastsAmongRefused: many members casting at once, some of them
// twice, through the batcher: every first cast counts, every repeat is
// refused on its own, and nothing is lost or doubled.
func TestVoteCastsAmongRefused(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newEnv(t, d)
		ids := e.members(30)
		id := e.create(e.input(KindSingle))
		e.tickAt(testStart.Add(24 * time.Hour))
		var wg sync.WaitGroup
		var mu sync.Mutex
		ok, dup := 0, 0
		for i := range 45 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := e.s.Cast(ctx, id, ids[i%30], ballot("o1"), "")
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					ok++
				case errors.Is(err, ErrAlreadyVoted):
					dup++
				default:
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if ok != 30 || dup != 15 {
			t.Fatalf("%d accepted, %d refused; want 30 and 15", ok, dup)
		}
		e.tickAt(e.get(id).ClosesAt)
		if v := e.get(id); v.Result.Cast != 30 || v.Result.Counts[0].Votes != 30 {
			t.Fatalf("counted %+v", v.Result)
		}
	})
}

// TestVoteCastRacingClose: casts in flight while another server closes
// the vote are either counted or refused with ErrClosed — never accepted
// and then lost. The casting server's clock is still before the close, so
// its casts pass the early check and meet the close in the transaction.
func TestVoteCastRacingClose(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newEnv(t, d)
		ids := e.members(60)
		id := e.create(e.input(KindSingle))
		e.tickAt(testStart.Add(24 * time.Hour))
		closer := newEnvKeys(t, dbtest.Reopen(t, d), e.keys, &clock{t: e.get(id).ClosesAt})
		e.clock.Add(7*24*time.Hour - time.Minute) // a minute before the close
		var wg sync.WaitGroup
		var mu sync.Mutex
		accepted, refused := 0, 0
		start := make(chan struct{})
		for _, m := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, err := e.s.Cast(ctx, id, m, ballot("o2"), "")
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					accepted++
				case errors.Is(err, ErrClosed):
					refused++
				default:
					t.Error(err)
				}
			}()
		}
		close(start)
		if err := closer.s.Tick(ctx); err != nil {
			t.Fatal(err)
		}
		wg.Wait()
		v := e.get(id)
		if v.State != StateClosed || v.Result.Cast != accepted || accepted+refused != len(ids) {
			t.Fatalf("accepted %d, refused %d, counted %d (%s)", accepted, refused, v.Result.Cast, v.State)
		}
		var live int
		if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM vote_ballots`).Scan(&live); err != nil || live != 0 {
			t.Fatalf("%d ballots left live after the close (%v)", live, err)
		}
		t.Logf("accepted %d before the close, refused %d after", accepted, refused)
	})
}
