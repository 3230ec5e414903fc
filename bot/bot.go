// Package bot is jobdesc's Slack side: it connects in Socket Mode, routes
// slash commands, modal submissions, button clicks and reactions (surface.go
// lists them all) to handlers, and keeps every draft in a Store.
//
// The bot keeps its Socket Mode connections itself (socket.go: slack-go's
// apps.connections.open and gorilla/websocket, as slack-go's socketmode
// does, but without decoding the modal Slack echoes in every submission).
// Every envelope is decoded and handled on its own goroutine in two phases:
// a quick phase that decides the ack (a view_submission's validation and
// save happen here, so a submission the user saw accepted is on disk), then
// the slow work (Web API calls) after the ack. Reactions record their
// review and update the review message before the ack, so a replica that
// dies midway leaves the event unacknowledged and Slack redelivers it.
// Errors are logged and panics recovered; a handler never blocks another
// envelope's ack, and a command or submission that overruns the ack budget
// gets a fallback ack (an event is left for Slack to deliver again).
package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/jobdesc/jobdesc/checks"
	"github.com/jobdesc/jobdesc/drafts"
	"github.com/jobdesc/jobdesc/templates"
)

// Store is what the bot needs of the drafts store: drafts.Store (a bbolt
// file, one process) and drafts/etcd.Store (a cluster, several replicas)
// implement it; see package drafts for the semantics of each call. The
// bot relies on Claim, ReviewOnce and ClaimPost for exactly-once handling
// across replicas.
type Store interface {
	Create(ctx context.Context, n drafts.NewDraft) (drafts.Draft, error)
	Get(ctx context.Context, team, id string) (drafts.Draft, error)
	Current(ctx context.Context, team, id string) (d drafts.Draft, events int, err error)
	FindByMessage(ctx context.Context, team, channel, ts string) (drafts.Draft, error)
	ListByAuthor(ctx context.Context, team, user string, p drafts.Page) ([]drafts.Draft, string, error)
	Revise(ctx context.Context, team, id string, base int, editor string, values map[string]string) (drafts.Draft, error)
	ReviewOnce(ctx context.Context, key, team, id, user string, kind drafts.ReviewKind, required int) (d drafts.Draft, changed, first bool, err error)
	MarkPosted(ctx context.Context, team, id string, m drafts.Message) (drafts.Draft, error)
	MarkPostFailed(ctx context.Context, team, id, reason string) (drafts.Draft, error)
	Requeue(ctx context.Context, team, id, channel string) (drafts.Draft, error)
	Pending(ctx context.Context) ([]drafts.Draft, error)
	ClaimPost(ctx context.Context, team, id string, ttl time.Duration) (bool, error)
	MarkShown(ctx context.Context, team, id string, events int) (bool, error)
	ToRefresh(ctx context.Context) ([]drafts.Draft, error)
	RecordExport(ctx context.Context, team, id, user string) error
	Claim(ctx context.Context, key string) (bool, error)
}

// Config is what the bot needs to run. Tokens are never logged.
type Config struct {
	AppToken string // xapp-…: Socket Mode
	BotToken string // xoxb-…: Web API
	APIURL   string // Web API base URL ending in "/"; "" means Slack's

	ApproveReaction   string   // reaction name that approves, e.g. "white_check_mark"
	ChangesReaction   string   // reaction name that requests changes, e.g. "x"
	ApprovalsRequired int      // approvals on the current revision to be Approved (at least 1)
	Approvers         []string // user ids allowed to approve; empty means anyone but the author

	// DrainTimeout bounds how long Run waits for in-flight work after its
	// context is cancelled (default 10 s).
	DrainTimeout time.Duration
	// AckBudget is how long the quick phase may take before the envelope is
	// acked with a fallback answer (default 2.5 s, inside Slack's 3 s); an
	// event is not, so that Slack delivers it again.
	AckBudget time.Duration
	// PingInterval is the Socket Mode watchdog (default slack-go's 30 s).
	PingInterval time.Duration
	// OutboxInterval is how often the outbox posts drafts that have waited
	// that long unposted (default 5 s): saved by a replica that died
	// before posting, or whose post failed for a passing reason. It also
	// brings up to date the review messages of drafts edited that long ago
	// whose update did not happen (ToRefresh).
	OutboxInterval time.Duration
	// PostClaimTTL is how long a replica holds a draft it is posting
	// before another may post it (default 30 s); the post itself is
	// bounded by three quarters of it.
	PostClaimTTL time.Duration
	// Connections is how many Socket Mode connections to hold (default 2,
	// at most 10 per app across all replicas). Slack spreads envelopes
	// across them, and while Slack refreshes one connection the others
	// keep serving.
	Connections int
}

