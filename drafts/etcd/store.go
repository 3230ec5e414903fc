// Package etcd is a drafts store on an etcd cluster, for running several
// jobdesc replicas against one workspace. It keeps the contract of package
// drafts (and passes drafts/storetest) with etcd's own tools:
//
//   - Every write is one etcd transaction (Txn) whose compares are on the
//     mod revisions of the keys it read, so a write based on a stale read
//     fails and is recomputed from a fresh one; the record, its history and
//     every index it touches change together or not at all.
//   - Draft ids come from a per-team sequence key incremented in the
//     creating transaction, so ids are unique across replicas.
//   - Claim is a create-if-absent transaction; seen-records carry a lease of
//     a little over a day, so etcd removes them even if no one sweeps.
//   - ClaimPost puts a key with a lease of the claim's ttl, so the one
//     replica that claimed a draft posts it and a dead replica's claim
//     lapses by the cluster's clock.
//   - Transient failures (a member stopping, a leader election) are
//     retried, on the next member. A retried write that may have landed
//     before its answer was lost is recognised by a random token the write
//     stores, so it is not applied twice.
//
// It talks to the members through etcd's gRPC gateway, the HTTP/JSON API
// every etcd v3 member serves on its client URLs (POST /v3/kv/txn, ...),
// with net/http: etcd's gRPC client would bring gRPC, etcd's API types
// and zap into every jobdesc binary, bbolt replicas included, and their
// memory (issue 8).
// TLS (LoadTLS) and etcd's users (a token from /v3/auth/authenticate,
// renewed when etcd no longer takes it) work as with etcdctl.
//
// Keys live under a prefix (default "/jobdesc/"); one cluster can hold
// several independent stores. The layout (schema 1) is readable with
// etcdctl get --prefix /jobdesc/:
//
//	schema                                  "1"
//	seq/TEAM                                last sequence number
//	d/TEAM/ID                               draft record (JSON, without history)
//	rev/TEAM/ID/NNNNNNNNNN                  revision (JSON)
//	ev/TEAM/ID/NNNNNNNNNN                   event (JSON)
//	msg/TEAM/CHANNEL/TS                     id of the draft posted as that message
//	by-author/TEAM/AUTHOR/SEQ20             id
//	by-channel/TEAM/CHANNEL/SEQ20           id
//	status/STATUS/TEAM/ID                   ""
//	outbox/QUEUED-NS20/TEAM/ID              ""
//	refresh/TEAM/ID                         "" (review message to bring up to date)
//	posting/TEAM/ID                         post claim token (lease: the claim's ttl)
//	seen/KEY                                seen-record (JSON expiry; lease)
//	seen-exp/EXPIRY-NS20/KEY                "" (lease)
//
// Names are path-escaped, so a "/" in a name cannot break a key apart.
package etcd

import (
	"context"
	crand "crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jobdesc/jobdesc/drafts"
)

const (
	// SchemaVersion is the key layout this code writes under the prefix.
	SchemaVersion = 1
	// DefaultPrefix is where the keys live when Config.Prefix is empty.
	DefaultPrefix = "/jobdesc/"
	// maxValues caps a draft's values: a record and a revision each hold
	// them, and etcd's default request limit is 1.5 MiB.
	maxValues = 512 << 10
	// maxTxnOps stays under etcd's default --max-txn-ops (128).
	maxTxnOps = 100
	// contentionRetries bounds the re-reads after a compare failed.
	contentionRetries = 200
)

// Config says how to reach the cluster.
type Config struct {
	// Endpoints are the members' client URLs, e.g. "https://etcd-0:2379".
	Endpoints []string
	// Prefix is where the store's keys live (default "/jobdesc/"); it is
	// made to end with "/".
	Prefix string
	// Username and Password authenticate with etcd's auth (empty: none).
	// The password never appears in errors.
	Username, Password string
	// TLS is used for https:// endpoints (nil: plain connections); see
	// LoadTLS.
	TLS *tls.Config
	// DialTimeout bounds Open: connecting, authenticating and reading the
	// schema (default 5 s).
	DialTimeout time.Duration
	// RequestTimeout bounds one attempt of one request (default 2 s): a
	// request stuck on a member that is going away is retried on another.
	RequestTimeout time.Duration
	// RetryTimeout bounds the retries of one operation through transient
	// failures such as a leader election (default 15 s).
	RetryTimeout time.Duration
}

