package drafts

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func TestOpen(t *testing.T) {
	t.Run("creates the file 0600 and keeps data across reopen", func(t *testing.T) {
		s, c, path := openStore(t)
		d := mustCreate(t, s, newDraft("T1", "U1"))
		mustClose(t, s)
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatalf("stat: %v", err)
		}
		if got := fi.Mode().Perm(); got != 0o600 {
			t.Errorf("file mode: got %v, want 0600", got)
		}
		s = openPath(t, path, c)
		if got := mustGet(t, s, "T1", d.ID); got.Values["title"] != "Account Manager" {
			t.Errorf("after reopen: got values %v, want the created ones", got.Values)
		}
	})

	tests := []struct {
		name    string
		prepare func(t *testing.T, path string)
		want    error
	}{
		{"a bbolt file of something else", func(t *testing.T, path string) {
			rawUpdate(t, path, func(tx *bolt.Tx) error {
				_, err := tx.CreateBucket([]byte("other"))
				return err
			})
		}, ErrCorrupt},
		{"a newer schema", func(t *testing.T, path string) {
			rawUpdate(t, path, func(tx *bolt.Tx) error {
				b, err := tx.CreateBucket(bucketMeta)
				if err != nil {
					return err
				}
				return b.Put(keySchema, []byte{schemaVersion + 1})
			})
		}, ErrSchemaTooNew},
		{"a bad schema value", func(t *testing.T, path string) {
			rawUpdate(t, path, func(tx *bolt.Tx) error {
				b, err := tx.CreateBucket(bucketMeta)
				if err != nil {
					return err
				}
				return b.Put(keySchema, []byte{0x80})
			})
		}, ErrCorrupt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "x.db")
			tt.prepare(t, path)
			s, err := Open(path)
			if err == nil {
				_ = s.Close()
			}
			wantErr(t, "Open", err, tt.want)
		})
	}

	t.Run("not a bbolt file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "x.db")
		if err := os.WriteFile(path, bytes.Repeat([]byte("not a database "), 1000), 0o600); err != nil {
			t.Fatal(err)
		}
		s, err := Open(path)
		if err == nil {
			_ = s.Close()
			t.Fatal("Open of a text file: got nil error, want one")
		}
		if !strings.Contains(err.Error(), path) {
			t.Errorf("error %q does not name the file", err)
		}
	})
}

// rawUpdate writes to a bbolt file directly, as another program would.
func rawUpdate(t *testing.T, path string, fn func(tx *bolt.Tx) error) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatalf("bolt.Open: %v", err)
	}
	defer func() { _ = db.Close() }()
	if err := db.Update(fn); err != nil {
		t.Fatalf("raw update: %v", err)
	}
}

func TestBackup(t *testing.T) {
	ctx := ctxT(t)
	s, _, _ := openStore(t)
	d := mustCreate(t, s, newDraft("T1", "U1"))
	if _, err := s.Revise(ctx, "T1", d.ID, 1, "U2", map[string]string{"title": "v2"}); err != nil {
		t.Fatal(err)
	}
	verify := func(t *testing.T, path string) {
		t.Helper()
		rep, err := Check(path)
		if err != nil {
			t.Fatalf("Check(backup): %v", err)
		}
		if rep.Drafts != 1 || rep.Revisions != 2 || rep.Events != 2 {
			t.Errorf("Check(backup): got %+v, want 1 draft, 2 revisions, 2 events", rep)
		}
		ro, err := OpenReadOnly(path)
		if err != nil {
			t.Fatalf("OpenReadOnly(backup): %v", err)
		}
		defer func() { _ = ro.Close() }()
		if got, err := ro.Get(ctx, "T1", d.ID); err != nil || got.Values["title"] != "v2" {
			t.Errorf("backup Get: got %v, %v; want title v2", got.Values, err)
		}
	}
	t.Run("WriteBackup", func(t *testing.T) {
		var buf bytes.Buffer
		n, err := s.WriteBackup(&buf)
		if err != nil || n != int64(buf.Len()) || n == 0 {
			t.Fatalf("WriteBackup: got %d bytes (buffer %d), %v", n, buf.Len(), err)
		}
		path := filepath.Join(t.TempDir(), "copy.db")
		if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		verify(t, path)
	})
	t.Run("BackupToDir", func(t *testing.T) {
		dir := t.TempDir()
		path, err := s.BackupToDir(dir)
		if err != nil {
			t.Fatalf("BackupToDir: %v", err)
		}
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 1 || filepath.Join(dir, entries[0].Name()) != path || !strings.HasPrefix(entries[0].Name(), "jobdesc-") {
			t.Errorf("dir holds %v, want only %s", entries, path)
		}
		fi, err := os.Stat(path)
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("backup mode: %v, %v; want 0600", fi, err)
		}
		verify(t, path)
	})
	t.Run("BackupToDir into a missing dir", func(t *testing.T) {
		_, err := s.BackupToDir(filepath.Join(t.TempDir(), "missing"))
		if !errors.Is(err, os.ErrNotExist) {
			t.Errorf("got %v, want a not-exist error", err)
		}
	})
}

