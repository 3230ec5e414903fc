package bot

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

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
// input. So a scanner reads the frame (frameDecoder), checking what it
// skips as encoding/json would; a frame it can't follow, or that
// encoding/json might read otherwise, is decoded whole. It returns
// encoding/json's error for a frame that is not JSON or does not fit.
func decodeFrame(data []byte) (*frame, error) {
	d := frameDecoder{s: scanner{b: data}}
	if f, ok := d.decode(); ok {
		return f, nil
	}
	return decodeWholeFrame(data) // which says what is wrong, if anything is
}

// decodeWholeFrame is decodeFrame by encoding/json alone.
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

// frameDecoder reads a frame as encoding/json reads it into frame (and
// decodeWholeFrame then into its inputs and form), except that the view's
// Blocks and State stay nil. It gives up (ok false) at anything it would
// have to read otherwise than encoding/json: a key it does not know with
// a capital or a byte beyond ASCII (encoding/json matches keys regardless
// of case, Unicode's included), a view's blocks, state or values twice
// (encoding/json would merge them), a value of the wrong type, input that
// is not JSON anywhere, containers nested deeper than maxSkipDepth. The
// slack-go types of the payload (team, user, container, actions) it fills
// itself when they hold only fields it knows, and has encoding/json fill
// otherwise.
type frameDecoder struct {
	s scanner
	f *frame
	// How many times each was seen: a second one ends the scan.
	blocks, state, values int
	next                  int // where input looks first
}

// decode returns the frame, or false when decodeWholeFrame must read it.
func (d *frameDecoder) decode() (*frame, bool) {
	d.f = &frame{}
	if !d.frame() || !d.s.end() {
		return nil, false
	}
	return d.f, true
}

func (d *frameDecoder) frame() bool {
	f := d.f
	more, ok := d.s.enterObject()
	for ok && more {
		k, kok := d.s.key()
		if !kok {
			return false
		}
		switch string(k) {
		case "envelope_id":
			ok = d.string(&f.EnvelopeID)
		case "type":
			ok = d.name(&f.Type)
		case "accepts_response_payload":
			ok = d.bool(&f.AcceptsResponsePayload)
		case "retry_attempt":
			ok = d.int(&f.RetryAttempt)
		case "retry_reason":
			ok = d.string(&f.RetryReason)
		case "reason":
			ok = d.string(&f.Reason)
		case "payload":
			ok = d.payload()
		default:
			ok = d.other(k)
		}
		if !ok {
			return false
		}
		more, ok = d.s.nextField()
	}
	return ok
}

func (d *frameDecoder) payload() bool {
	if d.s.null() {
		return true
	}
	p := &d.f.Payload
	more, ok := d.s.enterObject()
	for ok && more {
		k, kok := d.s.key()
		if !kok {
			return false
		}
		switch string(k) {
		case "type":
			ok = d.name(&p.Type)
		case "team_id":
			ok = d.string(&p.TeamID)
		case "api_app_id":
			ok = d.string(&p.APIAppID)
		case "trigger_id":
			ok = d.string(&p.TriggerID)
		case "response_url":
			ok = d.string(&p.ResponseURL)
		case "team_domain":
			ok = d.string(&p.TeamDomain)
		case "enterprise_id":
			ok = d.string(&p.EnterpriseID)
		case "enterprise_name":
			ok = d.string(&p.EnterpriseName)
		case "channel_id":
			ok = d.string(&p.ChannelID)
		case "channel_name":
			ok = d.string(&p.ChannelName)
		case "user_id":
			ok = d.string(&p.UserID)
		case "user_name":
			ok = d.string(&p.UserName)
		case "command":
			ok = d.string(&p.Command)
		case "text":
			ok = d.string(&p.Text)
		case "team":
			ok = scalars(d, &p.Team)
		case "user":
			ok = scalars(d, &p.User)
		case "channel":
			ok = d.channel()
		case "container":
			ok = scalars(d, &p.Container)
		case "actions":
			ok = d.actions()
		case "view":
			ok = d.view()
		case "event_id":
			ok = d.string(&p.EventID)
		case "event_time":
			ok = d.int(&p.EventTime)
		case "event":
			ok = d.event()
		default:
			ok = d.other(k)
		}
		if !ok {
			return false
		}
		more, ok = d.s.nextField()
	}
	return ok
}

