package etcd

import (
	"errors"
	"fmt"
)

// The messages of etcd's KV and lease services as the gRPC gateway takes
// and gives them (etcdserverpb in JSON: proto field names, keys and values
// base64, 64-bit integers as strings, zero fields left out), and builders
// for the operations and compares the store uses.

// keyValue is a key as etcd returns it (mvccpb.KeyValue).
type keyValue struct {
	Key            []byte `json:"key"`
	CreateRevision int64  `json:"create_revision,string"`
	ModRevision    int64  `json:"mod_revision,string"`
	Version        int64  `json:"version,string"`
	Value          []byte `json:"value"`
	Lease          int64  `json:"lease,string"`
}

// responseHeader is the part of etcd's response header the store reads.
type responseHeader struct {
	Revision int64 `json:"revision,string"`
}

// rangeRequest reads a key or a range of keys (etcdserverpb.RangeRequest).
type rangeRequest struct {
	Key        []byte `json:"key"`
	RangeEnd   []byte `json:"range_end,omitempty"`
	Limit      int64  `json:"limit,omitempty,string"`
	Revision   int64  `json:"revision,omitempty,string"`
	SortOrder  string `json:"sort_order,omitempty"`  // "ASCEND", "DESCEND"
	SortTarget string `json:"sort_target,omitempty"` // "KEY", ...
	KeysOnly   bool   `json:"keys_only,omitempty"`
	CountOnly  bool   `json:"count_only,omitempty"`
}

// rangeResponse is the answer to a rangeRequest.
type rangeResponse struct {
	Header responseHeader `json:"header"`
	Kvs    []*keyValue    `json:"kvs"`
	More   bool           `json:"more"`
	Count  int64          `json:"count,string"`
}

// errBadAnswer is an answer that does not match its request.
var errBadAnswer = errors.New("answer does not match the request")

// check rejects an answer with holes (a "null" key).
func (r *rangeResponse) check() error {
	for _, kv := range r.Kvs {
		if kv == nil {
			return fmt.Errorf("a null key: %w", errBadAnswer)
		}
	}
	return nil
}

type putRequest struct {
	Key   []byte `json:"key"`
	Value []byte `json:"value"`
	Lease int64  `json:"lease,omitempty,string"`
}

type deleteRangeRequest struct {
	Key      []byte `json:"key"`
	RangeEnd []byte `json:"range_end,omitempty"`
}

// requestOp is one operation of a transaction; exactly one field is set.
type requestOp struct {
	Range  *rangeRequest       `json:"request_range,omitempty"`
	Put    *putRequest         `json:"request_put,omitempty"`
	Delete *deleteRangeRequest `json:"request_delete_range,omitempty"`
	Txn    *txnRequest         `json:"request_txn,omitempty"`
}

// responseOp is the answer to one requestOp; the field of its kind is set.
// Only reads' answers are used.
type responseOp struct {
	Range *rangeResponse `json:"response_range"`
	Txn   *txnResponse   `json:"response_txn"`
}

// get is the answer of a read (empty if this was not one).
func (r responseOp) get() *rangeResponse {
	if r.Range == nil {
		return &rangeResponse{}
	}
	return r.Range
}

// compare is a condition of a transaction (etcdserverpb.Compare); the
// revision field of the target is set, even to 0.
type compare struct {
	Result         string `json:"result"` // "EQUAL"
	Target         string `json:"target"` // "MOD", "CREATE"
	Key            []byte `json:"key"`
	ModRevision    *int64 `json:"mod_revision,omitempty,string"`
	CreateRevision *int64 `json:"create_revision,omitempty,string"`
}

type txnRequest struct {
	Compare []compare   `json:"compare,omitempty"`
	Success []requestOp `json:"success,omitempty"`
	Failure []requestOp `json:"failure,omitempty"`
}

type txnResponse struct {
	Header    responseHeader `json:"header"`
	Succeeded bool           `json:"succeeded"`
	Responses []responseOp   `json:"responses"`
}

// check rejects an answer that has not one response per operation of the
// branch that ran, or a read's response where a read was not asked, or
// the other way round (the store indexes the responses by operation).
func (r *txnResponse) check(req txnRequest) error {
	ops := req.Failure
	if r.Succeeded {
		ops = req.Success
	}
	if len(r.Responses) != len(ops) {
		return fmt.Errorf("%d responses to %d operations: %w", len(r.Responses), len(ops), errBadAnswer)
	}
	for i, op := range ops {
		resp := r.Responses[i]
		switch {
		case (op.Range != nil) != (resp.Range != nil):
			return fmt.Errorf("response %d is not the read's: %w", i, errBadAnswer)
		case resp.Range != nil:
			if err := resp.Range.check(); err != nil {
				return err
			}
		case op.Txn != nil && resp.Txn != nil:
			if err := resp.Txn.check(*op.Txn); err != nil {
				return err
			}
		}
	}
	return nil
}

