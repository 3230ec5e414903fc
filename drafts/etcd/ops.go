package etcd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"time"

	"github.com/jobdesc/jobdesc/drafts"
)

// checkSize applies the etcd store's lower cap on a draft's values.
func checkSize(values map[string]string) error {
	n := 0
	for k, v := range values {
		n += len(k) + len(v)
	}
	if n > maxValues {
		return fmt.Errorf("values: %d bytes, more than the %d the etcd store takes: %w", n, maxValues, drafts.ErrInvalid)
	}
	return nil
}

// Create stores a new draft as drafts.Store.Create does; the team's
// sequence key is incremented in the same transaction, so ids are unique
// across replicas, and n.Key (if any) is claimed in it too. It returns
// drafts.ErrDuplicate (n.Key claimed already), drafts.ErrInvalid (values
// above 512 KiB included), drafts.ErrCorrupt, or the context's or etcd's
// error.
func (s *Store) Create(ctx context.Context, n drafts.NewDraft) (drafts.Draft, error) {
	values, err := drafts.ValidateNew(n)
	if err == nil {
		err = checkSize(values)
	}
	if err != nil {
		return drafts.Draft{}, fmt.Errorf("create draft: %w", err)
	}
	d, err := s.create(ctx, n, values)
	if err != nil {
		return drafts.Draft{}, fmt.Errorf("create draft: %w", err)
	}
	return d, nil
}

func (s *Store) create(ctx context.Context, n drafts.NewDraft, values map[string]string) (drafts.Draft, error) {
	tok := token()
	seqKey := s.seqKey(n.Team)
	r := s.retrier(ctx)
	var tried string // draft key of the last attempt
	for {
		if err := ctx.Err(); err != nil {
			return drafts.Draft{}, err
		}
		ops := []requestOp{opGet(seqKey)}
		if r.ambiguous && tried != "" {
			ops = append(ops, opGet(tried))
		}
		rd, err := s.read(ctx, ops...)
		if err != nil {
			return drafts.Draft{}, err
		}
		// With a key, the same submission is saved once: read its
		// seen-record (a live one from another attempt means a duplicate)
		// and claim it in the create's transaction.
		var seen *seenJSON
		var seenRev int64
		if n.Key != "" {
			if seen, seenRev, err = s.readSeen(ctx, n.Key); err != nil {
				return drafts.Draft{}, err
			}
			if seen != nil && seen.Expires > s.now().UnixNano() && seen.Op != tok {
				return drafts.Draft{}, drafts.ErrDuplicate
			}
		}
		if len(ops) == 2 {
			if kvs := rd.Responses[1].get().Kvs; len(kvs) == 1 {
				team, id := n.Team, tried[strings.LastIndexByte(tried, '/')+1:]
				if id, err = unesc(id); err != nil {
					return drafts.Draft{}, err
				}
				st, err := decodeState(kvs[0], team, id)
				if err == nil && st.op == tok {
					return st.Draft, nil // the attempt whose answer was lost landed
				}
			}
		}
		var seq uint64
		var seqRev int64
		if kvs := rd.Responses[0].get().Kvs; len(kvs) == 1 {
			if _, err := fmt.Sscan(string(kvs[0].Value), &seq); err != nil {
				return drafts.Draft{}, corrupt(kvs[0].Key, errors.New("bad sequence"))
			}
			seqRev = kvs[0].ModRevision
		}
		seq++
		now := s.now()
		d, rev, created := drafts.NewDraftState(n, values, seq, now)
		st := &state{Draft: d, seq: seq, events: 1, op: tok}
		if d.PostPending {
			st.queued = now
		}
		key := s.draftKey(n.Team, d.ID)
		tried = key
		ops = []requestOp{
			opPut(seqKey, fmt.Sprint(seq)),
			opPut(key, string(encodeState(st))),
			opPut(s.revKey(n.Team, d.ID, 1), string(encodeRevision(&rev))),
			opPut(s.evKey(n.Team, d.ID, 0), string(encodeEvent(&created))),
			opPut(s.indexKey(byAuthor, n.Team, n.Author, seq), d.ID),
			opPut(s.indexKey(byChannel, n.Team, n.Channel, seq), d.ID),
			opPut(s.statusKey(d.Status, n.Team, d.ID), ""),
		}
		if d.PostPending {
			ops = append(ops, opPut(s.outboxKey(st.queued, n.Team, d.ID), ""))
		}
		conds := []compare{modRevisionIs(seqKey, seqRev), createRevisionIs(key, 0)}
		if n.Key != "" {
			claim, err := s.claimOps(ctx, n.Key, seen, now, tok)
			if err != nil {
				return drafts.Draft{}, err
			}
			ops = append(ops, claim...)
			conds = append(conds, modRevisionIs(s.seenKey(n.Key), seenRev))
		}
		actx, cancel := r.attempt()
		tr, err := s.cli.txn(actx, conds, ops, []requestOp{opGet(seqKey), opGet(key)})
		cancel()
		if n.Key != "" && leaseGone(err) {
			s.dropLease()
			continue
		}
		if err != nil {
			if err := r.failed(err, true); err != nil {
				return drafts.Draft{}, err
			}
			continue
		}
		if tr.Succeeded {
			return d, nil
		}
		seqNow := tr.Responses[0].get().Kvs
		if len(seqNow) == 1 && seqNow[0].ModRevision == seqRev && len(tr.Responses[1].get().Kvs) == 1 {
			return drafts.Draft{}, corrupt([]byte(seqKey), fmt.Errorf("next id %s is taken", d.ID))
		}
		if err := r.conflict(); err != nil {
			return drafts.Draft{}, err
		}
	}
}

