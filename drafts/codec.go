package drafts

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Schema 2 record encoding.
//
// Every value starts with a one-byte record version (recV2). Integers are
// unsigned varints, times are signed varints of Unix nanoseconds (0 = the
// zero time), strings are a varint length followed by the bytes, and maps
// are a count followed by key/value strings in key order (so one state always
// encodes to the same bytes). Decoding never trusts a length or count: a
// record that is short, long or otherwise malformed is reported as corrupt.

const recV2 = 2

// status codes in a draft record (byte 1, so CountByStatus reads only that).
var statusCodes = []Status{0: "", 1: StatusDraft, 2: StatusInReview, 3: StatusChangesRequested, 4: StatusApproved}

func statusCode(s Status) byte {
	for i, v := range statusCodes {
		if i > 0 && v == s {
			return byte(i)
		}
	}
	return 0
}

// record is a draft as stored: the Draft without history, plus bookkeeping.
type record struct {
	Draft
	seq     uint64    // per-team sequence number (orders the indexes)
	queued  time.Time // when it entered the outbox (zero unless PostPending)
	nEvents int       // number of events written (next event's number)
}

var (
	errShort    = errors.New("truncated")
	errTrailing = errors.New("trailing bytes")
)

func appendStr(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendTime(b []byte, t time.Time) []byte {
	if t.IsZero() {
		return binary.AppendVarint(b, 0)
	}
	return binary.AppendVarint(b, t.UnixNano())
}

func appendMap(b []byte, m map[string]string) []byte {
	b = binary.AppendUvarint(b, uint64(len(m)))
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		b = appendStr(b, k)
		b = appendStr(b, m[k])
	}
	return b
}

func appendReviews(b []byte, rs []Review) []byte {
	b = binary.AppendUvarint(b, uint64(len(rs)))
	for _, r := range rs {
		b = appendStr(b, r.User)
		b = binary.AppendUvarint(b, uint64(r.Revision))
		b = appendTime(b, r.At)
	}
	return b
}

func mapSize(m map[string]string) int {
	n := 2
	for k, v := range m {
		n += len(k) + len(v) + 4
	}
	return n
}

func encodeRecord(r *record) []byte {
	n := 64 + len(r.Channel) + len(r.Author) + len(r.Role) + len(r.Message.Channel) + len(r.Message.TS) +
		mapSize(r.Values) + 24*(len(r.Approvals)+len(r.ChangeRequests))
	b := make([]byte, 0, n)
	b = append(b, recV2, statusCode(r.Status))
	var flags uint64
	if r.PostPending {
		flags |= 1
	}
	if r.RefreshPending {
		flags |= 2
	}
	b = binary.AppendUvarint(b, flags)
	b = binary.AppendUvarint(b, r.seq)
	b = appendStr(b, r.Channel)
	b = appendStr(b, r.Author)
	b = appendStr(b, r.Role)
	b = binary.AppendUvarint(b, uint64(r.Revision))
	b = appendReviews(b, r.Approvals)
	b = appendReviews(b, r.ChangeRequests)
	b = appendStr(b, r.Message.Channel)
	b = appendStr(b, r.Message.TS)
	b = appendTime(b, r.queued)
	b = appendTime(b, r.Created)
	b = appendTime(b, r.Updated)
	b = binary.AppendUvarint(b, uint64(r.nEvents))
	return appendMap(b, r.Values)
}

func encodeRevision(v *Revision) []byte {
	b := make([]byte, 0, 32+len(v.Editor)+mapSize(v.Values)+8*len(v.Changed))
	b = append(b, recV2)
	b = binary.AppendUvarint(b, uint64(v.Number))
	b = appendStr(b, v.Editor)
	b = appendTime(b, v.At)
	b = binary.AppendUvarint(b, uint64(len(v.Changed)))
	for _, c := range v.Changed {
		b = appendStr(b, c)
	}
	return appendMap(b, v.Values)
}

func encodeEvent(e *Event) []byte {
	b := make([]byte, 0, 24+len(e.Kind)+len(e.User)+len(e.Note))
	b = append(b, recV2)
	b = appendStr(b, string(e.Kind))
	b = appendStr(b, e.User)
	b = binary.AppendUvarint(b, uint64(e.Revision))
	b = appendTime(b, e.At)
	return appendStr(b, e.Note)
}

// reader decodes a record; the first error sticks and later reads return zero
// values. Strings are copied out of the buffer, so nothing refers to bbolt's
// memory once decoding is done.
type reader struct {
	b   []byte
	err error
}

func (r *reader) fail(err error) {
	if r.err == nil {
		r.err = err
	}
}

func (r *reader) byte() byte {
	if r.err != nil {
		return 0
	}
	if len(r.b) == 0 {
		r.fail(errShort)
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *reader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail(errShort)
		return 0
	}
	r.b = r.b[n:]
	return v
}

