package fakeslack

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// EntryKind says what a transcript entry records.
type EntryKind string

// Transcript entry kinds.
const (
	KindCall       EntryKind = "call"       // a Web API or response_url call
	KindEnvelope   EntryKind = "envelope"   // an envelope sent over a socket
	KindAck        EntryKind = "ack"        // an ack received from the app
	KindTimeout    EntryKind = "timeout"    // an envelope not acked within the deadline
	KindConnect    EntryKind = "connect"    // a socket opened (hello sent)
	KindClose      EntryKind = "close"      // a socket closed
	KindDisconnect EntryKind = "disconnect" // a disconnect frame sent
	KindRefused    EntryKind = "refused"    // a websocket dial refused (bad ticket, too many)
	KindProblem    EntryKind = "problem"    // a protocol problem (stray or malformed frame)
	KindUser       EntryKind = "user"       // a user action without an envelope
)

// Entry is one line of the transcript.
type Entry struct {
	Seq        int
	At         time.Time
	Kind       EntryKind
	Method     string // calls: the method ("response_url" for response URLs)
	EnvelopeID string // envelopes, acks, timeouts
	Text       string // one-line summary
	Data       json.RawMessage
}

// Call is one Web API (or response_url) call the app made.
type Call struct {
	Seq    int
	Method string // e.g. "chat.postMessage"; "response_url" for response URL posts
	// Params holds the form fields, or the top-level fields of a JSON body:
	// JSON strings unquoted, other JSON values as their raw JSON text. The
	// token is never included.
	Params   map[string]string
	Body     []byte // request body with any token field removed
	Status   int    // HTTP status answered
	Response []byte // response body
	OK       bool   // the answer was {"ok":true}
	Error    string // Slack error code when not OK (or "http_<status>")
	// Messages are Slack's response_metadata.messages for invalid_blocks /
	// invalid_arguments answers.
	Messages []string
	Fault    bool // the answer came from an injected Fault
	// At is when the request arrived (the kernel's receive time where it
	// is known); Noticed is when the fake's handler started on it, which
	// on a busy machine can be milliseconds later. Duration runs from At
	// to the answer.
	At, Noticed time.Time
	Duration    time.Duration
}

// Param returns a parameter (form field or top-level JSON field).
func (c Call) Param(name string) string { return c.Params[name] }

// AnswerField returns a top-level field of the call's answer, as Params
// holds parameters: a JSON string unquoted, any other value as its JSON
// text. It returns "" when the field is absent or the answer is not a
// JSON object. It reads the answer's top level only, so it costs far
// less than decoding the message or view the answer echoes.
func (c Call) AnswerField(name string) string {
	members, ok := scanMembers(c.Response)
	if !ok {
		return ""
	}
	for i := len(members) - 1; i >= 0; i-- { // the last of a repeated key wins
		if m := members[i]; m.key == name {
			if m.isStr {
				return m.str
			}
			return string(m.raw)
		}
	}
	return ""
}

// Ack is an acknowledgement received from the app.
type Ack struct {
	EnvelopeID string
	Type       string          // the envelope's type
	Payload    json.RawMessage // nil when the ack carried no payload
	// At is when the ack arrived (the kernel's receive time where it is
	// known), Noticed when the fake read it.
	At, Noticed time.Time
	Latency     time.Duration // from the envelope's write to At
	Late        bool          // later than Options.AckDeadline: Slack ignores it
}

// ResponseAction returns the payload's response_action ("errors", "update",
// "push", "clear"), or "".
func (a Ack) ResponseAction() string {
	var p struct {
		ResponseAction string `json:"response_action"`
	}
	_ = json.Unmarshal(a.Payload, &p)
	return p.ResponseAction
}

// Errors returns the payload's errors map (response_action "errors"),
// keyed by block_id, or nil.
func (a Ack) Errors() map[string]string {
	var p struct {
		Errors map[string]string `json:"errors"`
	}
	_ = json.Unmarshal(a.Payload, &p)
	return p.Errors
}

// entry is a transcript entry as the server keeps it. The text of a call,
// envelope or ack is rendered only when someone reads the transcript (and
// then kept): most are never read, and their formatting cost the fake
// more than anything else it records.
type entry struct {
	Entry
	call int       // a call entry still to render: 1 + its index in s.calls
	ack  int       // an ack entry still to render: 1 + its index in s.acks
	d    *Delivery // the delivery of an envelope or ack entry still to render
	conn int       // an ack entry: the socket the ack came on
}

