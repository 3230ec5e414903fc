package bot

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"

	"github.com/slack-go/slack"

	"github.com/jobdesc/jobdesc/checks"
	"github.com/jobdesc/jobdesc/drafts"
	"github.com/jobdesc/jobdesc/templates"
)

// interaction routes modal submissions and button clicks.
// form and inputs are a view submission's values and its input blocks' ids
// (request).
func (b *Bot) interaction(ctx context.Context, cb *slack.InteractionCallback, form formState, inputs []string) response {
	switch cb.Type {
	case slack.InteractionTypeViewSubmission:
		var r response
		switch cb.View.CallbackID {
		case callbackDraft:
			first := ""
			if len(inputs) > 0 {
				first = inputs[0]
			}
			r = b.submitDraft(ctx, cb, form, first)
		case callbackCheck:
			r = b.confirmDraft(ctx, cb)
		}
		r.thenNow = true
		return r
	case slack.InteractionTypeBlockActions:
		for _, a := range cb.ActionCallback.BlockActions {
			switch a.ActionID {
			case actionEdit:
				return b.editClicked(cb, a.Value)
			case actionExport:
				return b.exportClicked(cb, a.Value)
			case actionBackToEdit:
				return b.backToEdit(cb, a.Value)
			}
		}
	}
	return response{} // view_closed and anything else: a plain ack
}

