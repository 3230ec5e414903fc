package fakeslack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// VerificationToken is the (deprecated, non-secret) verification token
// Slack puts in payloads.
const VerificationToken = "fakeverificationtoken0000"

func teamWire() map[string]any { return map[string]any{"id": TeamID, "domain": TeamDomain} }

func (s *Server) userRefLocked(id string) map[string]any {
	name := id
	if u, ok := s.users[id]; ok {
		name = u.Name
	}
	return map[string]any{"id": id, "username": name, "name": name, "team_id": TeamID}
}

func (s *Server) knownLocked(kind, id string) bool {
	switch kind {
	case "user":
		_, ok := s.users[id]
		return ok
	default:
		_, ok := s.channels[id]
		return ok
	}
}

func (s *Server) userLocked(user string) error {
	if _, ok := s.users[user]; !ok {
		return fmt.Errorf("user %s: %w", user, ErrNotFound)
	}
	return nil
}

// SlashCommand sends a slash_commands envelope as if user typed
// "command text" in channel, with a fresh trigger_id (valid 3 s) and a
// response_url. An ack payload with text/blocks is shown like Slack does:
// ephemeral to the user, or in the channel for response_type "in_channel".
// It waits (up to ctx) for an open socket; it returns ErrNotFound for an
// unknown user or channel and ErrInvalidInput for an archived channel.
func (s *Server) SlashCommand(ctx context.Context, user, channel, command, text string) (*Delivery, error) {
	s.mu.Lock()
	if err := s.userLocked(user); err != nil {
		s.mu.Unlock()
		return nil, fmt.Errorf("slash command: %w", err)
	}
	c := s.resolveChannelLocked(channel)
	if c == nil {
		s.mu.Unlock()
		return nil, fmt.Errorf("slash command: channel %s: %w", channel, ErrNotFound)
	}
	if c.Archived {
		s.mu.Unlock()
		return nil, fmt.Errorf("slash command in archived channel %s: %w", channel, ErrInvalidInput)
	}
	if !strings.HasPrefix(command, "/") {
		command = "/" + command
	}
	trig := s.newTriggerLocked(user, "")
	ru := s.newResponseURLLocked(responseURL{kind: "command", channel: c.ID, user: user})
	name := c.Name
	if c.IsIM {
		name = "directmessage"
	}
	payload := slashPayload{
		channelID: c.ID, channelName: name, userID: user, userName: s.users[user].Name,
		command: command, text: text, responseURL: ru, triggerID: trig,
	}
	chID := c.ID
	s.mu.Unlock()
	return s.send(ctx, outEnvelope{
		typ: "slash_commands", payloadType: command, payload: payload, accepts: true,
		triggerID: trig, responseURL: ru, summary: func() string { return fmt.Sprintf("%s %q by %s in %s", command, text, user, chID) },
		onAck: func(a Ack) { s.applyCommandAckLocked(chID, user, a) },
	})
}

// slashPayload is the payload of a slash_commands envelope.
type slashPayload struct {
	channelID, channelName, userID, userName, command, text, responseURL, triggerID string
}

// appendTo encodes the payload as appendJSON encodes it as a map: keys
// sorted, every value a string (is_enterprise_install too, as Slack sends
// it).
func (p slashPayload) appendTo(b []byte) []byte {
	for _, f := range [...]struct{ key, value string }{
		{`{"api_app_id":`, AppID},
		{`,"channel_id":`, p.channelID},
		{`,"channel_name":`, p.channelName},
		{`,"command":`, p.command},
		{`,"is_enterprise_install":`, "false"},
		{`,"response_url":`, p.responseURL},
		{`,"team_domain":`, TeamDomain},
		{`,"team_id":`, TeamID},
		{`,"text":`, p.text},
		{`,"token":`, VerificationToken},
		{`,"trigger_id":`, p.triggerID},
		{`,"user_id":`, p.userID},
		{`,"user_name":`, p.userName},
	} {
		b = append(b, f.key...)
		b = appendJSONString(b, f.value)
	}
	return append(b, '}')
}

