package drafts

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Schema 1, written by the previous jobdesc: one JSON document per draft in
// bucketDrafts holding the whole draft, history included, with the buckets
// messages, seq and seen as in schema 2 and no other index. It made every
// list read decode whole histories, hence schema 2.

type v1Review struct {
	User     string    `json:"user"`
	Revision int       `json:"revision"`
	At       time.Time `json:"at"`
}

type v1Revision struct {
	Number  int               `json:"number"`
	Values  map[string]string `json:"values"`
	Editor  string            `json:"editor"`
	At      time.Time         `json:"at"`
	Changed []string          `json:"changed"`
}

type v1Event struct {
	Kind     string    `json:"kind"`
	User     string    `json:"user"`
	Revision int       `json:"revision"`
	At       time.Time `json:"at"`
	Note     string    `json:"note,omitempty"`
}

type v1Draft struct {
	Seq            uint64            `json:"seq"`
	Channel        string            `json:"channel"`
	Author         string            `json:"author"`
	Role           string            `json:"role"`
	Status         string            `json:"status"`
	Values         map[string]string `json:"values"`
	Approvals      []v1Review        `json:"approvals"`
	ChangeRequests []v1Review        `json:"change_requests"`
	MessageChannel string            `json:"message_channel"`
	MessageTS      string            `json:"message_ts"`
	PostPending    bool              `json:"post_pending"`
	Created        time.Time         `json:"created"`
	Updated        time.Time         `json:"updated"`
	Revisions      []v1Revision      `json:"revisions"`
	Events         []v1Event         `json:"events"`
}

func v1Reviews(rs []v1Review) []Review {
	var out []Review
	for _, r := range rs {
		out = append(out, Review{User: r.User, Revision: r.Revision, At: r.At.UTC()})
	}
	return out
}

// decodeV1 decodes and checks a schema 1 draft stored under k.
func decodeV1(k, v []byte) (team, id string, d v1Draft, err error) {
	team, rest, ok := splitKey(k)
	if !ok || len(rest) == 0 || bytes.IndexByte(rest, 0) >= 0 {
		return "", "", d, corrupt(bucketDrafts, k, errors.New("bad key"))
	}
	if err := json.Unmarshal(v, &d); err != nil {
		return "", "", d, corrupt(bucketDrafts, k, err)
	}
	switch {
	case statusCode(Status(d.Status)) == 0:
		err = fmt.Errorf("unknown status %q", d.Status)
	case d.Seq == 0:
		err = errors.New("no sequence number")
	case len(d.Revisions) == 0:
		err = errors.New("no revisions")
	}
	for i, rv := range d.Revisions {
		if err == nil && rv.Number != i+1 {
			err = fmt.Errorf("revision %d is numbered %d", i+1, rv.Number)
		}
	}
	if err != nil {
		return "", "", d, corrupt(bucketDrafts, k, err)
	}
	return team, string(rest), d, nil
}

// migrate upgrades the file from schema from to schemaVersion inside tx
// (so a failed migration leaves the file as it was).
func migrate(tx *bolt.Tx, from int) error {
	if from != 1 {
		return fmt.Errorf("no migration from schema %d: %w", from, ErrSchemaTooNew)
	}
	for _, name := range schema2Buckets {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	// Read everything first: bbolt cursors must not see their bucket change.
	type kv struct{ k, v []byte }
	var old []kv
	if err := tx.Bucket(bucketDrafts).ForEach(func(k, v []byte) error {
		old = append(old, kv{bytes.Clone(k), bytes.Clone(v)})
		return nil
	}); err != nil {
		return err
	}
	maxSeq := map[string]uint64{}
	for _, e := range old {
		team, id, d, err := decodeV1(e.k, e.v)
		if err != nil {
			return err
		}
		r := &record{
			Draft: Draft{
				Team: team, ID: id, Channel: d.Channel, Author: d.Author, Role: d.Role,
				Revision: len(d.Revisions), Values: d.Values, Status: Status(d.Status),
				Approvals: v1Reviews(d.Approvals), ChangeRequests: v1Reviews(d.ChangeRequests),
				Message:     Message{Channel: d.MessageChannel, TS: d.MessageTS},
				PostPending: d.PostPending, Created: d.Created.UTC(), Updated: d.Updated.UTC(),
			},
			seq: d.Seq,
		}
		if r.Values == nil {
			r.Values = map[string]string{}
		}
		for _, rv := range d.Revisions {
			nr := Revision{Number: rv.Number, Values: rv.Values, Editor: rv.Editor, At: rv.At.UTC(), Changed: rv.Changed}
			if err := tx.Bucket(bucketRevs).Put(histKey(team, id, rv.Number), encodeRevision(&nr)); err != nil {
				return err
			}
		}
		for _, ev := range d.Events {
			if err := addEvent(tx, r, Event{Kind: EventKind(ev.Kind), User: ev.User, Revision: ev.Revision, At: ev.At.UTC(), Note: ev.Note}); err != nil {
				return err
			}
		}
		if err := tx.Bucket(bucketAuthor).Put(indexKey(team, d.Author, d.Seq), []byte(id)); err != nil {
			return err
		}
		if err := tx.Bucket(bucketChannel).Put(indexKey(team, d.Channel, d.Seq), []byte(id)); err != nil {
			return err
		}
		if r.PostPending {
			r.queued = r.Updated
			if err := outboxPut(tx, r); err != nil {
				return err
			}
		}
		if err := putRecord(tx, r); err != nil {
			return err
		}
		maxSeq[team] = max(maxSeq[team], d.Seq)
	}
	seqs := tx.Bucket(bucketSeq)
	for team, m := range maxSeq {
		if v := seqs.Get([]byte(team)); len(v) == 8 && binary.BigEndian.Uint64(v) >= m {
			continue
		}
		if err := seqs.Put([]byte(team), binary.BigEndian.AppendUint64(nil, m)); err != nil {
			return err
		}
	}
	exps := tx.Bucket(bucketSeenExp)
	var seen []kv
	if err := tx.Bucket(bucketSeen).ForEach(func(k, v []byte) error {
		seen = append(seen, kv{bytes.Clone(k), bytes.Clone(v)})
		return nil
	}); err != nil {
		return err
	}
	for _, e := range seen {
		if len(e.v) != 8 {
			return corrupt(bucketSeen, e.k, errors.New("bad expiry"))
		}
		if err := exps.Put(append(e.v, e.k...), nil); err != nil {
			return err
		}
	}
	return tx.Bucket(bucketMeta).Put(keySchema, binary.AppendUvarint(nil, schemaVersion))
}
