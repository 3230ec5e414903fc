package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/jobdesc/jobdesc/bot/fakeslack"
	"github.com/jobdesc/jobdesc/drafts"
)

func TestSlashCommandOpensTheRoleModal(t *testing.T) {
	h := newHarness(t, nil)
	ctx := testCtx(t)
	v := h.openModal(ctx, alice, hiring, "account-manager")
	if v.CallbackID != "jobdesc.draft" {
		t.Errorf("callback id: got %q, want jobdesc.draft", v.CallbackID)
	}
	for _, want := range []string{`"company_name"`, `"level"`, `"salary_min"`, `"years_experience"`, "Account Manager"} {
		if !strings.Contains(jsonText(v.Blocks), want) {
			t.Errorf("modal lacks %s", want)
		}
	}
	var meta struct{ C, R string }
	if err := json.Unmarshal([]byte(v.PrivateMetadata), &meta); err != nil || meta.C != hiring || meta.R != "account-manager" {
		t.Errorf("private_metadata %q: want channel %s and role account-manager", v.PrivateMetadata, hiring)
	}
	for _, a := range h.slack.Acks() {
		t.Logf("ack %s latency %s", a.Type, a.Latency)
	}
	h.checkSlackRules()
}

func TestSlashCommandAnswersInTheAck(t *testing.T) {
	h := newHarness(t, nil)
	tests := []struct {
		name, text string
		want       []string
	}{
		{"no text is help", "", []string{"account-manager", "list", "help"}},
		{"help", "help", []string{"account-manager", "/jobdesc list"}},
		{"unknown role names the closest", "acount-manger", []string{"acount-manger", "Did you mean `/jobdesc account-manager`?"}},
		{"post without id", "post", []string{"Say which draft to post"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := testCtx(t)
			mark := h.slack.Mark()
			d, err := h.slack.SlashCommand(ctx, alice, hiring, "/jobdesc", tt.text)
			if err != nil {
				t.Fatal(err)
			}
			ack, err := d.WaitAck(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range tt.want {
				if !strings.Contains(jsonText(ack.Payload), want) {
					t.Errorf("ack payload %s lacks %q", ack.Payload, want)
				}
			}
			if !strings.Contains(jsonText(ack.Payload), `"response_type":"ephemeral"`) {
				t.Errorf("ack payload %s is not ephemeral", ack.Payload)
			}
			for _, c := range h.slack.Calls("views.open") {
				if c.Seq > mark {
					t.Errorf("a modal opened for %q", tt.text)
				}
			}
		})
	}
	h.checkSlackRules()
}

func TestInvalidSubmissionKeepsTheModalOpenWithErrors(t *testing.T) {
	h := newHarness(t, nil)
	ctx := testCtx(t)
	v := h.openModal(ctx, alice, hiring, "account-manager")
	mark := h.slack.Mark()
	// Slack's client enforces required inputs, lengths and number bounds;
	// rules across fields are ours to check.
	ack := h.submit(ctx, alice, v, exampleValues(t, "account-manager", map[string]any{
		"salary_min": "90000", "salary_max": "50000",
	}))
	if got := ack.ResponseAction(); got != "errors" {
		t.Fatalf("response_action: got %q, want errors (%s)", got, ack.Payload)
	}
	errs := ack.Errors()
	for _, block := range []string{"salary_min"} {
		if errs[block] == "" {
			t.Errorf("no error beside %s; got %v", block, errs)
		}
	}
	for _, c := range h.slack.Calls("chat.postMessage") {
		if c.Seq > mark {
			t.Errorf("an invalid draft was posted: %s", c.Body)
		}
	}
	// Fixing the values in the same modal posts it.
	mark = h.slack.Mark()
	ack = h.submit(ctx, alice, v, exampleValues(t, "account-manager", nil))
	if got := ack.ResponseAction(); got != "clear" {
		t.Fatalf("after fixing: response_action %q, want clear", got)
	}
	if _, err := h.slack.WaitForCallAfter(ctx, mark, "chat.postMessage", func(c fakeslack.Call) bool { return c.OK }); err != nil {
		t.Fatalf("fixed draft not posted: %v", err)
	}
	h.checkSlackRules()
}

func TestSubmissionPostsTheReviewMessage(t *testing.T) {
	h := newHarness(t, nil)
	ctx := testCtx(t)
	m := h.newDraft(ctx, alice, hiring, map[string]any{"company_name": "Acme <!channel> & Co"})
	body := jsonText(m.Blocks)
	for _, want := range []string{"Account Manager", "AM-1", "revision 1", "<@U0ALICE>", "In review", ":white_check_mark:", "draft.edit", "draft.export", "Acme &lt;!channel&gt; &amp; Co"} {
		if !strings.Contains(body, want) {
			t.Errorf("review message lacks %q", want)
		}
	}
	// Only mrkdwn text and the notification text can ping; plain_text
	// (the header) shows "<!channel>" literally.
	if mrkdwnTexts := mrkdwnOf(t, m.Blocks); strings.Contains(mrkdwnTexts, "<!channel>") {
		t.Errorf("a field value reached mrkdwn unescaped: %s", mrkdwnTexts)
	}
	if strings.Contains(m.Text, "<!channel>") {
		t.Errorf("notification text %q pings the channel", m.Text)
	}
	h.checkSlackRules()
	if err := h.stop(); err != nil {
		t.Fatal(err)
	}
	d, err := openStore(t, h.cfg.DBPath).FindByMessage(ctx, "T0TEAM", hiring, m.TS)
	if err != nil {
		t.Fatalf("draft not found by its message: %v", err)
	}
	if d.Status != drafts.StatusInReview || d.Author != alice || d.PostPending {
		t.Errorf("stored draft: status %s author %s pending %v; want in_review, %s, false", d.Status, d.Author, d.PostPending, alice)
	}
}

func TestApprovalByReaction(t *testing.T) {
	h := newHarness(t, nil)
	ctx := testCtx(t)
	m := h.newDraft(ctx, alice, hiring, nil)

	t.Run("the author's own reaction does not count", func(t *testing.T) {
		h.react(ctx, alice, hiring, m.TS, approve, true)
		h.waitEphemeral(ctx, hiring, alice, "You wrote")
		if got := statusLines(mustMessage(t, h.slack, hiring, m.TS).Blocks); !strings.Contains(got, "0 of 1") {
			t.Errorf("status after self-approval: %q, want 0 of 1", got)
		}
	})
	t.Run("a teammate approves", func(t *testing.T) {
		h.react(ctx, bob, hiring, m.TS, approve, true)
		got := h.waitStatus(ctx, hiring, m.TS, "Approved")
		if !strings.Contains(statusLines(got.Blocks), "@bob") {
			t.Errorf("status %q does not name the approver", statusLines(got.Blocks))
		}
		h.waitReply(ctx, hiring, m.TS, "is approved")
	})
	t.Run("removing the reaction withdraws the approval", func(t *testing.T) {
		h.react(ctx, bob, hiring, m.TS, approve, false)
		h.waitStatus(ctx, hiring, m.TS, "In review")
		h.waitReply(ctx, hiring, m.TS, "withdrew their approval")
	})
	t.Run("the changes reaction requests changes", func(t *testing.T) {
		h.react(ctx, carol, hiring, m.TS, changes, true)
		h.waitStatus(ctx, hiring, m.TS, "Changes requested")
		h.waitReply(ctx, hiring, m.TS, "requested changes")
	})
	t.Run("other reactions and other messages are ignored", func(t *testing.T) {
		mark := h.slack.Mark()
		h.react(ctx, dave, hiring, m.TS, "tada", true)
		other, err := h.slack.PostUserMessage(hiring, carol, "lunch?")
		if err != nil {
			t.Fatal(err)
		}
		h.react(ctx, dave, hiring, other.TS, approve, true)
		// Acked and ignored: no update, no reply, no ephemeral.
		for _, c := range h.slack.Transcript() {
			if c.Seq > mark && c.Kind == fakeslack.KindCall {
				t.Errorf("bot called %s for an unrelated reaction", c.Method)
			}
		}
	})
	h.checkSlackRules()
}

func mustMessage(t *testing.T, s *fakeslack.Server, channel, ts string) fakeslack.Message {
	t.Helper()
	m, ok := s.Message(channel, ts)
	if !ok {
		t.Fatalf("no message %s in %s", ts, channel)
	}
	return m
}

func TestApproversAndNOfM(t *testing.T) {
	h := newHarness(t, func(c *Config) {
		c.Approvers = []string{carol, dave}
		c.ApprovalsRequired = 2
	})
	ctx := testCtx(t)
	m := h.newDraft(ctx, alice, hiring, nil)
	if !strings.Contains(jsonText(m.Blocks), "Approvers: <@U0CAROL>, <@U0DAVE>") {
		t.Errorf("footer does not name the approvers")
	}
	h.react(ctx, bob, hiring, m.TS, approve, true)
	h.waitEphemeral(ctx, hiring, bob, "Only the configured approvers")
	h.react(ctx, carol, hiring, m.TS, approve, true)
	h.waitStatus(ctx, hiring, m.TS, "1 of 2 approvals")
	h.waitReply(ctx, hiring, m.TS, "(1 of 2 approvals)")
	h.react(ctx, dave, hiring, m.TS, approve, true)
	got := h.waitStatus(ctx, hiring, m.TS, "Approved")
	if s := statusLines(got.Blocks); !strings.Contains(s, "2 of 2") {
		t.Errorf("status %q, want 2 of 2", s)
	}
	h.checkSlackRules()
}

func TestEditMakesARevisionAndResetsApprovals(t *testing.T) {
	h := newHarness(t, nil)
	ctx := testCtx(t)
	m := h.newDraft(ctx, alice, hiring, nil)
	h.react(ctx, bob, hiring, m.TS, approve, true)
	h.waitStatus(ctx, hiring, m.TS, "Approved")

	v := h.clickEdit(ctx, alice, hiring, m.TS)
	if !strings.Contains(jsonText(v.Blocks), "Northwind") && !strings.Contains(jsonText(v.Blocks), `"initial_value"`) {
		t.Errorf("edit modal is not prefilled: %s", v.Blocks)
	}
	ack := h.submit(ctx, alice, v, exampleValues(t, "account-manager", map[string]any{"company_name": "Globex"}))
	if ack.ResponseAction() != "clear" {
		t.Fatalf("edit ack %s, want clear", ack.Payload)
	}
	got := h.waitStatus(ctx, hiring, m.TS, "In review")
	if !strings.Contains(jsonText(got.Blocks), "Globex") || !strings.Contains(jsonText(got.Blocks), "revision 2") {
		t.Errorf("review message not updated in place with the edit")
	}
	if s := statusLines(got.Blocks); !strings.Contains(s, "0 of 1") {
		t.Errorf("approvals not reset: %q", s)
	}
	reply := h.waitReply(ctx, hiring, m.TS, "revision 2")
	if !strings.Contains(reply.Text, "Company") || !strings.Contains(reply.Text, "reset") {
		t.Errorf("edit reply %q should name the changed field and the reset", reply.Text)
	}
	h.checkSlackRules()
}

func TestExportIsPrivate(t *testing.T) {
	h := newHarness(t, nil)
	ctx := testCtx(t)
	m := h.newDraft(ctx, alice, hiring, nil)
	d, err := h.slack.ClickButton(ctx, bob, m, "draft.export")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.WaitAck(ctx); err != nil {
		t.Fatal(err)
	}
	e := h.waitEphemeral(ctx, hiring, bob, "Markdown")
	for _, want := range []string{"Plain text", "## ", "Account Manager"} {
		if !strings.Contains(jsonText(e.Blocks), want) {
			t.Errorf("export lacks %q", want)
		}
	}
	h.checkSlackRules()
}

func TestListAndHomeShowTheAuthorsDrafts(t *testing.T) {
	h := newHarness(t, nil)
	ctx := testCtx(t)
	m := h.newDraft(ctx, alice, hiring, nil)
	id := draftIDOf(t, m)

	mark := h.slack.Mark()
	d, err := h.slack.SlashCommand(ctx, alice, hiring, "/jobdesc", "list")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.WaitAck(ctx); err != nil {
		t.Fatal(err)
	}
	c, err := h.slack.WaitForCallAfter(ctx, mark, "response_url", nil)
	if err != nil {
		t.Fatalf("list not answered: %v", err)
	}
	for _, want := range []string{id, "In review", "https://"} {
		if !strings.Contains(jsonText(c.Body), want) {
			t.Errorf("list lacks %q: %s", want, c.Body)
		}
	}

	d, err = h.slack.OpenHome(ctx, alice)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.WaitAck(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := h.slack.WaitForCall(ctx, "views.publish", func(c fakeslack.Call) bool { return c.OK }); err != nil {
		t.Fatalf("home not published: %v", err)
	}
	home, _ := h.slack.HomeView(alice)
	if !strings.Contains(jsonText(home.Blocks), id) || !strings.Contains(jsonText(home.Blocks), "draft.export") {
		t.Errorf("home lacks the draft and its buttons: %s", home.Blocks)
	}
	h.checkSlackRules()
}

// mrkdwnOf joins every mrkdwn text object in blocks.
func mrkdwnOf(t *testing.T, raw []byte) string {
	t.Helper()
	var walk func(any) []string
	walk = func(x any) []string {
		var out []string
		switch x := x.(type) {
		case map[string]any:
			if x["type"] == "mrkdwn" {
				if s, ok := x["text"].(string); ok {
					out = append(out, s)
				}
			}
			for _, v := range x {
				out = append(out, walk(v)...)
			}
		case []any:
			for _, v := range x {
				out = append(out, walk(v)...)
			}
		}
		return out
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	return strings.Join(walk(v), "\n")
}