// MarshalJSON encodes the payload as appendJSON does.
func (p slashPayload) MarshalJSON() ([]byte, error) { return p.appendTo(nil), nil }

func (p slashPayload) sizeHint() int {
	return 400 + len(p.channelID) + len(p.channelName) + len(p.userID) + len(p.userName) + len(p.command) + len(p.text) + len(p.responseURL) + len(p.triggerID)
}

// applyCommandAckLocked shows a slash command's ack payload.
func (s *Server) applyCommandAckLocked(channel, user string, a Ack) {
	if a.Payload == nil {
		return
	}
	var p struct {
		Text         string          `json:"text"`
		Blocks       json.RawMessage `json:"blocks"`
		ResponseType string          `json:"response_type"`
	}
	if err := json.Unmarshal(a.Payload, &p); err != nil {
		s.ackInvalidLocked(a, &apiError{code: "invalid_arguments", messages: []string{"[ERROR] ack payload is not a JSON object: " + err.Error()}})
		return
	}
	var blocks json.RawMessage
	if len(p.Blocks) > 0 && string(p.Blocks) != "null" {
		var e *apiError
		if blocks, e = s.checkMessageBlocks(p.Blocks, "/blocks"); e != nil {
			s.ackInvalidLocked(a, e)
			return
		}
	}
	if p.Text == "" && blocks == nil {
		return
	}
	s.showResponseLocked(channel, user, p.Text, blocks, p.ResponseType, "", "ack")
}

// showResponseLocked posts a command/interaction response as the app.
func (s *Server) showResponseLocked(channel, user, text string, blocks json.RawMessage, responseType, threadTS, via string) *message {
	m := &message{Message: Message{Channel: channel, TS: s.nextTSLocked(), ThreadTS: threadTS, User: BotUserID, BotID: BotID, Text: text, Blocks: blocks, Via: via}}
	if responseType != "in_channel" {
		m.Ephemeral, m.Recipient = true, user
	}
	return s.addMessageLocked(m)
}

// ackInvalidLocked records an ack payload Slack would reject.
func (s *Server) ackInvalidLocked(a Ack, e *apiError) {
	c := Call{
		Seq: len(s.entries) + 1, Method: "ack", Params: map[string]string{"envelope_id": a.EnvelopeID},
		Body: a.Payload, OK: false, Error: e.code, Messages: e.messages, At: a.At,
	}
	s.invalid = append(s.invalid, c)
	s.entryLocked(Entry{Kind: KindProblem, EnvelopeID: a.EnvelopeID, Text: "ack payload rejected: " + e.code + " " + strings.Join(e.messages, "; "), Data: a.Payload})
	s.problemLocked("ack of %s rejected as %s: %s", a.EnvelopeID, e.code, strings.Join(e.messages, "; "))
}

// openModalLocked returns the open modal id a user can act on.
func (s *Server) openViewLocked(user, id string) (*viewState, error) {
	v, ok := s.views[id]
	if !ok {
		return nil, fmt.Errorf("view %s: %w", id, ErrNotFound)
	}
	if v.user != user {
		return nil, fmt.Errorf("view %s belongs to %s, not %s: %w", id, v.user, user, ErrInvalidInput)
	}
	if v.closed {
		return nil, fmt.Errorf("view %s is closed: %w", id, ErrInvalidInput)
	}
	if v.typ == "modal" {
		stack := s.stacks[user]
		if len(stack) == 0 || stack[len(stack)-1] != id {
			return nil, fmt.Errorf("view %s is not the top of %s's modal stack: %w", id, user, ErrInvalidInput)
		}
	}
	return v, nil
}

