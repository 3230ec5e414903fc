package fakeslack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
)

// Fixed identifiers of the default workspace.
const (
	TeamID      = "T0TEAM"
	TeamDomain  = "acme"
	AppID       = "A0APP"
	BotUserID   = "U0BOT"
	BotID       = "B0BOT"
	BotUserName = "jobdesc"

	ChannelHiring   = "C0HIRING"   // "hiring": the bot is a member
	ChannelOutside  = "C0OUTSIDE"  // "outside": the bot is not a member (not_in_channel)
	ChannelArchived = "C0ARCHIVED" // "archived": archived (is_archived)

	UserAlice = "U0ALICE"
	UserBob   = "U0BOB"
	UserCarol = "U0CAROL"
	UserDave  = "U0DAVE"
)

// Defaults for Options.
const (
	DefaultAckDeadline  = 3 * time.Second
	DefaultPingInterval = 5 * time.Second
	// TriggerTTL is how long a trigger_id can be exchanged after it was sent.
	TriggerTTL = 3 * time.Second
	// ResponseURLTTL is how long a response_url accepts posts.
	ResponseURLTTL = 30 * time.Minute
	// ResponseURLUses is how many posts a response_url accepts.
	ResponseURLUses = 5
	// MaxConnections is Slack's limit of open Socket Mode connections per app.
	MaxConnections = 10
	// MaxRetries is how often an unacknowledged events_api envelope is
	// redelivered when Options.Redeliver is set.
	MaxRetries = 3
	// disconnectGrace is how long a socket stays open after a disconnect
	// frame when the client does not close it itself.
	disconnectGrace = 2 * time.Second
)

// Sentinel errors returned (wrapped) by the Server's methods.
var (
	// ErrClosed is returned by waits and story helpers once Close was called.
	ErrClosed = errors.New("fakeslack: server closed")
	// ErrNotFound means a user, channel, message, view or action does not exist.
	ErrNotFound = errors.New("fakeslack: not found")
	// ErrInvalidInput means the story helper was asked to do something a
	// Slack client would not let a user do (e.g. leave a required input
	// empty, pick an option that does not exist, submit a closed view).
	ErrInvalidInput = errors.New("fakeslack: invalid input")
	// ErrNoEnvelope means the user action happened but Slack sends the app
	// no envelope for it (e.g. closing a modal without notify_on_close, a
	// reaction in a channel the bot is not in).
	ErrNoEnvelope = errors.New("fakeslack: slack sends no envelope for this action")
)

// Options configures a Server. The zero value is ready to use.
type Options struct {
	// SchemaDir is the folder holding block-kit.schema.json. "" searches for
	// ../shared/slack-schemas from the module root and upward from the
	// working directory; "-" disables JSON-schema validation.
	SchemaDir string
	// Schema loads the schema found through SchemaDir: pass schema.Load
	// (package bot/fakeslack/schema) to validate every view and message
	// against it. Nil skips JSON-schema validation (saying so once, unless
	// SchemaDir is "-"; naming a SchemaDir folder with a nil Schema is an
	// error); the checks in code still run. The fake links no JSON-schema
	// library itself, so programs embedding it stay small.
	Schema SchemaLoader
	// Logf, when set, receives debug lines (e.g. t.Logf). Tokens are never
	// logged. It may be called with the server's lock held: it must not call
	// Server methods.
	Logf func(format string, args ...any)
	// Logger, when set, receives the same lines at debug level.
	Logger *slog.Logger
	// AckDeadline is how long the app has to acknowledge an envelope
	// (default 3 s, like Slack). A later ack is recorded as late.
	AckDeadline time.Duration
	// PingInterval is how often the server pings each socket (default 5 s;
	// slack-go reconnects after 30 s without a ping).
	PingInterval time.Duration
	// Redeliver makes the server redeliver an events_api envelope that was
	// not acknowledged within AckDeadline, with a new envelope_id, the same
	// event_id and retry_attempt+1, up to MaxRetries times.
	Redeliver bool
	// Now is the clock for trigger_id and response_url expiry and message
	// timestamps (default time.Now). Ack latency always uses the real clock.
	Now func() time.Time
	// NoBotEcho stops the server from delivering reaction_added /
	// reaction_removed events for the bot's own reactions.add /
	// reactions.remove calls (Slack delivers them; the default mirrors Slack).
	NoBotEcho bool
}

// User is a workspace member.
type User struct {
	ID       string
	Name     string // handle, e.g. "alice"
	RealName string
	TZ       string // IANA zone, e.g. "Europe/London"
	IsBot    bool
}

