package drafts

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// maxProblems caps the problems Check lists.
const maxProblems = 50

// Check opens the store file at path read-only (failing with ErrLocked while
// a running jobdesc holds it) and verifies it: bbolt's page-level consistency
// check, then every record of every bucket decodes, every index entry points
// to its draft and every draft has its revisions, events and index entries.
// It returns what it counted, and an error wrapping ErrCorrupt that lists up
// to 50 problems with their keys, or the error of opening the file.
func Check(path string) (Report, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: lockTimeout})
	if errors.Is(err, bolt.ErrTimeout) {
		return Report{}, fmt.Errorf("check %s (waited %s): %w", path, lockTimeout, ErrLocked)
	}
	if err != nil {
		return Report{}, fmt.Errorf("check %s: %w", path, err)
	}
	defer func() { _ = db.Close() }()

	c := checker{}
	if err := db.View(c.run); err != nil {
		c.add(err)
	}
	if len(c.problems) > 0 {
		more := ""
		if c.dropped > 0 {
			more = fmt.Sprintf(" (first %d shown)", maxProblems)
		}
		return c.rep, fmt.Errorf("check %s: %d problems%s: %w", path, len(c.problems)+c.dropped, more, errors.Join(c.problems...))
	}
	return c.rep, nil
}

type checker struct {
	rep      Report
	problems []error
	dropped  int
}

func (c *checker) add(err error) {
	if len(c.problems) < maxProblems {
		c.problems = append(c.problems, err)
	} else {
		c.dropped++
	}
}

func (c *checker) run(tx *bolt.Tx) error {
	for err := range tx.Check() {
		c.add(fmt.Errorf("bbolt consistency: %v: %w", err, ErrCorrupt))
	}
	v, err := readSchema(tx)
	if err != nil {
		return err
	}
	c.rep.Schema = v
	switch v {
	case 0:
		return fmt.Errorf("empty file, not a jobdesc store: %w", ErrCorrupt)
	case 1:
		c.v1(tx)
	case schemaVersion:
		c.v2(tx)
	default:
		return fmt.Errorf("file has schema %d, this jobdesc knows up to %d: %w", v, schemaVersion, ErrSchemaTooNew)
	}
	return nil
}

func (c *checker) v1(tx *bolt.Tx) {
	teams := map[string]bool{}
	if b := tx.Bucket(bucketDrafts); b != nil {
		_ = b.ForEach(func(k, v []byte) error {
			team, _, d, err := decodeV1(k, v)
			if err != nil {
				c.add(err)
				return nil
			}
			teams[team] = true
			c.rep.Drafts++
			c.rep.Revisions += len(d.Revisions)
			c.rep.Events += len(d.Events)
			if d.PostPending {
				c.rep.Pending++
			}
			return nil
		})
	}
	c.rep.Teams = len(teams)
	if b := tx.Bucket(bucketMessages); b != nil {
		c.rep.Messages = b.Stats().KeyN
	}
	if b := tx.Bucket(bucketSeen); b != nil {
		c.rep.Seen = b.Stats().KeyN
	}
}

// draftInfo is what the v2 check remembers of a draft.
type draftInfo struct {
	r                     record
	revs, events, indexes int
	outbox, refresh       bool
}

// splitHist splits a revisions/events key into its draft key and number.
func splitHist(k []byte) (draft string, n int, ok bool) {
	if len(k) < 6 || k[len(k)-5] != 0 {
		return "", 0, false
	}
	return string(k[:len(k)-5]), int(binary.BigEndian.Uint32(k[len(k)-4:])), true
}