func (c Config) withDefaults() Config {
	if c.ApproveReaction == "" {
		c.ApproveReaction = "white_check_mark"
	}
	if c.ChangesReaction == "" {
		c.ChangesReaction = "x"
	}
	if c.ApprovalsRequired < 1 {
		c.ApprovalsRequired = 1
	}
	if c.DrainTimeout <= 0 {
		c.DrainTimeout = 10 * time.Second
	}
	if c.AckBudget <= 0 {
		c.AckBudget = 2500 * time.Millisecond
	}
	if c.OutboxInterval <= 0 {
		c.OutboxInterval = 5 * time.Second
	}
	if c.PostClaimTTL < time.Second {
		c.PostClaimTTL = 30 * time.Second
	}
	if c.Connections <= 0 {
		c.Connections = 2
	}
	return c
}

// Bot is a running jobdesc Slack app.
type Bot struct {
	cfg     Config
	api     *slack.Client
	web     *webAPI // the calls made on every request; see webAPI
	sockets []*socket
	http    *http.Client
	store   Store
	catalog *templates.Catalog
	log     *slog.Logger
	metrics *Metrics

	locks    keyedMutex
	posting  sync.Map // draft key → chan struct{} closed when done: posts under way, so the outbox never posts twice at once
	inflight sync.WaitGroup
	admitMu  sync.Mutex // with closed: no envelope starts once draining has
	closed   bool
	prepared cache[prepared] // rendered and checked revisions
	// checker returns the posting checks (nil if their data is broken:
	// Check then says so in each draft), read on first use (warm reads
	// them at start).
	checker func() *checks.Checker
	modals  sync.Map // *templates.Role → []slack.Block: a new draft's modal inputs, encoded once

	botUser, team, workspace string // from auth.test
	announced                bool   // "connected to Slack" logged since the last time none was (Run's goroutine only)
}

// New builds a bot. It returns an error when a token is missing or of the
// wrong kind; it does not contact Slack (Run does).
func New(cfg Config, store Store, catalog *templates.Catalog, log *slog.Logger, metrics *Metrics) (*Bot, error) {
	cfg = cfg.withDefaults()
	if !strings.HasPrefix(cfg.AppToken, "xapp-") {
		return nil, errors.New("app token must start with xapp-")
	}
	if !strings.HasPrefix(cfg.BotToken, "xoxb-") {
		return nil, errors.New("bot token must start with xoxb-")
	}
	if store == nil || catalog == nil || log == nil {
		return nil, errors.New("bot needs a store, a catalogue and a logger")
	}
	if metrics == nil {
		metrics, _ = NewMetrics(nil) // nothing registered: cannot fail
	}
	checker := sync.OnceValue(func() *checks.Checker {
		c, err := checks.New()
		if err != nil {
			// Each draft then says the checks could not run, and why.
			log.Error("the posting checks cannot read their data", "err", err)
		}
		return c
	})
	transport := newTransport()
	hc := &http.Client{Transport: trimmingTransport{next: transport}, Timeout: apiTimeout}
	base := slack.APIURL
	if cfg.APIURL != "" {
		base = cfg.APIURL
		if !strings.HasSuffix(base, "/") {
			base += "/"
		}
	}
	api := slack.New(cfg.BotToken, slack.OptionHTTPClient(hc), slack.OptionAppLevelToken(cfg.AppToken), slack.OptionAPIURL(base))
	sockets := make([]*socket, cfg.Connections)
	for i := range sockets {
		sockets[i] = newSocket(api, cfg.PingInterval, func() { metrics.connects.Inc() })
	}
	return &Bot{
		cfg:      cfg,
		api:      api,
		web:      &webAPI{client: &http.Client{Transport: transport, Timeout: apiTimeout}, base: base, token: cfg.BotToken},
		sockets:  sockets,
		http:     hc,
		store:    store,
		catalog:  catalog,
		log:      log,
		metrics:  metrics,
		prepared: cache[prepared]{max: 512},
		checker:  checker,
	}, nil
}

