package bot

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/jobdesc/jobdesc/drafts"
)

// Slack errors that mean the bot cannot post in a channel until a person
// fixes something: the draft stays saved and the author is told how.
var channelProblems = map[string]string{
	"not_in_channel":    "I'm not a member of <#%s>. Invite me there (`/invite @jobdesc`), then run `%s post %s` in that channel.",
	"channel_not_found": "I can't see <#%s> (it may be private). Invite me there (`/invite @jobdesc`), then run `%s post %s` in that channel.",
	"is_archived":       "<#%s> is archived. Run `%s post %s` in another channel to post it there.",
}

// post posts a saved draft for review (the outbox): once, even when the
// outbox and a handler try at the same time, in this process or in
// another replica.
func (b *Bot) post(ctx context.Context, d drafts.Draft) error {
	return b.postDraft(ctx, d, postOpts{notify: true})
}

// repost posts a draft that may have been posted before without the post
// being recorded (a lost answer, a crash): it looks first.
func (b *Bot) repost(ctx context.Context, d drafts.Draft) error {
	return b.postDraft(ctx, d, postOpts{notify: true, lookFirst: true})
}

// postOpts says how postDraft treats a draft.
type postOpts struct {
	notify    bool // tell the author about a failure the outbox will retry (its retries don't, so the author hears once)
	lookFirst bool // look for an unrecorded earlier post before posting
}

// postDraft posts d if it is still in the outbox and this process wins its
// post claim (ClaimPost: one replica posts a draft; a dead one's claim
// lapses after PostClaimTTL).
func (b *Bot) postDraft(ctx context.Context, d drafts.Draft, o postOpts) error {
	key := d.Team + "/" + d.ID
	done := make(chan struct{})
	if _, busy := b.posting.LoadOrStore(key, done); busy {
		return nil
	}
	defer func() {
		b.posting.Delete(key)
		close(done)
	}()
	unlock := b.locks.lock(key)
	defer unlock()

	claimed, err := b.store.ClaimPost(ctx, d.Team, d.ID, b.cfg.PostClaimTTL)
	if err != nil {
		return fmt.Errorf("claim %s for posting: %w", d.ID, err)
	}
	if !claimed {
		return nil // posted meanwhile, or another replica is posting it
	}
	d, _, err = b.store.Current(ctx, d.Team, d.ID)
	if err != nil {
		return fmt.Errorf("re-read draft before posting: %w", err)
	}
	if !d.PostPending || d.Message.TS != "" {
		return nil // posted meanwhile
	}
	p, err := b.prepare(d)
	if err != nil {
		return err
	}
	shown := d
	shown.Status = drafts.StatusInReview
	if o.lookFirst {
		// A process may have died after Slack took its post and before
		// recording it, or the answer was lost: adopt that post rather
		// than post twice.
		if ts := b.findPosted(ctx, d); ts != "" {
			if _, err := b.store.MarkPosted(ctx, d.Team, d.ID, drafts.Message{Channel: d.Channel, TS: ts}); err != nil {
				return fmt.Errorf("record %s posted earlier at %s: %w", d.ID, ts, err)
			}
			b.log.Info("found the draft's earlier post; not posting again", "draft", d.ID, "team", d.Team, "channel", d.Channel, "ts", ts)
			return b.updateMessage(ctx, d.Channel, ts, reviewText(shown, p.rendered), reviewMessage(shown, p.body, b.policy(), checkSummary(p.findings)))
		}
	}
	// Post while the claim holds, so no other replica can post too. The
	// metadata names the draft, so an unrecorded post can be found again.
	pctx, cancel := context.WithTimeout(ctx, b.cfg.PostClaimTTL*3/4)
	ts, err := b.postMessage(pctx, d.Channel, "", reviewText(shown, p.rendered), reviewMessage(shown, p.body, b.policy(), checkSummary(p.findings)),
		ptr(reviewMetadata(d)))
	cancel()
	if err != nil {
		code := slackError(err)
		if tmpl, ok := channelProblems[code]; ok {
			if _, ferr := b.store.MarkPostFailed(ctx, d.Team, d.ID, code); ferr != nil {
				b.log.Error("recording failed post", "draft", d.ID, "err", ferr)
			}
			b.tellAuthor(ctx, d, fmt.Sprintf("I saved your draft *%s* but couldn't post it for review: ", d.ID)+fmt.Sprintf(tmpl, d.Channel, Command, d.ID))
			return fmt.Errorf("post %s to %s: %w", d.ID, d.Channel, err)
		}
		if o.notify {
			b.tellAuthor(ctx, d, fmt.Sprintf("I saved your draft *%s* but couldn't confirm it was posted for review (%s). I'll check and try again shortly, or run `%s post %s` to try now.", d.ID, code, Command, d.ID))
		}
		return fmt.Errorf("post %s to %s: %w", d.ID, d.Channel, err)
	}
	if _, err := b.store.MarkPosted(ctx, d.Team, d.ID, drafts.Message{Channel: d.Channel, TS: ts}); err != nil {
		return fmt.Errorf("record %s posted at %s: %w", d.ID, ts, err)
	}
	b.log.Info("draft posted for review", "draft", d.ID, "team", d.Team, "user", d.Author, "channel", d.Channel, "ts", ts)
	if len(p.findings) > 0 {
		if _, err := b.postMessage(ctx, d.Channel, ts, findingsReply(p.role, d, p.findings), nil, nil); err != nil {
			return fmt.Errorf("post the checks of %s: %w", d.ID, err)
		}
	}
	return nil
}