func (c *checker) v2(tx *bolt.Tx) {
	for _, name := range schema2Buckets {
		if tx.Bucket(name) == nil {
			c.add(fmt.Errorf("bucket %q is missing: %w", name, ErrCorrupt))
			return
		}
	}
	drafts := map[string]*draftInfo{}
	teams := map[string]uint64{} // team → highest sequence number
	each := func(bucket []byte, fn func(k, v []byte) error) {
		_ = tx.Bucket(bucket).ForEach(func(k, v []byte) error {
			if err := fn(k, v); err != nil {
				c.add(corrupt(bucket, k, err))
			}
			return nil
		})
	}
	each(bucketDrafts, func(k, v []byte) error {
		team, id, ok := splitKey(k)
		if !ok || len(id) == 0 || bytes.IndexByte(id, 0) >= 0 {
			return errors.New("bad key")
		}
		in := &draftInfo{}
		if err := decodeRecord(v, &in.r); err != nil {
			return err
		}
		in.r.Team, in.r.ID = team, string(id)
		drafts[string(k)] = in
		teams[team] = max(teams[team], in.r.seq)
		if in.r.PostPending {
			c.rep.Pending++
		}
		return nil
	})
	c.rep.Drafts, c.rep.Teams = len(drafts), len(teams)

	each(bucketRevs, func(k, v []byte) error {
		dk, n, ok := splitHist(k)
		if !ok {
			return errors.New("bad key")
		}
		var rv Revision
		if err := decodeRevision(v, &rv); err != nil {
			return err
		}
		in := drafts[dk]
		switch {
		case in == nil:
			return errors.New("revision of a missing draft")
		case rv.Number != n || n < 1 || n > in.r.Revision:
			return fmt.Errorf("revision %d out of place (draft at %d)", rv.Number, in.r.Revision)
		}
		in.revs++
		c.rep.Revisions++
		return nil
	})
	each(bucketEvents, func(k, v []byte) error {
		dk, n, ok := splitHist(k)
		if !ok {
			return errors.New("bad key")
		}
		var e Event
		if err := decodeEvent(v, &e); err != nil {
			return err
		}
		in := drafts[dk]
		if in == nil || n >= in.r.nEvents {
			return errors.New("event of a missing draft, or beyond its count")
		}
		in.events++
		c.rep.Events++
		return nil
	})
	each(bucketMessages, func(k, v []byte) error {
		team, _, ok := splitKey(k)
		if !ok {
			return errors.New("bad key")
		}
		if drafts[string(draftKey(team, string(v)))] == nil {
			return fmt.Errorf("points to missing draft %q", v)
		}
		c.rep.Messages++
		return nil
	})
	index := func(bucket []byte, field func(r *record) string) {
		each(bucket, func(k, v []byte) error {
			team, _, ok := splitKey(k)
			in := drafts[string(draftKey(team, string(v)))]
			switch {
			case !ok || len(k) < len(team)+10:
				return errors.New("bad key")
			case in == nil:
				return fmt.Errorf("points to missing draft %q", v)
			case !bytes.Equal(k, indexKey(team, field(&in.r), in.r.seq)):
				return fmt.Errorf("stale entry for draft %q", v)
			}
			in.indexes++
			return nil
		})
	}
	index(bucketAuthor, func(r *record) string { return r.Author })
	index(bucketChannel, func(r *record) string { return r.Channel })
	each(bucketOutbox, func(k, v []byte) error {
		if len(k) < 8 {
			return errors.New("bad key")
		}
		in := drafts[string(k[8:])]
		if in == nil || !in.r.PostPending || int64(binary.BigEndian.Uint64(k)) != in.r.queued.UnixNano() {
			return errors.New("stale outbox entry")
		}
		in.outbox = true
		return nil
	})
	if tx.Bucket(bucketRefresh) != nil {
		each(bucketRefresh, func(k, v []byte) error {
			in := drafts[string(k)]
			if in == nil || !in.r.RefreshPending {
				return errors.New("stale refresh entry")
			}
			in.refresh = true
			return nil
		})
	}
	for k, in := range drafts {
		var err error
		switch {
		case in.revs != in.r.Revision:
			err = fmt.Errorf("has %d revision records, want %d", in.revs, in.r.Revision)
		case in.events != in.r.nEvents:
			err = fmt.Errorf("has %d event records, want %d", in.events, in.r.nEvents)
		case in.indexes != 2:
			err = fmt.Errorf("has %d index entries, want 2", in.indexes)
		case in.outbox != in.r.PostPending:
			err = fmt.Errorf("outbox entry %t, pending %t", in.outbox, in.r.PostPending)
		case in.r.RefreshPending && !in.refresh:
			err = errors.New("refresh pending without a refresh entry")
		}
		if err != nil {
			c.add(corrupt(bucketDrafts, []byte(k), err))
		}
	}
	each(bucketSeq, func(k, v []byte) error {
		if len(v) != 8 {
			return errors.New("bad sequence")
		}
		if binary.BigEndian.Uint64(v) < teams[string(k)] {
			return errors.New("sequence behind the drafts")
		}
		delete(teams, string(k))
		return nil
	})
	for team := range teams {
		c.add(corrupt(bucketSeq, []byte(team), errors.New("missing")))
	}
	each(bucketSeen, func(k, v []byte) error {
		if len(v) != 8 {
			return errors.New("bad expiry")
		}
		if tx.Bucket(bucketSeenExp).Get(append(bytes.Clone(v), k...)) == nil {
			return errors.New("no expiry entry")
		}
		c.rep.Seen++
		return nil
	})
}
