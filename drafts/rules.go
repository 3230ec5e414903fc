package drafts

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The rules in this file are the store contract's domain logic, exported so
// that every backend (this package's bbolt store, drafts/etcd) applies the
// same validation and the same state changes. They work on a Draft's
// current state (its Revisions and Events are neither read nor written);
// the backend stores what they return in the same transaction.

// SeenTTL is how long Claim remembers a key.
const SeenTTL = 24 * time.Hour

// ReviewKind names a review change (ReviewOnce, ApplyReview).
type ReviewKind string

// Review kinds: each is what the Store method of the same name does.
const (
	ReviewApprove               ReviewKind = "approve"
	ReviewWithdraw              ReviewKind = "withdraw"
	ReviewRequestChanges        ReviewKind = "request_changes"
	ReviewWithdrawChangeRequest ReviewKind = "withdraw_change_request"
)

// Valid reports whether k is one of the four review kinds.
func (k ReviewKind) Valid() bool {
	switch k {
	case ReviewApprove, ReviewWithdraw, ReviewRequestChanges, ReviewWithdrawChangeRequest:
		return true
	}
	return false
}

// op is the error context of a review kind ("approve draft: …").
func (k ReviewKind) op() string {
	switch k {
	case ReviewApprove:
		return "approve draft"
	case ReviewWithdraw:
		return "withdraw approval"
	case ReviewRequestChanges:
		return "request changes"
	case ReviewWithdrawChangeRequest:
		return "withdraw change request"
	}
	return "review draft"
}

// ValidateNames checks name pairs ("team", team, "id", id, …): each value
// must have 1-255 bytes and no NUL byte. The error names the first bad one
// and wraps ErrInvalid.
func ValidateNames(kv ...string) error { return checkNames(kv...) }

// ValidateValues checks a draft's values: no empty field id, at most 1 MiB
// in all. The error wraps ErrInvalid.
func ValidateValues(m map[string]string) error { return checkValues(m) }

// ValidateClaimKey checks a Claim key: 1-1024 bytes. The error wraps
// ErrInvalid.
func ValidateClaimKey(key string) error {
	if key == "" || len(key) > maxClaimKey {
		return fmt.Errorf("claim %q: key must have 1-%d bytes: %w", key, maxClaimKey, ErrInvalid)
	}
	return nil
}

// ValidateNew checks what Create needs and returns a copy of n.Values
// (never nil). The error wraps ErrInvalid.
func ValidateNew(n NewDraft) (map[string]string, error) {
	if err := checkNames("team", n.Team, "channel", n.Channel, "author", n.Author); err != nil {
		return nil, err
	}
	if err := checkPrefix(n.Prefix); err != nil {
		return nil, err
	}
	if len(n.Role) > maxName || strings.IndexByte(n.Role, 0) >= 0 {
		return nil, fmt.Errorf("role %q: %w", n.Role, ErrInvalid)
	}
	if err := checkValues(n.Values); err != nil {
		return nil, err
	}
	if n.Key != "" {
		if err := ValidateClaimKey(n.Key); err != nil {
			return nil, err
		}
	}
	values := maps.Clone(n.Values)
	if values == nil {
		values = map[string]string{}
	}
	return values, nil
}

// NewDraftState is a new draft's state: revision 1 with values (as returned
// by ValidateNew), status draft, PostPending unless n.Hold, its first
// revision and its "created" event. The id is n.Prefix + "-" + seq.
func NewDraftState(n NewDraft, values map[string]string, seq uint64, now time.Time) (Draft, Revision, Event) {
	d := Draft{
		Team: n.Team, ID: DraftID(n.Prefix, seq), Channel: n.Channel, Author: n.Author, Role: n.Role,
		Revision: 1, Values: values, Status: StatusDraft, PostPending: !n.Hold,
		Created: now, Updated: now,
	}
	rev := Revision{Number: 1, Values: values, Editor: n.Author, At: now, Changed: changedFields(nil, values)}
	return d, rev, Event{Kind: EventCreated, User: n.Author, Revision: 1, At: now}
}

