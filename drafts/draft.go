// Package drafts holds jobdesc's domain (drafts, revisions, reviews and their
// audit trail) and its durable store, a single bbolt file.
//
// No bbolt type appears in this package's API: a replicated backend can
// implement the same semantics later. The semantics are documented on each
// Store method; every method is one transaction, and every write that returned
// a nil error is on disk.
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
	ErrLocked = errors.New("store file is locked by another jobdesc process")
	// ErrCorrupt: a record fails to decode; the error message names its key.
	ErrCorrupt = errors.New("corrupt record")
	// ErrSchemaTooNew: the file was written by a newer jobdesc.
	ErrSchemaTooNew = errors.New("store schema is newer than this jobdesc understands")
	// ErrSchemaTooOld: a read-only store was opened on a file that needs a
	// migration; open it read-write once (Open migrates, keeping a backup).
	ErrSchemaTooOld = errors.New("store schema is older than this jobdesc reads; open it read-write once to migrate")
	// ErrReadOnly: a write was attempted on a store opened with OpenReadOnly.
	ErrReadOnly = errors.New("store is open read-only")
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
	User     string
	Revision int
	At       time.Time
	Note     string
}

// Draft is a job description being written and reviewed by a team.
type Draft struct {
	Team, ID, Channel, Author, Role string // ID like "AM-42": prefix + "-" + per-team sequence
	Revision                        int    // current revision number (1 = first)
	Values                          map[string]string
	Status                          Status
	Approvals                       []Review // active approvals on the current revision
	ChangeRequests                  []Review // active change requests on the current revision
	Message                         Message  // zero until posted
	PostPending                     bool     // in the outbox: to be posted to Channel
	Created, Updated                time.Time
	Revisions                       []Revision // full history, oldest first (Get, FindByMessage; nil in lists)
	Events                          []Event    // audit trail, oldest first (Get, FindByMessage; nil in lists)
}

// NewDraft is what Create needs.
type NewDraft struct {
	Team, Channel, Author, Role, Prefix string
	Values                              map[string]string
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
