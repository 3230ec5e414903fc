package fakeslack

import (
	"bytes"
	"testing"
)

func TestViewWireAround(t *testing.T) {
	s := newServer(t, Options{SchemaDir: "-"})
	body, e := s.parseView(benchBody(t, "modal.json"), surfaceModal, "/view")
	if e != nil {
		t.Fatalf("parseView: %v", e)
	}
	v := &viewState{id: "V1", teamID: TeamID, typ: "modal", user: UserAlice, hash: "1.abc", body: body, rootID: "V1"}
	tests := []struct {
		name   string
		values rawJSON
	}{
		{"initial state", body.initialState},
		{"empty state", rawJSON("{}")},
		{"other state", rawJSON(`{"b":{"a":{"type":"plain_text_input","value":"x"}}}`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := v.snapshot().json(tt.values)
			if got := v.wireWith(tt.values); !bytes.Equal(got, want) {
				t.Errorf("wireWith got %s\nwant %s", got, want)
			}
		})
	}
}
