package bot

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/jobdesc/jobdesc/drafts"
	"github.com/jobdesc/jobdesc/templates"
)

// Views and messages are pure functions of data: they build Block Kit
// payloads and never touch the network or the store.

// Slack's limits that the views below respect.
const (
	maxViewTitle    = 24
	maxMessageBlock = 50
	maxSectionText  = 3000
	maxPlaceholder  = 150
	maxInputLength  = 3000
	maxMetadata     = 3000
)

// modalMeta travels in a modal's private_metadata: view_submission carries no
// channel, so everything the submission needs is here.
type modalMeta struct {
	Channel string `json:"c,omitempty"`
	Role    string `json:"r"`
	Draft   string `json:"d,omitempty"` // set when editing a draft
	Base    int    `json:"b,omitempty"` // revision the edit started from
}

func (m modalMeta) encode() string {
	b, _ := json.Marshal(m) // a struct of strings and ints always marshals
	return string(b)
}

func decodeMeta(s string) (modalMeta, error) {
	var m modalMeta
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return modalMeta{}, fmt.Errorf("decode private_metadata: %w", err)
	}
	if m.Role == "" {
		return modalMeta{}, fmt.Errorf("decode private_metadata: no role")
	}
	return m, nil
}

func plain(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, s, false, false)
}

func mrkdwn(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, s, false, false)
}

// truncate shortens s to at most n characters (runes), ending with "…" when cut.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// escape makes user text safe inside Slack mrkdwn: it cannot ping or link.
func escape(s string) string {
	if !strings.ContainsAny(s, "&<>") {
		return s
	}
	return mrkdwnEscaper.Replace(s)
}

// mrkdwnEscaper is escape's replacer (safe for concurrent use; building
// one per call was most of escape's cost).
var mrkdwnEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// draftModal is the role's modal: one input block per field, grouped under
// the field's group heading, prefilled from values. block_id and action_id
// are the field id, so validation errors map straight back to an input.
func draftModal(role *templates.Role, values templates.Values, meta modalMeta) slack.ModalViewRequest {
	return modalView(role, meta, modalBlocks(role, values))
}

// modalBlocks are the inputs of role's modal showing values (a field's
// default where a value is empty), under their group headers.
func modalBlocks(role *templates.Role, values templates.Values) []slack.Block {
	var blocks []slack.Block
	group := ""
	for _, f := range role.Fields {
		if f.Group != "" && f.Group != group {
			group = f.Group
			// An id of our own (field ids have no dot): a block without
			// one gets a random id from Slack in every copy of the view.
			blocks = append(blocks, slack.NewHeaderBlock(plain(truncate(group, 150)), slack.HeaderBlockOptionBlockID(fmt.Sprintf("group.%d", len(blocks)))))
		}
		blocks = append(blocks, fieldInput(f, values[f.ID]))
	}
	return blocks
}

// modalView is role's modal with blocks, for a new draft or, when
// meta.Draft is set, a revision of one.
func modalView(role *templates.Role, meta modalMeta, blocks []slack.Block) slack.ModalViewRequest {
	title, submit := "New "+role.Name, "Post for review"
	if meta.Draft != "" {
		title, submit = "Edit "+meta.Draft, "Save revision"
	}
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      callbackDraft,
		Title:           plain(truncate(title, maxViewTitle)),
		Submit:          plain(submit),
		Close:           plain("Cancel"),
		PrivateMetadata: meta.encode(),
		Blocks:          slack.Blocks{BlockSet: blocks},
	}
}

// fieldInput is the input block for one field, showing value (or the
// field's default when value is empty).
func fieldInput(f templates.Field, value string) *slack.InputBlock {
	if value == "" {
		value = f.Default
	}
	var hint *slack.TextBlockObject
	if f.Hint != "" {
		hint = plain(truncate(f.Hint, 2000))
	}
	var placeholder *slack.TextBlockObject
	if f.Placeholder != "" {
		placeholder = plain(truncate(f.Placeholder, maxPlaceholder))
	}
	var el slack.BlockElement
	switch f.Kind {
	case templates.Number:
		e := slack.NewNumberInputBlockElement(placeholder, f.ID, false)
		if f.Min != 0 || f.Max != 0 {
			e.MinValue, e.MaxValue = strconv.Itoa(f.Min), strconv.Itoa(f.Max)
		}
		e.InitialValue = value
		el = e
	case templates.SingleChoice:
		opts := choiceOptions(f.Choices)
		e := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, placeholder, f.ID, opts...)
		for _, o := range opts {
			if o.Value == value {
				e.InitialOption = o
			}
		}
		el = e
	case templates.MultiChoice:
		opts := choiceOptions(f.Choices)
		selected := map[string]bool{}
		for _, v := range strings.Split(value, ",") {
			selected[strings.TrimSpace(v)] = true
		}
		var initial []*slack.OptionBlockObject
		for _, o := range opts {
			if selected[o.Value] {
				initial = append(initial, o)
			}
		}
		if len(opts) <= 10 {
			e := slack.NewCheckboxGroupsBlockElement(f.ID, opts...)
			e.InitialOptions = initial
			el = e
		} else {
			e := slack.NewOptionsMultiSelectBlockElement(slack.MultiOptTypeStatic, placeholder, f.ID, opts...)
			e.InitialOptions = initial
			el = e
		}
	default: // short and long text
		e := slack.NewPlainTextInputBlockElement(placeholder, f.ID)
		e.Multiline = f.Kind == templates.LongText
		e.MaxLength = f.MaxLength
		if e.MaxLength <= 0 || e.MaxLength > maxInputLength {
			e.MaxLength = maxInputLength
		}
		e.InitialValue = truncate(value, e.MaxLength)
		el = e
	}
	in := slack.NewInputBlock(f.ID, plain(truncate(f.Label, 2000)), hint, el)
	in.Optional = !f.Required
	return in
}