// SubmitView sends a view_submission for the user's open modal (its
// current content, looked up by view.ID). values is keyed by block_id: a
// string for plain_text/email/url/number inputs, single selects, radio
// buttons, date and time pickers; a []string for multi selects and
// checkboxes; an int64 Unix time for datetimepicker; nil for an input the
// user cleared. Blocks not in values keep their initial value. For a block
// with several stateful elements use "block_id/action_id". view.state.values
// is built per element type like Slack's client does, and the submission
// is refused, as the client would refuse it, for a required input left
// empty, an unknown option, a value over max_length, ... (ErrInvalidInput).
// An unknown block_id is ErrNotFound. The ack's response_action is applied:
// none closes the view, "errors" keeps it open with View.Errors set,
// "update" replaces it, "push" stacks a new one, "clear" closes them all.
func (s *Server) SubmitView(ctx context.Context, user string, view View, values map[string]any) (*Delivery, error) {
	for {
		sub, err := s.PrepareSubmission(user, view, values)
		if err != nil {
			return nil, err
		}
		d, err := s.Submit(ctx, sub)
		if errors.Is(err, errViewChanged) {
			continue // changed while the state was built: build it again
		}
		return d, err
	}
}

// Submission is a view_submission built ahead of sending it, so that a
// load test can build a burst before it times one: PrepareSubmission
// builds it, Submit sends it.
type Submission struct {
	user, viewID string
	view         *viewState // the view, and its content, it was built from
	body         *viewBody
	env          outEnvelope
}

// errViewChanged is the view of a Submission changing or closing before
// Submit.
var errViewChanged = fmt.Errorf("the view changed since the submission was prepared: %w", ErrInvalidInput)

// PrepareSubmission builds what SubmitView would send for the user's open
// modal and values, without sending it. It returns SubmitView's errors.
func (s *Server) PrepareSubmission(user string, view View, values map[string]any) (*Submission, error) {
	if values == nil {
		values = map[string]any{}
	}
	known := func(kind, id string) bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.knownLocked(kind, id)
	}
	// Look the view up and build its state without the lock (the body
	// never changes); Submit checks the view is still the same.
	s.mu.Lock()
	v, err := s.openViewLocked(user, view.ID)
	if err == nil && v.typ != "modal" {
		err = fmt.Errorf("view %s is a %s view, not a modal: %w", view.ID, v.typ, ErrInvalidInput)
	}
	if err != nil {
		s.mu.Unlock()
		return nil, fmt.Errorf("submit view: %w", err)
	}
	body := v.body
	before, after := v.wireAround()
	id := v.id
	userRef := s.userRefLocked(user)
	trig := s.newTriggerLocked(user, v.id)
	s.mu.Unlock()

	state, err := stateValues(body.state, values, known)
	if err != nil {
		return nil, fmt.Errorf("submit view %s: %w", view.ID, err)
	}
	wire := make(rawJSON, 0, len(before)+len(body.initialState)+len(body.initialState)/2+len(after))
	wire = appendJSON(append(wire, before...), state)
	wire = append(wire, after...)
	payload := map[string]any{
		"type": "view_submission", "team": teamWire(), "user": userRef, "api_app_id": AppID,
		"token": VerificationToken, "trigger_id": trig, "view": wire, "response_urls": []any{},
		"is_enterprise_install": false, "enterprise": nil,
	}
	return &Submission{user: user, viewID: id, view: v, body: body, env: prepareFrame(outEnvelope{
		typ: "interactive", payloadType: "view_submission", payload: payload, accepts: true, triggerID: trig, viewID: id,
		summary: func() string {
			return fmt.Sprintf("view_submission %s (callback_id %q) by %s", id, body.callbackID, user)
		},
		onAck: func(a Ack) { s.applySubmissionAckLocked(id, user, a) },
	})}, nil
}

