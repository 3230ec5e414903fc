package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/jobdesc/jobdesc/bot/fakeslack"
	"github.com/jobdesc/jobdesc/drafts"
	"github.com/jobdesc/jobdesc/drafts/etcd"
	"github.com/jobdesc/jobdesc/drafts/etcd/etcdtest"
)

var etcdPrefixes atomic.Int64

// etcdPrefix is a key prefix no other test of this process uses.
func etcdPrefix() string { return fmt.Sprintf("/jobdesc-test-%d/", etcdPrefixes.Add(1)) }

// etcdConfig is testConfig on an etcd cluster instead of a file.
func etcdConfig(s *fakeslack.Server, c *etcdtest.Cluster, prefix string) Config {
	cfg := testConfig(s, "")
	cfg.Store, cfg.EtcdEndpoints, cfg.EtcdPrefix, cfg.EtcdDialTimeout = "etcd", c.Endpoints(), prefix, 5*time.Second
	return cfg
}

// openEtcdT opens the etcd store a test's bot used; cleanup closes it.
func openEtcdT(t *testing.T, endpoints []string, prefix string) *etcd.Store {
	t.Helper()
	s, err := etcd.Open(testCtx(t), etcd.Config{Endpoints: endpoints, Prefix: prefix})
	if err != nil {
		t.Fatalf("open etcd store: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestEtcdConfigInStepWithConfig(t *testing.T) {
	cfg := reflect.TypeOf(Config{})
	e := reflect.TypeOf(EtcdConfig{})
	for i := range e.NumField() {
		f := e.Field(i)
		cf, ok := cfg.FieldByName(f.Name)
		if !ok {
			t.Errorf("Config has no field %s", f.Name)
			continue
		}
		for _, tag := range []string{"envconfig", "default"} {
			if got, want := f.Tag.Get(tag), cf.Tag.Get(tag); got != want || f.Type != cf.Type {
				t.Errorf("EtcdConfig.%s: %s %q (%s), Config has %q (%s)", f.Name, tag, got, f.Type, want, cf.Type)
			}
		}
	}
	full := Config{EtcdEndpoints: []string{"http://a:2379"}, EtcdPrefix: "/p/", EtcdUsername: "u", EtcdPassword: "pw",
		EtcdCAFile: "ca", EtcdCertFile: "c", EtcdKeyFile: "k", EtcdDialTimeout: time.Second}
	got := reflect.ValueOf(full.etcd())
	for i := range e.NumField() {
		if got.Field(i).IsZero() {
			t.Errorf("Config.etcd() drops %s", e.Field(i).Name)
		}
	}
}

func TestHelpListsReplicaSettings(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := cli(context.Background(), []string{"-h"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit status %d, want 0", code)
	}
	for _, want := range []string{"JOBDESC_STORE", "JOBDESC_ETCD_ENDPOINTS", "JOBDESC_ETCD_PREFIX", "/jobdesc/",
		"JOBDESC_ETCD_USERNAME", "JOBDESC_ETCD_PASSWORD", "JOBDESC_ETCD_CA_FILE", "JOBDESC_ETCD_CERT_FILE",
		"JOBDESC_ETCD_KEY_FILE", "JOBDESC_ETCD_DIAL_TIMEOUT", "JOBDESC_OUTBOX_INTERVAL", "JOBDESC_POST_CLAIM_TTL",
		"jobdesc migrate --from bolt:FILE --to etcd:ENDPOINTS", "etcd:ENDPOINTS"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("help lacks %s", want)
		}
	}
}

func TestEtcdSettingsErrors(t *testing.T) {
	const secret = "very-secret-password"
	base := map[string]string{"SLACK_APP_TOKEN": "xapp-1-x", "SLACK_BOT_TOKEN": "xoxb-x", "JOBDESC_ETCD_PASSWORD": secret, "JOBDESC_ETCD_USERNAME": "jobdesc"}
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"unknown store", map[string]string{"JOBDESC_STORE": "mongo"}, "JOBDESC_STORE must be bolt or etcd"},
		{"etcd without endpoints", map[string]string{"JOBDESC_STORE": "etcd"}, "JOBDESC_ETCD_ENDPOINTS must list"},
		{"endpoint without a scheme", map[string]string{"JOBDESC_STORE": "etcd", "JOBDESC_ETCD_ENDPOINTS": "etcd-0:2379"}, "URLs such as https://"},
		{"certificate without key", map[string]string{"JOBDESC_STORE": "etcd", "JOBDESC_ETCD_ENDPOINTS": "https://e:2379", "JOBDESC_ETCD_CERT_FILE": "c.pem"}, "go together"},
		{"relative prefix", map[string]string{"JOBDESC_ETCD_PREFIX": "jobdesc"}, "JOBDESC_ETCD_PREFIX must start with /"},
		{"bad dial timeout", map[string]string{"JOBDESC_ETCD_DIAL_TIMEOUT": "soon"}, "JOBDESC_ETCD_DIAL_TIMEOUT: want a duration"},
		{"claim ttl too short", map[string]string{"JOBDESC_POST_CLAIM_TTL": "1s"}, "JOBDESC_POST_CLAIM_TTL must be at least 2s"},
		{"unreachable cluster", map[string]string{"JOBDESC_STORE": "etcd", "JOBDESC_ETCD_ENDPOINTS": "http://" + closedAddr(t), "JOBDESC_ETCD_DIAL_TIMEOUT": "300ms"},
			"etcd cluster unreachable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, k := range []string{"JOBDESC_STORE", "JOBDESC_ETCD_ENDPOINTS", "JOBDESC_ETCD_CERT_FILE", "JOBDESC_ETCD_KEY_FILE",
				"JOBDESC_ETCD_PREFIX", "JOBDESC_ETCD_DIAL_TIMEOUT", "JOBDESC_POST_CLAIM_TTL", "JOBDESC_OUTBOX_INTERVAL", "JOBDESC_DB_PATH", "SLACK_API_URL"} {
				t.Setenv(k, "")
				os.Unsetenv(k)
			}
			for k, v := range base {
				t.Setenv(k, v)
			}
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			t.Setenv("JOBDESC_DB_PATH", filepath.Join(t.TempDir(), "jobdesc.db"))
			var stdout, stderr bytes.Buffer
			code := cli(testCtx(t), nil, &stdout, &stderr)
			if code == 0 {
				t.Fatalf("exit status 0, want a failure")
			}
			got := stderr.String()
			if strings.Count(got, "\n") != 1 || !strings.Contains(got, tt.want) {
				t.Errorf("stderr %q: want one line containing %q", got, tt.want)
			}
			if strings.Contains(got+stdout.String(), secret) {
				t.Error("the etcd password appears in the output")
			}
		})
	}
}