func choiceOptions(cs []templates.Choice) []*slack.OptionBlockObject {
	opts := make([]*slack.OptionBlockObject, 0, len(cs))
	for _, c := range cs {
		opts = append(opts, slack.NewOptionBlockObject(c.Value, plain(truncate(c.Label, 75)), nil))
	}
	return opts
}

// submittedValues reads a view_submission's state into field values, the
// inverse of draftModal.
func submittedValues(role *templates.Role, form formState) templates.Values {
	v := templates.Values{}
	for _, f := range role.Fields {
		in, ok := form.input(f.ID, f.ID)
		if !ok {
			continue
		}
		switch f.Kind {
		case templates.SingleChoice:
			v[f.ID] = in.Option
		case templates.MultiChoice:
			v[f.ID] = strings.Join(in.Options, ",")
		default:
			v[f.ID] = in.Value
		}
	}
	return v
}

// formState is what a submitted view's inputs hold: the part of its
// view.state.values the bot reads.
type formState []formInput

// formInput is one input's value: its value (text and number inputs), or
// its selected option's value, or its selected options' values.
type formInput struct {
	Block, Action string
	Type          string
	Value         string
	Option        string
	Options       []string
}

// set returns f with in, replacing an input of the same block and action.
func (f formState) set(in formInput) formState {
	for i := range f {
		if f[i].Block == in.Block && f[i].Action == in.Action {
			f[i] = in
			return f
		}
	}
	return append(f, in)
}

// without returns f without the inputs of block.
func (f formState) without(block string) formState {
	return slices.DeleteFunc(f, func(in formInput) bool { return in.Block == block })
}

// input returns the input of block and action.
func (f formState) input(block, action string) (formInput, bool) {
	for _, in := range f {
		if in.Block == block && in.Action == action {
			return in, true
		}
	}
	return formInput{}, false
}

// SubmissionValues is what a person who filled the role's modal with v
// submits, keyed by block id: text, numbers and single choices as strings,
// multiple choices as lists, empty fields as nil. It is the form
// bot/fakeslack's SubmitView takes, for the demo, the load benchmark and
// end-to-end tests.
func SubmissionValues(role *templates.Role, v templates.Values) map[string]any {
	out := make(map[string]any, len(role.Fields))
	for _, f := range role.Fields {
		val := v[f.ID]
		switch {
		case val == "":
			out[f.ID] = nil
		case f.Kind == templates.MultiChoice:
			out[f.ID] = strings.Split(val, ",")
		default:
			out[f.ID] = val
		}
	}
	return out
}

// statusLabel is how a status reads to people.
func statusLabel(s drafts.Status) string {
	switch s {
	case drafts.StatusDraft:
		return "Not posted yet"
	case drafts.StatusInReview:
		return "In review"
	case drafts.StatusChangesRequested:
		return "Changes requested"
	case drafts.StatusApproved:
		return "Approved"
	}
	return string(s)
}

func statusEmoji(s drafts.Status) string {
	switch s {
	case drafts.StatusApproved:
		return ":white_check_mark:"
	case drafts.StatusChangesRequested:
		return ":pencil2:"
	}
	return ":hourglass_flowing_sand:"
}

// policy is what the review footer needs to say about approvals.
type policy struct {
	ApproveReaction, ChangesReaction string
	Required                         int
	Approvers                        []string
}

func mentions(rs []drafts.Review) string {
	ids := make([]string, 0, len(rs))
	for _, r := range rs {
		ids = append(ids, r.User)
	}
	return strings.Join(userMentions(ids), ", ")
}

// maxBodyBlocks is how many blocks of the rendered description a review
// message keeps, leaving room for its footer within Slack's 50.
const maxBodyBlocks = 40