// int reads a non-negative int that must fit in 31 bits.
func (r *reader) int() int {
	v := r.uvarint()
	if v > 1<<31-1 {
		r.fail(fmt.Errorf("number %d out of range", v))
		return 0
	}
	return int(v)
}

// count reads a length or count that cannot exceed the bytes left
// (every item takes at least one byte), so a bad count cannot make us
// allocate a huge slice.
func (r *reader) count() int {
	v := r.uvarint()
	if r.err == nil && v > uint64(len(r.b)) {
		r.fail(errShort)
		return 0
	}
	return int(v)
}

func (r *reader) str() string {
	n := r.count()
	if r.err != nil || n == 0 {
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

func (r *reader) time() time.Time {
	if r.err != nil {
		return time.Time{}
	}
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail(errShort)
		return time.Time{}
	}
	r.b = r.b[n:]
	if v == 0 {
		return time.Time{}
	}
	return time.Unix(0, v).UTC()
}

// strMap reads a map of strings. Its keys and values share one copy of
// the map's bytes: two allocations (that copy and the map) rather than one
// per string.
func (r *reader) strMap() map[string]string {
	n := r.count()
	if r.err != nil {
		return nil
	}
	// First pass: check every length and find where the map ends.
	p := reader{b: r.b}
	for range 2 * n {
		l := p.count()
		if p.err != nil {
			r.fail(p.err)
			return nil
		}
		p.b = p.b[l:]
	}
	raw := r.b[:len(r.b)-len(p.b)]
	all := string(raw)
	m := make(map[string]string, n)
	off := 0
	next := func() string {
		l, w := binary.Uvarint(raw[off:]) // checked by the first pass
		s := all[off+w : off+w+int(l)]
		off += w + int(l)
		return s
	}
	for range n {
		k := next()
		m[k] = next()
	}
	r.b = p.b
	if len(m) != n {
		r.fail(errors.New("duplicate map key"))
		return nil
	}
	return m
}

func (r *reader) reviews() []Review {
	n := r.count()
	if r.err != nil || n == 0 {
		return nil
	}
	rs := make([]Review, 0, n)
	for range n {
		rs = append(rs, Review{User: r.str(), Revision: r.int(), At: r.time()})
	}
	return rs
}

func (r *reader) version() {
	if v := r.byte(); r.err == nil && v != recV2 {
		r.fail(fmt.Errorf("record version %d, want %d", v, recV2))
	}
}

func (r *reader) done() error {
	if r.err == nil && len(r.b) != 0 {
		r.err = errTrailing
	}
	return r.err
}

func decodeRecord(b []byte, r *record) error {
	rd := reader{b: b}
	rd.version()
	code := rd.byte()
	if rd.err == nil && (int(code) >= len(statusCodes) || code == 0) {
		rd.fail(fmt.Errorf("unknown status code %d", code))
	}
	r.Status = statusCodes[min(int(code), len(statusCodes)-1)]
	flags := rd.uvarint()
	r.PostPending = flags&1 != 0
	r.RefreshPending = flags&2 != 0
	r.seq = rd.uvarint()
	r.Channel = rd.str()
	r.Author = rd.str()
	r.Role = rd.str()
	r.Revision = rd.int()
	r.Approvals = rd.reviews()
	r.ChangeRequests = rd.reviews()
	r.Message.Channel = rd.str()
	r.Message.TS = rd.str()
	r.queued = rd.time()
	r.Created = rd.time()
	r.Updated = rd.time()
	r.nEvents = rd.int()
	r.Values = rd.strMap()
	return rd.done()
}

// recordStatus reads only the status of an encoded draft record.
func recordStatus(b []byte) (Status, error) {
	if len(b) < 2 || b[0] != recV2 || b[1] == 0 || int(b[1]) >= len(statusCodes) {
		return "", errors.New("bad header")
	}
	return statusCodes[b[1]], nil
}

// recordPostPending reads only whether an encoded draft record is in the
// outbox (PostPending).
func recordPostPending(b []byte) (bool, error) {
	if _, err := recordStatus(b); err != nil {
		return false, err
	}
	flags, n := binary.Uvarint(b[2:])
	if n <= 0 {
		return false, errors.New("bad flags")
	}
	return flags&1 != 0, nil
}

func decodeRevision(b []byte, v *Revision) error {
	rd := reader{b: b}
	rd.version()
	v.Number = rd.int()
	v.Editor = rd.str()
	v.At = rd.time()
	if n := rd.count(); n > 0 {
		v.Changed = make([]string, 0, n)
		for range n {
			v.Changed = append(v.Changed, rd.str())
		}
	}
	v.Values = rd.strMap()
	return rd.done()
}

func decodeEvent(b []byte, e *Event) error {
	rd := reader{b: b}
	rd.version()
	e.Kind = EventKind(rd.str())
	e.User = rd.str()
	e.Revision = rd.int()
	e.At = rd.time()
	e.Note = rd.str()
	return rd.done()
}
