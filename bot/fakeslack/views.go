package fakeslack

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// MaxViewStack is how many modal views Slack stacks (push_limit_reached).
const MaxViewStack = 3

// View is a modal or Home tab view as the workspace holds it.
type View struct {
	ID              string
	Hash            string
	Type            string // "modal" or "home"
	CallbackID      string
	PrivateMetadata string
	ExternalID      string
	Title           string // the title's text (modals)
	Blocks          json.RawMessage
	// Raw is the whole view object as Slack sends it in payloads (id,
	// team_id, state, hash, root_view_id, app_id, bot_id, ...).
	Raw            json.RawMessage
	User           string // the user who sees it
	Closed         bool
	RootViewID     string
	PreviousViewID string
	NotifyOnClose  bool
	// Errors are the errors of the last response_action "errors" ack,
	// keyed by block_id (nil when none).
	Errors map[string]string
	// Version counts how often the view was replaced (0 when opened).
	Version int
}

// viewBody is a validated, normalised view as the app sent it. It is never
// changed once built (views.update stores a new one), so reads share it
// and its JSON is encoded once, not on every read or payload.
type viewBody struct {
	m      map[string]any // the view as sent, normalised
	size   int            // bytes as sent
	blocks []any
	// blocksJSON is blocks encoded (with the block_ids and action_ids the
	// fake filled in).
	blocksJSON rawJSON
	// title, submit and close are the modal's text objects encoded, nil
	// when absent.
	title, submit, close                        rawJSON
	titleText                                   string
	callbackID, privateMetadata, externalID     string
	clearOnClose, notifyOnClose, submitDisabled bool
	// state indexes the stateful elements; initialState is
	// view.state.values before the user changed anything, encoded.
	state        stateIndex
	initialState rawJSON
	inputs       map[string]bool // block_ids of input blocks
	// drawn are the ids the fake drew for it (see redraw), and
	// blockEnds where each block ends in blocksJSON.
	drawn     []drawnID
	blockEnds []int
	// A view redraw made has no blocksJSON: its blocks are base's but
	// those redrawn holds encoded (nil for the others), blocksSize bytes
	// in all (see appendBlocksJSON).
	base       *viewBody
	redrawn    [][]byte
	blocksSize int
}

// blocksLen returns the length of the blocks encoded.
func (b *viewBody) blocksLen() int {
	if b.blocksJSON != nil || b.base == nil {
		return len(b.blocksJSON)
	}
	return b.blocksSize
}

// appendBlocksJSON appends the blocks encoded (with the block_ids and
// action_ids the fake filled in).
func (b *viewBody) appendBlocksJSON(dst []byte) []byte {
	if b.blocksJSON != nil || b.base == nil {
		return append(dst, b.blocksJSON...)
	}
	dst = append(dst, '[')
	for i, enc := range b.redrawn {
		if i > 0 {
			dst = append(dst, ',')
		}
		if enc == nil {
			enc = b.base.blockJSON(i)
		}
		dst = append(dst, enc...)
	}
	return append(dst, ']')
}

// blockJSON returns block i of blocksJSON.
func (b *viewBody) blockJSON(i int) []byte {
	start := 1
	if i > 0 {
		start = b.blockEnds[i-1] + 1
	}
	return b.blocksJSON[start:b.blockEnds[i]]
}

// drewIDs reports whether the fake drew block or action ids for the view.
func (b *viewBody) drewIDs() bool { return len(b.drawn) > 0 }

// appendBlockList appends blocks encoded as appendJSON encodes them and
// the offset in dst where each ends to ends.
func appendBlockList(dst []byte, blocks []any, ends []int) ([]byte, []int) {
	if blocks == nil {
		return append(dst, "null"...), ends
	}
	dst = append(dst, '[')
	for i, blk := range blocks {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSON(dst, blk)
		ends = append(ends, len(dst))
	}
	return append(dst, ']'), ends
}

