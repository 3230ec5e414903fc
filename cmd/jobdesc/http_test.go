package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
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

	if code, body := get(t, base+"/debug/pprof/goroutine?debug=1"); code != http.StatusOK || !strings.Contains(body, "goroutine profile:") {
		t.Errorf("/debug/pprof/goroutine?debug=1: got %d %.40q, want 200 and a goroutine profile", code, body)
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

func TestPprofHandler(t *testing.T) {
	srv := httptest.NewServer(pprofHandler())
	t.Cleanup(srv.Close)
	gzipMagic := "\x1f\x8b"
	for _, tc := range []struct {
		path     string
		code     int
		ctype    string
		contains string // or, for a binary profile, its prefix
	}{
		{"/debug/pprof/", 200, "text/plain; charset=utf-8", "heap ("},
		{"/debug/pprof/heap?debug=1&gc=1", 200, "text/plain; charset=utf-8", "heap profile:"},
		{"/debug/pprof/goroutine?debug=2", 200, "text/plain; charset=utf-8", "goroutine "},
		{"/debug/pprof/allocs", 200, "application/octet-stream", gzipMagic},
		{"/debug/pprof/goroutine", 200, "application/octet-stream", gzipMagic},
		{"/debug/pprof/profile?seconds=1", 200, "application/octet-stream", gzipMagic},
		{"/debug/pprof/trace?seconds=1", 200, "application/octet-stream", "go 1."},
		{"/debug/pprof/nope", 404, "text/plain; charset=utf-8", `unknown profile "nope"`},
		{"/debug/pprof/heap?seconds=5", 400, "text/plain; charset=utf-8", "profile only"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			resp, err := http.Get(srv.URL + tc.path)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tc.code {
				t.Errorf("got status %d, want %d (%.60q)", resp.StatusCode, tc.code, body)
			}
			if got := resp.Header.Get("Content-Type"); got != tc.ctype {
				t.Errorf("got Content-Type %q, want %q", got, tc.ctype)
			}
			if tc.contains == gzipMagic && !strings.HasPrefix(string(body), gzipMagic) {
				t.Errorf("got %.20q, want a gzipped profile", body)
			} else if !strings.Contains(string(body), tc.contains) {
				t.Errorf("got %.80q, want it to contain %q", body, tc.contains)
			}
		})
	}
}
