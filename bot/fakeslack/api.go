package fakeslack

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
	"unsafe"
)

// Fault is an injected failure for the next call(s) of a method.
type Fault struct {
	// Status is the HTTP status to answer (e.g. 429, 500, 503). 429 sends
	// Retry-After and {"ok":false,"error":"ratelimited"}; other non-200
	// statuses send an HTML body, like Slack.
	Status int
	// RetryAfter is the Retry-After value in seconds for a 429 (default 1).
	RetryAfter int
	// Error makes the call answer HTTP 200 {"ok":false,"error":Error}.
	Error string
	// Delay holds the answer back; on its own the call then runs normally.
	Delay time.Duration
	// LoseAnswer runs the call (its effects happen and it is recorded),
	// then closes the connection without answering, as when an answer is
	// lost on its way back: the app can't tell whether the call worked.
	LoseAnswer bool
	// DropSockets closes every socket without a frame when the call arrives.
	DropSockets bool
	// Times is how many consecutive calls the fault applies to (0 means 1,
	// a negative value means every call until ClearFaults).
	Times int
}

// Inject queues a fault for method ("*" for every method; "response_url"
// for response URL posts). Faults of a method apply in the order injected.
func (s *Server) Inject(method string, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f.Times == 0 {
		f.Times = 1
	}
	s.faults[method] = append(s.faults[method], &f)
	s.faultsQueued.Add(1)
}

// ClearFaults removes every queued fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = map[string][]*Fault{}
	s.faultsQueued.Store(0)
}

// takeFaultLocked pops the next fault for method, if any.
func (s *Server) takeFaultLocked(method string) *Fault {
	for _, key := range []string{method, "*"} {
		q := s.faults[key]
		if len(q) == 0 {
			continue
		}
		f := *q[0]
		if q[0].Times > 0 {
			q[0].Times--
			if q[0].Times == 0 {
				s.faults[key] = q[1:]
				s.faultsQueued.Add(-1)
			}
		}
		return &f
	}
	return nil
}

// apiRequest is a parsed Web API request.
type apiRequest struct {
	method string
	params map[string]string
	body   []byte
	token  string
	isJSON bool

	// Set by a method's prepare step, before the server's lock is taken.
	view         *viewBody // the view parameter, parsed for viewSurface
	viewErr      *apiError
	viewSurface  string
	viewPrepared bool
	content      *messageContent // text and blocks of chat.* methods
	// members are the top-level fields of a JSON body (nil for a form).
	members []jsonMember
	// tree is the JSON body parsed, for the methods that read blocks
	// (nil for others, and when the body was left to scanMembers);
	// treeVals[i] is the node of members[i]'s value.
	tree     *jsonTree
	treeVals []int32
	// nodes, when not nil, holds the nodes of tree once release put it
	// back in nodePool.
	nodes *[]jnode
	// found is the cached view whose JSON text is foundRaw, the value of
	// a view member, parsed for foundSurface (see viewCache.find).
	found        *viewBody
	foundRaw     []byte
	foundSurface string
}

// sameBytes reports whether a and b are the same bytes in memory.
func sameBytes(a, b []byte) bool {
	return len(a) == len(b) && unsafe.SliceData(a) == unsafe.SliceData(b)
}

// viewSurfaces maps the methods that take a view parsed for one surface,
// and look for it in the server's cache, to that surface.
var viewSurfaces = map[string]string{"views.open": surfaceModal, "views.push": surfaceModal, "views.publish": surfaceHome}

// knownView returns the knownValue of a request's body that finds a view
// member among the server's cached views and notes the view in r, or nil
// when the method takes none.
func (s *Server) knownView(r *apiRequest) knownValue {
	surface, ok := viewSurfaces[r.method]
	if !ok {
		return nil
	}
	return func(key string, rest []byte) int {
		if key != "view" || len(rest) == 0 || rest[0] != '{' {
			return 0
		}
		n, b := s.parsed.find(surface, rest)
		if n > 0 {
			r.found, r.foundRaw, r.foundSurface = b, rest[:n:n], surface
		}
		return n
	}
}