// Get returns the draft with its full history, as drafts.Store.Get does,
// read in one snapshot. It returns drafts.ErrNotFound, drafts.ErrCorrupt,
// or the context's or etcd's error.
func (s *Store) Get(ctx context.Context, team, id string) (drafts.Draft, error) {
	if err := drafts.ValidateNames("team", team, "id", id); err != nil {
		return drafts.Draft{}, fmt.Errorf("get draft: %w", err)
	}
	d, err := s.getFull(ctx, team, id, 0)
	if err != nil {
		return drafts.Draft{}, fmt.Errorf("get draft: %w", err)
	}
	return d, nil
}

// Current returns the draft as it is now without its history, and how many
// events its history holds, as drafts.Store.Current does: one key read. It
// returns drafts.ErrNotFound, drafts.ErrCorrupt, or the context's or
// etcd's error.
func (s *Store) Current(ctx context.Context, team, id string) (drafts.Draft, int, error) {
	if err := drafts.ValidateNames("team", team, "id", id); err != nil {
		return drafts.Draft{}, 0, fmt.Errorf("get current draft: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return drafts.Draft{}, 0, fmt.Errorf("get current draft: %w", err)
	}
	resp, err := s.get(ctx, s.draftKey(team, id))
	if err != nil {
		return drafts.Draft{}, 0, fmt.Errorf("get current draft: %w", err)
	}
	if len(resp.Kvs) == 0 {
		return drafts.Draft{}, 0, fmt.Errorf("get current draft: draft %s in team %s: %w", id, team, drafts.ErrNotFound)
	}
	st, err := decodeState(resp.Kvs[0], team, id)
	if err != nil {
		return drafts.Draft{}, 0, fmt.Errorf("get current draft: %w", err)
	}
	return st.Draft, st.events, nil
}

// getFull reads a draft and its history in one transaction (at revision
// rev, or the latest for 0).
func (s *Store) getFull(ctx context.Context, team, id string, rev int64) (drafts.Draft, error) {
	if err := ctx.Err(); err != nil {
		return drafts.Draft{}, err
	}
	var opts []opOption
	if rev > 0 {
		opts = append(opts, withRev(rev))
	}
	resp, err := s.read(ctx,
		opGet(s.draftKey(team, id), opts...),
		opGet(s.revPrefix(team, id), append(opts, withPrefix())...),
		opGet(s.evPrefix(team, id), append(opts, withPrefix())...),
	)
	if err != nil {
		return drafts.Draft{}, err
	}
	kvs := resp.Responses[0].get().Kvs
	if len(kvs) == 0 {
		return drafts.Draft{}, fmt.Errorf("draft %s in team %s: %w", id, team, drafts.ErrNotFound)
	}
	st, err := decodeState(kvs[0], team, id)
	if err != nil {
		return drafts.Draft{}, err
	}
	d := st.Draft
	for _, kv := range resp.Responses[1].get().Kvs {
		rv, err := decodeRevision(kv)
		if err != nil {
			return drafts.Draft{}, err
		}
		d.Revisions = append(d.Revisions, rv)
	}
	for _, kv := range resp.Responses[2].get().Kvs {
		e, err := decodeEvent(kv)
		if err != nil {
			return drafts.Draft{}, err
		}
		d.Events = append(d.Events, e)
	}
	return d, nil
}

// FindByMessage returns, with its full history, the draft that was posted
// as the message channel/ts, as drafts.Store.FindByMessage does. It returns
// drafts.ErrNotFound, drafts.ErrCorrupt, or the context's or etcd's error.
func (s *Store) FindByMessage(ctx context.Context, team, channel, ts string) (drafts.Draft, error) {
	if err := drafts.ValidateNames("team", team, "channel", channel, "message ts", ts); err != nil {
		return drafts.Draft{}, fmt.Errorf("find draft by message: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return drafts.Draft{}, fmt.Errorf("find draft by message: %w", err)
	}
	k := s.msgKey(team, drafts.Message{Channel: channel, TS: ts})
	resp, err := s.get(ctx, k)
	if err != nil {
		return drafts.Draft{}, fmt.Errorf("find draft by message: %w", err)
	}
	if len(resp.Kvs) == 0 {
		return drafts.Draft{}, fmt.Errorf("find draft by message: message %s/%s in team %s: %w", channel, ts, team, drafts.ErrNotFound)
	}
	d, err := s.getFull(ctx, team, string(resp.Kvs[0].Value), resp.Header.Revision)
	if errors.Is(err, drafts.ErrNotFound) {
		err = corrupt([]byte(k), err)
	}
	if err != nil {
		return drafts.Draft{}, fmt.Errorf("find draft by message: %w", err)
	}
	return d, nil
}

// ListByAuthor returns a page of the drafts user created in team, newest
// first, without history, as drafts.Store.ListByAuthor does.
func (s *Store) ListByAuthor(ctx context.Context, team, user string, p drafts.Page) ([]drafts.Draft, string, error) {
	ds, next, err := s.list(ctx, byAuthor, team, "author", user, p)
	if err != nil {
		return nil, "", fmt.Errorf("list drafts by author: %w", err)
	}
	return ds, next, nil
}

// ListByChannel is ListByAuthor for the drafts whose Channel is channel.
func (s *Store) ListByChannel(ctx context.Context, team, channel string, p drafts.Page) ([]drafts.Draft, string, error) {
	ds, next, err := s.list(ctx, byChannel, team, "channel", channel, p)
	if err != nil {
		return nil, "", fmt.Errorf("list drafts by channel: %w", err)
	}
	return ds, next, nil
}

func (s *Store) list(ctx context.Context, ix index, team, what, name string, p drafts.Page) ([]drafts.Draft, string, error) {
	if err := drafts.ValidateNames("team", team, what, name); err != nil {
		return nil, "", err
	}
	limit, before, err := drafts.ParsePage(p)
	if err != nil {
		return nil, "", err
	}
	if err := ctx.Err(); err != nil {
		return nil, "", err
	}
	prefix := s.indexPrefix(ix, team, name)
	end := prefixEnd(prefix)
	if p.Cursor != "" {
		end = prefix + num20(before)
	}
	resp, err := s.get(ctx, prefix, withRange(end), withDescend(), withLimit(int64(limit+1)))
	if err != nil {
		return nil, "", err
	}
	kvs := resp.Kvs
	next := ""
	if len(kvs) > limit {
		kvs = kvs[:limit]
		seq, err := parseNum(string(kvs[limit-1].Key))
		if err != nil {
			return nil, "", corrupt(kvs[limit-1].Key, errors.New("bad index key"))
		}
		next = drafts.PageCursor(seq)
	}
	ids := make([]string, len(kvs))
	for i, kv := range kvs {
		ids[i] = string(kv.Value)
	}
	sts, err := s.loadMany(ctx, team, ids, resp.Header.Revision, func(i int) []byte { return kvs[i].Key })
	if err != nil {
		return nil, "", err
	}
	out := make([]drafts.Draft, 0, len(sts))
	for _, st := range sts {
		out = append(out, st.Draft)
	}
	return out, next, nil
}

// loadMany reads the drafts ids of team at revision rev, in chunks of one
// transaction each; a missing one is corrupt (its index entry, keyOf(i),
// points nowhere).
func (s *Store) loadMany(ctx context.Context, team string, ids []string, rev int64, keyOf func(i int) []byte) ([]*state, error) {
	return s.loadPairs(ctx, len(ids), func(i int) (string, string) { return team, ids[i] }, rev, keyOf)
}

func (s *Store) loadPairs(ctx context.Context, n int, at func(i int) (team, id string), rev int64, keyOf func(i int) []byte) ([]*state, error) {
	out := make([]*state, 0, n)
	for lo := 0; lo < n; lo += maxTxnOps {
		hi := min(lo+maxTxnOps, n)
		ops := make([]requestOp, 0, hi-lo)
		for i := lo; i < hi; i++ {
			team, id := at(i)
			ops = append(ops, opGet(s.draftKey(team, id), withRev(rev)))
		}
		resp, err := s.read(ctx, ops...)
		if err != nil {
			return nil, err
		}
		for j, r := range resp.Responses {
			team, id := at(lo + j)
			kvs := r.get().Kvs
			if len(kvs) == 0 {
				return nil, corrupt(keyOf(lo+j), fmt.Errorf("points to missing draft %q", id))
			}
			st, err := decodeState(kvs[0], team, id)
			if err != nil {
				return nil, err
			}
			out = append(out, st)
		}
	}
	return out, nil
}

// change is what an update function wants written besides the record.
type change struct {
	cmps    []compare
	ops     []requestOp
	events  []drafts.Event
	changed bool // values, reviews, status or posting changed: Updated moves
	write   bool // write the record even if nothing changed (a claim in ReviewOnce)
	landed  bool // the function found its own earlier write: report it
}

// updateFn changes st (read in this attempt) and says in c what to write.
// It may read other keys (adding compares on them) and runs again after a
// failed compare, so it sets everything from scratch each time.
type updateFn func(ctx context.Context, st *state, now time.Time, tok string, c *change) error

// update loads a draft, lets fn change it and writes the result in one
// transaction that compares the draft's mod revision with the one read;
// when another writer got there first it starts again from a fresh read.
func (s *Store) update(ctx context.Context, team, id string, fn updateFn) (d drafts.Draft, changed, landed bool, err error) {
	tok := token()
	key := s.draftKey(team, id)
	r := s.retrier(ctx)
	for {
		if err := ctx.Err(); err != nil {
			return drafts.Draft{}, false, false, err
		}
		resp, err := s.get(ctx, key)
		if err != nil {
			return drafts.Draft{}, false, false, err
		}
		if len(resp.Kvs) == 0 {
			return drafts.Draft{}, false, false, fmt.Errorf("draft %s in team %s: %w", id, team, drafts.ErrNotFound)
		}
		kv := resp.Kvs[0]
		st, err := decodeState(kv, team, id)
		if err != nil {
			return drafts.Draft{}, false, false, err
		}
		if r.ambiguous && st.op == tok {
			return st.Draft, true, true, nil // the attempt whose answer was lost landed
		}
		oldStatus, oldRefresh := st.Status, st.RefreshPending
		now := s.now()
		c := &change{}
		if err := fn(ctx, st, now, tok, c); err != nil {
			return drafts.Draft{}, false, false, err
		}
		if c.landed {
			return st.Draft, st.op == tok, true, nil
		}
		if !c.changed && len(c.events) == 0 && !c.write {
			return st.Draft, false, false, nil
		}
		ops := c.ops
		for _, e := range c.events {
			if e.At.IsZero() {
				e.At = now
			}
			if e.Revision == 0 {
				e.Revision = st.Revision
			}
			e.Note = drafts.TrimNote(e.Note)
			ops = append(ops, opPut(s.evKey(team, id, st.events), string(encodeEvent(&e))))
			st.events++
		}
		if c.changed {
			st.Updated = now
		}
		st.op = tok
		ops = append(ops, opPut(key, string(encodeState(st))))
		if st.Status != oldStatus {
			ops = append(ops, opDelete(s.statusKey(oldStatus, team, id)), opPut(s.statusKey(st.Status, team, id), ""))
		}
		if st.RefreshPending != oldRefresh {
			ops = append(ops, s.refreshOp(st))
		}
		cmps := append([]compare{modRevisionIs(key, kv.ModRevision)}, c.cmps...)
		actx, cancel := r.attempt()
		tr, err := s.cli.txn(actx, cmps, ops, nil)
		cancel()
		switch {
		case leaseGone(err):
			s.dropLease()
			continue
		case err != nil:
			if err := r.failed(err, true); err != nil {
				return drafts.Draft{}, false, false, err
			}
			continue
		case !tr.Succeeded:
			if err := r.conflict(); err != nil {
				return drafts.Draft{}, false, false, err
			}
			continue
		}
		return st.Draft, c.changed, false, nil
	}
}

// Revise makes values the draft's new revision, as drafts.Store.Revise
// does: drafts.ErrConflict when base is not the current revision.
func (s *Store) Revise(ctx context.Context, team, id string, base int, editor string, values map[string]string) (drafts.Draft, error) {
	if err := drafts.ValidateNames("team", team, "id", id, "editor", editor); err != nil {
		return drafts.Draft{}, fmt.Errorf("revise draft: %w", err)
	}
	err := drafts.ValidateValues(values)
	if err == nil {
		err = checkSize(values)
	}
	if err != nil {
		return drafts.Draft{}, fmt.Errorf("revise draft: %w", err)
	}
	vals := maps.Clone(values)
	if vals == nil {
		vals = map[string]string{}
	}
	d, _, _, err := s.update(ctx, team, id, func(_ context.Context, st *state, now time.Time, _ string, c *change) error {
		rev, e, err := drafts.ApplyRevise(&st.Draft, base, editor, vals, now)
		if err != nil || rev == nil {
			return err
		}
		c.changed = true
		c.events = []drafts.Event{*e}
		c.ops = []requestOp{opPut(s.revKey(team, id, rev.Number), string(encodeRevision(rev)))}
		return nil
	})
	if err != nil {
		return drafts.Draft{}, fmt.Errorf("revise draft: %w", err)
	}
	return d, nil
}

// reviewFn applies a review change.
func reviewFn(kind drafts.ReviewKind, user string, required int) updateFn {
	return func(_ context.Context, st *state, now time.Time, _ string, c *change) error {
		e, err := drafts.ApplyReview(&st.Draft, kind, user, required, now)
		if err != nil || e == nil {
			return err
		}
		c.changed = true
		c.events = []drafts.Event{*e}
		return nil
	}
}

func (s *Store) review(ctx context.Context, op string, kind drafts.ReviewKind, team, id, user string, required int) (drafts.Draft, bool, error) {
	if err := drafts.ValidateNames("team", team, "id", id, "user", user); err != nil {
		return drafts.Draft{}, false, fmt.Errorf("%s: %w", op, err)
	}
	d, changed, _, err := s.update(ctx, team, id, reviewFn(kind, user, required))
	if err != nil {
		return drafts.Draft{}, false, fmt.Errorf("%s: %w", op, err)
	}
	return d, changed, nil
}

// Approve records user's approval, as drafts.Store.Approve does.
func (s *Store) Approve(ctx context.Context, team, id, user string, required int) (drafts.Draft, bool, error) {
	return s.review(ctx, "approve draft", drafts.ReviewApprove, team, id, user, required)
}

// Withdraw removes user's approval, as drafts.Store.Withdraw does.
func (s *Store) Withdraw(ctx context.Context, team, id, user string, required int) (drafts.Draft, bool, error) {
	return s.review(ctx, "withdraw approval", drafts.ReviewWithdraw, team, id, user, required)
}

// RequestChanges records user's change request, as
// drafts.Store.RequestChanges does.
func (s *Store) RequestChanges(ctx context.Context, team, id, user string) (drafts.Draft, bool, error) {
	return s.review(ctx, "request changes", drafts.ReviewRequestChanges, team, id, user, 1)
}

// WithdrawChangeRequest removes user's change request, as
// drafts.Store.WithdrawChangeRequest does.
func (s *Store) WithdrawChangeRequest(ctx context.Context, team, id, user string, required int) (drafts.Draft, bool, error) {
	return s.review(ctx, "withdraw change request", drafts.ReviewWithdrawChangeRequest, team, id, user, required)
}

// ReviewOnce claims key and applies a review change in one transaction, as
// drafts.Store.ReviewOnce does, so a reaction redelivered to another
// replica is applied at most once.
func (s *Store) ReviewOnce(ctx context.Context, key, team, id, user string, kind drafts.ReviewKind, required int) (drafts.Draft, bool, bool, error) {
	op := "review draft"
	if key == "" {
		d, changed, err := s.review(ctx, op, kind, team, id, user, required)
		return d, changed, err == nil, err
	}
	if err := drafts.ValidateNames("team", team, "id", id, "user", user); err != nil {
		return drafts.Draft{}, false, false, fmt.Errorf("%s: %w", op, err)
	}
	if err := drafts.ValidateClaimKey(key); err != nil {
		return drafts.Draft{}, false, false, fmt.Errorf("%s: %w", op, err)
	}
	if !kind.Valid() {
		return drafts.Draft{}, false, false, fmt.Errorf("%s: review kind %q: %w", op, kind, drafts.ErrInvalid)
	}
	apply := reviewFn(kind, user, required)
	var first bool
	d, changed, landed, err := s.update(ctx, team, id, func(ctx context.Context, st *state, now time.Time, tok string, c *change) error {
		first = false
		seen, mr, err := s.readSeen(ctx, key)
		if err != nil {
			return err
		}
		if seen != nil && seen.Expires > now.UnixNano() {
			first = seen.Op == tok // our own claim, whose answer was lost
			c.landed = first
			return nil
		}
		claim, err := s.claimOps(ctx, key, seen, now, tok)
		if err != nil {
			return err
		}
		first = true
		if err := apply(ctx, st, now, tok, c); err != nil {
			return err
		}
		c.write = true
		c.cmps = append(c.cmps, modRevisionIs(s.seenKey(key), mr))
		c.ops = append(c.ops, claim...)
		return nil
	})
	if err != nil {
		return drafts.Draft{}, false, false, fmt.Errorf("%s: %w", op, err)
	}
	return d, changed, first || landed, nil
}

// readSeen reads key's seen-record and its mod revision (nil, 0 if none).
func (s *Store) readSeen(ctx context.Context, key string) (*seenJSON, int64, error) {
	resp, err := s.get(ctx, s.seenKey(key))
	if err != nil {
		return nil, 0, err
	}
	if len(resp.Kvs) == 0 {
		return nil, 0, nil
	}
	var sj seenJSON
	if err := json.Unmarshal(resp.Kvs[0].Value, &sj); err != nil {
		// An unreadable record is treated as expired: overwrite it.
		return &seenJSON{}, resp.Kvs[0].ModRevision, nil
	}
	return &sj, resp.Kvs[0].ModRevision, nil
}

// claimOps are the writes that claim key at now: the seen-record and its
// expiry entry (both on the shared lease), minus the old expiry entry.
func (s *Store) claimOps(ctx context.Context, key string, old *seenJSON, now time.Time, tok string) ([]requestOp, error) {
	lease, err := s.seenLease(ctx)
	if err != nil {
		return nil, err
	}
	exp := now.Add(drafts.SeenTTL).UnixNano()
	v, _ := json.Marshal(seenJSON{Expires: exp, Op: tok})
	ops := []requestOp{
		opPut(s.seenKey(key), string(v), withLease(lease)),
		opPut(s.seenExpKey(uint64(exp), key), "", withLease(lease)),
	}
	if old != nil && old.Expires > 0 {
		ops = append(ops, opDelete(s.seenExpKey(uint64(old.Expires), key)))
	}
	return ops, nil
}

// Claim records key as seen and reports whether this is its first sighting,
// as drafts.Store.Claim does: a create-if-absent transaction, so exactly
// one replica gets true. It returns drafts.ErrInvalid, or the context's or
// etcd's error.
func (s *Store) Claim(ctx context.Context, key string) (bool, error) {
	if err := drafts.ValidateClaimKey(key); err != nil {
		return false, err
	}
	tok := token()
	r := s.retrier(ctx)
	for {
		if err := ctx.Err(); err != nil {
			return false, fmt.Errorf("claim: %w", err)
		}
		seen, mr, err := s.readSeen(ctx, key)
		if err != nil {
			return false, fmt.Errorf("claim: %w", err)
		}
		now := s.now()
		if seen != nil && seen.Expires > now.UnixNano() {
			return seen.Op == tok, nil
		}
		ops, err := s.claimOps(ctx, key, seen, now, tok)
		if err != nil {
			return false, fmt.Errorf("claim: %w", err)
		}
		actx, cancel := r.attempt()
		tr, err := s.cli.txn(actx, []compare{modRevisionIs(s.seenKey(key), mr)}, ops, nil)
		cancel()
		switch {
		case leaseGone(err):
			s.dropLease()
			continue
		case err != nil:
			if err := r.failed(err, true); err != nil {
				return false, fmt.Errorf("claim: %w", err)
			}
			continue
		case !tr.Succeeded:
			if err := r.conflict(); err != nil {
				return false, fmt.Errorf("claim: %w", err)
			}
			continue
		}
		return true, nil
	}
}

// Sweep deletes the seen-records whose stored expiry has passed and
// returns how many it deleted, as drafts.Store.Sweep does (leases remove
// them anyway a little later).
func (s *Store) Sweep(ctx context.Context) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("sweep seen records: %w", err)
	}
	now := uint64(max(s.now().UnixNano(), 0))
	prefix := s.seenExpPrefix()
	resp, err := s.get(ctx, prefix, withRange(prefix+num20(now+1)), withKeysOnly())
	if err != nil {
		return 0, fmt.Errorf("sweep seen records: %w", err)
	}
	n := 0
	for lo := 0; lo < len(resp.Kvs); lo += maxTxnOps / 2 {
		chunk := resp.Kvs[lo:min(lo+maxTxnOps/2, len(resp.Kvs))]
		deleted, err := s.sweepChunk(ctx, chunk)
		n += deleted
		if err != nil {
			return n, fmt.Errorf("sweep seen records: %w", err)
		}
	}
	return n, nil
}

