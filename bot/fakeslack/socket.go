package fakeslack

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// Delivery is one envelope sent to the app.
type Delivery struct {
	EnvelopeID   string
	Type         string // "slash_commands", "interactive" or "events_api"
	PayloadType  string // interactive: "view_submission", ...; events_api: the inner event type; slash: the command
	EventID      string // events_api only; the same across redeliveries
	TriggerID    string // slash commands and interactions
	ResponseURL  string // slash commands and message interactions
	ViewID       string // view interactions
	RetryAttempt int
	RetryReason  string
	SentAt       time.Time       // when the frame was written (the ack latency counts from here)
	Payload      json.RawMessage // the envelope's payload
	Frame        json.RawMessage // the whole frame written to the socket
	Conn         int             // the socket it went to

	srv     *Server
	summary func() string // what the envelope carries, for the transcript
}

// deliveryState tracks the ack of a delivery.
type deliveryState struct {
	d        *Delivery
	accepts  bool
	acked    bool
	ack      Ack
	timedOut bool
	timer    *time.Timer
	onAck    func(Ack)     // applies the ack's effects (called with s.mu held)
	ackCh    chan struct{} // closed when acked
}

// WaitAck waits for the app's ack of the envelope and returns it, late or
// not. It returns the context's error (wrapped) when none arrives in time
// and ErrClosed after Close.
func (d *Delivery) WaitAck(ctx context.Context) (Ack, error) {
	s := d.srv
	var ack Ack
	var st *deliveryState
	signal := func() chan struct{} {
		if st != nil {
			return st.ackCh // wake on this ack only, not on every change
		}
		return s.changedLocked()
	}
	err := s.waitOn(ctx, "ack of "+d.EnvelopeID, signal, func() bool {
		st = s.deliveries[d.EnvelopeID]
		if st != nil && st.acked {
			ack = st.ack
			return true
		}
		return false
	})
	return ack, err
}

// Acked reports whether the app acknowledged the envelope (late or not).
func (d *Delivery) Acked() bool {
	d.srv.mu.Lock()
	defer d.srv.mu.Unlock()
	st := d.srv.deliveries[d.EnvelopeID]
	return st != nil && st.acked
}

// Deliveries returns every envelope sent, in order.
func (s *Server) Deliveries() []*Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*Delivery(nil), s.deliveryLog...)
}

// Unacked returns the envelopes the app has not acknowledged yet.
func (s *Server) Unacked() []*Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*Delivery
	for _, d := range s.deliveryLog {
		if !s.deliveries[d.EnvelopeID].acked {
			out = append(out, d)
		}
	}
	return out
}

// sockConn is one Socket Mode websocket.
type sockConn struct {
	id      int
	ws      *websocket.Conn
	wmu     sync.Mutex // serialises data frames
	ready   bool       // hello written (guarded by Server.mu)
	closing bool       // disconnect sent (guarded by Server.mu)
	done    chan struct{}
}

func (c *sockConn) write(frame []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.writeLocked(frame)
}

// writeLocked writes a data frame; c.wmu must be held.
func (c *sockConn) writeLocked(frame []byte) error {
	if err := c.ws.SetWriteDeadline(time.Now().Add(10 * time.Second)); err != nil {
		return fmt.Errorf("set write deadline: %w", err)
	}
	if err := c.ws.WriteMessage(websocket.TextMessage, frame); err != nil {
		return fmt.Errorf("write frame: %w", err)
	}
	return nil
}

func (s *Server) connectionsOpen(*apiRequest) (map[string]any, *apiError) {
	if len(s.conns) >= MaxConnections {
		return nil, errCode("too_many_websockets")
	}
	ticket := newUUID()
	s.tickets[ticket] = true
	u := "ws" + strings.TrimPrefix(s.base, "http") + "/link/?ticket=" + ticket + "&app_id=" + AppID
	return map[string]any{"url": u}, nil
}