func (d *frameDecoder) channel() bool {
	if d.s.null() {
		return true
	}
	c := &d.f.Payload.Channel
	more, ok := d.s.enterObject()
	for ok && more {
		k, kok := d.s.key()
		if !kok {
			return false
		}
		switch string(k) {
		case "id":
			ok = d.string(&c.ID)
		case "name":
			ok = d.string(&c.Name)
		default:
			ok = d.other(k)
		}
		if !ok {
			return false
		}
		more, ok = d.s.nextField()
	}
	return ok
}

func (d *frameDecoder) view() bool {
	if d.s.null() {
		return true
	}
	v := &d.f.Payload.View
	more, ok := d.s.enterObject()
	for ok && more {
		k, kok := d.s.key()
		if !kok {
			return false
		}
		switch string(k) {
		case "id":
			ok = d.string(&v.ID)
		case "team_id":
			ok = d.string(&v.TeamID)
		case "type":
			ok = d.name((*string)(&v.Type))
		case "callback_id":
			ok = d.string(&v.CallbackID)
		case "private_metadata":
			ok = d.string(&v.PrivateMetadata)
		case "external_id":
			ok = d.string(&v.ExternalID)
		case "hash":
			ok = d.string(&v.Hash)
		case "root_view_id":
			ok = d.string(&v.RootViewID)
		case "previous_view_id":
			ok = d.string(&v.PreviousViewID)
		case "app_id":
			ok = d.string(&v.AppID)
		case "bot_id":
			ok = d.string(&v.BotID)
		case "state":
			ok = d.viewState()
		case "blocks":
			ok = d.viewBlocks()
		default:
			ok = d.other(k)
		}
		if !ok {
			return false
		}
		more, ok = d.s.nextField()
	}
	return ok
}

// actions reads an interaction's actions. An action with a field other
// than its type, text and actionString's is left to encoding/json, as is a
// second list (decoded into the first's elements).
func (d *frameDecoder) actions() bool {
	p := &d.f.Payload
	if d.s.null() {
		p.Actions = nil
		return true
	}
	if p.Actions != nil {
		return d.unmarshal(&p.Actions)
	}
	more, ok := d.s.enterArray()
	actions := make([]*slack.BlockAction, 0, 1)
	for ok && more {
		var a *slack.BlockAction
		if !d.s.null() {
			a = new(slack.BlockAction)
			if !d.action(a) {
				return false
			}
		}
		actions = append(actions, a)
		more, ok = d.s.nextElem()
	}
	p.Actions = actions
	return ok
}

// action reads one action into a.
func (d *frameDecoder) action(a *slack.BlockAction) bool {
	d.s.space()
	start := d.s.i
	more, ok := d.s.enterObject()
	for ok && more {
		k, kok := d.s.key()
		if !kok {
			return false
		}
		known := true
		if string(k) == "type" {
			ok = d.name((*string)(&a.Type))
		} else if v := actionString(a, k); v != nil {
			ok = d.string(v)
		} else if string(k) == "text" {
			known, ok = d.text(&a.Text)
		} else {
			known = false
		}
		if !known { // (what was read is read again, to the same effect)
			d.s.i = start
			return d.unmarshal(a)
		}
		if !ok {
			return false
		}
		more, ok = d.s.nextField()
	}
	if !ok {
		d.s.i = start
		return d.unmarshal(a) // which fails, as it should
	}
	return true
}

// actionString is the string field of a that encoding/json decodes k
// into, or nil.
func actionString(a *slack.BlockAction, k []byte) *string {
	switch string(k) {
	case "action_id":
		return &a.ActionID
	case "block_id":
		return &a.BlockID
	case "value":
		return &a.Value
	case "action_ts":
		return &a.ActionTs
	case "selected_user":
		return &a.SelectedUser
	case "selected_channel":
		return &a.SelectedChannel
	case "selected_conversation":
		return &a.SelectedConversation
	case "selected_date":
		return &a.SelectedDate
	case "selected_time":
		return &a.SelectedTime
	case "timezone":
		return &a.Timezone
	case "initial_user":
		return &a.InitialUser
	case "initial_channel":
		return &a.InitialChannel
	case "initial_conversation":
		return &a.InitialConversation
	case "initial_date":
		return &a.InitialDate
	case "initial_time":
		return &a.InitialTime
	}
	return nil
}