// sweepChunk deletes expiry entries and the seen-records they expire
// (unless a newer claim replaced them), in one transaction.
func (s *Store) sweepChunk(ctx context.Context, exps []*keyValue) (int, error) {
	r := s.retrier(ctx)
	for {
		gets := make([]requestOp, 0, len(exps))
		keys := make([]string, len(exps))
		exp := make([]uint64, len(exps))
		for i, kv := range exps {
			expStr, k, _ := strings.Cut(strings.TrimPrefix(string(kv.Key), s.seenExpPrefix()), "/")
			e, err := strconv.ParseUint(expStr, 10, 64)
			if err != nil {
				return 0, corrupt(kv.Key, errors.New("bad expiry key"))
			}
			key, err := unesc(k)
			if err != nil {
				return 0, corrupt(kv.Key, err)
			}
			keys[i], exp[i] = key, e
			gets = append(gets, opGet(s.seenKey(key)))
		}
		resp, err := s.read(ctx, gets...)
		if err != nil {
			return 0, err
		}
		var cmps []compare
		var ops []requestOp
		for i, kv := range exps {
			ops = append(ops, opDelete(string(kv.Key)))
			seen := resp.Responses[i].get().Kvs
			if len(seen) == 0 {
				continue
			}
			var sj seenJSON
			if json.Unmarshal(seen[0].Value, &sj) != nil || uint64(sj.Expires) == exp[i] {
				cmps = append(cmps, modRevisionIs(string(seen[0].Key), seen[0].ModRevision))
				ops = append(ops, opDelete(string(seen[0].Key)))
			}
		}
		actx, cancel := r.attempt()
		tr, err := s.cli.txn(actx, cmps, ops, nil)
		cancel()
		switch {
		case err != nil:
			if err := r.failed(err, true); err != nil {
				return 0, err
			}
			continue
		case !tr.Succeeded:
			if err := r.conflict(); err != nil {
				return 0, err
			}
			continue
		}
		return len(exps), nil
	}
}

