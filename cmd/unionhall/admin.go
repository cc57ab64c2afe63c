package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"unionhall/internal/auth"
)

// listFlag collects a repeated flag (--role a --role b).
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

const adminUsage = `Usage:
  unionhall admin create --email X --role R [--role R…] [--workplace ID…] [--data DIR] [--config FILE]

Creates a console account and prints a one-time sign-in link (valid 15 minutes).
Roles: ` + "%s" + `
`

// adminCmd runs `unionhall admin …`. It prints the sign-in link rather than
// emailing it, so the first administrator can get in before mail works.
func adminCmd(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "create" {
		fmt.Fprintf(stderr, adminUsage, strings.Join(auth.Roles, ", "))
		return 2
	}
	fs := flag.NewFlagSet("admin create", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "settings file (TOML); default $UNIONHALL_CONFIG or ./unionhall.toml")
	dataDir := fs.String("data", "", "data folder (default ./data)")
	email := fs.String("email", "", "the account's email address (required)")
	var roles, workplaces listFlag
	fs.Var(&roles, "role", "a permission to grant (repeatable)")
	fs.Var(&workplaces, "workplace", "id of a workplace this account represents (repeatable)")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	if *email == "" || (len(roles) == 0 && len(workplaces) == 0) {
		fmt.Fprintf(stderr, adminUsage, strings.Join(auth.Roles, ", "))
		return 2
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	logger := newLogger("warn", stderr)
	cfg, d, keys, ok := openStorage(ctx, *cfgPath, *dataDir, logger, stderr)
	if !ok {
		return 1
	}
	defer d.Close()
	svc := auth.New(auth.Deps{DB: d, Keys: keys, BaseURL: cfg.BaseURL(), Logger: logger})
	link, err := svc.CreateAccount(ctx, *email, roles, workplaces)
	if err != nil {
		fmt.Fprintln(stderr, "unionhall:", err)
		return 1
	}
	fmt.Fprintf(stdout, "Account created. Sign in within 15 minutes (the link works once):\n%s\n", link)
	return 0
}
