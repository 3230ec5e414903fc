package fakeslack

import (
	"bytes"
	"testing"
)

// mapViewJSON is a view as Slack shows it, built as a map the way the
// fake built it before viewWire.appendTo: the oracle appendTo is held to.
func mapViewJSON(w viewWire, values rawJSON) []byte {
	if values == nil {
		values = rawJSON("{}")
	}
	b := w.body
	var previous any
	if w.previousID != "" {
		previous = w.previousID
	}
	out := map[string]any{
		"id":                    w.id,
		"team_id":               w.teamID,
		"type":                  w.typ,
		"blocks":                rawJSON(b.appendBlocksJSON(nil)),
		"private_metadata":      b.privateMetadata,
		"callback_id":           b.callbackID,
		"external_id":           b.externalID,
		"state":                 rawJSON(append(append([]byte(`{"values":`), values...), '}')),
		"hash":                  w.hash,
		"clear_on_close":        b.clearOnClose,
		"notify_on_close":       b.notifyOnClose,
		"root_view_id":          w.rootID,
		"previous_view_id":      previous,
		"app_id":                AppID,
		"app_installed_team_id": TeamID,
		"bot_id":                BotID,
	}
	if w.typ == "modal" {
		out["title"], out["submit"], out["close"] = b.title, b.submit, b.close
		out["submit_disabled"] = b.submitDisabled
	}
	return encodeJSON(out)
}

func TestViewWire(t *testing.T) {
	s := newServer(t, Options{SchemaDir: "-"})
	body, e := s.parseView(benchBody(t, "modal.json"), surfaceModal, "/view")
	if e != nil {
		t.Fatalf("parseView: %v", e)
	}
	home, e := s.parseView([]byte(`{"type":"home","blocks":[{"type":"section","block_id":"b","text":{"type":"mrkdwn","text":"<hi> & \u2028"}}],"private_metadata":"p\"m","callback_id":"c","external_id":"e","clear_on_close":true,"notify_on_close":true}`), surfaceHome, "/view")
	if e != nil {
		t.Fatalf("parseView home: %v", e)
	}
	bare, e := s.parseView([]byte(`{"type":"modal","title":{"type":"plain_text","text":"T"},"blocks":[],"submit_disabled":true}`), surfaceModal, "/view")
	if e != nil {
		t.Fatalf("parseView bare: %v", e)
	}
	views := []struct {
		name string
		v    *viewState
	}{
		{"modal", &viewState{id: "V1", teamID: TeamID, typ: "modal", user: UserAlice, hash: "1.abc", body: body, rootID: "V1"}},
		{"pushed modal", &viewState{id: "V2", teamID: TeamID, typ: "modal", user: UserAlice, hash: "1.def", body: body, rootID: "V1", previousID: "V1"}},
		{"modal without submit or close", &viewState{id: "V3", teamID: TeamID, typ: "modal", user: UserAlice, hash: "1.ghi", body: bare, rootID: "V3"}},
		{"home", &viewState{id: "V4", teamID: TeamID, typ: "home", user: UserAlice, hash: "1.jkl", body: home, rootID: "V4"}},
		{"redrawn modal", &viewState{id: "V5", teamID: TeamID, typ: "modal", user: UserAlice, hash: "1.mno", body: body.redraw(), rootID: "V5"}},
	}
	for _, vt := range views {
		for _, tt := range []struct {
			name   string
			values rawJSON
		}{
			{"initial state", vt.v.body.initialState},
			{"empty state", rawJSON("{}")},
			{"other state", rawJSON(`{"b":{"a":{"type":"plain_text_input","value":"x"}}}`)},
		} {
			t.Run(vt.name+"/"+tt.name, func(t *testing.T) {
				want := mapViewJSON(vt.v.snapshot(), tt.values)
				if got := vt.v.wireWith(tt.values); !bytes.Equal(got, want) {
					t.Errorf("wireWith got %s\nwant %s", got, want)
				}
				if got, _, _ := vt.v.snapshot().appendTo(nil, tt.values); !bytes.Equal(got, want) {
					t.Errorf("appendTo got %s\nwant %s", got, want)
				}
			})
		}
		t.Run(vt.name+"/appendInitial", func(t *testing.T) {
			want := mapViewJSON(vt.v.snapshot(), vt.v.body.initialState)
			fresh := *vt.v
			fresh.initialWire, fresh.wireBefore, fresh.wireAfter = nil, nil, nil
			if got := fresh.appendInitial([]byte("x")); !bytes.Equal(got, append([]byte("x"), want...)) {
				t.Errorf("appendInitial, nothing cached, got %s\nwant x%s", got, want)
			}
			if got := (initialView{&fresh}).appendTo(nil); !bytes.Equal(got, want) || fresh.initialWire != nil {
				t.Errorf("initialView.appendTo got %s (cached %t)\nwant %s (not cached)", got, fresh.initialWire != nil, want)
			}
			fresh.wireInitial()
			if got := fresh.appendInitial(nil); !bytes.Equal(got, want) {
				t.Errorf("appendInitial, cached, got %s\nwant %s", got, want)
			}
			if got := fresh.export(); !bytes.Equal(got.Raw, want) || !bytes.Equal(got.Blocks, vt.v.body.appendBlocksJSON(nil)) {
				t.Errorf("export: Raw %s Blocks %s\nwant %s", got.Raw, got.Blocks, want)
			}
		})
		t.Run(vt.name+"/wireInitial", func(t *testing.T) {
			if got, want := vt.v.wireInitial(), mapViewJSON(vt.v.snapshot(), vt.v.body.initialState); !bytes.Equal(got, want) {
				t.Errorf("wireInitial got %s\nwant %s", got, want)
			}
			if got, _, _ := vt.v.snapshot().appendTo(nil, nil); !bytes.Equal(got, mapViewJSON(vt.v.snapshot(), nil)) {
				t.Errorf("appendTo without values got %s\nwant %s", got, mapViewJSON(vt.v.snapshot(), nil))
			}
		})
	}
}
