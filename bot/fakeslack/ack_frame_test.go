package fakeslack

import (
	"bytes"
	"encoding/json"
	"testing"
)

// checkReadAck holds readAck to json.Unmarshal, and scanAck to the frames
// it is for.
func checkReadAck(t *testing.T, frame string) {
	t.Helper()
	var want ackFrame
	wantErr := json.Unmarshal([]byte(frame), &want)
	got, err := readAck([]byte(frame))
	if (err != nil) != (wantErr != nil) || got.EnvelopeID != want.EnvelopeID || !bytes.Equal(got.Payload, want.Payload) || (got.Payload == nil) != (want.Payload == nil) {
		t.Errorf("readAck(%q) = %q %q %v, want %q %q %v", frame, got.EnvelopeID, got.Payload, err, want.EnvelopeID, want.Payload, wantErr)
	}
	if f, ok := scanAck([]byte(frame)); ok && (wantErr != nil || f.EnvelopeID != want.EnvelopeID || !bytes.Equal(f.Payload, want.Payload)) {
		t.Errorf("scanAck(%q) = %q %q, want what encoding/json reads: %q %q %v", frame, f.EnvelopeID, f.Payload, want.EnvelopeID, want.Payload, wantErr)
	}
}

func TestReadAck(t *testing.T) {
	tests := []struct {
		name, frame string
		scanned     bool // scanAck reads it (no encoding/json)
	}{
		{"slack-go's ack", `{"envelope_id":"0a9e8ef8-c94d-4b89-acec-fc305d9d3b18"}`, true},
		{"with a payload", `{"envelope_id":"e1","payload":{"response_action":"errors","errors":{"a":"b"}}}`, true},
		{"payload first, spaced", " { \"payload\" : [1, {\"x\":null}] ,\n\"envelope_id\" : \"e\\u00e9\" } ", true},
		{"null payload", `{"envelope_id":"e","payload":null}`, true},
		{"other fields", `{"envelope_id":"e","x":{"envelope_id":1},"type":"ack"}`, true},
		{"no envelope_id", `{"payload":{}}`, true},
		{"invalid UTF-8 in the id", "{\"envelope_id\":\"a\xffb\"}", true},
		{"envelope_id not a string", `{"envelope_id":7}`, false},
		{"null envelope_id", `{"envelope_id":null}`, false},
		{"envelope_id twice", `{"envelope_id":"a","envelope_id":"b"}`, false},
		{"null after an id", `{"envelope_id":"a","envelope_id":null}`, false},
		{"payload twice", `{"envelope_id":"a","payload":1,"payload":2}`, false},
		{"case-folded key", `{"Envelope_ID":"a"}`, false},
		{"case-folded payload", `{"envelope_id":"a","PAYLOAD":{}}`, false},
		{"non-ASCII key", `{"envelope_id":"a","ſ":1}`, false},
		{"escaped key", `{"envelope\u005fid":"a"}`, true},
		{"not JSON", `not json`, false},
		{"array", `[]`, false},
		{"null", `null`, false},
		{"trailing text", `{"envelope_id":"a"} x`, false},
		{"truncated", `{"envelope_id":"a"`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkReadAck(t, tt.frame)
			if _, ok := scanAck([]byte(tt.frame)); ok != tt.scanned {
				t.Errorf("scanAck(%q) ok = %v, want %v", tt.frame, ok, tt.scanned)
			}
		})
	}
}

func FuzzReadAck(f *testing.F) {
	for _, s := range []string{`{"envelope_id":"a","payload":{"b":[1,"c"]}}`, `{"payload":null}`, `{"Envelope_id":"x"}`, `{"envelope_id":"\ud800"}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, frame string) { checkReadAck(t, frame) })
}