// MarkPosted records that the draft was posted as message m, as
// drafts.Store.MarkPosted does, and releases its post claim.
func (s *Store) MarkPosted(ctx context.Context, team, id string, m drafts.Message) (drafts.Draft, error) {
	if err := drafts.ValidateNames("team", team, "id", id, "message channel", m.Channel, "message ts", m.TS); err != nil {
		return drafts.Draft{}, fmt.Errorf("mark posted: %w", err)
	}
	mk := s.msgKey(team, m)
	d, _, _, err := s.update(ctx, team, id, func(ctx context.Context, st *state, now time.Time, _ string, c *change) error {
		resp, err := s.get(ctx, mk)
		if err != nil {
			return err
		}
		var mr int64
		if len(resp.Kvs) == 1 {
			if owner := string(resp.Kvs[0].Value); owner != id {
				return fmt.Errorf("message %s/%s already belongs to draft %s: %w", m.Channel, m.TS, owner, drafts.ErrConflict)
			}
			mr = resp.Kvs[0].ModRevision
		}
		wasPending, queued := st.PostPending, st.queued
		e := drafts.ApplyPosted(&st.Draft, m, now)
		if e == nil {
			return nil
		}
		if wasPending {
			c.ops = append(c.ops, opDelete(s.outboxKey(queued, team, id)))
		}
		st.queued = time.Time{}
		c.ops = append(c.ops, opPut(mk, id), opDelete(s.postingKey(team, id)))
		c.cmps = append(c.cmps, modRevisionIs(mk, mr))
		c.changed = true
		c.events = []drafts.Event{*e}
		return nil
	})
	if err != nil {
		return drafts.Draft{}, fmt.Errorf("mark posted: %w", err)
	}
	return d, nil
}