// apiTimeout bounds one Web API call.
const apiTimeout = 30 * time.Second

// newTransport is the Web API's connection pool: http.DefaultTransport keeps
// two idle connections per host, so a burst would open new connections all
// the time.
func newTransport() *http.Transport {
	t := &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:   true,
		MaxIdleConns:        128,
		MaxIdleConnsPerHost: 64,
		IdleConnTimeout:     90 * time.Second,
		TLSHandshakeTimeout: 10 * time.Second,
		// Room for a whole request (a review message or a modal is 6-12
		// kB): with net/http's 4 kB the rest of the body went out in a
		// second write, through a buffer io.Copy allocated for it.
		WriteBufferSize: 16 << 10,
	}
	return t
}

// Connected reports whether at least one Socket Mode connection is up.
func (b *Bot) Connected() bool {
	for _, s := range b.sockets {
		if s.connected() {
			return true
		}
	}
	return false
}

// Run connects to Slack and serves until ctx is cancelled, then stops taking
// envelopes, lets in-flight work finish (bounded by DrainTimeout) and
// returns nil. It returns an error when Slack rejects the tokens.
func (b *Bot) Run(ctx context.Context) error {
	auth, err := b.api.AuthTestContext(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("check bot token with auth.test: %w", err)
	}
	b.botUser, b.team, b.workspace = auth.UserID, auth.TeamID, auth.Team

	// Work started by envelopes outlives ctx by up to DrainTimeout.
	work, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWork()
	sockCtx, stopSocket := context.WithCancel(context.WithoutCancel(ctx))
	defer stopSocket()

	sockErr := make(chan error, len(b.sockets))
	events := make(chan socketEvent, 16)
	// Envelopes are served on the goroutine that decoded them, not handed
	// through this loop: under a burst every hand-off is a wait for a CPU.
	deliver := func(se socketEvent) {
		if !b.admit() {
			return // draining: left unacknowledged, so Slack delivers it again
		}
		b.metrics.envelopes.WithLabelValues(se.env.Type).Inc()
		b.serve(work, se)
	}
	for _, s := range b.sockets {
		go func() { sockErr <- s.run(sockCtx, events, deliver) }()
	}

	b.goSafe(work, "warm-up", func(context.Context) error { return b.warm() })
	b.goSafe(work, "outbox", func(work context.Context) error { return b.outboxLoop(ctx, work) })
	b.goSafe(ctx, "sweep", func(ctx context.Context) error { return b.sweepLoop(ctx) })

	for {
		select {
		case <-ctx.Done():
			return b.drain(stopWork, stopSocket, sockErr)
		case err := <-sockErr:
			// Only a rejected token ends a connection's Run: stop them all.
			b.stopAdmitting()
			stopSocket()
			stopWork()
			b.inflight.Wait()
			for range len(b.sockets) - 1 {
				<-sockErr
			}
			if err == nil || errors.Is(err, context.Canceled) {
				return nil
			}
			return fmt.Errorf("socket mode: %w", err)
		case se := <-events:
			b.route(se)
		}
	}
}

// warm does at start what the first requests would otherwise wait for:
// it encodes each role's modal, reads the posting checks' data (3 ms of
// CPU and about 1.5 MB resident) and checks each role's example posting,
// which leaves the checks of its template's own wording cached. Done when
// the first modal opened, the checks' 3 ms held up the acks of the burst
// of slash commands that modal came with.
func (b *Bot) warm() error {
	for _, r := range b.catalog.Roles() {
		b.newDraftInputs(r)
	}
	c := b.checker()
	for _, r := range b.catalog.Roles() {
		values := r.Normalize(r.Example())
		rendered, err := r.Render(values)
		if err != nil {
			return fmt.Errorf("render the example of %s: %w", r.ID, err)
		}
		c.Check(r, values, rendered)
	}
	return nil
}