// reviewMessage is the channel post a draft is reviewed on: the rendered
// description (body: its blocks, see prepared), then a footer with id, revision, author, status and how to
// approve, then the Edit and Export buttons. It stays within Slack's 50
// blocks: the rendered part keeps at most 40.
func reviewMessage(d drafts.Draft, body []slack.Block, p policy, checks string) []slack.Block {
	blocks := make([]slack.Block, 0, min(len(body), maxBodyBlocks)+4)
	blocks = append(blocks, body[:min(len(body), maxBodyBlocks)]...)
	blocks = append(blocks, slack.NewDividerBlock())
	status := fmt.Sprintf("%s *%s* · %s", statusEmoji(d.Status), statusLabel(d.Status), approvalCount(d, p.Required))
	if len(d.Approvals) > 0 {
		status += " · approved by " + mentions(d.Approvals)
	}
	if len(d.ChangeRequests) > 0 {
		status += " · changes requested by " + mentions(d.ChangeRequests)
	}
	blocks = append(blocks, slack.NewSectionBlock(mrkdwn(status), nil, nil, slack.SectionBlockOptionBlockID("draft.status")))
	how := fmt.Sprintf("React with :%s: to approve or :%s: to request changes.", p.ApproveReaction, p.ChangesReaction)
	if len(p.Approvers) > 0 {
		how += " Approvers: " + strings.Join(userMentions(p.Approvers), ", ") + "."
	}
	footer := []slack.MixedElement{
		mrkdwn(fmt.Sprintf("*%s* · revision %d · by <@%s> · %s", d.ID, d.Revision, d.Author, how)),
	}
	if checks != "" {
		footer = append(footer, mrkdwn(checks))
	}
	blocks = append(blocks, slack.NewContextBlock("draft.footer", footer...))
	blocks = append(blocks, draftButtons("draft.actions", d.ID))
	return blocks
}

func userMentions(ids []string) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		out = append(out, "<@"+id+">")
	}
	return out
}

func approvalCount(d drafts.Draft, required int) string {
	if required < 1 {
		required = 1
	}
	return fmt.Sprintf("%d of %d approvals", len(d.Approvals), required)
}

func draftButtons(blockID, draftID string) *slack.ActionBlock {
	return slack.NewActionBlock(blockID,
		slack.NewButtonBlockElement(actionEdit, draftID, plain("Edit")),
		slack.NewButtonBlockElement(actionExport, draftID, plain("Export")),
	)
}

// reviewText is the notification text of a review message (shown in
// notifications and by clients that cannot show blocks).
func reviewText(d drafts.Draft, r templates.Rendered) string {
	return truncate(fmt.Sprintf("%s for review: %s (%s)", d.ID, escape(r.Title), statusLabel(d.Status)), 3000)
}

// helpMessage lists the roles and subcommands.
func helpMessage(roles []*templates.Role, p policy) []slack.Block {
	var b strings.Builder
	b.WriteString("*Draft a job posting without leaving Slack.*\n")
	b.WriteString("`" + Command + " ROLE` opens a form for that role; the description is posted here for review.\n")
	b.WriteString("`" + Command + " list` shows your drafts · `" + Command + " post ID` posts a saved draft again · `" + Command + " help` shows this.\n")
	b.WriteString(fmt.Sprintf("Reviewers approve with :%s: (%d needed) and ask for changes with :%s:.", p.ApproveReaction, max(p.Required, 1), p.ChangesReaction))
	var rl strings.Builder
	rl.WriteString("*Roles*\n")
	for _, r := range roles {
		rl.WriteString(fmt.Sprintf("• `%s` — %s: %s\n", r.ID, escape(r.Name), escape(r.Summary)))
	}
	return []slack.Block{
		slack.NewSectionBlock(mrkdwn(b.String()), nil, nil),
		slack.NewSectionBlock(mrkdwn(truncate(rl.String(), maxSectionText)), nil, nil),
	}
}

// unknownRoleMessage answers a role id the catalogue does not have.
func unknownRoleMessage(asked, closest string, roles []*templates.Role) []slack.Block {
	var b strings.Builder
	fmt.Fprintf(&b, "I don't know the role `%s`.", escape(truncate(asked, 100)))
	if closest != "" {
		fmt.Fprintf(&b, " Did you mean `%s %s`?", Command, closest)
	}
	b.WriteString("\nRoles: ")
	ids := make([]string, 0, len(roles))
	for _, r := range roles {
		ids = append(ids, "`"+r.ID+"`")
	}
	b.WriteString(strings.Join(ids, ", "))
	return []slack.Block{slack.NewSectionBlock(mrkdwn(truncate(b.String(), maxSectionText)), nil, nil)}
}