// blocksTree returns the blocks of a JSON body whose last blocks field is
// an array, as read into the body's tree, and its JSON text; ok is false
// for any other request.
func (r *apiRequest) blocksTree() (v jv, raw []byte, ok bool) {
	if r.tree == nil {
		return jv{}, nil, false
	}
	for i := len(r.members) - 1; i >= 0; i-- {
		if r.members[i].key == "blocks" {
			v = jv{r.tree, r.treeVals[i]}
			if _, isArr := v.arr(); !isArr {
				return jv{}, nil, false
			}
			return v, r.members[i].raw, true
		}
	}
	return jv{}, nil, false
}

// treeMembers reads a JSON object body's members as scanMembers does, from
// a jsonTree of it kept for blocksTree, so the blocks are read once. ok is
// false for a body parseJSONTree refuses.
func (r *apiRequest) treeMembers(body []byte) (members []jsonMember, ok bool) {
	src := string(body)
	nodes := nodePool.Get().(*[]jnode)
	t, spans, ok := parseJSONObjectInto(src, *nodes)
	if !ok {
		nodePool.Put(nodes)
		return nil, false
	}
	r.nodes = nodes
	root := t.rootValue().node()
	members = make([]jsonMember, 0, root.b)
	vals := make([]int32, 0, root.b)
	for i := range root.b {
		k := root.a + 2*i
		sp := spans[i]
		m := jsonMember{key: t.strOf(&t.nodes[k]), raw: body[sp.start:sp.end:sp.end], text: src[sp.start:sp.end]}
		if vn := &t.nodes[k+1]; vn.kind == jStr || vn.kind == jStrDec {
			m.str, m.isStr = t.strOf(vn), true
		}
		members = append(members, m)
		vals = append(vals, k+1)
	}
	r.tree, r.treeVals = t, vals
	return members, true
}

// nodePool holds the node arrays of request bodies' trees: a tree lives
// no longer than its request (the strings it yields are the body's or
// its own decoded ones, never the nodes), and its nodes are the largest
// part of it.
var nodePool = sync.Pool{New: func() any { return new([]jnode) }}

// maxPooledNodes bounds the node arrays nodePool keeps.
const maxPooledNodes = 1 << 14

// release hands the request's tree's nodes back to nodePool; the tree is
// gone after it.
func (r *apiRequest) release() {
	if r == nil || r.nodes == nil {
		return
	}
	if r.tree != nil && cap(r.tree.nodes) <= maxPooledNodes {
		*r.nodes = r.tree.nodes[:0]
		nodePool.Put(r.nodes)
	}
	r.tree, r.treeVals, r.nodes = nil, nil, nil
}

// readsBlocks reports whether a method reads blocks, which treeMembers
// then reads with the rest of a JSON body.
func readsBlocks(method string) bool {
	switch method {
	case "chat.postMessage", "chat.update", "chat.postEphemeral":
		return true
	}
	return false
}

// rawValue returns the JSON text of a JSON body's top-level field whose
// value is an object or an array (the one params holds when the key
// repeats), or nil when there is none.
func (r *apiRequest) rawValue(key string) []byte {
	for i := len(r.members) - 1; i >= 0; i-- {
		if m := r.members[i]; m.key == key {
			if len(m.raw) > 0 && (m.raw[0] == '{' || m.raw[0] == '[') {
				return m.raw
			}
			return nil
		}
	}
	return nil
}

// apiError is a Slack error answer.
type apiError struct {
	code     string
	messages []string
}

func errCode(code string) *apiError { return &apiError{code: code} }

type tokenKind int

const (
	botToken tokenKind = iota
	appToken
)

type methodFunc func(s *Server, r *apiRequest) (map[string]any, *apiError)

