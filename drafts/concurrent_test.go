package drafts

import (
	"errors"
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
