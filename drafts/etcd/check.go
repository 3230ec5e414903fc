package etcd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/jobdesc/jobdesc/drafts"
)

// maxProblems caps the problems Check lists.
const maxProblems = 50

// Check reads every key under the prefix at one revision and verifies the
// store: every record decodes, every index entry (messages, authors,
// channels, statuses, outbox, seen-record expiry) points to its record and
// agrees with it, every draft has its revisions, events and index entries,
// and no team's sequence is behind its drafts. It returns what it counted,
// and an error wrapping drafts.ErrCorrupt that lists up to 50 problems with
// their keys, or etcd's error. It only reads, so it is safe while replicas
// run (their writes after the snapshot are not seen).
func (s *Store) Check(ctx context.Context) (drafts.Report, error) {
	c := &checker{s: s, drafts: map[string]*draftInfo{}, seqs: map[string]uint64{}, maxSeq: map[string]uint64{}}
	if err := s.scan(ctx, c.add); err != nil {
		return drafts.Report{}, fmt.Errorf("check etcd store: %w", err)
	}
	c.verify()
	if len(c.problems) > 0 {
		more := ""
		if c.dropped > 0 {
			more = fmt.Sprintf(" (first %d shown)", maxProblems)
		}
		return c.rep, fmt.Errorf("check etcd store at %s prefix %s: %d problems%s: %w",
			s.endpoints, s.p, len(c.problems)+c.dropped, more, errors.Join(c.problems...))
	}
	return c.rep, nil
}

// scan calls fn with every key under the prefix, in key order, read at one
// revision in pages.
func (s *Store) scan(ctx context.Context, fn func(kv *keyValue)) error {
	from, end := s.p, prefixEnd(s.p)
	var rev int64
	for {
		opts := []opOption{withRange(end), withLimit(1000)}
		if rev > 0 {
			opts = append(opts, withRev(rev))
		}
		resp, err := s.get(ctx, from, opts...)
		if err != nil {
			return err
		}
		if rev == 0 {
			rev = resp.Header.Revision
		}
		for _, kv := range resp.Kvs {
			fn(kv)
		}
		if !resp.More || len(resp.Kvs) == 0 {
			return nil
		}
		from = string(resp.Kvs[len(resp.Kvs)-1].Key) + "\x00"
	}
}

type draftInfo struct {
	st                    *state
	key                   []byte
	revs                  map[int]bool
	events                int
	author, channel, stat int
	outbox, refresh       bool
}

type checker struct {
	s        *Store
	rep      drafts.Report
	problems []error
	dropped  int

	drafts       map[string]*draftInfo // "TEAM/ID" (escaped) → info
	seqs, maxSeq map[string]uint64     // escaped team → sequence key, highest draft seq
	indexes      []*keyValue           // checked once every draft is known
	seen         map[string]uint64     // escaped key → stored expiry
	seenExp      map[string]bool       // "NS/KEY" entries
}

func (c *checker) problem(key []byte, format string, args ...any) {
	if len(c.problems) >= maxProblems {
		c.dropped++
		return
	}
	c.problems = append(c.problems, fmt.Errorf("record %s: %s: %w", key, fmt.Sprintf(format, args...), drafts.ErrCorrupt))
}

func (c *checker) info(teamID string) *draftInfo {
	in := c.drafts[teamID]
	if in == nil {
		in = &draftInfo{revs: map[int]bool{}}
		c.drafts[teamID] = in
	}
	return in
}

// add files one key.
func (c *checker) add(kv *keyValue) {
	rest := strings.TrimPrefix(string(kv.Key), c.s.p)
	kind, tail, _ := strings.Cut(rest, "/")
	switch kind {
	case "schema":
		v, err := strconv.Atoi(string(kv.Value))
		if err != nil || v < 1 || v > SchemaVersion {
			c.problem(kv.Key, "bad schema %q", kv.Value)
		}
		c.rep.Schema = v
	case "seq":
		n, err := strconv.ParseUint(string(kv.Value), 10, 64)
		if err != nil {
			c.problem(kv.Key, "bad sequence %q", kv.Value)
			return
		}
		c.seqs[tail] = n
	case "d":
		team, id, err := splitTeamID(tail)
		if err != nil {
			c.problem(kv.Key, "bad key")
			return
		}
		st, err := decodeState(kv, team, id)
		if err != nil {
			c.problems = append(c.problems, err)
			return
		}
		in := c.info(tail)
		in.st, in.key = st, kv.Key
		et, _, _ := strings.Cut(tail, "/")
		c.maxSeq[et] = max(c.maxSeq[et], st.seq)
		if st.PostPending {
			c.rep.Pending++
		}
	case "rev", "ev":
		i := strings.LastIndexByte(tail, '/')
		n, err := strconv.Atoi(tail[i+1:])
		if i < 0 || err != nil {
			c.problem(kv.Key, "bad key")
			return
		}
		in := c.info(tail[:i])
		if kind == "rev" {
			rv, err := decodeRevision(kv)
			if err != nil {
				c.problems = append(c.problems, err)
				return
			}
			if rv.Number != n {
				c.problem(kv.Key, "holds revision %d", rv.Number)
			}
			in.revs[n] = true
			c.rep.Revisions++
		} else {
			if _, err := decodeEvent(kv); err != nil {
				c.problems = append(c.problems, err)
				return
			}
			in.events++
			c.rep.Events++
		}
	case "msg", "by-author", "by-channel", "status", "outbox", "refresh":
		c.indexes = append(c.indexes, kv)
	case "posting":
		// post claims live on short leases; nothing to verify
	case "seen":
		var sj seenJSON
		if err := json.Unmarshal(kv.Value, &sj); err != nil || sj.Expires <= 0 {
			c.problem(kv.Key, "bad seen-record")
			return
		}
		if c.seen == nil {
			c.seen = map[string]uint64{}
		}
		c.seen[tail] = uint64(sj.Expires)
		c.rep.Seen++
	case "seen-exp":
		if c.seenExp == nil {
			c.seenExp = map[string]bool{}
		}
		c.seenExp[tail] = true
	default:
		c.problem(kv.Key, "unknown key")
	}
}

