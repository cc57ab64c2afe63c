package votes

import (
	"context"
	"errors"
	"maps"
	"reflect"
	"strings"
	"testing"
	"time"

	"unionhall/internal/db"
	"unionhall/internal/dbtest"
)

// TestVoteInputProblems: each bad form gets its field's message key, and
// nothing is stored.
func TestVoteInputProblems(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newEnv(t, d)
		cases := []struct {
			name  string
			edit  func(in *Input)
			field string
			key   string
		}{
			{"no title in the default language", func(in *Input) { in.Title["cs"] = "  " }, "title.cs", "title.required"},
			{"override character in a title", func(in *Input) { in.Title["en"] = "Vote \u202egnp.exe" }, "title.en", "text.refused"},
			{"control character in the text", func(in *Input) { in.Text["cs"] = "a\x07b" }, "text.cs", "text.refused"},
			{"isolate in an option", func(in *Input) { in.Options["cs"] = "A\u2066\nB" }, "options.cs", "text.refused"},
			{"over-long title", func(in *Input) { in.Title["cs"] = strings.Repeat("á", MaxTitle+1) }, "title.cs", "text.too_long"},
			{"invalid UTF-8", func(in *Input) { in.Title["en"] = "bad \xff" }, "title.en", "text.refused"},
			{"unknown kind", func(in *Input) { in.Kind = "plebiscite" }, "kind", "kind.invalid"},
			{"one option", func(in *Input) { in.Options = map[string]string{"cs": "Jen já", "en": "Only me"} }, "options", "options.too_few"},
			{"duplicate options", func(in *Input) { in.Options["cs"] = "Alena\nalena" }, "options.cs", "options.duplicate"},
			{"other language lines differ", func(in *Input) { in.Options["en"] = "A\nB" }, "options.en", "options.count_mismatch"},
			{"too many options", func(in *Input) {
				in.Options = map[string]string{"cs": strings.Repeat("x\n", 0) + manyLines(MaxOptions+1)}
			}, "options", "options.too_many"},
			{"max choices above options", func(in *Input) { in.Kind, in.MaxChoices = "multiple", "4" }, "max_choices", "max_choices.range"},
			{"max choices not a number", func(in *Input) { in.Kind, in.MaxChoices = "multiple", "two" }, "max_choices", "max_choices.range"},
			{"seats zero", func(in *Input) { in.Kind, in.Seats = "multiple", "0" }, "seats", "seats.range"},
			{"ranked seats for every option", func(in *Input) { in.Kind, in.Seats = "ranked", "3" }, "seats", "seats.range"},
			{"quorum over 100", func(in *Input) { in.QuorumPercent = "101" }, "quorum", "quorum.range"},
			{"quorum negative", func(in *Input) { in.QuorumPercent = "-1" }, "quorum", "quorum.range"},
			{"unknown threshold", func(in *Input) { in.Threshold = "unanimity" }, "threshold", "threshold.invalid"},
			{"ranked with a majority", func(in *Input) { in.Kind, in.Threshold = "ranked", "two-thirds" }, "threshold", "threshold.ranked"},
			{"no opening", func(in *Input) { in.OpensAt = "" }, "opens", "opens.required"},
			{"bad opening", func(in *Input) { in.OpensAt = "tomorrow'); DROP TABLE votes;--" }, "opens", "opens.invalid"},
			{"bad closing", func(in *Input) { in.ClosesAt = "2026-13-40T25:61" }, "closes", "closes.invalid"},
			{"closes before it opens", func(in *Input) { in.ClosesAt = in.OpensAt }, "closes", "closes.before_opens"},
			{"unknown workplace", func(in *Input) { in.Workplaces = []string{db.NewID()} }, "workplaces", "workplaces.unknown"},
			{"malformed workplace", func(in *Input) { in.Workplaces = []string{"<script>"} }, "workplaces", "workplaces.unknown"},
			{"meeting path with dots", func(in *Input) { in.Meeting = "meetings/../admin" }, "meeting", "meeting.invalid"},
			{"meeting path with a space", func(in *Input) { in.Meeting = "meetings/june plan" }, "meeting", "meeting.invalid"},
		}
		for _, c := range cases {
			in := e.input(KindSingle)
			c.edit(&in)
			typed := cloneInput(in)
			id, p, err := e.s.Create(ctx, e.admin.ID, in)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if id != "" || p[c.field] != c.key {
				t.Errorf("%s: id %q problems %v, want %s=%s", c.name, id, p, c.field, c.key)
			}
			if !reflect.DeepEqual(in, typed) {
				t.Errorf("%s: the form changed", c.name)
			}
		}
		if vs, err := e.s.List(ctx); err != nil || len(vs) != 0 {
			t.Fatalf("refused forms stored votes: %v %v", vs, err)
		}

		// Hostile text that is only text is kept as typed (pages escape it).
		in := e.input(KindSingle)
		in.Title["en"] = `<script>alert(1)</script> '; DROP TABLE votes;--`
		id, p, err := e.s.Create(ctx, e.admin.ID, in)
		if err != nil || !p.OK() {
			t.Fatalf("hostile but printable title: %v %v", p, err)
		}
		if v := e.get(id); v.Title["en"] != in.Title["en"] {
			t.Fatalf("title stored as %q", v.Title["en"])
		}
		// An edit form comes back as the vote was entered.
		back := InputOf(e.get(id), e.site.Location)
		if back.OpensAt != in.OpensAt || back.Options["cs"] != in.Options["cs"] || back.Title["en"] != in.Title["en"] {
			t.Fatalf("InputOf: %+v", back)
		}

		// Scheduling a vote whose opening has passed is refused.
		e.clock.Add(48 * time.Hour)
		var pe *ProblemsError
		if err := e.s.Schedule(ctx, e.admin.ID, id); !errors.As(err, &pe) || pe.Problems["opens"] != "opens.past" {
			t.Fatalf("schedule in the past: %v", err)
		}
		if _, err := e.s.Get(ctx, "nope"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("get unknown: %v", err)
		}
	})
}

