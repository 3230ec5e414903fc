package bot

import (
	"encoding/json"

	"github.com/slack-go/slack"
)

// encodedBlock is a block marshalled to JSON once: the body of a review
// message is sent again on every approval but changes only with a new
// revision, and a new draft's modal inputs are the same for every slash
// command of a role. The bodies the bot writes (webapi.go) copy raw in as
// it is; encoding/json, which still scans what MarshalJSON returns, would
// take about as long as marshalling the block again.
type encodedBlock struct {
	typ slack.MessageBlockType
	id  string
	raw json.RawMessage
}

func (e encodedBlock) BlockType() slack.MessageBlockType { return e.typ }
func (e encodedBlock) ID() string                        { return e.id }

// MarshalJSON returns the block's JSON.
func (e encodedBlock) MarshalJSON() ([]byte, error) { return e.raw, nil }

// encodeBlocks returns bs with each block marshalled once. A block that
// does not marshal is kept as it is, so sending it reports the error.
func encodeBlocks(bs []slack.Block) []slack.Block {
	if bs == nil {
		return nil
	}
	out := make([]slack.Block, len(bs))
	for i, b := range bs {
		raw, err := json.Marshal(b)
		if err != nil {
			out[i] = b
			continue
		}
		out[i] = encodedBlock{typ: b.BlockType(), id: b.ID(), raw: raw}
	}
	return out
}