// Submit sends a prepared submission. It fails (ErrInvalidInput) if the
// modal was closed or changed since it was prepared.
func (s *Server) Submit(ctx context.Context, sub *Submission) (*Delivery, error) {
	s.mu.Lock()
	v, err := s.openViewLocked(sub.user, sub.viewID)
	same := err == nil && v == sub.view && v.body == sub.body
	s.mu.Unlock()
	if !same {
		return nil, fmt.Errorf("submit view %s: %w", sub.viewID, errViewChanged)
	}
	return s.send(ctx, sub.env)
}

// applySubmissionAckLocked applies a view_submission ack's response_action.
func (s *Server) applySubmissionAckLocked(viewID, user string, a Ack) {
	v := s.views[viewID]
	var p struct {
		ResponseAction string            `json:"response_action"`
		Errors         map[string]string `json:"errors"`
		View           json.RawMessage   `json:"view"`
	}
	if a.Payload != nil {
		if err := json.Unmarshal(a.Payload, &p); err != nil {
			s.ackInvalidLocked(a, &apiError{code: "invalid_arguments", messages: []string{"[ERROR] ack payload is not a view submission response: " + err.Error()}})
			return
		}
	}
	switch p.ResponseAction {
	case "":
		s.popViewLocked(user, viewID)
	case "clear":
		s.closeStackLocked(user)
	case "errors":
		inputs := v.body.inputs
		var msgs []string
		if len(p.Errors) == 0 {
			msgs = append(msgs, "[ERROR] response_action errors needs a non-empty errors object [json-pointer:/errors]")
		}
		for id := range p.Errors {
			if !inputs[id] {
				msgs = append(msgs, fmt.Sprintf("[ERROR] %q is not the block_id of an input block in the view; Slack shows the user a generic error [json-pointer:/errors/%s]", id, id))
			}
		}
		if len(msgs) > 0 {
			sort.Strings(msgs)
			s.ackInvalidLocked(a, &apiError{code: "invalid_arguments", messages: msgs})
			return
		}
		v.errors = p.Errors
		s.broadcastLocked()
	case "update", "push":
		body, e := s.parseView(p.View, surfaceModal, "/view")
		if e != nil {
			s.ackInvalidLocked(a, e)
			return
		}
		if p.ResponseAction == "update" {
			s.replaceViewLocked(v, body)
			return
		}
		stack := s.stacks[user]
		if len(stack) >= MaxViewStack {
			s.ackInvalidLocked(a, errCode("push_limit_reached"))
			return
		}
		nv := s.storeViewLocked(body, "modal", user, v.rootID, viewID)
		s.stacks[user] = append(stack, nv.id)
	default:
		s.ackInvalidLocked(a, &apiError{code: "invalid_response_action", messages: []string{fmt.Sprintf("[ERROR] unknown response_action %q [json-pointer:/response_action]", p.ResponseAction)}})
	}
}

// CloseView closes the user's modal stack as if they pressed X: every view
// of the stack closes (is_cleared is true when it held more than one view).
// Slack sends view_closed only for a view opened with notify_on_close; for
// any other view the stack is closed and ErrNoEnvelope returned. It returns
// ErrInvalidInput when the view is not an open modal of the user.
func (s *Server) CloseView(ctx context.Context, user string, view View) (*Delivery, error) {
	s.mu.Lock()
	v, ok := s.views[view.ID]
	if !ok || v.typ != "modal" || v.closed || v.user != user {
		s.mu.Unlock()
		return nil, fmt.Errorf("close view %s: no open modal of %s: %w", view.ID, user, ErrInvalidInput)
	}
	cleared := len(s.stacks[user]) > 1
	s.closeStackLocked(user)
	if !v.body.notifyOnClose {
		s.entryLocked(Entry{Kind: KindUser, Text: fmt.Sprintf("%s closed view %s (notify_on_close unset: no view_closed)", user, v.id)})
		s.mu.Unlock()
		return nil, fmt.Errorf("close view %s: %w", view.ID, ErrNoEnvelope)
	}
	payload := map[string]any{
		"type": "view_closed", "team": teamWire(), "user": s.userRefLocked(user), "api_app_id": AppID,
		"token": VerificationToken, "view": v.wireInitial(), "is_cleared": cleared,
		"is_enterprise_install": false, "enterprise": nil,
	}
	id := v.id
	s.mu.Unlock()
	return s.send(ctx, outEnvelope{typ: "interactive", payloadType: "view_closed", payload: payload, accepts: true, viewID: id,
		summary: func() string { return fmt.Sprintf("view_closed %s by %s", id, user) }})
}