// Channel is a conversation of the workspace.
type Channel struct {
	ID        string
	Name      string
	BotMember bool // the bot user is a member (else chat.postMessage fails with not_in_channel)
	Archived  bool // archived (posts fail with is_archived)
	Private   bool
	IsIM      bool // a direct-message channel with User
	User      string
}

// Server is a fake Slack workspace listening on loopback. All methods are
// safe for concurrent use.
type Server struct {
	opts     Options
	ln       net.Listener
	srv      *http.Server
	base     string // http://127.0.0.1:PORT
	appToken string
	botToken string
	schemas  *schemaSet
	parsed   viewCache // views that validated, by their JSON
	ctx      context.Context
	cancel   context.CancelFunc
	wg       sync.WaitGroup

	mu sync.Mutex
	// changed is closed on the next change; nil while nobody waits for
	// one (see changedLocked), so a change nobody waits for costs nothing.
	changed chan struct{}
	closed  bool

	users        map[string]*User
	channels     map[string]*Channel
	messages     []*message          // every message, in order
	messageIndex map[string]*message // by messageKey
	views        map[string]*viewState
	viewOrder    []string
	homes        map[string]string   // user -> home view id
	stacks       map[string][]string // user -> open modal stack (view ids)
	triggers     map[string]*trigger
	responseURLs map[string]*responseURL
	lastMicros   int64
	counter      int

	entries  []entry
	calls    []Call
	unknown  []string
	invalid  []Call
	acks     []Ack
	problems []string
	faults   map[string][]*Fault
	// faultsQueued counts the faults in faults (changed with mu held), so
	// a call can see there are none without taking mu.
	faultsQueued atomic.Int32
	tickets      map[string]bool
	conns        map[int]*sockConn
	nextConn     int
	rr           int
	connects     int
	pongs        int
	deliveries   map[string]*deliveryState
	deliveryLog  []*Delivery
	callWaiters  []*callWaiter // see WaitForCallAfter
}

// Start starts a fake Slack workspace on 127.0.0.1 with a random port.
// It returns an error when it cannot listen, when the JSON schemas it
// found (or was given) do not load, or when Options.SchemaDir names a
// folder but Options.Schema is nil.
func Start(opts Options) (*Server, error) {
	if opts.AckDeadline <= 0 {
		opts.AckDeadline = DefaultAckDeadline
	}
	if opts.PingInterval <= 0 {
		opts.PingInterval = DefaultPingInterval
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Server{
		opts:         opts,
		users:        map[string]*User{},
		channels:     map[string]*Channel{},
		messageIndex: map[string]*message{},
		views:        map[string]*viewState{},
		homes:        map[string]string{},
		stacks:       map[string][]string{},
		triggers:     map[string]*trigger{},
		responseURLs: map[string]*responseURL{},
		faults:       map[string][]*Fault{},
		tickets:      map[string]bool{},
		conns:        map[int]*sockConn{},
		deliveries:   map[string]*deliveryState{},
		appToken:     "xapp-1-" + AppID + "-" + randomString(10, digits) + "-" + randomString(32, hexDigits),
		botToken:     "xoxb-" + randomString(12, digits) + "-" + randomString(13, digits) + "-" + randomString(24, alnum),
	}
	s.seedWorkspace()

	ss, err := s.loadSchemas(opts)
	if err != nil {
		return nil, err
	}
	s.schemas = ss

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen on loopback: %w", err)
	}
	ln = arrivalListener{ln}
	s.ln = ln
	s.base = "http://" + ln.Addr().String()
	s.ctx, s.cancel = context.WithCancel(context.Background())
	mux := http.NewServeMux()
	mux.HandleFunc("/api/", s.handleAPI)
	mux.HandleFunc("/link/", s.handleLink)
	mux.HandleFunc("/response/", s.handleResponseURL)
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ConnContext: withConn}
	s.wg.Go(func() {
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.logf("fakeslack: http server stopped: %v", err)
		}
	})
	return s, nil
}

func (s *Server) seedWorkspace() {
	for _, u := range []User{
		{ID: UserAlice, Name: "alice", RealName: "Alice Archer", TZ: "Europe/London"},
		{ID: UserBob, Name: "bob", RealName: "Bob Baker", TZ: "America/New_York"},
		{ID: UserCarol, Name: "carol", RealName: "Carol Chen", TZ: "Asia/Singapore"},
		{ID: UserDave, Name: "dave", RealName: "Dave Diaz", TZ: "America/Los_Angeles"},
		{ID: BotUserID, Name: BotUserName, RealName: "jobdesc", TZ: "America/Los_Angeles", IsBot: true},
	} {
		s.users[u.ID] = &u
	}
	for _, c := range []Channel{
		{ID: ChannelHiring, Name: "hiring", BotMember: true},
		{ID: ChannelOutside, Name: "outside"},
		{ID: ChannelArchived, Name: "archived", BotMember: true, Archived: true},
	} {
		s.channels[c.ID] = &c
	}
}

