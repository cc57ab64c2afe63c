package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"
	"unicode"

	"unionhall/internal/votes/count"
)

const votesUsage = `Usage:
  unionhall votes verify [--timeout 30s] [--max-bytes N] FILE|URL

Recounts a vote's public board (the JSON at /votes/{id}/board.json, saved
to FILE or fetched from an http(s) URL; "-" reads standard input) by the
rules it declares, checks receipts, ballots, turnout, quorum and threshold,
and prints the outcome and every disagreement. Needs no database and no
key: anyone can run it.

Exit status: 0 the recount agrees with the board, 1 it does not,
2 the input could not be read or is not a board.
`

// Defaults for reading a board: 100,000 ranked ballots over 10 options
// take about 10 MB of JSON; the limit leaves room and still stops a hostile
// server from filling the memory.
const (
	defaultBoardLimit   = 64 << 20
	defaultFetchTimeout = 30 * time.Second
)

// votesCmd runs `unionhall votes …`.
func votesCmd(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "verify" {
		fmt.Fprint(stderr, votesUsage)
		return 2
	}
	fs := flag.NewFlagSet("votes verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, votesUsage) }
	timeout := fs.Duration("timeout", defaultFetchTimeout, "give up fetching a URL after this long")
	maxBytes := fs.Int64("max-bytes", defaultBoardLimit, "refuse a board larger than this many bytes")
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() != 1 || *maxBytes <= 0 || *timeout <= 0 {
		fs.Usage()
		return 2
	}
	src := fs.Arg(0)
	data, err := readBoardSource(src, *maxBytes, *timeout)
	if err != nil {
		fmt.Fprintln(stderr, "unionhall votes verify:", err)
		return 2
	}
	b, err := count.ReadBoard(strings.NewReader(string(data)))
	if err != nil {
		fmt.Fprintf(stderr, "unionhall votes verify: %s is not a vote board: %v\n", src, err)
		return 2
	}
	res, problems := count.Verify(b)
	printBoardSummary(stdout, b, res)
	if len(problems) == 0 {
		fmt.Fprintln(stdout, "\nThe recount agrees with the board.")
		return 0
	}
	fmt.Fprintf(stdout, "\nThe recount DISAGREES with the board (%d problems):\n", len(problems))
	for _, p := range problems {
		fmt.Fprintln(stdout, "  -", clean(p))
	}
	return 1
}

// readBoardSource reads at most limit bytes from a file, standard input
// ("-") or an http(s) URL.
func readBoardSource(src string, limit int64, timeout time.Duration) ([]byte, error) {
	var r io.Reader
	switch {
	case src == "-":
		r = os.Stdin
	case strings.HasPrefix(src, "http://") || strings.HasPrefix(src, "https://"):
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, src, nil)
		if err != nil {
			return nil, fmt.Errorf("bad URL %q: %v", src, err)
		}
		req.Header.Set("Accept", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			if errors.Is(err, context.DeadlineExceeded) {
				return nil, fmt.Errorf("fetch %s: no answer within %s", src, timeout)
			}
			return nil, fmt.Errorf("fetch %s: %v", src, err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("fetch %s: the server answered %s (a board exists only after the vote closes)", src, resp.Status)
		}
		if resp.ContentLength > limit {
			return nil, fmt.Errorf("fetch %s: the board is %d bytes, more than the limit of %d (see --max-bytes)", src, resp.ContentLength, limit)
		}
		data, err := readLimited(resp.Body, limit)
		if err != nil {
			if errors.Is(err, context.DeadlineExceeded) {
				return nil, fmt.Errorf("fetch %s: not complete within %s", src, timeout)
			}
			return nil, fmt.Errorf("fetch %s: %w", src, err)
		}
		return data, nil
	case strings.Contains(src, "://"):
		return nil, fmt.Errorf("%q: only http:// and https:// URLs or files can be read", src)
	default:
		f, err := os.Open(src)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	data, err := readLimited(r, limit)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", src, err)
	}
	return data, nil
}

func readLimited(r io.Reader, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("the board is larger than the limit of %d bytes (see --max-bytes)", limit)
	}
	return data, nil
}

