package etcd

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/jobdesc/jobdesc/drafts"
)

// ImportResult says what Import did with a draft.
type ImportResult int

// Import results.
const (
	Imported  ImportResult = iota // written, with its history and indexes
	Unchanged                     // already there, the same
	Differs                       // already there but changed since: left as it is
)

// Import writes a draft read from another store (with its full history,
// as drafts.Store.Walk gives it) under the same team and id, unless a
// draft with that id exists: then it changes nothing and says whether the
// stored one is the same (an earlier run copied it) or differs (it changed
// here since, or the id was reused). Running it again is safe: it is how
// jobdesc migrate resumes. The team's sequence key is raised to the
// draft's number, the draft is indexed for lists, counts and the outbox
// as Create would, and every message it was posted as (its "posted"
// events) is indexed for FindByMessage unless another draft holds it. It
// returns drafts.ErrInvalid for a draft without history or an id without
// a number, drafts.ErrCorrupt, or the context's or etcd's error.
func (s *Store) Import(ctx context.Context, d drafts.Draft) (ImportResult, error) {
	res, err := s.importDraft(ctx, d)
	if err != nil {
		return 0, fmt.Errorf("import draft %s of team %s: %w", d.ID, d.Team, err)
	}
	return res, nil
}

func (s *Store) importDraft(ctx context.Context, d drafts.Draft) (ImportResult, error) {
	if err := drafts.ValidateNames("team", d.Team, "id", d.ID, "channel", d.Channel, "author", d.Author); err != nil {
		return 0, err
	}
	seq, ok := drafts.DraftSeq(d.ID)
	switch {
	case !ok:
		return 0, fmt.Errorf("id without a sequence number: %w", drafts.ErrInvalid)
	case d.Revision < 1 || len(d.Revisions) != d.Revision || len(d.Events) == 0:
		return 0, fmt.Errorf("%d revisions and %d events for revision %d: %w", len(d.Revisions), len(d.Events), d.Revision, drafts.ErrInvalid)
	}
	dk, seqKey := s.draftKey(d.Team, d.ID), s.seqKey(d.Team)
	tok := token()
	r := s.retrier(ctx)
	for {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		existing, err := s.getFull(ctx, d.Team, d.ID, 0)
		switch {
		case err == nil:
			if sameDraft(existing, d) {
				return Unchanged, nil
			}
			return Differs, nil
		case !errors.Is(err, drafts.ErrNotFound):
			return 0, err
		}
		// History first, in chunks, each only while the draft is absent.
		var hist []requestOp
		for i := range d.Revisions {
			hist = append(hist, opPut(s.revKey(d.Team, d.ID, d.Revisions[i].Number), string(encodeRevision(&d.Revisions[i]))))
		}
		for i := range d.Events {
			e := d.Events[i]
			e.Note = drafts.TrimNote(e.Note)
			hist = append(hist, opPut(s.evKey(d.Team, d.ID, i), string(encodeEvent(&e))))
		}
		absent := createRevisionIs(dk, 0)
		raced := false
		for lo := 0; lo < len(hist) && !raced; lo += maxTxnOps {
			ok, err := s.commit(ctx, r, []compare{absent}, hist[lo:min(lo+maxTxnOps, len(hist))])
			if err != nil {
				return 0, err
			}
			raced = !ok
		}
		if raced {
			continue // the draft appeared meanwhile: compare with it
		}
		resp, err := s.get(ctx, seqKey)
		if err != nil {
			return 0, err
		}
		cur, seqRev := uint64(0), int64(0)
		if len(resp.Kvs) == 1 {
			if _, err := fmt.Sscan(string(resp.Kvs[0].Value), &cur); err != nil {
				return 0, corrupt(resp.Kvs[0].Key, errors.New("bad sequence"))
			}
			seqRev = resp.Kvs[0].ModRevision
		}
		st := &state{Draft: d, seq: seq, events: len(d.Events), op: tok}
		st.Revisions, st.Events = nil, nil
		if st.PostPending {
			st.queued = d.Updated
		}
		ops := []requestOp{
			opPut(seqKey, fmt.Sprint(max(cur, seq))),
			opPut(dk, string(encodeState(st))),
			opPut(s.indexKey(byAuthor, d.Team, d.Author, seq), d.ID),
			opPut(s.indexKey(byChannel, d.Team, d.Channel, seq), d.ID),
			opPut(s.statusKey(d.Status, d.Team, d.ID), ""),
		}
		if st.PostPending {
			ops = append(ops, opPut(s.outboxKey(st.queued, d.Team, d.ID), ""))
		}
		if st.RefreshPending {
			ops = append(ops, s.refreshOp(st))
		}
		for _, m := range postedMessages(d) {
			mk := s.msgKey(d.Team, m)
			ops = append(ops, opTxn(
				[]compare{createRevisionIs(mk, 0)},
				[]requestOp{opPut(mk, d.ID)}, nil))
		}
		ok, err := s.commit(ctx, r, []compare{absent, modRevisionIs(seqKey, seqRev)}, ops)
		if err != nil {
			return 0, err
		}
		if ok {
			return Imported, nil
		}
	}
}

// commit runs one write transaction with retries through transient
// failures and reports whether its compares held. A write whose answer was
// lost is retried: every caller's writes are idempotent puts guarded by
// compares that the landed attempt makes fail, and the caller re-reads.
func (s *Store) commit(ctx context.Context, r *retrier, cmps []compare, ops []requestOp) (bool, error) {
	for {
		actx, cancel := r.attempt()
		tr, err := s.cli.txn(actx, cmps, ops, nil)
		cancel()
		if err == nil {
			return tr.Succeeded, nil
		}
		if err := r.failed(err, true); err != nil {
			return false, err
		}
	}
}

// postedMessages are the messages a draft was posted as, from its "posted"
// events ("CHANNEL/TS") and its current Message.
func postedMessages(d drafts.Draft) []drafts.Message {
	var out []drafts.Message
	add := func(m drafts.Message) {
		if m.Channel != "" && m.TS != "" && !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	for _, e := range d.Events {
		if e.Kind != drafts.EventPosted {
			continue
		}
		if ch, ts, ok := strings.Cut(e.Note, "/"); ok {
			add(drafts.Message{Channel: ch, TS: ts})
		}
	}
	add(d.Message)
	return out
}

// sameDraft compares what a copy must keep: state, values, reviews and
// the length of the history.
func sameDraft(a, b drafts.Draft) bool {
	reviews := func(rs []drafts.Review) []string {
		var out []string
		for _, r := range rs {
			out = append(out, fmt.Sprintf("%s@%d@%d", r.User, r.Revision, r.At.UnixNano()))
		}
		return out
	}
	return a.Channel == b.Channel && a.Author == b.Author && a.Role == b.Role && a.Revision == b.Revision &&
		a.Status == b.Status && a.Message == b.Message && a.PostPending == b.PostPending && a.RefreshPending == b.RefreshPending &&
		maps.Equal(a.Values, b.Values) && slices.Equal(reviews(a.Approvals), reviews(b.Approvals)) &&
		slices.Equal(reviews(a.ChangeRequests), reviews(b.ChangeRequests)) &&
		len(a.Revisions) == len(b.Revisions) && len(a.Events) == len(b.Events) &&
		a.Created.Equal(b.Created) && a.Updated.Equal(b.Updated)
}
