package bot

import (
	"fmt"

	"github.com/jobdesc/jobdesc/metrics"
)

// Metrics are the bot's counters and histogram, exposed on /metrics.
type Metrics struct {
	envelopes  *metrics.CounterVec
	ackLatency *metrics.Histogram
	apiCalls   *metrics.CounterVec
	connects   *metrics.Counter
}

// NewMetrics makes the bot's metrics in reg (nil: a registry of their own
// that nothing scrapes). It returns an error wrapping metrics.ErrDuplicate
// when reg already holds families of the same names.
func NewMetrics(reg *metrics.Registry) (*Metrics, error) {
	if reg == nil {
		reg = metrics.NewRegistry()
	}
	var m Metrics
	var err error
	if m.envelopes, err = reg.CounterVec("jobdesc_envelopes_total", "Socket Mode envelopes received, by type.", "type"); err != nil {
		return nil, fmt.Errorf("bot metrics: %w", err)
	}
	if m.ackLatency, err = reg.Histogram("jobdesc_ack_latency_seconds", "Time from receiving an envelope to acking it.",
		.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 3); err != nil {
		return nil, fmt.Errorf("bot metrics: %w", err)
	}
	if m.apiCalls, err = reg.CounterVec("jobdesc_slack_api_calls_total", "Slack Web API calls, by method and outcome (ok, rate_limited, server_error, or Slack's error code).", "method", "outcome"); err != nil {
		return nil, fmt.Errorf("bot metrics: %w", err)
	}
	if m.connects, err = reg.Counter("jobdesc_socket_connects_total", "Socket Mode connections made; more than one means reconnects."); err != nil {
		return nil, fmt.Errorf("bot metrics: %w", err)
	}
	return &m, nil
}