// findButton finds a button by action_id in blocks.
func findButton(blocks []any, actionID string) (blockID string, button map[string]any, err error) {
	for _, raw := range blocks {
		b, ok := raw.(map[string]any)
		if !ok {
			continue
		}
		for _, e := range blockElements(b) {
			if e["action_id"] == actionID {
				if t, _ := e["type"].(string); t != "button" && t != "workflow_button" {
					return "", nil, fmt.Errorf("action %q is a %s, not a button: %w", actionID, t, ErrInvalidInput)
				}
				id, _ := b["block_id"].(string)
				return id, e, nil
			}
		}
	}
	return "", nil, fmt.Errorf("no button with action_id %q: %w", actionID, ErrNotFound)
}

func buttonAction(blockID string, button map[string]any, actionTS string) map[string]any {
	act := map[string]any{
		"action_id": button["action_id"], "block_id": blockID, "text": button["text"],
		"type": button["type"], "action_ts": actionTS,
	}
	if v, ok := button["value"]; ok {
		act["value"] = v
	}
	if st, ok := button["style"]; ok {
		act["style"] = st
	}
	return act
}

// ClickButton sends a block_actions envelope for a button (by action_id)
// in a channel or ephemeral message, looked up in its current state by
// msg.Channel and msg.TS. The payload carries the block_id and value,
// the message, a trigger_id and a response_url. It returns ErrNotFound for
// an unknown message or button.
func (s *Server) ClickButton(ctx context.Context, user string, msg Message, actionID string) (*Delivery, error) {
	s.mu.Lock()
	if err := s.userLocked(user); err != nil {
		s.mu.Unlock()
		return nil, fmt.Errorf("click button: %w", err)
	}
	m := s.findAnyMessageLocked(msg.Channel, msg.TS)
	if m == nil {
		s.mu.Unlock()
		return nil, fmt.Errorf("click button: message %s/%s: %w", msg.Channel, msg.TS, ErrNotFound)
	}
	if m.Ephemeral && m.Recipient != user {
		s.mu.Unlock()
		return nil, fmt.Errorf("click button: ephemeral message %s is not shown to %s: %w", m.TS, user, ErrInvalidInput)
	}
	var blocks []any
	_ = json.Unmarshal(m.Blocks, &blocks)
	blockID, button, err := findButton(blocks, actionID)
	if err != nil {
		s.mu.Unlock()
		return nil, fmt.Errorf("click button in %s/%s: %w", m.Channel, m.TS, err)
	}
	trig := s.newTriggerLocked(user, "")
	ru := s.newResponseURLLocked(responseURL{kind: "message", channel: m.Channel, user: user, originTS: m.TS, originEphemeral: m.Ephemeral})
	container := map[string]any{"type": "message", "message_ts": m.TS, "channel_id": m.Channel, "is_ephemeral": m.Ephemeral}
	if m.ThreadTS != "" {
		container["thread_ts"] = m.ThreadTS
	}
	chName := ""
	if c := s.channels[m.Channel]; c != nil {
		chName = c.Name
	}
	payload := map[string]any{
		"type": "block_actions", "user": s.userRefLocked(user), "api_app_id": AppID, "token": VerificationToken,
		"container": container, "trigger_id": trig, "team": teamWire(), "enterprise": nil, "is_enterprise_install": false,
		"channel": map[string]any{"id": m.Channel, "name": chName}, "state": map[string]any{"values": initialState(blocks)},
		"response_url": ru, "actions": []any{buttonAction(blockID, button, s.nextTSLocked())},
	}
	if !m.Ephemeral {
		payload["message"] = rawJSON(m.appendWire(nil, false))
	}
	ch, ts := m.Channel, m.TS
	s.mu.Unlock()
	return s.send(ctx, outEnvelope{typ: "interactive", payloadType: "block_actions", payload: payload, accepts: true,
		triggerID: trig, responseURL: ru, summary: func() string { return fmt.Sprintf("block_actions %q on message %s/%s by %s", actionID, ch, ts, user) }})
}