// DraftID is the id of a team's seq-th draft: prefix + "-" + seq.
func DraftID(prefix string, seq uint64) string { return prefix + "-" + strconv.FormatUint(seq, 10) }

// DraftSeq is the sequence number at the end of a draft id ("AM-42" → 42),
// or false.
func DraftSeq(id string) (uint64, bool) {
	i := strings.LastIndexByte(id, '-')
	if i < 0 {
		return 0, false
	}
	n, err := strconv.ParseUint(id[i+1:], 10, 64)
	return n, err == nil && n > 0
}

// ApplyRevise makes values (validated, copied) the draft's next revision,
// edited by editor, as Revise does: it returns ErrConflict if base is not
// d.Revision, and a nil revision (nothing changed) when values equal the
// current ones. Otherwise it changes d (revision, values, reviews cleared,
// status, RefreshPending once posted, Updated) and returns the new
// revision and the "revised" event.
func ApplyRevise(d *Draft, base int, editor string, values map[string]string, now time.Time) (*Revision, *Event, error) {
	if base != d.Revision {
		return nil, nil, fmt.Errorf("draft %s is at revision %d, the edit was based on revision %d: %w", d.ID, d.Revision, base, ErrConflict)
	}
	changed := changedFields(d.Values, values)
	if len(changed) == 0 {
		return nil, nil, nil
	}
	notes := []string{"changed " + strings.Join(changed, ", ")}
	switch {
	case d.Status == StatusApproved:
		notes = append(notes, fmt.Sprintf("approvals reset: revision %d was approved by %s; back in review", d.Revision, users(d.Approvals)))
	case len(d.Approvals) > 0:
		notes = append(notes, "approvals reset: "+users(d.Approvals))
	}
	if len(d.ChangeRequests) > 0 {
		notes = append(notes, "change requests cleared: "+users(d.ChangeRequests))
	}
	d.Revision++
	d.Values = values
	d.Approvals, d.ChangeRequests = nil, nil
	if d.Status != StatusDraft {
		d.Status = StatusInReview
	}
	if d.Message.TS != "" {
		d.RefreshPending = true
	}
	d.Updated = now
	rev := &Revision{Number: d.Revision, Values: values, Editor: editor, At: now, Changed: changed}
	return rev, &Event{Kind: EventRevised, User: editor, Revision: d.Revision, At: now, Note: strings.Join(notes, "; ")}, nil
}

// ApplyReview applies a review change by user, as Approve, Withdraw,
// RequestChanges and WithdrawChangeRequest do, and returns its event, or
// nil when nothing changed (approving twice is one approval). It sets
// Updated when it changes d. An unknown kind is ErrInvalid.
func ApplyReview(d *Draft, kind ReviewKind, user string, required int, now time.Time) (*Event, error) {
	var e Event
	switch kind {
	case ReviewApprove:
		if hasUser(d.Approvals, user) {
			return nil, nil
		}
		e.Kind = EventApproved
		if hasUser(d.ChangeRequests, user) {
			d.ChangeRequests = withoutUser(d.ChangeRequests, user)
			e.Note = "replaces their change request"
		}
		d.Approvals = append(d.Approvals, Review{User: user, Revision: d.Revision, At: now})
	case ReviewWithdraw:
		if !hasUser(d.Approvals, user) {
			return nil, nil
		}
		d.Approvals = withoutUser(d.Approvals, user)
		e.Kind = EventApprovalWithdrawn
	case ReviewRequestChanges:
		if hasUser(d.ChangeRequests, user) {
			return nil, nil
		}
		e.Kind = EventChangesRequested
		if hasUser(d.Approvals, user) {
			d.Approvals = withoutUser(d.Approvals, user)
			e.Note = "replaces their approval"
		}
		d.ChangeRequests = append(d.ChangeRequests, Review{User: user, Revision: d.Revision, At: now})
		required = 1
	case ReviewWithdrawChangeRequest:
		if !hasUser(d.ChangeRequests, user) {
			return nil, nil
		}
		d.ChangeRequests = withoutUser(d.ChangeRequests, user)
		e.Kind = EventChangesWithdrawn
	default:
		return nil, fmt.Errorf("review kind %q: %w", kind, ErrInvalid)
	}
	d.Status = deriveStatus(d, required)
	d.Updated = now
	e.User, e.Revision, e.At = user, d.Revision, now
	return &e, nil
}