// newViewBody indexes and encodes a validated, normalised view.
func newViewBody(m map[string]any, size int) *viewBody {
	b := &viewBody{m: m, size: size}
	b.blocks, _ = m["blocks"].([]any)
	b.blocksJSON, b.blockEnds = appendBlockList(make([]byte, 0, size+size/8), b.blocks, make([]int, 0, len(b.blocks)))
	b.indexState()
	str := func(key string) string { s, _ := m[key].(string); return s }
	b.callbackID, b.privateMetadata, b.externalID = str("callback_id"), str("private_metadata"), str("external_id")
	b.clearOnClose, b.notifyOnClose, b.submitDisabled = m["clear_on_close"] == true, m["notify_on_close"] == true, m["submit_disabled"] == true
	obj := func(key string) rawJSON {
		if t, ok := m[key]; ok {
			return encodeJSON(t)
		}
		return nil
	}
	b.title, b.submit, b.close = obj("title"), obj("submit"), obj("close")
	if t, ok := m["title"].(map[string]any); ok {
		b.titleText, _ = t["text"].(string)
	}
	return b
}

// indexState sets what b's state depends on from its blocks: the state
// index, the initial state and the input blocks.
func (b *viewBody) indexState() {
	b.state = newStateIndex(b.blocks)
	init, _ := stateValues(b.state, nil, nil)
	b.initialState = encodeJSONSize(init, 64*len(b.state.targets)+16)
	b.inputs = map[string]bool{}
	for _, raw := range b.blocks {
		if blk, ok := raw.(map[string]any); ok && blk["type"] == "input" {
			id, _ := blk["block_id"].(string)
			b.inputs[id] = true
		}
	}
}

// hasStateful reports whether a block holds an element whose value Slack
// reports in view.state.values.
func hasStateful(blk map[string]any) bool {
	for j := range elementSlots(blk) {
		if e := elementAt(blk, j); e != nil {
			if typ, _ := e["type"].(string); statefulElements[typ] {
				return true
			}
		}
	}
	return false
}

// redraw returns b with new ids drawn where the fake drew them for b, as
// Slack draws new ones for every copy it stores; the view is otherwise
// b's. The blocks that get new ids are copied, the others shared (a
// viewBody is never changed), and only they are encoded again.
func (b *viewBody) redraw() *viewBody {
	if b.blocksJSON == nil && b.base != nil { // a redrawn view: encode its blocks
		mb := *b
		mb.blocksJSON, mb.blockEnds = appendBlockList(make([]byte, 0, b.blocksSize), b.blocks, make([]int, 0, len(b.blocks)))
		mb.base, mb.redrawn = nil, nil
		b = &mb
	}
	nb := *b
	nb.blocks = slices.Clone(b.blocks)
	restate := false
	changed := make([]bool, len(b.blocks))
	for k := 0; k < len(b.drawn); {
		i := b.drawn[k].block
		blk := maps.Clone(b.blocks[i].(map[string]any))
		var els []any // the cloned elements of an actions block
		for ; k < len(b.drawn) && b.drawn[k].block == i; k++ {
			j := b.drawn[k].elem
			if j < 0 {
				blk["block_id"] = randomString(5, alnum)
				continue
			}
			e := maps.Clone(elementAt(blk, j))
			e["action_id"] = randomActionID()
			switch blk["type"] {
			case "actions":
				if els == nil {
					els = slices.Clone(blk["elements"].([]any))
					blk["elements"] = els
				}
				els[j] = e
			case "section":
				blk["accessory"] = e
			case "input":
				blk["element"] = e
			}
		}
		nb.blocks[i], changed[i] = blk, true
		restate = restate || blk["type"] == "input" || hasStateful(blk)
	}
	nb.m = maps.Clone(b.m)
	nb.m["blocks"] = nb.blocks
	// Only the changed blocks are encoded; the others stay b's, copied
	// when the view's JSON is.
	nb.base, nb.redrawn, nb.blocksSize = b, make([][]byte, len(nb.blocks)), len(b.blocksJSON)
	nb.blocksJSON, nb.blockEnds = nil, nil
	var enc []byte // the changed blocks encoded, one after the other
	for i, blk := range nb.blocks {
		if changed[i] {
			if enc == nil {
				enc = make([]byte, 0, 2*len(b.blockJSON(i))*len(b.drawn)+64)
			}
			start := len(enc)
			enc = appendJSON(enc, blk) // a slice taken before it grew keeps its bytes
			nb.redrawn[i] = enc[start:len(enc):len(enc)]
			nb.blocksSize += len(enc) - start - len(b.blockJSON(i))
		}
	}
	if restate {
		nb.indexState()
	}
	return &nb
}