// MarkPostFailed takes the draft out of the outbox after a failed post, as
// drafts.Store.MarkPostFailed does, and releases its post claim.
func (s *Store) MarkPostFailed(ctx context.Context, team, id, reason string) (drafts.Draft, error) {
	if err := drafts.ValidateNames("team", team, "id", id); err != nil {
		return drafts.Draft{}, fmt.Errorf("mark post failed: %w", err)
	}
	d, _, _, err := s.update(ctx, team, id, func(_ context.Context, st *state, now time.Time, _ string, c *change) error {
		if st.PostPending {
			c.ops = append(c.ops, opDelete(s.outboxKey(st.queued, team, id)))
		}
		st.PostPending, st.queued = false, time.Time{}
		c.ops = append(c.ops, opDelete(s.postingKey(team, id)))
		c.changed = true
		c.events = []drafts.Event{{Kind: drafts.EventPostFailed, Note: reason}}
		return nil
	})
	if err != nil {
		return drafts.Draft{}, fmt.Errorf("mark post failed: %w", err)
	}
	return d, nil
}

// Requeue puts the draft back in the outbox, as drafts.Store.Requeue does.
func (s *Store) Requeue(ctx context.Context, team, id, channel string) (drafts.Draft, error) {
	if err := drafts.ValidateNames("team", team, "id", id); err != nil {
		return drafts.Draft{}, fmt.Errorf("requeue draft: %w", err)
	}
	if channel != "" {
		if err := drafts.ValidateNames("channel", channel); err != nil {
			return drafts.Draft{}, fmt.Errorf("requeue draft: %w", err)
		}
	}
	d, _, _, err := s.update(ctx, team, id, func(_ context.Context, st *state, now time.Time, _ string, c *change) error {
		to := channel
		if to == "" {
			to = st.Channel
		}
		if st.PostPending && to == st.Channel {
			return nil
		}
		if st.PostPending {
			c.ops = append(c.ops, opDelete(s.outboxKey(st.queued, team, id)))
		}
		if to != st.Channel {
			c.ops = append(c.ops,
				opDelete(s.indexKey(byChannel, team, st.Channel, st.seq)),
				opPut(s.indexKey(byChannel, team, to, st.seq), id))
			st.Channel = to
		}
		st.PostPending, st.queued = true, now
		c.ops = append(c.ops, opPut(s.outboxKey(now, team, id), ""))
		c.changed = true
		c.events = []drafts.Event{{Kind: drafts.EventRequeued, Note: "to " + to}}
		return nil
	})
	if err != nil {
		return drafts.Draft{}, fmt.Errorf("requeue draft: %w", err)
	}
	return d, nil
}

