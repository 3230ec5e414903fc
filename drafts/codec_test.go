package drafts

import (
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
)

func sampleRecord() *record {
	at := time.Date(2026, 3, 1, 9, 0, 0, 123456789, time.UTC)
	return &record{
		Draft: Draft{
			Channel: "C1", Author: "U1", Role: "account-manager", Revision: 3,
			Values: map[string]string{"title": "Account Manager", "summary": "Own the book.", "empty": ""},
			Status: StatusApproved, PostPending: true,
			Approvals:      []Review{{User: "U2", Revision: 3, At: at}, {User: "U3", Revision: 3, At: at.Add(time.Second)}},
			ChangeRequests: []Review{{User: "U4", Revision: 3, At: at}},
			Message:        Message{Channel: "C1", TS: "1700000000.000100"},
			Created:        at, Updated: at.Add(time.Hour),
		},
		seq: 42, queued: at.Add(time.Minute), nEvents: 9,
	}
}

func TestCodecRoundTrip(t *testing.T) {
	at := time.Date(2026, 3, 1, 9, 0, 0, 1, time.UTC)
	t.Run("record", func(t *testing.T) {
		for _, r := range []*record{sampleRecord(), {Draft: Draft{Status: StatusDraft, Values: map[string]string{}}}} {
			var got record
			if err := decodeRecord(encodeRecord(r), &got); err != nil {
				t.Fatalf("decode: %v", err)
			}
			if !reflect.DeepEqual(&got, r) {
				t.Errorf("round trip:\ngot  %+v\nwant %+v", got, *r)
			}
			if st, err := recordStatus(encodeRecord(r)); err != nil || st != r.Status {
				t.Errorf("recordStatus: got %s, %v; want %s", st, err, r.Status)
			}
			for _, pending := range []bool{false, true} {
				r.PostPending = pending
				if got, err := recordPostPending(encodeRecord(r)); err != nil || got != pending {
					t.Errorf("recordPostPending: got %t, %v; want %t", got, err, pending)
				}
			}
		}
	})
	t.Run("revision", func(t *testing.T) {
		v := Revision{Number: 2, Values: map[string]string{"a": "b"}, Editor: "U1", At: at, Changed: []string{"a", "c"}}
		var got Revision
		if err := decodeRevision(encodeRevision(&v), &got); err != nil || !reflect.DeepEqual(got, v) {
			t.Errorf("round trip: got %+v, %v; want %+v", got, err, v)
		}
	})
	t.Run("event", func(t *testing.T) {
		e := Event{Kind: EventApproved, User: "U1", Revision: 2, At: at, Note: "n"}
		var got Event
		if err := decodeEvent(encodeEvent(&e), &got); err != nil || got != e {
			t.Errorf("round trip: got %+v, %v; want %+v", got, err, e)
		}
	})
	t.Run("deterministic", func(t *testing.T) {
		a, b := encodeRecord(sampleRecord()), encodeRecord(sampleRecord())
		if string(a) != string(b) {
			t.Error("the same record encoded to different bytes")
		}
	})
}

// TestDecodeCopies checks that decoded values do not share memory with
// the encoded bytes (bbolt's memory is reused after its transaction), and
// that a map with a key twice is rejected.
func TestDecodeCopies(t *testing.T) {
	t.Run("record", func(t *testing.T) {
		want := sampleRecord()
		b := encodeRecord(want)
		var got record
		if err := decodeRecord(b, &got); err != nil {
			t.Fatalf("decode: %v", err)
		}
		clear(b)
		if !reflect.DeepEqual(&got, want) {
			t.Errorf("after the encoded bytes were overwritten:\ngot  %+v\nwant %+v", got, *want)
		}
	})
	t.Run("revision", func(t *testing.T) {
		want := Revision{Number: 2, Values: map[string]string{"a": "b", "long": "a longer value"}, Editor: "U1", Changed: []string{"a"}}
		b := encodeRevision(&want)
		var got Revision
		if err := decodeRevision(b, &got); err != nil {
			t.Fatalf("decode: %v", err)
		}
		clear(b)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("after the encoded bytes were overwritten: got %+v, want %+v", got, want)
		}
	})
	t.Run("duplicate key", func(t *testing.T) {
		b := appendMap(nil, map[string]string{"a": "1", "b": "2"})
		// Rename key "b" to "a": the same count, a key twice.
		for i := range b {
			if b[i] == 'b' {
				b[i] = 'a'
			}
		}
		r := reader{b: b}
		if m := r.strMap(); r.done() == nil {
			t.Errorf("got %v and no error, want an error for a key twice", m)
		}
	})
}

// TestCodecRejectsDamage feeds truncated, extended and randomly damaged
// records to the decoders: each must return an error or a value, never panic.
func TestCodecRejectsDamage(t *testing.T) {
	rec := encodeRecord(sampleRecord())
	rev := encodeRevision(&Revision{Number: 1, Values: map[string]string{"a": "b"}, Editor: "U", Changed: []string{"a"}})
	ev := encodeEvent(&Event{Kind: EventCreated, User: "U", Revision: 1, Note: "x"})
	decoders := []struct {
		name string
		good []byte
		dec  func([]byte) error
	}{
		{"record", rec, func(b []byte) error { var r record; return decodeRecord(b, &r) }},
		{"revision", rev, func(b []byte) error { var v Revision; return decodeRevision(b, &v) }},
		{"event", ev, func(b []byte) error { var e Event; return decodeEvent(b, &e) }},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, d := range decoders {
		t.Run(d.name, func(t *testing.T) {
			for n := range len(d.good) {
				if err := d.dec(d.good[:n]); err == nil {
					t.Errorf("truncated to %d of %d bytes: got nil error", n, len(d.good))
				}
			}
			if err := d.dec(append(append([]byte{}, d.good...), 0)); err == nil {
				t.Error("with a trailing byte: got nil error")
			}
			bad := append([]byte{}, d.good...)
			bad[0] = 9
			if err := d.dec(bad); err == nil {
				t.Error("with record version 9: got nil error")
			}
			for range 2000 {
				b := append([]byte{}, d.good...)
				for range 1 + rng.IntN(4) {
					b[rng.IntN(len(b))] = byte(rng.UintN(256))
				}
				_ = d.dec(b) // must not panic
			}
		})
	}
	t.Run("huge counts do not allocate", func(t *testing.T) {
		b := []byte{recV2, 1, 0, 1, 0xff, 0xff, 0xff, 0xff, 0x0f}
		var r record
		if err := decodeRecord(b, &r); err == nil {
			t.Error("got nil error for a 4G string length")
		}
	})
}

func TestKeyString(t *testing.T) {
	tests := []struct {
		key  []byte
		want string
	}{
		{draftKey("T1", "AM-1"), "drafts:T1/AM-1"},
		{histKey("T1", "AM-1", 2), `drafts:T1/AM-1////\x02`},
		{[]byte("caf\xc3\xa9\xff"), `drafts:café\xff`},
	}
	for _, tt := range tests {
		if got := keyString(bucketDrafts, tt.key); got != tt.want {
			t.Errorf("keyString(%q): got %s, want %s", tt.key, got, tt.want)
		}
	}
}
