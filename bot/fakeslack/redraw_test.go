package fakeslack

import (
	"bytes"
	"reflect"
	"slices"
	"testing"
)

// drawnValue returns the id the fake drew at d in blocks.
func drawnValue(blocks []any, d drawnID) string {
	b := blocks[d.block].(map[string]any)
	if d.elem < 0 {
		return b["block_id"].(string)
	}
	return elementAt(b, d.elem)["action_id"].(string)
}

// TestRedrawMatchesFreshBody: a view sent again whose blocks lacked ids is
// the cached view with new ids, and just what parsing it with those ids
// would have built; the cached view is left as it was.
func TestRedrawMatchesFreshBody(t *testing.T) {
	s := &Server{}
	tests := []struct {
		name, raw string
		drawn     int
	}{
		{"jobdesc's modal, headers without ids", string(benchBody(t, "modal.json")), 5},
		{"input without ids", `{"type":"modal","title":{"type":"plain_text","text":"T"},"submit":{"type":"plain_text","text":"S"},"blocks":[` +
			`{"type":"header","block_id":"h","text":{"type":"plain_text","text":"H"}},` +
			`{"type":"input","label":{"type":"plain_text","text":"L"},"element":{"type":"plain_text_input","initial_value":"x"}},` +
			`{"type":"input","block_id":"b","label":{"type":"plain_text","text":"L"},"element":{"type":"static_select","action_id":"a","options":[{"text":{"type":"plain_text","text":"o"},"value":"v"}]}}]}`, 2},
		{"actions and accessories", `{"type":"modal","title":{"type":"plain_text","text":"T"},"blocks":[` +
			`{"type":"actions","block_id":"acts","elements":[{"type":"button","text":{"type":"plain_text","text":"b"}},{"type":"button","action_id":"given","text":{"type":"plain_text","text":"c"}},{"type":"static_select","options":[{"text":{"type":"plain_text","text":"o"},"value":"v"}]}]},` +
			`{"type":"section","block_id":"s","text":{"type":"mrkdwn","text":"x"},"accessory":{"type":"button","text":{"type":"plain_text","text":"b"}}},` +
			`{"type":"section","text":{"type":"mrkdwn","text":"y"},"accessory":{"type":"image","image_url":"http://x/y.png","alt_text":"y"}},` +
			`{"type":"divider"}]}`, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.parsed = viewCache{}
			first, e := s.parseView([]byte(tt.raw), surfaceModal, "/view")
			if e != nil {
				t.Fatalf("parseView: %v", e.messages)
			}
			if len(first.drawn) != tt.drawn {
				t.Fatalf("%d ids drawn, want %d", len(first.drawn), tt.drawn)
			}
			firstJSON := bytes.Clone(first.blocksJSON)
			var firstIDs []string
			for _, d := range first.drawn {
				firstIDs = append(firstIDs, drawnValue(first.blocks, d))
			}

			again, e := s.parseView([]byte(tt.raw), surfaceModal, "/view")
			if e != nil {
				t.Fatalf("parseView again: %v", e.messages)
			}
			if again == first || !slices.Equal(again.drawn, first.drawn) {
				t.Fatalf("parsed again: %p drawn %v, want a new body drawn at %v", again, again.drawn, first.drawn)
			}
			for i, d := range again.drawn {
				if got := drawnValue(again.blocks, d); got == firstIDs[i] || len(got) != len(firstIDs[i]) {
					t.Errorf("id %v redrawn as %q, want a new id like %q", d, got, firstIDs[i])
				}
				if got := drawnValue(first.blocks, d); got != firstIDs[i] {
					t.Errorf("cached view's id %v changed to %q, want %q", d, got, firstIDs[i])
				}
			}
			if !bytes.Equal(first.blocksJSON, firstJSON) || !bytes.Equal(encodeJSON(first.blocks), firstJSON) {
				t.Errorf("the cached view changed")
			}

			m, err := decodeObject(encodeJSON(again.m))
			if err != nil {
				t.Fatalf("decode redrawn view: %v", err)
			}
			want := newViewBody(m, again.size)
			want.drawn = again.drawn
			if got := again.appendBlocksJSON(nil); !bytes.Equal(got, want.blocksJSON) || again.blocksLen() != len(want.blocksJSON) {
				t.Errorf("blocks = %s (length %d)\nwant %s", got, again.blocksLen(), want.blocksJSON)
			}
			// A redrawn view redrawn again (which the server never does)
			// is as fresh as the first.
			thrice := again.redraw()
			m3, err := decodeObject(encodeJSON(thrice.m))
			if err != nil {
				t.Fatalf("decode view redrawn twice: %v", err)
			}
			want3 := newViewBody(m3, thrice.size)
			if got := thrice.appendBlocksJSON(nil); !bytes.Equal(got, want3.blocksJSON) || thrice.blocksLen() != len(want3.blocksJSON) || bytes.Equal(got, want.blocksJSON) {
				t.Errorf("blocks redrawn twice = %s (length %d)\nwant %s, not %s", got, thrice.blocksLen(), want3.blocksJSON, want.blocksJSON)
			}
			if !bytes.Equal(again.initialState, want.initialState) || !reflect.DeepEqual(again.inputs, want.inputs) || !reflect.DeepEqual(again.state, want.state) {
				t.Errorf("state = %s %v, want %s %v", again.initialState, again.inputs, want.initialState, want.inputs)
			}
			if !reflect.DeepEqual(again.m, want.m) || !reflect.DeepEqual(again.blocks, want.blocks) {
				t.Errorf("view = %v, want %v", again.m, want.m)
			}
			for _, f := range [][2]rawJSON{{again.title, want.title}, {again.submit, want.submit}, {again.close, want.close}} {
				if !bytes.Equal(f[0], f[1]) {
					t.Errorf("text object %s, want %s", f[0], f[1])
				}
			}
			if again.titleText != want.titleText || again.callbackID != want.callbackID || again.privateMetadata != want.privateMetadata ||
				again.externalID != want.externalID || again.clearOnClose != want.clearOnClose || again.notifyOnClose != want.notifyOnClose ||
				again.submitDisabled != want.submitDisabled || again.size != want.size {
				t.Errorf("fields %+v, want %+v", again, want)
			}
		})
	}
}