// reviewEventType marks the bot's review messages in their metadata.
const reviewEventType = "jobdesc_review"

// reviewMetadata names the draft a review message shows.
func reviewMetadata(d drafts.Draft) slack.SlackMetadata {
	return slack.SlackMetadata{EventType: reviewEventType, EventPayload: map[string]any{"team": d.Team, "draft": d.ID}}
}

// findPosted looks in the draft's channel, since the draft was created, for
// a review message the bot posted for it but never recorded, and returns
// its ts, or "" (also when the history can't be read: posting again is
// better than not posting).
func (b *Bot) findPosted(ctx context.Context, d drafts.Draft) string {
	var resp *slack.GetConversationHistoryResponse
	err := b.call(ctx, "conversations.history", func(ctx context.Context) error {
		var err error
		resp, err = b.api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{
			ChannelID: d.Channel, Oldest: slackTS(d.Created.Add(-time.Minute)), Limit: 200, IncludeAllMetadata: true,
		})
		return err
	})
	if err != nil {
		b.log.Warn("could not look for an earlier post; posting", "draft", d.ID, "channel", d.Channel, "err", err)
		return ""
	}
	for _, m := range resp.Messages {
		md := m.Metadata
		if md.EventType == reviewEventType && md.EventPayload["team"] == d.Team && md.EventPayload["draft"] == d.ID && (b.botUser == "" || m.User == b.botUser) {
			return m.Timestamp
		}
	}
	return ""
}