type leaseGrantRequest struct {
	TTL int64 `json:"TTL,string"`
}

type leaseGrantResponse struct {
	ID    int64  `json:"ID,string"`
	TTL   int64  `json:"TTL,string"`
	Error string `json:"error"`
}

type leaseRevokeRequest struct {
	ID int64 `json:"ID,string"`
}

type authenticateRequest struct {
	Name     string `json:"name"`
	Password string `json:"password"`
}

type authenticateResponse struct {
	Token string `json:"token"`
}

// modRevisionIs compares key's mod revision with rev (0: the key is
// absent).
func modRevisionIs(key string, rev int64) compare {
	return compare{Result: "EQUAL", Target: "MOD", Key: []byte(key), ModRevision: &rev}
}

// createRevisionIs compares key's create revision with rev (0: the key is
// absent).
func createRevisionIs(key string, rev int64) compare {
	return compare{Result: "EQUAL", Target: "CREATE", Key: []byte(key), CreateRevision: &rev}
}

// opOption changes an operation: a read's range, revision, order, limit
// and what it returns, or a put's lease.
type opOption func(*opSettings)

type opSettings struct {
	end       string
	prefix    bool
	rev       int64
	limit     int64
	descend   bool
	keysOnly  bool
	countOnly bool
	lease     int64
}

// withPrefix reads every key that starts with the key.
func withPrefix() opOption { return func(o *opSettings) { o.prefix = true } }

// withRange reads the keys from the key up to end (excluded).
func withRange(end string) opOption { return func(o *opSettings) { o.end = end } }

// withRev reads at revision rev.
func withRev(rev int64) opOption { return func(o *opSettings) { o.rev = rev } }

// withLimit returns at most n keys.
func withLimit(n int64) opOption { return func(o *opSettings) { o.limit = n } }

// withDescend returns the keys by key, last first.
func withDescend() opOption { return func(o *opSettings) { o.descend = true } }

// withKeysOnly leaves the values out.
func withKeysOnly() opOption { return func(o *opSettings) { o.keysOnly = true } }

// withCountOnly returns only the number of keys.
func withCountOnly() opOption { return func(o *opSettings) { o.countOnly = true } }

// withLease attaches a put's key to the lease id.
func withLease(id int64) opOption { return func(o *opSettings) { o.lease = id } }

func settings(opts []opOption) opSettings {
	var o opSettings
	for _, f := range opts {
		f(&o)
	}
	return o
}

// rangeOf builds the read of key with opts.
func rangeOf(key string, opts ...opOption) *rangeRequest {
	o := settings(opts)
	r := &rangeRequest{Key: []byte(key), Limit: o.limit, Revision: o.rev, KeysOnly: o.keysOnly, CountOnly: o.countOnly}
	switch {
	case o.prefix:
		r.RangeEnd = []byte(prefixEnd(key))
	case o.end != "":
		r.RangeEnd = []byte(o.end)
	}
	if o.descend {
		r.SortOrder, r.SortTarget = "DESCEND", "KEY"
	}
	return r
}

// opGet reads key (see the options).
func opGet(key string, opts ...opOption) requestOp { return requestOp{Range: rangeOf(key, opts...)} }

// opPut writes key (withLease: on a lease).
func opPut(key, value string, opts ...opOption) requestOp {
	return requestOp{Put: &putRequest{Key: []byte(key), Value: []byte(value), Lease: settings(opts).lease}}
}

// opDelete deletes key.
func opDelete(key string) requestOp { return requestOp{Delete: &deleteRangeRequest{Key: []byte(key)}} }

// opTxn is a transaction inside a transaction.
func opTxn(cmps []compare, then, els []requestOp) requestOp {
	return requestOp{Txn: &txnRequest{Compare: cmps, Success: then, Failure: els}}
}

// prefixEnd is the end of the range of keys that start with prefix (as
// clientv3.GetPrefixRangeEnd): prefix with its last byte below 0xff
// incremented and the rest cut, or "\x00" (every key) if there is none.
func prefixEnd(prefix string) string {
	end := []byte(prefix)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return string(end[:i+1])
		}
	}
	return "\x00"
}
