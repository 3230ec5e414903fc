package etcd

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jobdesc/jobdesc/drafts"
	"github.com/jobdesc/jobdesc/drafts/etcd/etcdtest"
)

var gwPrefixes atomic.Int64

// gwPrefix is a prefix no other test of the package uses.
func gwPrefix() string { return fmt.Sprintf("/gw/%d/", gwPrefixes.Add(1)) }

func gwCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// shared returns the package's test cluster, failing the test if it did
// not start.
func shared(t *testing.T) *etcdtest.Cluster {
	t.Helper()
	if testClusterErr != nil {
		t.Fatalf("etcd test cluster: %v", testClusterErr)
	}
	return testCluster
}

// openGW opens a store (wrap may be nil); cleanup closes it.
func openGW(t *testing.T, cfg Config, wrap func(http.RoundTripper) http.RoundTripper) *Store {
	t.Helper()
	if cfg.Prefix == "" {
		cfg.Prefix = gwPrefix()
	}
	s, err := open(gwCtx(t), cfg, wrap)
	if err != nil {
		t.Fatalf("Open(%v): %v", cfg.Endpoints, err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// counter counts the requests a store sends, by path.
type counter struct {
	mu     sync.Mutex
	byPath map[string]int
}

func (c *counter) wrap(next http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		c.mu.Lock()
		if c.byPath == nil {
			c.byPath = map[string]int{}
		}
		c.byPath[r.URL.Path]++
		c.mu.Unlock()
		return next.RoundTrip(r)
	})
}

func (c *counter) count(path string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.byPath[path]
}

func (c *counter) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.byPath = nil
}

// fakeMember serves h as a bad member would, counting its requests.
func fakeMember(t *testing.T, h http.HandlerFunc) (url string, requests *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		h(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, &n
}

// refusedURL is an http URL on 127.0.0.1 where nothing listens.
func refusedURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return "http://" + addr
}

func answer(status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}
}