// text reads a text object into t; known is false at a field it does not
// know.
func (d *frameDecoder) text(t *slack.TextBlockObject) (known, ok bool) {
	if d.s.null() {
		return true, true
	}
	more, ok := d.s.enterObject()
	for ok && more {
		k, kok := d.s.key()
		if !kok {
			return true, false
		}
		switch string(k) {
		case "type":
			ok = d.name(&t.Type)
		case "text":
			ok = d.string(&t.Text)
		case "verbatim":
			ok = d.bool(&t.Verbatim)
		case "emoji":
			if d.s.null() {
				t.Emoji = nil
				break
			}
			var v bool
			if v, ok = d.s.boolean(); ok {
				if t.Emoji == nil {
					t.Emoji = new(bool)
				}
				*t.Emoji = v
			}
		default:
			return false, true
		}
		if !ok {
			return true, false
		}
		more, ok = d.s.nextField()
	}
	return true, ok
}

// viewBlocks reads the ids of the input blocks into f.inputs.
func (d *frameDecoder) viewBlocks() bool {
	if d.blocks++; d.blocks > 1 {
		return false
	}
	if d.s.null() {
		return true
	}
	var buf [32][]byte
	ids := buf[:0]
	more, ok := d.s.enterArray()
	for ok && more {
		if ids, ok = d.block(ids); !ok {
			return false
		}
		more, ok = d.s.nextElem()
	}
	if !ok || len(ids) == 0 {
		return ok
	}
	// One string holds them all.
	n := 0
	for _, id := range ids {
		n += len(id)
	}
	var all strings.Builder
	all.Grow(n)
	for _, id := range ids {
		all.Write(id)
	}
	s := all.String()
	d.f.inputs = make([]string, len(ids))
	for i, id := range ids {
		d.f.inputs[i], s = s[:len(id)], s[len(id):]
	}
	return true
}

// block reads one block, adding its id to ids if it is an input.
func (d *frameDecoder) block(ids [][]byte) ([][]byte, bool) {
	if d.s.null() {
		return ids, true
	}
	var input bool
	var id []byte // (bytes: the input's, or a copy)
	more, ok := d.s.enterObject()
	for ok && more {
		k, kok := d.s.key()
		if !kok {
			return nil, false
		}
		switch string(k) {
		case "type":
			if !d.s.null() {
				v, vok := d.s.bytes()
				if !vok {
					return nil, false
				}
				input = string(v) == string(slack.MBTInput)
			}
		case "block_id":
			if !d.s.null() {
				var vok bool
				if id, vok = d.s.bytes(); !vok {
					return nil, false
				}
			}
		default:
			ok = d.other(k)
		}
		if !ok {
			return nil, false
		}
		more, ok = d.s.nextField()
	}
	if ok && input && len(id) > 0 {
		ids = append(ids, id)
	}
	return ids, ok
}

// viewState reads a view's state ({"values": {block: {action: input}}})
// into f.form.
func (d *frameDecoder) viewState() bool {
	if d.state++; d.state > 1 {
		return false
	}
	if d.s.null() {
		return true
	}
	more, ok := d.s.enterObject()
	for ok && more {
		k, kok := d.s.key()
		if !kok {
			return false
		}
		if string(k) == "values" {
			ok = d.stateValues()
		} else {
			ok = d.other(k)
		}
		if !ok {
			return false
		}
		more, ok = d.s.nextField()
	}
	return ok
}