// Close stops the server: it closes every socket, stops timers and wakes
// every waiter (which then returns ErrClosed). It is safe to call twice and
// always returns nil.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	for _, d := range s.deliveries {
		if d.timer != nil {
			d.timer.Stop()
		}
	}
	conns := make([]*sockConn, 0, len(s.conns))
	for _, c := range s.conns {
		conns = append(conns, c)
	}
	s.broadcastLocked()
	s.mu.Unlock()

	s.cancel()
	for _, c := range conns {
		_ = c.ws.Close()
	}
	_ = s.srv.Close()
	s.wg.Wait()
	return nil
}

// APIURL returns the Web API base URL, e.g. "http://127.0.0.1:PORT/api/",
// for slack.OptionAPIURL (it ends with a slash).
func (s *Server) APIURL() string { return s.base + "/api/" }

// AppToken returns the valid app-level (xapp-) token.
func (s *Server) AppToken() string { return s.appToken }

// BotToken returns the valid bot (xoxb-) token.
func (s *Server) BotToken() string { return s.botToken }

// TeamID returns the workspace id, "T0TEAM".
func (s *Server) TeamID() string { return TeamID }

// BotUserID returns the bot's user id, "U0BOT".
func (s *Server) BotUserID() string { return BotUserID }

// AppID returns the app id, "A0APP".
func (s *Server) AppID() string { return AppID }

// SchemaFile returns the Block Kit schema file used for validation, or ""
// when JSON-schema validation is skipped.
func (s *Server) SchemaFile() string {
	if s.schemas == nil {
		return ""
	}
	return s.schemas.file
}

// AddUser adds (or replaces) a workspace member with the given id and
// handle. The real name is the capitalised handle and the time zone UTC.
func (s *Server) AddUser(id, name string) {
	real := name
	if r := []rune(name); len(r) > 0 {
		r[0] = unicode.ToUpper(r[0])
		real = string(r)
	}
	s.PutUser(User{ID: id, Name: name, RealName: real, TZ: "UTC"})
}

// PutUser adds or replaces a workspace member.
func (s *Server) PutUser(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[u.ID] = &u
	s.broadcastLocked()
}

// AddChannel adds (or replaces) a channel.
func (s *Server) AddChannel(c Channel) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.channels[c.ID] = &c
	s.broadcastLocked()
}

// SetChannel changes an existing channel's membership and archive flags.
// It returns ErrNotFound for an unknown channel.
func (s *Server) SetChannel(id string, botMember, archived bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.channels[id]
	if !ok {
		return fmt.Errorf("set channel %s: %w", id, ErrNotFound)
	}
	c.BotMember, c.Archived = botMember, archived
	s.broadcastLocked()
	return nil
}

// User returns a workspace member; ok is false for an unknown id.
func (s *Server) User(id string) (User, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[id]
	if !ok {
		return User{}, false
	}
	return *u, true
}

// Channel returns a channel; ok is false for an unknown id.
func (s *Server) Channel(id string) (Channel, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.channels[id]
	if !ok {
		return Channel{}, false
	}
	return *c, true
}

// Channels returns every channel, sorted by id.
func (s *Server) Channels() []Channel {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Channel, 0, len(s.channels))
	for _, c := range s.channels {
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// WaitUntil blocks until cond returns true, re-evaluating it after every
// change of the server's state (calls, envelopes, acks, messages, views,
// connections). cond runs without the server's lock and may call any
// Server method. It returns the context's error (wrapped) on timeout and
// ErrClosed after Close.
func (s *Server) WaitUntil(ctx context.Context, cond func() bool) error {
	for {
		s.mu.Lock()
		ch, closed := s.changedLocked(), s.closed
		s.mu.Unlock()
		if cond() {
			return nil
		}
		if closed {
			return fmt.Errorf("wait: %w", ErrClosed)
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("wait: %w", ctx.Err())
		}
	}
}

// waitLocked blocks until check (called with s.mu held) returns true.
func (s *Server) waitLocked(ctx context.Context, what string, check func() bool) error {
	return s.waitOn(ctx, what, s.changedLocked, check)
}

// waitOn is waitLocked re-checking only when the channel signal returns
// (called with s.mu held) is closed, or the server closes.
func (s *Server) waitOn(ctx context.Context, what string, signal func() chan struct{}, check func() bool) error {
	for {
		s.mu.Lock()
		if check() {
			s.mu.Unlock()
			return nil
		}
		ch, closed := signal(), s.closed
		s.mu.Unlock()
		if closed {
			return fmt.Errorf("wait for %s: %w", what, ErrClosed)
		}
		select {
		case <-ch:
		case <-s.ctx.Done():
		case <-ctx.Done():
			return fmt.Errorf("wait for %s: %w", what, ctx.Err())
		}
	}
}

// enter registers a request handler; it returns false once the server is
// closed. A true result must be paired with s.wg.Done.
func (s *Server) enter() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.wg.Add(1)
	return true
}