// TestGatewayErrors checks how the answers of etcd's gateway (and of
// things that are not the gateway) become errors: their code and message,
// whether a retry may help, and whether a lease is gone.
func TestGatewayErrors(t *testing.T) {
	c := etcdtest.StartT(t, 1) // its own member: the test compacts its history
	s := openGW(t, Config{Endpoints: c.Endpoints()}, nil)
	ctx := gwCtx(t)
	key := s.p + "k"
	put, err := s.cli.txn(ctx, nil, []requestOp{opPut(key, "v")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	notGateway, _ := fakeMember(t, answer(http.StatusNotFound, "404 page not found\n"))
	badGateway, _ := fakeMember(t, answer(http.StatusBadGateway, "<html>bad gateway</html>"))
	garbage, _ := fakeMember(t, answer(http.StatusOK, "<html>welcome</html>"))
	short, _ := fakeMember(t, answer(http.StatusOK, `{"succeeded":true,"responses":[]}`))
	tests := []struct {
		name      string
		endpoint  string // "" for the member
		call      func(cli *client) error
		code      int    // 0: not an etcd answer
		message   string // etcd's message starts with it
		transient bool
		leaseGone bool
	}{
		{name: "put on a missing lease", call: func(cli *client) error {
			_, err := cli.txn(ctx, nil, []requestOp{opPut(key, "v", withLease(0x7ffffff))}, nil)
			return err
		}, code: codeNotFound, message: msgLeaseNotFound, leaseGone: true},
		{name: "revoke a missing lease", call: func(cli *client) error { return cli.revoke(ctx, 0x7ffffff) },
			code: codeNotFound, message: msgLeaseNotFound, leaseGone: true},
		{name: "too many operations", call: func(cli *client) error {
			ops := make([]requestOp, 200)
			for i := range ops {
				ops[i] = opPut(key+strconv.Itoa(i), "")
			}
			_, err := cli.txn(ctx, nil, ops, nil)
			return err
		}, code: codeInvalidArgument, message: "etcdserver: too many operations in txn request"},
		{name: "a key twice in a transaction", call: func(cli *client) error {
			_, err := cli.txn(ctx, nil, []requestOp{opPut(key, "a"), opPut(key, "b")}, nil)
			return err
		}, code: codeInvalidArgument, message: "etcdserver: duplicate key given in txn request"},
		{name: "a request over gRPC's size limit", call: func(cli *client) error {
			_, err := cli.txn(ctx, nil, []requestOp{opPut(key, strings.Repeat("x", 3<<20))}, nil)
			return err
		}, code: codeResourceExhausted, message: "grpc: received message larger than max"},
		{name: "a future revision", call: func(cli *client) error {
			_, err := cli.rangeKeys(ctx, key, withRev(put.Header.Revision+1<<30))
			return err
		}, code: codeOutOfRange, message: "etcdserver: mvcc: required revision is a future revision"},
		{name: "a compacted revision", call: func(cli *client) error {
			var out struct{}
			if err := cli.call(ctx, "/v3/kv/compaction", map[string]string{"revision": strconv.FormatInt(put.Header.Revision, 10)}, &out); err != nil {
				return fmt.Errorf("compact: %w", err)
			}
			_, err := cli.rangeKeys(ctx, key, withRev(put.Header.Revision-1))
			return err
		}, code: codeOutOfRange, message: "etcdserver: mvcc: required revision has been compacted"},
		{name: "an API the gateway does not have", call: func(cli *client) error {
			return cli.call(ctx, "/v3/kv/nothing", struct{}{}, &struct{}{})
		}, code: codeNotFound, message: "Not Found"},
		{name: "not a gateway", endpoint: notGateway, call: func(cli *client) error {
			_, err := cli.rangeKeys(ctx, key)
			return err
		}, code: codeUnimplemented, message: msgNoGateway + " (HTTP 404: 404 page not found)"},
		{name: "a proxy without a member behind", endpoint: badGateway, call: func(cli *client) error {
			_, err := cli.rangeKeys(ctx, key)
			return err
		}, code: codeUnavailable, message: "HTTP 502: <html>bad gateway</html>", transient: true},
		{name: "an answer that is not JSON", endpoint: garbage, call: func(cli *client) error {
			_, err := cli.rangeKeys(ctx, key)
			return err
		}, transient: true},
		{name: "an answer without the responses asked for", endpoint: short, call: func(cli *client) error {
			_, err := cli.txn(ctx, nil, []requestOp{opGet(key)}, nil)
			if !errors.Is(err, errBadAnswer) {
				return fmt.Errorf("got %v, want errBadAnswer", err)
			}
			return err
		}, transient: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cli := s.cli
			if tt.endpoint != "" {
				var err error
				if cli, err = newClient(Config{Endpoints: []string{tt.endpoint}, DialTimeout: time.Second}, nil); err != nil {
					t.Fatal(err)
				}
				defer cli.close()
			}
			err := tt.call(cli)
			if err == nil {
				t.Fatal("got no error")
			}
			var ae *apiError
			switch {
			case tt.code == 0 && errors.As(err, &ae):
				t.Errorf("got etcd error %d %q, want another kind (%v)", ae.Code, ae.Message, err)
			case tt.code != 0 && !errors.As(err, &ae):
				t.Errorf("got %v, want etcd error %d %q", err, tt.code, tt.message)
			case tt.code != 0 && (ae.Code != tt.code || !strings.HasPrefix(ae.Message, tt.message)):
				t.Errorf("got etcd error %d %q, want %d %q", ae.Code, ae.Message, tt.code, tt.message)
			}
			if got := transient(err); got != tt.transient {
				t.Errorf("transient(%v): got %t, want %t", err, got, tt.transient)
			}
			if got := leaseGone(err); got != tt.leaseGone {
				t.Errorf("leaseGone(%v): got %t, want %t", err, got, tt.leaseGone)
			}
		})
	}
}

// TestOpenFailsFast checks that Open gives up at once, with the reason,
// when retrying cannot help, and says the cluster is unreachable when no
// member answers.
func TestOpenFailsFast(t *testing.T) {
	notGateway, _ := fakeMember(t, answer(http.StatusNotFound, "404 page not found\n"))
	tests := []struct {
		name        string
		endpoints   []string
		want        string
		unreachable bool
	}{
		{"not a gateway", []string{notGateway}, msgNoGateway, false},
		{"a malformed endpoint", []string{"unix:///run/etcd.sock"}, "want http://HOST:PORT", false},
		{"every member refuses", []string{refusedURL(t), refusedURL(t)}, "connection refused", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := open(gwCtx(t), Config{Endpoints: tt.endpoints, Prefix: gwPrefix(), DialTimeout: time.Second}, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Open: got %v, want an error containing %q", err, tt.want)
			}
			if got := errors.Is(err, ErrUnreachable); got != tt.unreachable {
				t.Errorf("Open: got %v; ErrUnreachable %t, want %t", err, got, tt.unreachable)
			}
		})
	}
}

