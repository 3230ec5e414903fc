package main

import (
	"strings"
	"testing"

	"github.com/jobdesc/jobdesc/bot/fakeslack"
)

func TestPostingChecksInSlack(t *testing.T) {
	t.Run("a blocker stays beside its field", func(t *testing.T) {
		h := newHarness(t, nil)
		ctx := testCtx(t)
		v := h.openModal(ctx, alice, hiring, "account-manager")
		ack := h.submit(ctx, alice, v, exampleValues(t, "account-manager", map[string]any{
			"location": "Colorado Springs, CO", "salary_min": nil, "salary_max": nil,
		}))
		if ack.ResponseAction() != "errors" {
			t.Fatalf("ack %s, want errors", ack.Payload)
		}
		msg := ack.Errors()["salary_min"]
		if !strings.Contains(msg, "Colorado") {
			t.Errorf("error beside salary_min %q should name Colorado's law; all errors %v", msg, ack.Errors())
		}
		if n := len(h.slack.Calls("chat.postMessage")); n != 0 {
			t.Errorf("%d posts for a draft with a blocker, want 0", n)
		}
		h.checkSlackRules()
	})

	t.Run("warnings show a check view; back to edit keeps the values", func(t *testing.T) {
		h := newHarness(t, nil)
		ctx := testCtx(t)
		v := h.openModal(ctx, alice, hiring, "account-manager")
		ack := h.submit(ctx, alice, v, exampleValues(t, "account-manager", map[string]any{
			"extra_qualifications": "You are a rockstar and a digital native.",
		}))
		if ack.ResponseAction() != "update" {
			t.Fatalf("ack %s, want update to the check view", ack.Payload)
		}
		cv, _ := h.slack.View(v.ID)
		body := jsonText(cv.Blocks)
		for _, want := range []string{"rockstar", "digital native", "Warning", "Back to edit", "AM-1"} {
			if !strings.Contains(body, want) {
				t.Errorf("check view lacks %q", want)
			}
		}
		if n := len(h.slack.Calls("chat.postMessage")); n != 0 {
			t.Fatalf("posted before the author confirmed")
		}

		mark := h.slack.Mark()
		d, err := h.slack.ClickViewButton(ctx, alice, cv, "check.back")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.WaitAck(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := h.slack.WaitForCallAfter(ctx, mark, "views.update", func(c fakeslack.Call) bool { return c.OK }); err != nil {
			t.Fatalf("back to edit did not update the view: %v", err)
		}
		form, _ := h.slack.View(v.ID)
		if form.CallbackID != "jobdesc.draft" || !strings.Contains(jsonText(form.Blocks), "rockstar") {
			t.Fatalf("back to edit: view %q without the typed values", form.CallbackID)
		}
		// Fix one phrase, keep the other, and post anyway.
		ack = h.submit(ctx, alice, form, exampleValues(t, "account-manager", map[string]any{
			"extra_qualifications": "You are a rockstar.",
		}))
		if ack.ResponseAction() != "update" {
			t.Fatalf("second submit: ack %s, want the check view again", ack.Payload)
		}
		if ack := h.confirmChecks(ctx, alice, v.ID); ack.ResponseAction() != "clear" {
			t.Fatalf("confirm: %s, want clear", ack.Payload)
		}
		m, err := h.slack.WaitForMessage(ctx, hiring, func(m fakeslack.Message) bool {
			return m.ThreadTS == "" && strings.Contains(jsonText(m.Blocks), "AM-1")
		})
		if err != nil {
			t.Fatalf("not posted after confirming: %v", err)
		}
		if !strings.Contains(jsonText(m.Blocks), "Posting checks: 1 warning") {
			t.Errorf("review message lacks the one-line summary")
		}
		if strings.Contains(jsonText(m.Blocks), "digital native") {
			t.Errorf("the review shows revision 1's wording, want the edited one")
		}
		h.waitReply(ctx, hiring, m.TS, "rockstar")
		h.checkSlackRules()

		t.Run("an edit that resolves them updates the summary", func(t *testing.T) {
			ack := h.submit(ctx, alice, h.clickEdit(ctx, alice, hiring, m.TS), exampleValues(t, "account-manager", map[string]any{
				"extra_qualifications": "You enjoy learning new tools.",
			}))
			if ack.ResponseAction() != "clear" {
				t.Fatalf("edit ack %s, want clear", ack.Payload)
			}
			if err := h.slack.WaitUntil(ctx, func() bool {
				m, _ := h.slack.Message(hiring, m.TS)
				return strings.Contains(jsonText(m.Blocks), "Posting checks: no issues found")
			}); err != nil {
				t.Errorf("summary not updated after the fix")
			}
			h.waitReply(ctx, hiring, m.TS, "no issues found")
			h.checkSlackRules()
		})
	})
}