func (s *Server) handleLink(w http.ResponseWriter, r *http.Request) {
	if !s.enter() {
		http.Error(w, "server closed", http.StatusServiceUnavailable)
		return
	}
	defer s.wg.Done()
	ticket := r.URL.Query().Get("ticket")
	s.mu.Lock()
	valid := s.tickets[ticket]
	delete(s.tickets, ticket)
	if !valid || len(s.conns) >= MaxConnections {
		reason := "unknown or used ticket"
		if valid {
			reason = "too many connections"
		}
		s.entryLocked(Entry{Kind: KindRefused, Text: "websocket refused: " + reason})
		s.mu.Unlock()
		http.Error(w, reason, http.StatusUnauthorized)
		return
	}
	s.mu.Unlock()

	up := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	ws, err := up.Upgrade(w, r, nil)
	if err != nil {
		s.logf("fakeslack: websocket upgrade: %v", err)
		return
	}
	c := &sockConn{ws: ws, done: make(chan struct{})}

	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		_ = ws.Close()
		return
	}
	s.nextConn++
	c.id = s.nextConn
	s.conns[c.id] = c
	s.connects++
	n := len(s.conns)
	s.mu.Unlock()

	hello, _ := json.Marshal(map[string]any{
		"type":            "hello",
		"num_connections": n,
		"connection_info": map[string]any{"app_id": AppID},
		"debug_info":      map[string]any{"host": "applink-fake-1", "build_number": 1, "approximate_connection_time": 18060},
	})
	helloErr := c.write(hello)

	s.mu.Lock()
	c.ready = helloErr == nil
	s.entryLocked(Entry{Kind: KindConnect, Text: fmt.Sprintf("socket %d open, hello sent (num_connections=%d)", c.id, n), Data: hello})
	s.mu.Unlock()
	s.logf("fakeslack: socket %d connected", c.id)

	ws.SetPongHandler(func(string) error {
		s.mu.Lock()
		s.pongs++
		s.broadcastLocked()
		s.mu.Unlock()
		return nil
	})
	s.wg.Go(func() { s.pingLoop(c) })

	for helloErr == nil {
		mt, data, err := ws.ReadMessage()
		if err != nil {
			break
		}
		if mt == websocket.TextMessage {
			s.handleFrame(c, data, arrival(ws.UnderlyingConn()))
		}
	}
	close(c.done)
	_ = ws.Close()
	s.mu.Lock()
	delete(s.conns, c.id)
	s.entryLocked(Entry{Kind: KindClose, Text: fmt.Sprintf("socket %d closed", c.id)})
	s.mu.Unlock()
	s.logf("fakeslack: socket %d closed", c.id)
}

func (s *Server) pingLoop(c *sockConn) {
	t := time.NewTicker(s.opts.PingInterval)
	defer t.Stop()
	n := 0
	for {
		select {
		case <-c.done:
			return
		case <-s.ctx.Done():
			return
		case <-t.C:
			n++
			if err := c.ws.WriteControl(websocket.PingMessage, fmt.Appendf(nil, "ping-%d", n), time.Now().Add(5*time.Second)); err != nil {
				return
			}
		}
	}
}

// SetAckDeadline changes the ack deadline for envelopes sent from now on
// (and for judging acks still to come). A value <= 0 restores the default.
func (s *Server) SetAckDeadline(d time.Duration) {
	if d <= 0 {
		d = DefaultAckDeadline
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.opts.AckDeadline = d
}

// Pongs returns how many pongs the app's sockets answered to pings.
func (s *Server) Pongs() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pongs
}

// Connections returns the number of open sockets.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// Connects returns how many sockets were opened in total (reconnects are
// Connects()-1).
func (s *Server) Connects() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.connects
}

// WaitConnected waits until at least n sockets were opened in total and one
// is open and greeted. It returns the context's error (wrapped) on timeout
// and ErrClosed after Close.
func (s *Server) WaitConnected(ctx context.Context, n int) error {
	return s.waitLocked(ctx, fmt.Sprintf("connection %d", n), func() bool {
		return s.connects >= n && len(s.readyIDsLocked(nil)) > 0
	})
}