// TestEndpointFailover lists a bad endpoint first: the store must move to
// the next member, once, and stay there.
func TestEndpointFailover(t *testing.T) {
	members := shared(t).Endpoints()
	tests := []struct {
		name     string
		bad      func(t *testing.T) (string, *atomic.Int32)
		requests int32 // the bad endpoint's
	}{
		{"nothing listens", func(t *testing.T) (string, *atomic.Int32) { return refusedURL(t), &atomic.Int32{} }, 0},
		{"no leader", func(t *testing.T) (string, *atomic.Int32) {
			return fakeMember(t, answer(http.StatusServiceUnavailable, `{"code":14,"message":"etcdserver: no leader"}`))
		}, 1},
		{"the member is stopping", func(t *testing.T) (string, *atomic.Int32) {
			return fakeMember(t, answer(http.StatusServiceUnavailable, `{"code":14,"message":"etcdserver: server stopped"}`))
		}, 1},
		{"no answer", func(t *testing.T) (string, *atomic.Int32) {
			release := make(chan struct{})
			url, n := fakeMember(t, func(_ http.ResponseWriter, r *http.Request) {
				select {
				case <-r.Context().Done():
				case <-release:
				}
			})
			t.Cleanup(func() { close(release) }) // before the server closes
			return url, n
		}, 1},
		{"the connection drops", func(t *testing.T) (string, *atomic.Int32) {
			return fakeMember(t, func(w http.ResponseWriter, _ *http.Request) {
				conn, _, err := http.NewResponseController(w).Hijack()
				if err == nil {
					_ = conn.Close()
				}
			})
		}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bad, requests := tt.bad(t)
			s := openGW(t, Config{Endpoints: append([]string{bad}, members...), RequestTimeout: 500 * time.Millisecond}, nil)
			ctx := gwCtx(t)
			d, err := s.Create(ctx, drafts.NewDraft{Team: "T1", Channel: "C", Author: "U1", Prefix: "AM"})
			if err != nil {
				t.Fatalf("Create: %v", err)
			}
			if _, changed, err := s.Approve(ctx, "T1", d.ID, "U2", 1); err != nil || !changed {
				t.Fatalf("Approve: changed %t, %v; want a change", changed, err)
			}
			if got := requests.Load(); got != tt.requests {
				t.Errorf("requests to the bad endpoint: got %d, want %d", got, tt.requests)
			}
			if cur := s.cli.eps[s.cli.cur.Load()%uint32(len(s.cli.eps))]; cur == bad {
				t.Errorf("member in use: got the bad endpoint %s, want another", cur)
			}
			if _, err := s.Check(ctx); err != nil {
				t.Errorf("Check: %v", err)
			}
		})
	}
}

// authCluster starts a 1-member cluster with auth on (JWT tokens or
// simple ones): user "jobdesc" (password "s3cret") may read and write
// under /auth/, and root (password "rootpw") may do anything.
func authCluster(t *testing.T, jwt bool) *etcdtest.Cluster {
	t.Helper()
	c := etcdtest.StartWithT(t, 1, etcdtest.Options{JWT: jwt})
	root := openGW(t, Config{Endpoints: c.Endpoints()}, nil)
	ctx := gwCtx(t)
	steps := []struct {
		path string
		body any
	}{
		{"/v3/auth/user/add", map[string]string{"name": "root", "password": "rootpw"}},
		{"/v3/auth/user/grant", map[string]string{"user": "root", "role": "root"}},
		{"/v3/auth/user/add", map[string]string{"name": "jobdesc", "password": "s3cret"}},
		{"/v3/auth/role/add", map[string]string{"name": "jobdesc"}},
		{"/v3/auth/role/grant", map[string]any{"name": "jobdesc", "perm": map[string]any{
			"permType": "READWRITE", "key": []byte("/auth/"), "range_end": []byte(prefixEnd("/auth/"))}}},
		{"/v3/auth/user/grant", map[string]string{"user": "jobdesc", "role": "jobdesc"}},
		{"/v3/auth/enable", struct{}{}},
	}
	for _, st := range steps {
		if err := root.cli.call(ctx, st.path, st.body, &struct{}{}); err != nil {
			t.Fatalf("set up auth: %s: %v", st.path, err)
		}
	}
	return c
}