type viewState struct {
	id, teamID, typ, user, hash string
	body                        *viewBody
	closed                      bool
	rootID, previousID          string
	errors                      map[string]string
	version                     int
	initialWire                 rawJSON // wire with the initial state, built on first use
	// wireBefore and wireAfter are the wire cut around view.state.values,
	// built on first use.
	wireBefore, wireAfter rawJSON
}

// viewWire is what a view's wire form depends on, copied from a viewState
// under the server's lock so the JSON can be built without it.
type viewWire struct {
	id, teamID, typ, hash, rootID, previousID string
	body                                      *viewBody
}

func (v *viewState) snapshot() viewWire {
	return viewWire{id: v.id, teamID: v.teamID, typ: v.typ, hash: v.hash, rootID: v.rootID, previousID: v.previousID, body: v.body}
}

// appendTo appends the view as Slack returns it, with the given encoded
// view.state.values (nil for none), encoded as appendJSON encodes a map
// (keys sorted); values is at out[start:end].
func (w viewWire) appendTo(b []byte, values rawJSON) (out []byte, start, end int) {
	if values == nil {
		values = rawJSON("{}")
	}
	body := w.body
	modal := w.typ == "modal"
	str := func(key, val string) {
		b = append(b, key...)
		b = appendJSONString(b, val)
	}
	flag := func(key string, val bool) {
		b = append(b, key...)
		b = strconv.AppendBool(b, val)
	}
	raw := func(key string, val rawJSON) {
		b = append(b, key...)
		if len(val) == 0 { // as appendJSON encodes it
			b = append(b, "null"...)
		} else {
			b = append(b, val...)
		}
	}
	str(`{"app_id":`, AppID)
	str(`,"app_installed_team_id":`, TeamID)
	b = body.appendBlocksJSON(append(b, `,"blocks":`...))
	str(`,"bot_id":`, BotID)
	str(`,"callback_id":`, body.callbackID)
	flag(`,"clear_on_close":`, body.clearOnClose)
	if modal {
		raw(`,"close":`, body.close)
	}
	str(`,"external_id":`, body.externalID)
	str(`,"hash":`, w.hash)
	str(`,"id":`, w.id)
	flag(`,"notify_on_close":`, body.notifyOnClose)
	if w.previousID == "" {
		b = append(b, `,"previous_view_id":null`...)
	} else {
		str(`,"previous_view_id":`, w.previousID)
	}
	str(`,"private_metadata":`, body.privateMetadata)
	str(`,"root_view_id":`, w.rootID)
	b = append(b, `,"state":{"values":`...)
	start = len(b)
	b = append(b, values...)
	end = len(b)
	b = append(b, '}')
	if modal {
		raw(`,"submit":`, body.submit)
		flag(`,"submit_disabled":`, body.submitDisabled)
	}
	str(`,"team_id":`, w.teamID)
	if modal {
		raw(`,"title":`, body.title)
	}
	str(`,"type":`, w.typ)
	return append(b, '}'), start, end
}

// wireSize is a guess at the encoded length of the view with values.
func (w viewWire) wireSize(values rawJSON) int {
	b := w.body
	return b.blocksLen() + len(values) + len(b.title) + len(b.submit) + len(b.close) + len(b.privateMetadata) + len(b.callbackID) + len(b.externalID) + 512
}

// wireInitial returns the view as Slack returns it from views.* methods,
// with its initial state (cached until the view is replaced), and keeps
// it cut around the state for wireWith.
func (v *viewState) wireInitial() rawJSON {
	if v.initialWire == nil {
		w := v.snapshot()
		init := v.body.initialState
		out, start, end := w.appendTo(make(rawJSON, 0, w.wireSize(init)), init)
		v.initialWire = out
		v.wireBefore, v.wireAfter = out[:start:start], out[end:]
	}
	return v.initialWire
}

// appendInitial appends what wireInitial returns: the cached wire when
// there is one, else the wire built straight into b (not cached: building
// costs about what copying does).
func (v *viewState) appendInitial(b []byte) []byte {
	if v.initialWire != nil {
		return append(b, v.initialWire...)
	}
	out, _, _ := v.snapshot().appendTo(b, v.body.initialState)
	return out
}

