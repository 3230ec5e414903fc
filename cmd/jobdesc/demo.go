package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"html"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/jobdesc/jobdesc/bot"
	"github.com/jobdesc/jobdesc/bot/fakeslack"
	"github.com/jobdesc/jobdesc/drafts"
	"github.com/jobdesc/jobdesc/templates"
)

// demoCmd plays the whole flow against an embedded fake Slack: the slash
// command, the modal, the posted description, an approval by reaction.
//
//	jobdesc demo [--db FILE] [--role ROLE] [--transcript]
func demoCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dbPath := fs.String("db", "", "keep the drafts in this file (run the demo again to see them persist); default a temporary file")
	roleID := fs.String("role", "account-manager", "role to draft")
	transcript := fs.Bool("transcript", false, "print every Web API call, envelope and ack at the end")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errHelp
		}
		return usageError("demo: %v", err)
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()

	catalog, err := templates.Load(os.Getenv("JOBDESC_TEMPLATES_DIR"))
	if err != nil {
		return fmt.Errorf("load templates: %w", err)
	}
	role, ok := catalog.Role(*roleID)
	if !ok {
		return usageError("demo: no role %q", *roleID)
	}
	path := *dbPath
	if path == "" {
		dir, err := os.MkdirTemp("", "jobdesc-demo-")
		if err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		defer os.RemoveAll(dir)
		path = filepath.Join(dir, "jobdesc.db")
	}
	earlier, err := countDrafts(ctx, path)
	if err != nil {
		return err
	}

	slack, err := fakeslack.Start(fakeslack.Options{SchemaDir: "-"})
	if err != nil {
		return fmt.Errorf("start the fake Slack: %w", err)
	}
	defer slack.Close()

	p := demoPrinter{w: stdout, start: time.Now()}
	p.step("Fake Slack workspace %q is listening on %s (nothing leaves this machine)", "acme", slack.APIURL())
	if earlier > 0 {
		p.note("%s already holds %d drafts from earlier runs: they survive restarts", path, earlier)
	}

	var logs bytes.Buffer
	logw := &lockedWriter{w: &logs}
	botCtx, stopBot := context.WithCancel(ctx)
	defer stopBot()
	botDone := make(chan error, 1)
	cfg := Config{
		AppToken: slack.AppToken(), BotToken: slack.BotToken(), APIURL: slack.APIURL(),
		DBPath: path, TemplatesDir: os.Getenv("JOBDESC_TEMPLATES_DIR"),
		ApproveReaction: "white_check_mark", ChangesReaction: "x", ApprovalsRequired: 1, LogLevel: "info", Connections: 2,
	}
	go func() { botDone <- run(botCtx, cfg, io.Discard, logw) }()
	fail := func(err error) error {
		stopBot()
		fmt.Fprintf(stderr, "demo failed; the bot's log:\n%s\n", logw.String())
		if *transcript {
			_ = slack.WriteTranscript(stderr)
		}
		return err
	}

	if err := slack.WaitConnected(ctx, 1); err != nil {
		return fail(fmt.Errorf("demo: the bot did not connect: %w", err))
	}
	p.step("The jobdesc bot started and connected over Socket Mode (websocket), database %s", path)

	const alice, bob, channel = "U0ALICE", "U0BOB", "C0HIRING"
	mark := slack.Mark()
	d, err := slack.SlashCommand(ctx, alice, channel, bot.Command, role.ID)
	if err != nil {
		return fail(fmt.Errorf("demo: send the slash command: %w", err))
	}
	p.step("@alice types `%s %s` in #hiring", bot.Command, role.ID)
	ack, err := d.WaitAck(ctx)
	if err != nil {
		return fail(fmt.Errorf("demo: slash command not acked: %w", err))
	}
	p.note("acked in %s", ack.Latency.Round(time.Microsecond))

	call, err := slack.WaitForCallAfter(ctx, mark, "views.open", nil)
	if err != nil {
		return fail(fmt.Errorf("demo: no modal opened: %w", err))
	}
	view, err := slack.WaitForView(ctx, func(v fakeslack.View) bool { return v.CallbackID != "" && !v.Closed })
	if err != nil {
		return fail(fmt.Errorf("demo: no modal opened: %w", err))
	}
	p.step("A modal opens for @alice (views.open, %s after the command): %q", call.At.Sub(d.SentAt).Round(time.Microsecond), modalTitle(view))
	example := role.Normalize(role.Example())
	for _, f := range role.Fields {
		label := f.Label
		if !f.Required {
			label += " (optional)"
		}
		p.field(label, shownValue(f, example[f.ID]))
	}
	values := bot.SubmissionValues(role, example)

	mark = slack.Mark()
	d, err = slack.SubmitView(ctx, alice, view, values)
	if err != nil {
		return fail(fmt.Errorf("demo: submit the modal: %w", err))
	}
	ack, err = d.WaitAck(ctx)
	if err != nil {
		return fail(fmt.Errorf("demo: submission not acked: %w", err))
	}
	if ack.ResponseAction() == "update" {
		checkView, _ := slack.View(view.ID)
		p.step("@alice presses %q: the draft is saved to disk and the posting checks run (acked in %s). The modal turns into %q:", "Post for review", ack.Latency.Round(time.Microsecond), modalTitle(checkView))
		p.block(blocksToText(checkView.Blocks))
		d, err = slack.SubmitView(ctx, alice, checkView, nil)
		if err != nil {
			return fail(fmt.Errorf("demo: confirm the checks: %w", err))
		}
		if ack, err = d.WaitAck(ctx); err != nil {
			return fail(fmt.Errorf("demo: confirmation not acked: %w", err))
		}
		p.step("@alice presses %q on it: the modal closes (response_action %q)", "Post for review", ack.ResponseAction())
	} else {
		p.step("@alice presses %q: the draft is saved to disk, then the modal closes (response_action %q, acked in %s)", "Post for review", ack.ResponseAction(), ack.Latency.Round(time.Microsecond))
	}

	posted, err := slack.WaitForCallAfter(ctx, mark, "chat.postMessage", func(c fakeslack.Call) bool { return c.OK && c.Param("channel") == channel })
	if err != nil {
		return fail(fmt.Errorf("demo: the description was not posted: %w", err))
	}
	ts := jsonField(posted.Response, "ts")
	msg, _ := slack.Message(channel, ts)
	p.step("jobdesc posts the description in #hiring for review (chat.postMessage, %s after the submit):", posted.At.Sub(d.SentAt).Round(time.Microsecond))
	p.block(blocksToText(msg.Blocks))

	mark = slack.Mark()
	d, err = slack.React(ctx, bob, channel, ts, "white_check_mark")
	if err != nil {
		return fail(fmt.Errorf("demo: react: %w", err))
	}
	p.step("@bob reacts with :white_check_mark: on the post")
	if _, err := slack.WaitForCallAfter(ctx, mark, "chat.update", func(c fakeslack.Call) bool { return c.OK && c.Param("ts") == ts }); err != nil {
		return fail(fmt.Errorf("demo: the post was not updated: %w", err))
	}
	reply, err := slack.WaitForMessage(ctx, channel, func(m fakeslack.Message) bool { return m.ThreadTS == ts && strings.Contains(m.Text, "approved") })
	if err != nil {
		return fail(fmt.Errorf("demo: no approval reply: %w", err))
	}
	msg, _ = slack.Message(channel, ts)
	p.step("jobdesc updates the post in place (chat.update) and replies in its thread:")
	p.block(statusLines(msg.Blocks))
	p.block("↳ " + mrkdwnToText(reply.Text))

	stopBot()
	if err := <-botDone; err != nil {
		return fail(fmt.Errorf("demo: the bot stopped with an error: %w", err))
	}
	if problems := slack.Problems(); len(problems) > 0 {
		return fail(fmt.Errorf("demo: the fake Slack saw problems: %s", strings.Join(problems, "; ")))
	}
	p.step("Done: the draft is Approved and stored in %s. Run `jobdesc demo --db %s` again to see it persist.", path, filepathOr(*dbPath, "FILE"))
	if *transcript {
		fmt.Fprintln(stdout)
		return slack.WriteTranscript(stdout)
	}
	return nil
}