// TestAuth checks logging in: the token goes with every request, bad
// credentials fail Open at once without showing the password, and a user
// is held to its permissions.
func TestAuth(t *testing.T) {
	c := authCluster(t, false)
	tests := []struct {
		name, user, password, prefix string
		want                         string // "" for success
	}{
		{"the right password", "jobdesc", "s3cret", "/auth/a/", ""},
		{"a wrong password", "jobdesc", "hunter2", "/auth/b/", "authentication failed"},
		{"no user", "", "", "/auth/c/", msgUserEmpty},
		{"outside the user's keys", "jobdesc", "s3cret", "/elsewhere/", "permission denied"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := Config{Endpoints: c.Endpoints(), Prefix: tt.prefix, Username: tt.user, Password: tt.password, DialTimeout: 2 * time.Second}
			s, err := open(gwCtx(t), cfg, nil)
			if tt.want == "" {
				mustWork(t, s, err)
				return
			}
			if err == nil {
				_ = s.Close()
				t.Fatalf("Open: got no error, want %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) || errors.Is(err, ErrUnreachable) {
				t.Errorf("Open: got %v, want an error containing %q, not ErrUnreachable", err, tt.want)
			}
			if tt.password != "" && strings.Contains(err.Error(), tt.password) {
				t.Errorf("Open: the error %q shows the password", err)
			}
		})
	}
}

// TestAuthTokenRefresh checks that a token etcd no longer takes is
// replaced, once, and the request it failed is applied once.
func TestAuthTokenRefresh(t *testing.T) {
	clusters := map[bool]*etcdtest.Cluster{false: authCluster(t, false), true: authCluster(t, true)}
	var users atomic.Int32
	madeUp := func(t *testing.T, _ *etcdtest.Cluster, s *Store) {
		s.cli.tokenMu.Lock()
		s.cli.token = "made-up.token"
		s.cli.tokenMu.Unlock()
	}
	tests := []struct {
		name  string
		jwt   bool // JWT tokens, or simple ones
		spoil func(t *testing.T, c *etcdtest.Cluster, s *Store)
		calls int // concurrent Approves after spoiling
	}{
		{"a token etcd never issued", false, madeUp, 1},
		{"many requests refused at once", false, madeUp, 8},
		{"the member restarted and forgot its tokens", false, func(t *testing.T, c *etcdtest.Cluster, _ *Store) {
			c.Stop(0)
			if err := c.Restart(0); err != nil {
				t.Fatalf("restart: %v", err)
			}
		}, 1},
		{"a JWT token from before a change of the auth store", true, func(t *testing.T, c *etcdtest.Cluster, _ *Store) {
			root := openGW(t, Config{Endpoints: c.Endpoints(), Prefix: "/auth/root/", Username: "root", Password: "rootpw"}, nil)
			body := map[string]string{"name": fmt.Sprintf("other-%d", users.Add(1)), "password": "x"}
			if err := root.cli.call(gwCtx(t), "/v3/auth/user/add", body, &struct{}{}); err != nil {
				t.Fatalf("add a user: %v", err)
			}
		}, 1},
		{"a JWT token etcd never issued", true, madeUp, 1},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := clusters[tt.jwt]
			var n counter
			prefix := fmt.Sprintf("/auth/refresh-%d/", i)
			s := openGW(t, Config{Endpoints: c.Endpoints(), Prefix: prefix, Username: "jobdesc", Password: "s3cret"}, n.wrap)
			ctx := gwCtx(t)
			d, err := s.Create(ctx, drafts.NewDraft{Team: "T1", Channel: "C", Author: "U1", Prefix: "AM"})
			if err != nil {
				t.Fatalf("Create: %v", err)
			}
			tt.spoil(t, c, s)
			n.reset()
			var wg sync.WaitGroup
			errs := make([]error, tt.calls)
			for j := range tt.calls {
				wg.Go(func() {
					_, _, errs[j] = s.Approve(ctx, "T1", d.ID, fmt.Sprintf("U-%d", j), 100)
				})
			}
			wg.Wait()
			if err := errors.Join(errs...); err != nil {
				t.Fatalf("Approve with a spoilt token: %v", err)
			}
			if got := n.count("/v3/auth/authenticate"); got != 1 {
				t.Errorf("authentications: got %d, want 1", got)
			}
			got, err := s.Get(ctx, "T1", d.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Approvals) != tt.calls || len(got.Events) != 1+tt.calls {
				t.Errorf("after the refresh: %d approvals, %d events; want %d, %d", len(got.Approvals), len(got.Events), tt.calls, 1+tt.calls)
			}
			if _, err := s.Check(ctx); err != nil {
				t.Errorf("Check: %v", err)
			}
		})
	}
}

