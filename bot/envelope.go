package bot

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

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
	// view, in order, and form what its inputs hold (decodeFrame).
	inputs []string
	form   formState
}

// decodeFrame reads a frame. Slack echoes an interaction's whole view back
// with its state, and encoding/json spent most of a submission's decoding
// walking the blocks (the bot needs only the input blocks' ids: it built
// the view) and filling a slack.BlockAction, some thirty fields, per
// input. So a scanner reads the blocks' ids and the state's values and
// cuts both out before encoding/json reads the rest. A frame the scanner
// can't follow is decoded whole. It returns encoding/json's error for a
// frame that is not JSON.
func decodeFrame(data []byte) (*frame, error) {
	if rest, inputs, form, ok := cutView(data); ok {
		f := &frame{}
		if err := json.Unmarshal(rest, f); err == nil {
			f.inputs, f.form = inputs, form
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
	if st := f.Payload.View.State; st != nil {
		f.form = st.Values.flat()
	}
	return f, nil
}

// cutView returns a copy of data with payload.view.blocks replaced by []
// and payload.view.state by {}, the ids of the input blocks the blocks
// held and the values the state held. ok is false when data has no such
// blocks, or the scanner can't follow it, or encoding/json might read it
// otherwise (a key it cares about twice, or in another case: encoding/json
// matches keys regardless of case).
func cutView(data []byte) (rest []byte, inputs []string, form formState, ok bool) {
	s := scanner{b: data}
	type span struct{ start, end int }
	blocks, state := span{-1, -1}, span{-1, -1}
	inView := func(k []byte) bool {
		switch string(k) {
		case "blocks":
			if blocks.start >= 0 {
				return false
			}
			blocks.start = s.i
			ok := s.array(func() bool {
				var typ, id []byte
				ok := s.object(func(k []byte) bool {
					switch string(k) {
					case "type":
						var ok bool
						typ, ok = s.bytes()
						return ok
					case "block_id":
						var ok bool
						id, ok = s.bytes()
						return ok
					}
					return !folds(k, "type", "block_id") && s.skip()
				})
				if string(typ) == string(slack.MBTInput) && len(id) > 0 {
					inputs = append(inputs, string(id))
				}
				return ok
			})
			blocks.end = s.i
			return ok
		case "state":
			if state.start >= 0 {
				return false
			}
			state.start = s.i
			var ok bool
			form, ok = scanState(&s)
			state.end = s.i
			return ok
		}
		return !folds(k, "blocks", "state") && s.skip()
	}
	seen := 0
	inPayload := func(k []byte) bool {
		if string(k) != "view" {
			return !folds(k, "view") && s.skip()
		}
		seen++
		return seen == 1 && s.object(inView)
	}
	payloads := 0
	if !s.object(func(k []byte) bool {
		if string(k) != "payload" {
			return !folds(k, "payload") && s.skip()
		}
		payloads++
		return payloads == 1 && s.object(inPayload)
	}) || !s.end() || blocks.start < 0 || state.start < 0 {
		return nil, nil, nil, false
	}
	first, second, empty1, empty2 := blocks, state, "[]", "{}"
	if state.start < blocks.start {
		first, second, empty1, empty2 = state, blocks, "{}", "[]"
	}
	rest = make([]byte, 0, len(data)-(first.end-first.start)-(second.end-second.start)+4)
	rest = append(rest, data[:first.start]...)
	rest = append(rest, empty1...)
	rest = append(rest, data[first.end:second.start]...)
	rest = append(rest, empty2...)
	return append(rest, data[second.end:]...), inputs, form, true
}

// folds reports whether k is one of names in another case.
func folds(k []byte, names ...string) bool {
	for _, n := range names {
		if len(k) == len(n) && string(k) != n && strings.EqualFold(string(k), n) {
			return true
		}
	}
	return false
}

// scanState reads a view's state ({"values": {block: {action: input}}})
// as encoding/json would read it into wireState.
func scanState(s *scanner) (formState, bool) {
	var form formState
	values := 0
	ok := s.object(func(k []byte) bool {
		if string(k) != "values" {
			return !folds(k, "values") && s.skip()
		}
		values++
		if values > 1 {
			return false
		}
		if s.null() {
			return true
		}
		return s.object(func(block []byte) bool {
			b := string(block)
			form = form.without(b) // a block twice: encoding/json keeps the last
			return s.object(func(action []byte) bool {
				in := formInput{Block: b, Action: string(action)}
				ok := s.null() || s.object(func(k []byte) bool {
					switch string(k) {
					case "type":
						return scanStringField(s, &in.Type)
					case "value":
						return scanStringField(s, &in.Value)
					case "selected_option":
						in.Option = ""
						if s.null() {
							return true
						}
						return scanOptionValue(s, &in.Option)
					case "selected_options":
						in.Options = nil
						if s.null() {
							return true
						}
						in.Options = []string{}
						return s.array(func() bool {
							var v string
							ok := scanOptionValue(s, &v)
							in.Options = append(in.Options, v)
							return ok
						})
					}
					return !folds(k, "type", "value", "selected_option", "selected_options") && s.skip()
				})
				form = form.set(in)
				return ok
			})
		})
	})
	return form, ok
}

// scanOptionValue reads an option object's value into v.
func scanOptionValue(s *scanner, v *string) bool {
	return s.object(func(k []byte) bool {
		if string(k) != "value" {
			return !folds(k, "value") && s.skip()
		}
		return scanStringField(s, v)
	})
}

// scanStringField reads a string field's value into v; null leaves v as it
// was, as encoding/json does.
func scanStringField(s *scanner, v *string) bool {
	if s.null() {
		return true
	}
	var ok bool
	*v, ok = s.str()
	return ok
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

	// Events API.
	EventID   string     `json:"event_id"`
	EventTime int        `json:"event_time"`
	Event     *wireEvent `json:"event"`
}

// wireEvent is an Events API event read in the same pass as its envelope:
// the fields of a reaction to a message. Other events, and reactions to
// anything else, are read again by slack-go. It holds only strings, so no
// event fails the frame's decoding.
type wireEvent struct {
	Type     string `json:"type"`
	User     string `json:"user"`
	Reaction string `json:"reaction"`
	ItemUser string `json:"item_user"`
	Item     struct {
		Type      string `json:"type"`
		Channel   string `json:"channel"`
		Timestamp string `json:"ts"`
	} `json:"item"`
	EventTimestamp string `json:"event_ts"`
}

// reactionEvent is p as slackevents parses a reaction to a message, or
// false when p is not one. (Reactions come in bursts; slackevents would
// read the frame three more times.)
func (p *wirePayload) reactionEvent() (slackevents.EventsAPIEvent, bool) {
	e := p.Event
	if p.Type != slackevents.CallbackEvent || e == nil || e.Item.Type != "message" {
		return slackevents.EventsAPIEvent{}, false
	}
	re := slackevents.ReactionAddedEvent{
		Type: e.Type, User: e.User, Reaction: e.Reaction, ItemUser: e.ItemUser, EventTimestamp: e.EventTimestamp,
		Item: slackevents.Item{Type: e.Item.Type, Channel: e.Item.Channel, Timestamp: e.Item.Timestamp},
	}
	var inner any
	switch e.Type {
	case string(slackevents.ReactionAdded):
		inner = &re
	case string(slackevents.ReactionRemoved):
		rr := slackevents.ReactionRemovedEvent(re)
		inner = &rr
	default:
		return slackevents.EventsAPIEvent{}, false
	}
	return slackevents.EventsAPIEvent{
		TeamID: p.TeamID, Type: p.Type, APIAppID: p.APIAppID,
		Data: &slackevents.EventsAPICallbackEvent{
			Type: p.Type, TeamID: p.TeamID, APIAppID: p.APIAppID, EventID: p.EventID, EventTime: p.EventTime,
		},
		InnerEvent: slackevents.EventsAPIInnerEvent{Type: e.Type, Data: inner},
	}, true
}

// request is an envelope's payload decoded for the handlers.

// request is an envelope's payload decoded for the handlers.
type request struct {
	data any // slack.SlashCommand, slack.InteractionCallback or slackevents.EventsAPIEvent
	// inputs are the block ids of the input blocks of an interaction's
	// view, in order: where an error about the whole form goes.
	inputs []string
	// form is what the view's inputs hold (a view_submission's state).
	form formState
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
		return request{data: p.callback(), inputs: f.inputs, form: f.form}, nil
	case envelopeEventsAPI:
		if ev, ok := p.reactionEvent(); ok {
			return request{data: ev}, nil
		}
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
	ID              string         `json:"id"`
	TeamID          string         `json:"team_id"`
	Type            slack.ViewType `json:"type"`
	CallbackID      string         `json:"callback_id"`
	PrivateMetadata string         `json:"private_metadata"`
	ExternalID      string         `json:"external_id"`
	Hash            string         `json:"hash"`
	RootViewID      string         `json:"root_view_id"`
	PreviousViewID  string         `json:"previous_view_id"`
	AppID           string         `json:"app_id"`
	BotID           string         `json:"bot_id"`
	State           *wireState     `json:"state"`
	Blocks          []struct {
		Type    string `json:"type"`
		BlockID string `json:"block_id"`
	} `json:"blocks"`
}

// wireState is a view's state as encoding/json reads it when the scanner
// could not (decodeWholeFrame).
type wireState struct {
	Values wireValues `json:"values"`
}

type wireValues map[string]map[string]*struct {
	Type           string `json:"type"`
	Value          string `json:"value"`
	SelectedOption *struct {
		Value string `json:"value"`
	} `json:"selected_option"`
	SelectedOptions []struct {
		Value string `json:"value"`
	} `json:"selected_options"`
}

// flat is the values as a formState.
func (w wireValues) flat() formState {
	var form formState
	for block, actions := range w {
		for action, a := range actions {
			in := formInput{Block: block, Action: action}
			if a != nil {
				in.Type, in.Value = a.Type, a.Value
				if a.SelectedOption != nil {
					in.Option = a.SelectedOption.Value
				}
				if a.SelectedOptions != nil {
					in.Options = make([]string, len(a.SelectedOptions))
					for i, o := range a.SelectedOptions {
						in.Options[i] = o.Value
					}
				}
			}
			form = append(form, in)
		}
	}
	return form
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
// blocks and state: see request.form).
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
		},
		ActionCallback: slack.ActionCallbacks{BlockActions: w.Actions},
	}
	cb.Channel.ID, cb.Channel.Name = w.Channel.ID, w.Channel.Name
	return cb
}
