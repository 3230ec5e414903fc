package drafts

import (
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	bolt "go.etcd.io/bbolt"
)

var scratch = []byte("scratch")

// TestRunGroup drives one group commit directly: a rejected write leaves the
// others committed; a failed or panicking write rolls the group back and the
// others are committed alone.
func TestRunGroup(t *testing.T) {
	put := func(k string) func(tx *bolt.Tx) error {
		return func(tx *bolt.Tx) error { return tx.Bucket(scratch).Put([]byte(k), []byte("v")) }
	}
	errBoom := errors.New("boom")
	tests := []struct {
		name     string
		fns      []func(tx *bolt.Tx) error
		wantErrs []error
		wantKeys []string // present afterwards; all other keys a..d absent
	}{
		{"all succeed", []func(tx *bolt.Tx) error{put("a"), put("b")}, []error{nil, nil}, []string{"a", "b"}},
		{"a rejected write", []func(tx *bolt.Tx) error{
			put("a"),
			func(tx *bolt.Tx) error { return reject(ErrConflict) },
			put("c"),
		}, []error{nil, ErrConflict, nil}, []string{"a", "c"}},
		{"a write failing after writing", []func(tx *bolt.Tx) error{
			put("a"),
			func(tx *bolt.Tx) error {
				if err := put("b")(tx); err != nil {
					return err
				}
				return errBoom
			},
			put("c"),
		}, []error{nil, errBoom, nil}, []string{"a", "c"}},
		{"a panicking write", []func(tx *bolt.Tx) error{
			put("a"),
			func(tx *bolt.Tx) error { _ = put("d")(tx); panic("bad") },
		}, []error{nil, errors.New("write panicked: bad")}, []string{"a"}},
		{"alone and failing", []func(tx *bolt.Tx) error{
			func(tx *bolt.Tx) error { _ = put("a")(tx); return errBoom },
		}, []error{errBoom}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _, _ := openStore(t)
			if err := s.db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket(scratch); return err }); err != nil {
				t.Fatal(err)
			}
			calls := make([]*call, len(tt.fns))
			for i, fn := range tt.fns {
				calls[i] = &call{fn: fn, done: make(chan error, 1)}
			}
			s.runGroup(calls)
			for i, c := range calls {
				err := unreject(<-c.done)
				want := tt.wantErrs[i]
				if (err == nil) != (want == nil) || err != nil && !errors.Is(err, want) && err.Error() != want.Error() {
					t.Errorf("call %d: got %v, want %v", i, err, want)
				}
			}
			present := map[string]bool{}
			_ = s.db.View(func(tx *bolt.Tx) error {
				for _, k := range []string{"a", "b", "c", "d"} {
					present[k] = tx.Bucket(scratch).Get([]byte(k)) != nil
				}
				return nil
			})
			want := map[string]bool{}
			for _, k := range tt.wantKeys {
				want[k] = true
			}
			for _, k := range []string{"a", "b", "c", "d"} {
				if present[k] != want[k] {
					t.Errorf("key %s: present %t, want %t", k, present[k], want[k])
				}
			}
		})
	}
}

// TestConcurrentWriters runs goroutines that create, revise and approve at
// once, in each write mode; the final state must equal the sum of what each
// goroutine was told succeeded.
func TestConcurrentWriters(t *testing.T) {
	const (
		workers = 8
		creates = 3
		revises = 5
		claims  = 4
	)
	for _, mode := range []struct {
		name string
		mode writeMode
	}{{"group", modeGroup}, {"update", modeUpdate}, {"batch", modeBatch}} {
		t.Run(mode.name, func(t *testing.T) {
			ctx := ctxT(t)
			s, _, path := openStore(t)
			s.mode = mode.mode
			x := mustCreate(t, s, newDraft("T1", "U-setup"))
			y := mustCreate(t, s, newDraft("T1", "U-setup"))

			var mu sync.Mutex
			var created, revised, conflicts, approved int
			claimed := map[string]int{}
			var wg sync.WaitGroup
			for g := range workers {
				wg.Go(func() {
					user := fmt.Sprintf("U%d", g)
					for range creates {
						n := newDraft("T1", "U-many")
						if _, err := s.Create(ctx, n); err != nil {
							t.Errorf("worker %d: Create: %v", g, err)
							continue
						}
						mu.Lock()
						created++
						mu.Unlock()
					}
					for i := range revises {
						d, err := s.Get(ctx, "T1", x.ID)
						if err != nil {
							t.Errorf("worker %d: Get: %v", g, err)
							continue
						}
						_, err = s.Revise(ctx, "T1", x.ID, d.Revision, user, map[string]string{"v": fmt.Sprintf("%d-%d", g, i)})
						mu.Lock()
						switch {
						case err == nil:
							revised++
						case errors.Is(err, ErrConflict):
							conflicts++
						default:
							t.Errorf("worker %d: Revise: %v", g, err)
						}
						mu.Unlock()
					}
					for i := range 2 {
						_, changed, err := s.Approve(ctx, "T1", y.ID, user, workers)
						if err != nil {
							t.Errorf("worker %d: Approve: %v", g, err)
							continue
						}
						if changed != (i == 0) {
							t.Errorf("worker %d: approval %d changed %t, want %t", g, i, changed, i == 0)
						}
						if changed {
							mu.Lock()
							approved++
							mu.Unlock()
						}
					}
					for k := range claims {
						key := fmt.Sprintf("Ev%d", k)
						ok, err := s.Claim(ctx, key)
						if err != nil {
							t.Errorf("worker %d: Claim: %v", g, err)
						}
						if ok {
							mu.Lock()
							claimed[key]++
							mu.Unlock()
						}
					}
				})
			}
			wg.Wait()

			var all []Draft
			p := Page{Limit: 7}
			for {
				ds, next, err := s.ListByAuthor(ctx, "T1", "U-many", p)
				if err != nil {
					t.Fatalf("ListByAuthor: %v", err)
				}
				all = append(all, ds...)
				if next == "" {
					break
				}
				p.Cursor = next
			}
			ids := map[string]bool{}
			for _, d := range all {
				ids[d.ID] = true
			}
			if len(all) != created || len(ids) != created {
				t.Errorf("drafts: listed %d (%d distinct), want %d created", len(all), len(ids), created)
			}
			gx := mustGet(t, s, "T1", x.ID)
			if gx.Revision != 1+revised || len(gx.Revisions) != 1+revised || len(gx.Events) != 1+revised {
				t.Errorf("revised draft: got revision %d, %d revisions, %d events; want %d (%d revises succeeded)",
					gx.Revision, len(gx.Revisions), len(gx.Events), 1+revised, revised)
			}
			if revised+conflicts != workers*revises || revised == 0 {
				t.Errorf("revises: %d succeeded + %d conflicts, want %d in all and some successes", revised, conflicts, workers*revises)
			}
			gy := mustGet(t, s, "T1", y.ID)
			if len(gy.Approvals) != approved || approved != workers || gy.Status != StatusDraft {
				t.Errorf("approved draft: got %d approvals (status %s), %d reported; want %d", len(gy.Approvals), gy.Status, approved, workers)
			}
			for k := range claims {
				if n := claimed[fmt.Sprintf("Ev%d", k)]; n != 1 {
					t.Errorf("Ev%d claimed %d times, want 1", k, n)
				}
			}
			mustClose(t, s)
			if _, err := Check(filepath.Clean(path)); err != nil {
				t.Errorf("Check: %v", err)
			}
		})
	}
}
