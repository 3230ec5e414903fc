package bot

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/jobdesc/jobdesc/drafts"
	"github.com/jobdesc/jobdesc/templates"
)

// testRole is a role with one field of every kind, built by hand so these
// tests don't depend on the built-in wording.
func testRole() *templates.Role {
	return &templates.Role{
		ID: "tester", Name: "Software Tester With A Very Long Name", Summary: "Finds bugs.", Prefix: "ST",
		Fields: []templates.Field{
			{ID: "company_name", Label: "Company", Kind: templates.ShortText, Required: true, MaxLength: 80, Group: "The company"},
			{ID: "company_bio", Label: "About", Kind: templates.LongText, Hint: "Culture and perks"},
			{ID: "years", Label: "Years", Kind: templates.Number, Min: 0, Max: 50, Group: "The role"},
			{ID: "level", Label: "Level", Kind: templates.SingleChoice, Default: "mid", Choices: []templates.Choice{{Value: "entry", Label: "Entry"}, {Value: "mid", Label: "Mid"}, {Value: "senior", Label: "Senior"}}},
			{ID: "serves", Label: "Serves", Kind: templates.MultiChoice, Choices: []templates.Choice{{Value: "clients", Label: "Clients"}, {Value: "partners", Label: "Partners"}}},
		},
	}
}

func TestDraftModal(t *testing.T) {
	role := testRole()
	tests := []struct {
		name      string
		meta      modalMeta
		values    templates.Values
		wantTitle string
		wantInit  map[string]string // block id → initial value as JSON shows it
	}{
		{
			name: "new draft shows defaults", meta: modalMeta{Channel: "C1", Role: "tester"},
			wantTitle: "New Software Tester Wit…",
			wantInit:  map[string]string{"level": "mid"},
		},
		{
			name: "edit prefills every kind", meta: modalMeta{Channel: "C1", Role: "tester", Draft: "ST-7", Base: 3},
			values:    templates.Values{"company_name": "Acme", "company_bio": "We make <things>", "years": "4", "level": "senior", "serves": "clients,partners"},
			wantTitle: "Edit ST-7",
			wantInit:  map[string]string{"company_name": "Acme", "company_bio": "We make <things>", "years": "4", "level": "senior", "serves": "clients,partners"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := draftModal(role, tt.values, tt.meta)
			if got := v.Title.Text; got != tt.wantTitle {
				t.Errorf("title: got %q, want %q", got, tt.wantTitle)
			}
			if n := utf8.RuneCountInString(v.Title.Text); n > maxViewTitle {
				t.Errorf("title has %d characters, Slack allows %d", n, maxViewTitle)
			}
			got, err := decodeMeta(v.PrivateMetadata)
			if err != nil || got != tt.meta {
				t.Errorf("metadata: got %+v (%v), want %+v", got, err, tt.meta)
			}
			inputs := map[string]*slack.InputBlock{}
			ids := map[string]bool{}
			for _, b := range v.Blocks.BlockSet {
				// Every block has an id of ours, so Slack (and the fake)
				// draw none and every copy of the modal is the same.
				if id := b.ID(); id == "" || ids[id] {
					t.Errorf("%s block with id %q (empty or seen before)", b.BlockType(), id)
				}
				ids[b.ID()] = true
				if in, ok := b.(*slack.InputBlock); ok {
					inputs[in.BlockID] = in
				}
			}
			for _, f := range role.Fields {
				in := inputs[f.ID]
				if in == nil {
					t.Fatalf("no input block for field %q", f.ID)
				}
				if in.Optional == f.Required {
					t.Errorf("%s: optional %v, want %v", f.ID, in.Optional, !f.Required)
				}
				if got, want := initialValue(t, in.Element), tt.wantInit[f.ID]; got != want {
					t.Errorf("%s: initial value %q, want %q", f.ID, got, want)
				}
			}
		})
	}
}

// initialValue reads an element's initial value the way Slack would show it.
func initialValue(t *testing.T, el slack.BlockElement) string {
	t.Helper()
	switch e := el.(type) {
	case *slack.PlainTextInputBlockElement:
		return e.InitialValue
	case *slack.NumberInputBlockElement:
		return e.InitialValue
	case *slack.SelectBlockElement:
		if e.InitialOption == nil {
			return ""
		}
		return e.InitialOption.Value
	case *slack.CheckboxGroupsBlockElement:
		var vs []string
		for _, o := range e.InitialOptions {
			vs = append(vs, o.Value)
		}
		return strings.Join(vs, ",")
	}
	t.Fatalf("unexpected element %T", el)
	return ""
}

func TestSubmittedValuesReadsEveryKind(t *testing.T) {
	role := testRole()
	state := formState{
		{Block: "company_name", Action: "company_name", Type: "plain_text_input", Value: "Acme"},
		{Block: "company_bio", Action: "company_bio", Type: "plain_text_input"},
		{Block: "years", Action: "years", Type: "number_input", Value: "5"},
		{Block: "level", Action: "level", Type: "static_select", Option: "entry"},
		{Block: "serves", Action: "serves", Type: "checkboxes", Options: []string{"clients", "partners"}},
		{Block: "serves", Action: "other", Type: "checkboxes", Options: []string{"not this"}},
	}
	got := submittedValues(role, state)
	want := templates.Values{"company_name": "Acme", "company_bio": "", "years": "5", "level": "entry", "serves": "clients,partners"}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: got %q, want %q", k, got[k], w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("got %d values, want %d: %v", len(got), len(want), got)
	}
}

