package bot

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/slack-go/slack"

	"github.com/jobdesc/jobdesc/drafts"
	"github.com/jobdesc/jobdesc/templates"
)

// interaction routes modal submissions and button clicks.
func (b *Bot) interaction(ctx context.Context, cb slack.InteractionCallback) response {
	switch cb.Type {
	case slack.InteractionTypeViewSubmission:
		if cb.View.CallbackID == callbackDraft {
			return b.submitDraft(ctx, cb)
		}
	case slack.InteractionTypeBlockActions:
		for _, a := range cb.ActionCallback.BlockActions {
			switch a.ActionID {
			case actionEdit:
				return b.editClicked(cb, a.Value)
			case actionExport:
				return b.exportClicked(cb, a.Value)
			}
		}
	}
	return response{} // view_closed and anything else: a plain ack
}

// submitDraft validates a submitted modal and saves it before the ack, so a
// submission the user saw accepted is on disk; posting happens after.
func (b *Bot) submitDraft(ctx context.Context, cb slack.InteractionCallback) response {
	firstBlock := firstInputBlock(cb.View)
	fail := func(msg string) response {
		if firstBlock == "" {
			return response{}
		}
		return response{ack: slack.NewErrorsViewSubmissionResponse(map[string]string{firstBlock: msg})}
	}
	meta, err := decodeMeta(cb.View.PrivateMetadata)
	if err != nil {
		b.log.Error("modal without metadata", "user", cb.User.ID, "err", err)
		return fail("This form is from an older jobdesc and can't be saved. Close it and run " + Command + " again.")
	}
	role, ok := b.catalog.Role(meta.Role)
	if !ok {
		return fail(fmt.Sprintf("The role %q is no longer available. Close this form and run %s help.", meta.Role, Command))
	}
	values := role.Normalize(submittedValues(role, cb.View.State))
	if errs := role.Validate(values); len(errs) > 0 {
		return response{ack: slack.NewErrorsViewSubmissionResponse(errs)}
	}
	team, user := cb.Team.ID, cb.User.ID
	log := []any{"user", user, "team", team, "role", role.ID}

	// The same view and hash submitted again (a redelivery, or a retry after
	// a slow ack) is the same submission: never save it twice.
	first, err := b.store.Claim(ctx, "submit:"+cb.View.ID+":"+cb.View.Hash)
	if err != nil {
		b.log.Error("claim submission failed", append(log, "err", err)...)
		return fail("Sorry, jobdesc could not save your draft just now. Please press the button again.")
	}
	if !first {
		return response{ack: slack.NewClearViewSubmissionResponse()}
	}

	if meta.Draft == "" {
		d, err := b.store.Create(ctx, drafts.NewDraft{
			Team: team, Channel: meta.Channel, Author: user, Role: role.ID, Prefix: role.Prefix, Values: values,
		})
		if err != nil {
			b.log.Error("saving draft failed", append(log, "err", err)...)
			return fail("Sorry, jobdesc could not save your draft just now. Please press the button again.")
		}
		return response{
			ack: slack.NewClearViewSubmissionResponse(),
			log: append(log, "draft", d.ID),
			then: func(ctx context.Context) error {
				return b.post(ctx, d)
			},
		}
	}

	before, err := b.store.Get(ctx, team, meta.Draft)
	if err != nil {
		b.log.Error("reading draft for edit failed", append(log, "draft", meta.Draft, "err", err)...)
		return fail(fmt.Sprintf("Sorry, jobdesc could not find %s just now. Please try again.", meta.Draft))
	}
	if !b.canEdit(before, user) {
		return fail(fmt.Sprintf("Only the author of %s or an approver can edit it.", meta.Draft))
	}
	d, err := b.store.Revise(ctx, team, meta.Draft, meta.Base, user, values)
	if errors.Is(err, drafts.ErrConflict) {
		return fail(fmt.Sprintf("%s was changed by someone else while you were editing. Copy anything you want to keep, close this form and press Edit again to start from the latest revision.", meta.Draft))
	}
	if err != nil {
		b.log.Error("saving revision failed", append(log, "draft", meta.Draft, "err", err)...)
		return fail("Sorry, jobdesc could not save your changes just now. Please press the button again.")
	}
	return response{
		ack: slack.NewClearViewSubmissionResponse(),
		log: append(log, "draft", d.ID),
		then: func(ctx context.Context) error {
			return b.revised(ctx, before, d, role, user)
		},
	}
}

// canEdit says whether user may edit d: its author, or an approver (anyone
// when no approvers are configured).
func (b *Bot) canEdit(d drafts.Draft, user string) bool {
	return user == d.Author || len(b.cfg.Approvers) == 0 || slices.Contains(b.cfg.Approvers, user)
}