// initialSize is a guess at the length of the view's wire.
func (v *viewState) initialSize() int {
	if v.initialWire != nil {
		return len(v.initialWire)
	}
	return v.snapshot().wireSize(v.body.initialState)
}

// initialView is a view's wire with its initial state (wireInitial), for
// a value appendJSON encodes: it is appended straight into the answer, so
// it must be encoded before the view can change (under the server's lock).
type initialView struct{ v *viewState }

func (w initialView) appendTo(b []byte) []byte { return w.v.appendInitial(b) }

func (w initialView) sizeHint() int { return w.v.initialSize() }

// MarshalJSON encodes the view as appendJSON does.
func (w initialView) MarshalJSON() ([]byte, error) { return w.appendTo(nil), nil }

// wireWith returns the view as Slack shows it, with the given encoded
// view.state.values.
func (v *viewState) wireWith(values rawJSON) rawJSON {
	before, after := v.wireAround()
	return append(append(append(make(rawJSON, 0, len(before)+len(values)+len(after)), before...), values...), after...)
}

// wireAround returns the view as Slack shows it cut where
// view.state.values go, built once until the view is replaced (the other
// fields change only then).
func (v *viewState) wireAround() (before, after rawJSON) {
	v.wireInitial()
	return v.wireBefore, v.wireAfter
}

// export returns the view as the View type shows it. Blocks and Raw are
// copies of the encoded JSON the server keeps (a copy costs far less than
// encoding), so a caller may change them.
func (v *viewState) export() View {
	b := v.body
	out := View{
		ID: v.id, Hash: v.hash, Type: v.typ, User: v.user, Closed: v.closed,
		CallbackID: b.callbackID, PrivateMetadata: b.privateMetadata, Title: b.titleText,
		ExternalID: b.externalID, RootViewID: v.rootID, PreviousViewID: v.previousID,
		NotifyOnClose: b.notifyOnClose, Version: v.version,
		Blocks: json.RawMessage(b.appendBlocksJSON(make([]byte, 0, b.blocksLen()))),
		Raw:    json.RawMessage(v.appendInitial(make([]byte, 0, v.initialSize()))),
	}
	if v.errors != nil {
		out.Errors = map[string]string{}
		for k, e := range v.errors {
			out.Errors[k] = e
		}
	}
	return out
}

// trigger is an issued trigger_id.
type trigger struct {
	id     string
	user   string
	viewID string // the modal the interaction came from, if any
	issued time.Time
	used   bool
}

func (s *Server) newTriggerLocked(user, viewID string) string {
	n := s.nextLocked()
	b := strconv.AppendInt(make([]byte, 0, 64), int64(1000000000+n), 10)
	b = strconv.AppendInt(append(b, '.'), int64(8000000000+n*7), 10)
	id := string(appendRandom(append(b, '.'), 32, hexDigits))
	s.triggers[id] = &trigger{id: id, user: user, viewID: viewID, issued: s.opts.Now()}
	return id
}

// checkTriggerLocked returns the trigger if it can be exchanged now.
func (s *Server) checkTriggerLocked(id string) (*trigger, *apiError) {
	if id == "" {
		return nil, errCode("invalid_arguments")
	}
	t, ok := s.triggers[id]
	if !ok {
		return nil, errCode("invalid_trigger_id")
	}
	if t.used {
		return nil, errCode("exchanged_trigger_id")
	}
	if s.opts.Now().Sub(t.issued) > TriggerTTL {
		return nil, errCode("expired_trigger_id")
	}
	return t, nil
}

func (s *Server) newViewIDLocked() string {
	return fmt.Sprintf("V%010d", s.nextLocked())
}

func (s *Server) newHashLocked() string {
	return fmt.Sprintf("%d.%s", s.opts.Now().Unix(), randomString(8, alnum))
}

// parseView validates a view parameter for the given surface and returns it
// normalised and indexed. It reads no server state but the cache of parsed
// views, so it runs without the server's lock.
func (s *Server) parseView(raw []byte, surface string, ptr string) (*viewBody, *apiError) {
	if b := s.parsed.get(surface, raw); b != nil {
		return b, nil
	}
	v, e := decodeView(raw, ptr)
	if e != nil {
		return nil, e
	}
	b, e := s.checkDecodedView(v, raw, surface, ptr)
	if e == nil {
		s.parsed.put(surface, raw, b)
	}
	return b, e
}

