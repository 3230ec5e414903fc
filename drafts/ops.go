package drafts

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"time"

	bolt "go.etcd.io/bbolt"
)

// loadRecord decodes a draft inside tx. It returns ErrNotFound or ErrCorrupt.
func loadRecord(tx *bolt.Tx, team, id string) (*record, error) {
	k := draftKey(team, id)
	v := tx.Bucket(bucketDrafts).Get(k)
	if v == nil {
		return nil, fmt.Errorf("draft %s in team %s: %w", id, team, ErrNotFound)
	}
	r := &record{}
	if err := decodeRecord(v, r); err != nil {
		return nil, corrupt(bucketDrafts, k, err)
	}
	r.Team, r.ID = team, id
	return r, nil
}

func putRecord(tx *bolt.Tx, r *record) error {
	if err := tx.Bucket(bucketDrafts).Put(draftKey(r.Team, r.ID), encodeRecord(r)); err != nil {
		return fmt.Errorf("put draft %s: %w", r.ID, err)
	}
	return nil
}

// addEvent appends e to r's audit trail; r must be put afterwards.
func addEvent(tx *bolt.Tx, r *record, e Event) error {
	e.Note = TrimNote(e.Note)
	if err := tx.Bucket(bucketEvents).Put(histKey(r.Team, r.ID, r.nEvents), encodeEvent(&e)); err != nil {
		return fmt.Errorf("put event of %s: %w", r.ID, err)
	}
	r.nEvents++
	return nil
}

func outboxPut(tx *bolt.Tx, r *record) error {
	return tx.Bucket(bucketOutbox).Put(outboxKey(r.queued.UnixNano(), r.Team, r.ID), nil)
}

func outboxDelete(tx *bolt.Tx, r *record) error {
	if !r.PostPending {
		return nil
	}
	k := outboxKey(r.queued.UnixNano(), r.Team, r.ID)
	r.PostPending, r.queued = false, time.Time{}
	return tx.Bucket(bucketOutbox).Delete(k)
}

// history fills d's revisions and events.
func history(tx *bolt.Tx, d *Draft) error {
	prefix := histPrefix(d.Team, d.ID)
	c := tx.Bucket(bucketRevs).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		var rv Revision
		if err := decodeRevision(v, &rv); err != nil {
			return corrupt(bucketRevs, k, err)
		}
		d.Revisions = append(d.Revisions, rv)
	}
	c = tx.Bucket(bucketEvents).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		var e Event
		if err := decodeEvent(v, &e); err != nil {
			return corrupt(bucketEvents, k, err)
		}
		d.Events = append(d.Events, e)
	}
	return nil
}

// Create stores a new draft: revision 1 with n.Values (edited by the author),
// status draft, in the outbox (PostPending, unless n.Hold) to be posted to n.Channel, and a
// "created" event. Its ID is n.Prefix, "-" and the team's next sequence
// number (unique within the team, never reused). Team, Channel, Author and a
// Prefix of 1-16 letters or digits are required (ErrInvalid). With n.Key
// set, the key is claimed in the same transaction; a key claimed already
// stores nothing and returns ErrDuplicate.
func (s *Store) Create(ctx context.Context, n NewDraft) (Draft, error) {
	values, err := ValidateNew(n)
	if err != nil {
		return Draft{}, fmt.Errorf("create draft: %w", err)
	}
	var out Draft
	err = s.write(ctx, func(tx *bolt.Tx) error {
		r, err := createTx(tx, n, values, s.now())
		if err != nil {
			return err
		}
		out = r.Draft
		return nil
	})
	if err != nil {
		return Draft{}, fmt.Errorf("create draft: %w", err)
	}
	return out, nil
}