// shownValue is a field's value as the form shows it: choice labels, "—"
// for empty.
func shownValue(f templates.Field, v string) string {
	if v == "" {
		return "—"
	}
	if len(f.Choices) == 0 {
		return v
	}
	var labels []string
	for _, part := range strings.Split(v, ",") {
		label := part
		for _, c := range f.Choices {
			if c.Value == part {
				label = c.Label
			}
		}
		labels = append(labels, label)
	}
	return strings.Join(labels, ", ")
}

func filepathOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// countDrafts says how many drafts a kept demo database already holds.
func countDrafts(ctx context.Context, path string) (int, error) {
	if _, err := os.Stat(path); err != nil {
		return 0, nil
	}
	store, err := drafts.Open(path)
	if err != nil {
		return 0, fmt.Errorf("open %s: %w", path, err)
	}
	defer store.Close()
	counts, err := store.CountByStatus(ctx)
	if err != nil {
		return 0, fmt.Errorf("read %s: %w", path, err)
	}
	n := 0
	for _, c := range counts {
		n += c
	}
	return n, nil
}

// demoPrinter prints numbered steps with their time since the start.
type demoPrinter struct {
	w     io.Writer
	start time.Time
	n     int
}

func (p *demoPrinter) step(format string, args ...any) {
	p.n++
	fmt.Fprintf(p.w, "\n%2d. [%6.1f ms] %s\n", p.n, float64(time.Since(p.start).Microseconds())/1000, fmt.Sprintf(format, args...))
}

