package etcd

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jobdesc/jobdesc/drafts"
)

// state is a draft as stored: the Draft without history, plus bookkeeping.
type state struct {
	drafts.Draft
	seq    uint64    // per-team sequence number (orders the indexes)
	queued time.Time // when it entered the outbox (zero unless PostPending)
	events int       // number of events written (next event's number)
	op     string    // token of the write that stored this state
}

// record is the JSON of a draft key.
type record struct {
	Channel        string            `json:"channel"`
	Author         string            `json:"author"`
	Role           string            `json:"role,omitempty"`
	Revision       int               `json:"revision"`
	Values         map[string]string `json:"values"`
	Status         drafts.Status     `json:"status"`
	Approvals      []review          `json:"approvals,omitempty"`
	ChangeRequests []review          `json:"change_requests,omitempty"`
	MessageChannel string            `json:"message_channel,omitempty"`
	MessageTS      string            `json:"message_ts,omitempty"`
	PostPending    bool              `json:"post_pending,omitempty"`
	RefreshPending bool              `json:"refresh_pending,omitempty"`
	Queued         int64             `json:"queued,omitempty"` // Unix ns
	Created        int64             `json:"created"`
	Updated        int64             `json:"updated"`
	Seq            uint64            `json:"seq"`
	Events         int               `json:"events"`
	Op             string            `json:"op,omitempty"`
}

type review struct {
	User     string `json:"user"`
	Revision int    `json:"revision"`
	At       int64  `json:"at"`
}

type revisionJSON struct {
	Number  int               `json:"number"`
	Values  map[string]string `json:"values"`
	Editor  string            `json:"editor"`
	At      int64             `json:"at"`
	Changed []string          `json:"changed,omitempty"`
}

type eventJSON struct {
	Kind     drafts.EventKind `json:"kind"`
	User     string           `json:"user,omitempty"`
	Revision int              `json:"revision"`
	At       int64            `json:"at"`
	Note     string           `json:"note,omitempty"`
}

// seenJSON is a seen-record.
type seenJSON struct {
	Expires int64  `json:"expires"` // Unix ns
	Op      string `json:"op"`
}

func ns(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromNS(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

func toReviews(rs []drafts.Review) []review {
	out := make([]review, 0, len(rs))
	for _, r := range rs {
		out = append(out, review{User: r.User, Revision: r.Revision, At: ns(r.At)})
	}
	return out
}

func fromReviews(rs []review) []drafts.Review {
	if len(rs) == 0 {
		return nil
	}
	out := make([]drafts.Review, 0, len(rs))
	for _, r := range rs {
		out = append(out, drafts.Review{User: r.User, Revision: r.Revision, At: fromNS(r.At)})
	}
	return out
}

func encodeState(st *state) []byte {
	r := record{
		Channel: st.Channel, Author: st.Author, Role: st.Role, Revision: st.Revision,
		Values: st.Values, Status: st.Status,
		Approvals: toReviews(st.Approvals), ChangeRequests: toReviews(st.ChangeRequests),
		MessageChannel: st.Message.Channel, MessageTS: st.Message.TS,
		PostPending: st.PostPending, RefreshPending: st.RefreshPending, Queued: ns(st.queued),
		Created: ns(st.Created), Updated: ns(st.Updated),
		Seq: st.seq, Events: st.events, Op: st.op,
	}
	if r.Values == nil {
		r.Values = map[string]string{}
	}
	b, _ := json.Marshal(r) // strings, ints and maps of strings: cannot fail
	return b
}

var errBadRecord = errors.New("bad draft record")

func validStatus(st drafts.Status) bool {
	switch st {
	case drafts.StatusDraft, drafts.StatusInReview, drafts.StatusChangesRequested, drafts.StatusApproved:
		return true
	}
	return false
}

// decodeState decodes a draft key's value.
func decodeState(kv *keyValue, team, id string) (*state, error) {
	var r record
	if err := json.Unmarshal(kv.Value, &r); err != nil {
		return nil, corrupt(kv.Key, err)
	}
	if r.Revision < 1 || r.Events < 1 || !validStatus(r.Status) || r.Seq == 0 || r.Channel == "" || r.Author == "" {
		return nil, corrupt(kv.Key, errBadRecord)
	}
	if r.Values == nil {
		r.Values = map[string]string{}
	}
	return &state{
		Draft: drafts.Draft{
			Team: team, ID: id, Channel: r.Channel, Author: r.Author, Role: r.Role,
			Revision: r.Revision, Values: r.Values, Status: r.Status,
			Approvals: fromReviews(r.Approvals), ChangeRequests: fromReviews(r.ChangeRequests),
			Message:     drafts.Message{Channel: r.MessageChannel, TS: r.MessageTS},
			PostPending: r.PostPending, RefreshPending: r.RefreshPending,
			Created: fromNS(r.Created), Updated: fromNS(r.Updated),
		},
		seq: r.Seq, queued: fromNS(r.Queued), events: r.Events, op: r.Op,
	}, nil
}

func encodeRevision(v *drafts.Revision) []byte {
	b, _ := json.Marshal(revisionJSON{Number: v.Number, Values: v.Values, Editor: v.Editor, At: ns(v.At), Changed: v.Changed})
	return b
}

func decodeRevision(kv *keyValue) (drafts.Revision, error) {
	var r revisionJSON
	if err := json.Unmarshal(kv.Value, &r); err != nil {
		return drafts.Revision{}, corrupt(kv.Key, err)
	}
	if r.Number < 1 {
		return drafts.Revision{}, corrupt(kv.Key, errors.New("bad revision number"))
	}
	if r.Values == nil {
		r.Values = map[string]string{}
	}
	return drafts.Revision{Number: r.Number, Values: r.Values, Editor: r.Editor, At: fromNS(r.At), Changed: r.Changed}, nil
}

func encodeEvent(e *drafts.Event) []byte {
	b, _ := json.Marshal(eventJSON{Kind: e.Kind, User: e.User, Revision: e.Revision, At: ns(e.At), Note: e.Note})
	return b
}

func decodeEvent(kv *keyValue) (drafts.Event, error) {
	var e eventJSON
	if err := json.Unmarshal(kv.Value, &e); err != nil {
		return drafts.Event{}, corrupt(kv.Key, err)
	}
	if e.Kind == "" {
		return drafts.Event{}, corrupt(kv.Key, errors.New("event without a kind"))
	}
	return drafts.Event{Kind: e.Kind, User: e.User, Revision: e.Revision, At: fromNS(e.At), Note: e.Note}, nil
}

// corrupt reports a record that does not decode, naming its key.
func corrupt(key []byte, cause error) error {
	return fmt.Errorf("record %s: %v: %w", key, cause, drafts.ErrCorrupt)
}