type methodSpec struct {
	token tokenKind
	// prepare, when set, does the work that reads no server state (decoding
	// and validating views and blocks) before fn runs under the lock; fn
	// still reports its errors in the order Slack checks them.
	prepare func(s *Server, r *apiRequest)
	fn      methodFunc
}

// methodTable is the Web API the fake implements.
var methodTable = map[string]methodSpec{
	"auth.test":             {botToken, nil, (*Server).authTest},
	"apps.connections.open": {appToken, nil, (*Server).connectionsOpen},
	"views.open":            {botToken, prepareView(surfaceModal), (*Server).viewsOpen},
	"views.push":            {botToken, prepareView(surfaceModal), (*Server).viewsPush},
	"views.update":          {botToken, prepareViewUpdate, (*Server).viewsUpdate},
	"views.publish":         {botToken, prepareView(surfaceHome), (*Server).viewsPublish},
	"chat.postMessage":      {botToken, prepareContent, (*Server).chatPostMessage},
	"chat.update":           {botToken, prepareContent, (*Server).chatUpdate},
	"chat.postEphemeral":    {botToken, prepareContent, (*Server).chatPostEphemeral},
	"chat.getPermalink":     {botToken, nil, (*Server).chatGetPermalink},
	"reactions.add":         {botToken, nil, (*Server).reactionsAdd},
	"reactions.remove":      {botToken, nil, (*Server).reactionsRemove},
	"users.info":            {botToken, nil, (*Server).usersInfo},
	"conversations.info":    {botToken, nil, (*Server).conversationsInfo},
	"conversations.history": {botToken, nil, (*Server).conversationsHistory},
}

