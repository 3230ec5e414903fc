package drafts

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

const (
	// schemaVersion is the schema this code writes; Open migrates older files.
	schemaVersion = 2
	// lockTimeout is how long Open waits for another process's lock.
	lockTimeout = time.Second
	// maxGroup caps the writes committed together by one transaction.
	maxGroup = 256
)

// writeMode selects how write transactions are run (see Store.write).
type writeMode int

const (
	modeGroup  writeMode = iota // group commit: concurrent writes share a transaction, no added delay
	modeUpdate                  // one bolt.Update per write
	modeBatch                   // bolt's DB.Batch (waits up to DB.MaxBatchDelay to fill a batch)
)

// Store is the bbolt-backed draft store; make one with Open or OpenReadOnly.
// It is safe for concurrent use by many goroutines; one process at a time
// may open the file.
//
// Every method runs in one transaction. A write method that returns a nil
// error has committed and fsynced its change; one that returns an error has
// changed nothing. Drafts are scoped by team: no method given team A ever
// reads or changes a draft of team B. Returned values never share memory with
// the store or with arguments. Contexts are checked before the transaction
// starts; a write that has started is not abandoned.
type Store struct {
	// Now returns the current time; tests replace it. Nil means time.Now.
	// Times are stored with nanosecond precision and returned in UTC.
	Now func() time.Time

	db       *bolt.DB
	path     string
	readOnly bool
	schema   int // schema version of the file (older only when read-only)
	mode     writeMode

	gmu     sync.Mutex // guards queue and leading
	queue   []*call
	leading bool

	pmu     sync.Mutex           // guards posting
	posting map[string]time.Time // team\x00id → expiry of its post claim (ClaimPost)
}

// Open opens the store file at path, creating it with mode 0600 if it does
// not exist (an existing file keeps its mode), creating missing buckets and migrating a file written by an
// older jobdesc (after writing a copy of it next to the file, named
// path + ".schema<N>-<time>.bak"). If another process holds the file, Open
// gives up after about a second with an error wrapping ErrLocked. It returns
// ErrSchemaTooNew for a file written by a newer jobdesc, ErrCorrupt for a
// file it cannot read or migrate, or the file system's error.
func Open(path string) (*Store, error) { return open(path, false, lockTimeout) }

// OpenReadOnly opens an existing store file for reading, sharing it with
// other readers (but not with a running bot: that fails with ErrLocked after
// about a second). Write methods return ErrReadOnly. A file that needs a
// migration can be backed up, but its reads return ErrSchemaTooOld.
func OpenReadOnly(path string) (*Store, error) { return open(path, true, lockTimeout) }

func open(path string, readOnly bool, timeout time.Duration) (*Store, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: timeout, ReadOnly: readOnly})
	if errors.Is(err, bolt.ErrTimeout) {
		return nil, fmt.Errorf("open store %s (waited %s): %w", path, timeout, ErrLocked)
	}
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	s := &Store{db: db, path: path, readOnly: readOnly}
	if err := s.init(); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	return s, nil
}

// readSchema returns the file's schema version: 0 for a file without
// buckets (new), an error for a bbolt file that is not a jobdesc store.
func readSchema(tx *bolt.Tx) (int, error) {
	meta := tx.Bucket(bucketMeta)
	if meta == nil {
		if k, _ := tx.Cursor().First(); k != nil {
			return 0, fmt.Errorf("not a jobdesc store (bucket %q but no %q): %w", k, bucketMeta, ErrCorrupt)
		}
		return 0, nil
	}
	v := meta.Get(keySchema)
	n, size := binary.Uvarint(v)
	if size <= 0 || size != len(v) || n == 0 || n > 1<<16 {
		return 0, corrupt(bucketMeta, keySchema, errors.New("bad schema version"))
	}
	return int(n), nil
}