// Errors of Open.
var (
	// ErrUnreachable: no member answered within the dial timeout.
	ErrUnreachable = errors.New("etcd cluster unreachable")
)

// Store is a drafts store on etcd; make one with Open. It is safe for
// concurrent use, by many goroutines and by many processes (replicas) on
// the same cluster and prefix.
type Store struct {
	// Now returns the current time; tests replace it. Nil means time.Now.
	// It stamps drafts and events and decides seen-record expiry; leases
	// (post claims, seen-record clean-up) follow the cluster's clock.
	Now func() time.Time

	cli       *client
	p         string // prefix, ending in "/"
	endpoints string // for errors
	reqTO     time.Duration
	retryTO   time.Duration

	leaseMu sync.Mutex
	lease   int64 // seen-record lease, shared for an hour
	leaseAt time.Time
}

// Open connects to the cluster and checks the schema under the prefix,
// writing it on first use. It talks to the members' gRPC gateway (the
// HTTP/JSON API every etcd v3 member serves on its client URLs), so
// jobdesc does not link etcd's gRPC client. It fails within DialTimeout
// with an error wrapping ErrUnreachable when no member answers,
// drafts.ErrInvalid for a malformed endpoint, drafts.ErrSchemaTooNew when
// the prefix holds data of a newer jobdesc, drafts.ErrCorrupt when the
// schema key is unreadable, and etcd's error otherwise (e.g. bad
// credentials).
func Open(ctx context.Context, cfg Config) (*Store, error) { return open(ctx, cfg, nil) }

// open is Open with a wrapper of the HTTP transport (tests inject faults
// with it).
func open(ctx context.Context, cfg Config, wrap func(http.RoundTripper) http.RoundTripper) (*Store, error) {
	if len(cfg.Endpoints) == 0 {
		return nil, fmt.Errorf("open etcd store: no endpoints: %w", drafts.ErrInvalid)
	}
	if cfg.Prefix == "" {
		cfg.Prefix = DefaultPrefix
	}
	if !strings.HasSuffix(cfg.Prefix, "/") {
		cfg.Prefix += "/"
	}
	if cfg.DialTimeout <= 0 {
		cfg.DialTimeout = 5 * time.Second
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = 2 * time.Second
	}
	if cfg.RetryTimeout <= 0 {
		cfg.RetryTimeout = 15 * time.Second
	}
	cli, err := newClient(cfg, wrap)
	if err != nil {
		return nil, fmt.Errorf("open etcd store: %w", err)
	}
	eps := strings.Join(cli.eps, ",")
	s := &Store{cli: cli, p: cfg.Prefix, endpoints: eps, reqTO: cfg.RequestTimeout, retryTO: cfg.RetryTimeout}
	ictx, cancel := context.WithTimeout(ctx, cfg.DialTimeout)
	defer cancel()
	if err := s.connect(ictx); err != nil {
		cli.close()
		// The dial timeout ran out: by the clock, not only by ictx, whose
		// timer may not have fired yet when the retries gave up at it.
		deadline, _ := ictx.Deadline()
		if ctx.Err() == nil && (ictx.Err() != nil || transient(err) && !time.Now().Before(deadline)) {
			err = fmt.Errorf("no answer within %s (%v): %w", cfg.DialTimeout, err, ErrUnreachable)
		}
		return nil, fmt.Errorf("open etcd store at %s prefix %s: %w", eps, cfg.Prefix, err)
	}
	return s, nil
}

// connect authenticates and checks the schema, retrying transient
// failures until ctx ends; it returns the last failure then (the last
// that says more than that time ran out).
func (s *Store) connect(ctx context.Context) error {
	r := s.retrier(ctx)
	if d, ok := ctx.Deadline(); ok {
		r.deadline = d
	}
	var last error
	for {
		actx, cancel := r.attempt()
		err := s.cli.authenticate(actx)
		if err == nil {
			err = s.initSchema(actx)
		}
		cancel()
		if err == nil {
			return nil
		}
		if last == nil || !errors.Is(err, context.DeadlineExceeded) {
			last = err
		}
		if ferr := r.failed(err, false); ferr != nil {
			if ctx.Err() != nil {
				return last
			}
			return ferr
		}
	}
}

