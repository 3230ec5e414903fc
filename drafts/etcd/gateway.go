package etcd

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jobdesc/jobdesc/drafts"
)

// The client of etcd's gRPC gateway (see the package doc): requests and
// answers are etcdserverpb messages in JSON (kv.go); errors are the
// gateway's {"code", "message"}, a gRPC status code and etcd's message.

// gRPC status codes (those the store tells apart), as the gateway reports
// them in an error's "code".
const (
	codeCanceled           = 1
	codeUnknown            = 2
	codeInvalidArgument    = 3
	codeNotFound           = 5
	codeAlreadyExists      = 6
	codePermissionDenied   = 7
	codeResourceExhausted  = 8
	codeFailedPrecondition = 9
	codeOutOfRange         = 11
	codeUnimplemented      = 12
	codeUnavailable        = 14
	codeUnauthenticated    = 16
)

// Messages of the etcd errors the store acts on, as
// go.etcd.io/etcd/api/v3/v3rpc/rpctypes spells them.
const (
	msgLeaseNotFound    = "etcdserver: requested lease not found"     // NotFound
	msgInvalidAuthToken = "etcdserver: invalid auth token"            // Unauthenticated
	msgAuthOldRevision  = "etcdserver: revision of auth store is old" // InvalidArgument
	msgUserEmpty        = "etcdserver: user name is empty"            // InvalidArgument
	msgAuthNotEnabled   = "etcdserver: authentication is not enabled" // FailedPrecondition
	// msgTooLarge is in gRPC's ResourceExhausted error for a request over
	// the member's size limit (etcd's own, "etcdserver: request is too
	// large", is InvalidArgument).
	msgTooLarge = "message larger than max"
	// msgNoGateway explains a 404 that is not etcd's.
	msgNoGateway = "no etcd gRPC gateway answers at this URL (is it etcd v3, with --enable-grpc-gateway?)"
)

const (
	// maxAnswer caps an answer's size, as clientv3's default
	// MaxCallRecvMsgSize does.
	maxAnswer = math.MaxInt32
	// errorExcerpt is how much of a non-etcd error body an error keeps.
	errorExcerpt = 200
)

// errClosed is the error of a call on a closed store.
var errClosed = errors.New("etcd client is closed")

// apiError is an error etcd answered through the gateway: a gRPC status
// code and etcd's message (e.g. "etcdserver: no leader").
type apiError struct {
	Code     int
	Message  string
	HTTP     int    // the HTTP status
	Endpoint string // the member that answered
}

func (e *apiError) Error() string {
	return fmt.Sprintf("etcd %s: %s", e.Endpoint, e.Message)
}

// isAPIError says whether err is etcd's error code with message msg.
func isAPIError(err error, code int, msg string) bool {
	var ae *apiError
	return errors.As(err, &ae) && ae.Code == code && ae.Message == msg
}

// gatewayError decodes a non-200 answer: the gateway's {"code",
// "message"} (older gateways also sent "error"), or, from something that
// is not the gateway (a proxy, a member without it), the HTTP status.
func gatewayError(endpoint string, status int, body []byte) *apiError {
	var e struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
		Error   string `json:"error"`
	}
	if json.Unmarshal(body, &e) == nil && (e.Message != "" || e.Error != "") {
		if e.Message == "" {
			e.Message = e.Error
		}
		return &apiError{Code: e.Code, Message: e.Message, HTTP: status, Endpoint: endpoint}
	}
	msg := strings.TrimSpace(string(body[:min(len(body), errorExcerpt)]))
	if msg == "" {
		msg = http.StatusText(status)
	}
	msg = fmt.Sprintf("HTTP %d: %s", status, msg)
	code := codeUnknown
	switch status {
	case http.StatusBadRequest:
		code = codeInvalidArgument
	case http.StatusUnauthorized:
		code = codeUnauthenticated
	case http.StatusForbidden:
		code = codePermissionDenied
	case http.StatusNotFound, http.StatusMethodNotAllowed:
		code, msg = codeUnimplemented, msgNoGateway+" ("+msg+")"
	case http.StatusNotImplemented:
		code = codeUnimplemented
	case http.StatusRequestTimeout, http.StatusTooManyRequests, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		code = codeUnavailable
	}
	return &apiError{Code: code, Message: msg, HTTP: status, Endpoint: endpoint}
}