// submitDraft validates a submitted modal and saves it before the ack, so a
// submission the user saw accepted is on disk; posting happens after.
func (b *Bot) submitDraft(ctx context.Context, cb *slack.InteractionCallback, form formState, firstBlock string) response {
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
	values := role.Normalize(submittedValues(role, form))
	if errs := role.Validate(values); len(errs) > 0 {
		return response{ack: slack.NewErrorsViewSubmissionResponse(errs)}
	}
	rendered, err := role.Render(values)
	if err != nil {
		b.log.Error("rendering a submission failed", "user", cb.User.ID, "role", role.ID, "err", err)
		return fail("Sorry, this role's template is broken, so the draft can't be rendered. Please tell whoever looks after jobdesc.")
	}
	findings := b.checker().Check(role, values, rendered)
	remember := func(d drafts.Draft) {
		b.prepared.put(revisionKey(d), newPrepared(role, rendered, findings))
	}
	if blockers := checks.Blockers(findings); len(blockers) > 0 {
		return response{ack: slack.NewErrorsViewSubmissionResponse(blockerErrors(role, blockers, firstBlock))}
	}
	team, user := cb.Team.ID, cb.User.ID
	log := []any{"user", user, "team", team, "role", role.ID}

	if meta.Draft == "" {
		// With warnings or tips the draft is saved but held until the
		// author has read them.
		hold := len(findings) > 0
		// The same view and hash submitted again (a redelivery, or a press
		// after a slow ack) is the same submission: the key saves it once.
		d, err := b.store.Create(ctx, drafts.NewDraft{
			Team: team, Channel: meta.Channel, Author: user, Role: role.ID, Prefix: role.Prefix, Values: values, Hold: hold,
			Key: "submit:" + cb.View.ID + ":" + cb.View.Hash,
		})
		if errors.Is(err, drafts.ErrDuplicate) {
			return response{ack: slack.NewClearViewSubmissionResponse()}
		}
		if err != nil {
			b.log.Error("saving draft failed", append(log, "err", err)...)
			return fail("Sorry, jobdesc could not save your draft just now. Please press the button again.")
		}
		remember(d)
		if hold {
			meta.Draft, meta.Base = d.ID, d.Revision
			return response{ack: slack.NewUpdateViewSubmissionResponse(ptr(checkView(role, d, findings, meta)))}
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
	if n := len(before.Revisions); n > 0 && before.Revision > meta.Base && before.Revisions[n-1].Editor == user && sameValues(before.Values, values) {
		// This very edit was saved already (a redelivery, or a press after
		// a slow ack): nothing more to do.
		return response{ack: slack.NewClearViewSubmissionResponse()}
	}
	d, err := b.store.Revise(ctx, team, meta.Draft, meta.Base, user, values)
	if errors.Is(err, drafts.ErrConflict) {
		return fail(fmt.Sprintf("%s was changed by someone else while you were editing. Copy anything you want to keep, close this form and press Edit again to start from the latest revision.", meta.Draft))
	}
	if err != nil {
		b.log.Error("saving revision failed", append(log, "draft", meta.Draft, "err", err)...)
		return fail("Sorry, jobdesc could not save your changes just now. Please press the button again.")
	}
	remember(d)
	if before.Message.TS == "" && !before.PostPending {
		// Not posted yet (held for the checks, or its post failed): show
		// the checks again, or post it.
		if len(findings) > 0 {
			meta.Base = d.Revision
			return response{ack: slack.NewUpdateViewSubmissionResponse(ptr(checkView(role, d, findings, meta)))}
		}
		return response{
			ack: slack.NewClearViewSubmissionResponse(),
			log: append(log, "draft", d.ID),
			then: func(ctx context.Context) error {
				return b.requeueAndPost(ctx, d, meta.Channel)
			},
		}
	}
	return response{
		ack: slack.NewClearViewSubmissionResponse(),
		log: append(log, "draft", d.ID),
		then: func(ctx context.Context) error {
			return b.revised(ctx, before, d, role, user)
		},
	}
}

func ptr[T any](v T) *T { return &v }

// sameValues compares field values, a missing field counting as empty.
func sameValues(a, b map[string]string) bool {
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	for k, v := range b {
		if a[k] != v {
			return false
		}
	}
	return true
}

// confirmDraft posts a held draft when its author presses "Post for review"
// on the check view.
func (b *Bot) confirmDraft(ctx context.Context, cb *slack.InteractionCallback) response {
	meta, err := decodeMeta(cb.View.PrivateMetadata)
	if err != nil || meta.Draft == "" {
		b.log.Error("check view without a draft", "user", cb.User.ID, "err", err)
		return response{}
	}
	team, user := cb.Team.ID, cb.User.ID
	return response{
		ack: slack.NewClearViewSubmissionResponse(),
		log: []any{"user", user, "team", team, "draft", meta.Draft},
		then: func(ctx context.Context) error {
			d, err := b.store.Get(ctx, team, meta.Draft)
			if err != nil {
				return fmt.Errorf("get held draft: %w", err)
			}
			if d.Message.TS != "" {
				return nil // posted already (e.g. a second click)
			}
			return b.requeueAndPost(ctx, d, meta.Channel)
		},
	}
}

// requeueAndPost puts a held draft in the outbox and posts it.
func (b *Bot) requeueAndPost(ctx context.Context, d drafts.Draft, channel string) error {
	d, err := b.store.Requeue(ctx, d.Team, d.ID, channel)
	if err != nil {
		return fmt.Errorf("queue draft for posting: %w", err)
	}
	return b.post(ctx, d)
}

// backToEdit turns the check view back into the form, with the held
// draft's values.
func (b *Bot) backToEdit(cb *slack.InteractionCallback, id string) response {
	team, user := cb.Team.ID, cb.User.ID
	viewID, hash := cb.View.ID, cb.View.Hash
	return response{log: []any{"user", user, "team", team, "draft", id}, then: func(ctx context.Context) error {
		d, err := b.store.Get(ctx, team, id)
		if err != nil {
			return fmt.Errorf("get held draft: %w", err)
		}
		role, ok := b.catalog.Role(d.Role)
		if !ok {
			return fmt.Errorf("role %q of %s not in the catalogue", d.Role, d.ID)
		}
		v := draftModal(role, d.Values, modalMeta{Channel: d.Channel, Role: d.Role, Draft: d.ID, Base: d.Revision})
		return b.call(ctx, "views.update", func(ctx context.Context) error {
			_, err := b.api.UpdateViewContext(ctx, v, "", hash, viewID)
			return err
		})
	}}
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
			return b.repost(ctx, d)
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
	if _, err := b.postMessage(ctx, d.Message.Channel, d.Message.TS, text, nil, nil); err != nil {
		return err
	}
	// The checks of the new revision, when there are any or the edit
	// resolved earlier ones.
	pb, errB := b.prepare(before)
	pa, errA := b.prepare(d)
	if errA != nil || (len(pa.findings) == 0 && (errB != nil || len(pb.findings) == 0)) {
		return errA
	}
	_, err := b.postMessage(ctx, d.Message.Channel, d.Message.TS, findingsReply(pa.role, d, pa.findings), nil, nil)
	return err
}

// editClicked opens the modal prefilled from the draft's current revision.
func (b *Bot) editClicked(cb *slack.InteractionCallback, id string) response {
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
func (b *Bot) exportClicked(cb *slack.InteractionCallback, id string) response {
	team, user := cb.Team.ID, cb.User.ID
	return response{log: []any{"user", user, "team", team, "draft", id}, then: func(ctx context.Context) error {
		d, err := b.store.Get(ctx, team, id)
		if err != nil {
			return errors.Join(fmt.Errorf("get draft: %w", err), b.notice(ctx, cb, fmt.Sprintf("Sorry, I could not export %s just now.", id)))
		}
		p, err := b.prepare(d)
		if err != nil {
			return errors.Join(err, b.notice(ctx, cb, fmt.Sprintf("Sorry, %s could not be rendered: its role template is missing or broken.", id)))
		}
		r := p.rendered
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
func (b *Bot) notice(ctx context.Context, cb *slack.InteractionCallback, text string) error {
	blocks := []slack.Block{slack.NewSectionBlock(mrkdwn(text), nil, nil)}
	if cb.Channel.ID != "" {
		return b.postEphemeral(ctx, cb.Channel.ID, cb.User.ID, text, blocks)
	}
	return b.openView(ctx, cb.TriggerID, slack.ModalViewRequest{
		Type: slack.VTModal, Title: plain("jobdesc"), Close: plain("OK"), Blocks: slack.Blocks{BlockSet: blocks},
	})
}

// prepared is a draft's current revision rendered and checked.
type prepared struct {
	role     *templates.Role
	rendered templates.Rendered
	body     []slack.Block // rendered.Blocks(), encoded once for every post and update
	findings []checks.Finding
}

func newPrepared(role *templates.Role, r templates.Rendered, findings []checks.Finding) prepared {
	return prepared{role: role, rendered: r, body: encodeBlocks(r.Blocks()), findings: findings}
}

// prepare renders a draft's current revision with its role and runs the
// posting checks on it. A revision's values never change, so the result is
// kept for the reactions and edits that follow.
func (b *Bot) prepare(d drafts.Draft) (prepared, error) {
	key := revisionKey(d)
	if p, ok := b.prepared.get(key); ok {
		return p, nil
	}
	role, ok := b.catalog.Role(d.Role)
	if !ok {
		return prepared{}, fmt.Errorf("render %s: role %q not in the catalogue", d.ID, d.Role)
	}
	values := role.Normalize(d.Values)
	r, err := role.Render(values)
	if err != nil {
		return prepared{}, fmt.Errorf("render %s: %w", d.ID, err)
	}
	p := newPrepared(role, r, b.checker().Check(role, values, r))
	b.prepared.put(key, p)
	return p, nil
}

func revisionKey(d drafts.Draft) string {
	return d.Team + "/" + d.ID + "#" + strconv.Itoa(d.Revision)
}

// cache is a bounded map that forgets the least recently used entry when
// full: the drafts people are reviewing now stay, however many old ones
// there are.
type cache[V any] struct {
	mu    sync.Mutex
	max   int
	items map[string]*list.Element // of *cacheEntry[V]
	order list.List                // most recently used first
}

type cacheEntry[V any] struct {
	key string
	v   V
}

func (c *cache[V]) get(k string) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.items[k]
	if !ok {
		var zero V
		return zero, false
	}
	c.order.MoveToFront(e)
	return e.Value.(*cacheEntry[V]).v, true
}

func (c *cache[V]) put(k string, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.items == nil {
		c.items = map[string]*list.Element{}
	}
	if e, ok := c.items[k]; ok {
		e.Value.(*cacheEntry[V]).v = v
		c.order.MoveToFront(e)
		return
	}
	c.items[k] = c.order.PushFront(&cacheEntry[V]{key: k, v: v})
	for c.max > 0 && c.order.Len() > c.max {
		old := c.order.Back()
		c.order.Remove(old)
		delete(c.items, old.Value.(*cacheEntry[V]).key)
	}
}
