package bot

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"

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
// outbox and a handler try at the same time.
func (b *Bot) post(ctx context.Context, d drafts.Draft) error {
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

	d, err := b.store.Get(ctx, d.Team, d.ID)
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
	ts, err := b.postMessage(ctx, d.Channel, "", reviewText(shown, p.rendered), reviewMessage(shown, p.rendered, b.policy(), checkSummary(p.findings)))
	if err != nil {
		code := slackError(err)
		if tmpl, ok := channelProblems[code]; ok {
			if _, ferr := b.store.MarkPostFailed(ctx, d.Team, d.ID, code); ferr != nil {
				b.log.Error("recording failed post", "draft", d.ID, "err", ferr)
			}
			b.tellAuthor(ctx, d, fmt.Sprintf("I saved your draft *%s* but couldn't post it for review: ", d.ID)+fmt.Sprintf(tmpl, d.Channel, Command, d.ID))
			return fmt.Errorf("post %s to %s: %w", d.ID, d.Channel, err)
		}
		b.tellAuthor(ctx, d, fmt.Sprintf("I saved your draft *%s* but Slack didn't let me post it yet (%s). I'll try again when I restart, or run `%s post %s` to try now.", d.ID, code, Command, d.ID))
		return fmt.Errorf("post %s to %s: %w", d.ID, d.Channel, err)
	}
	if _, err := b.store.MarkPosted(ctx, d.Team, d.ID, drafts.Message{Channel: d.Channel, TS: ts}); err != nil {
		return fmt.Errorf("record %s posted at %s: %w", d.ID, ts, err)
	}
	b.log.Info("draft posted for review", "draft", d.ID, "team", d.Team, "user", d.Author, "channel", d.Channel, "ts", ts)
	if len(p.findings) > 0 {
		if _, err := b.postMessage(ctx, d.Channel, ts, findingsReply(p.role, d, p.findings), nil); err != nil {
			return fmt.Errorf("post the checks of %s: %w", d.ID, err)
		}
	}
	return nil
}

// tellAuthor sends the author a direct message from the bot.
func (b *Bot) tellAuthor(ctx context.Context, d drafts.Draft, text string) {
	if _, err := b.postMessage(ctx, d.Author, "", text, []slack.Block{slack.NewSectionBlock(mrkdwn(text), nil, nil)}); err != nil {
		b.log.Error("could not tell the author", "draft", d.ID, "user", d.Author, "err", err)
	}
}

// flushOutbox posts every draft that was saved but not posted, e.g. because
// the process died in between.
func (b *Bot) flushOutbox(ctx context.Context) error {
	ds, err := b.store.Pending(ctx)
	if err != nil {
		return fmt.Errorf("read outbox: %w", err)
	}
	for _, d := range ds {
		if err := b.post(ctx, d); err != nil {
			b.log.Error("outbox post failed", "draft", d.ID, "team", d.Team, "err", err)
		}
	}
	return nil
}

// refreshReview re-reads a draft and updates its review message in place.
// Callers hold no lock; refreshReview takes the draft's.
func (b *Bot) refreshReview(ctx context.Context, team, id string) error {
	unlock := b.locks.lock(team + "/" + id)
	defer unlock()
	d, err := b.store.Get(ctx, team, id)
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
	return b.updateMessage(ctx, d.Message.Channel, d.Message.TS, reviewText(d, p.rendered), reviewMessage(d, p.rendered, b.policy(), checkSummary(p.findings)))
}