// TestTLS checks https endpoints, the CA and the client certificate of
// LoadTLS against a member that requires client certificates.
func TestTLS(t *testing.T) {
	certs, err := etcdtest.WriteCerts(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	c := etcdtest.StartWithT(t, 1, etcdtest.Options{TLS: certs, ClientCertAuth: true})
	ep := c.Endpoints()[0]
	tests := []struct {
		name          string
		endpoint      string
		ca, cert, key string
		want          string // "" for success
		// mayTimeOut: with TLS 1.3 the member refuses a missing client
		// certificate after the handshake, so the refusal may reach the
		// client as a dropped connection; Open then retries until it
		// reports ErrUnreachable.
		mayTimeOut bool
	}{
		{"the CA and a client certificate", ep, certs.CA, certs.ClientCert, certs.ClientKey, "", false},
		{"a bare host:port gets https", strings.TrimPrefix(ep, "https://"), certs.CA, certs.ClientCert, certs.ClientKey, "", false},
		{"without the CA", ep, "", certs.ClientCert, certs.ClientKey, "certificate signed by unknown authority", false},
		{"without a client certificate", ep, certs.CA, "", "", "certificate required", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := LoadTLS(tt.ca, tt.cert, tt.key)
			if err != nil {
				t.Fatalf("LoadTLS: %v", err)
			}
			s, err := open(gwCtx(t), Config{Endpoints: []string{tt.endpoint}, Prefix: gwPrefix(), TLS: cfg, DialTimeout: 2 * time.Second}, nil)
			if tt.want == "" {
				mustWork(t, s, err)
				return
			}
			if err == nil {
				_ = s.Close()
				t.Fatalf("Open: got no error, want one containing %q", tt.want)
			}
			if tt.mayTimeOut && errors.Is(err, ErrUnreachable) {
				return
			}
			if !strings.Contains(err.Error(), tt.want) || errors.Is(err, ErrUnreachable) {
				t.Errorf("Open: got %v, want an error containing %q, not ErrUnreachable", err, tt.want)
			}
		})
	}
}

func TestBaseURL(t *testing.T) {
	tests := []struct {
		in   string
		tls  bool
		want string // "" for an error
	}{
		{"http://127.0.0.1:2379", false, "http://127.0.0.1:2379"},
		{"https://etcd-0:2379/", true, "https://etcd-0:2379"},
		{"etcd-0:2379", false, "http://etcd-0:2379"},
		{"etcd-0:2379", true, "https://etcd-0:2379"},
		{"unix:///run/etcd.sock", false, ""},
		{"http://etcd-0:2379/v3", false, ""},
		{"http://user:pw@etcd-0:2379", false, ""},
		{"http://user:pw%zz@etcd-0:2379", false, ""},
		{"http://", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := baseURL(tt.in, tt.tls)
			if tt.want == "" {
				if !errors.Is(err, drafts.ErrInvalid) {
					t.Errorf("got %q, %v; want ErrInvalid", got, err)
				}
				if err != nil && strings.Contains(err.Error(), "pw") {
					t.Errorf("the error %q shows the password", err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestPrefixEnd(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/jobdesc/", "/jobdesc0"},
		{"a", "b"},
		{"a\xff", "b"},
		{"\xff\xff", "\x00"},
	}
	for _, tt := range tests {
		if got := prefixEnd(tt.in); got != tt.want {
			t.Errorf("prefixEnd(%q): got %q, want %q", tt.in, got, tt.want)
		}
	}
}

// mustWork checks that an Open that should have succeeded did, and that
// the store it opened takes a write; the store is closed when the test
// ends.
func mustWork(t *testing.T, s *Store, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Create(gwCtx(t), drafts.NewDraft{Team: "T1", Channel: "C", Author: "U1", Prefix: "AM"}); err != nil {
		t.Errorf("Create: %v", err)
	}
}
