package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// Socket Mode connections.
//
// slack-go's socketmode.Client decodes every envelope into its typed
// structures on the connection's one reading goroutine, before the app sees
// it; for a view_submission that means the whole modal Slack echoes back
// (every block, option and hint: about 13 kB for our form), 1.1 ms of CPU
// and 112 kB of garbage for the payload alone (BenchmarkParseSubmission),
// and every later envelope on that connection waits behind it. Under a
// burst of submissions that was a third of the bot's CPU. So the bot keeps
// its connections itself, with the same pieces socketmode uses (slack-go's
// apps.connections.open, gorilla/websocket) and the same behaviour
// (../shared/slack-notes.md): the reading goroutine only reads; each frame
// is decoded on its own goroutine, in one pass, into the slack-go types the
// handlers take but without the echoed blocks (envelope.go, 0.24 ms:
// BenchmarkDecodeSubmission); acks are written straight from the handler
// under a lock instead of through a sender goroutine. When Slack asks a
// connection to disconnect (it refreshes them every few hours), the next
// one is opened at once and the old one stays open for the acks of what
// came on it until Slack closes it, where socketmode closed it at once.

const (
	// maxAckSize is Slack's limit on a Socket Mode response: larger ones
	// are silently dropped, so they are refused here.
	maxAckSize = 20 * 1024
	// maxFrameSize bounds one incoming frame (a view is at most 250 kB).
	maxFrameSize = 4 << 20
	// socketWriteTimeout bounds one ack write.
	socketWriteTimeout = 10 * time.Second
	// dialTimeout bounds the WebSocket handshake.
	dialTimeout = 45 * time.Second
	// Reconnect back-off after a failed connect: 100 ms doubling to 5 min,
	// as slack-go's.
	firstReconnectWait = 100 * time.Millisecond
	maxReconnectWait   = 5 * time.Minute
	// retireGrace is how long a connection Slack asked to disconnect stays
	// open for the acks of what came on it, unless Slack closes it first.
	retireGrace = 10 * time.Second
	// defaultPingInterval is how long a connection may go without a ping
	// from Slack before it is considered dead and replaced.
	defaultPingInterval = 30 * time.Second
)

// socket is one Socket Mode connection, reopened whenever it drops.
type socket struct {
	api          *slack.Client
	dialer       *websocket.Dialer
	pingInterval time.Duration
	opened       func()                 // called as each connection opens (metrics)
	current      atomic.Pointer[wsConn] // nil while reconnecting
	// buffers are what frames are read into, reused: gorilla's
	// ReadMessage grows a new slice from 512 bytes for every frame, about
	// 30 kB of garbage for a 13 kB submission.
	buffers sync.Pool // *bytes.Buffer
	workers *workers  // what frames are decoded and handled on
}

// workerIdle is how long a frame's goroutine waits for the next frame.
const workerIdle = 10 * time.Second

// maxPooledFrame is the largest buffer kept for reuse; newFrameBuffer is
// the size a new one starts at (a modal submission is 10-15 kB).
const (
	maxPooledFrame = 256 << 10
	newFrameBuffer = 16 << 10
)

// connected reports whether Slack said hello on the current connection.
func (s *socket) connected() bool {
	c := s.current.Load()
	return c != nil && c.hello.Load()
}

// wsConn is an open WebSocket with its write lock: gorilla/websocket allows
// one writer at a time (pongs go through WriteControl, which is safe).
type wsConn struct {
	ws         *websocket.Conn
	mu         sync.Mutex
	hello      atomic.Bool
	disconnect atomic.Pointer[string] // why Slack asked to disconnect
	retiring   chan struct{}          // closed when Slack asks to disconnect
	retire     sync.Once
}

// socketEventKind says what a socketEvent reports.
type socketEventKind int

const (
	eventConnecting   socketEventKind = iota // opening a connection
	eventConnected                           // WebSocket open, waiting for hello
	eventHello                               // Slack said hello: envelopes may come
	eventConnectError                        // opening failed; retrying after wait
	eventInvalidAuth                         // Slack rejected the app token
	eventDropped                             // the connection ended (err says why); reopening
	eventBadFrame                            // a frame that is not an envelope
	eventEnvelope                            // a request to handle and ack
)

// socketEvent is something that happened on a connection.
type socketEvent struct {
	kind     socketEventKind
	env      *envelope // eventEnvelope
	conn     *wsConn   // eventEnvelope: where its ack goes
	received time.Time // eventEnvelope: when its frame was read
	err      error
	wait     time.Duration // eventConnectError
}

// envelope is a request from Slack to handle and ack.
type envelope struct {
	ID   string
	Type string // envelopeSlashCommands, envelopeInteractive, envelopeEventsAPI
	req  request
	err  error // the payload could not be read (it is acked all the same)
}