// refreshOp puts st in the refresh index, or takes it out, as its
// RefreshPending says.
func (s *Store) refreshOp(st *state) requestOp {
	if st.RefreshPending {
		return opPut(s.refreshKey(st.Team, st.ID), "")
	}
	return opDelete(s.refreshKey(st.Team, st.ID))
}

// MarkShown clears RefreshPending once the review message shows the state
// with events events, as drafts.Store.MarkShown does; the transaction
// compares the draft's mod revision, so a change since keeps it pending.
func (s *Store) MarkShown(ctx context.Context, team, id string, events int) (bool, error) {
	if err := drafts.ValidateNames("team", team, "id", id); err != nil {
		return false, fmt.Errorf("mark shown: %w", err)
	}
	key := s.draftKey(team, id)
	r := s.retrier(ctx)
	for {
		if err := ctx.Err(); err != nil {
			return false, fmt.Errorf("mark shown: %w", err)
		}
		resp, err := s.get(ctx, key)
		if err != nil {
			return false, fmt.Errorf("mark shown: %w", err)
		}
		if len(resp.Kvs) == 0 {
			return false, fmt.Errorf("mark shown: draft %s in team %s: %w", id, team, drafts.ErrNotFound)
		}
		st, err := decodeState(resp.Kvs[0], team, id)
		if err != nil {
			return false, fmt.Errorf("mark shown: %w", err)
		}
		if st.events != events {
			return false, nil
		}
		if !st.RefreshPending {
			return r.ambiguous, nil // cleared by our attempt whose answer was lost, or by another
		}
		st.RefreshPending = false
		actx, cancel := r.attempt()
		tr, err := s.cli.txn(actx, []compare{modRevisionIs(key, resp.Kvs[0].ModRevision)},
			[]requestOp{opPut(key, string(encodeState(st))), s.refreshOp(st)}, nil)
		cancel()
		switch {
		case err != nil:
			if err := r.failed(err, true); err != nil {
				return false, fmt.Errorf("mark shown: %w", err)
			}
			continue
		case !tr.Succeeded:
			if err := r.conflict(); err != nil {
				return false, fmt.Errorf("mark shown: %w", err)
			}
			continue
		}
		return true, nil
	}
}