func createTx(tx *bolt.Tx, n NewDraft, values map[string]string, now time.Time) (*record, error) {
	if n.Key != "" {
		if _, _, live := seenLive(tx, n.Key, now); live {
			return nil, reject(ErrDuplicate)
		}
	}
	seqs := tx.Bucket(bucketSeq)
	var seq uint64 = 1
	if v := seqs.Get([]byte(n.Team)); v != nil {
		if len(v) != 8 {
			return nil, reject(corrupt(bucketSeq, []byte(n.Team), errors.New("bad sequence")))
		}
		seq = binary.BigEndian.Uint64(v) + 1
	}
	d, rev, created := NewDraftState(n, values, seq, now)
	id := d.ID
	if tx.Bucket(bucketDrafts).Get(draftKey(n.Team, id)) != nil {
		return nil, reject(corrupt(bucketSeq, []byte(n.Team), fmt.Errorf("next id %s is taken", id)))
	}
	r := &record{Draft: d, seq: seq}
	if !n.Hold {
		r.queued = now
	}
	steps := []func() error{
		func() error { return seqs.Put([]byte(n.Team), binary.BigEndian.AppendUint64(nil, seq)) },
		func() error { return tx.Bucket(bucketRevs).Put(histKey(n.Team, id, 1), encodeRevision(&rev)) },
		func() error { return addEvent(tx, r, created) },
		func() error { return tx.Bucket(bucketAuthor).Put(indexKey(n.Team, n.Author, seq), []byte(id)) },
		func() error { return tx.Bucket(bucketChannel).Put(indexKey(n.Team, n.Channel, seq), []byte(id)) },
		func() error {
			if !r.PostPending {
				return nil
			}
			return outboxPut(tx, r)
		},
		func() error { return putRecord(tx, r) },
		func() error {
			if n.Key == "" {
				return nil
			}
			_, err := claimTx(tx, n.Key, now) // free: checked above, in this transaction
			return err
		},
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// Get returns the draft with its full history (Revisions and Events, oldest
// first). It returns ErrNotFound if the team has no such draft, ErrCorrupt
// if a record does not decode.
func (s *Store) Get(ctx context.Context, team, id string) (Draft, error) {
	if err := checkNames("team", team, "id", id); err != nil {
		return Draft{}, fmt.Errorf("get draft: %w", err)
	}
	var d Draft
	err := s.view(ctx, func(tx *bolt.Tx) error {
		r, err := loadRecord(tx, team, id)
		if err != nil {
			return err
		}
		d = r.Draft
		return history(tx, &d)
	})
	if err != nil {
		return Draft{}, fmt.Errorf("get draft: %w", err)
	}
	return d, nil
}

// Current returns the draft as it is now without its history (Revisions
// and Events are nil), and how many events its history holds: what showing
// the draft needs (its review message, MarkShown's count), for a fraction
// of Get's cost. It returns ErrNotFound if the team has no such draft,
// ErrCorrupt if its record does not decode.
func (s *Store) Current(ctx context.Context, team, id string) (Draft, int, error) {
	if err := checkNames("team", team, "id", id); err != nil {
		return Draft{}, 0, fmt.Errorf("get current draft: %w", err)
	}
	var d Draft
	var events int
	err := s.view(ctx, func(tx *bolt.Tx) error {
		r, err := loadRecord(tx, team, id)
		if err != nil {
			return err
		}
		d, events = r.Draft, r.nEvents
		return nil
	})
	if err != nil {
		return Draft{}, 0, fmt.Errorf("get current draft: %w", err)
	}
	return d, events, nil
}

// FindByMessage returns, with its full history, the draft that was posted as
// the message channel/ts (any message it was ever posted as). It returns
// ErrNotFound if no draft of the team was posted as that message.
func (s *Store) FindByMessage(ctx context.Context, team, channel, ts string) (Draft, error) {
	if err := checkNames("team", team, "channel", channel, "message ts", ts); err != nil {
		return Draft{}, fmt.Errorf("find draft by message: %w", err)
	}
	var d Draft
	err := s.view(ctx, func(tx *bolt.Tx) error {
		k := messageKey(team, Message{Channel: channel, TS: ts})
		id := tx.Bucket(bucketMessages).Get(k)
		if id == nil {
			return fmt.Errorf("message %s/%s in team %s: %w", channel, ts, team, ErrNotFound)
		}
		r, err := loadRecord(tx, team, string(id))
		if errors.Is(err, ErrNotFound) {
			return corrupt(bucketMessages, k, err)
		}
		if err != nil {
			return err
		}
		d = r.Draft
		return history(tx, &d)
	})
	if err != nil {
		return Draft{}, fmt.Errorf("find draft by message: %w", err)
	}
	return d, nil
}

// ListByAuthor returns a page of the drafts user created in team, newest
// first, without history, and the cursor of the next page ("" after the last
// page). Page.Limit 0 means 20 and is capped at 100; a cursor is opaque and
// stays valid while drafts are added (new ones do not shift later pages). It
// returns ErrInvalid for a bad cursor or negative limit.
func (s *Store) ListByAuthor(ctx context.Context, team, user string, p Page) ([]Draft, string, error) {
	ds, next, err := s.list(ctx, bucketAuthor, team, "author", user, p)
	if err != nil {
		return nil, "", fmt.Errorf("list drafts by author: %w", err)
	}
	return ds, next, nil
}

// ListByChannel is ListByAuthor for the drafts whose Channel is channel
// (where they are or will be posted).
func (s *Store) ListByChannel(ctx context.Context, team, channel string, p Page) ([]Draft, string, error) {
	ds, next, err := s.list(ctx, bucketChannel, team, "channel", channel, p)
	if err != nil {
		return nil, "", fmt.Errorf("list drafts by channel: %w", err)
	}
	return ds, next, nil
}

func (s *Store) list(ctx context.Context, bucket []byte, team, what, name string, p Page) ([]Draft, string, error) {
	if err := checkNames("team", team, what, name); err != nil {
		return nil, "", err
	}
	limit, before, err := ParsePage(p)
	if err != nil {
		return nil, "", err
	}
	var out []Draft
	var next string
	err = s.view(ctx, func(tx *bolt.Tx) error {
		out, next = make([]Draft, 0, min(limit, 32)), ""
		prefix := indexPrefix(team, name)
		c := tx.Bucket(bucket).Cursor()
		k, v := c.Seek(indexKey(team, name, before))
		if k == nil {
			k, v = c.Last()
		} else {
			k, v = c.Prev()
		}
		var last uint64
		for ; k != nil && bytes.HasPrefix(k, prefix); k, v = c.Prev() {
			if len(out) == limit {
				next = PageCursor(last)
				break
			}
			if len(k) != len(prefix)+8 {
				return corrupt(bucket, k, errors.New("bad index key"))
			}
			last = binary.BigEndian.Uint64(k[len(prefix):])
			r, err := loadRecord(tx, team, string(v))
			if errors.Is(err, ErrNotFound) {
				return corrupt(bucket, k, err)
			}
			if err != nil {
				return err
			}
			out = append(out, r.Draft)
		}
		return nil
	})
	if err != nil {
		return nil, "", err
	}
	return out, next, nil
}

// update loads a draft in a write transaction and lets fn change it. fn
// returns whether it changed anything (nothing is written otherwise) and the
// events to append; it must not touch tx before it is sure to succeed.
func (s *Store) update(ctx context.Context, team, id string, fn func(tx *bolt.Tx, r *record, now time.Time) (bool, []Event, error)) (Draft, bool, error) {
	var out Draft
	var changed bool
	err := s.write(ctx, func(tx *bolt.Tx) error {
		out, changed = Draft{}, false
		r, err := loadRecord(tx, team, id)
		if err != nil {
			return reject(err)
		}
		now := s.now()
		refresh := r.RefreshPending
		ch, events, err := fn(tx, r, now)
		if err != nil {
			return err
		}
		if r.RefreshPending != refresh {
			if err := setRefresh(tx, r); err != nil {
				return err
			}
		}
		if ch || len(events) > 0 {
			for _, e := range events {
				if e.At.IsZero() {
					e.At = now
				}
				if e.Revision == 0 {
					e.Revision = r.Revision
				}
				if err := addEvent(tx, r, e); err != nil {
					return err
				}
			}
			if ch {
				r.Updated = now
			}
			if err := putRecord(tx, r); err != nil {
				return err
			}
		}
		out, changed = r.Draft, ch
		return nil
	})
	return out, changed, err
}

// setRefresh puts r in the refresh index, or takes it out, as its
// RefreshPending says.
func setRefresh(tx *bolt.Tx, r *record) error {
	if r.RefreshPending {
		return tx.Bucket(bucketRefresh).Put(draftKey(r.Team, r.ID), nil)
	}
	return tx.Bucket(bucketRefresh).Delete(draftKey(r.Team, r.ID))
}

// Revise makes values the draft's new revision, edited by editor, if base is
// the current revision; otherwise it returns ErrConflict and changes nothing
// (the editor worked on a stale copy). Values equal to the current ones
// (a missing field equals an empty one) change nothing and return the draft
// as it is. A new revision clears the active approvals and change requests
// (they stay in the history and the events); a draft that was posted goes
// back to in_review — the "revised" event's note says which approvals were
// reset — and one never posted stays a draft. The result has no history.
// It returns ErrNotFound, ErrInvalid or ErrCorrupt too.
func (s *Store) Revise(ctx context.Context, team, id string, base int, editor string, values map[string]string) (Draft, error) {
	if err := checkNames("team", team, "id", id, "editor", editor); err != nil {
		return Draft{}, fmt.Errorf("revise draft: %w", err)
	}
	if err := checkValues(values); err != nil {
		return Draft{}, fmt.Errorf("revise draft: %w", err)
	}
	vals := maps.Clone(values)
	if vals == nil {
		vals = map[string]string{}
	}
	d, _, err := s.update(ctx, team, id, func(tx *bolt.Tx, r *record, now time.Time) (bool, []Event, error) {
		rev, e, err := ApplyRevise(&r.Draft, base, editor, vals, now)
		if err != nil {
			return false, nil, reject(err)
		}
		if rev == nil {
			return false, nil, nil
		}
		if err := tx.Bucket(bucketRevs).Put(histKey(team, id, r.Revision), encodeRevision(rev)); err != nil {
			return false, nil, err
		}
		return true, []Event{*e}, nil
	})
	if err != nil {
		return Draft{}, fmt.Errorf("revise draft: %w", err)
	}
	return d, nil
}

// review runs a review change; see Approve.
func (s *Store) review(ctx context.Context, kind ReviewKind, team, id, user string, required int) (Draft, bool, error) {
	if err := checkNames("team", team, "id", id, "user", user); err != nil {
		return Draft{}, false, fmt.Errorf("%s: %w", kind.op(), err)
	}
	d, changed, err := s.update(ctx, team, id, func(tx *bolt.Tx, r *record, now time.Time) (bool, []Event, error) {
		e, err := ApplyReview(&r.Draft, kind, user, required, now)
		if err != nil {
			return false, nil, reject(err)
		}
		if e == nil {
			return false, nil, nil
		}
		return true, []Event{*e}, nil
	})
	if err != nil {
		return Draft{}, false, fmt.Errorf("%s: %w", kind.op(), err)
	}
	return d, changed, nil
}

// Approve records user's approval of the current revision and reports
// whether anything changed: approving twice is one approval (false, nothing
// written). An approval replaces the same user's change request. The status
// becomes approved once the draft is posted, has no change request and has
// at least required approvals (required < 1 counts as 1); a draft not yet
// posted stays a draft. It returns ErrNotFound, ErrInvalid or ErrCorrupt.
func (s *Store) Approve(ctx context.Context, team, id, user string, required int) (Draft, bool, error) {
	return s.review(ctx, ReviewApprove, team, id, user, required)
}

// Withdraw removes user's approval of the current revision and reports
// whether there was one; the status is derived again as in Approve (an
// approved draft that falls short of required goes back to in_review).
func (s *Store) Withdraw(ctx context.Context, team, id, user string, required int) (Draft, bool, error) {
	return s.review(ctx, ReviewWithdraw, team, id, user, required)
}

// RequestChanges records user's change request on the current revision and
// reports whether anything changed (a second request by the same user is
// one). It replaces the same user's approval; a posted draft becomes
// changes_requested until the request is withdrawn or the draft is revised.
func (s *Store) RequestChanges(ctx context.Context, team, id, user string) (Draft, bool, error) {
	return s.review(ctx, ReviewRequestChanges, team, id, user, 1)
}

// WithdrawChangeRequest removes user's change request on the current
// revision and reports whether there was one; the status is derived again
// as in Approve.
func (s *Store) WithdrawChangeRequest(ctx context.Context, team, id, user string, required int) (Draft, bool, error) {
	return s.review(ctx, ReviewWithdrawChangeRequest, team, id, user, required)
}

// MarkPosted records that the draft was posted as message m: it sets
// Message, takes the draft out of the outbox, moves a draft to in_review
// (other statuses stay), indexes m for FindByMessage (earlier messages keep
// resolving to the draft) and adds a "posted" event. Marking the same message
// again changes nothing. It returns ErrConflict if m already belongs to
// another draft, and ErrNotFound, ErrInvalid or ErrCorrupt.
func (s *Store) MarkPosted(ctx context.Context, team, id string, m Message) (Draft, error) {
	if err := checkNames("team", team, "id", id, "message channel", m.Channel, "message ts", m.TS); err != nil {
		return Draft{}, fmt.Errorf("mark posted: %w", err)
	}
	d, _, err := s.update(ctx, team, id, func(tx *bolt.Tx, r *record, now time.Time) (bool, []Event, error) {
		msgs := tx.Bucket(bucketMessages)
		k := messageKey(team, m)
		if owner := msgs.Get(k); owner != nil && string(owner) != id {
			return false, nil, reject(fmt.Errorf("message %s/%s already belongs to draft %s: %w", m.Channel, m.TS, owner, ErrConflict))
		}
		wasPending, queued := r.PostPending, r.queued
		e := ApplyPosted(&r.Draft, m, now)
		if e == nil {
			return false, nil, nil
		}
		if wasPending {
			if err := tx.Bucket(bucketOutbox).Delete(outboxKey(queued.UnixNano(), team, id)); err != nil {
				return false, nil, err
			}
		}
		r.queued = time.Time{}
		if err := msgs.Put(k, []byte(id)); err != nil {
			return false, nil, err
		}
		return true, []Event{*e}, nil
	})
	if err != nil {
		return Draft{}, fmt.Errorf("mark posted: %w", err)
	}
	s.releasePost(team, id)
	return d, nil
}

// MarkPostFailed takes the draft out of the outbox after a post failed for
// reason (kept in a "post_failed" event); Requeue puts it back. It returns
// ErrNotFound, ErrInvalid or ErrCorrupt.
func (s *Store) MarkPostFailed(ctx context.Context, team, id, reason string) (Draft, error) {
	if err := checkNames("team", team, "id", id); err != nil {
		return Draft{}, fmt.Errorf("mark post failed: %w", err)
	}
	d, _, err := s.update(ctx, team, id, func(tx *bolt.Tx, r *record, now time.Time) (bool, []Event, error) {
		if err := outboxDelete(tx, r); err != nil {
			return false, nil, err
		}
		return true, []Event{{Kind: EventPostFailed, Note: reason}}, nil
	})
	if err != nil {
		return Draft{}, fmt.Errorf("mark post failed: %w", err)
	}
	s.releasePost(team, id)
	return d, nil
}

// Requeue puts the draft back in the outbox, to be posted to channel (""
// keeps its channel; a new one moves it in ListByChannel), with a "requeued"
// event. A draft already queued for that channel is left as it is. It
// returns ErrNotFound, ErrInvalid or ErrCorrupt.
func (s *Store) Requeue(ctx context.Context, team, id, channel string) (Draft, error) {
	if err := checkNames("team", team, "id", id); err != nil {
		return Draft{}, fmt.Errorf("requeue draft: %w", err)
	}
	if channel != "" {
		if err := checkName("channel", channel); err != nil {
			return Draft{}, fmt.Errorf("requeue draft: %w", err)
		}
	}
	d, _, err := s.update(ctx, team, id, func(tx *bolt.Tx, r *record, now time.Time) (bool, []Event, error) {
		channel := channel // fn may run again: don't change the captured argument
		if channel == "" {
			channel = r.Channel
		}
		if r.PostPending && channel == r.Channel {
			return false, nil, nil
		}
		if err := outboxDelete(tx, r); err != nil {
			return false, nil, err
		}
		if channel != r.Channel {
			byChan := tx.Bucket(bucketChannel)
			if err := byChan.Delete(indexKey(team, r.Channel, r.seq)); err != nil {
				return false, nil, err
			}
			if err := byChan.Put(indexKey(team, channel, r.seq), []byte(id)); err != nil {
				return false, nil, err
			}
			r.Channel = channel
		}
		r.PostPending, r.queued = true, now
		if err := outboxPut(tx, r); err != nil {
			return false, nil, err
		}
		return true, []Event{{Kind: EventRequeued, Note: "to " + channel}}, nil
	})
	if err != nil {
		return Draft{}, fmt.Errorf("requeue draft: %w", err)
	}
	return d, nil
}

// MarkShown records that the draft's review message shows the state with
// events events (len(Events) of the Get it was rendered from): it clears
// RefreshPending, unless the draft changed since (more events), and
// reports whether it cleared it. Updated does not change. It returns
// ErrNotFound, ErrInvalid or ErrCorrupt.
func (s *Store) MarkShown(ctx context.Context, team, id string, events int) (bool, error) {
	if err := checkNames("team", team, "id", id); err != nil {
		return false, fmt.Errorf("mark shown: %w", err)
	}
	var cleared bool
	err := s.write(ctx, func(tx *bolt.Tx) error {
		cleared = false
		r, err := loadRecord(tx, team, id)
		if err != nil {
			return reject(err)
		}
		if !r.RefreshPending || r.nEvents != events {
			return nil
		}
		r.RefreshPending = false
		if err := setRefresh(tx, r); err != nil {
			return err
		}
		if err := putRecord(tx, r); err != nil {
			return err
		}
		cleared = true
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("mark shown: %w", err)
	}
	return cleared, nil
}

// ToRefresh returns every team's drafts with RefreshPending (their review
// message may not show their current state), without history. It returns
// ErrCorrupt for a bad entry.
func (s *Store) ToRefresh(ctx context.Context) ([]Draft, error) {
	var out []Draft
	err := s.view(ctx, func(tx *bolt.Tx) error {
		out = nil
		b := tx.Bucket(bucketRefresh)
		if b == nil {
			return nil // a file from before the bucket, opened read-only
		}
		return b.ForEach(func(k, _ []byte) error {
			team, id, ok := splitKey(k)
			if !ok {
				return corrupt(bucketRefresh, k, errors.New("bad key"))
			}
			r, err := loadRecord(tx, team, string(id))
			if errors.Is(err, ErrNotFound) {
				return corrupt(bucketRefresh, k, err)
			}
			if err != nil {
				return err
			}
			out = append(out, r.Draft)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list drafts to refresh: %w", err)
	}
	return out, nil
}

// Pending returns the outbox: every team's drafts with PostPending, oldest
// queued first, without history. It returns ErrCorrupt for a bad entry.
func (s *Store) Pending(ctx context.Context) ([]Draft, error) {
	var out []Draft
	err := s.view(ctx, func(tx *bolt.Tx) error {
		out = nil
		c := tx.Bucket(bucketOutbox).Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			team, id, ok := splitKey(k[min(8, len(k)):])
			if len(k) < 8 || !ok {
				return corrupt(bucketOutbox, k, errors.New("bad outbox key"))
			}
			r, err := loadRecord(tx, team, string(id))
			if errors.Is(err, ErrNotFound) {
				return corrupt(bucketOutbox, k, err)
			}
			if err != nil {
				return err
			}
			out = append(out, r.Draft)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list pending drafts: %w", err)
	}
	return out, nil
}

// RecordExport adds an "exported" event by user to the draft's audit trail
// (Updated does not change). It returns ErrNotFound, ErrInvalid or
// ErrCorrupt.
func (s *Store) RecordExport(ctx context.Context, team, id, user string) error {
	if err := checkNames("team", team, "id", id, "user", user); err != nil {
		return fmt.Errorf("record export: %w", err)
	}
	_, _, err := s.update(ctx, team, id, func(tx *bolt.Tx, r *record, now time.Time) (bool, []Event, error) {
		return false, []Event{{Kind: EventExported, User: user}}, nil
	})
	if err != nil {
		return fmt.Errorf("record export: %w", err)
	}
	return nil
}

// Claim records key (a Slack event_id or envelope id) as seen and reports
// whether this is its first sighting: true the first time, false while the
// record lives (24 hours after the claim; Sweep deletes it afterwards). A
// repeated claim is answered by a read, without a write. It returns
// ErrInvalid for an empty key or one longer than 1024 bytes.
func (s *Store) Claim(ctx context.Context, key string) (bool, error) {
	if err := ValidateClaimKey(key); err != nil {
		return false, err
	}
	var seen bool
	if err := s.view(ctx, func(tx *bolt.Tx) error {
		_, _, seen = seenLive(tx, key, s.now())
		return nil
	}); err != nil {
		return false, fmt.Errorf("claim: %w", err)
	}
	if seen {
		return false, nil
	}
	var claimed bool
	err := s.write(ctx, func(tx *bolt.Tx) error {
		var err error
		claimed, err = claimTx(tx, key, s.now())
		return err
	})
	if err != nil {
		return false, fmt.Errorf("claim: %w", err)
	}
	return claimed, nil
}

// seenLive reads key's seen-record: its expiry, whether there is one, and
// whether it is still live at now.
func seenLive(tx *bolt.Tx, key string, now time.Time) (exp int64, found, isLive bool) {
	v := tx.Bucket(bucketSeen).Get([]byte(key))
	if len(v) != 8 {
		return 0, v != nil, false
	}
	exp = int64(binary.BigEndian.Uint64(v))
	return exp, true, exp > now.UnixNano()
}

// claimTx claims key inside tx and reports whether it was free.
func claimTx(tx *bolt.Tx, key string, now time.Time) (bool, error) {
	old, found, isLive := seenLive(tx, key, now)
	if isLive {
		return false, nil
	}
	exps := tx.Bucket(bucketSeenExp)
	if found {
		if err := exps.Delete(seenExpKey(old, key)); err != nil {
			return false, err
		}
	}
	exp := now.Add(SeenTTL).UnixNano()
	if err := tx.Bucket(bucketSeen).Put([]byte(key), binary.BigEndian.AppendUint64(nil, uint64(exp))); err != nil {
		return false, err
	}
	if err := exps.Put(seenExpKey(exp, key), nil); err != nil {
		return false, err
	}
	return true, nil
}

// ReviewOnce applies a review change (kind: what Approve, Withdraw,
// RequestChanges or WithdrawChangeRequest do) and claims key (as Claim
// does) in the same transaction, so a redelivered event is applied at most
// once even if the process dies in between. When key was claimed already it
// changes nothing and returns first false with the draft as it is. An empty
// key applies the change unconditionally (first true). changed says whether
// the review changed the draft. It returns ErrNotFound, ErrInvalid (bad
// names, key or kind) or ErrCorrupt.
func (s *Store) ReviewOnce(ctx context.Context, key, team, id, user string, kind ReviewKind, required int) (d Draft, changed, first bool, err error) {
	if key == "" {
		d, changed, err = s.review(ctx, kind, team, id, user, required)
		return d, changed, err == nil, err
	}
	if err := checkNames("team", team, "id", id, "user", user); err != nil {
		return Draft{}, false, false, fmt.Errorf("%s: %w", kind.op(), err)
	}
	if err := ValidateClaimKey(key); err != nil {
		return Draft{}, false, false, fmt.Errorf("%s: %w", kind.op(), err)
	}
	if !kind.Valid() {
		return Draft{}, false, false, fmt.Errorf("%s: review kind %q: %w", kind.op(), kind, ErrInvalid)
	}
	d, changed, err = s.update(ctx, team, id, func(tx *bolt.Tx, r *record, now time.Time) (bool, []Event, error) {
		first = false
		claimed, err := claimTx(tx, key, now)
		if err != nil || !claimed {
			return false, nil, err
		}
		first = true
		e, err := ApplyReview(&r.Draft, kind, user, required, now)
		if err != nil || e == nil {
			return false, nil, err
		}
		return true, []Event{*e}, nil
	})
	if err != nil {
		return Draft{}, false, false, fmt.Errorf("%s: %w", kind.op(), err)
	}
	return d, changed, first, nil
}

// ClaimPost claims, for ttl (at least a second), the right to post a draft
// that is in the outbox, so that of several processes sharing a store
// exactly one posts it. It returns true when the draft is pending and no
// live claim holds it; false when it is not pending (posted, failed, held)
// or another claim is live. MarkPosted and MarkPostFailed release the
// claim; a claim whose holder died lapses after ttl. The bbolt store is
// used by one process, so its claims live in memory; a claim granted while
// the draft was being posted may see it posted already: re-read it. It
// returns ErrNotFound, ErrInvalid or ErrReadOnly.
func (s *Store) ClaimPost(ctx context.Context, team, id string, ttl time.Duration) (bool, error) {
	if err := checkNames("team", team, "id", id); err != nil {
		return false, fmt.Errorf("claim post: %w", err)
	}
	if ttl < time.Second {
		return false, fmt.Errorf("claim post: ttl %s is under a second: %w", ttl, ErrInvalid)
	}
	if s.readOnly {
		return false, fmt.Errorf("claim post: %w", ErrReadOnly)
	}
	s.pmu.Lock()
	defer s.pmu.Unlock()
	var pending bool
	err := s.view(ctx, func(tx *bolt.Tx) error {
		k := draftKey(team, id)
		v := tx.Bucket(bucketDrafts).Get(k)
		if v == nil {
			return fmt.Errorf("draft %s in team %s: %w", id, team, ErrNotFound)
		}
		var err error
		if pending, err = recordPostPending(v); err != nil {
			return corrupt(bucketDrafts, k, err)
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("claim post: %w", err)
	}
	if !pending {
		return false, nil
	}
	k := team + "\x00" + id
	now := s.now()
	if exp, ok := s.posting[k]; ok && exp.After(now) {
		return false, nil
	}
	if s.posting == nil {
		s.posting = map[string]time.Time{}
	}
	for k2, exp := range s.posting {
		if !exp.After(now) {
			delete(s.posting, k2)
		}
	}
	s.posting[k] = now.Add(ttl)
	return true, nil
}

// releasePost drops a draft's post claim.
func (s *Store) releasePost(team, id string) {
	s.pmu.Lock()
	delete(s.posting, team+"\x00"+id)
	s.pmu.Unlock()
}

// Walk calls fn with every draft of every team, with its full history, in
// key order (by team, then id), from one read transaction (a consistent
// snapshot; writers are not blocked). It stops at fn's first error and
// returns it; it also returns ErrCorrupt for a record that does not decode.
// It works on a read-only store (jobdesc migrate reads one).
func (s *Store) Walk(ctx context.Context, fn func(Draft) error) error {
	err := s.view(ctx, func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketDrafts).Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			if err := ctx.Err(); err != nil {
				return err
			}
			team, id, ok := splitKey(k)
			if !ok {
				return corrupt(bucketDrafts, k, errors.New("bad key"))
			}
			r, err := loadRecord(tx, team, string(id))
			if err != nil {
				return err
			}
			d := r.Draft
			if err := history(tx, &d); err != nil {
				return err
			}
			if err := fn(d); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("walk drafts: %w", err)
	}
	return nil
}

func seenExpKey(exp int64, key string) []byte {
	return append(binary.BigEndian.AppendUint64(make([]byte, 0, 8+len(key)), uint64(exp)), key...)
}

// Sweep deletes the expired seen-records and returns how many it deleted.
// It reads only the expired entries (they are indexed by expiry time).
func (s *Store) Sweep(ctx context.Context) (int, error) {
	var n int
	err := s.write(ctx, func(tx *bolt.Tx) error {
		n = 0
		now := s.now().UnixNano()
		seen, exps := tx.Bucket(bucketSeen), tx.Bucket(bucketSeenExp)
		var expired [][]byte
		c := exps.Cursor()
		for k, _ := c.First(); k != nil && len(k) >= 8 && int64(binary.BigEndian.Uint64(k)) <= now; k, _ = c.Next() {
			expired = append(expired, bytes.Clone(k))
		}
		for _, k := range expired {
			key := k[8:]
			if v := seen.Get(key); len(v) == 8 && bytes.Equal(v, k[:8]) {
				if err := seen.Delete(key); err != nil {
					return err
				}
			}
			if err := exps.Delete(k); err != nil {
				return err
			}
		}
		n = len(expired)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("sweep seen records: %w", err)
	}
	return n, nil
}

// CountByStatus counts every team's drafts by status; all four statuses are
// in the map, zero or not. It reads one byte of each draft record. It
// returns ErrCorrupt for a record with a bad header.
func (s *Store) CountByStatus(ctx context.Context) (map[Status]int, error) {
	counts := make(map[Status]int, 4)
	err := s.view(ctx, func(tx *bolt.Tx) error {
		clear(counts)
		for _, st := range statusCodes[1:] {
			counts[st] = 0
		}
		return tx.Bucket(bucketDrafts).ForEach(func(k, v []byte) error {
			st, err := recordStatus(v)
			if err != nil {
				return corrupt(bucketDrafts, k, err)
			}
			counts[st]++
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("count drafts: %w", err)
	}
	return counts, nil
}