func manyLines(n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteString("Option ")
		b.WriteString(strings.Repeat("x", i+1))
		b.WriteByte('\n')
	}
	return b.String()
}

func cloneInput(in Input) Input {
	out := in
	out.Title, out.Text, out.Options = maps.Clone(in.Title), maps.Clone(in.Text), maps.Clone(in.Options)
	out.Workplaces = append([]string(nil), in.Workplaces...)
	return out
}

// TestCodes: receipts and change codes have their form, and what a member
// types is read back loosely.
func TestVoteCodes(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		tr := newTracker()
		if len(tr) != 9 || tr[4] != '-' || seen[tr] {
			t.Fatalf("tracker %q", tr)
		}
		seen[tr] = true
		if n, ok := NormaliseTracker(strings.ToLower(tr)); !ok || n != tr {
			t.Fatalf("normalise %q: %q %v", tr, n, ok)
		}
		c := newChangeCode()
		if len(c) != 14 || c[4] != '-' || c[9] != '-' {
			t.Fatalf("change code %q", c)
		}
	}
	for in, want := range map[string]string{"k7q2 9xma": "K7Q2-9XMA", "K7Q2-9XMA": "K7Q2-9XMA", "o0il-1111": "0011-1111"} {
		if got, ok := NormaliseTracker(in); !ok || got != want {
			t.Errorf("NormaliseTracker(%q) = %q %v", in, got, ok)
		}
	}
	for _, bad := range []string{"", "K7Q2-9XM", "K7Q2-9XMAA", "K7Q2-9XMU", "<script>", "K7Q2\u202e9XMA"} {
		if _, ok := NormaliseTracker(bad); ok {
			t.Errorf("NormaliseTracker(%q) accepted", bad)
		}
	}
}