// adoptPost records the message at channel/ts as its draft's review post
// when its metadata names a draft of team that has no recorded post (the
// poster's answer was lost or it died), and returns the draft. It returns
// drafts.ErrNotFound when the message is not such a post.
func (b *Bot) adoptPost(ctx context.Context, team, channel, ts string) (drafts.Draft, error) {
	var resp *slack.GetConversationHistoryResponse
	err := b.call(ctx, "conversations.history", func(ctx context.Context) error {
		var err error
		resp, err = b.api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{
			ChannelID: channel, Oldest: ts, Latest: ts, Inclusive: true, Limit: 1, IncludeAllMetadata: true,
		})
		return err
	})
	if err != nil {
		return drafts.Draft{}, fmt.Errorf("read message %s: %w", ts, err)
	}
	for _, m := range resp.Messages {
		md := m.Metadata
		id, _ := md.EventPayload["draft"].(string)
		if m.Timestamp != ts || md.EventType != reviewEventType || md.EventPayload["team"] != team || id == "" {
			continue
		}
		d, err := b.store.Get(ctx, team, id)
		if err != nil {
			return drafts.Draft{}, fmt.Errorf("get draft of message %s: %w", ts, err)
		}
		if d.Message.TS == ts {
			return d, nil // recorded meanwhile
		}
		if d.Message.TS != "" {
			return drafts.Draft{}, drafts.ErrNotFound // an orphan copy; the draft has its post
		}
		if _, err := b.store.MarkPosted(ctx, team, id, drafts.Message{Channel: channel, TS: ts}); err != nil {
			return drafts.Draft{}, fmt.Errorf("adopt post %s of %s: %w", ts, id, err)
		}
		b.log.Info("adopted an unrecorded review post", "draft", id, "team", team, "channel", channel, "ts", ts)
		return b.store.Get(ctx, team, id)
	}
	return drafts.Draft{}, drafts.ErrNotFound
}

// slackTS is t as a Slack message timestamp.
func slackTS(t time.Time) string {
	return fmt.Sprintf("%d.%06d", t.Unix(), t.Nanosecond()/1000)
}

// tellAuthor sends the author a direct message from the bot.
func (b *Bot) tellAuthor(ctx context.Context, d drafts.Draft, text string) {
	if _, err := b.postMessage(ctx, d.Author, "", text, []slack.Block{slack.NewSectionBlock(mrkdwn(text), nil, nil)}, nil); err != nil {
		b.log.Error("could not tell the author", "draft", d.ID, "user", d.Author, "err", err)
	}
}

// outboxLoop posts the drafts saved but not posted: at start every one,
// then every OutboxInterval those that have waited at least that long —
// saved by a replica (or a run of this one) that died before posting, or
// whose post failed for a passing reason and whose claim has lapsed. It
// stops when stop ends; posts run with ctx, which outlives stop while
// in-flight work drains.
func (b *Bot) outboxLoop(stop, ctx context.Context) error {
	b.flushOutbox(ctx, 0)
	t := time.NewTicker(b.cfg.OutboxInterval)
	defer t.Stop()
	for {
		select {
		case <-stop.Done():
			return nil
		case <-t.C:
			b.flushOutbox(ctx, b.cfg.OutboxInterval)
		}
	}
}

// flushOutbox posts the pending drafts that have waited at least minAge
// (since they were queued or last changed), oldest first, then updates the
// review messages left behind by an edit that long ago.
func (b *Bot) flushOutbox(ctx context.Context, minAge time.Duration) {
	ds, err := b.store.Pending(ctx)
	if err != nil {
		b.log.Error("reading the outbox failed", "err", err)
		return
	}
	for _, d := range ds {
		if minAge > 0 && time.Since(d.Updated) < minAge {
			continue // its own handler is posting it
		}
		if err := b.postDraft(ctx, d, postOpts{lookFirst: true}); err != nil {
			b.log.Error("outbox post failed", "draft", d.ID, "team", d.Team, "err", err)
		}
	}
	ds, err = b.store.ToRefresh(ctx)
	if err != nil {
		b.log.Error("reading the review messages to refresh failed", "err", err)
		return
	}
	for _, d := range ds {
		if minAge > 0 && time.Since(d.Updated) < minAge {
			continue // its own handler is updating it
		}
		if err := b.refreshReview(ctx, d.Team, d.ID); err != nil {
			b.log.Error("refreshing a review message failed", "draft", d.ID, "team", d.Team, "err", err)
		}
	}
}

// refreshRounds bounds how often refreshReview re-renders a draft that
// keeps changing under it.
const refreshRounds = 5

