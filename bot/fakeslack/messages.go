package fakeslack

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// MaxMessageText is the longest message text Slack accepts (msg_too_long).
const MaxMessageText = 40000

// Message is a message as the workspace shows it.
type Message struct {
	Channel  string
	TS       string
	ThreadTS string // the parent's ts for a thread reply, else ""
	User     string // author; the bot user for the app's messages
	BotID    string // set for the app's messages
	Text     string
	Blocks   json.RawMessage // as stored: every block has a block_id, every element an action_id
	// Metadata is the message's metadata ({"event_type", "event_payload"})
	// as posted, or nil.
	Metadata json.RawMessage
	Edited   bool
	// Reactions maps an emoji name to the users who reacted, in order.
	Reactions map[string][]string
	Ephemeral bool   // an ephemeral message, seen only by Recipient
	Recipient string // the user who sees an ephemeral message
	// Via says how it was posted: "chat.postMessage", "chat.postEphemeral",
	// "response_url", "ack" (slash command ack payload) or "user".
	Via string
}

type message struct {
	Message
	reactionOrder []string
	deleted       bool // deleted through a response_url delete_original
}

func (m *message) export() Message {
	out := m.Message
	out.Blocks = append(json.RawMessage(nil), m.Blocks...)
	out.Reactions = map[string][]string{}
	for k, v := range m.Reactions {
		out.Reactions[k] = append([]string(nil), v...)
	}
	return out
}

