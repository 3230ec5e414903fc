package drafts

import (
	"context"
	"errors"
	"io"
	"time"

	bolt "go.etcd.io/bbolt"
)

var errTODO = errors.New("drafts: not implemented yet")

// Store is the bbolt-backed draft store. It is safe for concurrent use.
type Store struct {
	// Now returns the current time; tests replace it. Defaults to time.Now.
	Now func() time.Time

	db *bolt.DB
}

// Open opens (creating with mode 0600) the store file at path.
func Open(path string) (*Store, error) { return nil, errTODO }

// OpenReadOnly opens an existing store file for reading only.
func OpenReadOnly(path string) (*Store, error) { return nil, errTODO }

// Close closes the file.
func (s *Store) Close() error { return errTODO }

// Create stores a new draft.
func (s *Store) Create(ctx context.Context, n NewDraft) (Draft, error) { return Draft{}, errTODO }

// Get returns a draft with its history.
func (s *Store) Get(ctx context.Context, team, id string) (Draft, error) { return Draft{}, errTODO }

// FindByMessage returns the draft posted as that message.
func (s *Store) FindByMessage(ctx context.Context, team, channel, ts string) (Draft, error) {
	return Draft{}, errTODO
}

// ListByAuthor lists a user's drafts, newest first.
func (s *Store) ListByAuthor(ctx context.Context, team, user string, p Page) ([]Draft, string, error) {
	return nil, "", errTODO
}

// ListByChannel lists a channel's drafts, newest first.
func (s *Store) ListByChannel(ctx context.Context, team, channel string, p Page) ([]Draft, string, error) {
	return nil, "", errTODO
}

// Revise adds a revision.
func (s *Store) Revise(ctx context.Context, team, id string, base int, editor string, values map[string]string) (Draft, error) {
	return Draft{}, errTODO
}

// Approve records an approval.
func (s *Store) Approve(ctx context.Context, team, id, user string, required int) (Draft, bool, error) {
	return Draft{}, false, errTODO
}

// Withdraw withdraws an approval.
func (s *Store) Withdraw(ctx context.Context, team, id, user string, required int) (Draft, bool, error) {
	return Draft{}, false, errTODO
}

// RequestChanges records a change request.
func (s *Store) RequestChanges(ctx context.Context, team, id, user string) (Draft, bool, error) {
	return Draft{}, false, errTODO
}

// WithdrawChangeRequest withdraws a change request.
func (s *Store) WithdrawChangeRequest(ctx context.Context, team, id, user string, required int) (Draft, bool, error) {
	return Draft{}, false, errTODO
}

// MarkPosted records the review message.
func (s *Store) MarkPosted(ctx context.Context, team, id string, m Message) (Draft, error) {
	return Draft{}, errTODO
}

// MarkPostFailed takes a draft out of the outbox after a failed post.
func (s *Store) MarkPostFailed(ctx context.Context, team, id, reason string) (Draft, error) {
	return Draft{}, errTODO
}

// Requeue puts a draft back in the outbox.
func (s *Store) Requeue(ctx context.Context, team, id, channel string) (Draft, error) {
	return Draft{}, errTODO
}

// Pending returns the outbox.
func (s *Store) Pending(ctx context.Context) ([]Draft, error) { return nil, errTODO }

// RecordExport records an export in the audit trail.
func (s *Store) RecordExport(ctx context.Context, team, id, user string) error { return errTODO }

// Claim records a delivery key; true the first time.
func (s *Store) Claim(ctx context.Context, key string) (bool, error) { return false, errTODO }

// Sweep deletes expired seen-records.
func (s *Store) Sweep(ctx context.Context) (int, error) { return 0, errTODO }

// CountByStatus counts drafts by status.
func (s *Store) CountByStatus(ctx context.Context) (map[Status]int, error) { return nil, errTODO }

// Ping checks that the store answers.
func (s *Store) Ping(ctx context.Context) error { return errTODO }

// WriteBackup writes a consistent copy of the file to w.
func (s *Store) WriteBackup(w io.Writer) (int64, error) { return 0, errTODO }

// BackupToDir writes a timestamped copy into dir.
func (s *Store) BackupToDir(dir string) (string, error) { return "", errTODO }

// Check verifies a store file read-only.
func Check(path string) (Report, error) { return Report{}, errTODO }