// TestFileFromBeforeTheRefreshBucket opens a schema-2 file written before
// the refresh bucket existed: readers take it as empty, a read-write Open
// adds it.
func TestFileFromBeforeTheRefreshBucket(t *testing.T) {
	ctx := ctxT(t)
	s, _, path := openStore(t)
	d := mustCreate(t, s, newDraft("T1", "U1"))
	mustClose(t, s)
	rawUpdate(t, path, func(tx *bolt.Tx) error { return tx.DeleteBucket(bucketRefresh) })
	if _, err := Check(path); err != nil {
		t.Errorf("Check without the bucket: %v", err)
	}
	ro, err := OpenReadOnly(path)
	if err != nil {
		t.Fatalf("OpenReadOnly without the bucket: %v", err)
	}
	if ds, err := ro.ToRefresh(ctx); err != nil || len(ds) != 0 {
		t.Errorf("ToRefresh read-only: %d, %v; want none", len(ds), err)
	}
	mustClose(t, ro)
	s = openPath(t, path, nil)
	if _, err := s.MarkPosted(ctx, "T1", d.ID, Message{Channel: "C", TS: "1"}); err != nil {
		t.Fatalf("MarkPosted after reopening: %v", err)
	}
	if _, err := s.Revise(ctx, "T1", d.ID, 1, "U1", map[string]string{"title": "v2"}); err != nil {
		t.Fatalf("Revise after reopening: %v", err)
	}
	if ds, err := s.ToRefresh(ctx); err != nil || len(ds) != 1 {
		t.Errorf("ToRefresh: %d, %v; want the revised draft", len(ds), err)
	}
}

func TestReadOnly(t *testing.T) {
	ctx := ctxT(t)
	s, _, path := openStore(t)
	d := mustCreate(t, s, newDraft("T1", "U1"))
	mustClose(t, s)

	ro, err := OpenReadOnly(path)
	if err != nil {
		t.Fatalf("OpenReadOnly: %v", err)
	}
	defer func() { _ = ro.Close() }()
	if _, err := ro.Get(ctx, "T1", d.ID); err != nil {
		t.Errorf("Get: %v", err)
	}
	writes := map[string]func() error{
		"Create":      func() error { _, err := ro.Create(ctx, newDraft("T1", "U1")); return err },
		"Approve":     func() error { _, _, err := ro.Approve(ctx, "T1", d.ID, "U2", 1); return err },
		"Claim":       func() error { _, err := ro.Claim(ctx, "Ev1"); return err },
		"Sweep":       func() error { _, err := ro.Sweep(ctx); return err },
		"MarkPosted":  func() error { _, err := ro.MarkPosted(ctx, "T1", d.ID, Message{Channel: "C", TS: "1"}); return err },
		"RecordExprt": func() error { return ro.RecordExport(ctx, "T1", d.ID, "U2") },
	}
	for name, w := range writes {
		t.Run(name, func(t *testing.T) { wantErr(t, name, w(), ErrReadOnly) })
	}
	t.Run("missing file", func(t *testing.T) {
		_, err := OpenReadOnly(filepath.Join(t.TempDir(), "none.db"))
		if !errors.Is(err, os.ErrNotExist) {
			t.Errorf("got %v, want a not-exist error", err)
		}
	})
}