// broadcastLocked wakes everyone waiting for a change.
func (s *Server) broadcastLocked() {
	if s.changed != nil {
		close(s.changed)
		s.changed = nil
	}
}

// changedLocked returns a channel closed on the next change.
func (s *Server) changedLocked() chan struct{} {
	if s.changed == nil {
		s.changed = make(chan struct{})
	}
	return s.changed
}

// logging reports whether logf writes anywhere, so hot paths can skip
// formatting its arguments.
func (s *Server) logging() bool { return s.opts.Logf != nil || s.opts.Logger != nil }

func (s *Server) logf(format string, args ...any) {
	if s.opts.Logf != nil {
		s.opts.Logf(format, args...)
	}
	if s.opts.Logger != nil {
		s.opts.Logger.Debug(fmt.Sprintf(format, args...))
	}
}

// announce logs a line that must be seen: to Logf/Logger when set, else to
// standard error.
func (s *Server) announce(msg string) {
	if s.opts.Logf == nil && s.opts.Logger == nil {
		fmt.Fprintln(os.Stderr, msg)
		return
	}
	if s.opts.Logf != nil {
		s.opts.Logf("%s", msg)
	}
	if s.opts.Logger != nil {
		s.opts.Logger.Info(msg)
	}
}

// problemLocked records a protocol problem (late or missing ack, stray
// frame) for Problems.
func (s *Server) problemLocked(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	s.problems = append(s.problems, msg)
	s.logf("fakeslack: problem: %s", msg)
}

// nextTSLocked returns a new message timestamp, strictly greater than every
// earlier one.
func (s *Server) nextTSLocked() string {
	m := s.opts.Now().UnixMicro()
	if m <= s.lastMicros {
		m = s.lastMicros + 1
	}
	s.lastMicros = m
	return fmt.Sprintf("%d.%06d", m/1_000_000, m%1_000_000)
}

func (s *Server) nextLocked() int {
	s.counter++
	return s.counter
}

const (
	digits    = "0123456789"
	hexDigits = "0123456789abcdef"
	alnum     = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	upperNum  = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
)

func randomString(n int, alphabet string) string {
	return string(appendRandom(make([]byte, 0, n), n, alphabet))
}

// appendRandom appends n characters drawn uniformly from alphabet (at
// most 64 of them), taking each from a few bits of a random word rather
// than a random number per character.
func appendRandom(b []byte, n int, alphabet string) []byte {
	bits := uint(1)
	for 1<<bits < len(alphabet) {
		bits++
	}
	mask := uint64(1)<<bits - 1
	var x uint64
	left := uint(0) // bits of x not used yet
	for n > 0 {
		if left < bits {
			x, left = rand.Uint64(), 64
		}
		v := x & mask
		x >>= bits
		left -= bits
		if v < uint64(len(alphabet)) { // else drawn again: uniform
			b = append(b, alphabet[v])
			n--
		}
	}
	return b
}

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	b := make([]byte, 0, 36)
	b = appendRandom(b, 8, hexDigits)
	b = append(b, '-')
	b = appendRandom(b, 4, hexDigits)
	b = append(b, '-', '4')
	b = appendRandom(b, 3, hexDigits)
	b = append(b, '-', 'a')
	b = appendRandom(b, 3, hexDigits)
	b = append(b, '-')
	b = appendRandom(b, 12, hexDigits)
	return string(b)
}

// dmChannelID returns the id of the direct-message channel between the app
// and a user.
func dmChannelID(user string) string { return "D" + strings.TrimPrefix(user, "U") }

// arrivalListener stamps accepted connections with their packets' arrival
// times (withArrival).
type arrivalListener struct{ net.Listener }

func (l arrivalListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return withArrival(c), nil
}

type connKey struct{}

// withConn keeps a request's connection in its context (http.Server's
// ConnContext), for requestArrival.
func withConn(ctx context.Context, c net.Conn) context.Context {
	return context.WithValue(ctx, connKey{}, c)
}

// requestArrival returns when r's bytes arrived, as far as the fake
// knows: at the latest, now.
func requestArrival(r *http.Request) time.Time {
	if c, ok := r.Context().Value(connKey{}).(net.Conn); ok {
		return arrival(c)
	}
	return time.Now()
}
