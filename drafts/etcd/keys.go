package etcd

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/jobdesc/jobdesc/drafts"
)

// esc path-escapes a name for a key ("/" becomes "%2F").
func esc(s string) string { return url.PathEscape(s) }

// unesc undoes esc.
func unesc(s string) (string, error) { return url.PathUnescape(s) }

// num20 is a zero-padded number, so keys sort numerically.
func num20(n uint64) string { return fmt.Sprintf("%020d", n) }

// num10 numbers revisions and events.
func num10(n int) string { return fmt.Sprintf("%010d", n) }

// nanos is t as non-negative Unix nanoseconds (0 for the zero time).
func nanos(t time.Time) uint64 {
	if t.IsZero() || t.UnixNano() < 0 {
		return 0
	}
	return uint64(t.UnixNano())
}

func (s *Store) seqKey(team string) string       { return s.p + "seq/" + esc(team) }
func (s *Store) draftKey(team, id string) string { return s.p + "d/" + esc(team) + "/" + esc(id) }
func (s *Store) draftsPrefix() string            { return s.p + "d/" }
func (s *Store) revPrefix(team, id string) string {
	return s.p + "rev/" + esc(team) + "/" + esc(id) + "/"
}
func (s *Store) revKey(team, id string, n int) string { return s.revPrefix(team, id) + num10(n) }
func (s *Store) evPrefix(team, id string) string {
	return s.p + "ev/" + esc(team) + "/" + esc(id) + "/"
}
func (s *Store) evKey(team, id string, n int) string { return s.evPrefix(team, id) + num10(n) }
func (s *Store) msgKey(team string, m drafts.Message) string {
	return s.p + "msg/" + esc(team) + "/" + esc(m.Channel) + "/" + esc(m.TS)
}

// index names the two list indexes.
type index string

const (
	byAuthor  index = "by-author/"
	byChannel index = "by-channel/"
)

func (s *Store) indexPrefix(ix index, team, name string) string {
	return s.p + string(ix) + esc(team) + "/" + esc(name) + "/"
}
func (s *Store) indexKey(ix index, team, name string, seq uint64) string {
	return s.indexPrefix(ix, team, name) + num20(seq)
}
func (s *Store) statusKey(st drafts.Status, team, id string) string {
	return s.p + "status/" + string(st) + "/" + esc(team) + "/" + esc(id)
}
func (s *Store) statusPrefix(st drafts.Status) string { return s.p + "status/" + string(st) + "/" }
func (s *Store) outboxPrefix() string                 { return s.p + "outbox/" }
func (s *Store) outboxKey(queued time.Time, team, id string) string {
	return s.outboxPrefix() + num20(nanos(queued)) + "/" + esc(team) + "/" + esc(id)
}
func (s *Store) refreshPrefix() string { return s.p + "refresh/" }
func (s *Store) refreshKey(team, id string) string {
	return s.refreshPrefix() + esc(team) + "/" + esc(id)
}
func (s *Store) postingKey(team, id string) string {
	return s.p + "posting/" + esc(team) + "/" + esc(id)
}
func (s *Store) seenKey(key string) string { return s.p + "seen/" + esc(key) }
func (s *Store) seenExpPrefix() string     { return s.p + "seen-exp/" }
func (s *Store) seenExpKey(exp uint64, key string) string {
	return s.seenExpPrefix() + num20(exp) + "/" + esc(key)
}

// splitTeamID splits "TEAM/ID" (escaped parts) of a key's tail.
func splitTeamID(tail string) (team, id string, err error) {
	t, i, ok := strings.Cut(tail, "/")
	if !ok || t == "" || i == "" || strings.Contains(i, "/") {
		return "", "", fmt.Errorf("bad key tail %q", tail)
	}
	if team, err = unesc(t); err != nil {
		return "", "", err
	}
	if id, err = unesc(i); err != nil {
		return "", "", err
	}
	return team, id, nil
}

// parseNum reads a zero-padded number at the end of a key.
func parseNum(key string) (uint64, error) {
	i := strings.LastIndexByte(key, '/')
	return strconv.ParseUint(key[i+1:], 10, 64)
}
