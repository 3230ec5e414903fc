package fakeslack

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/slack-go/slack"
)

// rawBlock sends arbitrary block JSON through slack-go.
type rawBlock string

func (r rawBlock) BlockType() slack.MessageBlockType { return "raw" }
func (r rawBlock) ID() string                        { return "" }
func (r rawBlock) MarshalJSON() ([]byte, error)      { return []byte(r), nil }

func blocks(bs ...slack.Block) slack.Blocks { return slack.Blocks{BlockSet: bs} }

func repeatBlocks(n int, b slack.Block) slack.Blocks {
	out := make([]slack.Block, n)
	for i := range out {
		out[i] = b
	}
	return blocks(out...)
}

func section(s string) slack.Block {
	return slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, s, false, false), nil, nil)
}

func mrkdwn(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, s, false, false)
}

// modalWith returns a valid modal changed by f.
func modalWith(f func(m *slack.ModalViewRequest)) slack.ModalViewRequest {
	m := simpleModal()
	f(&m)
	return m
}

func TestViewValidation(t *testing.T) {
	x := strings.Repeat
	input := slack.NewInputBlock("in", text("Label"), nil, slack.NewPlainTextInputBlockElement(nil, "a"))
	tests := []struct {
		name       string
		modal      slack.ModalViewRequest
		wantPtr    string // "" means accepted
		schemaOnly bool   // rejected only by the JSON schema
	}{
		{"valid modal", simpleModal(), "", false},
		{"title of 24 characters", modalWith(func(m *slack.ModalViewRequest) { m.Title = text(x("t", 24)) }), "", false},
		{"title of 25 characters", modalWith(func(m *slack.ModalViewRequest) { m.Title = text(x("t", 25)) }), "/view/title/text", false},
		{"submit of 25 characters", modalWith(func(m *slack.ModalViewRequest) { m.Submit = text(x("s", 25)) }), "/view/submit/text", false},
		{"close of 25 characters", modalWith(func(m *slack.ModalViewRequest) { m.Close = text(x("c", 25)) }), "/view/close/text", false},
		{"mrkdwn title", modalWith(func(m *slack.ModalViewRequest) { m.Title = mrkdwn("Title") }), "/view/title", false},
		{"missing title", modalWith(func(m *slack.ModalViewRequest) { m.Title = nil }), "/view", false},
		{"inputs without submit", modalWith(func(m *slack.ModalViewRequest) { m.Submit = nil }), "/view", false},
		{"100 blocks", modalWith(func(m *slack.ModalViewRequest) {
			m.Blocks = repeatBlocks(MaxModalBlocks, slack.NewDividerBlock())
			m.Submit = nil
		}), "", false},
		{"101 blocks", modalWith(func(m *slack.ModalViewRequest) { m.Blocks = repeatBlocks(MaxModalBlocks+1, slack.NewDividerBlock()) }), "/view/blocks", false},
		{"section text of 3000", modalWith(func(m *slack.ModalViewRequest) { m.Blocks = blocks(section(x("a", 3000))) }), "", false},
		{"section text of 3001", modalWith(func(m *slack.ModalViewRequest) { m.Blocks = blocks(section(x("a", 3001))) }), "/view/blocks/0/text/text", false},
		{"empty section text", modalWith(func(m *slack.ModalViewRequest) { m.Blocks = blocks(section("")) }), "/view/blocks/0/text", false},
		{"private_metadata of 3000", modalWith(func(m *slack.ModalViewRequest) { m.PrivateMetadata = x("p", 3000) }), "", false},
		{"private_metadata of 3001", modalWith(func(m *slack.ModalViewRequest) { m.PrivateMetadata = x("p", 3001) }), "/view/private_metadata", false},
		{"callback_id of 256", modalWith(func(m *slack.ModalViewRequest) { m.CallbackID = x("c", 256) }), "/view/callback_id", false},
		{"input without label", modalWith(func(m *slack.ModalViewRequest) {
			m.Blocks = blocks(rawBlock(`{"type":"input","block_id":"b","element":{"type":"plain_text_input","action_id":"a"}}`))
		}), "/view/blocks/0", false},
		{"input without element", modalWith(func(m *slack.ModalViewRequest) {
			m.Blocks = blocks(rawBlock(`{"type":"input","block_id":"b","label":{"type":"plain_text","text":"L"}}`))
		}), "/view/blocks/0", false},
		{"mrkdwn input label", modalWith(func(m *slack.ModalViewRequest) {
			m.Blocks = blocks(slack.NewInputBlock("in", mrkdwn("Label"), nil, slack.NewPlainTextInputBlockElement(nil, "a")))
		}), "/view/blocks/0/label", false},
		{"button in an input block", modalWith(func(m *slack.ModalViewRequest) {
			m.Blocks = blocks(slack.NewInputBlock("in", text("Label"), nil, slack.NewButtonBlockElement("a", "v", text("Go"))))
		}), "/view/blocks/0/element/type", false},
		{"duplicate block_id", modalWith(func(m *slack.ModalViewRequest) {
			m.Blocks = blocks(input, slack.NewSectionBlock(mrkdwn("x"), nil, nil, slack.SectionBlockOptionBlockID("in")))
		}), "/view/blocks/1/block_id", false},
		{"duplicate action_id in a block", modalWith(func(m *slack.ModalViewRequest) {
			m.Blocks = blocks(slack.NewActionBlock("acts", slack.NewButtonBlockElement("go", "1", text("A")), slack.NewButtonBlockElement("go", "2", text("B"))))
		}), "/view/blocks/0/elements/1/action_id", false},
		{"same action_id in two blocks", modalWith(func(m *slack.ModalViewRequest) {
			m.Blocks = blocks(
				slack.NewActionBlock("one", slack.NewButtonBlockElement("go", "1", text("A"))),
				slack.NewActionBlock("two", slack.NewButtonBlockElement("go", "2", text("B"))))
		}), "", false},
		{"mrkdwn button text", modalWith(func(m *slack.ModalViewRequest) {
			m.Blocks = blocks(slack.NewActionBlock("acts", slack.NewButtonBlockElement("go", "1", mrkdwn("A"))))
		}), "/view/blocks/0/elements/0/text", false},
		{"button text of 76", modalWith(func(m *slack.ModalViewRequest) {
			m.Blocks = blocks(slack.NewActionBlock("acts", slack.NewButtonBlockElement("go", "1", text(x("b", 76)))))
		}), "/view/blocks/0/elements/0/text/text", false},
		{"emoji on mrkdwn", modalWith(func(m *slack.ModalViewRequest) {
			yes := true
			m.Blocks = blocks(slack.NewSectionBlock(&slack.TextBlockObject{Type: slack.MarkdownType, Text: "*x*", Emoji: &yes}, nil, nil))
		}), "/view/blocks/0/text", false},
		{"mrkdwn header", modalWith(func(m *slack.ModalViewRequest) {
			m.Blocks = blocks(rawBlock(`{"type":"header","text":{"type":"mrkdwn","text":"H"}}`))
		}), "/view/blocks/0/text", false},
		{"header of 151", modalWith(func(m *slack.ModalViewRequest) { m.Blocks = blocks(slack.NewHeaderBlock(text(x("h", 151)))) }), "/view/blocks/0/text/text", false},
		{"unknown block type", modalWith(func(m *slack.ModalViewRequest) { m.Blocks = blocks(rawBlock(`{"type":"sektion"}`)) }), "/view/blocks/0/type", false},
		{"max_length of 3001", modalWith(func(m *slack.ModalViewRequest) {
			m.Blocks = blocks(slack.NewInputBlock("in", text("L"), nil, slack.NewPlainTextInputBlockElement(nil, "a").WithMaxLength(3001)))
		}), "/view/blocks/0/element/max_length", false},
		{"misspelt key", modalWith(func(m *slack.ModalViewRequest) { m.Blocks = blocks(rawBlock(`{"type":"divider","colour":"red"}`)) }), "/view/blocks/0", true},
	}
	for _, schema := range []bool{true, false} {
		opts := Options{}
		if !schema {
			opts.SchemaDir = "-"
		}
		s := newServer(t, opts)
		if schema && s.SchemaFile() == "" {
			t.Run("schema=true", skipWithoutSchemas)
			continue
		}
		ctx := testContext(t)
		c := connect(t, s)
		base, err := c.api.OpenViewContext(ctx, newTrigger(t, ctx, s, c, UserAlice), simpleModal())
		if err != nil {
			t.Fatalf("OpenView: %v", err)
		}
		rejected := 0
		for _, tt := range tests {
			want := tt.wantPtr
			if tt.schemaOnly && !schema {
				want = ""
			}
			if want != "" {
				rejected++
			}
			t.Run(fmt.Sprintf("%s/schema=%v", tt.name, schema), func(t *testing.T) {
				_, err := c.api.UpdateViewContext(ctx, tt.modal, "", "", base.View.ID)
				if want == "" {
					if err != nil {
						t.Fatalf("views.update: %v (%v), want accepted", err, metadata(err))
					}
					return
				}
				if got := slackErr(err); got != "invalid_arguments" {
					t.Fatalf("views.update error = %q, want invalid_arguments", got)
				}
				if !hasPointer(metadata(err), want) {
					t.Errorf("response_metadata.messages = %q, want one at json-pointer %s", metadata(err), want)
				}
			})
		}
		if got, want := len(s.ValidationFailures()), rejected; got != want {
			t.Errorf("ValidationFailures() has %d calls, want %d", got, want)
		}
	}
}