// refreshReview re-reads a draft and updates its review message in place,
// then reads it again: if it changed meanwhile (another replica's review
// landed while this one rendered), it renders again, so the message ends
// showing the latest state whichever update Slack applies last. Callers
// hold no lock; refreshReview takes the draft's.
func (b *Bot) refreshReview(ctx context.Context, team, id string) error {
	unlock := b.locks.lock(team + "/" + id)
	defer unlock()
	var shown []byte
	for round := 0; ; round++ {
		// The message shows the draft's state, not its history.
		d, events, err := b.store.Current(ctx, team, id)
		if err != nil {
			return fmt.Errorf("re-read draft: %w", err)
		}
		if d.Message.TS == "" {
			return nil
		}
		p, err := b.prepare(d)
		if err != nil {
			return err
		}
		// What the message shows is the body of the update that shows it.
		req, err := updateBody(d.Message.Channel, d.Message.TS, reviewText(d, p.rendered), reviewMessage(d, p.body, b.policy(), checkSummary(p.findings)))
		if err != nil {
			return fmt.Errorf("render %s: %w", id, err)
		}
		if bytes.Equal(req, shown) {
			// The message shows the latest state.
			if d.RefreshPending {
				if _, err := b.store.MarkShown(ctx, team, id, events); err != nil {
					return fmt.Errorf("record %s shown: %w", id, err)
				}
			}
			return nil
		}
		if round == refreshRounds {
			return fmt.Errorf("review message of %s: the draft kept changing over %d updates", id, refreshRounds)
		}
		if _, err := b.web.sendBody(ctx, b.call, "chat.update", req); err != nil {
			return err
		}
		shown = req
	}
}

// eventsAPI handles Events API envelopes: reactions before the ack (see
// reactionEvent), the rest after it.
func (b *Bot) eventsAPI(ctx context.Context, ev slackevents.EventsAPIEvent) response {
	eventID := ""
	if cb, ok := ev.Data.(*slackevents.EventsAPICallbackEvent); ok {
		eventID = cb.EventID
	}
	team := ev.TeamID
	switch e := ev.InnerEvent.Data.(type) {
	case *slackevents.ReactionAddedEvent:
		return b.reactionEvent(ctx, team, eventID, e.User, e.Reaction, e.Item, e.ItemUser, true)
	case *slackevents.ReactionRemovedEvent:
		return b.reactionEvent(ctx, team, eventID, e.User, e.Reaction, e.Item, e.ItemUser, false)
	case *slackevents.AppHomeOpenedEvent:
		if e.Tab != "home" {
			return response{}
		}
		user := e.User
		return response{log: []any{"user", user, "team", team, "event", eventID}, then: func(ctx context.Context) error {
			return b.publishHome(ctx, team, user)
		}}
	}
	return response{}
}

// awaitPosts waits for the posts under way to be recorded, and says whether
// there were any.
func (b *Bot) awaitPosts(ctx context.Context) bool {
	var waits []chan struct{}
	b.posting.Range(func(_, v any) bool {
		waits = append(waits, v.(chan struct{}))
		return true
	})
	for _, w := range waits {
		select {
		case <-w:
		case <-ctx.Done():
			return false
		}
	}
	return len(waits) > 0
}

// claimEvent says whether an event is new; a redelivered event_id is not.
func (b *Bot) claimEvent(ctx context.Context, eventID string) (bool, error) {
	if eventID == "" {
		return true, nil
	}
	first, err := b.store.Claim(ctx, "event:"+eventID)
	if err != nil {
		return false, fmt.Errorf("claim event %s: %w", eventID, err)
	}
	return first, nil
}

// quickRecordWait is how long a reaction on one of the bot's messages that
// no draft claims yet waits, before the ack, for another replica to record
// its post; after the ack it waits up to PostClaimTTL (a post unrecorded
// by then is posted again by another replica).
const quickRecordWait = 300 * time.Millisecond

// reaction is a reaction event the bot acts on.
type reaction struct {
	team, eventID, user string
	item                slackevents.Item
	kind                drafts.ReviewKind
	added               bool
}