// ClickViewButton sends a block_actions envelope for a button (by
// action_id) in an open modal or Home tab view, with the view (its state
// holding initial values) and a trigger_id that can push a view. It
// returns ErrNotFound for an unknown view or button and ErrInvalidInput for
// a closed view or one of another user.
func (s *Server) ClickViewButton(ctx context.Context, user string, view View, actionID string) (*Delivery, error) {
	s.mu.Lock()
	v, err := s.openViewLocked(user, view.ID)
	if err != nil {
		s.mu.Unlock()
		return nil, fmt.Errorf("click view button: %w", err)
	}
	blockID, button, err := findButton(v.body.blocks, actionID)
	if err != nil {
		s.mu.Unlock()
		return nil, fmt.Errorf("click view button in %s: %w", v.id, err)
	}
	viewCtx := ""
	if v.typ == "modal" {
		viewCtx = v.id
	}
	trig := s.newTriggerLocked(user, viewCtx)
	payload := map[string]any{
		"type": "block_actions", "user": s.userRefLocked(user), "api_app_id": AppID, "token": VerificationToken,
		"container": map[string]any{"type": "view", "view_id": v.id}, "trigger_id": trig, "team": teamWire(),
		"enterprise": nil, "is_enterprise_install": false, "view": v.wireInitial(),
		"state":   rawJSON(`{"values":` + string(v.body.initialState) + `}`),
		"actions": []any{buttonAction(blockID, button, s.nextTSLocked())},
	}
	id := v.id
	s.mu.Unlock()
	return s.send(ctx, outEnvelope{typ: "interactive", payloadType: "block_actions", payload: payload, accepts: true,
		triggerID: trig, viewID: id, summary: func() string { return fmt.Sprintf("block_actions %q in view %s by %s", actionID, id, user) }})
}

// eventEnvelopeLocked wraps an inner event in an event_callback payload.
func (s *Server) eventEnvelopeLocked(event map[string]any, summary func() string) outEnvelope {
	now := s.opts.Now()
	eventID := eventIDOf(s.nextLocked())
	event["event_ts"] = s.nextTSLocked()
	payload := map[string]any{
		"token": VerificationToken, "team_id": TeamID, "context_team_id": TeamID, "api_app_id": AppID,
		"event": event, "type": "event_callback", "event_id": eventID, "event_time": now.Unix(),
		"authorizations":        []any{map[string]any{"enterprise_id": nil, "team_id": TeamID, "user_id": BotUserID, "is_bot": true, "is_enterprise_install": false}},
		"is_ext_shared_channel": false, "event_context": "4-" + randomString(40, alnum),
	}
	typ, _ := event["type"].(string)
	return outEnvelope{typ: "events_api", payloadType: typ, payload: payload, eventID: eventID, summary: summary}
}

// eventIDOf returns the event_id of the n-th event: "Ev", n in at least 8
// digits and 3 random characters.
func eventIDOf(n int) string {
	b := append(make([]byte, 0, 24), "Ev"...)
	for w := 10_000_000; w > 1 && n < w; w /= 10 {
		b = append(b, '0')
	}
	b = strconv.AppendInt(b, int64(n), 10)
	return string(appendRandom(b, 3, upperNum))
}

