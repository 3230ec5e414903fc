// Command jobdesc is a Slack app that drafts job postings from a modal,
// posts them for review and records approvals given by reaction.
//
//	jobdesc                      run the bot (Socket Mode; configured by environment variables, see -h)
//	jobdesc demo [--db FILE]     play the whole flow against an embedded fake Slack
//	jobdesc render ROLE …        preview a role's description without Slack
//	jobdesc backup --out FILE    copy a stopped bot's database consistently
//	jobdesc check [FILE]         verify a database file (or etcd:ENDPOINTS)
//	jobdesc migrate --from bolt:FILE --to etcd:ENDPOINTS   copy drafts to etcd
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
)

func main() {
	os.Exit(cli(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

// errUsage marks a command-line or configuration mistake: exit status 2.
var errUsage = errors.New("usage")

// cli runs one jobdesc command and returns the exit status: 0 on success,
// 1 on failure, 2 on a usage or configuration mistake. Every failure is
// printed to stderr as one line.
func cli(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	err := dispatch(ctx, args, stdout, stderr)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errHelp):
		return 0
	case errors.Is(err, errUsage):
		fmt.Fprintln(stderr, "jobdesc:", unwrapUsage(err))
		return 2
	case errors.Is(err, errBlockers):
		return 1 // render --check printed the findings already
	default:
		fmt.Fprintln(stderr, "jobdesc:", err)
		return 1
	}
}

func dispatch(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		cfg, err := loadConfig()
		if err != nil {
			return err
		}
		gcDefaults(os.LookupEnv)
		return run(ctx, cfg, stdout, stderr)
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		return printHelp(stdout)
	case "demo":
		return demoCmd(ctx, args[1:], stdout, stderr)
	case "render":
		return renderCmd(args[1:], os.Getenv("JOBDESC_TEMPLATES_DIR"), stdout, stderr)
	case "backup":
		return backupCmd(args[1:], os.Getenv("JOBDESC_DB_PATH"), stdout, stderr)
	case "check":
		return checkStoreCmd(ctx, args[1:], os.Getenv("JOBDESC_DB_PATH"), stdout, stderr)
	case "migrate":
		return migrateCmd(ctx, args[1:], stdout, stderr)
	}
	return usageError("unknown command %q; run jobdesc -h", args[0])
}

// usageError is an errUsage with a message.
func usageError(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errUsage, fmt.Sprintf(format, args...))
}

// unwrapUsage drops the "usage: " marker from the message.
func unwrapUsage(err error) string {
	s := err.Error()
	if p := errUsage.Error() + ": "; len(s) > len(p) && s[:len(p)] == p {
		return s[len(p):]
	}
	return s
}