// closedAddr is a 127.0.0.1 address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return addr
}

func TestStartFailsOnANewerSchema(t *testing.T) {
	c := etcdtest.StartT(t, 1)
	prefix := etcdPrefix()
	cli, err := clientv3.New(clientv3.Config{Endpoints: c.Endpoints(), DialTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	if _, err := cli.Put(testCtx(t), prefix+"schema", "9"); err != nil {
		t.Fatal(err)
	}
	s := newSlack(t, fakeslack.Options{})
	err = run(testCtx(t), etcdConfig(s, c, prefix), &bytes.Buffer{}, &bytes.Buffer{})
	if !errors.Is(err, drafts.ErrSchemaTooNew) || !strings.Contains(err.Error(), prefix) {
		t.Errorf("run on a newer schema: got %v, want ErrSchemaTooNew naming the prefix", err)
	}
}

// TestBotOnEtcd runs the whole flow with JOBDESC_STORE=etcd, and /healthz
// following the cluster's reachability.
func TestBotOnEtcd(t *testing.T) {
	c := etcdtest.StartT(t, 1)
	prefix := etcdPrefix()
	s := newSlack(t, fakeslack.Options{})
	cfg := etcdConfig(s, c, prefix)
	cfg.HTTPAddr = "127.0.0.1:0"
	h := startBot(t, s, cfg)
	ctx := testCtx(t)
	m := h.newDraft(ctx, alice, hiring, nil)
	h.react(ctx, bob, hiring, m.TS, approve, true)
	h.waitStatus(ctx, hiring, m.TS, "Approved")
	h.waitReply(ctx, hiring, m.TS, "is approved")

	store := openEtcdT(t, c.Endpoints(), prefix)
	d, err := store.FindByMessage(ctx, fakeslack.TeamID, hiring, m.TS)
	if err != nil || d.Status != drafts.StatusApproved || len(d.Approvals) != 1 {
		t.Fatalf("draft in etcd: %+v, %v; want approved once", d, err)
	}

	var base string
	addr := regexp.MustCompile(`serving /healthz and /metrics" addr=(\S+)`)
	if err := poll(ctx, func() bool {
		if m := addr.FindStringSubmatch(h.logs.String()); m != nil {
			base = "http://" + m[1]
		}
		return base != ""
	}); err != nil {
		t.Fatalf("no address logged: %v", err)
	}
	if err := poll(ctx, func() bool { code, _ := get(t, base+"/healthz"); return code == http.StatusOK }); err != nil {
		t.Fatalf("healthz with etcd up never 200: %v", err)
	}
	c.Kill(0)
	if err := poll(ctx, func() bool { code, _ := get(t, base+"/healthz"); return code == http.StatusServiceUnavailable }); err != nil {
		t.Fatalf("healthz with etcd down never 503: %v", err)
	}
	if _, body := get(t, base+"/healthz"); !strings.Contains(body, "store") {
		t.Errorf("503 body %q should name the store", body)
	}
	if err := c.Restart(0); err != nil {
		t.Fatal(err)
	}
	if err := poll(ctx, func() bool { code, _ := get(t, base+"/healthz"); return code == http.StatusOK }); err != nil {
		t.Fatalf("healthz did not recover with etcd: %v", err)
	}
	if err := h.stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Check(ctx); err != nil {
		t.Errorf("Check: %v", err)
	}
}

// TestMigrateAndCheck copies a bbolt file into etcd twice (the rerun
// changes nothing), then checks both stores through the command line.
func TestMigrateAndCheck(t *testing.T) {
	c := etcdtest.StartT(t, 1)
	prefix := etcdPrefix()
	t.Setenv("JOBDESC_ETCD_PREFIX", prefix)
	t.Setenv("JOBDESC_STORE", "")
	ctx := testCtx(t)
	path := filepath.Join(t.TempDir(), "jobdesc.db")
	b, err := drafts.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	for i, team := range []string{"T1", "T1", "T2"} {
		d, err := b.Create(ctx, drafts.NewDraft{Team: team, Channel: hiring, Author: alice, Prefix: "AM", Values: map[string]string{"n": fmt.Sprint(i)}})
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			if _, err := b.MarkPosted(ctx, team, d.ID, drafts.Message{Channel: hiring, TS: "1.1"}); err != nil {
				t.Fatal(err)
			}
			if _, _, err := b.Approve(ctx, team, d.ID, bob, 1); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	eps := strings.Join(c.Endpoints(), ",")
	runCLI := func(t *testing.T, args ...string) (int, string) {
		t.Helper()
		var stdout, stderr bytes.Buffer
		code := cli(ctx, args, &stdout, &stderr)
		return code, stdout.String() + stderr.String()
	}
	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     string
	}{
		{"first run", []string{"migrate", "--from", "bolt:" + path, "--to", "etcd:" + eps}, 0, "copied 3 drafts"},
		{"rerun", []string{"migrate", "--from", "bolt:" + path, "--to", "etcd:" + eps}, 0, "copied 0 drafts"},
		{"check etcd", []string{"check", "etcd:" + eps}, 0, "is consistent: 2 teams, 3 drafts"},
		{"check bolt", []string{"check", "bolt:" + path}, 0, "is consistent: 2 teams, 3 drafts"},
		{"wrong direction", []string{"migrate", "--from", "etcd:" + eps, "--to", "bolt:" + path}, 2, "copies from bolt:FILE to etcd:ENDPOINTS"},
		{"no destination", []string{"migrate", "--from", "bolt:" + path}, 2, "--to is required"},
		{"missing file", []string{"migrate", "--from", "bolt:" + path + ".none", "--to", "etcd:" + eps}, 2, "database"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out := runCLI(t, tt.args...)
			if code != tt.wantCode || !strings.Contains(out, tt.want) {
				t.Errorf("jobdesc %s: exit %d, output %q; want %d and %q", strings.Join(tt.args, " "), code, out, tt.wantCode, tt.want)
			}
		})
	}
	t.Run("the copy serves the bot's lookups", func(t *testing.T) {
		s := openEtcdT(t, c.Endpoints(), prefix)
		d, err := s.FindByMessage(ctx, "T1", hiring, "1.1")
		if err != nil || d.ID != "AM-1" || len(d.Approvals) != 1 || len(d.Events) != 3 {
			t.Errorf("FindByMessage on the copy: %+v, %v", d, err)
		}
		p, err := s.Pending(ctx)
		if err != nil || len(p) != 2 {
			t.Errorf("Pending on the copy: %d, %v; want 2", len(p), err)
		}
	})
	t.Run("check with JOBDESC_STORE=etcd", func(t *testing.T) {
		t.Setenv("JOBDESC_STORE", "etcd")
		t.Setenv("JOBDESC_ETCD_ENDPOINTS", eps)
		if code, out := runCLI(t, "check"); code != 0 || !strings.Contains(out, "3 drafts") {
			t.Errorf("jobdesc check: exit %d, %q", code, out)
		}
	})
}
