package bot

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/jobdesc/jobdesc/metrics"
)

func TestMetricsExposition(t *testing.T) {
	reg := metrics.NewRegistry()
	m, err := NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	m.envelopes.WithLabelValues("events_api").Inc()
	m.ackLatency.Observe(0.004)
	m.apiCalls.WithLabelValues("chat.postMessage", "ok").Inc()
	m.connects.Inc()
	var b bytes.Buffer
	if err := reg.Write(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"# TYPE jobdesc_envelopes_total counter\n",
		`jobdesc_envelopes_total{type="events_api"} 1` + "\n",
		"# TYPE jobdesc_ack_latency_seconds histogram\n",
		`jobdesc_ack_latency_seconds_bucket{le="0.0025"} 0` + "\n",
		`jobdesc_ack_latency_seconds_bucket{le="0.005"} 1` + "\n",
		`jobdesc_ack_latency_seconds_bucket{le="3"} 1` + "\n",
		"jobdesc_ack_latency_seconds_count 1\n",
		`jobdesc_slack_api_calls_total{method="chat.postMessage",outcome="ok"} 1` + "\n",
		"# TYPE jobdesc_socket_connects_total counter\n",
		"jobdesc_socket_connects_total 1\n",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("exposition lacks %q:\n%s", want, b.String())
		}
	}
}

func TestNewMetrics(t *testing.T) {
	t.Run("nil registry", func(t *testing.T) {
		m, err := NewMetrics(nil)
		if err != nil || m == nil {
			t.Fatalf("got %v, %v, want metrics", m, err)
		}
		m.connects.Inc() // usable, exposed nowhere
		if got := m.connects.Value(); got != 1 {
			t.Errorf("got %d connects, want 1", got)
		}
	})
	t.Run("twice in one registry", func(t *testing.T) {
		reg := metrics.NewRegistry()
		if _, err := NewMetrics(reg); err != nil {
			t.Fatal(err)
		}
		if _, err := NewMetrics(reg); !errors.Is(err, metrics.ErrDuplicate) {
			t.Errorf("got %v, want %v", err, metrics.ErrDuplicate)
		}
	})
}