func (p *demoPrinter) note(format string, args ...any) {
	fmt.Fprintf(p.w, "                 %s\n", fmt.Sprintf(format, args...))
}

func (p *demoPrinter) field(label, value string) {
	value = strings.ReplaceAll(value, "\n", " / ")
	if len(value) > 90 {
		value = value[:87] + "..."
	}
	fmt.Fprintf(p.w, "       %-32s %s\n", label+":", value)
}

func (p *demoPrinter) block(text string) {
	for _, line := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		fmt.Fprintf(p.w, "     │ %s\n", line)
	}
}

// lockedWriter lets the bot's logger and the demo share a buffer.
type lockedWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (l *lockedWriter) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.String()
}

func modalTitle(v fakeslack.View) string {
	var m struct {
		Title struct{ Text string } `json:"title"`
	}
	_ = json.Unmarshal(v.Raw, &m)
	return m.Title.Text
}

func jsonField(b []byte, name string) string {
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	s, _ := m[name].(string)
	return s
}

// block is the part of a Block Kit block the demo shows.
type block struct {
	Type     string `json:"type"`
	BlockID  string `json:"block_id"`
	Text     *text  `json:"text"`
	Elements []struct {
		Type string `json:"type"`
		Text any    `json:"text"`
	} `json:"elements"`
}

type text struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

// blocksToText shows a message's blocks as a person would read them.
func blocksToText(raw json.RawMessage) string {
	var blocks []block
	if err := json.Unmarshal(raw, &blocks); err != nil {
		return "(unreadable blocks: " + err.Error() + ")"
	}
	var b strings.Builder
	for _, bl := range blocks {
		switch bl.Type {
		case "header":
			if bl.Text != nil {
				fmt.Fprintf(&b, "\n%s\n%s\n", strings.ToUpper(bl.Text.Text), strings.Repeat("=", min(len(bl.Text.Text), 60)))
			}
		case "section":
			if bl.Text != nil {
				fmt.Fprintf(&b, "%s\n", mrkdwnToText(bl.Text.Text))
			}
		case "divider":
			b.WriteString(strings.Repeat("─", 60) + "\n")
		case "context":
			for _, e := range bl.Elements {
				if s, ok := e.Text.(string); ok {
					fmt.Fprintf(&b, "  %s\n", mrkdwnToText(s))
				}
			}
		case "actions":
			var buttons []string
			for _, e := range bl.Elements {
				if m, ok := e.Text.(map[string]any); ok {
					buttons = append(buttons, fmt.Sprintf("[ %v ]", m["text"]))
				}
			}
			fmt.Fprintf(&b, "%s\n", strings.Join(buttons, " "))
		}
	}
	return b.String()
}

// statusLines is the status part of a review message.
func statusLines(raw json.RawMessage) string {
	var blocks []block
	_ = json.Unmarshal(raw, &blocks)
	var b strings.Builder
	for _, bl := range blocks {
		if bl.BlockID == "draft.status" && bl.Text != nil {
			b.WriteString(mrkdwnToText(bl.Text.Text) + "\n")
		}
	}
	return b.String()
}

// mrkdwnToText undoes Slack's escaping and shows mentions by user id.
func mrkdwnToText(s string) string {
	s = strings.NewReplacer("<@U0ALICE>", "@alice", "<@U0BOB>", "@bob", "*", "", "<#C0HIRING>", "#hiring").Replace(s)
	return html.UnescapeString(s)
}