// appendWire appends the message the way Slack's API and payloads show
// it (with its metadata when withMeta), encoded as appendJSON encodes a
// map: keys sorted.
func (m *message) appendWire(b []byte, withMeta bool) []byte {
	sep := byte('{')
	key := func(k string) {
		b = append(b, sep, '"')
		b = append(b, k...)
		b = append(b, '"', ':')
		sep = ','
	}
	if m.BotID != "" {
		key("app_id")
		b = appendJSONString(b, AppID)
	}
	if len(m.Blocks) > 0 {
		key("blocks")
		b = append(b, m.Blocks...) // checkMessageBlocks encoded it
	}
	if m.BotID != "" {
		key("bot_id")
		b = appendJSONString(b, m.BotID)
		key("bot_profile")
		b = append(b, `{"app_id":`...)
		b = appendJSONString(b, AppID)
		b = append(b, `,"deleted":false,"id":`...)
		b = appendJSONString(b, m.BotID)
		b = append(b, `,"name":`...)
		b = appendJSONString(b, BotUserName)
		b = append(b, `,"team_id":`...)
		b = appendJSONString(b, TeamID)
		b = append(b, '}')
	}
	if m.Edited {
		key("edited")
		b = append(b, `{"ts":`...)
		b = appendJSONString(b, m.TS)
		b = append(b, `,"user":`...)
		b = appendJSONString(b, m.User)
		b = append(b, '}')
	}
	if withMeta && len(m.Metadata) > 0 {
		key("metadata")
		b = append(b, m.Metadata...)
	}
	if len(m.reactionOrder) > 0 {
		key("reactions")
		for i, name := range m.reactionOrder {
			users := m.Reactions[name]
			if i == 0 {
				b = append(b, '[')
			} else {
				b = append(b, ',')
			}
			b = append(b, `{"count":`...)
			b = strconv.AppendInt(b, int64(len(users)), 10)
			b = append(b, `,"name":`...)
			b = appendJSONString(b, name)
			b = append(b, `,"users":`...)
			b = appendJSON(b, users)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	key("team")
	b = appendJSONString(b, TeamID)
	key("text")
	b = appendJSONString(b, m.Text)
	if m.ThreadTS != "" {
		key("thread_ts")
		b = appendJSONString(b, m.ThreadTS)
	}
	key("ts")
	b = appendJSONString(b, m.TS)
	key("type")
	b = append(b, `"message"`...)
	if m.User != "" {
		key("user")
		b = appendJSONString(b, m.User)
	}
	return append(b, '}')
}

// wireJSON is a message as Slack's API shows it, for a value appendJSON
// encodes: it is encoded straight into the answer when appendJSON gets to
// it, so it must be encoded before the message can change (under the
// server's lock).
type wireJSON struct {
	m        *message
	withMeta bool
}

func (w wireJSON) appendTo(b []byte) []byte { return w.m.appendWire(b, w.withMeta) }

func (w wireJSON) sizeHint() int {
	n := 400 + len(w.m.Blocks) + len(w.m.Text) + 32*len(w.m.Reactions)
	if w.withMeta {
		n += len(w.m.Metadata)
	}
	return n
}

// MarshalJSON encodes the message as appendJSON does.
func (w wireJSON) MarshalJSON() ([]byte, error) { return w.appendTo(nil), nil }

func (s *Server) findMessageLocked(channel, ts string) *message {
	if m := s.findAnyMessageLocked(channel, ts); m != nil && !m.Ephemeral {
		return m
	}
	return nil
}

func (s *Server) findAnyMessageLocked(channel, ts string) *message {
	if m := s.messageIndex[messageKey(channel, ts)]; m != nil && !m.deleted {
		return m
	}
	return nil
}

// messageKey indexes a message; message timestamps are unique (see
// nextTSLocked), so there is one message per key.
func messageKey(channel, ts string) string { return channel + "/" + ts }

func (s *Server) addMessageLocked(m *message) *message {
	if m.Reactions == nil {
		m.Reactions = map[string][]string{}
	}
	s.messages = append(s.messages, m)
	if k := messageKey(m.Channel, m.TS); s.messageIndex[k] == nil {
		s.messageIndex[k] = m
	}
	s.broadcastLocked()
	return m
}

// Messages returns a channel's messages, top-level and thread replies, in
// the order they were posted (ephemeral and deleted messages excluded).
func (s *Server) Messages(channel string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Message
	for _, m := range s.messages {
		if m.Channel == channel && !m.Ephemeral && !m.deleted {
			out = append(out, m.export())
		}
	}
	return out
}

// Message returns one message (not ephemeral); ok is false when there is none.
func (s *Server) Message(channel, ts string) (Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.findMessageLocked(channel, ts)
	if m == nil {
		return Message{}, false
	}
	return m.export(), true
}

// Replies returns the replies in the thread of threadTS (the parent
// excluded), in order.
func (s *Server) Replies(channel, threadTS string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Message
	for _, m := range s.messages {
		if m.Channel == channel && m.ThreadTS == threadTS && m.TS != threadTS && !m.Ephemeral && !m.deleted {
			out = append(out, m.export())
		}
	}
	return out
}

// Ephemerals returns the ephemeral messages a user saw in a channel ("" for
// any channel), in order.
func (s *Server) Ephemerals(channel, user string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Message
	for _, m := range s.messages {
		if m.Ephemeral && !m.deleted && (channel == "" || m.Channel == channel) && m.Recipient == user {
			out = append(out, m.export())
		}
	}
	return out
}

// WaitForMessage returns the first message of channel (already posted or
// future, ephemeral excluded) that satisfies pred (nil accepts any). pred
// runs with the server's lock held and must not call Server methods. It
// returns the context's error (wrapped) on timeout and ErrClosed after Close.
func (s *Server) WaitForMessage(ctx context.Context, channel string, pred func(Message) bool) (Message, error) {
	var found Message
	err := s.waitLocked(ctx, "message in "+channel, func() bool {
		for _, m := range s.messages {
			if m.Channel == channel && !m.Ephemeral && !m.deleted {
				e := m.export()
				if pred == nil || pred(e) {
					found = e
					return true
				}
			}
		}
		return false
	})
	return found, err
}

// WaitForEphemeral is WaitForMessage for the ephemeral messages a user sees
// in a channel ("" for any channel).
func (s *Server) WaitForEphemeral(ctx context.Context, channel, user string, pred func(Message) bool) (Message, error) {
	var found Message
	err := s.waitLocked(ctx, "ephemeral for "+user, func() bool {
		for _, m := range s.messages {
			if m.Ephemeral && !m.deleted && (channel == "" || m.Channel == channel) && m.Recipient == user {
				e := m.export()
				if pred == nil || pred(e) {
					found = e
					return true
				}
			}
		}
		return false
	})
	return found, err
}

// PostUserMessage posts a message as a user (no event is delivered: the
// fake does not implement message events). It returns the message, or
// ErrNotFound for an unknown user or channel.
func (s *Server) PostUserMessage(channel, user, text string) (Message, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.users[user]; !ok {
		return Message{}, fmt.Errorf("post as %s: user %w", user, ErrNotFound)
	}
	if _, ok := s.channels[channel]; !ok {
		return Message{}, fmt.Errorf("post in %s: channel %w", channel, ErrNotFound)
	}
	m := s.addMessageLocked(&message{Message: Message{Channel: channel, TS: s.nextTSLocked(), User: user, Text: text, Via: "user"}})
	return m.export(), nil
}

// lookupChannelLocked finds a channel by id; a direct-message id "D…" of a
// known user is created on first use.
func (s *Server) lookupChannelLocked(id string) *Channel {
	if c, ok := s.channels[id]; ok {
		return c
	}
	if strings.HasPrefix(id, "D") {
		if u, ok := s.users["U"+id[1:]]; ok && !u.IsBot {
			c := &Channel{ID: id, BotMember: true, IsIM: true, User: u.ID}
			s.channels[id] = c
			return c
		}
	}
	return nil
}

// resolveChannelLocked finds a channel as chat.postMessage does: by id, by
// user id (the direct-message channel) or by name ("#hiring" or "hiring").
func (s *Server) resolveChannelLocked(id string) *Channel {
	if c := s.lookupChannelLocked(id); c != nil {
		return c
	}
	if _, ok := s.users[id]; ok {
		return s.lookupChannelLocked(dmChannelID(id))
	}
	name := strings.TrimPrefix(id, "#")
	for _, c := range s.channels {
		if c.Name != "" && c.Name == name {
			return c
		}
	}
	return nil
}

// messageContent is the text and blocks of a chat.postMessage-like call.
type messageContent struct {
	text      string
	blocks    json.RawMessage
	blocksSet bool // a blocks parameter was sent
	err       *apiError
}

// prepareContent reads the text and blocks of chat.* methods before the
// server's lock is taken.
func prepareContent(s *Server, r *apiRequest) {
	c := s.messageContent(r)
	r.content = &c
}

// messageContentOf returns the request's text and blocks, read by
// prepareContent or now.
func (s *Server) messageContentOf(r *apiRequest) (text string, blocks json.RawMessage, blocksSet bool, e *apiError) {
	c := r.content
	if c == nil {
		cc := s.messageContent(r)
		c = &cc
	}
	return c.text, c.blocks, c.blocksSet, c.err
}

// messageContent reads text and blocks of chat.postMessage-like calls.
// blocksSet is false when no blocks parameter was sent. It reads no server
// state.
func (s *Server) messageContent(r *apiRequest) messageContent {
	text := r.params["text"]
	if longer(text, MaxMessageText) {
		return messageContent{err: errCode("msg_too_long")}
	}
	param, ok := r.params["blocks"]
	if !ok || strings.TrimSpace(param) == "" {
		return messageContent{text: text}
	}
	if v, raw, ok := r.blocksTree(); ok { // read with the body
		blocks, e := s.checkBlocksTree(v, raw, "", "/blocks")
		return messageContent{text: text, blocks: blocks, blocksSet: true, err: e}
	}
	// param is the blocks' JSON text: a JSON body's array as sent (what
	// rawValue returns), or a form's (or JSON string's) value.
	blocks, e := s.checkBlocksText(param, r.rawValue("blocks"), "/blocks")
	return messageContent{text: text, blocks: blocks, blocksSet: true, err: e}
}

// checkMessageBlocks validates a message's blocks and returns them with
// block_ids and action_ids filled in.
func (s *Server) checkMessageBlocks(raw []byte, ptr string) (json.RawMessage, *apiError) {
	return s.checkBlocksText(string(raw), raw, ptr)
}

// checkBlocksText is checkMessageBlocks of the JSON text src; raw, when
// not nil, holds the same text (for the JSON schema).
func (s *Server) checkBlocksText(src string, raw []byte, ptr string) (json.RawMessage, *apiError) {
	t, ok := parseJSONTree(src)
	if ok {
		if _, isArr := t.rootValue().arr(); !isArr {
			ok = false
		}
	}
	if !ok {
		var blocks []any
		if err := json.Unmarshal([]byte(src), &blocks); err != nil {
			return nil, &apiError{code: "invalid_blocks_format", messages: []string{"[ERROR] blocks must be a JSON array of block objects: " + err.Error()}}
		}
		// Unreachable while parseJSONTree accepts what encoding/json
		// accepts; read the decoded blocks in the encoding the fake writes.
		if t, ok = parseJSONTree(string(encodeJSON(blocks))); !ok {
			return nil, &apiError{code: "invalid_blocks_format", messages: []string{"[ERROR] blocks must be a JSON array of block objects"}}
		}
	}
	return s.checkBlocksTree(t.rootValue(), raw, src, ptr)
}

// checkBlocksTree is checkMessageBlocks of the array v, whose JSON text
// is raw (or, when raw is nil, src).
func (s *Server) checkBlocksTree(v jv, raw []byte, src, ptr string) (json.RawMessage, *apiError) {
	msgs := checkBlocks(v, ptr, surfaceMessage)
	if s.schemas != nil {
		if raw == nil {
			raw = []byte(src)
		}
		msgs = appendUnique(msgs, s.schemas.checkBlocks(raw, ptr)...)
	}
	if len(msgs) > 0 {
		return nil, &apiError{code: "invalid_blocks", messages: msgs}
	}
	size := len(raw)
	if raw == nil {
		size = len(src)
	}
	return json.RawMessage(v.t.appendBlocks(make([]byte, 0, size+size/8), v)), nil
}

func (s *Server) postableChannelLocked(id string) (*Channel, *apiError) {
	if id == "" {
		return nil, errCode("channel_not_found")
	}
	c := s.resolveChannelLocked(id)
	if c == nil {
		return nil, errCode("channel_not_found")
	}
	if c.Archived {
		return nil, errCode("is_archived")
	}
	if !c.BotMember {
		return nil, errCode("not_in_channel")
	}
	return c, nil
}

func (s *Server) chatPostMessage(r *apiRequest) (map[string]any, *apiError) {
	c, e := s.postableChannelLocked(r.params["channel"])
	if e != nil {
		return nil, e
	}
	text, blocks, _, e := s.messageContentOf(r)
	if e != nil {
		return nil, e
	}
	if text == "" && blocks == nil && r.params["attachments"] == "" {
		return nil, errCode("no_text")
	}
	meta, e := metadataOf(r.params["metadata"])
	if e != nil {
		return nil, e
	}
	m := &message{Message: Message{Channel: c.ID, TS: s.nextTSLocked(), User: BotUserID, BotID: BotID, Text: text, Blocks: blocks, Metadata: meta, Via: "chat.postMessage"}}
	if t := r.params["thread_ts"]; t != "" {
		m.ThreadTS = t
		if parent := s.findMessageLocked(c.ID, t); parent != nil && parent.ThreadTS != "" {
			m.ThreadTS = parent.ThreadTS
		}
	}
	s.addMessageLocked(m)
	return map[string]any{"channel": c.ID, "ts": m.TS, "message": wireJSON{m: m}}, nil
}

func (s *Server) chatUpdate(r *apiRequest) (map[string]any, *apiError) {
	c := s.lookupChannelLocked(r.params["channel"])
	if c == nil {
		return nil, errCode("channel_not_found")
	}
	m := s.findMessageLocked(c.ID, r.params["ts"])
	if m == nil {
		return nil, errCode("message_not_found")
	}
	if m.User != BotUserID {
		return nil, errCode("cant_update_message")
	}
	if c.Archived {
		return nil, errCode("is_archived")
	}
	_, hasText := r.params["text"]
	text, blocks, blocksSet, e := s.messageContentOf(r)
	if e != nil {
		return nil, e
	}
	if !hasText && !blocksSet && r.params["attachments"] == "" {
		return nil, errCode("no_text")
	}
	if hasText {
		m.Text = text
	}
	if blocksSet {
		m.Blocks = blocks
	}
	m.Edited = true
	s.broadcastLocked()
	return map[string]any{"channel": c.ID, "ts": m.TS, "text": m.Text, "message": wireJSON{m: m}}, nil
}

func (s *Server) chatPostEphemeral(r *apiRequest) (map[string]any, *apiError) {
	c, e := s.postableChannelLocked(r.params["channel"])
	if e != nil {
		return nil, e
	}
	user := r.params["user"]
	if _, ok := s.users[user]; !ok {
		return nil, errCode("user_not_found")
	}
	if c.IsIM && c.User != user {
		return nil, errCode("user_not_in_channel")
	}
	text, blocks, _, e := s.messageContentOf(r)
	if e != nil {
		return nil, e
	}
	if text == "" && blocks == nil && r.params["attachments"] == "" {
		return nil, errCode("no_text")
	}
	m := &message{Message: Message{Channel: c.ID, TS: s.nextTSLocked(), ThreadTS: r.params["thread_ts"], User: BotUserID, BotID: BotID, Text: text, Blocks: blocks, Ephemeral: true, Recipient: user, Via: "chat.postEphemeral"}}
	s.addMessageLocked(m)
	return map[string]any{"message_ts": m.TS}, nil
}

// Permalink returns the permalink Slack gives a message.
func Permalink(channel, ts, threadTS string) string {
	link := fmt.Sprintf("https://%s.slack.com/archives/%s/p%s", TeamDomain, channel, strings.ReplaceAll(ts, ".", ""))
	if threadTS != "" && threadTS != ts {
		link += fmt.Sprintf("?thread_ts=%s&cid=%s", threadTS, channel)
	}
	return link
}

func (s *Server) chatGetPermalink(r *apiRequest) (map[string]any, *apiError) {
	c := s.lookupChannelLocked(r.params["channel"])
	if c == nil {
		return nil, errCode("channel_not_found")
	}
	m := s.findMessageLocked(c.ID, r.params["message_ts"])
	if m == nil {
		return nil, errCode("message_not_found")
	}
	return map[string]any{"channel": c.ID, "permalink": Permalink(c.ID, m.TS, m.ThreadTS)}, nil
}

// reactionTarget finds the message of reactions.add / reactions.remove.
func (s *Server) reactionTarget(r *apiRequest) (*message, string, *apiError) {
	name := strings.Trim(r.params["name"], ":")
	if r.params["channel"] == "" || r.params["timestamp"] == "" {
		return nil, "", errCode("no_item_specified")
	}
	if name == "" || strings.ContainsAny(name, " \t\n") {
		return nil, "", errCode("invalid_name")
	}
	c := s.lookupChannelLocked(r.params["channel"])
	if c == nil {
		return nil, "", errCode("channel_not_found")
	}
	if c.Archived {
		return nil, "", errCode("is_archived")
	}
	if !c.BotMember {
		return nil, "", errCode("not_in_channel")
	}
	m := s.findMessageLocked(c.ID, r.params["timestamp"])
	if m == nil {
		return nil, "", errCode("message_not_found")
	}
	return m, name, nil
}

func (s *Server) reactionsAdd(r *apiRequest) (map[string]any, *apiError) {
	return s.botReaction(r, true)
}

func (s *Server) reactionsRemove(r *apiRequest) (map[string]any, *apiError) {
	return s.botReaction(r, false)
}

// botReaction adds or removes the bot's reaction and, like Slack, delivers
// the matching reaction event (unless NoBotEcho).
func (s *Server) botReaction(r *apiRequest, add bool) (map[string]any, *apiError) {
	m, name, e := s.reactionTarget(r)
	if e != nil {
		return nil, e
	}
	event := "reaction_added"
	if add && !m.addReaction(name, BotUserID) {
		return nil, errCode("already_reacted")
	}
	if !add {
		if !m.removeReaction(name, BotUserID) {
			return nil, errCode("no_reaction")
		}
		event = "reaction_removed"
	}
	s.broadcastLocked()
	if !s.opts.NoBotEcho {
		s.echoReactionLocked(event, m, name, BotUserID)
	}
	return map[string]any{}, nil
}

func (m *message) addReaction(name, user string) bool {
	for _, u := range m.Reactions[name] {
		if u == user {
			return false
		}
	}
	if len(m.Reactions[name]) == 0 {
		m.reactionOrder = append(m.reactionOrder, name)
	}
	m.Reactions[name] = append(m.Reactions[name], user)
	return true
}

func (m *message) removeReaction(name, user string) bool {
	users := m.Reactions[name]
	for i, u := range users {
		if u == user {
			users = append(users[:i:i], users[i+1:]...)
			if len(users) == 0 {
				delete(m.Reactions, name)
				for j, n := range m.reactionOrder {
					if n == name {
						m.reactionOrder = append(m.reactionOrder[:j:j], m.reactionOrder[j+1:]...)
						break
					}
				}
			} else {
				m.Reactions[name] = users
			}
			return true
		}
	}
	return false
}

func (s *Server) usersInfo(r *apiRequest) (map[string]any, *apiError) {
	u, ok := s.users[r.params["user"]]
	if !ok {
		return nil, errCode("user_not_found")
	}
	return map[string]any{"user": userWire(u)}, nil
}

func userWire(u *User) map[string]any {
	out := map[string]any{
		"id":        u.ID,
		"team_id":   TeamID,
		"name":      u.Name,
		"real_name": u.RealName,
		"deleted":   false,
		"tz":        u.TZ,
		"tz_label":  u.TZ,
		"tz_offset": tzOffset(u.TZ),
		"is_bot":    u.IsBot,
		"is_admin":  false,
		"profile": map[string]any{
			"real_name":    u.RealName,
			"display_name": u.Name,
			"team":         TeamID,
		},
	}
	if u.IsBot {
		out["profile"].(map[string]any)["bot_id"] = BotID
	}
	return out
}

// metadataOf checks a message's metadata parameter as Slack does: a JSON
// object with a string event_type and an object event_payload.
func metadataOf(raw string) (json.RawMessage, *apiError) {
	if raw == "" {
		return nil, nil
	}
	if valid, known := metadataValid(raw); known {
		if !valid {
			return nil, errCode("invalid_metadata_format")
		}
		return json.RawMessage(raw), nil
	}
	var m struct {
		EventType    *string        `json:"event_type"`
		EventPayload map[string]any `json:"event_payload"`
	}
	if err := json.Unmarshal([]byte(raw), &m); err != nil || m.EventType == nil || *m.EventType == "" || m.EventPayload == nil {
		return nil, errCode("invalid_metadata_format")
	}
	return json.RawMessage(raw), nil
}

// metadataValid is metadataOf's check without decoding the payload, for
// the usual metadata: an object with one event_type and one
// event_payload, its other keys unlike both. known is false for anything
// else (keys encoding/json would match case-insensitively, repeated keys,
// a null event_type or event_payload), which metadataOf leaves to
// encoding/json.
func metadataValid(raw string) (valid, known bool) {
	members, ok := scanMembers([]byte(raw))
	if !ok {
		return false, false
	}
	var typ, payload *jsonMember
	for i := range members {
		m := &members[i]
		switch {
		case m.key == "event_type" && typ == nil:
			typ = m
		case m.key == "event_payload" && payload == nil:
			payload = m
		case !isASCII(m.key), strings.EqualFold(m.key, "event_type"), strings.EqualFold(m.key, "event_payload"):
			return false, false
		}
	}
	if typ == nil || payload == nil || !typ.isStr || payload.raw[0] != '{' {
		return false, false
	}
	return typ.str != "", true
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// conversationsHistory lists a channel's top-level messages, newest first:
// those after oldest (exclusive, or inclusive with inclusive=1), at most
// limit (default 100), with their metadata when include_all_metadata=1.
// The bot must be a member (not_in_channel). Cursors are not supported: it
// answers has_more false.
func (s *Server) conversationsHistory(r *apiRequest) (map[string]any, *apiError) {
	c := s.lookupChannelLocked(r.params["channel"])
	if c == nil {
		return nil, errCode("channel_not_found")
	}
	if !c.BotMember {
		return nil, errCode("not_in_channel")
	}
	limit := 100
	if v := r.params["limit"]; v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return nil, errCode("invalid_limit")
		}
		limit = min(n, 999)
	}
	oldest, latest := r.params["oldest"], r.params["latest"]
	inclusive := r.params["inclusive"] == "1" || r.params["inclusive"] == "true"
	withMeta := r.params["include_all_metadata"] == "1" || r.params["include_all_metadata"] == "true"
	out := []any{}
	for i := len(s.messages) - 1; i >= 0 && len(out) < limit; i-- {
		m := s.messages[i]
		if m.Channel != c.ID || m.Ephemeral || m.deleted || (m.ThreadTS != "" && m.ThreadTS != m.TS) {
			continue
		}
		if oldest != "" && (tsLess(m.TS, oldest) || (!inclusive && m.TS == oldest)) {
			continue
		}
		if latest != "" && (tsLess(latest, m.TS) || (!inclusive && m.TS == latest)) {
			continue
		}
		out = append(out, wireJSON{m: m, withMeta: withMeta})
	}
	return map[string]any{"messages": out, "has_more": false, "pin_count": 0}, nil
}

// tsLess compares two Slack timestamps ("1700000000.000100").
func tsLess(a, b string) bool {
	fa, errA := strconv.ParseFloat(a, 64)
	fb, errB := strconv.ParseFloat(b, 64)
	if errA != nil || errB != nil {
		return a < b
	}
	return fa < fb
}

func (s *Server) conversationsInfo(r *apiRequest) (map[string]any, *apiError) {
	c := s.lookupChannelLocked(r.params["channel"])
	if c == nil {
		return nil, errCode("channel_not_found")
	}
	return map[string]any{"channel": channelWire(c)}, nil
}

func channelWire(c *Channel) map[string]any {
	out := map[string]any{
		"id":              c.ID,
		"created":         1700000000,
		"is_archived":     c.Archived,
		"is_member":       c.BotMember,
		"is_private":      c.Private,
		"is_im":           c.IsIM,
		"context_team_id": TeamID,
	}
	if c.IsIM {
		out["user"] = c.User
	} else {
		out["name"] = c.Name
		out["name_normalized"] = c.Name
		out["is_channel"] = !c.Private
		out["is_group"] = c.Private
	}
	return out
}

func (s *Server) authTest(*apiRequest) (map[string]any, *apiError) {
	return map[string]any{
		"url":                   "https://" + TeamDomain + ".slack.com/",
		"team":                  TeamDomain,
		"user":                  BotUserName,
		"team_id":               TeamID,
		"user_id":               BotUserID,
		"bot_id":                BotID,
		"is_enterprise_install": false,
	}, nil
}

// tzOffset returns a zone's current UTC offset in seconds (0 when the zone
// is unknown).
func tzOffset(tz string) int {
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return 0
	}
	_, off := time.Now().In(loc).Zone()
	return off
}