// ToRefresh returns every team's drafts with RefreshPending, without
// history, as drafts.Store.ToRefresh does.
func (s *Store) ToRefresh(ctx context.Context) ([]drafts.Draft, error) {
	ds, err := s.listIndex(ctx, s.refreshPrefix(), func(tail string) (string, string, error) { return splitTeamID(tail) })
	if err != nil {
		return nil, fmt.Errorf("list drafts to refresh: %w", err)
	}
	return ds, nil
}

// listIndex loads the drafts named by the keys under prefix (keys-only,
// one snapshot); split turns a key's tail into team and id.
func (s *Store) listIndex(ctx context.Context, prefix string, split func(tail string) (string, string, error)) ([]drafts.Draft, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	resp, err := s.get(ctx, prefix, withPrefix(), withKeysOnly())
	if err != nil {
		return nil, err
	}
	type pair struct{ team, id string }
	pairs := make([]pair, len(resp.Kvs))
	for i, kv := range resp.Kvs {
		team, id, err := split(strings.TrimPrefix(string(kv.Key), prefix))
		if err != nil {
			return nil, corrupt(kv.Key, errors.New("bad index key"))
		}
		pairs[i] = pair{team, id}
	}
	sts, err := s.loadPairs(ctx, len(pairs), func(i int) (string, string) { return pairs[i].team, pairs[i].id },
		resp.Header.Revision, func(i int) []byte { return resp.Kvs[i].Key })
	if err != nil {
		return nil, err
	}
	out := make([]drafts.Draft, 0, len(sts))
	for _, st := range sts {
		out = append(out, st.Draft)
	}
	return out, nil
}

// Pending returns the outbox of every team, oldest queued first, without
// history, as drafts.Store.Pending does.
func (s *Store) Pending(ctx context.Context) ([]drafts.Draft, error) {
	ds, err := s.listIndex(ctx, s.outboxPrefix(), func(tail string) (string, string, error) {
		_, rest, _ := strings.Cut(tail, "/") // queued time, then TEAM/ID
		return splitTeamID(rest)
	})
	if err != nil {
		return nil, fmt.Errorf("list pending drafts: %w", err)
	}
	return ds, nil
}

