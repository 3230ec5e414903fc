package bot

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
)

// frame is one message from Slack, decoded in one pass: its envelope and
// the parts of its payload the bot reads.
type frame struct {
	EnvelopeID             string      `json:"envelope_id"`
	Type                   string      `json:"type"`
	AcceptsResponsePayload bool        `json:"accepts_response_payload"`
	RetryAttempt           int         `json:"retry_attempt"`
	RetryReason            string      `json:"retry_reason"`
	Reason                 string      `json:"reason"` // disconnect
	Payload                wirePayload `json:"payload"`

	// inputs are the block ids of the input blocks of an interaction's
	// view, in order (decodeFrame).
	inputs []string
}

// decodeFrame reads a frame. Slack echoes an interaction's whole view back,
// and encoding/json would spend two thirds of a submission's decoding
// walking its blocks, of which the bot needs only the input blocks' ids
// (it built the view): so those are read by a scanner and the blocks cut
// out before encoding/json reads the rest. A frame the scanner can't
// follow is decoded whole. It returns encoding/json's error for a frame
// that is not JSON.
func decodeFrame(data []byte) (*frame, error) {
	if rest, inputs, ok := cutViewBlocks(data); ok {
		f := &frame{}
		if err := json.Unmarshal(rest, f); err == nil {
			f.inputs = inputs
			return f, nil
		}
	}
	return decodeWholeFrame(data) // which says what is wrong, if anything is
}

// decodeWholeFrame is decodeFrame without the cut.
func decodeWholeFrame(data []byte) (*frame, error) {
	f := &frame{}
	if err := json.Unmarshal(data, f); err != nil {
		return nil, err
	}
	f.inputs = f.Payload.View.inputs()
	return f, nil
}

// cutViewBlocks returns a copy of data with payload.view.blocks replaced
// by [], and the ids of the input blocks it held. ok is false when data
// has no such blocks or the scanner can't follow it.
func cutViewBlocks(data []byte) (rest []byte, inputs []string, ok bool) {
	s := scanner{b: data}
	start, end := -1, -1
	inView := func(k []byte) bool {
		if string(k) != "blocks" {
			return s.skip()
		}
		start = s.i
		ok := s.array(func() bool {
			var typ, id []byte
			ok := s.object(func(k []byte) bool {
				var ok bool
				switch string(k) {
				case "type":
					typ, ok = s.bytes()
				case "block_id":
					id, ok = s.bytes()
				default:
					ok = s.skip()
				}
				return ok
			})
			if string(typ) == string(slack.MBTInput) && len(id) > 0 {
				inputs = append(inputs, string(id))
			}
			return ok
		})
		end = s.i
		return ok
	}
	inPayload := func(k []byte) bool {
		if string(k) != "view" {
			return s.skip()
		}
		return s.object(inView)
	}
	if !s.object(func(k []byte) bool {
		if string(k) != "payload" {
			return s.skip()
		}
		return s.object(inPayload)
	}) || !s.end() || start < 0 {
		return nil, nil, false
	}
	rest = make([]byte, 0, len(data)-(end-start)+2)
	rest = append(rest, data[:start]...)
	rest = append(rest, "[]"...)
	return append(rest, data[end:]...), inputs, true
}