// draftLine is one line of a draft list: id, title, status, link.
func draftLine(d drafts.Draft, title, permalink string) string {
	line := fmt.Sprintf("*%s* · %s · %s %s", d.ID, escape(title), statusEmoji(d.Status), statusLabel(d.Status))
	if permalink != "" {
		line += " · <" + permalink + "|open>"
	}
	return line + " · updated " + d.Updated.UTC().Format("2 Jan 15:04 MST")
}

// listMessage is the answer to "/jobdesc list". links maps draft id to the
// review message's permalink.
func listMessage(ds []drafts.Draft, titles, links map[string]string, more bool) []slack.Block {
	if len(ds) == 0 {
		return []slack.Block{slack.NewSectionBlock(mrkdwn("You have no drafts yet. Start one with `"+Command+" account-manager`."), nil, nil)}
	}
	lines := make([]string, 0, len(ds))
	for _, d := range ds {
		lines = append(lines, draftLine(d, titles[d.ID], links[d.ID]))
	}
	blocks := []slack.Block{slack.NewSectionBlock(mrkdwn("*Your drafts, newest first*"), nil, nil)}
	for _, chunk := range chunkLines(lines, maxSectionText) {
		blocks = append(blocks, slack.NewSectionBlock(mrkdwn(chunk), nil, nil))
	}
	if more {
		blocks = append(blocks, slack.NewContextBlock("", mrkdwn("Older drafts are on the App Home tab.")))
	}
	return blocks
}

// chunkLines joins lines with newlines into pieces of at most n characters.
func chunkLines(lines []string, n int) []string {
	var out []string
	var cur strings.Builder
	for _, l := range lines {
		l = truncate(l, n)
		if cur.Len() > 0 && utf8.RuneCountInString(cur.String())+1+utf8.RuneCountInString(l) > n {
			out = append(out, cur.String())
			cur.Reset()
		}
		if cur.Len() > 0 {
			cur.WriteByte('\n')
		}
		cur.WriteString(l)
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}

// homeView is the App Home tab: the user's drafts with Edit and Export.
func homeView(ds []drafts.Draft, titles, links map[string]string, roles []*templates.Role) slack.HomeTabViewRequest {
	blocks := []slack.Block{
		slack.NewHeaderBlock(plain("Your job postings")),
		slack.NewSectionBlock(mrkdwn("Start a draft in any channel with `"+Command+" ROLE`. Roles: "+roleList(roles)+"."), nil, nil),
		slack.NewDividerBlock(),
	}
	if len(ds) == 0 {
		blocks = append(blocks, slack.NewSectionBlock(mrkdwn("No drafts yet."), nil, nil))
	}
	for _, d := range ds {
		if len(blocks)+2 > 100 {
			break
		}
		blocks = append(blocks,
			slack.NewSectionBlock(mrkdwn(truncate(draftLine(d, titles[d.ID], links[d.ID]), maxSectionText)), nil, nil),
			draftButtons("home."+d.ID, d.ID),
		)
	}
	return slack.HomeTabViewRequest{Type: slack.VTHomeTab, CallbackID: callbackHome, Blocks: slack.Blocks{BlockSet: blocks}}
}

func roleList(roles []*templates.Role) string {
	ids := make([]string, 0, len(roles))
	for _, r := range roles {
		ids = append(ids, "`"+r.ID+"`")
	}
	return strings.Join(ids, ", ")
}

// exportMessage delivers a draft as Markdown and plain text, each in code
// blocks split to Slack's section limit.
func exportMessage(d drafts.Draft, r templates.Rendered) []slack.Block {
	blocks := []slack.Block{slack.NewSectionBlock(mrkdwn(fmt.Sprintf("*%s*, revision %d, as Markdown and as plain text, ready to paste into a job board:", d.ID, d.Revision)), nil, nil)}
	for _, part := range []struct{ name, body string }{{"Markdown", r.Markdown()}, {"Plain text", r.Text()}} {
		blocks = append(blocks, slack.NewContextBlock("", mrkdwn("*"+part.name+"*")))
		// A code block inside mrkdwn still needs &, <, > escaped.
		for _, chunk := range chunkLines(strings.Split(escape(part.body), "\n"), maxSectionText-8) {
			blocks = append(blocks, slack.NewSectionBlock(mrkdwn("```"+chunk+"```"), nil, nil))
			if len(blocks) >= maxMessageBlock-1 {
				break
			}
		}
	}
	if len(blocks) > maxMessageBlock {
		blocks = blocks[:maxMessageBlock]
	}
	return blocks
}

// changedFields names the fields a revision changed, by label.
func changedFields(role *templates.Role, ids []string) string {
	labels := make([]string, 0, len(ids))
	for _, id := range ids {
		if f, ok := role.Field(id); ok {
			labels = append(labels, f.Label)
		} else {
			labels = append(labels, id)
		}
	}
	if len(labels) == 0 {
		return "no fields"
	}
	return strings.Join(labels, ", ")
}