func (s *Store) init() error {
	var v int
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		v, err = readSchema(tx)
		if err == nil && v == schemaVersion {
			for _, name := range schema2Buckets {
				if tx.Bucket(name) == nil && s.readOnly {
					return fmt.Errorf("bucket %q is missing: %w", name, ErrCorrupt)
				}
			}
		}
		return err
	})
	switch {
	case err != nil:
		return err
	case v > schemaVersion:
		return fmt.Errorf("file has schema %d, this jobdesc knows up to %d: %w", v, schemaVersion, ErrSchemaTooNew)
	case s.readOnly:
		if v == 0 {
			return fmt.Errorf("empty file, not a jobdesc store: %w", ErrCorrupt)
		}
		s.schema = v
		return nil
	case v != 0 && v < schemaVersion:
		if _, err := s.backupBeside(v); err != nil {
			return fmt.Errorf("back up before migrating from schema %d: %w", v, err)
		}
		if err := s.db.Update(func(tx *bolt.Tx) error { return migrate(tx, v) }); err != nil {
			return fmt.Errorf("migrate from schema %d: %w", v, err)
		}
	}
	s.schema = schemaVersion
	// A new file gets its buckets and version; an up-to-date one gets any
	// bucket it lacks. One fsync, once per process start.
	return s.db.Update(func(tx *bolt.Tx) error {
		for _, name := range append(schema2Buckets, laterBuckets...) {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return fmt.Errorf("create bucket %s: %w", name, err)
			}
		}
		return tx.Bucket(bucketMeta).Put(keySchema, binary.AppendUvarint(nil, schemaVersion))
	})
}

// Close closes the file. It returns bbolt's error if the file could not be
// closed cleanly; operations after Close fail.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close store %s: %w", s.path, err)
	}
	return nil
}

func (s *Store) now() time.Time {
	if s.Now == nil {
		return time.Now().UTC().Round(0)
	}
	return s.Now().UTC().Round(0)
}

// view runs fn in a read transaction.
func (s *Store) view(ctx context.Context, fn func(tx *bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.schema != schemaVersion {
		return fmt.Errorf("file has schema %d: %w", s.schema, ErrSchemaTooOld)
	}
	return s.db.View(fn)
}

// rejectError marks an error returned by a write function before it wrote
// anything, so the other writes sharing its transaction can still commit.
type rejectError struct{ err error }

func (e *rejectError) Error() string { return e.err.Error() }
func (e *rejectError) Unwrap() error { return e.err }

func reject(err error) error { return &rejectError{err} }

func unreject(err error) error {
	var r *rejectError
	if errors.As(err, &r) {
		return r.err
	}
	return err
}

// safeCall runs fn, turning a panic into an error.
func safeCall(fn func(*bolt.Tx) error, tx *bolt.Tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("write panicked: %v", p)
		}
	}()
	return fn(tx)
}

