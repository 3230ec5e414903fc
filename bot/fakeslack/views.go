package fakeslack

import (
	"context"
	"encoding/json"
	"fmt"
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

type viewState struct {
	id, teamID, typ, user, hash string
	body                        map[string]any // the view as sent, normalised
	closed                      bool
	rootID, previousID          string
	errors                      map[string]string
	version                     int
}

func (v *viewState) str(key string) string {
	s, _ := v.body[key].(string)
	return s
}

func (v *viewState) blocks() []any {
	b, _ := v.body["blocks"].([]any)
	return b
}

// wire renders the view as Slack returns it, with the given state values.
func (v *viewState) wire(values map[string]any) map[string]any {
	if values == nil {
		values = map[string]any{}
	}
	out := map[string]any{
		"id":                    v.id,
		"team_id":               v.teamID,
		"type":                  v.typ,
		"blocks":                v.blocks(),
		"private_metadata":      v.str("private_metadata"),
		"callback_id":           v.str("callback_id"),
		"external_id":           v.str("external_id"),
		"state":                 map[string]any{"values": values},
		"hash":                  v.hash,
		"clear_on_close":        v.body["clear_on_close"] == true,
		"notify_on_close":       v.body["notify_on_close"] == true,
		"root_view_id":          v.rootID,
		"previous_view_id":      nilIfEmpty(v.previousID),
		"app_id":                AppID,
		"app_installed_team_id": TeamID,
		"bot_id":                BotID,
	}
	if v.typ == "modal" {
		for _, k := range []string{"title", "submit", "close"} {
			if t, ok := v.body[k]; ok {
				out[k] = t
			} else {
				out[k] = nil
			}
		}
		out["submit_disabled"] = v.body["submit_disabled"] == true
	}
	return out
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (v *viewState) export() View {
	out := View{
		ID: v.id, Hash: v.hash, Type: v.typ, User: v.user, Closed: v.closed,
		CallbackID: v.str("callback_id"), PrivateMetadata: v.str("private_metadata"),
		ExternalID: v.str("external_id"), RootViewID: v.rootID, PreviousViewID: v.previousID,
		NotifyOnClose: v.body["notify_on_close"] == true, Version: v.version,
	}
	if t, ok := v.body["title"].(map[string]any); ok {
		out.Title, _ = t["text"].(string)
	}
	out.Blocks, _ = json.Marshal(v.blocks())
	out.Raw, _ = json.Marshal(v.wire(initialState(v.blocks())))
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
	id := fmt.Sprintf("%d.%d.%s", 1000000000+n, 8000000000+n*7, randomString(32, hexDigits))
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
// normalised.
func (s *Server) parseView(raw string, surface string, ptr string) (map[string]any, *apiError) {
	if raw == "" {
		return nil, &apiError{code: "invalid_arguments", messages: []string{"[ERROR] missing required field: view"}}
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(raw), &v); err != nil {
		return nil, &apiError{code: "invalid_arguments", messages: []string{"[ERROR] view must be a JSON object: " + err.Error() + " [json-pointer:" + ptr + "]"}}
	}
	msgs := checkView(v, len(raw), surface, ptr)
	if s.schemas != nil {
		msgs = appendUnique(msgs, s.schemas.checkView([]byte(raw), surface, ptr)...)
	}
	if len(msgs) > 0 {
		return nil, &apiError{code: "invalid_arguments", messages: msgs}
	}
	if b, ok := v["blocks"].([]any); ok {
		normalizeBlocks(b)
	}
	return v, nil
}

func (s *Server) externalIDTakenLocked(ext, except string) bool {
	if ext == "" {
		return false
	}
	for id, v := range s.views {
		if id != except && !v.closed && v.str("external_id") == ext {
			return true
		}
	}
	return false
}

func (s *Server) storeViewLocked(body map[string]any, typ, user, rootID, previousID string) *viewState {
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
	body, e := s.parseView(r.params["view"], surfaceModal, "/view")
	if e != nil {
		return nil, e
	}
	ext, _ := body["external_id"].(string)
	if s.externalIDTakenLocked(ext, "") {
		return nil, errCode("duplicate_external_id")
	}
	t.used = true
	// A new modal replaces whatever modal stack the user had open.
	s.closeStackLocked(t.user)
	v := s.storeViewLocked(body, "modal", t.user, "", "")
	s.stacks[t.user] = []string{v.id}
	return map[string]any{"view": v.wire(initialState(v.blocks()))}, nil
}

func (s *Server) viewsPush(r *apiRequest) (map[string]any, *apiError) {
	t, e := s.checkTriggerLocked(r.params["trigger_id"])
	if e != nil {
		return nil, e
	}
	body, e := s.parseView(r.params["view"], surfaceModal, "/view")
	if e != nil {
		return nil, e
	}
	ext, _ := body["external_id"].(string)
	if s.externalIDTakenLocked(ext, "") {
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
	return map[string]any{"view": v.wire(initialState(v.blocks()))}, nil
}

func (s *Server) viewsUpdate(r *apiRequest) (map[string]any, *apiError) {
	var v *viewState
	if id := r.params["view_id"]; id != "" {
		v = s.views[id]
	} else if ext := r.params["external_id"]; ext != "" {
		for _, id := range s.viewOrder {
			if c := s.views[id]; !c.closed && c.str("external_id") == ext {
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
	body, e := s.parseView(r.params["view"], surface, "/view")
	if e != nil {
		return nil, e
	}
	ext, _ := body["external_id"].(string)
	if s.externalIDTakenLocked(ext, v.id) {
		return nil, errCode("duplicate_external_id")
	}
	s.replaceViewLocked(v, body)
	return map[string]any{"view": v.wire(initialState(v.blocks()))}, nil
}

func (s *Server) replaceViewLocked(v *viewState, body map[string]any) {
	v.body = body
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
	body, e := s.parseView(r.params["view"], surfaceHome, "/view")
	if e != nil {
		return nil, e
	}
	if id, ok := s.homes[user]; ok {
		v := s.views[id]
		if h := r.params["hash"]; h != "" && h != v.hash {
			return nil, errCode("hash_conflict")
		}
		s.replaceViewLocked(v, body)
		return map[string]any{"view": v.wire(initialState(v.blocks()))}, nil
	}
	v := s.storeViewLocked(body, "home", user, "", "")
	s.homes[user] = v.id
	return map[string]any{"view": v.wire(initialState(v.blocks()))}, nil
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