// indexTarget finds the draft an index entry names.
func (c *checker) indexTarget(kv *keyValue, team, id string) *draftInfo {
	in := c.drafts[team+"/"+esc(id)]
	if in == nil || in.st == nil {
		c.problem(kv.Key, "points to missing draft %q", id)
		return nil
	}
	return in
}

func (c *checker) verify() {
	for _, kv := range c.indexes {
		rest := strings.TrimPrefix(string(kv.Key), c.s.p)
		kind, tail, _ := strings.Cut(rest, "/")
		parts := strings.Split(tail, "/")
		switch kind {
		case "msg":
			if len(parts) != 3 {
				c.problem(kv.Key, "bad key")
				continue
			}
			if c.indexTarget(kv, parts[0], string(kv.Value)) != nil {
				c.rep.Messages++
			}
		case "by-author", "by-channel":
			if len(parts) != 3 {
				c.problem(kv.Key, "bad key")
				continue
			}
			in := c.indexTarget(kv, parts[0], string(kv.Value))
			if in == nil {
				continue
			}
			ix, name := byAuthor, in.st.Author
			if kind == "by-channel" {
				ix, name = byChannel, in.st.Channel
			}
			if string(kv.Key) != c.s.indexKey(ix, in.st.Team, name, in.st.seq) {
				c.problem(kv.Key, "stale entry for draft %q", kv.Value)
				continue
			}
			if ix == byAuthor {
				in.author++
			} else {
				in.channel++
			}
		case "status":
			if len(parts) != 3 {
				c.problem(kv.Key, "bad key")
				continue
			}
			id, _ := unesc(parts[2])
			in := c.indexTarget(kv, parts[1], id)
			if in == nil {
				continue
			}
			if string(in.st.Status) != parts[0] {
				c.problem(kv.Key, "stale status entry (draft is %s)", in.st.Status)
				continue
			}
			in.stat++
		case "refresh":
			if len(parts) != 2 {
				c.problem(kv.Key, "bad key")
				continue
			}
			id, _ := unesc(parts[1])
			in := c.indexTarget(kv, parts[0], id)
			if in == nil {
				continue
			}
			if !in.st.RefreshPending {
				c.problem(kv.Key, "stale refresh entry")
				continue
			}
			in.refresh = true
		case "outbox":
			if len(parts) != 3 {
				c.problem(kv.Key, "bad key")
				continue
			}
			id, _ := unesc(parts[2])
			in := c.indexTarget(kv, parts[1], id)
			if in == nil {
				continue
			}
			if !in.st.PostPending || string(kv.Key) != c.s.outboxKey(in.st.queued, in.st.Team, in.st.ID) {
				c.problem(kv.Key, "stale outbox entry")
				continue
			}
			in.outbox = true
		}
	}
	teams := map[string]bool{}
	keys := make([]string, 0, len(c.drafts))
	for k := range c.drafts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		in := c.drafts[k]
		if in.st == nil {
			c.problem([]byte(c.s.p+"rev/"+k), "history of a missing draft")
			continue
		}
		c.rep.Drafts++
		teams[in.st.Team] = true
		var problem string
		switch {
		case len(in.revs) != in.st.Revision || !in.revs[in.st.Revision]:
			problem = fmt.Sprintf("has %d revision records, want %d", len(in.revs), in.st.Revision)
		case in.events != in.st.events:
			problem = fmt.Sprintf("has %d event records, want %d", in.events, in.st.events)
		case in.author != 1 || in.channel != 1:
			problem = fmt.Sprintf("has %d index entries, want 2", in.author+in.channel)
		case in.stat != 1:
			problem = fmt.Sprintf("has %d status entries, want 1", in.stat)
		case in.outbox != in.st.PostPending:
			problem = fmt.Sprintf("outbox entry %t, pending %t", in.outbox, in.st.PostPending)
		case in.refresh != in.st.RefreshPending:
			problem = fmt.Sprintf("refresh entry %t, refresh pending %t", in.refresh, in.st.RefreshPending)
		}
		if problem != "" {
			c.problem(in.key, "%s", problem)
		}
	}
	c.rep.Teams = len(teams)
	for team, hi := range c.maxSeq {
		seq, ok := c.seqs[team]
		switch {
		case !ok:
			c.problem([]byte(c.s.p+"seq/"+team), "missing")
		case seq < hi:
			c.problem([]byte(c.s.p+"seq/"+team), "sequence behind the drafts (%d < %d)", seq, hi)
		}
	}
	for key, exp := range c.seen {
		if !c.seenExp[num20(exp)+"/"+key] {
			c.problem([]byte(c.s.p+"seen/"+key), "no expiry entry")
		}
	}
}
