// Package etcdtest starts etcd clusters inside a test process, with
// go.etcd.io/etcd/server/v3/embed: members listen on 127.0.0.1 ports and
// keep their data in a folder the caller gives (t.TempDir()). Only test
// binaries import it, so jobdesc itself does not link the etcd server.
package etcdtest

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.etcd.io/etcd/client/pkg/v3/transport"
	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"
)

// startTimeout bounds how long a member may take to become ready.
const startTimeout = 30 * time.Second

// Cluster is a running etcd cluster of embedded members. It is safe for
// concurrent use.
type Cluster struct {
	mu      sync.Mutex
	members []*member
}

type member struct {
	name, dir, token, initial string
	client, peer              url.URL
	opts                      Options
	authToken                 string      // embed.Config.AuthToken ("" for the default)
	etcd                      *embed.Etcd // nil while stopped
}

// Options change how the members serve clients.
type Options struct {
	// TLS, if set, makes the members serve their client URLs over https
	// with its server certificate (see WriteCerts).
	TLS *Certs
	// ClientCertAuth makes the members require a client certificate
	// signed by TLS's CA.
	ClientCertAuth bool
	// JWT makes the members issue JWT auth tokens (ES256, with a key
	// written under the cluster's folder) instead of simple ones: those
	// survive a restart but carry the auth store's revision.
	JWT bool
}

// config is the member's embed configuration; state is "new" the first
// time, "existing" on a restart.
func (m *member) config(state string) *embed.Config {
	cfg := embed.NewConfig()
	cfg.Name = m.name
	cfg.Dir = m.dir
	cfg.ListenClientUrls, cfg.AdvertiseClientUrls = []url.URL{m.client}, []url.URL{m.client}
	cfg.ListenPeerUrls, cfg.AdvertisePeerUrls = []url.URL{m.peer}, []url.URL{m.peer}
	cfg.InitialCluster = m.initial
	cfg.InitialClusterToken = m.token
	cfg.ClusterState = state
	// The gRPC gateway (the HTTP/JSON API on the client URLs) is what
	// package etcd talks to; it is on by default, and must stay on.
	cfg.EnableGRPCGateway = true
	if m.opts.TLS != nil {
		cfg.ClientTLSInfo = transport.TLSInfo{
			CertFile: m.opts.TLS.ServerCert, KeyFile: m.opts.TLS.ServerKey,
			TrustedCAFile: m.opts.TLS.CA, ClientCertAuth: m.opts.ClientCertAuth,
		}
	}
	if m.authToken != "" {
		cfg.AuthToken = m.authToken
	}
	cfg.BcryptCost = 4 // bcrypt's minimum: tests log in often, and guessing is not under test
	cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(zap.NewNop())
	cfg.UnsafeNoFsync = true // tests: durability across machine crashes is not under test
	cfg.SnapshotCount = 10000
	return cfg
}

// Start starts an n-member cluster with its data under dir and waits until
// every member is ready. It returns an error if ports cannot be found or a
// member does not start within 30 s (the members started are stopped).
func Start(dir string, n int) (*Cluster, error) { return StartWith(dir, n, Options{}) }