// viewCache holds views that validated, by surface and their JSON as sent:
// an app opens the same modal again and again, and a viewBody is never
// changed once built. A view whose blocks lacked ids is handed out with
// new ones each time (redraw): each copy Slack stores draws its own.
type viewCache struct {
	mu sync.Mutex
	m  map[string]map[string]*viewBody // surface → JSON → body
	n  int
	// objects are the cached views' JSON texts that are objects shallow
	// enough to be a member of a request body (see find).
	objects []cachedObject
}

// cachedObject is a cached view whose JSON text find may look for.
type cachedObject struct {
	surface, raw string
	body         *viewBody
}

// maxCachedViews bounds the cache; when full it starts again empty.
const maxCachedViews = 64

func (c *viewCache) get(surface string, raw []byte) *viewBody {
	c.mu.Lock()
	b := c.m[surface][string(raw)]
	c.mu.Unlock()
	if b != nil && b.drewIDs() {
		return b.redraw()
	}
	return b
}

func (c *viewCache) put(surface string, raw []byte, b *viewBody) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || c.n >= maxCachedViews {
		c.m, c.n = map[string]map[string]*viewBody{}, 0
	}
	if c.m[surface] == nil {
		c.m[surface] = map[string]*viewBody{}
	}
	if c.n == 0 {
		c.objects = nil
	}
	key := string(raw)
	if _, dup := c.m[surface][key]; !dup && shallowObject(key) {
		c.objects = append(c.objects, cachedObject{surface, key, b})
	}
	c.m[surface][key] = b
	c.n++
}

// shallowObject reports whether raw, a view that decoded, is one JSON
// object (no space around it) nested at most maxJSONDepth-1 deep, so that
// as a member of a request body it is at most maxJSONDepth deep.
func shallowObject(raw string) bool {
	return len(raw) >= 2 && raw[0] == '{' && raw[len(raw)-1] == '}' &&
		strings.Count(raw, "{")+strings.Count(raw, "[") < maxJSONDepth
}

// find returns the length of the cached view of surface whose JSON text
// starts rest, and its body; n is 0 when none does. A JSON value ends
// where its text says, so rest[:n] is that value whatever follows it.
func (c *viewCache) find(surface string, rest []byte) (n int, b *viewBody) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, o := range c.objects {
		if o.surface == surface && len(o.raw) <= len(rest) && rest[len(o.raw)-1] == '}' && string(rest[:len(o.raw)]) == o.raw {
			return len(o.raw), o.body
		}
	}
	return 0, nil
}

// decodeView decodes a view parameter (its JSON text).
func decodeView(raw []byte, ptr string) (map[string]any, *apiError) {
	if len(raw) == 0 {
		return nil, &apiError{code: "invalid_arguments", messages: []string{"[ERROR] missing required field: view"}}
	}
	v, err := decodeObject(raw)
	if err != nil {
		return nil, &apiError{code: "invalid_arguments", messages: []string{"[ERROR] view must be a JSON object: " + err.Error() + " [json-pointer:" + ptr + "]"}}
	}
	return v, nil
}

// checkDecodedView validates a decoded view (raw is its JSON) and returns
// it normalised and indexed.
func (s *Server) checkDecodedView(v map[string]any, raw []byte, surface string, ptr string) (*viewBody, *apiError) {
	t, ok := parseJSONTree(string(raw))
	if !ok || !t.rootValue().isObj() { // v came from encoding/json: read it as the fake encodes it
		if t, ok = parseJSONTree(string(encodeJSON(v))); !ok {
			return nil, &apiError{code: "invalid_arguments", messages: []string{"[ERROR] view must be a JSON object [json-pointer:" + ptr + "]"}}
		}
	}
	msgs := checkView(t.rootValue(), len(raw), surface, ptr)
	if s.schemas != nil {
		msgs = appendUnique(msgs, s.schemas.checkView(raw, surface, ptr)...)
	}
	if len(msgs) > 0 {
		return nil, &apiError{code: "invalid_arguments", messages: msgs}
	}
	var drawn []drawnID
	if b, ok := v["blocks"].([]any); ok {
		drawn = normalizeBlocks(b)
	}
	body := newViewBody(v, len(raw))
	body.drawn = drawn
	return body, nil
}

