package bot

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the bot's Prometheus collectors.
type Metrics struct {
	envelopes  *prometheus.CounterVec
	ackLatency prometheus.Histogram
	apiCalls   *prometheus.CounterVec
	connects   prometheus.Counter
}

// NewMetrics makes the bot's collectors and registers them with reg (nil:
// not registered). It returns an error when reg already holds collectors of
// the same names.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		envelopes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "jobdesc_envelopes_total",
			Help: "Socket Mode envelopes received, by type.",
		}, []string{"type"}),
		ackLatency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "jobdesc_ack_latency_seconds",
			Help:    "Time from receiving an envelope to acking it.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 3},
		}),
		apiCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "jobdesc_slack_api_calls_total",
			Help: "Slack Web API calls, by method and outcome (ok, rate_limited, server_error, or Slack's error code).",
		}, []string{"method", "outcome"}),
		connects: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "jobdesc_socket_connects_total",
			Help: "Socket Mode connections made; more than one means reconnects.",
		}),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.envelopes, m.ackLatency, m.apiCalls, m.connects} {
			if err := reg.Register(c); err != nil {
				return nil, fmt.Errorf("register metrics: %w", err)
			}
		}
	}
	return m, nil
}
