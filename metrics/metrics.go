// Package metrics keeps counters, histograms and scrape-time gauges and
// writes them in the Prometheus text exposition format, version 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/). It is
// jobdesc's /metrics without a client library: client_golang and the
// protobuf runtime it pulls in cost the binary (and so the idle resident
// memory) about 2.5 MB.
//
// Counters and histograms are updated with atomics and never block each
// other; a scrape reads them without stopping writers.
package metrics

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"
)

// ContentType is the Content-Type of the text exposition format.
const ContentType = "text/plain; version=0.0.4; charset=utf-8"

var (
	// ErrInvalid means a metric name, label name or bucket list is not
	// allowed by the exposition format.
	ErrInvalid = errors.New("metrics: invalid name, label or buckets")
	// ErrDuplicate means the registry already holds a family of that name.
	ErrDuplicate = errors.New("metrics: name already registered")
)

// metricType is a metric family's TYPE line.
type metricType string

// The family types this package writes.
const (
	typeCounter   metricType = "counter"
	typeGauge     metricType = "gauge"
	typeHistogram metricType = "histogram"
	typeSummary   metricType = "summary"
)

// Registry holds metric families and writes them, sorted by name, on each
// scrape. The zero value is not usable; call NewRegistry.
type Registry struct {
	mu      sync.Mutex
	names   map[string]bool
	entries []entry // sorted by name
}

type entry struct {
	name string
	c    collector
}

// collector appends its families to b; on error it appends nothing.
type collector interface {
	collect(ctx context.Context, b *bytes.Buffer) error
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{names: map[string]bool{}}
}