// Methods returns the Web API methods the fake implements, sorted.
func Methods() []string {
	m := methodTable
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

const maxBody = 4 << 20

func (s *Server) handleAPI(w http.ResponseWriter, r *http.Request) {
	if !s.enter() {
		http.Error(w, "server closed", http.StatusServiceUnavailable)
		return
	}
	defer s.wg.Done()
	start, noticed := requestArrival(r), time.Now()
	method := strings.TrimPrefix(r.URL.Path, "/api/")
	req, perr := s.parseAPIRequest(r, method)
	defer req.release()
	call := Call{Method: method, At: start, Noticed: noticed}
	if req != nil {
		call.Params = req.params
		call.Body = req.body
	}
	if perr != nil {
		s.finishCall(w, call, http.StatusOK, apiAnswer(nil, perr), false)
		return
	}

	spec, known := methodTable[method]
	if !known {
		s.mu.Lock()
		s.unknown = append(s.unknown, method)
		s.problemLocked("the app called unknown Web API method %q", method)
		s.mu.Unlock()
		s.finishCall(w, call, http.StatusOK, apiAnswer(nil, errCode("unknown_method")), false)
		return
	}

	fault, answered := s.applyFault(w, r, call, method)
	if answered {
		return
	}

	if e := s.checkToken(req.token, spec.token); e != nil {
		s.finishCall(w, call, http.StatusOK, apiAnswer(nil, e), false)
		return
	}
	if spec.prepare != nil {
		spec.prepare(s, req)
	}

	s.mu.Lock()
	resp, aerr := spec.fn(s, req)
	body := apiAnswer(resp, aerr)
	call.Duration = time.Since(start)
	call.Status = http.StatusOK
	call.Response = body
	call.OK = aerr == nil
	if aerr != nil {
		call.Error = aerr.code
		call.Messages = aerr.messages
	}
	call = s.recordCallLocked(call)
	if isValidationError(call.Error) {
		s.problemLocked("%s rejected as %s: %s", method, call.Error, strings.Join(call.Messages, "; "))
	}
	s.mu.Unlock()
	if s.logging() {
		s.logf("fakeslack: %s -> %s", method, summarizeAnswer(call))
	}
	if fault != nil && fault.LoseAnswer {
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
	}
	writeJSON(w, http.StatusOK, body)
}

func summarizeAnswer(c Call) string {
	if c.OK {
		return "ok"
	}
	return c.Error
}

// finishCall records a call answered without running the method.
func (s *Server) finishCall(w http.ResponseWriter, call Call, status int, body []byte, fault bool) {
	call.Status = status
	call.Response = body
	call.Duration = time.Since(call.At)
	var a struct {
		OK    bool   `json:"ok"`
		Error string `json:"error"`
	}
	_ = json.Unmarshal(body, &a)
	call.OK, call.Error, call.Fault = a.OK, a.Error, fault
	s.mu.Lock()
	s.recordCallLocked(call)
	s.mu.Unlock()
	s.logf("fakeslack: %s -> %s", call.Method, summarizeAnswer(call))
	writeJSON(w, status, body)
}

// applyFault takes the next fault injected for method, if any, and plays
// it: dropped sockets, a delay, an HTTP status or an ok:false answer. It
// returns the fault (nil if none) and whether the request is answered (or
// abandoned) already; a fault that only delays, drops sockets or loses the
// answer lets the call run.
func (s *Server) applyFault(w http.ResponseWriter, r *http.Request, call Call, method string) (*Fault, bool) {
	if s.faultsQueued.Load() == 0 { // the usual case: no lock to take
		return nil, false
	}
	s.mu.Lock()
	fault := s.takeFaultLocked(method)
	s.mu.Unlock()
	if fault == nil {
		return nil, false
	}
	if fault.DropSockets {
		s.DropSockets()
	}
	if fault.Delay > 0 {
		t := time.NewTimer(fault.Delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return fault, true
		case <-s.ctx.Done():
			t.Stop()
			return fault, true
		}
	}
	if fault.Status != 0 && fault.Status != http.StatusOK {
		s.writeStatusFault(w, call, fault)
		return fault, true
	}
	if fault.Error != "" {
		s.finishCall(w, call, http.StatusOK, apiAnswer(nil, errCode(fault.Error)), true)
		return fault, true
	}
	return fault, false
}

func (s *Server) writeStatusFault(w http.ResponseWriter, call Call, f *Fault) {
	var body []byte
	if f.Status == http.StatusTooManyRequests {
		ra := f.RetryAfter
		if ra <= 0 {
			ra = 1
		}
		w.Header().Set("Retry-After", strconv.Itoa(ra))
		body = []byte(`{"ok":false,"error":"ratelimited"}`)
		call.Error = "ratelimited"
	} else {
		body = []byte("<html><body><h1>" + http.StatusText(f.Status) + "</h1></body></html>")
		call.Error = fmt.Sprintf("http_%d", f.Status)
	}
	call.Status = f.Status
	call.Response = body
	call.Fault = true
	call.Duration = time.Since(call.At)
	s.mu.Lock()
	s.recordCallLocked(call)
	s.mu.Unlock()
	if f.Status == http.StatusTooManyRequests {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
	} else {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
	}
	w.WriteHeader(f.Status)
	_, _ = w.Write(body)
}

// jsonContentType is the Content-Type header of JSON answers, shared by
// them all: net/http only reads it.
var jsonContentType = []string{"application/json; charset=utf-8"}

func writeJSON(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h["Content-Type"] = jsonContentType
	h["Content-Length"] = []string{strconv.Itoa(len(body))} // as Slack does; no chunking
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// apiAnswer renders a Slack answer: {"ok":true,...} or {"ok":false,"error":...}.
func apiAnswer(resp map[string]any, e *apiError) []byte {
	if e != nil {
		out := map[string]any{"ok": false, "error": e.code}
		if len(e.messages) > 0 {
			out["response_metadata"] = map[string]any{"messages": e.messages}
		}
		return encodeJSONSize(out, sizeHint(out))
	}
	return appendObject(make([]byte, 0, sizeHint(resp)+12), resp, "ok", true)
}

// dropFormField returns a form body (one url.ParseQuery accepted) without
// the fields named name, the others kept as the app sent them.
func dropFormField(body []byte, name string) []byte {
	out := make([]byte, 0, len(body))
	for part := range bytes.SplitSeq(body, []byte("&")) {
		key, _, _ := bytes.Cut(part, []byte("="))
		if k, err := url.QueryUnescape(string(key)); err == nil && k == name {
			continue
		}
		if len(out) > 0 {
			out = append(out, '&')
		}
		out = append(out, part...)
	}
	return out
}

// readBody reads a request body of at most maxBody bytes, in one buffer
// when the length is known.
func readBody(r *http.Request) ([]byte, error) {
	body := io.LimitReader(r.Body, maxBody)
	if n := r.ContentLength; n > 0 && n <= maxBody {
		buf := make([]byte, n)
		if _, err := io.ReadFull(body, buf); err != nil {
			return nil, fmt.Errorf("read body: %w", err)
		}
		return buf, nil
	}
	return io.ReadAll(body)
}

// paramValue is a top-level field of a JSON body as Call.Params holds it:
// a string unquoted, any other value as its JSON text. raw was validated by
// the decoder it came from.
func paramValue(raw json.RawMessage) string {
	if len(raw) >= 2 && raw[0] == '"' {
		if inner := raw[1 : len(raw)-1]; bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner) {
			return string(inner) // nothing to unescape
		}
		var str string
		if json.Unmarshal(raw, &str) == nil {
			return str
		}
	}
	return string(raw)
}

func (s *Server) checkToken(token string, want tokenKind) *apiError {
	switch {
	case token == "":
		return errCode("not_authed")
	case token == s.appToken && want == appToken, token == s.botToken && want == botToken:
		return nil
	case token == s.appToken || token == s.botToken:
		return errCode("not_allowed_token_type")
	default:
		return errCode("invalid_auth")
	}
}

// isJSONType reports whether a Content-Type header names JSON, as
// mime.ParseMediaType reads it (which the usual two values skip).
func isJSONType(header string) bool {
	switch header {
	case "application/json", "application/json; charset=utf-8":
		return true
	case "application/x-www-form-urlencoded", "application/x-www-form-urlencoded; charset=utf-8":
		return false
	}
	ctype, _, _ := mime.ParseMediaType(header)
	return ctype == "application/json"
}

// maxFastFormFields bounds the fields parseForm reads; url.ParseQuery
// reads more, up to its own limit.
const maxFastFormFields = 1000

// parseForm reads a form body into params as url.ParseQuery would read it
// and parseAPIRequest keep it (the first value of each field), without
// the map of slices. It returns false, leaving params empty, for what it
// leaves to url.ParseQuery: bodies with a semicolon or a malformed
// escape, or more than maxFastFormFields fields.
func parseForm(body []byte, params map[string]string) bool {
	if !readForm(body, params) {
		clear(params)
		return false
	}
	return true
}

func readForm(body []byte, params map[string]string) bool {
	if bytes.IndexByte(body, ';') >= 0 || bytes.Count(body, []byte("&")) >= maxFastFormFields {
		return false
	}
	text := string(body)
	for text != "" {
		var part string
		part, text, _ = strings.Cut(text, "&")
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		key, ok := queryUnescape(k)
		if !ok {
			return false
		}
		value, ok := queryUnescape(v)
		if !ok {
			return false
		}
		if _, seen := params[key]; !seen {
			params[key] = value
		}
	}
	return true
}

// queryUnescape is url.QueryUnescape, copying runs of plain bytes at
// once; ok is false where url.QueryUnescape fails.
func queryUnescape(s string) (string, bool) {
	i := 0
	for i < len(s) && s[i] != '%' && s[i] != '+' {
		i++
	}
	if i == len(s) {
		return s, true
	}
	buf := make([]byte, 0, len(s))
	for {
		buf = append(buf, s[:i]...)
		if i == len(s) {
			break
		}
		if s[i] == '+' {
			buf = append(buf, ' ')
			s = s[i+1:]
		} else {
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return "", false
			}
			buf = append(buf, unhex(s[i+1])<<4|unhex(s[i+2]))
			s = s[i+3:]
		}
		i = 0
		for i < len(s) && s[i] != '%' && s[i] != '+' {
			i++
		}
	}
	return unsafe.String(unsafe.SliceData(buf), len(buf)), true // buf is not written again
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

// parseAPIRequest reads the token and parameters of a Web API request. The
// returned request is never nil when the error is set, so the call can
// still be recorded.
func parseAPIRequest(r *http.Request, method string) (*apiRequest, *apiError) {
	return parseRequest(r, &apiRequest{method: method, params: make(map[string]string, 8)}, nil)
}

// parseAPIRequest is parseAPIRequest that takes a view member the server
// has cached as it is (see knownView).
func (s *Server) parseAPIRequest(r *http.Request, method string) (*apiRequest, *apiError) {
	req := &apiRequest{method: method, params: make(map[string]string, 8)}
	return parseRequest(r, req, s.knownView(req))
}

// parseRequest is parseAPIRequest into req, with known (when not nil)
// vouching for the values it knows.
func parseRequest(r *http.Request, req *apiRequest, known knownValue) (*apiRequest, *apiError) {
	body, err := readBody(r)
	if err != nil {
		return req, errCode("request_timeout")
	}
	if auth := r.Header.Get("Authorization"); strings.HasPrefix(auth, "Bearer ") {
		req.token = strings.TrimSpace(strings.TrimPrefix(auth, "Bearer "))
	}
	if r.URL.RawQuery != "" {
		for k, v := range r.URL.Query() {
			if len(v) > 0 {
				req.params[k] = v[0]
			}
		}
	}
	switch {
	case isJSONType(r.Header.Get("Content-Type")):
		req.isJSON = true
		if len(bytes.TrimSpace(body)) == 0 {
			break
		}
		var members []jsonMember
		ok := false
		if readsBlocks(req.method) {
			members, ok = req.treeMembers(body)
		}
		if !ok {
			members, ok = scanMembersKnown(body, known)
		}
		if !ok { // invalid, or beyond the fast scanner: encoding/json's answer
			var raw map[string]json.RawMessage
			if err := json.Unmarshal(body, &raw); err != nil {
				req.body = body
				return req, &apiError{code: "invalid_json", messages: []string{"[ERROR] " + err.Error()}}
			}
			members = make([]jsonMember, 0, len(raw))
			for k, v := range raw {
				members = append(members, jsonMember{key: k, raw: v})
			}
		}
		hasToken := false
		for _, m := range members {
			switch {
			case m.isStr:
				req.params[m.key] = m.str
			case m.text != "":
				req.params[m.key] = m.text
			default:
				req.params[m.key] = paramValue(m.raw)
			}
			hasToken = hasToken || m.key == "token"
		}
		req.members = members
		if hasToken {
			rest := make(map[string]json.RawMessage, len(members))
			for _, m := range members {
				if m.key != "token" {
					rest[m.key] = m.raw
				}
			}
			body, _ = json.Marshal(rest)
		}
	case r.URL.RawQuery == "" && parseForm(body, req.params):
		if _, ok := req.params["token"]; ok {
			body = dropFormField(body, "token")
		}
	default:
		vals, err := url.ParseQuery(string(body))
		if err != nil {
			req.body = body
			return req, errCode("invalid_form_data")
		}
		for k, v := range vals {
			if len(v) > 0 {
				req.params[k] = v[0]
			}
		}
		if vals.Has("token") {
			body = dropFormField(body, "token")
		}
	}
	req.body = body
	if req.token == "" {
		req.token = req.params["token"]
	}
	delete(req.params, "token")
	return req, nil
}