// write runs fn in a write transaction and returns once it is on disk.
//
// fn may run more than once (a transaction it shares is rolled back when
// another write in it fails), so it must set its results from scratch each
// time. fn must return reject(err) for errors found before writing anything;
// any other error rolls back the shared transaction and each write is then
// retried alone.
func (s *Store) write(ctx context.Context, fn func(tx *bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.readOnly {
		return ErrReadOnly
	}
	var err error
	switch s.mode {
	case modeUpdate:
		err = s.db.Update(func(tx *bolt.Tx) error { return safeCall(fn, tx) })
	case modeBatch:
		err = s.db.Batch(func(tx *bolt.Tx) error { return safeCall(fn, tx) })
	default:
		err = s.group(fn)
	}
	return unreject(err)
}

// call is one write waiting for a group commit.
type call struct {
	fn   func(*bolt.Tx) error
	done chan error // receives errLead (become the leader) and then the result
}

var errLead = errors.New("lead the next group")

// group commits fn together with the writes that arrive while the previous
// transaction is committing: the first writer to find no commit in progress
// becomes the leader, runs every queued write in one transaction and one
// fsync, hands the leadership to the first writer that queued meanwhile and
// returns. A writer alone commits at once, with no added delay.
func (s *Store) group(fn func(*bolt.Tx) error) error {
	c := &call{fn: fn, done: make(chan error, 1)}
	s.gmu.Lock()
	s.queue = append(s.queue, c)
	if s.leading {
		s.gmu.Unlock()
		if err := <-c.done; err != errLead {
			return err
		}
	} else {
		s.leading = true
		s.gmu.Unlock()
	}
	// The leader is at the head of the queue.
	s.gmu.Lock()
	n := min(len(s.queue), maxGroup)
	calls := make([]*call, n)
	copy(calls, s.queue)
	clear(s.queue[:n])
	s.queue = s.queue[n:]
	s.gmu.Unlock()

	s.runGroup(calls)

	s.gmu.Lock()
	if len(s.queue) > 0 {
		s.queue[0].done <- errLead
	} else {
		s.leading = false
		s.queue = nil
	}
	s.gmu.Unlock()
	return <-c.done
}

func (s *Store) runGroup(calls []*call) {
	tx, err := s.db.Begin(true)
	if err != nil {
		for _, c := range calls {
			c.done <- err
		}
		return
	}
	errs := make([]error, len(calls))
	for i, c := range calls {
		err := safeCall(c.fn, tx)
		var r *rejectError
		if err != nil && !errors.As(err, &r) {
			_ = tx.Rollback()
			if len(calls) == 1 {
				c.done <- err
				return
			}
			for _, c := range calls {
				c.done <- s.db.Update(func(tx *bolt.Tx) error { return safeCall(c.fn, tx) })
			}
			return
		}
		errs[i] = err
	}
	if err := tx.Commit(); err != nil {
		for _, c := range calls {
			c.done <- err
		}
		return
	}
	for i, c := range calls {
		c.done <- errs[i]
	}
}

// WriteBackup writes a consistent copy of the store file to w while the store
// stays in use (readers and writers are not blocked). It returns the bytes
// written, and the writer's error if any.
func (s *Store) WriteBackup(w io.Writer) (int64, error) {
	var n int64
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		n, err = tx.WriteTo(w)
		return err
	})
	if err != nil {
		return n, fmt.Errorf("write backup: %w", err)
	}
	return n, nil
}

// BackupToDir writes a consistent copy of the store to a new file
// dir/jobdesc-<UTC time>.db (mode 0600), atomically: the copy is written
// and fsynced under a temporary name, then renamed. It returns the file's
// path, or the file system's error (leaving no partial file behind).
func (s *Store) BackupToDir(dir string) (string, error) {
	name := filepath.Join(dir, "jobdesc-"+s.now().Format("20060102T150405.000000000Z")+".db")
	if err := s.backupTo(name); err != nil {
		return "", err
	}
	return name, nil
}

// backupBeside copies the file next to itself before a migration.
func (s *Store) backupBeside(schema int) (string, error) {
	name := fmt.Sprintf("%s.schema%d-%s.bak", s.path, schema, s.now().Format("20060102T150405Z"))
	return name, s.backupTo(name)
}

func (s *Store) backupTo(name string) (err error) {
	f, err := os.CreateTemp(filepath.Dir(name), ".jobdesc-backup-*.tmp")
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(f.Name())
		}
	}()
	if _, err := s.WriteBackup(f); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := os.Rename(f.Name(), name); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if d, err := os.Open(filepath.Dir(name)); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	return nil
}

// Ping reports whether the store answers: it runs a read transaction. It
// returns the context's error, ErrSchemaTooOld, or bbolt's error (for
// example after Close).
func (s *Store) Ping(ctx context.Context) error {
	err := s.view(ctx, func(tx *bolt.Tx) error {
		if tx.Bucket(bucketMeta) == nil {
			return fmt.Errorf("bucket %q is missing: %w", bucketMeta, ErrCorrupt)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("ping store: %w", err)
	}
	return nil
}