// eventsAPI handles Events API envelopes after the ack.
func (b *Bot) eventsAPI(_ context.Context, evt socketmode.Event) response {
	ev, ok := evt.Data.(slackevents.EventsAPIEvent)
	if !ok {
		return response{}
	}
	eventID := ""
	if cb, ok := ev.Data.(*slackevents.EventsAPICallbackEvent); ok {
		eventID = cb.EventID
	}
	team := ev.TeamID
	switch e := ev.InnerEvent.Data.(type) {
	case *slackevents.ReactionAddedEvent:
		return b.reactionEvent(team, eventID, e.User, e.Reaction, e.Item, true)
	case *slackevents.ReactionRemovedEvent:
		return b.reactionEvent(team, eventID, e.User, e.Reaction, e.Item, false)
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

// reactionEvent approves, withdraws or requests changes when the reaction
// is one of ours on a review message.
func (b *Bot) reactionEvent(team, eventID, user, name string, item slackevents.Item, added bool) response {
	approve := name == b.cfg.ApproveReaction
	if !approve && name != b.cfg.ChangesReaction || item.Type != "message" || user == b.botUser {
		return response{}
	}
	return response{log: []any{"user", user, "team", team, "event", eventID, "reaction", name}, then: func(ctx context.Context) error {
		d, err := b.store.FindByMessage(ctx, team, item.Channel, item.Timestamp)
		if errors.Is(err, drafts.ErrNotFound) && b.awaitPosts(ctx) {
			// A quick reviewer can react before the post is recorded.
			d, err = b.store.FindByMessage(ctx, team, item.Channel, item.Timestamp)
		}
		if errors.Is(err, drafts.ErrNotFound) {
			return nil // not a review message
		}
		if err != nil {
			return fmt.Errorf("find draft by message: %w", err)
		}
		if first, err := b.claimEvent(ctx, eventID); err != nil || !first {
			return err
		}
		if reason := b.ineligible(d, user); reason != "" {
			if added {
				return b.postEphemeral(ctx, item.Channel, user, reason, nil)
			}
			return nil
		}
		return b.review(ctx, d, user, approve, added)
	}}
}

// ineligible says why user's reaction on d does not count, or "".
func (b *Bot) ineligible(d drafts.Draft, user string) string {
	if user == d.Author {
		return fmt.Sprintf("You wrote %s, so your reaction doesn't count as a review. Ask a teammate to review it.", d.ID)
	}
	if len(b.cfg.Approvers) > 0 && !slices.Contains(b.cfg.Approvers, user) {
		return fmt.Sprintf("Only the configured approvers (%s) can approve %s or request changes, so your reaction wasn't counted.", joinMentions(b.cfg.Approvers), d.ID)
	}
	return ""
}

func joinMentions(ids []string) string {
	s := ""
	for i, id := range userMentions(ids) {
		if i > 0 {
			s += ", "
		}
		s += id
	}
	return s
}

// review records an approval or change request (or its withdrawal), then
// updates the review message and says so in its thread.
func (b *Bot) review(ctx context.Context, d drafts.Draft, user string, approve, added bool) error {
	req := b.cfg.ApprovalsRequired
	var (
		after   drafts.Draft
		changed bool
		err     error
	)
	switch {
	case approve && added:
		after, changed, err = b.store.Approve(ctx, d.Team, d.ID, user, req)
	case approve:
		after, changed, err = b.store.Withdraw(ctx, d.Team, d.ID, user, req)
	case added:
		after, changed, err = b.store.RequestChanges(ctx, d.Team, d.ID, user)
	default:
		after, changed, err = b.store.WithdrawChangeRequest(ctx, d.Team, d.ID, user, req)
	}
	if err != nil {
		return fmt.Errorf("record review of %s: %w", d.ID, err)
	}
	if !changed {
		return nil
	}
	if err := b.refreshReview(ctx, d.Team, d.ID); err != nil {
		return err
	}
	var text string
	count := approvalCount(after, req)
	switch {
	case approve && added && after.Status == drafts.StatusApproved:
		text = fmt.Sprintf(":white_check_mark: <@%s> approved revision %d (%s). *%s is approved* and ready to post on a job board: use Export.", user, after.Revision, count, after.ID)
	case approve && added:
		text = fmt.Sprintf(":white_check_mark: <@%s> approved revision %d (%s).", user, after.Revision, count)
	case approve:
		text = fmt.Sprintf(":leftwards_arrow_with_hook: <@%s> withdrew their approval (%s). Status: %s.", user, count, statusLabel(after.Status))
	case added:
		text = fmt.Sprintf(":pencil2: <@%s> requested changes to revision %d. <@%s>, press Edit to revise it.", user, after.Revision, after.Author)
	default:
		text = fmt.Sprintf("<@%s> withdrew their change request. Status: %s.", user, statusLabel(after.Status))
	}
	_, err = b.postMessage(ctx, after.Message.Channel, after.Message.TS, text, nil)
	return err
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
