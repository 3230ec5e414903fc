package bot

import (
	"encoding/json"
	"testing"

	"github.com/slack-go/slack"

	"github.com/jobdesc/jobdesc/templates"
)

// TestEncodedBlocksSendTheSameJSON: what is encoded once must go out
// exactly as the blocks it replaces would.
func TestEncodedBlocksSendTheSameJSON(t *testing.T) {
	cat, err := templates.Load("")
	if err != nil {
		t.Fatal(err)
	}
	builtin, _ := cat.Role("account-manager")
	rendered, err := builtin.Render(builtin.Normalize(builtin.Example()))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		blocks []slack.Block
	}{
		{"review body", rendered.Blocks()},
		{"modal of a hand-built role", modalBlocks(testRole(), testRole().Normalize(nil))},
		{"modal of the built-in role with <&> in values", modalBlocks(builtin, templates.Values{"company_name": "<!channel> & Co"})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := mustMarshal(t, tt.blocks)
			enc := encodeBlocks(tt.blocks)
			if got := mustMarshal(t, enc); got != want {
				t.Errorf("encoded blocks marshal to\n%s\nwant\n%s", got, want)
			}
			for i := range enc {
				if enc[i].BlockType() != tt.blocks[i].BlockType() || enc[i].ID() != tt.blocks[i].ID() {
					t.Errorf("block %d is %s %q, want %s %q", i, enc[i].BlockType(), enc[i].ID(), tt.blocks[i].BlockType(), tt.blocks[i].ID())
				}
			}
		})
	}
}

func mustMarshal(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