// Envelope types Slack sends (https://api.slack.com/apis/socket-mode), as
// slack-go's socketmode names them.
const (
	envelopeHello         = socketmode.RequestTypeHello
	envelopeDisconnect    = socketmode.RequestTypeDisconnect
	envelopeSlashCommands = socketmode.RequestTypeSlashCommands
	envelopeInteractive   = socketmode.RequestTypeInteractive
	envelopeEventsAPI     = socketmode.RequestTypeEventsAPI
)

func newSocket(api *slack.Client, pingInterval time.Duration, opened func()) *socket {
	if pingInterval <= 0 {
		pingInterval = defaultPingInterval
	}
	return &socket{
		api: api,
		dialer: &websocket.Dialer{
			Proxy:            http.ProxyFromEnvironment,
			HandshakeTimeout: dialTimeout,
			WriteBufferSize:  32 << 10, // an ack with a modal update fits in one write
		},
		pingInterval: pingInterval,
		opened:       opened,
		workers:      newWorkers(workerIdle),
	}
}

// run keeps the connection open until ctx is done. Envelopes are passed to
// deliver on the goroutine that decoded them (one per frame); the rest of
// what happens on the connection is sent to out. It returns ctx's error, or
// an error when Slack rejects the app token (nothing else stops it: other
// failures are retried with back-off).
func (s *socket) run(ctx context.Context, out chan<- socketEvent, deliver func(socketEvent)) error {
	for {
		conn, err := s.connect(ctx, out)
		if err != nil {
			return err
		}
		s.current.Store(conn)
		ended := make(chan error, 1)
		go func() { ended <- s.read(ctx, conn, out, deliver) }()
		select {
		case err = <-ended:
			conn.ws.Close()
		case <-conn.retiring:
			// Slack closes this connection soon (a refresh): open the next
			// one now, and let this one carry the acks of what came on it
			// until Slack closes it or retireGrace passes.
			err = fmt.Errorf("slack asked to disconnect (%s)", *conn.disconnect.Load())
			go func() {
				t := time.NewTimer(retireGrace)
				defer t.Stop()
				select {
				case <-ended:
				case <-t.C:
				}
				conn.ws.Close()
			}()
		}
		s.current.CompareAndSwap(conn, nil)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		s.emit(ctx, out, socketEvent{kind: eventDropped, err: err})
	}
}

// emit sends e to out unless ctx is done.
func (s *socket) emit(ctx context.Context, out chan<- socketEvent, e socketEvent) {
	select {
	case out <- e:
	case <-ctx.Done():
	}
}

