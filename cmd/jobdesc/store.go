package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/jobdesc/jobdesc/drafts"
)

// backupCmd copies a stopped bot's database consistently:
//
//	jobdesc backup --out FILE [--db FILE]
//
// A running bot backs itself up with JOBDESC_BACKUP_DIR instead.
func backupCmd(args []string, dbPath string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "", "file to write the copy to (must not exist)")
	db := fs.String("db", orDefault(dbPath, "jobdesc.db"), "database file (default $JOBDESC_DB_PATH or jobdesc.db)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errHelp
		}
		return usageError("backup: %v", err)
	}
	if *out == "" {
		return usageError("backup: --out FILE is required")
	}
	if _, err := os.Stat(*db); err != nil {
		return usageError("backup: database %s: %v", *db, errors.Unwrap(err))
	}
	store, err := drafts.OpenReadOnly(*db)
	if err != nil {
		return fmt.Errorf("open %s: %w", *db, err)
	}
	defer store.Close()
	tmp, err := os.CreateTemp(filepath.Dir(*out), ".jobdesc-backup-*")
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer os.Remove(tmp.Name())
	n, err := store.WriteBackup(tmp)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("backup %s: %w", *db, err)
	}
	if _, err := os.Stat(*out); err == nil {
		return usageError("backup: %s exists; choose another --out", *out)
	}
	if err := os.Rename(tmp.Name(), *out); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	fmt.Fprintf(stdout, "backed up %s to %s (%d bytes)\n", *db, *out, n)
	return nil
}

// checkCmd verifies a database file read-only:
//
//	jobdesc check [FILE]
func checkCmd(args []string, dbPath string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errHelp
		}
		return usageError("check: %v", err)
	}
	path := orDefault(dbPath, "jobdesc.db")
	if fs.NArg() > 0 {
		path = fs.Arg(0)
	}
	if _, err := os.Stat(path); err != nil {
		return usageError("check: database %s: %v", path, errors.Unwrap(err))
	}
	rep, err := drafts.Check(path)
	if err != nil {
		return fmt.Errorf("check %s: %w", path, err)
	}
	fmt.Fprintf(stdout, "%s is consistent: %d teams, %d drafts, %d revisions, %d events, %d review messages, %d seen-records\n",
		path, rep.Teams, rep.Drafts, rep.Revisions, rep.Events, rep.Messages, rep.Seen)
	return nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