func metadata(err error) []string {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		return se.ResponseMetadata.Messages
	}
	return nil
}

func hasPointer(msgs []string, ptr string) bool {
	for _, m := range msgs {
		if strings.HasPrefix(m, "[ERROR] ") && strings.Contains(m, "[json-pointer:"+ptr) {
			return true
		}
	}
	return false
}

func TestMessageValidation(t *testing.T) {
	x := strings.Repeat
	fields := make([]*slack.TextBlockObject, 11)
	for i := range fields {
		fields[i] = mrkdwn("f")
	}
	tests := []struct {
		name       string
		blocks     slack.Blocks
		wantPtr    string
		schemaOnly bool
	}{
		{"50 blocks", repeatBlocks(MaxMessageBlocks, slack.NewDividerBlock()), "", false},
		{"51 blocks", repeatBlocks(MaxMessageBlocks+1, slack.NewDividerBlock()), "/blocks", false},
		{"section text of 3001", blocks(section(x("a", 3001))), "/blocks/0/text/text", false},
		{"11 fields", blocks(slack.NewSectionBlock(nil, fields, nil)), "/blocks/0/fields", false},
		{"10 fields", blocks(slack.NewSectionBlock(nil, fields[:10], nil)), "", false},
		{"field of 2001", blocks(slack.NewSectionBlock(nil, []*slack.TextBlockObject{mrkdwn(x("f", 2001))}, nil)), "/blocks/0/fields/0/text", false},
		{"section without text or fields", blocks(rawBlock(`{"type":"section"}`)), "/blocks/0", false},
		{"header and context", blocks(slack.NewHeaderBlock(text("Account Manager")), slack.NewContextBlock("", mrkdwn("draft 1"))), "", false},
		{"context of 11 elements", blocks(rawBlock(`{"type":"context","elements":[` + strings.TrimSuffix(x(`{"type":"mrkdwn","text":"c"},`, 11), ",") + `]}`)), "/blocks/0/elements", false},
		{"file_input outside a modal", blocks(rawBlock(`{"type":"input","label":{"type":"plain_text","text":"F"},"element":{"type":"file_input"}}`)), "/blocks/0/element/type", false},
		{"misspelt key", blocks(rawBlock(`{"type":"divider","blockid":"x"}`)), "/blocks/0", true},
	}
	for _, schema := range []bool{true, false} {
		opts := Options{}
		if !schema {
			opts.SchemaDir = "-"
		}
		s := newServer(t, opts)
		if schema && s.SchemaFile() == "" {
			t.Run("schema=true", skipWithoutSchemas)
			continue
		}
		ctx := testContext(t)
		api := newAPI(s, s.BotToken())
		for _, tt := range tests {
			t.Run(fmt.Sprintf("%s/schema=%v", tt.name, schema), func(t *testing.T) {
				_, _, err := api.PostMessageContext(ctx, ChannelHiring, slack.MsgOptionText("fallback", false), slack.MsgOptionBlocks(tt.blocks.BlockSet...))
				want := tt.wantPtr
				if tt.schemaOnly && !schema {
					want = ""
				}
				if want == "" {
					if err != nil {
						t.Fatalf("chat.postMessage: %v (%v), want accepted", err, metadata(err))
					}
					return
				}
				if got := slackErr(err); got != "invalid_blocks" {
					t.Fatalf("chat.postMessage error = %q, want invalid_blocks", got)
				}
				if !hasPointer(metadata(err), want) {
					t.Errorf("response_metadata.messages = %q, want one at json-pointer %s", metadata(err), want)
				}
			})
		}
	}
}