// pending reports whether e's text is still to render.
func (e *entry) pending() bool { return e.call > 0 || e.ack > 0 || e.d != nil }

// renderLocked sets e's text, if it is still to render, from what it
// recorded.
func (s *Server) renderLocked(e *entry) {
	switch {
	case e.call > 0:
		e.Text = callText(s.calls[e.call-1])
	case e.ack > 0:
		e.Text = ackText(e.conn, s.acks[e.ack-1], e.d)
	case e.d != nil:
		e.Text = envelopeText(e.d)
	default:
		return
	}
	e.call, e.ack, e.d = 0, 0, nil
}

// callText is a call's transcript line: method, outcome, parameters and
// Slack's messages, one per line.
func callText(c Call) string {
	var b strings.Builder
	b.WriteString(c.Method)
	if c.OK {
		b.WriteString(" ok")
	} else {
		b.WriteString(" error=")
		b.WriteString(c.Error)
	}
	if c.Fault {
		b.WriteString(" (injected)")
	}
	writeParams(&b, c.Params)
	for _, m := range c.Messages {
		b.WriteString("\n      ")
		b.WriteString(m)
	}
	return b.String()
}

// envelopeText is the transcript line of an envelope sent.
func envelopeText(d *Delivery) string {
	text := fmt.Sprintf("socket %d ← %s %s", d.Conn, d.Type, d.summary())
	if d.RetryAttempt > 0 {
		text += fmt.Sprintf(" (retry_attempt %d)", d.RetryAttempt)
	}
	return text + " envelope_id=" + d.EnvelopeID
}

// ackText is the transcript line of an ack of d that came on socket conn.
func ackText(conn int, a Ack, d *Delivery) string {
	text := fmt.Sprintf("socket %d → ack %s (%s %s) after %v", conn, a.EnvelopeID, d.Type, d.PayloadType, a.Latency.Round(time.Microsecond))
	if a.Late {
		text += " LATE"
	}
	return text
}

func (s *Server) entryLocked(e Entry) int {
	return s.addEntryLocked(entry{Entry: e})
}

// addEntryLocked appends e to the transcript and returns its Seq.
func (s *Server) addEntryLocked(e entry) int {
	e.Seq = len(s.entries) + 1
	if e.At.IsZero() {
		e.At = time.Now()
	}
	s.entries = append(s.entries, e)
	s.broadcastLocked()
	return e.Seq
}

// Mark returns the sequence number of the latest transcript entry, for
// WaitForCallAfter.
func (s *Server) Mark() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.entries)
}

// Transcript returns every entry so far, in order.
func (s *Server) Transcript() []Entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Entry, len(s.entries))
	for i := range s.entries {
		e := &s.entries[i]
		if e.pending() {
			s.renderLocked(e)
		}
		out[i] = e.Entry
	}
	return out
}

// WriteTranscript prints the transcript, one entry per line followed by its
// JSON data, for debugging a failing test. It returns the writer's error.
func (s *Server) WriteTranscript(w io.Writer) error {
	entries := s.Transcript()
	var b strings.Builder
	var start time.Time
	if len(entries) > 0 {
		start = entries[0].At
	}
	for _, e := range entries {
		fmt.Fprintf(&b, "#%d +%.3fs %-10s %s\n", e.Seq, e.At.Sub(start).Seconds(), e.Kind, e.Text)
		if len(e.Data) > 0 {
			d := e.Data
			if len(d) > 2000 {
				d = append(append(json.RawMessage{}, d[:2000]...), "…"...)
			}
			fmt.Fprintf(&b, "    %s\n", d)
		}
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write transcript: %w", err)
	}
	return nil
}

// String returns the transcript as WriteTranscript prints it.
func (s *Server) String() string {
	var b strings.Builder
	_ = s.WriteTranscript(&b)
	return b.String()
}

// writeParams writes a call's parameters for its transcript line: sorted,
// each value cut at 60 bytes and quoted.
func writeParams(b *strings.Builder, params map[string]string) {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := params[k]
		if len(v) > 60 {
			v = v[:60] + "…"
		}
		b.WriteByte(' ')
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(strconv.Quote(v))
	}
}

// recordCallLocked records a call; its transcript line is rendered when
// the transcript is read.
func (s *Server) recordCallLocked(c Call) Call {
	c.Seq = len(s.entries) + 1
	s.calls = append(s.calls, c)
	s.addEntryLocked(entry{Entry: Entry{At: c.At, Kind: KindCall, Method: c.Method, Data: c.Response}, call: len(s.calls)})
	s.matchWaitersLocked(c)
	if isValidationError(c.Error) && !c.Fault {
		s.invalid = append(s.invalid, c)
	}
	return c
}