// drain waits for in-flight handlers (bounded), then closes the socket.
func (b *Bot) drain(stopWork, stopSocket context.CancelFunc, sockErr <-chan error) error {
	b.stopAdmitting()
	done := make(chan struct{})
	go func() { b.inflight.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(b.cfg.DrainTimeout):
		b.log.Warn("in-flight work did not finish in time; stopping it", "timeout", b.cfg.DrainTimeout)
		stopWork()
		<-done
	}
	stopSocket()
	for range b.sockets {
		if err := <-sockErr; err != nil && !errors.Is(err, context.Canceled) {
			b.log.Warn("socket mode stopped", "err", err)
		}
	}
	b.log.Info("stopped")
	return nil
}

// admit counts an envelope in flight, unless the bot is draining.
func (b *Bot) admit() bool {
	b.admitMu.Lock()
	defer b.admitMu.Unlock()
	if b.closed {
		return false
	}
	b.inflight.Add(1)
	return true
}

// stopAdmitting makes admit refuse every later envelope.
func (b *Bot) stopAdmitting() {
	b.admitMu.Lock()
	b.closed = true
	b.admitMu.Unlock()
}

// route logs the connections' state changes.
func (b *Bot) route(se socketEvent) {
	switch se.kind {
	case eventConnected:
		b.log.Debug("socket mode connection open; waiting for hello")
	case eventHello:
		// Hellos on several connections can arrive together: the first
		// one after none was up says so.
		if !b.announced {
			b.announced = true
			b.log.Info("connected to Slack", "workspace", b.workspace, "team", b.team, "bot_user", b.botUser, "connections", len(b.sockets))
		}
	case eventConnectError:
		b.log.Warn("socket mode connection failed; retrying", "err", se.err, "wait", se.wait)
	case eventInvalidAuth:
		b.log.Error("slack rejected the app token")
	case eventDropped:
		b.log.Info("socket mode connection ended; reconnecting", "reason", se.err)
		b.announced = b.announced && b.Connected()
	case eventBadFrame:
		b.log.Warn("socket mode frame ignored", "err", se.err)
	}
}

// response is a handler's quick answer: the ack payload, and the work to do
// after the ack.
type response struct {
	ack  any
	then func(ctx context.Context) error
	// thenNow runs then straight after the ack, instead of first letting
	// the envelopes queued behind this one ack (serve): for a modal
	// submission, whose post is what its author waits for once the modal
	// has closed.
	thenNow bool
	log     []any // attributes for log lines about this envelope
}

// serve runs one admitted envelope: the quick phase, the ack, then the
// slow work. If the quick phase overruns the ack budget, a fallback ack goes
// first and its answer is dropped; an event is instead acked when its
// handler is done, late, so that Slack delivers it again meanwhile. Panics
// are recovered and logged.
func (b *Bot) serve(ctx context.Context, se socketEvent) {
	defer b.inflight.Done()
	env := se.env
	log := b.log.With("envelope", env.ID, "type", env.Type)
	if env.err != nil {
		// Acked all the same: Slack would only deliver it again.
		log.Warn("envelope not understood; acked and ignored", "err", env.err)
		b.ack(log, se, nil)
		return
	}

	var once sync.Once
	late := time.AfterFunc(b.cfg.AckBudget, func() {
		if env.Type == envelopeEventsAPI {
			// No one waits on an event's ack, and acking one not yet
			// recorded (a reaction's review) would lose it if this process
			// died before recording it: Slack delivers an unacknowledged
			// event again, to this replica or another, and its event id
			// makes it count once. It is acked when its handler is done.
			log.Warn("handler too slow for the ack; leaving the event for Slack to deliver again", "budget", b.cfg.AckBudget)
			return
		}
		once.Do(func() {
			// Slack shows the user an error after 3 s: ack now with a fallback.
			b.ack(log, se, fallbackAck(env.req, "jobdesc is busy and could not confirm your draft in time. Press the button again in a moment; it will not be saved twice."))
			log.Warn("handler too slow for the ack; acked with a fallback", "budget", b.cfg.AckBudget)
		})
	})
	r := b.quick(ctx, log, env.req)
	late.Stop()
	once.Do(func() { b.ack(log, se, r.ack) })
	if r.then == nil {
		return
	}
	// Envelopes come in bursts, read one after another off the socket and
	// queued to run: let the ones queued behind this one ack before it
	// starts its slow work, instead of each ack waiting for the Web API
	// calls of every envelope ahead of it. A submission's post goes on at
	// once: yielding sent it behind every submission queued meanwhile, and
	// under a burst of them the last posts waited for all the others.
	if !r.thenNow {
		runtime.Gosched()
	}
	log = log.With(r.log...)
	defer func() {
		if p := recover(); p != nil {
			log.Error("handler panicked", "panic", p, "stack", string(debug.Stack()))
		}
	}()
	if err := r.then(ctx); err != nil {
		log.Error("handling failed", "err", err)
	}
}