func (d *frameDecoder) stateValues() bool {
	if d.values++; d.values > 1 {
		return false
	}
	if d.s.null() {
		return true
	}
	var seen uint64 // bit n: inputs[n]'s values were read
	more, ok := d.s.enterObject()
	for ok && more {
		block, kok := d.s.key()
		if !kok {
			return false
		}
		// A block twice: encoding/json keeps the last (a map's value is
		// decoded afresh). Most blocks are inputs seen once, whose
		// values need not be looked for.
		b, n := d.input(block)
		if n < 0 || n >= 64 || seen&(1<<n) != 0 {
			d.f.form = d.f.form.without(b)
		} else {
			seen |= 1 << n
		}
		first := len(d.f.form) // the block's values are from here on
		if !d.s.null() {
			actions, aok := d.s.enterObject()
			for aok && actions {
				action, kok := d.s.key()
				if !kok {
					return false
				}
				in := formInput{Block: b}
				if in.Action = b; string(action) != b { // (the bot names an input's action after its block)
					in.Action, _ = d.input(action)
				}
				if !d.formInput(&in) {
					return false
				}
				if d.f.form == nil {
					d.f.form = make(formState, 0, max(len(d.f.inputs), 8))
				}
				d.f.form = d.f.form.setAction(first, in)
				actions, aok = d.s.nextField()
			}
			if !aok {
				return false
			}
		}
		more, ok = d.s.nextField()
	}
	return ok
}

// setAction returns f with in, replacing an input of the same action at
// from or after (where in's block's inputs are).
func (f formState) setAction(from int, in formInput) formState {
	for i := from; i < len(f); i++ {
		if f[i].Action == in.Action {
			f[i] = in
			return f
		}
	}
	return append(f, in)
}

// input returns k as a string: inputs[n] if k is the id of the n-th
// input block (the view's blocks come before its state, whose values are
// keyed by the input blocks' ids), else a copy and -1. It looks from
// after the last one found: the values mostly come in the blocks' order.
func (d *frameDecoder) input(k []byte) (string, int) {
	ids := d.f.inputs
	for i := range ids {
		n := d.next + i
		if n >= len(ids) {
			n -= len(ids)
		}
		if ids[n] == string(k) {
			d.next = n + 1
			return ids[n], n
		}
	}
	return string(k), -1
}

// formInput reads one input's state into in.
func (d *frameDecoder) formInput(in *formInput) bool {
	if d.s.null() {
		return true
	}
	options := 0
	more, ok := d.s.enterObject()
	for ok && more {
		k, kok := d.s.key()
		if !kok {
			return false
		}
		switch string(k) {
		case "type":
			ok = d.name(&in.Type)
		case "value":
			ok = d.string(&in.Value)
		case "selected_option":
			// encoding/json decodes a second one into the first.
			if d.s.null() {
				in.Option = ""
			} else {
				ok = d.option(&in.Option)
			}
		case "selected_options":
			// A second list would be decoded into the first's elements.
			if options++; options > 1 {
				return false
			}
			ok = d.options(in)
		default:
			ok = d.other(k)
		}
		if !ok {
			return false
		}
		more, ok = d.s.nextField()
	}
	return ok
}

// option reads an option's value into v.
func (d *frameDecoder) option(v *string) bool {
	if d.s.null() {
		return true
	}
	more, ok := d.s.enterObject()
	for ok && more {
		k, kok := d.s.key()
		if !kok {
			return false
		}
		if string(k) == "value" {
			ok = d.string(v)
		} else {
			ok = d.other(k)
		}
		if !ok {
			return false
		}
		more, ok = d.s.nextField()
	}
	return ok
}

// options reads a list of options' values into in.Options.
func (d *frameDecoder) options(in *formInput) bool {
	if d.s.null() {
		in.Options = nil
		return true
	}
	in.Options = []string{}
	more, ok := d.s.enterArray()
	for ok && more {
		var v string
		if !d.option(&v) {
			return false
		}
		in.Options = append(in.Options, v)
		more, ok = d.s.nextElem()
	}
	return ok
}

