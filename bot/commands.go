package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/jobdesc/jobdesc/drafts"
	"github.com/jobdesc/jobdesc/templates"
)

// slashCommand answers "/jobdesc …". Help and unknown roles are answered in
// the ack itself (an ephemeral reply, no Web API call); a role opens its
// modal after the ack; list and post answer through the response_url.
func (b *Bot) slashCommand(ctx context.Context, cmd slack.SlashCommand) response {
	if cmd.Command != Command {
		return response{ack: ephemeralAck(fmt.Sprintf("jobdesc answers %s, not %s.", Command, cmd.Command), nil)}
	}
	fields := strings.Fields(strings.ToLower(cmd.Text))
	logAttrs := []any{"user", cmd.UserID, "channel", cmd.ChannelID, "team", cmd.TeamID}
	switch {
	case len(fields) == 0 || fields[0] == subHelp:
		return response{ack: ephemeralAck("How to use jobdesc", helpMessage(b.catalog.Roles(), b.policy()))}
	case fields[0] == subList:
		return response{log: logAttrs, then: func(ctx context.Context) error {
			return b.listDrafts(ctx, cmd)
		}}
	case fields[0] == subPost:
		if len(fields) < 2 {
			return response{ack: ephemeralAck("Say which draft to post, e.g. `"+Command+" post AM-42`. `"+Command+" list` shows yours.", nil)}
		}
		id := strings.ToUpper(fields[1])
		return response{log: append(logAttrs, "draft", id), then: func(ctx context.Context) error {
			return b.postCommand(ctx, cmd, id)
		}}
	}
	role, ok := b.catalog.Role(fields[0])
	if !ok {
		return response{ack: ephemeralAck("Unknown role", unknownRoleMessage(fields[0], b.catalog.Closest(fields[0]), b.catalog.Roles()))}
	}
	meta := modalMeta{Channel: cmd.ChannelID, Role: role.ID}
	return response{log: logAttrs, then: func(ctx context.Context) error {
		err := b.openView(ctx, cmd.TriggerID, modalView(role, meta, b.newDraftInputs(role)))
		switch {
		case err == nil:
			return nil
		case slackError(err) == "exchanged_trigger_id":
			// Slack takes a trigger once: this command was delivered again
			// (to this replica or another) and its modal is open already.
			return nil
		}
		_ = b.respond(ctx, cmd.ResponseURL, "Sorry, I could not open the form ("+slackError(err)+"). Please try the command again.", nil)
		return fmt.Errorf("open %s modal: %w", role.ID, err)
	}}
}

// newDraftInputs are the inputs of role's modal for a new draft: the same
// for every slash command, so they are built and encoded once per role.
// (draftModal builds the same blocks, unencoded.)
func (b *Bot) newDraftInputs(role *templates.Role) []slack.Block {
	if bs, ok := b.modals.Load(role); ok {
		return bs.([]slack.Block)
	}
	bs := encodeBlocks(modalBlocks(role, role.Normalize(nil)))
	b.modals.Store(role, bs)
	return bs
}

// ephemeralAck is a slash command ack that shows a message to the user only.
func ephemeralAck(text string, blocks []slack.Block) any {
	msg := map[string]any{"response_type": slack.ResponseTypeEphemeral, "text": text}
	if len(blocks) > 0 {
		msg["blocks"] = blocks
	}
	return msg
}

func (b *Bot) policy() policy {
	return policy{
		ApproveReaction: b.cfg.ApproveReaction,
		ChangesReaction: b.cfg.ChangesReaction,
		Required:        b.cfg.ApprovalsRequired,
		Approvers:       b.cfg.Approvers,
	}
}

// listDrafts answers "/jobdesc list": the user's drafts, newest first.
func (b *Bot) listDrafts(ctx context.Context, cmd slack.SlashCommand) error {
	b.awaitPosts(ctx) // show a draft being posted right now as posted
	ds, next, err := b.store.ListByAuthor(ctx, cmd.TeamID, cmd.UserID, drafts.Page{Limit: 20})
	if err != nil {
		_ = b.respond(ctx, cmd.ResponseURL, "Sorry, I could not read your drafts just now. Please try again.", nil)
		return fmt.Errorf("list drafts: %w", err)
	}
	titles, links := b.describe(ctx, ds)
	return b.respond(ctx, cmd.ResponseURL, "Your drafts", listMessage(ds, titles, links, next != ""))
}

// describe finds each draft's title and review-message permalink.
func (b *Bot) describe(ctx context.Context, ds []drafts.Draft) (titles, links map[string]string) {
	titles, links = map[string]string{}, map[string]string{}
	type link struct{ id, url string }
	found := make(chan link, len(ds))
	n := 0
	for _, d := range ds {
		titles[d.ID] = b.title(d)
		if d.Message.TS == "" {
			continue
		}
		n++
		go func(d drafts.Draft) { found <- link{d.ID, b.permalink(ctx, d.Message.Channel, d.Message.TS)} }(d)
	}
	for range n {
		l := <-found
		links[l.id] = l.url
	}
	return titles, links
}

// title is how a draft is named in lists: "Account Manager at Acme".
func (b *Bot) title(d drafts.Draft) string {
	t := d.Values["job_title"]
	if t == "" {
		if role, ok := b.catalog.Role(d.Role); ok {
			t = role.Name
		} else {
			t = d.Role
		}
	}
	if c := d.Values["company_name"]; c != "" {
		t += " at " + c
	}
	return t
}

// postCommand answers "/jobdesc post ID": it puts a saved draft back in the
// outbox (for the channel the command was typed in) and posts it.
func (b *Bot) postCommand(ctx context.Context, cmd slack.SlashCommand, id string) error {
	d, err := b.store.Get(ctx, cmd.TeamID, id)
	switch {
	case errors.Is(err, drafts.ErrNotFound):
		return b.respond(ctx, cmd.ResponseURL, fmt.Sprintf("There is no draft %s. `%s list` shows yours.", id, Command), nil)
	case err != nil:
		return fmt.Errorf("get draft: %w", err)
	case d.Message.TS != "":
		link := b.permalink(ctx, d.Message.Channel, d.Message.TS)
		return b.respond(ctx, cmd.ResponseURL, fmt.Sprintf("%s is already posted for review: %s", d.ID, link), nil)
	}
	d, err = b.store.Requeue(ctx, cmd.TeamID, id, cmd.ChannelID)
	if err != nil {
		return fmt.Errorf("requeue draft: %w", err)
	}
	return b.repost(ctx, d)
}