// readyIDsLocked appends the ids of the sockets that can take envelopes
// to ids, sorted.
func (s *Server) readyIDsLocked(ids []int) []int {
	for id, c := range s.conns {
		if c.ready && !c.closing {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// pickConnLocked chooses the socket for the next envelope, round robin.
func (s *Server) pickConnLocked() *sockConn {
	var buf [MaxConnections]int
	ids := s.readyIDsLocked(buf[:0])
	if len(ids) == 0 {
		return nil
	}
	s.rr++
	return s.conns[ids[s.rr%len(ids)]]
}

// Disconnect sends a disconnect frame ("refresh_requested", "warning",
// "link_disabled", ...) to every open socket. No further envelopes go to
// those sockets; a socket the app does not close is closed after 2 s.
func (s *Server) Disconnect(reason string) {
	frame, _ := json.Marshal(map[string]any{
		"type":       "disconnect",
		"reason":     reason,
		"debug_info": map[string]any{"host": "applink-fake-1"},
	})
	s.mu.Lock()
	var targets []*sockConn
	for _, c := range s.conns {
		if !c.closing {
			c.closing = true
			targets = append(targets, c)
		}
	}
	s.mu.Unlock()
	sort.Slice(targets, func(i, j int) bool { return targets[i].id < targets[j].id })
	for _, c := range targets {
		err := c.write(frame)
		s.mu.Lock()
		text := fmt.Sprintf("socket %d: disconnect %s", c.id, reason)
		if err != nil {
			text += " (write failed: " + err.Error() + ")"
		}
		s.entryLocked(Entry{Kind: KindDisconnect, Text: text, Data: frame})
		if !s.closed {
			s.wg.Go(func() {
				t := time.NewTimer(disconnectGrace)
				defer t.Stop()
				select {
				case <-c.done:
				case <-s.ctx.Done():
				case <-t.C:
					_ = c.ws.Close()
				}
			})
		}
		s.mu.Unlock()
	}
}

// DropSockets closes every open socket without a close frame, as when the
// network fails.
func (s *Server) DropSockets() {
	s.mu.Lock()
	var targets []*sockConn
	for _, c := range s.conns {
		c.closing = true
		targets = append(targets, c)
		s.entryLocked(Entry{Kind: KindDisconnect, Text: fmt.Sprintf("socket %d dropped", c.id)})
	}
	s.mu.Unlock()
	for _, c := range targets {
		_ = c.ws.Close()
	}
}

// outEnvelope is an envelope to send.
type outEnvelope struct {
	typ         string
	payloadType string
	// payload is encoded into the frame: a map[string]any or a
	// jsonAppender; raw is a payload already encoded (redeliveries,
	// prepared submissions), used when set.
	payload any
	raw     json.RawMessage
	// frame, when set, is the whole frame built ahead (a prepared
	// submission's), raw its payload: the first send takes it, writing
	// its envelope_id in; others copy raw.
	frame        *preparedFrame
	accepts      bool
	retryAttempt int
	retryReason  string
	eventID      string
	triggerID    string
	responseURL  string
	viewID       string
	// summary says what the envelope carries, for the transcript: it is
	// called only when someone reads the transcript (or logging is on).
	summary func() string
	onAck   func(Ack)
}

// send writes an envelope to one open socket, waiting (up to ctx) for one.
// The payload and frame are encoded before any lock is taken; SentAt, from
// which the ack's latency and the trigger's 3 s are measured, is taken with
// the socket's write lock held, right before the frame is written, so time
// spent queueing for the socket or the server's lock does not count
// against the app.
func (s *Server) send(ctx context.Context, env outEnvelope) (*Delivery, error) {
	for {
		var c *sockConn
		if err := s.waitLocked(ctx, "an open socket", func() bool {
			c = s.pickConnLocked()
			return c != nil
		}); err != nil {
			return nil, fmt.Errorf("send %s: %w", env.typ, err)
		}
		d := &Delivery{
			EnvelopeID: newUUID(), Type: env.typ, PayloadType: env.payloadType, EventID: env.eventID,
			TriggerID: env.triggerID, ResponseURL: env.responseURL, ViewID: env.viewID,
			RetryAttempt: env.retryAttempt, RetryReason: env.retryReason, Conn: c.id, srv: s, summary: env.summary,
		}
		var start, end int
		if f := env.frame; f != nil && len(d.EnvelopeID) == uuidLen && f.taken.CompareAndSwap(false, true) {
			d.Frame, start, end = f.frame, f.start, f.end
			copy(d.Frame[f.idAt:], d.EnvelopeID)
		} else {
			d.Frame, start, end = envelopeFrame(d.EnvelopeID, env)
		}
		d.Payload = json.RawMessage(d.Frame[start:end:end])

		c.wmu.Lock()
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			c.wmu.Unlock()
			return nil, fmt.Errorf("send %s: %w", env.typ, ErrClosed)
		}
		d.SentAt = time.Now()
		if t := s.triggers[env.triggerID]; t != nil {
			t.issued = s.opts.Now()
		}
		st := &deliveryState{d: d, accepts: env.accepts, onAck: env.onAck, ackCh: make(chan struct{})}
		s.deliveries[d.EnvelopeID] = st
		s.deliveryLog = append(s.deliveryLog, d)
		s.addEntryLocked(entry{Entry: Entry{At: d.SentAt, Kind: KindEnvelope, EnvelopeID: d.EnvelopeID, Data: d.Frame}, d: d})
		s.mu.Unlock()
		err := c.writeLocked(d.Frame)
		c.wmu.Unlock()

		if err != nil {
			s.mu.Lock()
			c.closing = true
			delete(s.deliveries, d.EnvelopeID)
			s.deliveryLog = s.deliveryLog[:len(s.deliveryLog)-1]
			s.entryLocked(Entry{Kind: KindProblem, EnvelopeID: d.EnvelopeID, Text: fmt.Sprintf("socket %d: write failed, trying another socket: %v", c.id, err)})
			s.mu.Unlock()
			continue
		}
		s.mu.Lock()
		if !s.closed && !st.acked {
			id := d.EnvelopeID
			st.timer = time.AfterFunc(s.opts.AckDeadline, func() { s.ackDeadline(id) })
		}
		s.mu.Unlock()
		if s.logging() {
			s.logf("fakeslack: sent %s %s", env.typ, env.summary())
		}
		return d, nil
	}
}

// envelopeFrame encodes an envelope as json.Marshal would encode its map
// (keys sorted), with the payload encoded (or its raw form copied) into
// the frame; the payload is frame[start:end].
func envelopeFrame(envelopeID string, env outEnvelope) (frame []byte, start, end int) {
	size := len(env.raw)
	if env.raw == nil {
		switch p := env.payload.(type) {
		case map[string]any:
			size = sizeHint(p)
		case jsonAppender:
			size = p.sizeHint()
		}
	}
	b := make([]byte, 0, size+len(envelopeID)+len(env.typ)+len(env.retryReason)+128)
	b = append(b, `{"accepts_response_payload":`...)
	b = strconv.AppendBool(b, env.accepts)
	b = append(b, `,"envelope_id":`...)
	b = appendJSONString(b, envelopeID)
	b = append(b, `,"payload":`...)
	start = len(b)
	if env.raw != nil {
		b = append(b, env.raw...)
	} else {
		b = appendJSON(b, env.payload)
	}
	end = len(b)
	if env.typ == "events_api" {
		b = append(b, `,"retry_attempt":`...)
		b = strconv.AppendInt(b, int64(env.retryAttempt), 10)
		b = append(b, `,"retry_reason":`...)
		b = appendJSONString(b, env.retryReason)
	}
	b = append(b, `,"type":`...)
	b = appendJSONString(b, env.typ)
	return append(b, '}'), start, end
}

// uuidLen is the length of an envelope_id (newUUID).
const uuidLen = 36

// preparedFrame is an envelope's frame built before it is sent, with a
// blank envelope_id at frame[idAt:idAt+uuidLen] and the payload at
// frame[start:end].
type preparedFrame struct {
	frame            []byte
	idAt, start, end int
	taken            atomic.Bool // a send took the frame
}

// prepareFrame builds env's frame ahead of sending it and returns env set
// to send it.
func prepareFrame(env outEnvelope) outEnvelope {
	blank := strings.Repeat("0", uuidLen)
	frame, start, end := envelopeFrame(blank, env)
	f := &preparedFrame{frame: frame, idAt: bytes.Index(frame, []byte(blank)), start: start, end: end}
	env.frame, env.raw, env.payload = f, json.RawMessage(frame[start:end:end]), nil
	return env
}

// ackDeadline runs when an envelope's ack deadline passes.
func (s *Server) ackDeadline(envelopeID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.deliveries[envelopeID]
	if s.closed || st == nil || st.acked {
		return
	}
	st.timedOut = true
	d := st.d
	s.entryLocked(Entry{Kind: KindTimeout, EnvelopeID: envelopeID, Text: fmt.Sprintf("no ack for %s %s within %v", d.Type, d.PayloadType, s.opts.AckDeadline)})
	s.problemLocked("envelope %s (%s %s) was not acked within %v", envelopeID, d.Type, d.PayloadType, s.opts.AckDeadline)
	if s.opts.Redeliver && d.Type == "events_api" && d.RetryAttempt < MaxRetries {
		s.wg.Go(func() {
			if _, err := s.Redeliver(s.ctx, d); err != nil {
				s.logf("fakeslack: redeliver %s: %v", envelopeID, err)
			}
		})
	}
}

// Redeliver sends d's payload again, as Slack retries an unacknowledged
// event: a new envelope_id, the same payload (and event_id),
// retry_attempt+1 and retry_reason "timeout". It returns the new delivery,
// or an error when no socket opened before ctx ended.
func (s *Server) Redeliver(ctx context.Context, d *Delivery) (*Delivery, error) {
	s.mu.Lock()
	st := s.deliveries[d.EnvelopeID]
	s.mu.Unlock()
	env := outEnvelope{
		typ: d.Type, payloadType: d.PayloadType, raw: d.Payload, accepts: d.Type != "events_api",
		retryAttempt: d.RetryAttempt + 1, retryReason: "timeout", eventID: d.EventID, triggerID: d.TriggerID,
		responseURL: d.ResponseURL, viewID: d.ViewID, summary: func() string { return d.PayloadType + " (redelivery)" },
	}
	if st != nil {
		env.accepts = st.accepts
		env.onAck = st.onAck
	}
	return s.send(ctx, env)
}

// ackFrame is an ack as the app writes it.
type ackFrame struct {
	EnvelopeID string          `json:"envelope_id"`
	Payload    json.RawMessage `json:"payload"`
}

// readAck reads an ack frame as json.Unmarshal into an ackFrame does,
// reading the usual frame {"envelope_id":"…","payload":…} itself.
func readAck(data []byte) (ackFrame, error) {
	if f, ok := scanAck(data); ok {
		return f, nil
	}
	var f ackFrame
	err := json.Unmarshal(data, &f)
	return f, err
}

// scanAck reads an ack frame that is a JSON object with at most one
// envelope_id, a string, and one payload, and other keys unlike both
// (encoding/json matches keys case-insensitively); ok is false for any
// other frame, which readAck leaves to encoding/json. The payload is
// copied, as encoding/json copies it.
func scanAck(data []byte) (f ackFrame, ok bool) {
	d := jsonDecoder{data: data, ok: true}
	d.space()
	if d.pos >= len(data) || data[d.pos] != '{' {
		return ackFrame{}, false
	}
	d.pos++
	usual, seenID, seenPayload := true, false, false
	d.members(func(key string) {
		d.space()
		switch {
		case key == "envelope_id" && !seenID && d.pos < len(data) && data[d.pos] == '"':
			f.EnvelopeID, seenID = d.str(), true
		case key == "payload" && !seenPayload:
			start := d.pos
			d.skip()
			f.Payload, seenPayload = json.RawMessage(bytes.Clone(data[start:d.pos])), true
		default:
			if key == "envelope_id" || key == "payload" || !isASCII(key) || strings.EqualFold(key, "envelope_id") || strings.EqualFold(key, "payload") {
				usual = false
			}
			d.skip()
		}
	})
	d.space()
	if !d.ok || d.pos != len(data) || !usual {
		return ackFrame{}, false
	}
	return f, true
}

// handleFrame handles a frame the app wrote (an ack) that arrived at at.
func (s *Server) handleFrame(c *sockConn, data []byte, at time.Time) {
	noticed := time.Now()
	f, err := readAck(data)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil || f.EnvelopeID == "" {
		s.entryLocked(Entry{Kind: KindProblem, Text: fmt.Sprintf("socket %d: frame is not an ack", c.id), Data: json.RawMessage(quoteIfInvalid(data))})
		s.problemLocked("socket %d: the app wrote a frame that is not an ack: %.200s", c.id, data)
		return
	}
	st := s.deliveries[f.EnvelopeID]
	if st == nil {
		s.entryLocked(Entry{Kind: KindProblem, EnvelopeID: f.EnvelopeID, Text: "ack of unknown envelope", Data: data})
		s.problemLocked("the app acked unknown envelope %s", f.EnvelopeID)
		return
	}
	if st.acked {
		s.entryLocked(Entry{Kind: KindProblem, EnvelopeID: f.EnvelopeID, Text: "duplicate ack", Data: data})
		s.problemLocked("the app acked envelope %s twice", f.EnvelopeID)
		return
	}
	if st.timer != nil {
		st.timer.Stop()
	}
	payload := f.Payload
	if len(payload) == 0 || string(payload) == "null" {
		payload = nil
	}
	ack := Ack{EnvelopeID: f.EnvelopeID, Type: st.d.Type, Payload: payload, At: at, Noticed: noticed, Latency: at.Sub(st.d.SentAt)}
	ack.Late = ack.Latency > s.opts.AckDeadline
	st.acked, st.ack = true, ack
	close(st.ackCh)
	s.acks = append(s.acks, ack)
	if ack.Late {
		s.problemLocked("envelope %s (%s %s) acked late, after %v", f.EnvelopeID, st.d.Type, st.d.PayloadType, ack.Latency)
	}
	s.addEntryLocked(entry{Entry: Entry{At: at, Kind: KindAck, EnvelopeID: f.EnvelopeID, Data: data}, ack: len(s.acks), d: st.d, conn: c.id})
	if payload != nil && !st.accepts {
		s.problemLocked("envelope %s (%s) does not accept a response payload, but the ack carried one", f.EnvelopeID, st.d.Type)
	}
	// Slack ignores a late ack's payload (the user already saw an error).
	if !ack.Late && st.onAck != nil {
		st.onAck(ack)
	}
}

func quoteIfInvalid(data []byte) []byte {
	if json.Valid(data) {
		return data
	}
	q, _ := json.Marshal(string(data))
	return q
}
