package drafts

import (
	"encoding/binary"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Bucket names (schema 2). Every key except in bucketMeta, bucketOutbox and
// the seen buckets starts with the team id and a NUL byte, so one team's
// range never overlaps another's; names are checked to contain no NUL.
var (
	bucketMeta     = []byte("meta")     // "schema" → uvarint version
	bucketDrafts   = []byte("drafts")   // team\0id → draft record
	bucketRevs     = []byte("revs")     // team\0id\0 BE32(number) → revision record
	bucketEvents   = []byte("events")   // team\0id\0 BE32(n) → event record
	bucketMessages = []byte("messages") // team\0channel\0ts → id
	bucketSeq      = []byte("seq")      // team → BE64 last sequence number
	bucketAuthor   = []byte("byauthor") // team\0author\0 BE64(seq) → id
	bucketChannel  = []byte("bychan")   // team\0channel\0 BE64(seq) → id
	bucketOutbox   = []byte("outbox")   // BE64(queued ns) team\0id → empty
	bucketRefresh  = []byte("refresh")  // team\0id → empty: drafts with RefreshPending
	bucketSeen     = []byte("seen")     // key → BE64(expiry ns)
	bucketSeenExp  = []byte("seenexp")  // BE64(expiry ns) key → empty

	keySchema = []byte("schema")
)

// schema2Buckets are the buckets Open creates.
var schema2Buckets = [][]byte{bucketMeta, bucketDrafts, bucketRevs, bucketEvents, bucketMessages,
	bucketSeq, bucketAuthor, bucketChannel, bucketOutbox, bucketSeen, bucketSeenExp}

// laterBuckets were added to schema 2 later: a read-write Open creates
// them, readers treat a missing one as empty (files written before them
// stay valid).
var laterBuckets = [][]byte{bucketRefresh}

const (
	maxName      = 255     // bytes in a team, id, user or channel name
	maxClaimKey  = 1024    // bytes in a Claim key
	maxValues    = 1 << 20 // bytes in a draft's values
	maxNoteBytes = 4096    // an event note is cut to this
)

// checkName rejects names unusable as key parts.
func checkName(what, s string) error {
	switch {
	case s == "":
		return fmt.Errorf("%s is empty: %w", what, ErrInvalid)
	case len(s) > maxName:
		return fmt.Errorf("%s is longer than %d bytes: %w", what, maxName, ErrInvalid)
	case strings.IndexByte(s, 0) >= 0:
		return fmt.Errorf("%s %q contains a NUL byte: %w", what, s, ErrInvalid)
	}
	return nil
}

// checkPrefix accepts 1-16 ASCII letters and digits ("AM").
func checkPrefix(p string) error {
	if p == "" || len(p) > 16 {
		return fmt.Errorf("id prefix %q must be 1-16 letters or digits: %w", p, ErrInvalid)
	}
	for _, c := range []byte(p) {
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9') {
			return fmt.Errorf("id prefix %q must be 1-16 letters or digits: %w", p, ErrInvalid)
		}
	}
	return nil
}

func checkValues(m map[string]string) error {
	n := 0
	for k, v := range m {
		n += len(k) + len(v)
		if k == "" {
			return fmt.Errorf("values: empty field id: %w", ErrInvalid)
		}
	}
	if n > maxValues {
		return fmt.Errorf("values: %d bytes, more than %d: %w", n, maxValues, ErrInvalid)
	}
	return nil
}

// join builds a key from parts separated by NUL bytes, with extra capacity.
func join(extra int, parts ...string) []byte {
	n := extra + len(parts)
	for _, p := range parts {
		n += len(p)
	}
	b := make([]byte, 0, n)
	for i, p := range parts {
		if i > 0 {
			b = append(b, 0)
		}
		b = append(b, p...)
	}
	return b
}

func draftKey(team, id string) []byte { return join(0, team, id) }

// histPrefix is the prefix of a draft's revisions and events.
func histPrefix(team, id string) []byte { return append(join(5, team, id), 0) }

func histKey(team, id string, n int) []byte {
	return binary.BigEndian.AppendUint32(histPrefix(team, id), uint32(n))
}

// indexPrefix is the prefix of one author's or channel's index entries.
func indexPrefix(team, name string) []byte { return append(join(9, team, name), 0) }

func indexKey(team, name string, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(indexPrefix(team, name), seq)
}

func messageKey(team string, m Message) []byte { return join(0, team, m.Channel, m.TS) }

func outboxKey(queued int64, team, id string) []byte {
	b := make([]byte, 8, 9+len(team)+len(id))
	binary.BigEndian.PutUint64(b, uint64(queued))
	b = append(b, team...)
	b = append(b, 0)
	return append(b, id...)
}

// splitKey splits a team-scoped key at its first NUL.
func splitKey(k []byte) (team string, rest []byte, ok bool) {
	for i, c := range k {
		if c == 0 {
			return string(k[:i]), k[i+1:], true
		}
	}
	return "", nil, false
}

// keyString renders a key for an error message: NULs as "/", other
// non-printable bytes (big-endian numbers) in hex.
func keyString(bucket, k []byte) string {
	var sb strings.Builder
	sb.Write(bucket)
	sb.WriteByte(':')
	for i := 0; i < len(k); {
		r, n := utf8.DecodeRune(k[i:])
		switch {
		case k[i] == 0:
			sb.WriteByte('/')
		case r == utf8.RuneError || r < 0x20 || r == 0x7f:
			fmt.Fprintf(&sb, "\\x%02x", k[i])
			n = 1
		default:
			sb.Write(k[i : i+n])
		}
		i += n
	}
	return sb.String()
}

func corrupt(bucket, k []byte, cause error) error {
	return fmt.Errorf("record %s: %v: %w", keyString(bucket, k), cause, ErrCorrupt)
}