// add registers c under names (the first sorts it); it returns ErrInvalid
// or ErrDuplicate for a bad or taken name, registering nothing.
func (r *Registry) add(c collector, names ...string) error {
	for _, n := range names {
		if !validMetricName(n) {
			return fmt.Errorf("metric %q: %w", n, ErrInvalid)
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, n := range names {
		if r.names[n] {
			return fmt.Errorf("metric %q: %w", n, ErrDuplicate)
		}
	}
	for _, n := range names {
		r.names[n] = true
	}
	i := sort.Search(len(r.entries), func(i int) bool { return r.entries[i].name >= names[0] })
	r.entries = slices.Insert(r.entries, i, entry{name: names[0], c: c})
	return nil
}

// Write writes every family to w. When a scrape-time function fails it
// writes nothing and returns the failures, naming their families.
func (r *Registry) Write(ctx context.Context, w io.Writer) error {
	r.mu.Lock()
	entries := slices.Clone(r.entries)
	r.mu.Unlock()
	var b bytes.Buffer
	var errs []error
	for _, e := range entries {
		if err := e.c.collect(ctx, &b); err != nil {
			errs = append(errs, fmt.Errorf("collect %s: %w", e.name, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if _, err := w.Write(b.Bytes()); err != nil {
		return fmt.Errorf("write metrics: %w", err)
	}
	return nil
}

// ServeHTTP answers a scrape with every family, or 500 with the reason
// when a scrape-time function fails (as client_golang's handler does).
func (r *Registry) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	var b bytes.Buffer
	if err := r.Write(req.Context(), &b); err != nil {
		http.Error(w, "An error has occurred while serving metrics:\n\n"+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", ContentType)
	_, _ = w.Write(b.Bytes())
}

// Counter is a monotonically increasing count, safe for concurrent use.
type Counter struct {
	n atomic.Uint64
}

// Inc adds one.
func (c *Counter) Inc() { c.n.Add(1) }

// Add adds n.
func (c *Counter) Add(n uint64) { c.n.Add(n) }

// Value returns the count.
func (c *Counter) Value() uint64 { return c.n.Load() }

// counterFamily is a registered Counter.
type counterFamily struct {
	name, help string
	c          *Counter
}

func (f *counterFamily) collect(_ context.Context, b *bytes.Buffer) error {
	writeHeader(b, f.name, f.help, typeCounter)
	writeSample(b, f.name, "", nil, float64(f.c.Value()))
	return nil
}

// Counter registers and returns a counter without labels. It returns
// ErrInvalid or ErrDuplicate for a bad or taken name.
func (r *Registry) Counter(name, help string) (*Counter, error) {
	f := &counterFamily{name: name, help: help, c: &Counter{}}
	if err := r.add(f, name); err != nil {
		return nil, err
	}
	return f.c, nil
}

// CounterVec is a family of counters told apart by label values. A
// combination appears on scrapes once WithLabelValues has made it.
type CounterVec struct {
	name, help string
	labels     []string
	mu         sync.RWMutex
	children   map[string]*vecChild
}

type vecChild struct {
	values []string
	c      Counter
}

// CounterVec registers and returns a family of counters with the given
// label names. It returns ErrInvalid for a bad metric or label name and
// ErrDuplicate for a taken name.
func (r *Registry) CounterVec(name, help string, labels ...string) (*CounterVec, error) {
	if err := checkLabels(labels); err != nil {
		return nil, fmt.Errorf("metric %q: %w", name, err)
	}
	v := &CounterVec{name: name, help: help, labels: slices.Clone(labels), children: map[string]*vecChild{}}
	if err := r.add(v, name); err != nil {
		return nil, err
	}
	return v, nil
}

// WithLabelValues returns the counter for values, one per label name in
// order, making it on first use. With the wrong number of values it
// returns a counter that is never exposed.
func (v *CounterVec) WithLabelValues(values ...string) *Counter {
	if len(values) != len(v.labels) {
		return &Counter{}
	}
	key := strings.Join(values, "\xff")
	v.mu.RLock()
	ch := v.children[key]
	v.mu.RUnlock()
	if ch != nil {
		return &ch.c
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if ch = v.children[key]; ch == nil {
		ch = &vecChild{values: slices.Clone(values)}
		v.children[key] = ch
	}
	return &ch.c
}

func (v *CounterVec) collect(_ context.Context, b *bytes.Buffer) error {
	v.mu.RLock()
	children := make([]*vecChild, 0, len(v.children))
	for _, ch := range v.children {
		children = append(children, ch)
	}
	v.mu.RUnlock()
	if len(children) == 0 {
		return nil // like client_golang: no samples, no family
	}
	slices.SortFunc(children, func(a, b *vecChild) int { return slices.Compare(a.values, b.values) })
	writeHeader(b, v.name, v.help, typeCounter)
	labels := make([]label, len(v.labels))
	for _, ch := range children {
		for i, n := range v.labels {
			labels[i] = label{Name: n, Value: ch.values[i]}
		}
		writeSample(b, v.name, "", labels, float64(ch.c.Value()))
	}
	return nil
}

// Histogram counts observations in buckets and sums them, safe for
// concurrent use. A scrape taken while Observe runs may see the sum a
// moment behind the counts.
type Histogram struct {
	name, help string
	upper      []float64       // bucket upper bounds, ascending, without +Inf
	counts     []atomic.Uint64 // per bucket (not cumulative); the last is +Inf
	sumBits    atomic.Uint64   // math.Float64bits of the sum
}

// Histogram registers and returns a histogram with the given bucket upper
// bounds (a +Inf bucket is always added). It returns ErrInvalid for a bad
// name or bounds that are not strictly increasing, and ErrDuplicate for a
// taken name.
func (r *Registry) Histogram(name, help string, buckets ...float64) (*Histogram, error) {
	upper := slices.Clone(buckets)
	if n := len(upper); n > 0 && math.IsInf(upper[n-1], 1) {
		upper = upper[:n-1]
	}
	for i, u := range upper {
		if math.IsNaN(u) || math.IsInf(u, 0) || (i > 0 && u <= upper[i-1]) {
			return nil, fmt.Errorf("metric %q: bucket %v: %w", name, u, ErrInvalid)
		}
	}
	h := &Histogram{name: name, help: help, upper: upper, counts: make([]atomic.Uint64, len(upper)+1)}
	if err := r.add(h, name); err != nil {
		return nil, err
	}
	return h, nil
}

// Observe records v: it lands in the first bucket whose bound is ≥ v (NaN
// in +Inf only).
func (h *Histogram) Observe(v float64) {
	h.counts[sort.SearchFloat64s(h.upper, v)].Add(1)
	for {
		old := h.sumBits.Load()
		if h.sumBits.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+v)) {
			return
		}
	}
}

func (h *Histogram) collect(_ context.Context, b *bytes.Buffer) error {
	writeHeader(b, h.name, h.help, typeHistogram)
	var cum uint64
	le := []label{{Name: "le"}}
	for i := range h.counts {
		cum += h.counts[i].Load()
		le[0].Value = "+Inf"
		if i < len(h.upper) {
			le[0].Value = formatFloat(h.upper[i])
		}
		writeSample(b, h.name, "_bucket", le, float64(cum))
	}
	writeSample(b, h.name, "_sum", nil, math.Float64frombits(h.sumBits.Load()))
	writeSample(b, h.name, "_count", nil, float64(cum))
	return nil
}

// funcFamily is a family computed by f at scrape time.
type funcFamily struct {
	name, help string
	typ        metricType
	f          func(ctx context.Context) ([]sample, error)
}

// label is one label of a sample line.
type label struct {
	Name, Value string
}

// sample is one line of a family computed at scrape time.
type sample struct {
	Labels []label
	Value  float64
}

func (f *funcFamily) collect(ctx context.Context, b *bytes.Buffer) error {
	samples, err := f.f(ctx)
	if err != nil {
		return err
	}
	writeHeader(b, f.name, f.help, f.typ)
	for _, s := range samples {
		writeSample(b, f.name, "", s.Labels, s.Value)
	}
	return nil
}

// GaugeFunc registers a gauge without labels whose value f returns at
// scrape time. It returns ErrInvalid or ErrDuplicate for a bad or taken
// name.
func (r *Registry) GaugeFunc(name, help string, f func() float64) error {
	return r.add(&funcFamily{name: name, help: help, typ: typeGauge, f: func(context.Context) ([]sample, error) {
		return []sample{{Value: f()}}, nil
	}}, name)
}

// GaugeVecFunc registers a gauge family with one label: at scrape time f
// returns the value for each label value, written sorted by label value.
// An error from f fails the scrape. It returns ErrInvalid or ErrDuplicate
// for a bad or taken name.
func (r *Registry) GaugeVecFunc(name, help, labelName string, f func(ctx context.Context) (map[string]float64, error)) error {
	if err := checkLabels([]string{labelName}); err != nil {
		return fmt.Errorf("metric %q: %w", name, err)
	}
	return r.add(&funcFamily{name: name, help: help, typ: typeGauge, f: func(ctx context.Context) ([]sample, error) {
		m, err := f(ctx)
		if err != nil {
			return nil, err
		}
		values := make([]string, 0, len(m))
		for v := range m {
			values = append(values, v)
		}
		slices.Sort(values)
		out := make([]sample, len(values))
		for i, v := range values {
			out[i] = sample{Labels: []label{{Name: labelName, Value: v}}, Value: m[v]}
		}
		return out, nil
	}}, name)
}

// checkLabels returns ErrInvalid for a bad or repeated label name, and for
// the names histograms and summaries use ("le", "quantile", "__…").
func checkLabels(labels []string) error {
	seen := map[string]bool{}
	for _, l := range labels {
		if !validLabelName(l) || strings.HasPrefix(l, "__") || l == "le" || l == "quantile" || seen[l] {
			return fmt.Errorf("label %q: %w", l, ErrInvalid)
		}
		seen[l] = true
	}
	return nil
}

// validMetricName reports whether s matches [a-zA-Z_:][a-zA-Z0-9_:]*.
func validMetricName(s string) bool {
	for i, c := range s {
		if !(c == '_' || c == ':' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || i > 0 && '0' <= c && c <= '9') {
			return false
		}
	}
	return s != ""
}

// validLabelName reports whether s matches [a-zA-Z_][a-zA-Z0-9_]*.
func validLabelName(s string) bool {
	return validMetricName(s) && !strings.Contains(s, ":")
}

// writeHeader writes the HELP and TYPE lines of a family.
func writeHeader(b *bytes.Buffer, name, help string, typ metricType) {
	b.WriteString("# HELP ")
	b.WriteString(name)
	b.WriteByte(' ')
	writeEscaped(b, help, false)
	b.WriteString("\n# TYPE ")
	b.WriteString(name)
	b.WriteByte(' ')
	b.WriteString(string(typ))
	b.WriteByte('\n')
}

// writeSample writes one sample line: name+suffix{labels} value.
func writeSample(b *bytes.Buffer, name, suffix string, labels []label, v float64) {
	b.WriteString(name)
	b.WriteString(suffix)
	if len(labels) > 0 {
		b.WriteByte('{')
		for i, l := range labels {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(l.Name)
			b.WriteString(`="`)
			writeEscaped(b, l.Value, true)
			b.WriteByte('"')
		}
		b.WriteByte('}')
	}
	b.WriteByte(' ')
	b.WriteString(formatFloat(v))
	b.WriteByte('\n')
}

// writeEscaped writes s with backslash and newline escaped, and double
// quotes too in label values; invalid UTF-8 becomes U+FFFD.
func writeEscaped(b *bytes.Buffer, s string, quote bool) {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\':
			b.WriteString(`\\`)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '"' && quote:
			b.WriteString(`\"`)
		default:
			b.WriteByte(c)
		}
	}
}

// formatFloat writes v as Prometheus does: shortest form, +Inf, -Inf, NaN.
func formatFloat(v float64) string {
	return strconv.FormatFloat(v, 'g', -1, 64)
}
