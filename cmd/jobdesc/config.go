package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"runtime/debug"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/kelseyhightower/envconfig"

	"github.com/jobdesc/jobdesc/checks"
)

// Config is everything jobdesc reads from its environment. `jobdesc -h`
// prints this list with defaults and meanings; so does the README.
type Config struct {
	AppToken          string        `envconfig:"SLACK_APP_TOKEN" required:"true" desc:"App-level token (xapp-…) with connections:write, for Socket Mode"`
	BotToken          string        `envconfig:"SLACK_BOT_TOKEN" required:"true" desc:"Bot token (xoxb-…) from OAuth & Permissions, for the Web API"`
	APIURL            string        `envconfig:"SLACK_API_URL" default:"https://slack.com/api/" desc:"Slack Web API base URL, ending in /api/ (change only for testing)"`
	DBPath            string        `envconfig:"JOBDESC_DB_PATH" default:"jobdesc.db" desc:"bbolt database file holding drafts, revisions and approvals (created 0600)"`
	TemplatesDir      string        `envconfig:"JOBDESC_TEMPLATES_DIR" desc:"Folder of role files (*.yaml) that replace or add to the built-in roles"`
	ApproveReaction   string        `envconfig:"JOBDESC_APPROVE_REACTION" default:"white_check_mark" desc:"Reaction name that approves a draft"`
	ChangesReaction   string        `envconfig:"JOBDESC_CHANGES_REACTION" default:"x" desc:"Reaction name that requests changes"`
	ApprovalsRequired int           `envconfig:"JOBDESC_APPROVALS_REQUIRED" default:"1" desc:"Approvals on the current revision needed before a draft is Approved"`
	Approvers         []string      `envconfig:"JOBDESC_APPROVERS" desc:"Comma-separated user ids allowed to approve; empty means anyone but the author"`
	Connections       int           `envconfig:"JOBDESC_SOCKET_CONNECTIONS" default:"2" desc:"Socket Mode connections this process holds (1-10; Slack allows 10 per app across all replicas)"`
	LogLevel          string        `envconfig:"JOBDESC_LOG_LEVEL" default:"info" desc:"debug, info, warn or error"`
	HTTPAddr          string        `envconfig:"JOBDESC_HTTP_ADDR" desc:"Address for /healthz and /metrics, e.g. :8080; empty means off"`
	BackupDir         string        `envconfig:"JOBDESC_BACKUP_DIR" desc:"Folder for scheduled hot backups of the database; empty means off"`
	BackupInterval    time.Duration `envconfig:"JOBDESC_BACKUP_INTERVAL" default:"24h" desc:"How often to back up into JOBDESC_BACKUP_DIR"`
	Store             string        `envconfig:"JOBDESC_STORE" default:"bolt" desc:"Where drafts live: bolt (the JOBDESC_DB_PATH file; one replica) or etcd (a cluster; several replicas)"`
	EtcdEndpoints     []string      `envconfig:"JOBDESC_ETCD_ENDPOINTS" desc:"Comma-separated etcd client URLs, e.g. https://etcd-0:2379,https://etcd-1:2379 (JOBDESC_STORE=etcd)"`
	EtcdPrefix        string        `envconfig:"JOBDESC_ETCD_PREFIX" default:"/jobdesc/" desc:"Key prefix holding this jobdesc's data in etcd (one cluster can hold several)"`
	EtcdUsername      string        `envconfig:"JOBDESC_ETCD_USERNAME" desc:"etcd user, when the cluster has auth enabled"`
	EtcdPassword      string        `envconfig:"JOBDESC_ETCD_PASSWORD" desc:"Password of JOBDESC_ETCD_USERNAME (never logged)"`
	EtcdCAFile        string        `envconfig:"JOBDESC_ETCD_CA_FILE" desc:"PEM file of the CA that signed the members' certificates (https endpoints)"`
	EtcdCertFile      string        `envconfig:"JOBDESC_ETCD_CERT_FILE" desc:"PEM client certificate for etcd, with JOBDESC_ETCD_KEY_FILE"`
	EtcdKeyFile       string        `envconfig:"JOBDESC_ETCD_KEY_FILE" desc:"PEM private key of JOBDESC_ETCD_CERT_FILE"`
	EtcdDialTimeout   time.Duration `envconfig:"JOBDESC_ETCD_DIAL_TIMEOUT" default:"5s" desc:"How long start-up waits for etcd before failing"`
	OutboxInterval    time.Duration `envconfig:"JOBDESC_OUTBOX_INTERVAL" default:"5s" desc:"How often the outbox posts drafts left unposted that long (e.g. by a replica that died)"`
	PostClaimTTL      time.Duration `envconfig:"JOBDESC_POST_CLAIM_TTL" default:"30s" desc:"How long a replica holds a draft it posts before another may post it"`
}

