package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/kelseyhightower/envconfig"

	"github.com/jobdesc/jobdesc/drafts"
	"github.com/jobdesc/jobdesc/drafts/etcd"
)

// openEtcd opens the etcd store at endpoints with the other settings of e.
// Its errors name the endpoints and prefix, never the password.
func openEtcd(ctx context.Context, e EtcdConfig, endpoints []string) (*etcd.Store, error) {
	tlsCfg, err := etcdTLS(e)
	if err != nil {
		return nil, err
	}
	s, err := etcd.Open(ctx, etcd.Config{
		Endpoints:   endpoints,
		Prefix:      e.EtcdPrefix,
		Username:    e.EtcdUsername,
		Password:    e.EtcdPassword,
		TLS:         tlsCfg,
		DialTimeout: e.EtcdDialTimeout,
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// etcdTLS loads the TLS files, or returns nil when none is set (plain
// connections, unless an endpoint is https: then the system's CAs).
func etcdTLS(e EtcdConfig) (*tls.Config, error) {
	if e.EtcdCAFile == "" && e.EtcdCertFile == "" && !anyHTTPS(e.EtcdEndpoints) {
		return nil, nil
	}
	cfg, err := etcd.LoadTLS(e.EtcdCAFile, e.EtcdCertFile, e.EtcdKeyFile)
	if err != nil {
		return nil, usageError("JOBDESC_ETCD_CA_FILE / JOBDESC_ETCD_CERT_FILE / JOBDESC_ETCD_KEY_FILE: %v", err)
	}
	return cfg, nil
}

func anyHTTPS(eps []string) bool {
	for _, ep := range eps {
		if strings.HasPrefix(ep, "https://") {
			return true
		}
	}
	return false
}

// describeStore names the configured store for the start-up line.
func describeStore(cfg Config) string {
	if cfg.Store == "etcd" {
		return fmt.Sprintf("etcd %s prefix %s", strings.Join(cfg.EtcdEndpoints, ","), cfg.EtcdPrefix)
	}
	return "database " + cfg.DBPath
}

// storeTarget is a store named on the command line: "bolt:FILE",
// "etcd:URL,URL" or a bare FILE (bolt).
type storeTarget struct {
	kind      string // "bolt" or "etcd"
	path      string
	endpoints []string
}

func parseTarget(flagName, s string) (storeTarget, error) {
	kind, rest, ok := strings.Cut(s, ":")
	switch {
	case ok && kind == "etcd":
		var eps []string
		for _, ep := range strings.Split(rest, ",") {
			ep = strings.TrimSpace(ep)
			if ep == "" {
				continue
			}
			if !strings.Contains(ep, "://") {
				ep = "http://" + ep
			}
			eps = append(eps, ep)
		}
		if len(eps) == 0 {
			return storeTarget{}, usageError("%s: etcd: needs endpoints, e.g. etcd:https://etcd-0:2379,https://etcd-1:2379", flagName)
		}
		return storeTarget{kind: "etcd", endpoints: eps}, nil
	case ok && kind == "bolt":
		if rest == "" {
			return storeTarget{}, usageError("%s: bolt: needs a file, e.g. bolt:jobdesc.db", flagName)
		}
		return storeTarget{kind: "bolt", path: rest}, nil
	case s == "":
		return storeTarget{}, usageError("%s is required (bolt:FILE or etcd:ENDPOINTS)", flagName)
	}
	return storeTarget{kind: "bolt", path: s}, nil
}

// etcdEnv reads the JOBDESC_ETCD_* settings (for migrate and check).
func etcdEnv() (EtcdConfig, error) {
	var e EtcdConfig
	if err := envconfig.Process("", &e); err != nil {
		var pe *envconfig.ParseError
		if errors.As(err, &pe) {
			return EtcdConfig{}, usageError("%s: %s", pe.KeyName, describeParse(pe))
		}
		return EtcdConfig{}, usageError("%s", strings.TrimPrefix(err.Error(), "envconfig.Process: "))
	}
	return e, e.check(false)
}

// migrateCmd copies a bbolt file into etcd:
//
//	jobdesc migrate --from bolt:FILE --to etcd:ENDPOINTS
//
// Every draft is copied with its revisions and audit trail, under the same
// ids; a draft already in etcd is left alone (the same: copied by an
// earlier run; different: changed there since), so the command is safe to
// rerun. The etcd side is checked afterwards. The bot must not hold the
// file (stop it first); replicas may already run on etcd.
func migrateCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	from := fs.String("from", "", "the source: bolt:FILE")
	to := fs.String("to", "", "the destination: etcd:ENDPOINTS (comma-separated URLs); prefix, auth and TLS from JOBDESC_ETCD_*")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errHelp
		}
		return usageError("migrate: %v", err)
	}
	if fs.NArg() > 0 {
		return usageError("migrate: unexpected argument %q", fs.Arg(0))
	}
	src, err := parseTarget("--from", *from)
	if err != nil {
		return err
	}
	dst, err := parseTarget("--to", *to)
	if err != nil {
		return err
	}
	if src.kind != "bolt" || dst.kind != "etcd" {
		return usageError("migrate: copies from bolt:FILE to etcd:ENDPOINTS, got --from %s --to %s", src.kind, dst.kind)
	}
	env, err := etcdEnv()
	if err != nil {
		return err
	}
	if _, err := os.Stat(src.path); err != nil {
		return usageError("migrate: database %s: %v", src.path, errors.Unwrap(err))
	}
	b, err := drafts.OpenReadOnly(src.path)
	if err != nil {
		if errors.Is(err, drafts.ErrLocked) {
			return fmt.Errorf("migrate: %s is in use by a running jobdesc: stop it first: %w", src.path, err)
		}
		return fmt.Errorf("migrate: open %s: %w", src.path, err)
	}
	defer b.Close()
	e, err := openEtcd(ctx, env, dst.endpoints)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer e.Close()

	counts := map[etcd.ImportResult]int{}
	err = b.Walk(ctx, func(d drafts.Draft) error {
		r, err := e.Import(ctx, d)
		if err != nil {
			return err
		}
		counts[r]++
		if r == etcd.Differs {
			fmt.Fprintf(stdout, "%s of team %s is already in etcd and differs (changed there since): kept as it is\n", d.ID, d.Team)
		}
		return nil
	})
	fmt.Fprintf(stdout, "copied %d drafts from %s to etcd %s prefix %s; %d were there already, %d differ\n",
		counts[etcd.Imported], src.path, strings.Join(dst.endpoints, ","), env.EtcdPrefix, counts[etcd.Unchanged], counts[etcd.Differs])
	if err != nil {
		return fmt.Errorf("migrate (safe to rerun): %w", err)
	}
	rep, err := e.Check(ctx)
	if err != nil {
		return fmt.Errorf("migrate: check etcd after copying: %w", err)
	}
	fmt.Fprintf(stdout, "etcd is consistent: %s\n", describeReport(rep))
	return nil
}