// ClaimPost claims, for ttl (at least a second; etcd rounds leases up to
// whole seconds and to its minimum), the right to post a draft in the
// outbox, as drafts.Store.ClaimPost does: a key with a lease of ttl,
// created only if absent and only while the draft is pending, so exactly
// one replica posts it, and a dead replica's claim lapses on the cluster's
// clock. It returns drafts.ErrNotFound, drafts.ErrInvalid, or the
// context's or etcd's error.
func (s *Store) ClaimPost(ctx context.Context, team, id string, ttl time.Duration) (bool, error) {
	if err := drafts.ValidateNames("team", team, "id", id); err != nil {
		return false, fmt.Errorf("claim post: %w", err)
	}
	if ttl < time.Second {
		return false, fmt.Errorf("claim post: ttl %s is under a second: %w", ttl, drafts.ErrInvalid)
	}
	tok := token()
	dk, pk := s.draftKey(team, id), s.postingKey(team, id)
	r := s.retrier(ctx)
	for {
		if err := ctx.Err(); err != nil {
			return false, fmt.Errorf("claim post: %w", err)
		}
		rd, err := s.read(ctx, opGet(dk), opGet(pk))
		if err != nil {
			return false, fmt.Errorf("claim post: %w", err)
		}
		dkv := rd.Responses[0].get().Kvs
		if len(dkv) == 0 {
			return false, fmt.Errorf("claim post: draft %s in team %s: %w", id, team, drafts.ErrNotFound)
		}
		if pkv := rd.Responses[1].get().Kvs; len(pkv) == 1 {
			return string(pkv[0].Value) == tok, nil // ours if an earlier attempt landed
		}
		st, err := decodeState(dkv[0], team, id)
		if err != nil {
			return false, fmt.Errorf("claim post: %w", err)
		}
		if !st.PostPending {
			return false, nil
		}
		actx, cancel := r.attempt()
		lease, err := s.cli.grant(actx, int64((ttl+time.Second-1)/time.Second))
		cancel()
		if err != nil {
			if err := r.failed(err, false); err != nil {
				return false, fmt.Errorf("claim post: %w", err)
			}
			continue
		}
		actx, cancel = r.attempt()
		tr, err := s.cli.txn(actx, []compare{modRevisionIs(dk, dkv[0].ModRevision), createRevisionIs(pk, 0)},
			[]requestOp{opPut(pk, tok, withLease(lease))}, nil)
		cancel()
		switch {
		case err != nil:
			if err := r.failed(err, true); err != nil {
				return false, fmt.Errorf("claim post: %w", err)
			}
			continue
		case !tr.Succeeded:
			s.revoke(lease)
			if err := r.conflict(); err != nil {
				return false, fmt.Errorf("claim post: %w", err)
			}
			continue
		}
		return true, nil
	}
}

// revoke drops an unused lease, best effort (it expires anyway).
func (s *Store) revoke(id int64) {
	ctx, cancel := context.WithTimeout(context.Background(), s.reqTO)
	defer cancel()
	_ = s.cli.revoke(ctx, id)
}

// RecordExport adds an "exported" event by user, as
// drafts.Store.RecordExport does.
func (s *Store) RecordExport(ctx context.Context, team, id, user string) error {
	if err := drafts.ValidateNames("team", team, "id", id, "user", user); err != nil {
		return fmt.Errorf("record export: %w", err)
	}
	_, _, _, err := s.update(ctx, team, id, func(_ context.Context, _ *state, _ time.Time, _ string, c *change) error {
		c.events = []drafts.Event{{Kind: drafts.EventExported, User: user}}
		return nil
	})
	if err != nil {
		return fmt.Errorf("record export: %w", err)
	}
	return nil
}

// CountByStatus counts every team's drafts by status from the status
// index (count-only ranges in one transaction); all four statuses are in
// the map. It returns the context's or etcd's error.
func (s *Store) CountByStatus(ctx context.Context) (map[drafts.Status]int, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("count drafts: %w", err)
	}
	sts := drafts.AllStatuses()
	ops := make([]requestOp, len(sts))
	for i, st := range sts {
		ops[i] = opGet(s.statusPrefix(st), withPrefix(), withCountOnly())
	}
	resp, err := s.read(ctx, ops...)
	if err != nil {
		return nil, fmt.Errorf("count drafts: %w", err)
	}
	counts := make(map[drafts.Status]int, len(sts))
	for i, st := range sts {
		counts[st] = int(resp.Responses[i].get().Count)
	}
	return counts, nil
}

// Walk calls fn with every draft of every team, with its full history, in
// key order, all read at one revision (a consistent snapshot). It stops at
// fn's first error and returns it; it also returns drafts.ErrCorrupt for a
// record that does not decode, or etcd's error.
func (s *Store) Walk(ctx context.Context, fn func(drafts.Draft) error) error {
	if err := s.walk(ctx, fn); err != nil {
		return fmt.Errorf("walk drafts: %w", err)
	}
	return nil
}

func (s *Store) walk(ctx context.Context, fn func(drafts.Draft) error) error {
	prefix := s.draftsPrefix()
	from, end := prefix, prefixEnd(prefix)
	var rev int64
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		opts := []opOption{withRange(end), withLimit(maxTxnOps), withKeysOnly()}
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
			team, id, err := splitTeamID(strings.TrimPrefix(string(kv.Key), prefix))
			if err != nil {
				return corrupt(kv.Key, errors.New("bad key"))
			}
			d, err := s.getFull(ctx, team, id, rev)
			if err != nil {
				return err
			}
			if err := fn(d); err != nil {
				return err
			}
		}
		if !resp.More || len(resp.Kvs) == 0 {
			return nil
		}
		from = string(resp.Kvs[len(resp.Kvs)-1].Key) + "\x00"
	}
}