// EtcdConfig is the etcd part of Config, read on its own by jobdesc
// migrate and check (which need no Slack tokens). Its fields and tags are
// Config's (a test keeps them in step).
type EtcdConfig struct {
	EtcdEndpoints   []string      `envconfig:"JOBDESC_ETCD_ENDPOINTS"`
	EtcdPrefix      string        `envconfig:"JOBDESC_ETCD_PREFIX" default:"/jobdesc/"`
	EtcdUsername    string        `envconfig:"JOBDESC_ETCD_USERNAME"`
	EtcdPassword    string        `envconfig:"JOBDESC_ETCD_PASSWORD"`
	EtcdCAFile      string        `envconfig:"JOBDESC_ETCD_CA_FILE"`
	EtcdCertFile    string        `envconfig:"JOBDESC_ETCD_CERT_FILE"`
	EtcdKeyFile     string        `envconfig:"JOBDESC_ETCD_KEY_FILE"`
	EtcdDialTimeout time.Duration `envconfig:"JOBDESC_ETCD_DIAL_TIMEOUT" default:"5s"`
}

// etcd is the etcd part of c.
func (c Config) etcd() EtcdConfig {
	return EtcdConfig{
		EtcdEndpoints: c.EtcdEndpoints, EtcdPrefix: c.EtcdPrefix, EtcdUsername: c.EtcdUsername, EtcdPassword: c.EtcdPassword,
		EtcdCAFile: c.EtcdCAFile, EtcdCertFile: c.EtcdCertFile, EtcdKeyFile: c.EtcdKeyFile, EtcdDialTimeout: c.EtcdDialTimeout,
	}
}

// check validates the etcd settings; endpoints are required when
// required is set (JOBDESC_STORE=etcd).
func (e EtcdConfig) check(required bool) error {
	switch {
	case required && len(e.EtcdEndpoints) == 0:
		return usageError("JOBDESC_ETCD_ENDPOINTS must list the etcd members' client URLs when JOBDESC_STORE=etcd")
	case (e.EtcdCertFile == "") != (e.EtcdKeyFile == ""):
		return usageError("JOBDESC_ETCD_CERT_FILE and JOBDESC_ETCD_KEY_FILE go together: set both or neither")
	case e.EtcdPassword != "" && e.EtcdUsername == "":
		return usageError("JOBDESC_ETCD_PASSWORD is set without JOBDESC_ETCD_USERNAME")
	case e.EtcdDialTimeout < 100*time.Millisecond:
		return usageError("JOBDESC_ETCD_DIAL_TIMEOUT must be at least 100ms, got %s", e.EtcdDialTimeout)
	case e.EtcdPrefix == "" || !strings.HasPrefix(e.EtcdPrefix, "/"):
		return usageError("JOBDESC_ETCD_PREFIX must start with /, got %q", e.EtcdPrefix)
	}
	for _, ep := range e.EtcdEndpoints {
		if !strings.HasPrefix(ep, "http://") && !strings.HasPrefix(ep, "https://") {
			return usageError("JOBDESC_ETCD_ENDPOINTS must list URLs such as https://etcd-0:2379, got %q", ep)
		}
	}
	return nil
}

// loadConfig reads Config from the environment and checks it. Its errors
// are one line naming the variable, and never contain a token.
func loadConfig() (Config, error) {
	var cfg Config
	if err := envconfig.Process("", &cfg); err != nil {
		var pe *envconfig.ParseError
		if errors.As(err, &pe) {
			return Config{}, usageError("%s: %s", pe.KeyName, describeParse(pe))
		}
		// "required key SLACK_APP_TOKEN missing value"
		return Config{}, usageError("%s (see jobdesc -h)", strings.TrimPrefix(err.Error(), "envconfig.Process: "))
	}
	return cfg, cfg.check()
}

func describeParse(pe *envconfig.ParseError) string {
	switch pe.TypeName {
	case "int":
		return fmt.Sprintf("want a whole number, got %q", pe.Value)
	case "Duration", "time.Duration":
		return fmt.Sprintf("want a duration such as 24h or 90m, got %q", pe.Value)
	}
	return fmt.Sprintf("cannot read %q as %s", pe.Value, pe.TypeName)
}