// wirePayload holds the fields of slash command and interaction payloads
// (they don't collide); Events API payloads are read by slack-go
// (decodeRequest).
type wirePayload struct {
	Type        string `json:"type"`
	TeamID      string `json:"team_id"`
	APIAppID    string `json:"api_app_id"`
	TriggerID   string `json:"trigger_id"`
	ResponseURL string `json:"response_url"`

	// Slash commands.
	TeamDomain     string `json:"team_domain"`
	EnterpriseID   string `json:"enterprise_id"`
	EnterpriseName string `json:"enterprise_name"`
	ChannelID      string `json:"channel_id"`
	ChannelName    string `json:"channel_name"`
	UserID         string `json:"user_id"`
	UserName       string `json:"user_name"`
	Command        string `json:"command"`
	Text           string `json:"text"`

	// Interactions (block_actions, view_submission, view_closed).
	Team    slack.Team `json:"team"`
	User    slack.User `json:"user"`
	Channel struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"channel"`
	Container slack.Container      `json:"container"`
	Actions   []*slack.BlockAction `json:"actions"`
	View      wireView             `json:"view"`
}

// request is an envelope's payload decoded for the handlers.
type request struct {
	data any // slack.SlashCommand, slack.InteractionCallback or slackevents.EventsAPIEvent
	// inputs are the block ids of the input blocks of an interaction's
	// view, in order: where an error about the whole form goes.
	inputs []string
}

// decodeRequest turns a frame's payload into the slack-go type its handler
// takes; data is the whole frame, which Events API payloads are read from
// again by slack-go. Interactions come without the view's blocks, which
// Slack echoes back in full and the bot never reads (it built the view):
// only the ids of their inputs are kept (decodeFrame). It returns an error when the
// payload is not what the envelope type says.
func decodeRequest(f *frame, data []byte) (request, error) {
	p := &f.Payload
	switch f.Type {
	case envelopeSlashCommands:
		if p.Command == "" {
			return request{}, errors.New("slash command without a command")
		}
		return request{data: slack.SlashCommand{
			TeamID: p.TeamID, TeamDomain: p.TeamDomain, EnterpriseID: p.EnterpriseID, EnterpriseName: p.EnterpriseName,
			ChannelID: p.ChannelID, ChannelName: p.ChannelName, UserID: p.UserID, UserName: p.UserName,
			Command: p.Command, Text: p.Text, ResponseURL: p.ResponseURL, TriggerID: p.TriggerID, APIAppID: p.APIAppID,
		}}, nil
	case envelopeInteractive:
		if p.Type == "" {
			return request{}, errors.New("interaction without a type")
		}
		return request{data: p.callback(), inputs: f.inputs}, nil
	case envelopeEventsAPI:
		var raw struct {
			Payload json.RawMessage `json:"payload"`
		}
		if err := json.Unmarshal(data, &raw); err != nil {
			return request{}, fmt.Errorf("decode events api envelope: %w", err)
		}
		ev, err := slackevents.ParseEvent(raw.Payload, slackevents.OptionNoVerifyToken())
		if err != nil {
			return request{}, fmt.Errorf("decode events api event: %w", err)
		}
		return request{data: ev}, nil
	}
	return request{}, fmt.Errorf("unknown envelope type %q", f.Type)
}

// wireView is a view in an interaction payload, its blocks reduced to
// their types and ids.
type wireView struct {
	ID              string           `json:"id"`
	TeamID          string           `json:"team_id"`
	Type            slack.ViewType   `json:"type"`
	CallbackID      string           `json:"callback_id"`
	PrivateMetadata string           `json:"private_metadata"`
	ExternalID      string           `json:"external_id"`
	Hash            string           `json:"hash"`
	RootViewID      string           `json:"root_view_id"`
	PreviousViewID  string           `json:"previous_view_id"`
	AppID           string           `json:"app_id"`
	BotID           string           `json:"bot_id"`
	State           *slack.ViewState `json:"state"`
	Blocks          []struct {
		Type    string `json:"type"`
		BlockID string `json:"block_id"`
	} `json:"blocks"`
}

func (v wireView) inputs() []string {
	var ids []string
	for _, b := range v.Blocks {
		if b.Type == string(slack.MBTInput) && b.BlockID != "" {
			ids = append(ids, b.BlockID)
		}
	}
	return ids
}

// callback is the interaction as slack-go's type (without the view's
// blocks).
func (w *wirePayload) callback() slack.InteractionCallback {
	cb := slack.InteractionCallback{
		Type:        slack.InteractionType(w.Type),
		Team:        w.Team,
		User:        w.User,
		APIAppID:    w.APIAppID,
		TriggerID:   w.TriggerID,
		ResponseURL: w.ResponseURL,
		Container:   w.Container,
		View: slack.View{
			ID:              w.View.ID,
			TeamID:          w.View.TeamID,
			Type:            w.View.Type,
			CallbackID:      w.View.CallbackID,
			PrivateMetadata: w.View.PrivateMetadata,
			ExternalID:      w.View.ExternalID,
			Hash:            w.View.Hash,
			RootViewID:      w.View.RootViewID,
			PreviousViewID:  w.View.PreviousViewID,
			AppID:           w.View.AppID,
			BotID:           w.View.BotID,
			State:           w.View.State,
		},
		ActionCallback: slack.ActionCallbacks{BlockActions: w.Actions},
	}
	cb.Channel.ID, cb.Channel.Name = w.Channel.ID, w.Channel.Name
	return cb
}