// revised updates the review message after an edit and says in its thread
// what changed.
func (b *Bot) revised(ctx context.Context, before, d drafts.Draft, role *templates.Role, user string) error {
	if d.Message.TS == "" {
		if d.PostPending {
			return b.post(ctx, d)
		}
		return nil
	}
	if err := b.refreshReview(ctx, d.Team, d.ID); err != nil {
		return err
	}
	changed := []string(nil)
	if full, err := b.store.Get(ctx, d.Team, d.ID); err == nil {
		for _, rev := range full.Revisions {
			if rev.Number == d.Revision {
				changed = rev.Changed
			}
		}
	}
	text := fmt.Sprintf(":pencil2: <@%s> saved revision %d of %s: changed %s.", user, d.Revision, d.ID, escape(changedFields(role, changed)))
	if len(before.Approvals) > 0 || before.Status == drafts.StatusApproved {
		text += fmt.Sprintf(" Earlier approvals were for revision %d, so they were reset: please review again.", before.Revision)
	}
	_, err := b.postMessage(ctx, d.Message.Channel, d.Message.TS, text, nil)
	return err
}

// editClicked opens the modal prefilled from the draft's current revision.
func (b *Bot) editClicked(cb slack.InteractionCallback, id string) response {
	team, user := cb.Team.ID, cb.User.ID
	return response{log: []any{"user", user, "team", team, "draft", id}, then: func(ctx context.Context) error {
		d, err := b.store.Get(ctx, team, id)
		if err != nil {
			return errors.Join(fmt.Errorf("get draft: %w", err), b.notice(ctx, cb, fmt.Sprintf("Sorry, I could not open %s just now.", id)))
		}
		if !b.canEdit(d, user) {
			return b.notice(ctx, cb, fmt.Sprintf("Only the author of %s (<@%s>) or an approver can edit it.", d.ID, d.Author))
		}
		role, ok := b.catalog.Role(d.Role)
		if !ok {
			return b.notice(ctx, cb, fmt.Sprintf("The role %q of %s is no longer in the template catalogue, so it can't be edited.", d.Role, d.ID))
		}
		v := draftModal(role, d.Values, modalMeta{Channel: d.Channel, Role: d.Role, Draft: d.ID, Base: d.Revision})
		return b.openView(ctx, cb.TriggerID, v)
	}}
}

// exportClicked sends the draft as Markdown and plain text to whoever
// clicked, privately.
func (b *Bot) exportClicked(cb slack.InteractionCallback, id string) response {
	team, user := cb.Team.ID, cb.User.ID
	return response{log: []any{"user", user, "team", team, "draft", id}, then: func(ctx context.Context) error {
		d, err := b.store.Get(ctx, team, id)
		if err != nil {
			return errors.Join(fmt.Errorf("get draft: %w", err), b.notice(ctx, cb, fmt.Sprintf("Sorry, I could not export %s just now.", id)))
		}
		r, err := b.render(d)
		if err != nil {
			return errors.Join(err, b.notice(ctx, cb, fmt.Sprintf("Sorry, %s could not be rendered: its role template is missing or broken.", id)))
		}
		if err := b.store.RecordExport(ctx, team, id, user); err != nil {
			b.log.Warn("recording export failed", "draft", id, "user", user, "err", err)
		}
		blocks := exportMessage(d, r)
		if cb.Channel.ID != "" {
			return b.postEphemeral(ctx, cb.Channel.ID, user, d.ID+" as Markdown and plain text", blocks)
		}
		// From the App Home tab there is no channel: show it in a modal.
		if len(blocks) > 100 {
			blocks = blocks[:100]
		}
		return b.openView(ctx, cb.TriggerID, slack.ModalViewRequest{
			Type:   slack.VTModal,
			Title:  plain(truncate("Export "+d.ID, maxViewTitle)),
			Close:  plain("Done"),
			Blocks: slack.Blocks{BlockSet: blocks},
		})
	}}
}

// notice tells the user who clicked something privately: in the channel when
// there is one, else in a small modal.
func (b *Bot) notice(ctx context.Context, cb slack.InteractionCallback, text string) error {
	blocks := []slack.Block{slack.NewSectionBlock(mrkdwn(text), nil, nil)}
	if cb.Channel.ID != "" {
		return b.postEphemeral(ctx, cb.Channel.ID, cb.User.ID, text, blocks)
	}
	return b.openView(ctx, cb.TriggerID, slack.ModalViewRequest{
		Type: slack.VTModal, Title: plain("jobdesc"), Close: plain("OK"), Blocks: slack.Blocks{BlockSet: blocks},
	})
}

// render renders a draft's current revision with its role.
func (b *Bot) render(d drafts.Draft) (templates.Rendered, error) {
	role, ok := b.catalog.Role(d.Role)
	if !ok {
		return templates.Rendered{}, fmt.Errorf("render %s: role %q not in the catalogue", d.ID, d.Role)
	}
	r, err := role.Render(role.Normalize(d.Values))
	if err != nil {
		return templates.Rendered{}, fmt.Errorf("render %s: %w", d.ID, err)
	}
	return r, nil
}