func (s *Server) reactionEventLocked(typ string, m *message, name, user string) outEnvelope {
	item := map[string]any{"type": "message", "channel": m.Channel, "ts": m.TS}
	event := map[string]any{"type": typ, "user": user, "reaction": name, "item_user": m.User, "item": item}
	ch, ts := m.Channel, m.TS
	return s.eventEnvelopeLocked(event, func() string { return fmt.Sprintf("%s :%s: by %s on %s/%s", typ, name, user, ch, ts) })
}

// echoReactionLocked delivers the event for the bot's own reaction, in
// the background (Slack sends it whether or not the app wants it).
func (s *Server) echoReactionLocked(typ string, m *message, name, user string) {
	if c := s.channels[m.Channel]; c == nil || !c.BotMember || s.closed {
		return
	}
	env := s.reactionEventLocked(typ, m, name, user)
	s.wg.Go(func() {
		if _, err := s.send(s.ctx, env); err != nil {
			s.logf("fakeslack: deliver %s: %v", typ, err)
		}
	})
}

// React adds a user's reaction to a message and sends reaction_added. The
// reaction is recorded even when no envelope is sent: Slack sends none when
// the bot is not in the channel (ErrNoEnvelope). It returns ErrNotFound
// for an unknown user or message and ErrInvalidInput when the user already
// reacted with that emoji.
func (s *Server) React(ctx context.Context, user, channel, ts, name string) (*Delivery, error) {
	return s.reaction(ctx, "reaction_added", user, channel, ts, name)
}

// Unreact removes a user's reaction and sends reaction_removed, like React.
func (s *Server) Unreact(ctx context.Context, user, channel, ts, name string) (*Delivery, error) {
	return s.reaction(ctx, "reaction_removed", user, channel, ts, name)
}

func (s *Server) reaction(ctx context.Context, typ, user, channel, ts, name string) (*Delivery, error) {
	name = strings.Trim(name, ":")
	s.mu.Lock()
	if err := s.userLocked(user); err != nil {
		s.mu.Unlock()
		return nil, fmt.Errorf("%s: %w", typ, err)
	}
	m := s.findMessageLocked(channel, ts)
	if m == nil {
		s.mu.Unlock()
		return nil, fmt.Errorf("%s: message %s/%s: %w", typ, channel, ts, ErrNotFound)
	}
	var changed bool
	if typ == "reaction_added" {
		changed = m.addReaction(name, user)
	} else {
		changed = m.removeReaction(name, user)
	}
	if !changed {
		s.mu.Unlock()
		return nil, fmt.Errorf("%s :%s: by %s on %s/%s: nothing to change: %w", typ, name, user, channel, ts, ErrInvalidInput)
	}
	s.broadcastLocked()
	if c := s.channels[channel]; c == nil || !c.BotMember {
		s.entryLocked(Entry{Kind: KindUser, Text: fmt.Sprintf("%s :%s: by %s on %s/%s (bot not in channel: no event)", typ, name, user, channel, ts)})
		s.mu.Unlock()
		return nil, fmt.Errorf("%s in %s: %w", typ, channel, ErrNoEnvelope)
	}
	env := s.reactionEventLocked(typ, m, name, user)
	s.mu.Unlock()
	return s.send(ctx, env)
}

// OpenHome sends app_home_opened (tab "home") for a user, carrying the
// Home view published for them, if any. It returns ErrNotFound for an
// unknown user.
func (s *Server) OpenHome(ctx context.Context, user string) (*Delivery, error) {
	s.mu.Lock()
	if err := s.userLocked(user); err != nil {
		s.mu.Unlock()
		return nil, fmt.Errorf("open home: %w", err)
	}
	event := map[string]any{"type": "app_home_opened", "user": user, "channel": dmChannelID(user), "tab": "home"}
	if id, ok := s.homes[user]; ok {
		v := s.views[id]
		event["view"] = v.wireInitial()
	}
	env := s.eventEnvelopeLocked(event, func() string { return "app_home_opened by " + user })
	s.mu.Unlock()
	return s.send(ctx, env)
}
