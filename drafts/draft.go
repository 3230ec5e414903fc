// Package drafts holds jobdesc's domain (drafts, revisions, reviews and their
// audit trail) and its durable store, a single bbolt file.
//
// No bbolt type appears in this package's API, so a replicated backend
// (drafts/etcd) implements the same semantics; rules.go exports the domain
// rules both apply, and package drafts/storetest is the contract as a test
// suite that runs unchanged against each. The contract:
//
//   - Every Store method is one atomic, serializable transaction. A write
//     that returned a nil error is durable (fsynced); one that returned an
//     error changed nothing.
//   - Everything is scoped by team: a call for team A never reads or
//     changes team B's data. Draft ids are unique and never reused within a
//     team.
//   - Revise is optimistic: it succeeds only on the current revision
//     (ErrConflict otherwise), so no edit is lost. A new revision clears the
//     active approvals and change requests; history and events keep them.
//   - Reviews are idempotent per user and revision (the same user approving
//     twice is one approval). Status follows one rule: never posted → draft;
//     otherwise an active change request → changes_requested; at least the
//     required approvals → approved; else in_review.
//   - Results never share memory with the store or with the arguments.
//   - Exactly once across processes sharing a store: Claim records a key
//     (a Slack event or envelope id) with create-if-absent semantics for
//     a day; ReviewOnce claims an event key and applies a review in one
//     transaction; ClaimPost lets one process post an outbox draft, for a
//     ttl, until MarkPosted or MarkPostFailed releases it.
//   - Review messages catch up after a crash: Revise of a posted draft sets
//     RefreshPending in its transaction (its message is updated after the
//     edit is acknowledged); MarkShown clears it once the message shows
//     that state; ToRefresh lists the drafts still waiting.
//
// The bbolt layout (schema 2) keeps each draft record small (current state
// only, in a compact binary encoding, see codec.go); revisions and events
// have their own buckets, and the indexes (message, author, channel, outbox,
// seen-record expiry) are written in the same transaction as the record.
// Concurrent writes are group-committed: writes that arrive while a
// transaction commits share the next one (one fsync), with no added delay
// for a lone writer.
package drafts

import (
	"errors"
	"time"
)

// Sentinel errors; test with errors.Is. Returned errors wrap them with context.
var (
	// ErrNotFound: no draft (or message) with that key in that team.
	ErrNotFound = errors.New("not found")
	// ErrConflict: the caller's base revision is not the current one.
	ErrConflict = errors.New("conflict: draft was changed by someone else")
	// ErrLocked: the file is held by another jobdesc process.
	ErrLocked = errors.New("another jobdesc process holds the store file")
	// ErrCorrupt: a record fails to decode; the error message names its key.
	ErrCorrupt = errors.New("corrupt record")
	// ErrSchemaTooNew: the file was written by a newer jobdesc.
	ErrSchemaTooNew = errors.New("store schema is newer than this jobdesc understands")
	// ErrSchemaTooOld: a read-only store was opened on a file that needs a
	// migration; open it read-write once (Open migrates, keeping a backup).
	ErrSchemaTooOld = errors.New("store schema is older than this jobdesc reads; open it read-write once to migrate")
	// ErrReadOnly: a write was attempted on a store opened with OpenReadOnly.
	ErrReadOnly = errors.New("store is open read-only")
	// ErrDuplicate: Create was given a Key that was claimed already: the
	// same submission was saved before, so nothing was stored.
	ErrDuplicate = errors.New("already saved")
	// ErrInvalid: the input is unusable (missing team, id or user, a name
	// with a NUL byte, a bad cursor, oversized values...).
	ErrInvalid = errors.New("invalid input")
)

// Status is where a draft is in its review.
type Status string

// Statuses.
const (
	StatusDraft            Status = "draft"             // saved, not yet posted
	StatusInReview         Status = "in_review"         // posted, waiting for approvals
	StatusChangesRequested Status = "changes_requested" // someone asked for changes on the current revision
	StatusApproved         Status = "approved"          // enough approvals on the current revision
)

// Message is the Slack message a draft was posted as, for review.
type Message struct {
	Channel, TS string
}

// Revision is one numbered version of a draft's values.
type Revision struct {
	Number  int
	Values  map[string]string
	Editor  string
	At      time.Time
	Changed []string // field ids that differ from the previous revision, sorted
}

// Review is an approval or a change request by a user on a revision.
type Review struct {
	User     string
	Revision int
	At       time.Time
}

// EventKind names an entry of the audit trail.
type EventKind string

// Event kinds.
const (
	EventCreated           EventKind = "created"
	EventPosted            EventKind = "posted"
	EventPostFailed        EventKind = "post_failed"
	EventRevised           EventKind = "revised"
	EventApproved          EventKind = "approved"
	EventApprovalWithdrawn EventKind = "approval_withdrawn"
	EventChangesRequested  EventKind = "changes_requested"
	EventChangesWithdrawn  EventKind = "changes_withdrawn"
	EventRequeued          EventKind = "requeued"
	EventExported          EventKind = "exported"
)

// Event is one entry of a draft's audit trail.
type Event struct {
	Kind     EventKind
	User     string // who did it ("" for the bot's own actions: posted, post_failed, requeued)
	Revision int    // the draft's revision when it happened
	At       time.Time
	Note     string // e.g. which approvals a revision reset, or why a post failed
}

// Draft is a job description being written and reviewed by a team.
type Draft struct {
	Team, ID, Channel, Author, Role string // ID like "AM-42": prefix + "-" + per-team sequence
	Revision                        int    // current revision number (1 = first)
	Values                          map[string]string
	Status                          Status
	Approvals                       []Review // active approvals on the current revision, oldest first
	ChangeRequests                  []Review // active change requests on the current revision, oldest first
	Message                         Message  // the latest review message; zero until posted
	PostPending                     bool     // in the outbox: to be posted to Channel
	RefreshPending                  bool     // posted; its message may not show the current state yet (MarkShown clears)
	Created                         time.Time
	Updated                         time.Time  // last change of values, reviews, status or posting
	Revisions                       []Revision // full history, oldest first (Get, FindByMessage; nil otherwise)
	Events                          []Event    // audit trail, oldest first (Get, FindByMessage; nil otherwise)
}

// NewDraft is what Create needs. Team, Channel, Author and Prefix are
// required; Role may be empty.
type NewDraft struct {
	Team, Channel, Author, Role string
	Prefix                      string // 1-16 letters or digits, e.g. "AM"
	Values                      map[string]string
	// Hold keeps the draft out of the outbox: saved, but waiting for the
	// author to confirm (e.g. after reading the posting checks). Requeue
	// puts it in the outbox.
	Hold bool
	// Key, when set, is claimed (as Claim does: a seen-record for a day) in
	// the same transaction as the draft, so the same submission delivered
	// twice, or sent again after a lost answer, is saved once: Create then
	// stores nothing and returns ErrDuplicate.
	Key string
}

// Page selects a page of a list: Limit 0 means 20, at most 100; Cursor is ""
// for the first page, then the cursor the previous page returned.
type Page struct {
	Limit  int
	Cursor string
}

// Report is what Check found in a store file.
type Report struct {
	Schema    int // schema version of the file
	Teams     int // teams with at least one draft
	Drafts    int
	Revisions int
	Events    int
	Messages  int // review messages indexed
	Pending   int // drafts in the outbox
	Seen      int // idempotency records (expired ones included until swept)
}
