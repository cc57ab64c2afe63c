package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"unionhall/internal/jobs"
)

const jobsUsage = `Usage:
  unionhall jobs [--data DIR] [--config FILE]            counts per state and the dead jobs
  unionhall jobs retry ID [--data DIR] [--config FILE]   run a dead job again
  unionhall jobs retry --all [--data DIR] [--config FILE] run every dead job again

Background work (verification emails, application PDFs, reminders) retries
for about three days; a job that still fails is "dead" and kept. Fix the
cause (say, the SMTP password), then retry: the running server picks the
jobs up within seconds.
`

// jobsCmd runs `unionhall jobs …`: the operator's view of the job queue.
// It shows kinds, attempts and errors, never payloads (they may hold sealed
// personal data, and error texts are written to hold none).
func jobsCmd(args []string, stdout, stderr io.Writer) int {
	retry := len(args) > 0 && args[0] == "retry"
	if retry {
		args = args[1:]
	}
	fs := flag.NewFlagSet("jobs", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, jobsUsage) }
	cfgPath := fs.String("config", "", "settings file (TOML); default $UNIONHALL_CONFIG or ./unionhall.toml")
	dataDir := fs.String("data", "", "data folder (default ./data)")
	all := fs.Bool("all", false, "with retry: every dead job")
	// The id may come before or after the flags.
	var id string
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		id, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if id == "" && fs.NArg() == 1 {
		id = fs.Arg(0)
	} else if fs.NArg() > 0 {
		fs.Usage()
		return 2
	}
	// Listing takes no id and no --all; retry takes exactly one of them.
	if valid := (!retry && id == "" && !*all) || (retry && (id != "") != *all); !valid {
		fs.Usage()
		return 2
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, d, _, ok := openStorage(ctx, *cfgPath, *dataDir, newLogger("warn", stderr), stderr)
	if !ok {
		return 1
	}
	defer d.Close()
	q := jobs.New(d, jobs.Options{})

	switch {
	case retry && *all:
		n, err := q.RetryDead(ctx)
		if err != nil {
			fmt.Fprintln(stderr, "unionhall:", err)
			return 1
		}
		fmt.Fprintf(stdout, "%d dead jobs will run again\n", n)
		return 0
	case retry:
		if err := q.Retry(ctx, id); errors.Is(err, jobs.ErrNotFound) {
			fmt.Fprintf(stderr, "unionhall: no dead job %q (see `unionhall jobs`)\n", id)
			return 1
		} else if err != nil {
			fmt.Fprintln(stderr, "unionhall:", err)
			return 1
		}
		fmt.Fprintf(stdout, "job %s will run again\n", id)
		return 0
	}
	counts, err := q.Counts(ctx)
	if err != nil {
		fmt.Fprintln(stderr, "unionhall:", err)
		return 1
	}
	fmt.Fprintf(stdout, "pending %d, running %d, done %d, dead %d\n", counts["pending"], counts["running"], counts["done"], counts["dead"])
	if counts["dead"] == 0 {
		return 0
	}
	const show = 50
	dead, err := q.Dead(ctx, show)
	if err != nil {
		fmt.Fprintln(stderr, "unionhall:", err)
		return 1
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "\nID\tKIND\tATTEMPTS\tLAST TRIED (UTC)\tLAST ERROR")
	for _, j := range dead {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", j.ID, j.Kind, j.Attempts, j.UpdatedAt.UTC().Format("2006-01-02 15:04"), oneLine(j.LastError, 100))
	}
	tw.Flush()
	if counts["dead"] > show {
		fmt.Fprintf(stdout, "(%d more)\n", counts["dead"]-show)
	}
	fmt.Fprintln(stdout, "\nFix the cause, then: unionhall jobs retry --all (or retry ID)")
	return 0
}

// oneLine keeps an error text to one line of at most n characters.
func oneLine(s string, n int) string {
	r := []rune(s)
	for i, c := range r {
		if c == '\n' || c == '\r' || c == '\t' {
			r[i] = ' '
		}
	}
	if len(r) > n {
		r = append(r[:n-1], '…')
	}
	return string(r)
}
