package bot

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/slack-go/slack"
)

// Retries of Web API calls: a 429 waits for Retry-After, a 5xx or a network
// error backs off; Slack's own errors ("not_in_channel") are final.
const (
	maxAttempts     = 5
	maxRetryAfter   = 30 * time.Second
	firstBackoff    = 200 * time.Millisecond
	maxBackoffDelay = 5 * time.Second
)

// call runs one Web API call with retries and records its outcome.
func (b *Bot) call(ctx context.Context, method string, f func(context.Context) error) error {
	backoff := firstBackoff
	for attempt := 1; ; attempt++ {
		err := f(ctx)
		outcome, wait := classify(method, err)
		b.metrics.apiCalls.WithLabelValues(method, outcome).Inc()
		if wait < 0 || attempt == maxAttempts {
			return err
		}
		if wait == 0 {
			wait = backoff
			backoff = min(backoff*2, maxBackoffDelay)
		}
		b.log.Warn("slack api call failed; retrying", "method", method, "outcome", outcome, "attempt", attempt, "wait", wait)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return errors.Join(err, ctx.Err())
		case <-t.C:
		}
	}
}

// classify names an outcome for metrics and says whether to retry: wait < 0
// means final, 0 means back off, > 0 means wait that long. A network error
// after a request was sent is ambiguous (Slack may have done it), so a
// method that would do it twice (a post) is not retried: the outbox checks
// for the post before trying again.
func classify(method string, err error) (outcome string, wait time.Duration) {
	if err == nil {
		return "ok", -1
	}
	var rl *slack.RateLimitedError
	if errors.As(err, &rl) {
		return "rate_limited", min(max(rl.RetryAfter, 100*time.Millisecond), maxRetryAfter)
	}
	var sc slack.StatusCodeError
	if errors.As(err, &sc) && sc.Code >= 500 {
		return "server_error", 0
	}
	var ne net.Error
	if errors.As(err, &ne) {
		var op *net.OpError
		if notIdempotent[method] && !(errors.As(err, &op) && op.Op == "dial") {
			return "network_error", -1
		}
		return "network_error", 0
	}
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		return se.Err, -1
	}
	return "error", -1
}

// slackError is the Slack error code in err ("not_in_channel"), or "".
func slackError(err error) string {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		return se.Err
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

// notIdempotent are the methods a retry could do twice.
var notIdempotent = map[string]bool{"chat.postMessage": true, "chat.postEphemeral": true}

// postMessage posts blocks to a channel (or a thread) and returns the ts.
// meta, when not nil, is the message's metadata.
func (b *Bot) postMessage(ctx context.Context, channel, threadTS, text string, blocks []slack.Block, meta *slack.SlackMetadata) (string, error) {
	a, err := b.web.send(ctx, b.call, "chat.postMessage", messageSize(text, blocks), func(o *body) {
		o.value("channel", channel)
		o.value("text", text)
		if len(blocks) > 0 {
			o.blocks("blocks", blocks)
		}
		if threadTS != "" {
			o.value("thread_ts", threadTS)
		}
		if meta != nil {
			o.value("metadata", meta)
		}
	})
	return a.TS, err
}

// updateMessage replaces a message's text and blocks.
func (b *Bot) updateMessage(ctx context.Context, channel, ts, text string, blocks []slack.Block) error {
	req, err := updateBody(channel, ts, text, blocks)
	if err != nil {
		return err
	}
	_, err = b.web.sendBody(ctx, b.call, "chat.update", req)
	return err
}

// updateBody is the body of a chat.update call.
func updateBody(channel, ts, text string, blocks []slack.Block) ([]byte, error) {
	req, err := encodeBody(messageSize(text, blocks), func(o *body) {
		o.value("channel", channel)
		o.value("ts", ts)
		o.value("text", text)
		o.blocks("blocks", blocks) // none clears them, as Slack reads "[]"
	})
	if err != nil {
		return nil, fmt.Errorf("chat.update: %w", err)
	}
	return req, nil
}

// messageSize guesses the size of a message's JSON body.
func messageSize(text string, blocks []slack.Block) int {
	n := len(text) + 512
	for _, b := range blocks {
		if e, ok := b.(encodedBlock); ok {
			n += len(e.raw) + 1
		} else {
			n += 512
		}
	}
	return n
}

// postEphemeral shows a message to one user in a channel.
func (b *Bot) postEphemeral(ctx context.Context, channel, user, text string, blocks []slack.Block) error {
	opts := []slack.MsgOption{slack.MsgOptionText(text, false)}
	if len(blocks) > 0 {
		opts = append(opts, slack.MsgOptionBlocks(blocks...))
	}
	return b.call(ctx, "chat.postEphemeral", func(ctx context.Context) error {
		_, err := b.api.PostEphemeralContext(ctx, channel, user, opts...)
		return err
	})
}

// respond answers through a slash command's or interaction's response_url.
func (b *Bot) respond(ctx context.Context, url, text string, blocks []slack.Block) error {
	msg := &slack.WebhookMessage{Text: text, ResponseType: slack.ResponseTypeEphemeral}
	if len(blocks) > 0 {
		msg.Blocks = &slack.Blocks{BlockSet: blocks}
	}
	return b.call(ctx, "response_url", func(ctx context.Context) error {
		return slack.PostWebhookCustomHTTPContext(ctx, url, b.http, msg)
	})
}

// openView opens a modal with a trigger id.
func (b *Bot) openView(ctx context.Context, trigger string, v slack.ModalViewRequest) error {
	_, err := b.web.send(ctx, b.call, "views.open", viewSize(v.Blocks.BlockSet)+128, func(o *body) {
		o.value("trigger_id", trigger)
		o.modal("view", v)
	})
	return err
}

// permalink is a link to a message, or "" when Slack can't give one.
func (b *Bot) permalink(ctx context.Context, channel, ts string) string {
	var link string
	err := b.call(ctx, "chat.getPermalink", func(ctx context.Context) error {
		var err error
		link, err = b.api.GetPermalinkContext(ctx, &slack.PermalinkParameters{Channel: channel, Ts: ts})
		return err
	})
	if err != nil {
		b.log.Debug("no permalink", "channel", channel, "ts", ts, "err", err)
		return ""
	}
	return link
}