// checkStoreCmd verifies either store, read-only:
//
//	jobdesc check [FILE | bolt:FILE | etcd:ENDPOINTS]
//
// Without an argument it checks the configured store: JOBDESC_STORE=etcd
// means the cluster of JOBDESC_ETCD_ENDPOINTS, otherwise JOBDESC_DB_PATH.
func checkStoreCmd(ctx context.Context, args []string, dbPath string, stdout, stderr io.Writer) error {
	switch {
	case len(args) > 0 && strings.HasPrefix(args[0], "etcd:"):
		t, err := parseTarget("check", args[0])
		if err != nil {
			return err
		}
		return checkEtcd(ctx, t.endpoints, stdout)
	case len(args) == 0 && os.Getenv("JOBDESC_STORE") == "etcd":
		return checkEtcd(ctx, nil, stdout)
	case len(args) > 0 && strings.HasPrefix(args[0], "bolt:"):
		args = append([]string{strings.TrimPrefix(args[0], "bolt:")}, args[1:]...)
	}
	return checkCmd(args, dbPath, stdout, stderr)
}

// checkEtcd verifies an etcd store: jobdesc check etcd:ENDPOINTS, or
// jobdesc check with JOBDESC_STORE=etcd.
func checkEtcd(ctx context.Context, endpoints []string, stdout io.Writer) error {
	env, err := etcdEnv()
	if err != nil {
		return err
	}
	if len(endpoints) == 0 {
		endpoints = env.EtcdEndpoints
	}
	if len(endpoints) == 0 {
		return usageError("check: name the cluster (etcd:ENDPOINTS) or set JOBDESC_ETCD_ENDPOINTS")
	}
	s, err := openEtcd(ctx, env, endpoints)
	if err != nil {
		return fmt.Errorf("check: %w", err)
	}
	defer s.Close()
	rep, err := s.Check(ctx)
	if err != nil {
		return fmt.Errorf("check: %w", err)
	}
	fmt.Fprintf(stdout, "etcd %s prefix %s is consistent: %s\n", strings.Join(endpoints, ","), env.EtcdPrefix, describeReport(rep))
	return nil
}

func describeReport(rep drafts.Report) string {
	return fmt.Sprintf("%d teams, %d drafts, %d revisions, %d events, %d review messages, %d seen-records",
		rep.Teams, rep.Drafts, rep.Revisions, rep.Events, rep.Messages, rep.Seen)
}