// client calls the members' gateways. It uses one member at a time,
// moving to the next when one fails (see call), and keeps the auth token.
type client struct {
	hc        *http.Client
	transport *http.Transport
	eps       []string // base URLs, without a trailing "/"
	cur       atomic.Uint32
	closed    atomic.Bool

	user, password string
	authMu         sync.Mutex // held while authenticating
	tokenMu        sync.Mutex
	token          string
}

// newClient checks the endpoints and builds the HTTP client. wrap (tests)
// wraps its transport.
func newClient(cfg Config, wrap func(http.RoundTripper) http.RoundTripper) (*client, error) {
	eps := make([]string, 0, len(cfg.Endpoints))
	for _, ep := range cfg.Endpoints {
		u, err := baseURL(ep, cfg.TLS != nil)
		if err != nil {
			return nil, err
		}
		eps = append(eps, u)
	}
	t := &http.Transport{
		Proxy:               nil, // as clientv3: members are reached directly
		DialContext:         (&net.Dialer{Timeout: cfg.DialTimeout, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:     cfg.TLS.Clone(),
		ForceAttemptHTTP2:   true,
		MaxIdleConns:        128,
		MaxIdleConnsPerHost: 64,
		IdleConnTimeout:     90 * time.Second,
		TLSHandshakeTimeout: cfg.DialTimeout,
	}
	var rt http.RoundTripper = t
	if wrap != nil {
		rt = wrap(t)
	}
	return &client{
		hc:        &http.Client{Transport: rt},
		transport: t,
		eps:       eps,
		user:      cfg.Username,
		password:  cfg.Password,
	}, nil
}

// baseURL checks an endpoint ("http://host:port", "https://host:port";
// a bare "host:port" gets https when tls is set, http otherwise, as with
// clientv3) and returns it without a trailing "/".
func baseURL(ep string, tls bool) (string, error) {
	if !strings.Contains(ep, "://") {
		if tls {
			ep = "https://" + ep
		} else {
			ep = "http://" + ep
		}
	}
	u, err := url.Parse(ep)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
		u.RawQuery != "" || u.Fragment != "" || strings.Trim(u.Path, "/") != "" {
		return "", fmt.Errorf("etcd endpoint %q: want http://HOST:PORT or https://HOST:PORT: %w", redactURL(ep), drafts.ErrInvalid)
	}
	return u.Scheme + "://" + u.Host, nil
}

// redactURL hides the password of a URL with user info, so it stays out
// of errors.
func redactURL(s string) string {
	u, err := url.Parse(s)
	switch {
	case err == nil && u.User != nil:
		return u.Redacted()
	case err != nil && strings.Contains(s, "@"):
		return "(a URL with user info that does not parse)"
	}
	return s
}

// close makes later calls fail and closes idle connections.
func (c *client) close() {
	c.closed.Store(true)
	c.transport.CloseIdleConnections()
}

// call posts in to path on a member, with the auth token, and decodes
// the answer into out. It starts with the member in use and moves on at
// once when one cannot be connected to (the request never left); after
// any other transient failure it moves later calls to the next member and
// returns the error, for the caller's retrier. An answer that the token is
// invalid or old (a member restarted, the auth store changed) gets a new
// token and one more try.
func (c *client) call(ctx context.Context, path string, in, out any) error {
	return c.do(ctx, path, in, out, true)
}

func (c *client) do(ctx context.Context, path string, in, out any, auth bool) error {
	if c.closed.Load() {
		return errClosed
	}
	body, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("encode etcd request %s: %w", path, err)
	}
	reauthed := !auth
	for tries := 1; ; tries++ {
		cur := c.cur.Load()
		ep := c.eps[cur%uint32(len(c.eps))]
		tok := ""
		if auth {
			tok = c.currentToken()
		}
		err := c.post(ctx, ep, path, body, tok, out)
		switch {
		case err == nil:
			return nil
		case ctx.Err() == nil && notSent(err) && tries < len(c.eps):
			c.next(cur)
			continue
		case ctx.Err() == nil && !reauthed && c.tokenRefused(err):
			reauthed = true
			if aerr := c.reauthenticate(ctx, tok); aerr != nil {
				return aerr
			}
			continue
		}
		if transient(err) { // the attempt's timeout included: the member does not answer
			c.next(cur)
		}
		return err
	}
}

// next moves to the member after the one cur names, unless another call
// did already.
func (c *client) next(cur uint32) {
	c.cur.CompareAndSwap(cur, cur+1)
}

// post sends one request to one member.
func (c *client) post(ctx context.Context, ep, path string, body []byte, tok string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ep+path, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("etcd request %s%s: %w", ep, path, err)
	}
	req.Header.Set("Content-Type", "application/json")
	if tok != "" {
		req.Header.Set("Authorization", tok)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // its text repeats the method and URL
		}
		return fmt.Errorf("etcd %s%s: %w", ep, path, err)
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return fmt.Errorf("etcd %s%s: read the answer: %w", ep, path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return gatewayError(ep, resp.StatusCode, answer)
	}
	if err := json.Unmarshal(answer, out); err != nil {
		return fmt.Errorf("etcd %s%s: undecodable answer: %w", ep, path, err)
	}
	return nil
}