// LoadTLS builds a TLS configuration from PEM files: caFile (the CA that
// signed the members' certificates; "" means the system's), and certFile
// with keyFile for a client certificate (both or neither). It returns the
// file system's or the parser's error.
func LoadTLS(caFile, certFile, keyFile string) (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("read etcd CA: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("etcd CA %s holds no PEM certificate: %w", caFile, drafts.ErrInvalid)
		}
		cfg.RootCAs = pool
	}
	if (certFile == "") != (keyFile == "") {
		return nil, fmt.Errorf("etcd client certificate and key go together: %w", drafts.ErrInvalid)
	}
	if certFile != "" {
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return nil, fmt.Errorf("load etcd client certificate: %w", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}

func (s *Store) initSchema(ctx context.Context) error {
	k := s.p + "schema"
	for {
		resp, err := s.cli.rangeKeys(ctx, k)
		if err != nil {
			return err
		}
		if len(resp.Kvs) == 1 {
			v, err := strconv.Atoi(string(resp.Kvs[0].Value))
			switch {
			case err != nil || v < 1:
				return fmt.Errorf("schema key %s holds %q: %w", k, resp.Kvs[0].Value, drafts.ErrCorrupt)
			case v > SchemaVersion:
				return fmt.Errorf("prefix %s has schema %d, this jobdesc knows up to %d: %w", s.p, v, SchemaVersion, drafts.ErrSchemaTooNew)
			}
			return nil
		}
		tr, err := s.cli.txn(ctx, []compare{createRevisionIs(k, 0)}, []requestOp{opPut(k, strconv.Itoa(SchemaVersion))}, nil)
		if err != nil {
			return err
		}
		if tr.Succeeded {
			return nil
		}
	}
}

// Close closes the connections to the cluster; later calls fail. It
// returns nil (the error is for io.Closer).
func (s *Store) Close() error {
	s.cli.close()
	return nil
}

// Ping reports whether the cluster answers with a quorum: it reads the
// schema key (a linearizable read). It returns the context's or etcd's
// error, or drafts.ErrCorrupt when the schema key is gone.
func (s *Store) Ping(ctx context.Context) error {
	resp, err := s.get(ctx, s.p+"schema")
	if err != nil {
		return fmt.Errorf("ping etcd store: %w", err)
	}
	if len(resp.Kvs) != 1 {
		return fmt.Errorf("ping etcd store: schema key %sschema is missing: %w", s.p, drafts.ErrCorrupt)
	}
	return nil
}

func (s *Store) now() time.Time {
	if s.Now == nil {
		return time.Now().UTC().Round(0)
	}
	return s.Now().UTC().Round(0)
}

// token is a random id a write stores, so that a retry can tell whether
// the attempt whose answer was lost landed.
func token() string {
	var b [12]byte
	_, _ = crand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// transient says whether err may go away on a retry. Every error is,
// except the caller's cancellation, a closed store, a certificate that
// does not verify, what the store found wrong in the data (package
// drafts' errors), and the answers that will not change (bad request,
// auth, compacted revision, missing lease): members stopping report
// themselves in many ways ("etcdserver: server stopped", "raft: stop", a
// closed connection, no leader, a timed-out proposal), and a retry is
// always safe here (see retrier.ambiguous).
func transient(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, errClosed) || certificateProblem(err) ||
		errors.Is(err, drafts.ErrCorrupt) || errors.Is(err, drafts.ErrSchemaTooNew) || errors.Is(err, drafts.ErrInvalid) {
		return false
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return true // the attempt's timeout; the caller's is checked apart
	}
	var ae *apiError
	if errors.As(err, &ae) {
		switch ae.Code {
		case codeInvalidArgument, codeNotFound, codeAlreadyExists, codePermissionDenied,
			codeUnauthenticated, codeFailedPrecondition, codeOutOfRange, codeUnimplemented, codeCanceled:
			return false
		case codeResourceExhausted: // too many requests: wait; too large: give up
			return !strings.Contains(ae.Message, msgTooLarge)
		}
	}
	return true
}

// retrier runs the attempts of one operation.
type retrier struct {
	s         *Store
	ctx       context.Context
	start     time.Time
	deadline  time.Time
	transient int  // transient failures so far
	ambiguous bool // a write may have landed without its answer
	conflicts int  // failed compares so far
}

func (s *Store) retrier(ctx context.Context) *retrier {
	now := time.Now()
	return &retrier{s: s, ctx: ctx, start: now, deadline: now.Add(s.retryTO)}
}

// attempt returns a context for one attempt.
func (r *retrier) attempt() (context.Context, context.CancelFunc) {
	return context.WithTimeout(r.ctx, r.s.reqTO)
}

// failed decides whether to try again after err: it waits (backing off)
// and returns nil for a transient error within the retry budget, and
// returns the error otherwise. write says whether the failed request
// could have changed something.
func (r *retrier) failed(err error, write bool) error {
	if cerr := r.ctx.Err(); cerr != nil {
		return cerr
	}
	if !transient(err) || time.Now().After(r.deadline) {
		if transient(err) {
			return fmt.Errorf("etcd at %s: still failing after %s: %w", r.s.endpoints, time.Since(r.start).Round(time.Millisecond), err)
		}
		return err
	}
	if write {
		r.ambiguous = true
	}
	r.transient++
	d := min(50*time.Millisecond<<min(r.transient-1, 5), time.Second)
	d = d/2 + rand.N(d/2+1)
	return r.sleep(d)
}

// conflict decides whether to re-read after a failed compare (another
// writer got there first): it returns nil after a short random wait, or
// an error after too many.
func (r *retrier) conflict() error {
	r.conflicts++
	if r.conflicts > contentionRetries {
		return fmt.Errorf("gave up after %d concurrent changes", contentionRetries)
	}
	if r.conflicts < 3 {
		return r.ctx.Err()
	}
	return r.sleep(rand.N(time.Duration(min(r.conflicts, 20)) * time.Millisecond))
}

func (r *retrier) sleep(d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-r.ctx.Done():
		return r.ctx.Err()
	case <-t.C:
		return nil
	}
}