func (d *frameDecoder) event() bool {
	if d.s.null() {
		d.f.Payload.Event = nil
		return true
	}
	if d.f.Payload.Event == nil {
		d.f.Payload.Event = &wireEvent{}
	}
	e := d.f.Payload.Event
	more, ok := d.s.enterObject()
	for ok && more {
		k, kok := d.s.key()
		if !kok {
			return false
		}
		switch string(k) {
		case "type":
			ok = d.name(&e.Type)
		case "user":
			ok = d.string(&e.User)
		case "reaction":
			ok = d.string(&e.Reaction)
		case "item_user":
			ok = d.string(&e.ItemUser)
		case "event_ts":
			ok = d.string(&e.EventTimestamp)
		case "item":
			ok = d.eventItem(e)
		default:
			ok = d.other(k)
		}
		if !ok {
			return false
		}
		more, ok = d.s.nextField()
	}
	return ok
}

func (d *frameDecoder) eventItem(e *wireEvent) bool {
	if d.s.null() {
		return true
	}
	more, ok := d.s.enterObject()
	for ok && more {
		k, kok := d.s.key()
		if !kok {
			return false
		}
		switch string(k) {
		case "type":
			ok = d.name(&e.Item.Type)
		case "channel":
			ok = d.string(&e.Item.Channel)
		case "ts":
			ok = d.string(&e.Item.Timestamp)
		default:
			ok = d.other(k)
		}
		if !ok {
			return false
		}
		more, ok = d.s.nextField()
	}
	return ok
}

// other skips the value of a field k the frame does not hold. It gives up
// when k has a capital or a byte beyond ASCII: encoding/json might match
// it to a field regardless of case (the fields' names are lower case
// ASCII, so a key without those is either one of them or none).
func (d *frameDecoder) other(k []byte) bool {
	for _, c := range k {
		if 'A' <= c && c <= 'Z' || c >= utf8.RuneSelf {
			return false
		}
	}
	return d.s.skip()
}

// string reads a string into v; null leaves v as it was, as encoding/json
// does.
func (d *frameDecoder) string(v *string) bool {
	if d.s.null() {
		return true
	}
	var ok bool
	*v, ok = d.s.str()
	return ok
}

// name is string for a field that holds one of Slack's names for a kind
// of thing, which it does not copy.
func (d *frameDecoder) name(v *string) bool {
	if d.s.null() {
		return true
	}
	b, ok := d.s.bytes()
	if ok {
		*v = slackName(b)
	}
	return ok
}

// slackName is b as a string, without a copy if it is one of the names
// of envelopes, payloads, views, events and elements the bot sees.
func slackName(b []byte) string {
	switch string(b) {
	case envelopeInteractive:
		return envelopeInteractive
	case envelopeEventsAPI:
		return envelopeEventsAPI
	case envelopeSlashCommands:
		return envelopeSlashCommands
	case envelopeHello:
		return envelopeHello
	case envelopeDisconnect:
		return envelopeDisconnect
	case string(slack.InteractionTypeViewSubmission):
		return string(slack.InteractionTypeViewSubmission)
	case string(slack.InteractionTypeBlockActions):
		return string(slack.InteractionTypeBlockActions)
	case string(slack.InteractionTypeViewClosed):
		return string(slack.InteractionTypeViewClosed)
	case slackevents.CallbackEvent:
		return slackevents.CallbackEvent
	case string(slack.VTModal):
		return string(slack.VTModal)
	case string(slackevents.ReactionAdded):
		return string(slackevents.ReactionAdded)
	case string(slackevents.ReactionRemoved):
		return string(slackevents.ReactionRemoved)
	case "message":
		return "message"
	case string(slack.PlainTextType):
		return string(slack.PlainTextType)
	case string(slack.MarkdownType):
		return string(slack.MarkdownType)
	case string(slack.METButton):
		return string(slack.METButton)
	case string(slack.METPlainTextInput):
		return string(slack.METPlainTextInput)
	case string(slack.METNumber):
		return string(slack.METNumber)
	case string(slack.OptTypeStatic):
		return string(slack.OptTypeStatic)
	case string(slack.MultiOptTypeStatic):
		return string(slack.MultiOptTypeStatic)
	case string(slack.METCheckboxGroups):
		return string(slack.METCheckboxGroups)
	case string(slack.METRadioButtons):
		return string(slack.METRadioButtons)
	}
	return string(b)
}

