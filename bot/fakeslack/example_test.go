package fakeslack_test

import (
	"context"
	"fmt"
	"time"

	"github.com/jobdesc/jobdesc/bot/fakeslack"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// A tiny bot answers /jobdesc with a modal and posts the submitted company
// to #hiring; the test drives a user through it and reads the workspace.
func Example() {
	ws, err := fakeslack.Start(fakeslack.Options{SchemaDir: "-"})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ws.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	// The bot: real slack-go client, real HTTP, real websocket.
	api := slack.New(ws.BotToken(), slack.OptionAppLevelToken(ws.AppToken()), slack.OptionAPIURL(ws.APIURL()))
	sm := socketmode.New(api)
	go func() { _ = sm.RunContext(ctx) }()
	go func() {
		for {
			var evt socketmode.Event
			select {
			case <-ctx.Done():
				return
			case evt = <-sm.Events:
			}
			switch data := evt.Data.(type) {
			case slack.SlashCommand:
				_ = sm.Ack(*evt.Request)
				_, _ = api.OpenViewContext(ctx, data.TriggerID, slack.ModalViewRequest{
					Type: slack.VTModal, Title: slack.NewTextBlockObject(slack.PlainTextType, "Account Manager", false, false),
					Submit: slack.NewTextBlockObject(slack.PlainTextType, "Draft", false, false), PrivateMetadata: data.ChannelID,
					Blocks: slack.Blocks{BlockSet: []slack.Block{slack.NewInputBlock("company",
						slack.NewTextBlockObject(slack.PlainTextType, "Company", false, false), nil,
						slack.NewPlainTextInputBlockElement(nil, "company"))}},
				})
			case slack.InteractionCallback:
				_ = sm.Ack(*evt.Request)
				company := data.View.State.Values["company"]["company"].Value
				_, _, _ = api.PostMessageContext(ctx, data.View.PrivateMetadata, slack.MsgOptionText("Draft for "+company, false))
			}
		}
	}()

	// The story.
	if _, err := ws.SlashCommand(ctx, fakeslack.UserAlice, fakeslack.ChannelHiring, "/jobdesc", "account-manager"); err != nil {
		fmt.Println(err)
		return
	}
	view, err := ws.WaitForView(ctx, func(v fakeslack.View) bool { return v.User == fakeslack.UserAlice })
	if err != nil {
		fmt.Println(err)
		return
	}
	d, err := ws.SubmitView(ctx, fakeslack.UserAlice, view, map[string]any{"company": "Acme"})
	if err != nil {
		fmt.Println(err)
		return
	}
	if _, err := d.WaitAck(ctx); err != nil {
		fmt.Println(err)
		return
	}
	msg, err := ws.WaitForMessage(ctx, fakeslack.ChannelHiring, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	v, _ := ws.View(view.ID)
	fmt.Println(view.Title, "| closed:", v.Closed, "|", msg.Text, "| problems:", len(ws.Problems()))
	// Output: Account Manager | closed: true | Draft for Acme | problems: 0
}
