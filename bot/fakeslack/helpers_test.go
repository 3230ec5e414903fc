package fakeslack

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/jobdesc/jobdesc/bot/fakeslack/schema"
)

// testTimeout bounds every wait of a test.
const testTimeout = 10 * time.Second

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

// newServer starts a fake workspace closed at the end of the test, printing
// its transcript when the test failed. It validates against Slack's JSON
// schema (schema.Load) unless opts say otherwise.
func newServer(t *testing.T, opts Options) *Server {
	t.Helper()
	if opts.Logf == nil {
		opts.Logf = t.Logf
	}
	if opts.Schema == nil {
		opts.Schema = schema.Load
	}
	s, err := Start(opts)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("transcript:\n%s", s)
		}
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// newAPI returns a real slack-go client talking to s.
func newAPI(s *Server, token string, opts ...slack.Option) *slack.Client {
	opts = append([]slack.Option{slack.OptionAPIURL(s.APIURL()), slack.OptionAppLevelToken(s.AppToken())}, opts...)
	return slack.New(token, opts...)
}

// socketClient is a running slack-go Socket Mode client.
type socketClient struct {
	api    *slack.Client
	sm     *socketmode.Client
	events chan socketmode.Event
	runErr chan error
}

// connect runs a slack-go Socket Mode client against s until the test ends.
// With autoAck it acks every request without payload (as a bot that only
// cares about the effects would); the events still reach the channel.
func connect(t *testing.T, s *Server, opts ...socketmode.Option) *socketClient {
	t.Helper()
	api := newAPI(s, s.BotToken())
	sm := socketmode.New(api, opts...)
	c := &socketClient{api: api, sm: sm, events: make(chan socketmode.Event, 256), runErr: make(chan error, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { c.runErr <- sm.RunContext(ctx) })
	wg.Go(func() {
		for {
			select {
			case <-ctx.Done():
				return
			case evt := <-sm.Events:
				select {
				case c.events <- evt:
				case <-ctx.Done():
					return
				}
			}
		}
	})
	t.Cleanup(func() {
		cancel()
		wg.Wait()
	})
	return c
}

// next returns the next event of the given type, skipping others.
func (c *socketClient) next(t *testing.T, ctx context.Context, typ socketmode.EventType) socketmode.Event {
	t.Helper()
	for {
		select {
		case evt := <-c.events:
			if evt.Type == typ {
				return evt
			}
		case <-ctx.Done():
			t.Fatalf("waiting for a %s event: %v", typ, ctx.Err())
			return socketmode.Event{}
		}
	}
}

// ack acknowledges an event's request, failing the test on error.
func (c *socketClient) ack(t *testing.T, evt socketmode.Event, payload ...any) {
	t.Helper()
	if evt.Request == nil {
		t.Fatalf("event %s has no request to ack", evt.Type)
	}
	if err := c.sm.Ack(*evt.Request, payload...); err != nil {
		t.Fatalf("Ack: %v", err)
	}
}

// waitAck waits for the ack of d.
func waitAck(t *testing.T, ctx context.Context, d *Delivery) Ack {
	t.Helper()
	a, err := d.WaitAck(ctx)
	if err != nil {
		t.Fatalf("WaitAck(%s): %v", d.Type, err)
	}
	return a
}

// slackErr returns the Slack error code of err ("" for nil).
func slackErr(err error) string {
	if err == nil {
		return ""
	}
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		return se.Err
	}
	return err.Error()
}
