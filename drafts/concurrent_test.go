package drafts

import (
	"errors"
	"fmt"
	"strconv"
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

// TestGroupDeliversEachResult: many writers at once (more than maxGroup,
// so groups queue behind each other) each get their own result, and
// every write that succeeded, and none that was rejected, is in the file.
func TestGroupDeliversEachResult(t *testing.T) {
	s, _, _ := openStore(t)
	if err := s.db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket(scratch); return err }); err != nil {
		t.Fatal(err)
	}
	const writers = 3*maxGroup + 17
	errs := make([]error, writers)
	var wg sync.WaitGroup
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = unreject(s.group(func(tx *bolt.Tx) error {
				if i%7 == 0 {
					return reject(fmt.Errorf("writer %d refused", i))
				}
				return tx.Bucket(scratch).Put([]byte(strconv.Itoa(i)), nil)
			}))
		}()
	}
	wg.Wait()
	_ = s.db.View(func(tx *bolt.Tx) error {
		for i := range writers {
			present := tx.Bucket(scratch).Get([]byte(strconv.Itoa(i))) != nil
			switch {
			case i%7 == 0 && (errs[i] == nil || errs[i].Error() != fmt.Sprintf("writer %d refused", i)):
				t.Errorf("writer %d: got %v, want its own refusal", i, errs[i])
			case i%7 != 0 && errs[i] != nil:
				t.Errorf("writer %d: got %v, want nil", i, errs[i])
			case present != (i%7 != 0):
				t.Errorf("writer %d: key present %t, want %t", i, present, i%7 != 0)
			}
		}
		return nil
	})
	s.gmu.Lock()
	defer s.gmu.Unlock()
	if len(s.queue) != 0 || s.leading {
		t.Errorf("%d writes left queued (leading %t) after every writer returned, want none", len(s.queue), s.leading)
	}
}