// prepareView parses the view parameter of views.open, views.push and
// views.publish before the server's lock is taken.
func prepareView(surface string) func(*Server, *apiRequest) {
	return func(s *Server, r *apiRequest) {
		raw := r.viewJSON()
		if b := r.found; b != nil && r.foundSurface == surface && sameBytes(raw, r.foundRaw) {
			if b.drewIDs() { // as parseView hands out a cached view
				b = b.redraw()
			}
			r.view = b
		} else {
			r.view, r.viewErr = s.parseView(raw, surface, "/view")
		}
		r.viewSurface, r.viewPrepared = surface, true
	}
}

// viewJSON returns the view parameter's JSON text: a JSON body's view
// object as sent, else the parameter's value.
func (r *apiRequest) viewJSON() []byte {
	if raw := r.rawValue("view"); raw != nil {
		return raw
	}
	return []byte(r.params["view"])
}

// prepareViewUpdate parses the view parameter of views.update for the
// surface its type names; viewFor checks it again in the rare case the
// stored view turns out to be of the other kind.
func prepareViewUpdate(s *Server, r *apiRequest) {
	raw := r.viewJSON()
	v, e := decodeView(raw, "/view")
	surface := surfaceModal
	if v != nil && v["type"] == surfaceHome {
		surface = surfaceHome
	}
	if e == nil {
		r.view, r.viewErr = s.checkDecodedView(v, raw, surface, "/view")
	} else {
		r.viewErr = e
	}
	r.viewSurface, r.viewPrepared = surface, true
}

// viewFor returns the request's view parsed for surface, using the parse
// done before the lock when it was for the same surface.
func (r *apiRequest) viewFor(s *Server, surface string) (*viewBody, *apiError) {
	if r.viewPrepared && r.viewSurface == surface {
		return r.view, r.viewErr
	}
	return s.parseView(r.viewJSON(), surface, "/view")
}

func (s *Server) externalIDTakenLocked(ext, except string) bool {
	if ext == "" {
		return false
	}
	for id, v := range s.views {
		if id != except && !v.closed && v.body.externalID == ext {
			return true
		}
	}
	return false
}

func (s *Server) storeViewLocked(body *viewBody, typ, user, rootID, previousID string) *viewState {
	v := &viewState{id: s.newViewIDLocked(), teamID: TeamID, typ: typ, user: user, hash: s.newHashLocked(), body: body, rootID: rootID, previousID: previousID}
	if v.rootID == "" {
		v.rootID = v.id
	}
	s.views[v.id] = v
	s.viewOrder = append(s.viewOrder, v.id)
	s.broadcastLocked()
	return v
}

func (s *Server) viewsOpen(r *apiRequest) (map[string]any, *apiError) {
	t, e := s.checkTriggerLocked(r.params["trigger_id"])
	if e != nil {
		return nil, e
	}
	body, e := r.viewFor(s, surfaceModal)
	if e != nil {
		return nil, e
	}
	if s.externalIDTakenLocked(body.externalID, "") {
		return nil, errCode("duplicate_external_id")
	}
	t.used = true
	// A new modal replaces whatever modal stack the user had open.
	s.closeStackLocked(t.user)
	v := s.storeViewLocked(body, "modal", t.user, "", "")
	s.stacks[t.user] = []string{v.id}
	return map[string]any{"view": initialView{v}}, nil
}

func (s *Server) viewsPush(r *apiRequest) (map[string]any, *apiError) {
	t, e := s.checkTriggerLocked(r.params["trigger_id"])
	if e != nil {
		return nil, e
	}
	body, e := r.viewFor(s, surfaceModal)
	if e != nil {
		return nil, e
	}
	if s.externalIDTakenLocked(body.externalID, "") {
		return nil, errCode("duplicate_external_id")
	}
	stack := s.stacks[t.user]
	if len(stack) >= MaxViewStack {
		return nil, errCode("push_limit_reached")
	}
	t.used = true
	root, prev := "", ""
	if len(stack) > 0 {
		prev = stack[len(stack)-1]
		root = stack[0]
	}
	v := s.storeViewLocked(body, "modal", t.user, root, prev)
	s.stacks[t.user] = append(stack, v.id)
	return map[string]any{"view": initialView{v}}, nil
}

