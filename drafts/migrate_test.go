package drafts

import (
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// writeV1 writes a schema 1 file as the previous jobdesc did: raw bbolt
// writes of JSON drafts, the message index, sequences and seen records.
func writeV1(t *testing.T, path string, drafts map[string]v1Draft, messages map[string]string, seen map[string]time.Time) {
	t.Helper()
	rawUpdate(t, path, func(tx *bolt.Tx) error {
		buckets := map[string]*bolt.Bucket{}
		for _, name := range []string{"meta", "drafts", "messages", "seq", "seen"} {
			b, err := tx.CreateBucket([]byte(name))
			if err != nil {
				return err
			}
			buckets[name] = b
		}
		if err := buckets["meta"].Put([]byte("schema"), binary.AppendUvarint(nil, 1)); err != nil {
			return err
		}
		seqs := map[string]uint64{}
		for k, d := range drafts {
			v, err := json.Marshal(d)
			if err != nil {
				return err
			}
			if err := buckets["drafts"].Put([]byte(k), v); err != nil {
				return err
			}
			team, _, _ := strings.Cut(k, "\x00")
			seqs[team] = max(seqs[team], d.Seq)
		}
		for team, n := range seqs {
			if err := buckets["seq"].Put([]byte(team), binary.BigEndian.AppendUint64(nil, n)); err != nil {
				return err
			}
		}
		for k, id := range messages {
			if err := buckets["messages"].Put([]byte(k), []byte(id)); err != nil {
				return err
			}
		}
		for k, exp := range seen {
			if err := buckets["seen"].Put([]byte(k), binary.BigEndian.AppendUint64(nil, uint64(exp.UnixNano()))); err != nil {
				return err
			}
		}
		return nil
	})
}

func v1Fixture(at time.Time) map[string]v1Draft {
	r1 := v1Revision{Number: 1, Values: map[string]string{"title": "AM"}, Editor: "U1", At: at, Changed: []string{"title"}}
	r2 := v1Revision{Number: 2, Values: map[string]string{"title": "Senior AM"}, Editor: "U2", At: at.Add(time.Minute), Changed: []string{"title"}}
	return map[string]v1Draft{
		"T1\x00AM-7": {
			Seq: 7, Channel: "C1", Author: "U1", Role: "account-manager", Status: "approved",
			Values:    r2.Values,
			Approvals: []v1Review{{User: "U3", Revision: 2, At: at.Add(2 * time.Minute)}},
			Revisions: []v1Revision{r1, r2},
			Events: []v1Event{
				{Kind: "created", User: "U1", Revision: 1, At: at},
				{Kind: "posted", Revision: 1, At: at, Note: "C1/1.1"},
				{Kind: "revised", User: "U2", Revision: 2, At: at.Add(time.Minute)},
				{Kind: "approved", User: "U3", Revision: 2, At: at.Add(2 * time.Minute)},
			},
			MessageChannel: "C1", MessageTS: "1.1",
			Created: at, Updated: at.Add(2 * time.Minute),
		},
		"T1\x00AM-3": {
			Seq: 3, Channel: "C1", Author: "U1", Role: "account-manager", Status: "draft", PostPending: true,
			Values: r1.Values, Revisions: []v1Revision{r1},
			Events:  []v1Event{{Kind: "created", User: "U1", Revision: 1, At: at}},
			Created: at, Updated: at,
		},
		"T2\x00AM-1": {
			Seq: 1, Channel: "C9", Author: "U1", Role: "account-manager", Status: "draft",
			Values: r1.Values, Revisions: []v1Revision{r1},
			Events:  []v1Event{{Kind: "created", User: "U1", Revision: 1, At: at}},
			Created: at, Updated: at,
		},
	}
}

func TestMigrateFromV1(t *testing.T) {
	ctx := ctxT(t)
	c := newClock()
	at := c.Now().Add(-time.Hour)
	dir := t.TempDir()
	path := filepath.Join(dir, "jobdesc.db")
	writeV1(t, path, v1Fixture(at), map[string]string{"T1\x00C1\x001.1": "AM-7"},
		map[string]time.Time{"Ev-live": c.Now().Add(time.Hour), "Ev-old": c.Now().Add(-time.Hour)})

	t.Run("read-only open refuses reads but can back up", func(t *testing.T) {
		ro, err := OpenReadOnly(path)
		if err != nil {
			t.Fatalf("OpenReadOnly: %v", err)
		}
		defer func() { _ = ro.Close() }()
		_, err = ro.Get(ctx, "T1", "AM-7")
		wantErr(t, "Get on schema 1", err, ErrSchemaTooOld)
		if _, err := ro.BackupToDir(t.TempDir()); err != nil {
			t.Errorf("BackupToDir: %v", err)
		}
	})
	t.Run("Check reads schema 1", func(t *testing.T) {
		rep, err := Check(path)
		if err != nil {
			t.Fatalf("Check: %v", err)
		}
		want := Report{Schema: 1, Teams: 2, Drafts: 3, Revisions: 4, Events: 6, Messages: 1, Pending: 1, Seen: 2}
		if rep != want {
			t.Errorf("Check: got %+v, want %+v", rep, want)
		}
	})

	s := openPath(t, path, c)

	t.Run("a backup of the old file is kept", func(t *testing.T) {
		baks, _ := filepath.Glob(path + ".schema1-*.bak")
		if len(baks) != 1 {
			t.Fatalf("backups: got %v, want one", baks)
		}
		rep, err := Check(baks[0])
		if err != nil || rep.Schema != 1 || rep.Drafts != 3 {
			t.Errorf("Check(backup): got %+v, %v; want schema 1 with 3 drafts", rep, err)
		}
	})
	t.Run("drafts with history", func(t *testing.T) {
		d := mustGet(t, s, "T1", "AM-7")
		if d.Revision != 2 || d.Status != StatusApproved || d.Values["title"] != "Senior AM" || d.Message != (Message{Channel: "C1", TS: "1.1"}) {
			t.Errorf("AM-7: got revision %d status %s values %v message %+v", d.Revision, d.Status, d.Values, d.Message)
		}
		if got := reviewUsers(d.Approvals); !slices.Equal(got, []string{"U3"}) || d.Approvals[0].Revision != 2 {
			t.Errorf("approvals: got %+v", d.Approvals)
		}
		if len(d.Revisions) != 2 || d.Revisions[0].Values["title"] != "AM" || d.Revisions[1].Editor != "U2" {
			t.Errorf("revisions: got %+v", d.Revisions)
		}
		want := []EventKind{EventCreated, EventPosted, EventRevised, EventApproved}
		if got := eventKinds(d); !slices.Equal(got, want) {
			t.Errorf("events: got %v, want %v", got, want)
		}
		if !d.Created.Equal(at) {
			t.Errorf("created: got %v, want %v", d.Created, at)
		}
	})
	t.Run("indexes are built", func(t *testing.T) {
		if d, err := s.FindByMessage(ctx, "T1", "C1", "1.1"); err != nil || d.ID != "AM-7" {
			t.Errorf("FindByMessage: got %s, %v", d.ID, err)
		}
		ds, _, err := s.ListByAuthor(ctx, "T1", "U1", Page{})
		if err != nil || len(ds) != 2 || ds[0].ID != "AM-7" || ds[1].ID != "AM-3" {
			t.Errorf("ListByAuthor: got %d drafts, %v", len(ds), err)
		}
		ds, _, err = s.ListByChannel(ctx, "T2", "C9", Page{})
		if err != nil || len(ds) != 1 {
			t.Errorf("ListByChannel: got %d drafts, %v", len(ds), err)
		}
		p, err := s.Pending(ctx)
		if err != nil || len(p) != 1 || p[0].ID != "AM-3" {
			t.Errorf("Pending: got %v, %v; want AM-3", p, err)
		}
	})
	t.Run("writes continue the sequence", func(t *testing.T) {
		d := mustCreate(t, s, newDraft("T1", "U1"))
		if d.ID != "AM-8" {
			t.Errorf("next id: got %s, want AM-8", d.ID)
		}
		if _, err := s.Revise(ctx, "T1", "AM-7", 2, "U4", map[string]string{"title": "Lead AM"}); err != nil {
			t.Errorf("Revise a migrated draft: %v", err)
		}
	})
	t.Run("seen records keep working", func(t *testing.T) {
		if ok, err := s.Claim(ctx, "Ev-live"); err != nil || ok {
			t.Errorf("Claim(live): got %t, %v; want false", ok, err)
		}
		if n, err := s.Sweep(ctx); err != nil || n != 1 {
			t.Errorf("Sweep: got %d, %v; want 1 (Ev-old)", n, err)
		}
	})
	t.Run("the migrated file checks clean at schema 2", func(t *testing.T) {
		mustClose(t, s)
		rep, err := Check(path)
		if err != nil {
			t.Fatalf("Check: %v", err)
		}
		if rep.Schema != 2 || rep.Drafts != 4 {
			t.Errorf("Check: got %+v, want schema 2 and 4 drafts", rep)
		}
	})
}

func TestMigrateFailureLeavesFileAlone(t *testing.T) {
	path := filepath.Join(t.TempDir(), "jobdesc.db")
	fx := v1Fixture(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	writeV1(t, path, fx, nil, nil)
	rawUpdate(t, path, func(tx *bolt.Tx) error {
		return tx.Bucket(bucketDrafts).Put([]byte("T1\x00AM-9"), []byte(`{"seq": "nine"`))
	})
	s, err := Open(path)
	if err == nil {
		_ = s.Close()
	}
	wantErr(t, "Open", err, ErrCorrupt)
	if !strings.Contains(err.Error(), "drafts:T1/AM-9") {
		t.Errorf("error %q does not name the key", err)
	}
	rep, err := Check(path)
	if rep.Schema != 1 || rep.Drafts != 3 {
		t.Errorf("after a failed migration: got %+v (%v), want the schema 1 file as it was", rep, err)
	}
	if _, statErr := os.Stat(path); statErr != nil {
		t.Fatal(statErr)
	}
}