// check validates values envconfig cannot.
func (c Config) check() error {
	switch {
	case !strings.HasPrefix(c.AppToken, "xapp-"):
		return usageError("SLACK_APP_TOKEN must be an app-level token starting with xapp- (Basic Information → App-Level Tokens); the value set does not")
	case !strings.HasPrefix(c.BotToken, "xoxb-"):
		return usageError("SLACK_BOT_TOKEN must be a bot token starting with xoxb- (OAuth & Permissions → Bot User OAuth Token); the value set does not")
	case !strings.HasSuffix(c.APIURL, "/"):
		return usageError("SLACK_API_URL must end with / (e.g. https://slack.com/api/), got %q", c.APIURL)
	case c.ApprovalsRequired < 1 || c.ApprovalsRequired > 20:
		return usageError("JOBDESC_APPROVALS_REQUIRED must be from 1 to 20, got %d", c.ApprovalsRequired)
	case c.Connections < 1 || c.Connections > 10:
		return usageError("JOBDESC_SOCKET_CONNECTIONS must be from 1 to 10, got %d", c.Connections)
	case c.ApproveReaction == c.ChangesReaction:
		return usageError("JOBDESC_APPROVE_REACTION and JOBDESC_CHANGES_REACTION must differ, both are %q", c.ApproveReaction)
	case c.BackupDir != "" && c.BackupInterval < time.Minute:
		return usageError("JOBDESC_BACKUP_INTERVAL must be at least 1m, got %s", c.BackupInterval)
	case c.Store != "bolt" && c.Store != "etcd":
		return usageError("JOBDESC_STORE must be bolt or etcd, got %q", c.Store)
	case c.OutboxInterval < 100*time.Millisecond:
		return usageError("JOBDESC_OUTBOX_INTERVAL must be at least 100ms, got %s", c.OutboxInterval)
	case c.PostClaimTTL < 2*time.Second:
		return usageError("JOBDESC_POST_CLAIM_TTL must be at least 2s, got %s", c.PostClaimTTL)
	}
	if err := c.etcd().check(c.Store == "etcd"); err != nil {
		return err
	}
	for _, a := range c.Approvers {
		if !strings.HasPrefix(a, "U") && !strings.HasPrefix(a, "W") {
			return usageError("JOBDESC_APPROVERS must list user ids such as U012AB3CD, got %q", a)
		}
	}
	if _, err := parseLevel(c.LogLevel); err != nil {
		return err
	}
	return nil
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, usageError("JOBDESC_LOG_LEVEL must be debug, info, warn or error, got %q", s)
	}
	return l, nil
}

// errHelp means help was printed: exit status 0.
var errHelp = errors.New("help printed")

func printHelp(w io.Writer) error {
	fmt.Fprint(w, `jobdesc drafts job postings in Slack: /jobdesc ROLE opens a form, the
description is posted for review, teammates approve with a reaction.

Usage:
  jobdesc                          run the bot (Socket Mode; needs the two tokens below)
  jobdesc demo [--db FILE]         watch the whole flow against an embedded fake Slack
  jobdesc render ROLE [--example | --values FILE] [--format md|text|blocks] [--check]
                                   preview a role's description; --check exits 1 on blockers
  jobdesc backup --out FILE [--db FILE]   consistent copy of a stopped bot's database
  jobdesc check [FILE | bolt:FILE | etcd:ENDPOINTS]
                                   verify a store (read-only); no argument: the configured one
  jobdesc migrate --from bolt:FILE --to etcd:ENDPOINTS
                                   copy every draft with its history to etcd; safe to rerun

Environment:
`)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  VARIABLE\tDEFAULT\tMEANING")
	// From Config's tags, as envconfig.Usagef would print them: Usagef
	// runs text/template, whose use of reflection keeps every exported
	// method of every linked package in the binary (3 MB of file, 2 MB of
	// resident memory).
	t := reflect.TypeFor[Config]()
	for i := range t.NumField() {
		tag := t.Field(i).Tag
		def := tag.Get("default")
		if tag.Get("required") == "true" {
			def = "(required)"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", tag.Get("envconfig"), def, tag.Get("desc"))
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("print usage: %w", err)
	}
	fmt.Fprintf(w, "\nPay-transparency table last reviewed %s.\n", checks.PayLawsReviewed())
	return errHelp
}

// The Go runtime's memory settings the bot runs with unless the operator
// sets GOGC or GOMEMLIMIT. Under a burst the bot allocates about 60 kB per
// request; at Go's default GOGC=100 collecting it took an eighth of the
// bot's CPU. GOGC=300 collects a third as often (fewer collections land
// in a burst of slash commands, whose acks they delayed), and the soft
// limit keeps the heap, and so the peak resident memory, within budget
// (about 34 MB with 50 requests in flight). A bot with hundreds of
// requests in flight holds more and should be given a higher GOMEMLIMIT.
const (
	defaultGCPercent   = 300
	defaultMemoryLimit = 28 << 20
)

// gcDefaults applies defaultGCPercent and defaultMemoryLimit where lookup
// (os.LookupEnv) finds GOGC or GOMEMLIMIT unset; the runtime has read
// those that are set.
func gcDefaults(lookup func(string) (string, bool)) {
	if _, set := lookup("GOGC"); !set {
		debug.SetGCPercent(defaultGCPercent)
	}
	if _, set := lookup("GOMEMLIMIT"); !set {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
}