// quick runs the quick phase; a panic answers with the fallback ack.
func (b *Bot) quick(ctx context.Context, log *slog.Logger, req request) (r response) {
	defer func() {
		if p := recover(); p != nil {
			log.Error("handler panicked", "panic", p, "stack", string(debug.Stack()))
			r = response{ack: fallbackAck(req, "Sorry, something went wrong on our side. Your answers are still here: please press the button again.")}
		}
	}()
	return b.handle(ctx, req)
}

// ack answers an envelope on the connection it came on.
func (b *Bot) ack(log *slog.Logger, se socketEvent, payload any) {
	// Counted as it is sent: once Slack has the ack, /metrics shows it.
	b.metrics.ackLatency.Observe(time.Since(se.received).Seconds())
	if err := se.conn.ack(se.env.ID, payload); err != nil {
		log.Error("ack failed", "err", err)
	}
}

// fallbackAck answers an envelope whose quick phase failed or overran the
// budget: a modal stays open with msg beside its first input, so the user
// keeps what they typed; anything else gets a plain ack.
func fallbackAck(req request, msg string) any {
	if cb, ok := req.data.(*slack.InteractionCallback); ok && cb.Type == slack.InteractionTypeViewSubmission && len(req.inputs) > 0 {
		return slack.NewErrorsViewSubmissionResponse(map[string]string{req.inputs[0]: msg})
	}
	return nil
}

// handle is the quick phase: it routes by payload type.
func (b *Bot) handle(ctx context.Context, req request) response {
	switch data := req.data.(type) {
	case slack.SlashCommand:
		return b.slashCommand(ctx, data)
	case *slack.InteractionCallback:
		return b.interaction(ctx, data, req.form, req.inputs)
	case slackevents.EventsAPIEvent:
		return b.eventsAPI(ctx, data)
	}
	return response{}
}

// goSafe runs f on a tracked goroutine, logging its error or panic.
func (b *Bot) goSafe(ctx context.Context, name string, f func(context.Context) error) {
	b.inflight.Add(1)
	go func() {
		defer b.inflight.Done()
		defer func() {
			if p := recover(); p != nil {
				b.log.Error("background task panicked", "task", name, "panic", p, "stack", string(debug.Stack()))
			}
		}()
		if err := f(ctx); err != nil && !errors.Is(err, context.Canceled) {
			b.log.Error("background task failed", "task", name, "err", err)
		}
	}()
}

// sweepLoop removes expired seen-records every hour.
func (b *Bot) sweepLoop(ctx context.Context) error {
	sw, ok := b.store.(interface {
		Sweep(context.Context) (int, error)
	})
	if !ok {
		return nil
	}
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if n, err := sw.Sweep(ctx); err != nil {
			b.log.Warn("sweeping seen-records failed", "err", err)
		} else if n > 0 {
			b.log.Debug("swept seen-records", "count", n)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// keyedMutex serialises work on one draft (store change, re-render, message
// update), so concurrent reactions never leave an older state on screen.
type keyedMutex struct {
	mu    sync.Mutex
	locks map[string]*keyedLock
}

type keyedLock struct {
	mu   sync.Mutex
	refs int
}

func (k *keyedMutex) lock(key string) func() {
	k.mu.Lock()
	if k.locks == nil {
		k.locks = map[string]*keyedLock{}
	}
	l := k.locks[key]
	if l == nil {
		l = &keyedLock{}
		k.locks[key] = l
	}
	l.refs++
	k.mu.Unlock()
	l.mu.Lock()
	return func() {
		l.mu.Unlock()
		k.mu.Lock()
		l.refs--
		if l.refs == 0 {
			delete(k.locks, key)
		}
		k.mu.Unlock()
	}
}