// StartWith is Start with options (TLS).
func StartWith(dir string, n int, o Options) (*Cluster, error) {
	if n < 1 {
		return nil, errors.New("etcdtest: a cluster needs at least one member")
	}
	ports, err := freePorts(2 * n)
	if err != nil {
		return nil, err
	}
	c := &Cluster{}
	var initial []string
	token := fmt.Sprintf("jobdesc-test-%d-%d", os.Getpid(), time.Now().UnixNano())
	scheme := "http"
	if o.TLS != nil {
		scheme = "https"
	}
	authToken := ""
	if o.JWT {
		if authToken, err = writeJWTKeys(dir); err != nil {
			return nil, err
		}
	}
	for i := range n {
		m := &member{
			name:   fmt.Sprintf("m%d", i),
			client: url.URL{Scheme: scheme, Host: fmt.Sprintf("127.0.0.1:%d", ports[2*i])},
			peer:   url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", ports[2*i+1])},
			token:  token,
			opts:   o,

			authToken: authToken,
		}
		m.dir = filepath.Join(dir, m.name)
		initial = append(initial, m.name+"="+m.peer.String())
		c.members = append(c.members, m)
	}
	for _, m := range c.members {
		m.initial = strings.Join(initial, ",")
	}
	// Members wait for each other to elect a leader: start them together.
	errs := make(chan error, n)
	for _, m := range c.members {
		go func() {
			e, err := m.launch(embed.ClusterStateFlagNew)
			m.etcd = e // each goroutine sets its own member, read after the channel
			errs <- err
		}()
	}
	var first error
	for range n {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	if first != nil {
		c.Close()
		return nil, first
	}
	return c, nil
}

// StartT starts an n-member cluster for one test, with its data in
// t.TempDir(), and stops it when the test ends; it fails the test if the
// cluster does not start.
func StartT(t testing.TB, n int) *Cluster {
	t.Helper()
	return StartWithT(t, n, Options{})
}

// StartWithT is StartT with options (TLS).
func StartWithT(t testing.TB, n int, o Options) *Cluster {
	t.Helper()
	c, err := StartWith(t.TempDir(), n, o)
	if err != nil {
		t.Fatalf("start etcd cluster: %v", err)
	}
	t.Cleanup(c.Close)
	return c
}

// launch starts the member and waits until it is ready.
func (m *member) launch(state string) (*embed.Etcd, error) {
	e, err := embed.StartEtcd(m.config(state))
	if err != nil {
		return nil, fmt.Errorf("etcdtest: start member %s: %w", m.name, err)
	}
	select {
	case <-e.Server.ReadyNotify():
	case err := <-e.Err():
		e.Close()
		return nil, fmt.Errorf("etcdtest: member %s failed: %w", m.name, err)
	case <-time.After(startTimeout):
		e.Server.Stop()
		e.Close()
		return nil, fmt.Errorf("etcdtest: member %s not ready after %s", m.name, startTimeout)
	}
	return e, nil
}

// Endpoints returns every member's client URL ("http://127.0.0.1:PORT",
// https with TLS), stopped members included.
func (c *Cluster) Endpoints() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]string, len(c.members))
	for i, m := range c.members {
		out[i] = m.client.String()
	}
	return out
}

// Size returns the number of members, stopped ones included.
func (c *Cluster) Size() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.members)
}

// Leader returns the index of the member that is the Raft leader, or -1
// when no running member knows of one.
func (c *Cluster) Leader() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, m := range c.members {
		if m.etcd != nil && m.etcd.Server.Leader() == m.etcd.Server.MemberID() {
			return i
		}
	}
	return -1
}

// Stop stops member i as an orderly shutdown does (a leader hands over
// leadership first); its data stays for Restart. Stopping a stopped
// member does nothing.
func (c *Cluster) Stop(i int) { c.stop(i, false) }

// Kill stops member i as a crash does: no handover, the others notice it
// gone when their election timeout passes. Its data stays for Restart.
func (c *Cluster) Kill(i int) { c.stop(i, true) }

func (c *Cluster) stop(i int, hard bool) {
	c.mu.Lock()
	m := c.members[i]
	e := m.etcd
	m.etcd = nil
	c.mu.Unlock()
	if e == nil {
		return
	}
	if hard {
		e.Server.HardStop()
	}
	e.Close()
}

// Restart starts a stopped member again on its data and ports, and waits
// until it is ready. It returns an error if it does not start within 30 s.
func (c *Cluster) Restart(i int) error {
	c.mu.Lock()
	m := c.members[i]
	running := m.etcd != nil
	c.mu.Unlock()
	if running {
		return nil
	}
	e, err := m.launch(embed.ClusterStateFlagExisting)
	if err != nil {
		return err
	}
	c.mu.Lock()
	m.etcd = e
	c.mu.Unlock()
	return nil
}

// Close stops every member at once, without the leadership handover of
// Stop (nothing is left to hand over to).
func (c *Cluster) Close() {
	c.mu.Lock()
	var es []*embed.Etcd
	for _, m := range c.members {
		if m.etcd != nil {
			es = append(es, m.etcd)
			m.etcd = nil
		}
	}
	c.mu.Unlock()
	var wg sync.WaitGroup
	for _, e := range es {
		wg.Go(func() {
			e.Server.HardStop()
			e.Close()
		})
	}
	wg.Wait()
}

// freePorts finds n free TCP ports on 127.0.0.1. Another process may take
// one before the member binds it; Start then fails and says so.
func freePorts(n int) ([]int, error) {
	var lns []net.Listener
	defer func() {
		for _, ln := range lns {
			_ = ln.Close()
		}
	}()
	ports := make([]int, 0, n)
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("etcdtest: find a free port: %w", err)
		}
		lns = append(lns, ln)
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}
