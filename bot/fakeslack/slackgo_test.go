package fakeslack

import (
	"testing"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// richBlocks are blocks a bot typically builds with slack-go.
func richModal() slack.ModalViewRequest {
	opt := func(v, label string) *slack.OptionBlockObject { return slack.NewOptionBlockObject(v, text(label), nil) }
	levels := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, text("Pick a level"), "level", opt("junior", "Junior"), opt("senior", "Senior"))
	levels.InitialOption = opt("senior", "Senior")
	summary := slack.NewPlainTextInputBlockElement(text("What the role is for"), "summary")
	summary.Multiline = true
	summary.MaxLength = 3000
	checks := slack.NewCheckboxGroupsBlockElement("perks", slack.NewOptionBlockObject("visa", mrkdwn("*Visa*"), mrkdwn("sponsored")))
	return slack.ModalViewRequest{
		Type: slack.VTModal, Title: text("Account Manager"), Submit: text("Create draft"), Close: text("Cancel"),
		CallbackID: "jobdesc_create", PrivateMetadata: `{"channel":"C0HIRING","role":"account-manager"}`,
		NotifyOnClose: true, ExternalID: "jobdesc-1",
		Blocks: blocks(
			slack.NewHeaderBlock(text("New job description")),
			slack.NewSectionBlock(mrkdwn("Fill in the form; the draft goes to *#hiring*."), nil, nil),
			slack.NewDividerBlock(),
			slack.NewInputBlock("company", text("Company"), text("As customers know it"), slack.NewPlainTextInputBlockElement(nil, "company")),
			slack.NewInputBlock("summary", text("Summary"), nil, summary),
			slack.NewInputBlock("level", text("Level"), nil, levels),
			slack.NewInputBlock("skills", text("Skills"), nil, slack.NewOptionsMultiSelectBlockElement(slack.MultiOptTypeStatic, text("Skills"), "skills", opt("crm", "CRM"), opt("sql", "SQL"))),
			slack.NewInputBlock("accounts", text("Accounts"), nil, slack.NewNumberInputBlockElement(nil, "accounts", false)),
			slack.NewInputBlock("start", text("Start date"), nil, slack.NewDatePickerBlockElement("start")),
			slack.NewInputBlock("manager", text("Hiring manager"), nil, slack.NewOptionsSelectBlockElement(slack.OptTypeUser, nil, "manager")),
			slack.NewInputBlock("perks", text("Perks"), nil, checks).WithOptional(true),
			slack.NewInputBlock("remote", text("Remote"), nil, slack.NewRadioButtonsBlockElement("remote", opt("yes", "Yes"), opt("no", "No"))),
			slack.NewContextBlock("help", mrkdwn("Drafts are kept 90 days.")),
		),
	}
}

// TestSlackGoPayloadsPass checks that what a bot builds with slack-go's
// constructors passes every check (code and schema), and that a submission
// of that modal parses back.
func TestSlackGoPayloadsPass(t *testing.T) {
	s := newServer(t, Options{})
	ctx := testContext(t)
	c := connect(t, s)
	resp, err := c.api.OpenViewContext(ctx, newTrigger(t, ctx, s, c, UserAlice), richModal())
	if err != nil {
		t.Fatalf("OpenView: %v %q", err, metadata(err))
	}
	fields := []*slack.TextBlockObject{mrkdwn("*Level*\nSenior"), mrkdwn("*Company*\nAcme")}
	approve := slack.NewButtonBlockElement("approve", "draft-1", text("Approve"))
	approve.Style = slack.StylePrimary
	reject := slack.NewButtonBlockElement("reject", "draft-1", text("Request changes"))
	reject.Style = slack.StyleDanger
	msg := []slack.Block{
		slack.NewHeaderBlock(text("Account Manager — draft 1")),
		slack.NewSectionBlock(mrkdwn("*About the role*\nYou own our key accounts."), fields, slack.NewAccessory(slack.NewButtonBlockElement("edit", "draft-1", text("Edit")))),
		slack.NewDividerBlock(),
		slack.NewContextBlock("status", mrkdwn("Status: *draft* · react with :white_check_mark: to approve")),
		slack.NewActionBlock("review", approve, reject),
	}
	if _, _, err := c.api.PostMessageContext(ctx, ChannelHiring, slack.MsgOptionText("Account Manager draft", false), slack.MsgOptionBlocks(msg...)); err != nil {
		t.Errorf("PostMessage: %v %q", err, metadata(err))
	}
	home := slack.HomeTabViewRequest{Type: slack.VTHomeTab, CallbackID: "home", Blocks: blocks(msg...)}
	if _, err := c.api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: UserAlice, View: home}); err != nil {
		t.Errorf("PublishView: %v %q", err, metadata(err))
	}
	if f := s.ValidationFailures(); len(f) != 0 {
		t.Fatalf("ValidationFailures() = %+v, want none", f)
	}

	v, _ := s.View(resp.View.ID)
	d, err := s.SubmitView(ctx, UserAlice, v, map[string]any{
		"company": "Acme", "summary": "Grow accounts", "skills": []string{"crm"}, "accounts": "12",
		"start": "2025-03-01", "manager": UserBob, "remote": "yes",
	})
	if err != nil {
		t.Fatalf("SubmitView: %v", err)
	}
	evt := c.next(t, ctx, socketmode.EventTypeInteractive)
	c.ack(t, evt)
	waitAck(t, ctx, d)
	st := evt.Data.(slack.InteractionCallback).View.State.Values
	if got := st["level"]["level"].SelectedOption.Value; got != "senior" {
		t.Errorf("level = %q, want the initial option senior", got)
	}
	if got := st["manager"]["manager"].SelectedUser; got != UserBob {
		t.Errorf("manager = %q, want %s", got, UserBob)
	}
	if got := len(st["perks"]["perks"].SelectedOptions); got != 0 {
		t.Errorf("perks = %d options, want none", got)
	}
}
