package bot

import (
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/jobdesc/jobdesc/checks"
	"github.com/jobdesc/jobdesc/drafts"
	"github.com/jobdesc/jobdesc/templates"
)

// The posting checks (package checks) reach people in three places: a
// blocker stays beside its field in the modal; warnings and tips turn the
// modal into a "Check before posting" view; the review message carries a
// one-line summary and its thread the details.

// maxFindingsShown keeps the check view and thread replies within Slack's
// block limits.
const maxFindingsShown = 30

// blockerErrors places blockers beside their inputs, keyed by block id (the
// field id); a finding about the posting as a whole goes beside the first
// input.
func blockerErrors(role *templates.Role, fs []checks.Finding, firstBlock string) map[string]string {
	errs := map[string]string{}
	for _, f := range fs {
		block := f.Field
		if _, ok := role.Field(block); !ok {
			block = firstBlock
		}
		msg := f.Message
		if f.Suggestion != "" {
			msg += " " + f.Suggestion
		}
		if prev, ok := errs[block]; ok {
			msg = prev + " " + msg
		}
		errs[block] = truncate(msg, 2000)
	}
	return errs
}

func severityEmoji(s checks.Severity) string {
	switch s {
	case checks.Blocker:
		return ":no_entry:"
	case checks.Warning:
		return ":warning:"
	}
	return ":bulb:"
}

// findingLine is one finding in mrkdwn, naming the field by its label.
func findingLine(role *templates.Role, f checks.Finding) string {
	where := ""
	if fl, ok := role.Field(f.Field); ok {
		where = " (" + escape(fl.Label) + ")"
	}
	line := fmt.Sprintf("%s *%s*%s: %s", severityEmoji(f.Severity), strings.ToUpper(string(f.Severity[:1]))+string(f.Severity[1:]), where, escape(f.Message))
	if f.Suggestion != "" {
		line += "\n      _" + escape(f.Suggestion) + "_"
	}
	return line
}

// checkView is the modal that lists warnings and tips before a new draft
// is posted: "Post for review" (submit) posts it, "Back to edit" returns to
// the form with the values kept (they are in the held draft).
func checkView(role *templates.Role, d drafts.Draft, fs []checks.Finding, meta modalMeta) slack.ModalViewRequest {
	blocks := []slack.Block{
		slack.NewSectionBlock(mrkdwn(fmt.Sprintf("*%s* is saved. Before your teammates see it, the posting checks found: *%s*.\nYou can post it as it is, or go back and edit.", d.ID, checks.Summary(fs))), nil, nil),
		slack.NewDividerBlock(),
	}
	shown := fs
	if len(shown) > maxFindingsShown {
		shown = shown[:maxFindingsShown]
	}
	for _, f := range shown {
		blocks = append(blocks, slack.NewSectionBlock(mrkdwn(truncate(findingLine(role, f), maxSectionText)), nil, nil))
	}
	if len(fs) > len(shown) {
		blocks = append(blocks, slack.NewContextBlock("", mrkdwn(fmt.Sprintf("…and %d more; `jobdesc render --check` lists them all.", len(fs)-len(shown)))))
	}
	blocks = append(blocks, slack.NewActionBlock("check.actions", slack.NewButtonBlockElement(actionBackToEdit, d.ID, plain("Back to edit"))))
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      callbackCheck,
		Title:           plain("Check before posting"),
		Submit:          plain("Post for review"),
		Close:           plain("Not now"),
		PrivateMetadata: meta.encode(),
		Blocks:          slack.Blocks{BlockSet: blocks},
	}
}

// findingsReply is the thread reply under a review message listing a
// revision's findings.
func findingsReply(role *templates.Role, d drafts.Draft, fs []checks.Finding) string {
	if len(fs) == 0 {
		return fmt.Sprintf(":white_check_mark: Posting checks for revision %d of %s: no issues found.", d.Revision, d.ID)
	}
	lines := []string{fmt.Sprintf("*Posting checks for revision %d of %s: %s*", d.Revision, d.ID, checks.Summary(fs))}
	for i, f := range fs {
		if i == maxFindingsShown {
			lines = append(lines, fmt.Sprintf("…and %d more.", len(fs)-i))
			break
		}
		lines = append(lines, findingLine(role, f))
	}
	return truncate(strings.Join(lines, "\n"), 3900)
}

// checkSummary is the review message's one-line summary, or "" when the
// checks found nothing.
func checkSummary(fs []checks.Finding) string {
	if len(fs) == 0 {
		return ":mag: Posting checks: no issues found."
	}
	return ":mag: Posting checks: " + checks.Summary(fs) + " (details in the thread)."
}