func TestReviewMessage(t *testing.T) {
	long := templates.Rendered{Title: "Account Manager"}
	for i := 0; i < 60; i++ {
		long.Sections = append(long.Sections, templates.Section{Heading: "Part", Bullets: []string{"a bullet"}})
	}
	d := drafts.Draft{
		ID: "AM-42", Author: "U1", Revision: 3, Status: drafts.StatusInReview,
		Approvals: []drafts.Review{{User: "U2", Revision: 3}},
		Created:   time.Unix(1700000000, 0),
	}
	tests := []struct {
		name     string
		r        templates.Rendered
		p        policy
		checks   string
		contains []string
	}{
		{"footer and status", templates.Rendered{Title: "Account Manager", Sections: []templates.Section{{Heading: "About", Paragraphs: []string{"text"}}}},
			policy{ApproveReaction: "white_check_mark", ChangesReaction: "x", Required: 2},
			"", []string{"*AM-42*", "revision 3", "<@U1>", "In review", "1 of 2 approvals", "approved by <@U2>", ":white_check_mark:", ":x:"}},
		{"approvers and checks", long,
			policy{ApproveReaction: "+1", ChangesReaction: "x", Required: 1, Approvers: []string{"U7", "U8"}},
			"2 warnings, 1 tip", []string{"Approvers: <@U7>, <@U8>", "2 warnings, 1 tip"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			blocks := reviewMessage(d, tt.r.Blocks(), tt.p, tt.checks)
			if len(blocks) > maxMessageBlock {
				t.Fatalf("got %d blocks, Slack allows %d", len(blocks), maxMessageBlock)
			}
			js, err := json.Marshal(blocks)
			if err != nil {
				t.Fatal(err)
			}
			text := unescapeJSON(js)
			for _, want := range tt.contains {
				if !strings.Contains(text, want) {
					t.Errorf("message lacks %q", want)
				}
			}
			last, ok := blocks[len(blocks)-1].(*slack.ActionBlock)
			if !ok || len(last.Elements.ElementSet) != 2 {
				t.Fatalf("last block: got %T, want the Edit and Export buttons", blocks[len(blocks)-1])
			}
			for i, want := range []string{actionEdit, actionExport} {
				btn := last.Elements.ElementSet[i].(*slack.ButtonBlockElement)
				if btn.ActionID != want || btn.Value != "AM-42" {
					t.Errorf("button %d: got %s=%s, want %s=AM-42", i, btn.ActionID, btn.Value, want)
				}
			}
		})
	}
}

func TestExportMessageStaysWithinLimits(t *testing.T) {
	r := templates.Rendered{Title: "Account Manager"}
	for i := 0; i < 200; i++ {
		r.Sections = append(r.Sections, templates.Section{Heading: "Section", Bullets: []string{strings.Repeat("word ", 40)}})
	}
	blocks := exportMessage(drafts.Draft{ID: "AM-1", Revision: 1}, r)
	if len(blocks) > maxMessageBlock {
		t.Errorf("got %d blocks, want at most %d", len(blocks), maxMessageBlock)
	}
	for i, b := range blocks {
		if s, ok := b.(*slack.SectionBlock); ok && utf8.RuneCountInString(s.Text.Text) > maxSectionText {
			t.Errorf("block %d: section of %d characters, want at most %d", i, utf8.RuneCountInString(s.Text.Text), maxSectionText)
		}
	}
}

func TestChunkLines(t *testing.T) {
	tests := []struct {
		name  string
		lines []string
		n     int
		want  []string
	}{
		{"fits", []string{"a", "b"}, 10, []string{"a\nb"}},
		{"splits at lines", []string{"aaaa", "bbbb", "cc"}, 9, []string{"aaaa\nbbbb", "cc"}},
		{"cuts a long line", []string{"aaaaaaaaaaaa"}, 5, []string{"aaaa…"}},
		{"nothing", nil, 5, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := chunkLines(tt.lines, tt.n)
			if strings.Join(got, "|") != strings.Join(tt.want, "|") || len(got) != len(tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestEscapeNeutralisesMentions(t *testing.T) {
	for _, in := range []string{"<!channel>", "<@U123>", "<#C1|x>", "a & b"} {
		got := escape(in)
		if strings.ContainsAny(got, "<>") || strings.Contains(got, "& ") {
			t.Errorf("escape(%q) = %q: still has markup", in, got)
		}
	}
}

// unescapeJSON undoes encoding/json's HTML escaping so tests can look for
// Slack markup such as <@U1>.
func unescapeJSON(b []byte) string {
	return strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&").Replace(string(b))
}

// TestSubmissionsPostWithoutYielding: a modal submission's post (its
// then) runs straight after its ack; anything else first lets the
// envelopes queued behind it ack (serve).
func TestSubmissionsPostWithoutYielding(t *testing.T) {
	bot, _ := benchBot(t)
	ctx := context.Background()
	tests := []struct {
		name string
		cb   slack.InteractionCallback
		want bool
	}{
		{"draft submitted", slack.InteractionCallback{Type: slack.InteractionTypeViewSubmission, View: slack.View{CallbackID: callbackDraft}}, true},
		{"checks confirmed", slack.InteractionCallback{Type: slack.InteractionTypeViewSubmission, View: slack.View{CallbackID: callbackCheck}}, true},
		{"button clicked", slack.InteractionCallback{Type: slack.InteractionTypeBlockActions}, false},
		{"modal closed", slack.InteractionCallback{Type: slack.InteractionTypeViewClosed}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := bot.interaction(ctx, &tt.cb, nil, nil).thenNow; got != tt.want {
				t.Errorf("thenNow: got %t, want %t", got, tt.want)
			}
		})
	}
}