func (s *Server) viewsUpdate(r *apiRequest) (map[string]any, *apiError) {
	var v *viewState
	if id := r.params["view_id"]; id != "" {
		v = s.views[id]
	} else if ext := r.params["external_id"]; ext != "" {
		for _, id := range s.viewOrder {
			if c := s.views[id]; !c.closed && c.body.externalID == ext {
				v = c
			}
		}
	} else {
		return nil, &apiError{code: "invalid_arguments", messages: []string{"[ERROR] either view_id or external_id is required"}}
	}
	if v == nil || v.closed {
		return nil, errCode("not_found")
	}
	if h := r.params["hash"]; h != "" && h != v.hash {
		return nil, errCode("hash_conflict")
	}
	surface := surfaceModal
	if v.typ == "home" {
		surface = surfaceHome
	}
	body, e := r.viewFor(s, surface)
	if e != nil {
		return nil, e
	}
	if s.externalIDTakenLocked(body.externalID, v.id) {
		return nil, errCode("duplicate_external_id")
	}
	s.replaceViewLocked(v, body)
	return map[string]any{"view": initialView{v}}, nil
}

func (s *Server) replaceViewLocked(v *viewState, body *viewBody) {
	v.body = body
	v.initialWire, v.wireBefore, v.wireAfter = nil, nil, nil
	v.hash = s.newHashLocked()
	v.version++
	v.errors = nil
	s.broadcastLocked()
}

func (s *Server) viewsPublish(r *apiRequest) (map[string]any, *apiError) {
	user := r.params["user_id"]
	if _, ok := s.users[user]; !ok {
		return nil, errCode("user_not_found")
	}
	body, e := r.viewFor(s, surfaceHome)
	if e != nil {
		return nil, e
	}
	if id, ok := s.homes[user]; ok {
		v := s.views[id]
		if h := r.params["hash"]; h != "" && h != v.hash {
			return nil, errCode("hash_conflict")
		}
		s.replaceViewLocked(v, body)
		return map[string]any{"view": initialView{v}}, nil
	}
	v := s.storeViewLocked(body, "home", user, "", "")
	s.homes[user] = v.id
	return map[string]any{"view": initialView{v}}, nil
}

// closeStackLocked closes every open modal of a user.
func (s *Server) closeStackLocked(user string) {
	for _, id := range s.stacks[user] {
		s.views[id].closed = true
	}
	delete(s.stacks, user)
	s.broadcastLocked()
}

// popViewLocked closes the top view of a user's stack if it is id.
func (s *Server) popViewLocked(user, id string) {
	stack := s.stacks[user]
	if len(stack) == 0 || stack[len(stack)-1] != id {
		return
	}
	s.views[id].closed = true
	if len(stack) == 1 {
		delete(s.stacks, user)
	} else {
		s.stacks[user] = stack[:len(stack)-1]
	}
	s.broadcastLocked()
}

// View returns a view by id; ok is false for an unknown id.
func (s *Server) View(id string) (View, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.views[id]
	if !ok {
		return View{}, false
	}
	return v.export(), true
}

// Views returns every view ever opened or published, in creation order.
func (s *Server) Views() []View {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]View, 0, len(s.viewOrder))
	for _, id := range s.viewOrder {
		out = append(out, s.views[id].export())
	}
	return out
}

// OpenViews returns a user's open modal stack, root first.
func (s *Server) OpenViews(user string) []View {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []View
	for _, id := range s.stacks[user] {
		out = append(out, s.views[id].export())
	}
	return out
}

// HomeView returns the Home tab view published for a user; ok is false
// when none was published.
func (s *Server) HomeView(user string) (View, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.homes[user]
	if !ok {
		return View{}, false
	}
	return s.views[id].export(), true
}

// WaitForView returns the first view (already stored or future, in
// creation order) that satisfies pred (nil accepts any); views are compared
// in their current state, so it also waits for updates. pred runs with the
// server's lock held and must not call Server methods. It returns the
// context's error (wrapped) on timeout and ErrClosed after Close.
func (s *Server) WaitForView(ctx context.Context, pred func(View) bool) (View, error) {
	var found View
	err := s.waitLocked(ctx, "view", func() bool {
		for _, id := range s.viewOrder {
			v := s.views[id].export()
			if pred == nil || pred(v) {
				found = v
				return true
			}
		}
		return false
	})
	return found, err
}
