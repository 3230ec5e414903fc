package main

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jobdesc/jobdesc/bot/fakeslack"
)

// poll checks cond every few milliseconds until it holds or ctx ends.
func poll(ctx context.Context, cond func() bool) error {
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return nil
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestHealthzAndMetrics(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.HTTPAddr = "127.0.0.1:0" })
	ctx := testCtx(t)
	var base string
	addr := regexp.MustCompile(`serving /healthz and /metrics" addr=(\S+)`)
	if err := poll(ctx, func() bool {
		m := addr.FindStringSubmatch(h.logs.String())
		if m != nil {
			base = "http://" + m[1]
		}
		return m != nil
	}); err != nil {
		t.Fatalf("no address logged: %v", err)
	}

	// The fake counts the connection when it sends hello; the bot when it
	// reads it.
	if err := poll(ctx, func() bool { code, _ := get(t, base+"/healthz"); return code == 200 }); err != nil {
		code, body := get(t, base+"/healthz")
		t.Fatalf("healthz while connected: %d %q, want 200 ok", code, body)
	}
	if _, body := get(t, base+"/healthz"); !strings.Contains(body, "ok") {
		t.Errorf("healthz body %q, want ok", body)
	}

	m := h.newDraft(ctx, alice, hiring, nil)
	h.react(ctx, bob, hiring, m.TS, approve, true)
	h.waitStatus(ctx, hiring, m.TS, "Approved")
	_, metrics := get(t, base+"/metrics")
	for _, want := range []string{
		`jobdesc_envelopes_total{type="slash_commands"} 1`,
		`jobdesc_envelopes_total{type="interactive"} 1`,
		`jobdesc_envelopes_total{type="events_api"} 1`,
		`jobdesc_ack_latency_seconds_count 3`,
		`jobdesc_slack_api_calls_total{method="chat.postMessage",outcome="ok"}`,
		`jobdesc_slack_api_calls_total{method="views.open",outcome="ok"} 1`,
		`jobdesc_drafts{status="approved"} 1`,
		`jobdesc_socket_connects_total 2`, // two connections
		"# TYPE jobdesc_ack_latency_seconds histogram\n",
		`jobdesc_ack_latency_seconds_bucket{le="+Inf"} 3`,
		"# TYPE jobdesc_drafts gauge\n",
		`jobdesc_drafts{status="in_review"} 0`,
		// The Go and process families dashboards read.
		`go_goroutines `,
		`go_info{version="go`,
		`go_memstats_heap_alloc_bytes `,
		`go_gc_duration_seconds_count `,
		`process_resident_memory_bytes `,
		`process_start_time_seconds `,
		`process_cpu_seconds_total `,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}

	// The socket goes down and Slack refuses new connections: 503.
	h.slack.Inject("apps.connections.open", fakeslack.Fault{Status: 503, Times: -1})
	h.slack.DropSockets()
	if err := poll(ctx, func() bool { code, _ := get(t, base+"/healthz"); return code == http.StatusServiceUnavailable }); err != nil {
		t.Fatalf("healthz never turned 503 while the socket was down: %v", err)
	}
	_, body := get(t, base+"/healthz")
	if !strings.Contains(body, "not connected") {
		t.Errorf("503 body %q should say why", body)
	}
	h.slack.ClearFaults()
	if err := h.slack.WaitConnected(ctx, 3); err != nil {
		t.Fatalf("no reconnect: %v", err)
	}
	if err := poll(ctx, func() bool { code, _ := get(t, base+"/healthz"); return code == 200 }); err != nil {
		t.Fatalf("healthz did not recover after the reconnect: %v", err)
	}
	_, metrics = get(t, base+"/metrics")
	if !strings.Contains(metrics, "jobdesc_socket_connects_total 3") && !strings.Contains(metrics, "jobdesc_socket_connects_total 4") {
		t.Errorf("reconnects not counted")
	}
}