// notSent says whether a request failed before it reached the member
// (the connection could not be made), so another member may take it
// at once.
func notSent(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// tokenRefused says whether etcd refused the token a request carried
// (or its absence, when auth was enabled later), so a new one may help.
func (c *client) tokenRefused(err error) bool {
	return c.user != "" && (isAPIError(err, codeUnauthenticated, msgInvalidAuthToken) ||
		isAPIError(err, codeInvalidArgument, msgAuthOldRevision) ||
		isAPIError(err, codeInvalidArgument, msgUserEmpty))
}

func (c *client) currentToken() string {
	c.tokenMu.Lock()
	defer c.tokenMu.Unlock()
	return c.token
}

// authenticate gets a token for the user (none when the cluster's auth
// is off, as clientv3 does).
func (c *client) authenticate(ctx context.Context) error {
	if c.user == "" {
		return nil
	}
	var resp authenticateResponse
	err := c.do(ctx, "/v3/auth/authenticate", authenticateRequest{Name: c.user, Password: c.password}, &resp, false)
	switch {
	case isAPIError(err, codeFailedPrecondition, msgAuthNotEnabled):
		resp.Token = ""
	case err != nil:
		return fmt.Errorf("authenticate as %s: %w", c.user, err)
	}
	c.tokenMu.Lock()
	c.token = resp.Token
	c.tokenMu.Unlock()
	return nil
}

// reauthenticate replaces the token used, unless another call did since.
func (c *client) reauthenticate(ctx context.Context, used string) error {
	c.authMu.Lock()
	defer c.authMu.Unlock()
	if c.currentToken() != used {
		return nil
	}
	return c.authenticate(ctx)
}

// rangeKeys reads keys (one request, no retry).
func (c *client) rangeKeys(ctx context.Context, key string, opts ...opOption) (*rangeResponse, error) {
	var resp rangeResponse
	if err := c.call(ctx, "/v3/kv/range", rangeOf(key, opts...), &resp); err != nil {
		return nil, err
	}
	if err := resp.check(); err != nil {
		return nil, fmt.Errorf("etcd answer to a read: %w", err)
	}
	return &resp, nil
}

// txn runs a transaction (one request, no retry). The answer has one
// response per operation of the branch that ran.
func (c *client) txn(ctx context.Context, cmps []compare, then, els []requestOp) (*txnResponse, error) {
	req := txnRequest{Compare: cmps, Success: then, Failure: els}
	var resp txnResponse
	if err := c.call(ctx, "/v3/kv/txn", req, &resp); err != nil {
		return nil, err
	}
	if err := resp.check(req); err != nil {
		return nil, fmt.Errorf("etcd answer to a transaction: %w", err)
	}
	return &resp, nil
}

// grant creates a lease of ttl seconds and returns its id.
func (c *client) grant(ctx context.Context, ttl int64) (int64, error) {
	var resp leaseGrantResponse
	if err := c.call(ctx, "/v3/lease/grant", leaseGrantRequest{TTL: ttl}, &resp); err != nil {
		return 0, err
	}
	if resp.Error != "" {
		return 0, fmt.Errorf("grant lease: %s", resp.Error)
	}
	return resp.ID, nil
}

// revoke deletes a lease and its keys.
func (c *client) revoke(ctx context.Context, id int64) error {
	var resp struct{}
	return c.call(ctx, "/v3/lease/revoke", leaseRevokeRequest{ID: id}, &resp)
}

// certificateProblem says whether err is a TLS failure that retrying will
// not fix: a certificate that does not verify (a wrong CA or name), a
// member that refused ours (an alert: none sent, or not trusted), or a
// member that does not speak TLS.
func certificateProblem(err error) bool {
	var ve *tls.CertificateVerificationError
	var rh tls.RecordHeaderError
	var op *net.OpError
	return errors.As(err, &ve) || errors.As(err, &rh) || (errors.As(err, &op) && op.Op == "remote error")
}