// reactionEvent approves, withdraws or requests changes when the reaction
// is one of ours on a review message. The review is recorded and the
// message updated before the ack: if this process dies first, Slack
// redelivers the event (to another connection, often another replica),
// and ReviewOnce — which claims the event id in the same transaction as
// the review — makes it count once; the redelivery still updates the
// message. The thread reply follows the ack. A reaction on a bot message
// that no draft claims yet (its post not recorded yet, e.g. during an etcd
// election) is handled after the ack, once the post is recorded.
func (b *Bot) reactionEvent(ctx context.Context, team, eventID, user, name string, item slackevents.Item, itemUser string, added bool) response {
	approve := name == b.cfg.ApproveReaction
	if !approve && name != b.cfg.ChangesReaction || item.Type != "message" || user == b.botUser {
		return response{}
	}
	r := reaction{team: team, eventID: eventID, user: user, item: item, added: added, kind: drafts.ReviewApprove}
	switch {
	case approve && !added:
		r.kind = drafts.ReviewWithdraw
	case !approve && added:
		r.kind = drafts.ReviewRequestChanges
	case !approve:
		r.kind = drafts.ReviewWithdrawChangeRequest
	}
	log := []any{"user", user, "team", team, "event", eventID, "reaction", name}
	ours := itemUser != "" && itemUser == b.botUser
	wait := time.Duration(0)
	if ours {
		wait = quickRecordWait
	}
	d, err := b.findReviewMessage(ctx, team, item, wait)
	switch {
	case errors.Is(err, drafts.ErrNotFound) && ours:
		return response{log: log, then: func(ctx context.Context) error {
			// A post whose answer was lost, or whose poster died, is in
			// the channel but not recorded: adopt it by its metadata;
			// else wait for a slow poster to record it.
			d, err := b.adoptPost(ctx, team, item.Channel, item.Timestamp)
			if errors.Is(err, drafts.ErrNotFound) {
				d, err = b.findReviewMessage(ctx, team, item, b.cfg.PostClaimTTL)
			}
			if errors.Is(err, drafts.ErrNotFound) {
				return nil // not a review message after all
			}
			if err != nil {
				return fmt.Errorf("find draft by message: %w", err)
			}
			then, err := b.react(ctx, d, r)
			if err != nil || then == nil {
				return err
			}
			return then(ctx)
		}}
	case errors.Is(err, drafts.ErrNotFound):
		return response{} // not a review message
	case err != nil:
		b.log.Error("handling a reaction failed", append(log, "err", err)...)
		return response{}
	}
	then, err := b.react(ctx, d, r)
	if err != nil {
		b.log.Error("handling a reaction failed", append(log, "draft", d.ID, "err", err)...)
	}
	return response{log: append(log, "draft", d.ID), then: then}
}

// react applies a reaction to d: the review with its event id claimed in
// the same transaction, then the message update. It returns the work left
// for after the ack (the thread reply, or an ephemeral note to an
// ineligible reviewer), or nil.
func (b *Bot) react(ctx context.Context, d drafts.Draft, r reaction) (func(context.Context) error, error) {
	if reason := b.ineligible(d, r.user); reason != "" {
		return func(ctx context.Context) error {
			if first, err := b.claimEvent(ctx, r.eventID); err != nil || !first || !r.added {
				return err
			}
			return b.postEphemeral(ctx, r.item.Channel, r.user, reason, nil)
		}, nil
	}
	key := ""
	if r.eventID != "" {
		key = "event:" + r.eventID
	}
	after, changed, first, err := b.store.ReviewOnce(ctx, key, d.Team, d.ID, r.user, r.kind, b.cfg.ApprovalsRequired)
	if err != nil {
		return nil, fmt.Errorf("record review of %s: %w", d.ID, err)
	}
	if !changed && first {
		return nil, nil // e.g. approving twice: nothing to show
	}
	if err := b.refreshReview(ctx, d.Team, d.ID); err != nil {
		b.log.Error("updating the review message failed", "draft", d.ID, "team", d.Team, "err", err)
	}
	if !first || !changed {
		return nil, nil // a redelivery: the first delivery replied in the thread (or died trying)
	}
	return func(ctx context.Context) error {
		_, err := b.postMessage(ctx, after.Message.Channel, after.Message.TS, reviewReply(after, r.user, r.kind, b.cfg.ApprovalsRequired), nil, nil)
		return err
	}, nil
}