// get reads keys with retries (reads change nothing, so they are always
// safe to retry).
func (s *Store) get(ctx context.Context, key string, opts ...opOption) (*rangeResponse, error) {
	r := s.retrier(ctx)
	for {
		actx, cancel := r.attempt()
		resp, err := s.cli.rangeKeys(actx, key, opts...)
		cancel()
		if err == nil {
			return resp, nil
		}
		if err := r.failed(err, false); err != nil {
			return nil, err
		}
	}
}

// read runs a read-only transaction (its gets see one snapshot), with
// retries.
func (s *Store) read(ctx context.Context, ops ...requestOp) (*txnResponse, error) {
	r := s.retrier(ctx)
	for {
		actx, cancel := r.attempt()
		resp, err := s.cli.txn(actx, nil, ops, nil)
		cancel()
		if err == nil {
			return resp, nil
		}
		if err := r.failed(err, false); err != nil {
			return nil, err
		}
	}
}

// seenLease returns the lease seen-records are written with: granted for
// a day and an hour, shared by the claims of the next hour, so a record
// lives between 24 and 25 hours on the cluster's clock (Sweep removes it
// earlier by its stored expiry).
func (s *Store) seenLease(ctx context.Context) (int64, error) {
	s.leaseMu.Lock()
	defer s.leaseMu.Unlock()
	if s.lease != 0 && time.Since(s.leaseAt) < time.Hour {
		return s.lease, nil
	}
	r := s.retrier(ctx)
	for {
		actx, cancel := r.attempt()
		id, err := s.cli.grant(actx, int64((drafts.SeenTTL+time.Hour)/time.Second))
		cancel()
		if err == nil {
			s.lease, s.leaseAt = id, time.Now()
			return id, nil
		}
		if err := r.failed(err, false); err != nil {
			return 0, fmt.Errorf("grant seen-record lease: %w", err)
		}
	}
}

// dropLease forgets the seen-record lease (it expired or was revoked).
func (s *Store) dropLease() {
	s.leaseMu.Lock()
	defer s.leaseMu.Unlock()
	s.lease = 0
}

// leaseGone says whether a write failed because its lease no longer exists.
func leaseGone(err error) bool {
	return isAPIError(err, codeNotFound, msgLeaseNotFound)
}