// ApplyPosted records that d was posted as m, as MarkPosted does: nil (no
// change) when d already shows m and is not pending; otherwise it sets
// Message, clears PostPending, moves a draft to in_review, sets Updated and
// returns the "posted" event. The caller checks that m belongs to no other
// draft and indexes it.
func ApplyPosted(d *Draft, m Message, now time.Time) *Event {
	if d.Message == m && !d.PostPending {
		return nil
	}
	d.Message = m
	d.PostPending = false
	if d.Status == StatusDraft {
		d.Status = StatusInReview
	}
	d.Updated = now
	return &Event{Kind: EventPosted, Revision: d.Revision, At: now, Note: m.Channel + "/" + m.TS}
}

// TrimNote cuts an event note to the stored maximum (4 KiB, valid UTF-8).
func TrimNote(note string) string {
	if len(note) > maxNoteBytes {
		return strings.ToValidUTF8(note[:maxNoteBytes], "")
	}
	return note
}

// ParsePage reads a Page as the list methods do: the limit (0 means 20, at
// most 100) and the sequence number the page starts below (the cursor;
// math.MaxUint64 for the first page). A negative limit or a bad cursor is
// ErrInvalid.
func ParsePage(p Page) (limit int, before uint64, err error) {
	limit = p.Limit
	switch {
	case limit < 0:
		return 0, 0, fmt.Errorf("page limit %d: %w", limit, ErrInvalid)
	case limit == 0:
		limit = 20
	case limit > 100:
		limit = 100
	}
	before = uint64(math.MaxUint64)
	if p.Cursor != "" {
		v, err := strconv.ParseUint(p.Cursor, 36, 64)
		if err != nil || v == 0 {
			return 0, 0, fmt.Errorf("page cursor %q: %w", p.Cursor, ErrInvalid)
		}
		before = v
	}
	return limit, before, nil
}

// PageCursor is the cursor of the page that starts below sequence number
// seq.
func PageCursor(seq uint64) string { return strconv.FormatUint(seq, 36) }

// AllStatuses lists the statuses in their usual order (CountByStatus
// reports each).
func AllStatuses() []Status {
	return []Status{StatusDraft, StatusInReview, StatusChangesRequested, StatusApproved}
}

// changedFields returns the sorted field ids whose values differ; a missing
// field equals an empty one.
func changedFields(old, new map[string]string) []string {
	var out []string
	for k, v := range new {
		if old[k] != v {
			out = append(out, k)
		}
	}
	for k, v := range old {
		if _, ok := new[k]; !ok && v != "" {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

func users(rs []Review) string {
	us := make([]string, len(rs))
	for i, r := range rs {
		us[i] = r.User
	}
	return strings.Join(us, ", ")
}

func hasUser(rs []Review, user string) bool {
	return slices.ContainsFunc(rs, func(r Review) bool { return r.User == user })
}

func withoutUser(rs []Review, user string) []Review {
	return slices.DeleteFunc(rs, func(r Review) bool { return r.User == user })
}

// deriveStatus applies the review rule: a draft never posted stays a draft;
// otherwise an active change request wins, then enough approvals, else it is
// in review.
func deriveStatus(d *Draft, required int) Status {
	switch {
	case d.Status == StatusDraft:
		return StatusDraft
	case len(d.ChangeRequests) > 0:
		return StatusChangesRequested
	case len(d.Approvals) >= max(required, 1):
		return StatusApproved
	default:
		return StatusInReview
	}
}

func checkNames(kv ...string) error {
	for i := 0; i+1 < len(kv); i += 2 {
		if err := checkName(kv[i], kv[i+1]); err != nil {
			return err
		}
	}
	return nil
}