// printBoardSummary prints what was voted on and the recounted outcome.
func printBoardSummary(w io.Writer, b count.Board, res count.Result) {
	v := b.Vote
	labels := map[string]string{}
	for _, o := range v.Options {
		labels[o.ID] = pickLang(o.Label)
	}
	name := func(id string) string {
		if l := labels[id]; l != "" && l != id {
			return clean(id) + " (" + clean(l) + ")"
		}
		return clean(id)
	}
	names := func(ids []string) string {
		out := make([]string, len(ids))
		for i, id := range ids {
			out[i] = name(id)
		}
		return strings.Join(out, ", ")
	}
	fmt.Fprintf(w, "Vote %s: %s\n", clean(v.ID), clean(pickLang(v.Title)))
	kind := string(v.Kind)
	switch v.Kind {
	case count.KindRanked:
		if v.Seats == 1 {
			kind = "ranked, 1 seat, instant run-off"
		} else {
			kind = fmt.Sprintf("ranked, %d seats, Scottish STV", v.Seats)
		}
	case count.KindMultiple:
		kind = fmt.Sprintf("several choices (at most %d), %d seats", v.MaxChoices, v.Seats)
	case count.KindSingle:
		kind = "one choice"
	case count.KindYesNo:
		kind = "yes / no"
	}
	threshold := v.Threshold
	if threshold == "" {
		threshold = count.ThresholdPlurality
	}
	fmt.Fprintf(w, "Kind: %s; threshold: %s; open %s to %s\n", clean(kind), clean(threshold),
		v.OpensAt.UTC().Format(time.RFC3339), v.ClosesAt.UTC().Format(time.RFC3339))
	fmt.Fprintf(w, "Recount: %d ballots cast of %d eligible (%.2f %%), %d abstained, %d with a choice\n",
		res.Cast, res.Eligible, res.TurnoutPercent, res.Abstained, res.Valid)
	fmt.Fprintf(w, "Quorum %d %%: %s\n", v.QuorumPercent, map[bool]string{true: "met", false: "not met"}[res.QuorumMet])
	label := "Votes:"
	if v.Kind == count.KindRanked {
		label = "First preferences:"
	}
	fmt.Fprintln(w, label)
	for _, c := range res.Counts {
		fmt.Fprintf(w, "  %s: %d\n", name(c.Option), c.Votes)
	}
	if v.Kind == count.KindRanked && len(res.Rounds) > 0 {
		fmt.Fprintf(w, "Quota: %s; %d stages\n", res.Quota, len(res.Rounds))
		for _, rd := range res.Rounds {
			line := fmt.Sprintf("  stage %d: %s", rd.Stage, rd.Action)
			if rd.Option != "" {
				line += " " + name(rd.Option)
			}
			if len(rd.Elected) > 0 {
				line += "; elected " + names(rd.Elected)
			}
			if len(rd.Remaining) > 0 {
				line += "; deemed elected " + names(rd.Remaining)
			}
			fmt.Fprintln(w, line)
		}
	}
	for _, l := range res.Lots {
		fmt.Fprintf(w, "Lot (%s, stage %d) among %s: %s\n", clean(l.Purpose), l.Stage, names(l.Among), name(l.Chosen))
	}
	outcome := clean(res.Outcome)
	if len(res.Elected) > 0 {
		outcome += ": " + names(res.Elected)
	}
	if res.Unfilled > 0 {
		outcome += fmt.Sprintf(" (%d seats left empty)", res.Unfilled)
	}
	fmt.Fprintln(w, "Outcome:", outcome)
}

// pickLang shows English when the board has it (the command speaks
// English), else the first language in order.
func pickLang(m map[string]string) string {
	if s, ok := m["en"]; ok {
		return s
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if len(keys) == 0 {
		return ""
	}
	return m[keys[0]]
}

// clean makes text from a board safe for a terminal: control characters
// (escape sequences) and bidirectional overrides, which could hide or
// reorder what is printed, are shown as \u escapes.
func clean(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) || r == unicode.ReplacementChar {
			fmt.Fprintf(&b, `\u%04X`, r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