// connect opens a connection, retrying with back-off until it works, ctx
// is done, or the token is rejected.
func (s *socket) connect(ctx context.Context, out chan<- socketEvent) (*wsConn, error) {
	backoff := firstReconnectWait
	for {
		s.emit(ctx, out, socketEvent{kind: eventConnecting})
		conn, err := s.dial(ctx)
		if err == nil {
			s.opened() // before hello can arrive, so a count never lags the state
			s.emit(ctx, out, socketEvent{kind: eventConnected})
			return conn, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if tokenRejected(err) {
			s.emit(ctx, out, socketEvent{kind: eventInvalidAuth, err: err})
			return nil, err
		}
		wait := backoff
		backoff = min(backoff*2, maxReconnectWait)
		var rl *slack.RateLimitedError
		if errors.As(err, &rl) {
			wait = max(wait, rl.RetryAfter)
		}
		s.emit(ctx, out, socketEvent{kind: eventConnectError, err: err, wait: wait})
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
	}
}

// tokenRejected reports the errors that end Socket Mode for good, as
// slack-go does: the app token is wrong, revoked or its app is gone.
func tokenRejected(err error) bool {
	switch slackError(err) {
	case "invalid_auth", "account_inactive", "not_authed", "token_revoked":
		return true
	}
	var sc slack.StatusCodeError
	return errors.As(err, &sc) && sc.Code == http.StatusNotFound
}

// dial asks Slack for a connection URL (apps.connections.open) and opens
// the WebSocket. Slack must ping at least every pingInterval: the ping
// handler pushes the read deadline on, so a silent connection times out.
func (s *socket) dial(ctx context.Context) (*wsConn, error) {
	_, url, err := s.api.StartSocketModeContext(ctx)
	if err != nil {
		return nil, fmt.Errorf("apps.connections.open: %w", err)
	}
	ws, resp, err := s.dialer.DialContext(ctx, url, http.Header{"Origin": {"https://api.slack.com"}})
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	if err != nil {
		return nil, fmt.Errorf("open socket mode websocket: %w", err)
	}
	ws.SetReadLimit(maxFrameSize)
	if err := ws.SetReadDeadline(time.Now().Add(s.pingInterval)); err != nil {
		ws.Close()
		return nil, fmt.Errorf("open socket mode websocket: %w", err)
	}
	ws.SetPingHandler(func(data string) error {
		now := time.Now()
		_ = ws.SetReadDeadline(now.Add(s.pingInterval))
		err := ws.WriteControl(websocket.PongMessage, []byte(data), now.Add(socketWriteTimeout))
		var ne net.Error
		if err == nil || errors.Is(err, websocket.ErrCloseSent) || errors.As(err, &ne) && ne.Timeout() {
			return nil // as gorilla's default handler: a lost pong is not a read error
		}
		return err
	})
	return &wsConn{ws: ws, retiring: make(chan struct{})}, nil
}

// read reads frames until the connection fails or ctx is done (one Slack
// asked to disconnect is read until Slack closes it). It returns why the
// connection ended.
func (s *socket) read(ctx context.Context, conn *wsConn, out chan<- socketEvent, deliver func(socketEvent)) error {
	stop := context.AfterFunc(ctx, func() { conn.ws.Close() })
	defer stop()
	for {
		buf, err := s.readFrame(conn)
		if err != nil {
			if reason := conn.disconnect.Load(); reason != nil {
				return fmt.Errorf("slack asked to disconnect (%s): %w", *reason, err)
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return fmt.Errorf("no ping from slack for %s: %w", s.pingInterval, err)
			}
			return err
		}
		received := time.Now()
		s.workers.run(ctx, func() { s.frame(ctx, conn, buf, received, out, deliver) })
	}
}

// readFrame reads the next data frame into a buffer from s.buffers.
func (s *socket) readFrame(conn *wsConn) (*bytes.Buffer, error) {
	_, r, err := conn.ws.NextReader()
	if err != nil {
		return nil, err
	}
	buf, _ := s.buffers.Get().(*bytes.Buffer)
	if buf == nil {
		// Room for a modal submission at once, rather than growing from
		// 512 bytes through every power of two to get there.
		buf = bytes.NewBuffer(make([]byte, 0, newFrameBuffer))
	}
	buf.Reset()
	if _, err := buf.ReadFrom(r); err != nil {
		s.release(buf)
		return nil, err
	}
	return buf, nil
}

// release returns a frame's buffer for reuse; nothing may hold its bytes.
func (s *socket) release(buf *bytes.Buffer) {
	if buf.Cap() <= maxPooledFrame {
		s.buffers.Put(buf)
	}
}

// frame decodes one frame on a goroutine of its own (s.workers), so that a
// large one (a modal submission) delays no other, and delivers or reports
// it.
func (s *socket) frame(ctx context.Context, conn *wsConn, buf *bytes.Buffer, received time.Time, out chan<- socketEvent, deliver func(socketEvent)) {
	pprof.SetGoroutineLabels(ctx) // the worker's labels from its last frame go
	data := buf.Bytes()
	f, err := decodeFrame(data)
	var env *envelope
	if err == nil && f.Type != envelopeHello && f.Type != envelopeDisconnect && f.EnvelopeID != "" {
		// A CPU profile (/debug/pprof) can then be split by the kind of
		// envelope the time went to: go tool pprof -tagfocus envelope=…
		pprof.SetGoroutineLabels(pprof.WithLabels(ctx, pprof.Labels("envelope", f.Type)))
		env = &envelope{ID: f.EnvelopeID, Type: f.Type}
		env.req, env.err = decodeRequest(f, data)
	}
	s.release(buf) // what was decoded holds copies of the bytes it keeps
	switch {
	case err != nil:
		s.emit(ctx, out, socketEvent{kind: eventBadFrame, err: fmt.Errorf("read frame: %w", err)})
	case f.Type == envelopeHello:
		conn.hello.Store(true)
		s.emit(ctx, out, socketEvent{kind: eventHello})
	case f.Type == envelopeDisconnect:
		// Slack is about to close this connection (refresh_requested,
		// warning, link_disabled): run opens the next one.
		reason := f.Reason
		conn.disconnect.Store(&reason)
		conn.retire.Do(func() { close(conn.retiring) })
	case env == nil:
		s.emit(ctx, out, socketEvent{kind: eventBadFrame, err: fmt.Errorf("%q frame without an envelope id", f.Type)})
	default:
		deliver(socketEvent{kind: eventEnvelope, env: env, conn: conn, received: received})
	}
}

// ackFrame is a Socket Mode response.
type ackFrame struct {
	EnvelopeID string `json:"envelope_id"`
	Payload    any    `json:"payload,omitempty"`
}

// ack answers an envelope on the connection it came on. It returns an
// error when the answer is too large for Slack or cannot be written (the
// connection dropped: Slack retries events, and shows the user an error
// for commands and interactions).
func (c *wsConn) ack(envelopeID string, payload any) error {
	js, err := json.Marshal(ackFrame{EnvelopeID: envelopeID, Payload: payload})
	if err != nil {
		return fmt.Errorf("encode ack: %w", err)
	}
	if len(js) >= maxAckSize {
		return fmt.Errorf("ack of %d bytes is over slack's %d-byte limit", len(js), maxAckSize)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.ws.SetWriteDeadline(time.Now().Add(socketWriteTimeout)); err != nil {
		return fmt.Errorf("write ack: %w", err)
	}
	if err := c.ws.WriteMessage(websocket.TextMessage, js); err != nil {
		return fmt.Errorf("write ack: %w", err)
	}
	return nil
}