func TestCorruptRecords(t *testing.T) {
	ctx := ctxT(t)
	s, _, path := openStore(t)
	good := mustCreate(t, s, newDraft("T1", "U1"))
	bad := mustCreate(t, s, newDraft("T1", "U1"))
	mustClose(t, s)
	rawUpdate(t, path, func(tx *bolt.Tx) error {
		return tx.Bucket(bucketDrafts).Put(draftKey("T1", bad.ID), []byte{recV2, 2, 0, 0xff})
	})
	s = openPath(t, path, nil)

	t.Run("Get names the key", func(t *testing.T) {
		_, err := s.Get(ctx, "T1", bad.ID)
		wantErr(t, "Get", err, ErrCorrupt)
		if !strings.Contains(err.Error(), "drafts:T1/"+bad.ID) {
			t.Errorf("error %q does not name the key", err)
		}
	})
	t.Run("the good draft still reads", func(t *testing.T) {
		mustGet(t, s, "T1", good.ID)
	})
	t.Run("list and writes report it", func(t *testing.T) {
		_, _, err := s.ListByAuthor(ctx, "T1", "U1", Page{})
		wantErr(t, "ListByAuthor", err, ErrCorrupt)
		_, _, err = s.Approve(ctx, "T1", bad.ID, "U2", 1)
		wantErr(t, "Approve", err, ErrCorrupt)
	})
	t.Run("Check lists it", func(t *testing.T) {
		mustClose(t, s)
		_, err := Check(path)
		wantErr(t, "Check", err, ErrCorrupt)
		if !strings.Contains(err.Error(), "drafts:T1/"+bad.ID) {
			t.Errorf("error %q does not name the key", err)
		}
	})
}

func TestCheckFindsInconsistencies(t *testing.T) {
	tests := []struct {
		name   string
		break_ func(tx *bolt.Tx) error
		want   string
	}{
		{"missing revision", func(tx *bolt.Tx) error { return tx.Bucket(bucketRevs).Delete(histKey("T1", "AM-1", 1)) },
			"has 0 revision records, want 1"},
		{"dangling message", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketMessages).Put(messageKey("T1", Message{Channel: "C", TS: "9"}), []byte("AM-7"))
		}, `points to missing draft "AM-7"`},
		{"missing index entry", func(tx *bolt.Tx) error { return tx.Bucket(bucketAuthor).Delete(indexKey("T1", "U1", 1)) },
			"has 1 index entries, want 2"},
		{"stale outbox entry", func(tx *bolt.Tx) error { return tx.Bucket(bucketOutbox).Put(outboxKey(5, "T1", "AM-1"), nil) },
			"stale outbox entry"},
		{"sequence behind", func(tx *bolt.Tx) error { return tx.Bucket(bucketSeq).Put([]byte("T1"), make([]byte, 8)) },
			"sequence behind"},
		{"stale refresh entry", func(tx *bolt.Tx) error { return tx.Bucket(bucketRefresh).Put(draftKey("T1", "AM-1"), nil) },
			"stale refresh entry"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _, path := openStore(t)
			mustCreate(t, s, newDraft("T1", "U1"))
			mustClose(t, s)
			if _, err := Check(path); err != nil {
				t.Fatalf("Check before breaking: %v", err)
			}
			rawUpdate(t, path, tt.break_)
			_, err := Check(path)
			wantErr(t, "Check", err, ErrCorrupt)
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Check error %q does not contain %q", err, tt.want)
			}
		})
	}
	t.Run("report counts", func(t *testing.T) {
		s, _, path := openStore(t)
		ctx := ctxT(t)
		d := mustCreate(t, s, newDraft("T1", "U1"))
		mustCreate(t, s, newDraft("T2", "U1"))
		if _, err := s.MarkPosted(ctx, "T1", d.ID, Message{Channel: "C", TS: "1"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Claim(ctx, "Ev1"); err != nil {
			t.Fatal(err)
		}
		mustClose(t, s)
		got, err := Check(path)
		if err != nil {
			t.Fatalf("Check: %v", err)
		}
		want := Report{Schema: 2, Teams: 2, Drafts: 2, Revisions: 2, Events: 3, Messages: 1, Pending: 1, Seen: 1}
		if got != want {
			t.Errorf("Check: got %+v, want %+v", got, want)
		}
	})
}