// bool reads true or false into v; null leaves v as it was.
func (d *frameDecoder) bool(v *bool) bool {
	if d.s.null() {
		return true
	}
	var ok bool
	*v, ok = d.s.boolean()
	return ok
}

// int reads an integer into v; null leaves v as it was.
func (d *frameDecoder) int(v *int) bool {
	if d.s.null() {
		return true
	}
	var ok bool
	*v, ok = d.s.integer()
	return ok
}

// unmarshal has encoding/json decode the value at the scanner into v (as
// it would have in place: into what v holds).
func (d *frameDecoder) unmarshal(v any) bool {
	d.s.space()
	start := d.s.i
	return d.s.skip() && json.Unmarshal(d.s.b[start:d.s.i], v) == nil
}

// scalars decodes an object into v when its fields are strings and
// booleans teamField, userField or containerField knows (by their exact
// name); otherwise encoding/json
// decodes it. (Fields read before one field doesn't know are read again
// by encoding/json: with the same result.)
func scalars[T slack.Team | slack.User | slack.Container](d *frameDecoder, v *T) bool {
	d.s.space()
	start := d.s.i
	if d.s.null() {
		return true
	}
	more, ok := d.s.enterObject()
	for ok && more {
		k, kok := d.s.key()
		if !kok {
			return false
		}
		var str *string
		var b *bool
		switch v := any(v).(type) { // (not a func value, through which k would escape)
		case *slack.Team:
			str, b = teamField(v, k)
		case *slack.User:
			str, b = userField(v, k)
		case *slack.Container:
			str, b = containerField(v, k)
		}
		switch {
		case str != nil:
			ok = d.string(str)
		case b != nil:
			ok = d.bool(b)
		default:
			d.s.i = start
			return d.unmarshal(v)
		}
		if !ok {
			return false
		}
		more, ok = d.s.nextField()
	}
	return ok
}

// teamField is the field of t that encoding/json decodes k into, if a
// string or a boolean.
func teamField(t *slack.Team, k []byte) (*string, *bool) {
	switch string(k) {
	case "id":
		return &t.ID, nil
	case "name":
		return &t.Name, nil
	case "domain":
		return &t.Domain, nil
	case "enterprise_id":
		return &t.EnterpriseID, nil
	case "enterprise_name":
		return &t.EnterpriseName, nil
	}
	return nil, nil
}

// userField is teamField for a user.
func userField(u *slack.User, k []byte) (*string, *bool) {
	switch string(k) {
	case "id":
		return &u.ID, nil
	case "team_id":
		return &u.TeamID, nil
	case "name":
		return &u.Name, nil
	case "username":
		return &u.Username, nil
	case "color":
		return &u.Color, nil
	case "real_name":
		return &u.RealName, nil
	case "tz":
		return &u.TZ, nil
	case "tz_label":
		return &u.TZLabel, nil
	case "presence":
		return &u.Presence, nil
	case "locale":
		return &u.Locale, nil
	case "deleted":
		return nil, &u.Deleted
	case "is_bot":
		return nil, &u.IsBot
	case "is_admin":
		return nil, &u.IsAdmin
	case "is_owner":
		return nil, &u.IsOwner
	case "is_restricted":
		return nil, &u.IsRestricted
	case "is_app_user":
		return nil, &u.IsAppUser
	}
	return nil, nil
}

// containerField is teamField for a container.
func containerField(c *slack.Container, k []byte) (*string, *bool) {
	switch string(k) {
	case "type":
		return &c.Type, nil
	case "view_id":
		return &c.ViewID, nil
	case "message_ts":
		return &c.MessageTs, nil
	case "thread_ts":
		return &c.ThreadTs, nil
	case "channel_id":
		return &c.ChannelID, nil
	case "is_ephemeral":
		return nil, &c.IsEphemeral
	case "is_app_unfurl":
		return nil, &c.IsAppUnfurl
	}
	return nil, nil
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
	data any // slack.SlashCommand, *slack.InteractionCallback (a 4 kB struct) or slackevents.EventsAPIEvent
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
func (w *wirePayload) callback() *slack.InteractionCallback {
	cb := &slack.InteractionCallback{
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