// findReviewMessage finds the draft posted as the reacted-to message. A
// reviewer can react before the post is recorded: in this process (await
// the posts under way) or in another replica (wait up to wait for the
// record).
func (b *Bot) findReviewMessage(ctx context.Context, team string, item slackevents.Item, wait time.Duration) (drafts.Draft, error) {
	d, err := b.store.FindByMessage(ctx, team, item.Channel, item.Timestamp)
	if !errors.Is(err, drafts.ErrNotFound) {
		return d, err
	}
	if b.awaitPosts(ctx) {
		d, err = b.store.FindByMessage(ctx, team, item.Channel, item.Timestamp)
		if !errors.Is(err, drafts.ErrNotFound) {
			return d, err
		}
	}
	if wait <= 0 {
		return d, err
	}
	wctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	t := time.NewTicker(25 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-wctx.Done():
			return d, err
		case <-t.C:
		}
		d, err = b.store.FindByMessage(ctx, team, item.Channel, item.Timestamp)
		if !errors.Is(err, drafts.ErrNotFound) {
			return d, err
		}
	}
}

// ineligible says why user's reaction on d does not count, or "".
func (b *Bot) ineligible(d drafts.Draft, user string) string {
	if user == d.Author {
		return fmt.Sprintf("You wrote %s, so your reaction doesn't count as a review. Ask a teammate to review it.", d.ID)
	}
	if len(b.cfg.Approvers) > 0 && !slices.Contains(b.cfg.Approvers, user) {
		return fmt.Sprintf("Only the configured approvers (%s) can approve %s or request changes, so your reaction wasn't counted.", strings.Join(userMentions(b.cfg.Approvers), ", "), d.ID)
	}
	return ""
}

// reviewReply is the thread reply announcing a review change by user.
func reviewReply(after drafts.Draft, user string, kind drafts.ReviewKind, required int) string {
	count := approvalCount(after, required)
	switch {
	case kind == drafts.ReviewApprove && after.Status == drafts.StatusApproved:
		return fmt.Sprintf(":white_check_mark: <@%s> approved revision %d (%s). *%s is approved* and ready to post on a job board: use Export.", user, after.Revision, count, after.ID)
	case kind == drafts.ReviewApprove:
		return fmt.Sprintf(":white_check_mark: <@%s> approved revision %d (%s).", user, after.Revision, count)
	case kind == drafts.ReviewWithdraw:
		return fmt.Sprintf(":leftwards_arrow_with_hook: <@%s> withdrew their approval (%s). Status: %s.", user, count, statusLabel(after.Status))
	case kind == drafts.ReviewRequestChanges:
		return fmt.Sprintf(":pencil2: <@%s> requested changes to revision %d. <@%s>, press Edit to revise it.", user, after.Revision, after.Author)
	default:
		return fmt.Sprintf("<@%s> withdrew their change request. Status: %s.", user, statusLabel(after.Status))
	}
}

// publishHome shows the user's drafts on the App Home tab.
func (b *Bot) publishHome(ctx context.Context, team, user string) error {
	b.awaitPosts(ctx)
	ds, _, err := b.store.ListByAuthor(ctx, team, user, drafts.Page{Limit: 30})
	if err != nil {
		return fmt.Errorf("list drafts for home: %w", err)
	}
	titles, links := b.describe(ctx, ds)
	v := homeView(ds, titles, links, b.catalog.Roles())
	return b.call(ctx, "views.publish", func(ctx context.Context) error {
		_, err := b.api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: user, View: v})
		return err
	})
}