func isValidationError(code string) bool {
	switch code {
	case "invalid_blocks", "invalid_arguments", "invalid_blocks_format", "invalid_response_action":
		return true
	}
	return false
}

// Calls returns the recorded calls of a method ("" for every call), in order.
func (s *Server) Calls(method string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Call
	for _, c := range s.calls {
		if method == "" || c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

// WaitForCall returns the first recorded call (already made or future) of
// method ("" for any) that satisfies pred (nil accepts any). pred runs with
// the server's lock held: it must not call Server methods. It returns the
// context's error (wrapped) on timeout and ErrClosed after Close.
func (s *Server) WaitForCall(ctx context.Context, method string, pred func(Call) bool) (Call, error) {
	return s.WaitForCallAfter(ctx, 0, method, pred)
}

// WaitForCallAfter is WaitForCall restricted to calls with Seq > after
// (e.g. after := s.Mark() before triggering the action).
func (s *Server) WaitForCallAfter(ctx context.Context, after int, method string, pred func(Call) bool) (Call, error) {
	w := &callWaiter{after: after, method: method, pred: pred, done: make(chan struct{})}
	s.mu.Lock()
	// The calls up to after are skipped (Seq increases along s.calls).
	for i := sort.Search(len(s.calls), func(i int) bool { return s.calls[i].Seq > after }); i < len(s.calls); i++ {
		if c := s.calls[i]; w.matches(c) {
			s.mu.Unlock()
			return c, nil
		}
	}
	if s.closed {
		s.mu.Unlock()
		return Call{}, fmt.Errorf("wait for call %s: %w", method, ErrClosed)
	}
	s.callWaiters = append(s.callWaiters, w)
	s.mu.Unlock()

	var err error
	select {
	case <-w.done:
		return w.found, nil
	case <-s.ctx.Done():
		err = ErrClosed
	case <-ctx.Done():
		err = ctx.Err()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if w.matched { // the call came while giving up
		return w.found, nil
	}
	if i := slices.Index(s.callWaiters, w); i >= 0 {
		s.callWaiters = slices.Delete(s.callWaiters, i, i+1)
	}
	return Call{}, fmt.Errorf("wait for call %s: %w", method, err)
}

// callWaiter is a WaitForCallAfter waiting for a call still to come. The
// recorder of each call checks it against every waiter and wakes only the
// one it matches, so a call costs one wake-up, not one per waiter.
type callWaiter struct {
	after   int
	method  string
	pred    func(Call) bool
	done    chan struct{} // closed when matched
	matched bool          // guarded by Server.mu
	found   Call          // set before done is closed
}

func (w *callWaiter) matches(c Call) bool {
	return c.Seq > w.after && (w.method == "" || c.Method == w.method) && (w.pred == nil || w.pred(c))
}

// matchWaitersLocked hands a call just recorded to the waiters it matches.
func (s *Server) matchWaitersLocked(c Call) {
	for i := 0; i < len(s.callWaiters); {
		w := s.callWaiters[i]
		if !w.matches(c) {
			i++
			continue
		}
		w.found, w.matched = c, true
		close(w.done)
		last := len(s.callWaiters) - 1
		s.callWaiters[i], s.callWaiters[last] = s.callWaiters[last], nil
		s.callWaiters = s.callWaiters[:last]
	}
}

// UnknownMethods returns the unknown Web API methods the app called, in
// order (a bot that passes against the fake must not call them).
func (s *Server) UnknownMethods() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.unknown...)
}

// ValidationFailures returns every call the fake rejected as invalid
// (invalid_blocks, invalid_arguments, invalid_blocks_format), including
// invalid views or blocks in ack payloads and response_url posts (Method
// "ack" and "response_url").
func (s *Server) ValidationFailures() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.invalid...)
}

// Acks returns every ack received, in order.
func (s *Server) Acks() []Ack {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Ack(nil), s.acks...)
}

// LateAcks returns the acks that came after the ack deadline.
func (s *Server) LateAcks() []Ack {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Ack
	for _, a := range s.acks {
		if a.Late {
			out = append(out, a)
		}
	}
	return out
}

// Problems returns every protocol problem seen so far, as sentences: late
// acks, envelopes not acked within the deadline, acks of unknown or
// already-acked envelopes, malformed frames, unknown methods and
// validation failures. A well-behaved bot leaves it empty.
func (s *Server) Problems() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.problems...)
}
