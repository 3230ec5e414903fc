package etcd_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/jobdesc/jobdesc/drafts"
	"github.com/jobdesc/jobdesc/drafts/etcd"
	"github.com/jobdesc/jobdesc/drafts/etcd/etcdtest"
	"github.com/jobdesc/jobdesc/drafts/storetest"
)

var prefixes atomic.Int64

// theCluster returns the package's shared cluster (see main_test.go),
// failing the test if it did not start.
func theCluster(t *testing.T) *etcdtest.Cluster {
	t.Helper()
	c, err := etcd.SharedCluster()
	if err != nil {
		t.Fatalf("etcd test cluster: %v", err)
	}
	return c
}

func ctxT(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// newPrefix is a prefix no other test uses.
func newPrefix() string { return fmt.Sprintf("/test/%d/", prefixes.Add(1)) }

// openAt opens a store on prefix through endpoints; cleanup closes it.
func openAt(t *testing.T, prefix string, endpoints []string) *etcd.Store {
	t.Helper()
	s, err := etcd.Open(ctxT(t), etcd.Config{Endpoints: endpoints, Prefix: prefix, DialTimeout: 10 * time.Second})
	if err != nil {
		t.Fatalf("Open(%s): %v", prefix, err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// opener opens stores on new prefixes of the cluster; when a test ends it
// checks its store (Check) before closing it.
func opener(c *etcdtest.Cluster) storetest.Opener {
	return func(t *testing.T, now func() time.Time) storetest.Store {
		t.Helper()
		s := openAt(t, newPrefix(), c.Endpoints())
		s.Now = now
		t.Cleanup(func() {
			if _, err := s.Check(context.Background()); err != nil {
				t.Errorf("Check after the test: %v", err)
			}
		})
		return s
	}
}

// TestContract runs the store contract (package storetest) on a 3-member
// cluster.
func TestContract(t *testing.T) {
	storetest.Run(t, opener(theCluster(t)))
}

// TestContractWithAMemberStopped runs the contract again and stops the
// cluster's leader once a few parts have run, so the rest runs on two
// members (after an election); the member is restarted afterwards.
func TestContractWithAMemberStopped(t *testing.T) {
	c := theCluster(t)
	open := opener(c)
	var opened atomic.Int64
	stopped := -1
	t.Cleanup(func() {
		if stopped >= 0 {
			if err := c.Restart(stopped); err != nil {
				t.Errorf("restart member %d: %v", stopped, err)
			}
		}
	})
	storetest.Run(t, func(t *testing.T, now func() time.Time) storetest.Store {
		if opened.Add(1) == 6 {
			stopped = c.Leader()
			if stopped < 0 {
				stopped = 0
			}
			c.Kill(stopped)
			t.Logf("killed member %d (the leader)", stopped)
		}
		return open(t, now)
	})
	if stopped < 0 {
		t.Fatal("no member was stopped: the suite opened fewer than 6 stores")
	}
}

// handles opens one store per member on the same prefix, each listing
// every endpoint first-choice-first from its own member, as replicas do.
func handles(t *testing.T, c *etcdtest.Cluster, prefix string) []storetest.Store {
	t.Helper()
	eps := c.Endpoints()
	var out []storetest.Store
	for i := range eps {
		rotated := append(append([]string(nil), eps[i:]...), eps[:i]...)
		out = append(out, openAt(t, prefix, rotated))
	}
	return out
}

// TestReplicas runs the concurrent writers of the contract through three
// handles (one per member) on the same data.
func TestReplicas(t *testing.T) {
	c := theCluster(t)
	prefix := newPrefix()
	hs := handles(t, c, prefix)
	storetest.Concurrent(t, hs, nil)
	if _, err := hs[0].(*etcd.Store).Check(ctxT(t)); err != nil {
		t.Errorf("Check: %v", err)
	}
}

// TestReplicasWhileAMemberStops stops the leader while writers on three
// handles run; every write must still happen exactly once, and the member,
// restarted, must serve what was written while it was down.
func TestReplicasWhileAMemberStops(t *testing.T) {
	c := theCluster(t)
	prefix := newPrefix()
	hs := handles(t, c, prefix)
	stopped := -1
	start := time.Now()
	storetest.Concurrent(t, hs, func() {
		stopped = c.Leader()
		if stopped < 0 {
			stopped = 0
		}
		c.Kill(stopped)
	})
	t.Logf("killed member %d (the leader) while the writers ran; they took %s", stopped, time.Since(start).Round(time.Millisecond))
	ctx := ctxT(t)
	d, err := hs[(stopped+1)%len(hs)].Create(ctx, drafts.NewDraft{Team: "T1", Channel: "C", Author: "U-late", Prefix: "AM"})
	if err != nil {
		t.Fatalf("Create on two members: %v", err)
	}
	if err := c.Restart(stopped); err != nil {
		t.Fatalf("restart member %d: %v", stopped, err)
	}
	only := openAt(t, prefix, []string{c.Endpoints()[stopped]})
	got, err := only.Get(ctx, "T1", d.ID)
	if err != nil || got.Author != "U-late" {
		t.Errorf("Get through the restarted member: got %+v, %v; want the draft written while it was down", got, err)
	}
	if _, err := only.Check(ctx); err != nil {
		t.Errorf("Check: %v", err)
	}
}

func TestOpen(t *testing.T) {
	c := theCluster(t)
	raw := rawClient(t, c)
	tests := []struct {
		name    string
		prepare func(t *testing.T, prefix string)
		cfg     func(prefix string) etcd.Config
		want    error
	}{
		{"a new prefix gets the schema", nil, nil, nil},
		{"a newer schema", func(t *testing.T, prefix string) { put(t, raw, prefix+"schema", "2") }, nil, drafts.ErrSchemaTooNew},
		{"a bad schema", func(t *testing.T, prefix string) { put(t, raw, prefix+"schema", "two") }, nil, drafts.ErrCorrupt},
		{"no endpoints", nil, func(prefix string) etcd.Config { return etcd.Config{Prefix: prefix} }, drafts.ErrInvalid},
		{"nothing listening", nil, func(prefix string) etcd.Config {
			return etcd.Config{Endpoints: []string{"http://" + closedAddr(t)}, Prefix: prefix, DialTimeout: 500 * time.Millisecond}
		}, etcd.ErrUnreachable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prefix := newPrefix()
			if tt.prepare != nil {
				tt.prepare(t, prefix)
			}
			cfg := etcd.Config{Endpoints: c.Endpoints(), Prefix: prefix}
			if tt.cfg != nil {
				cfg = tt.cfg(prefix)
			}
			s, err := etcd.Open(ctxT(t), cfg)
			if err == nil {
				defer s.Close()
			}
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Open: %v", err)
				}
				resp, err := raw.Get(ctxT(t), prefix+"schema")
				if err != nil || len(resp.Kvs) != 1 || string(resp.Kvs[0].Value) != "1" {
					t.Errorf("schema key after Open: %v, %v; want \"1\"", resp, err)
				}
				if err := s.Ping(ctxT(t)); err != nil {
					t.Errorf("Ping: %v", err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("Open: got %v, want %v", err, tt.want)
			}
		})
	}
	t.Run("prefix without a slash", func(t *testing.T) {
		p := strings.TrimSuffix(newPrefix(), "/")
		s := openAt(t, p, c.Endpoints())
		if _, err := s.Create(ctxT(t), drafts.NewDraft{Team: "T1", Channel: "C", Author: "U1", Prefix: "AM"}); err != nil {
			t.Fatal(err)
		}
		resp, err := raw.Get(ctxT(t), p+"/d/", clientv3.WithPrefix(), clientv3.WithCountOnly())
		if err != nil || resp.Count != 1 {
			t.Errorf("keys under %s/d/: %v, %v; want 1", p, resp, err)
		}
	})
	t.Run("prefixes are separate stores", func(t *testing.T) {
		a, b := openAt(t, newPrefix(), c.Endpoints()), openAt(t, newPrefix(), c.Endpoints())
		d, err := a.Create(ctxT(t), drafts.NewDraft{Team: "T1", Channel: "C", Author: "U1", Prefix: "AM"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.Get(ctxT(t), "T1", d.ID); !errors.Is(err, drafts.ErrNotFound) {
			t.Errorf("Get in the other prefix: got %v, want ErrNotFound", err)
		}
		if p, err := b.Pending(ctxT(t)); err != nil || len(p) != 0 {
			t.Errorf("Pending in the other prefix: got %d, %v; want none", len(p), err)
		}
	})
	t.Run("ping fails when the client is closed", func(t *testing.T) {
		s, err := etcd.Open(ctxT(t), etcd.Config{Endpoints: c.Endpoints(), Prefix: newPrefix()})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if err := s.Ping(ctxT(t)); err == nil {
			t.Error("Ping after Close: got nil, want an error")
		}
	})
}

func TestLargeValues(t *testing.T) {
	s := openAt(t, newPrefix(), theCluster(t).Endpoints())
	n := drafts.NewDraft{Team: "T1", Channel: "C", Author: "U1", Prefix: "AM", Values: map[string]string{"big": strings.Repeat("x", 600<<10)}}
	_, err := s.Create(ctxT(t), n)
	if !errors.Is(err, drafts.ErrInvalid) {
		t.Errorf("Create with 600 KiB of values: got %v, want ErrInvalid", err)
	}
	n.Values["big"] = strings.Repeat("x", 400<<10)
	d, err := s.Create(ctxT(t), n)
	if err != nil {
		t.Fatalf("Create with 400 KiB of values: %v", err)
	}
	n.Values["big"] = strings.Repeat("y", 400<<10)
	if _, err := s.Revise(ctxT(t), "T1", d.ID, 1, "U1", n.Values); err != nil {
		t.Errorf("Revise with 400 KiB of values: %v", err)
	}
}

func rawClient(t *testing.T, c *etcdtest.Cluster) *clientv3.Client {
	t.Helper()
	cli, err := clientv3.New(clientv3.Config{Endpoints: c.Endpoints(), DialTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cli.Close() })
	return cli
}

func put(t *testing.T, cli *clientv3.Client, k, v string) {
	t.Helper()
	if _, err := cli.Put(ctxT(t), k, v); err != nil {
		t.Fatalf("put %s: %v", k, err)
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
