package metrics

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"
)

// write scrapes reg and returns the text.
func write(t *testing.T, reg *Registry) string {
	t.Helper()
	var b bytes.Buffer
	if err := reg.Write(context.Background(), &b); err != nil {
		t.Fatalf("Write: %v", err)
	}
	return b.String()
}

// counter registers a counter, failing the test on error.
func counter(t *testing.T, reg *Registry, name, help string) *Counter {
	t.Helper()
	c, err := reg.Counter(name, help)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// counterVec registers a counter family, failing the test on error.
func counterVec(t *testing.T, reg *Registry, name, help string, labels ...string) *CounterVec {
	t.Helper()
	v, err := reg.CounterVec(name, help, labels...)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// histogram registers a histogram, failing the test on error.
func histogram(t *testing.T, reg *Registry, name, help string, buckets ...float64) *Histogram {
	t.Helper()
	h, err := reg.Histogram(name, help, buckets...)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestWriteExactText(t *testing.T) {
	reg := NewRegistry()
	starts := counter(t, reg, "app_starts_total", "Starts.")
	calls := counterVec(t, reg, "app_calls_total", "Calls, by method\nand \\ outcome.", "method", "outcome")
	counterVec(t, reg, "app_unused_total", "Never used: not written.", "x")
	lat := histogram(t, reg, "app_latency_seconds", "Latency.", 0.25, 1, math.Inf(1))
	if err := reg.GaugeFunc("app_temperature", "Temperature.", func() float64 { return 21.5 }); err != nil {
		t.Fatal(err)
	}
	if err := reg.GaugeVecFunc("app_drafts", "Drafts, by status.", "status", func(context.Context) (map[string]float64, error) {
		return map[string]float64{"draft": 2, "approved": 0}, nil
	}); err != nil {
		t.Fatal(err)
	}

	starts.Inc()
	starts.Add(2)
	calls.WithLabelValues("b.x", "ok").Inc()
	calls.WithLabelValues("b.x", "ok").Inc()
	calls.WithLabelValues("b.x", "err").Inc()
	calls.WithLabelValues("a.y", "say \"hi\"\\\n").Inc()
	for _, v := range []float64{0.125, 0.25, 0.5, 2} {
		lat.Observe(v)
	}

	want := `# HELP app_calls_total Calls, by method\nand \\ outcome.
# TYPE app_calls_total counter
app_calls_total{method="a.y",outcome="say \"hi\"\\\n"} 1
app_calls_total{method="b.x",outcome="err"} 1
app_calls_total{method="b.x",outcome="ok"} 2
# HELP app_drafts Drafts, by status.
# TYPE app_drafts gauge
app_drafts{status="approved"} 0
app_drafts{status="draft"} 2
# HELP app_latency_seconds Latency.
# TYPE app_latency_seconds histogram
app_latency_seconds_bucket{le="0.25"} 2
app_latency_seconds_bucket{le="1"} 3
app_latency_seconds_bucket{le="+Inf"} 4
app_latency_seconds_sum 2.875
app_latency_seconds_count 4
# HELP app_starts_total Starts.
# TYPE app_starts_total counter
app_starts_total 3
# HELP app_temperature Temperature.
# TYPE app_temperature gauge
app_temperature 21.5
`
	if got := write(t, reg); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestFormatFloat(t *testing.T) {
	for _, tc := range []struct {
		in   float64
		want string
	}{
		{0, "0"}, {3, "3"}, {0.001, "0.001"}, {2.5, "2.5"}, {1234567, "1.234567e+06"},
		{math.Inf(1), "+Inf"}, {math.Inf(-1), "-Inf"}, {math.NaN(), "NaN"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			if got := formatFloat(tc.in); got != tc.want {
				t.Errorf("formatFloat(%v) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestRegisterRefuses(t *testing.T) {
	for _, tc := range []struct {
		name string
		reg  func(r *Registry) error
		want error
	}{
		{"empty name", func(r *Registry) error { _, err := r.Counter("", "h"); return err }, ErrInvalid},
		{"leading digit", func(r *Registry) error { _, err := r.Counter("1x", "h"); return err }, ErrInvalid},
		{"dash", func(r *Registry) error { _, err := r.Counter("a-b", "h"); return err }, ErrInvalid},
		{"label le", func(r *Registry) error { _, err := r.CounterVec("a", "h", "le"); return err }, ErrInvalid},
		{"label quantile", func(r *Registry) error { _, err := r.CounterVec("a", "h", "quantile"); return err }, ErrInvalid},
		{"reserved label", func(r *Registry) error { _, err := r.CounterVec("a", "h", "__name__"); return err }, ErrInvalid},
		{"label with colon", func(r *Registry) error { _, err := r.CounterVec("a", "h", "a:b"); return err }, ErrInvalid},
		{"repeated label", func(r *Registry) error { _, err := r.CounterVec("a", "h", "x", "x"); return err }, ErrInvalid},
		{"bad gauge label", func(r *Registry) error { return r.GaugeVecFunc("a", "h", "", nil) }, ErrInvalid},
		{"unsorted buckets", func(r *Registry) error { _, err := r.Histogram("a", "h", 1, 0.5); return err }, ErrInvalid},
		{"repeated bucket", func(r *Registry) error { _, err := r.Histogram("a", "h", 1, 1); return err }, ErrInvalid},
		{"NaN bucket", func(r *Registry) error { _, err := r.Histogram("a", "h", math.NaN()); return err }, ErrInvalid},
		{"taken name", func(r *Registry) error {
			if _, err := r.Counter("a", "h"); err != nil {
				return err
			}
			return r.GaugeFunc("a", "h", func() float64 { return 0 })
		}, ErrDuplicate},
		{"runtime twice", func(r *Registry) error {
			if err := r.RegisterRuntime(); err != nil {
				return err
			}
			return r.RegisterRuntime()
		}, ErrDuplicate},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.reg(NewRegistry()); !errors.Is(err, tc.want) {
				t.Errorf("got %v, want %v", err, tc.want)
			}
		})
	}
}

func TestWithLabelValuesWrongCountIsNotExposed(t *testing.T) {
	reg := NewRegistry()
	v := counterVec(t, reg, "a_total", "h", "x")
	for _, values := range [][]string{nil, {"1", "2"}} {
		c := v.WithLabelValues(values...)
		c.Inc()
		if got := c.Value(); got != 1 {
			t.Errorf("counter for %q: got %d, want 1", values, got)
		}
	}
	if got := write(t, reg); got != "" {
		t.Errorf("got %q, want nothing written", got)
	}
}

func TestScrapeErrorFailsTheScrape(t *testing.T) {
	errStore := errors.New("store down")
	reg := NewRegistry()
	counter(t, reg, "a_total", "h").Inc()
	if err := reg.GaugeVecFunc("b", "h", "s", func(context.Context) (map[string]float64, error) { return nil, errStore }); err != nil {
		t.Fatal(err)
	}

	t.Run("Write", func(t *testing.T) {
		var b bytes.Buffer
		err := reg.Write(context.Background(), &b)
		if !errors.Is(err, errStore) || !strings.Contains(err.Error(), "collect b") {
			t.Errorf("got %v, want %v naming the family b", err, errStore)
		}
		if b.Len() != 0 {
			t.Errorf("wrote %q, want nothing", b.String())
		}
	})
	t.Run("ServeHTTP", func(t *testing.T) {
		rec := httptest.NewRecorder()
		reg.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
		if rec.Code != http.StatusInternalServerError || !strings.Contains(rec.Body.String(), "store down") {
			t.Errorf("got %d %q, want 500 saying store down", rec.Code, rec.Body.String())
		}
	})
}

func TestServeHTTP(t *testing.T) {
	reg := NewRegistry()
	counter(t, reg, "a_total", "h").Inc()
	rec := httptest.NewRecorder()
	reg.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Errorf("got status %d, want 200", rec.Code)
	}
	if got := rec.Header().Get("Content-Type"); got != ContentType {
		t.Errorf("got Content-Type %q, want %q", got, ContentType)
	}
	if got, want := rec.Body.String(), "# HELP a_total h\n# TYPE a_total counter\na_total 1\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestConcurrentUpdates updates every kind of metric from many goroutines
// while scraping (run with -race) and checks no update was lost.
func TestConcurrentUpdates(t *testing.T) {
	const workers, n = 8, 1000
	reg := NewRegistry()
	c := counter(t, reg, "c_total", "h")
	v := counterVec(t, reg, "v_total", "h", "w")
	h := histogram(t, reg, "h_seconds", "h", 1, 2)
	if err := reg.RegisterRuntime(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	scraped := make(chan error, 1)
	go func() {
		for {
			select {
			case <-done:
				scraped <- nil
				return
			default:
			}
			if err := reg.Write(context.Background(), io.Discard); err != nil {
				scraped <- err
				return
			}
		}
	}()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range n {
				c.Inc()
				v.WithLabelValues(strconv.Itoa(w % 2)).Inc()
				h.Observe(float64(i%3) + 0.5) // 0.5, 1.5, 2.5: one per bucket
			}
		})
	}
	wg.Wait()
	close(done)
	if err := <-scraped; err != nil {
		t.Fatalf("scrape during updates: %v", err)
	}

	if got, want := c.Value(), uint64(workers*n); got != want {
		t.Errorf("counter: got %d, want %d", got, want)
	}
	for _, w := range []string{"0", "1"} {
		if got, want := v.WithLabelValues(w).Value(), uint64(workers*n/2); got != want {
			t.Errorf("counter {w=%q}: got %d, want %d", w, got, want)
		}
	}
	text := write(t, reg)
	var per [3]int // observations per bucket
	for i := range n {
		per[i%3] += workers
	}
	total := workers * n
	sum := float64(per[0])*0.5 + float64(per[1])*1.5 + float64(per[2])*2.5 // halves: exact in any order
	for _, want := range []string{
		fmt.Sprintf(`h_seconds_bucket{le="1"} %d`, per[0]),
		fmt.Sprintf(`h_seconds_bucket{le="2"} %d`, per[0]+per[1]),
		fmt.Sprintf(`h_seconds_bucket{le="+Inf"} %d`, total),
		fmt.Sprintf("h_seconds_count %d\n", total),
		fmt.Sprintf("h_seconds_sum %s\n", formatFloat(sum)),
	} {
		if !strings.Contains(text, want) {
			t.Errorf("scrape lacks %q:\n%s", want, text)
		}
	}
}

// TestExpositionParses checks every line of a full scrape, runtime
// families included, against the text format: HELP then TYPE once per
// family, families sorted, samples named after the family they follow,
// labels well quoted, values floats.
func TestExpositionParses(t *testing.T) {
	reg := NewRegistry()
	if err := reg.RegisterRuntime(); err != nil {
		t.Fatal(err)
	}
	counterVec(t, reg, "jobdesc_x_total", "Odd \\ help\nwith a newline.", "a", "b").WithLabelValues("q\"uo\\te", "new\nline\xff").Inc()
	histogram(t, reg, "jobdesc_y_seconds", "h", 0.001, 3).Observe(math.NaN())
	if err := reg.GaugeVecFunc("jobdesc_z", "h", "status", func(context.Context) (map[string]float64, error) {
		return map[string]float64{"a": math.Inf(-1)}, nil
	}); err != nil {
		t.Fatal(err)
	}

	families := parseExposition(t, write(t, reg))
	want := slices.Concat(goFamilyNames(), procFamilyNames(), []string{"jobdesc_x_total", "jobdesc_y_seconds", "jobdesc_z"})
	slices.Sort(want)
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Logf("no /proc (%v): process_* families are not expected", err)
		want = slices.DeleteFunc(want, func(n string) bool { return strings.HasPrefix(n, "process_") })
	}
	if !slices.Equal(families, want) {
		t.Errorf("got families\n%q\nwant\n%q", families, want)
	}
}

// parseExposition checks text line by line and returns the family names
// in order.
func parseExposition(t *testing.T, text string) []string {
	t.Helper()
	if !strings.HasSuffix(text, "\n") {
		t.Errorf("text does not end with a newline")
	}
	var families []string
	var family string
	var typ metricType
	samples := 0
	for i, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		fail := func(format string, args ...any) {
			t.Helper()
			t.Errorf("line %d %q: %s", i+1, line, fmt.Sprintf(format, args...))
		}
		switch {
		case strings.HasPrefix(line, "# HELP "):
			if family != "" && samples == 0 {
				t.Errorf("family %s has no samples", family)
			}
			name, help, _ := strings.Cut(strings.TrimPrefix(line, "# HELP "), " ")
			if !validMetricName(name) {
				fail("bad metric name %q", name)
			}
			if len(families) > 0 && name <= families[len(families)-1] {
				fail("family %s after %s: not sorted or repeated", name, families[len(families)-1])
			}
			if err := checkEscapes(help, false); err != nil {
				fail("help: %v", err)
			}
			families, family, typ, samples = append(families, name), name, "", 0
		case strings.HasPrefix(line, "# TYPE "):
			name, tp, _ := strings.Cut(strings.TrimPrefix(line, "# TYPE "), " ")
			if name != family || typ != "" || samples > 0 {
				fail("TYPE must follow the HELP of its family (%s) once, before samples", family)
			}
			typ = metricType(tp)
			if !slices.Contains([]metricType{typeCounter, typeGauge, typeHistogram, typeSummary}, typ) {
				fail("unknown type %q", tp)
			}
		case strings.HasPrefix(line, "#"):
			fail("unexpected comment")
		default:
			samples++
			name, labels, value, err := parseSample(line)
			if err != nil {
				fail("%v", err)
				continue
			}
			allowed := []string{family}
			switch typ {
			case typeHistogram:
				allowed = []string{family + "_bucket", family + "_sum", family + "_count"}
				if name == family+"_bucket" && !slices.Contains(labels, "le") {
					fail("bucket without le")
				}
			case typeSummary:
				allowed = append(allowed, family+"_sum", family+"_count")
			case "":
				fail("sample before TYPE")
			}
			if !slices.Contains(allowed, name) {
				fail("sample %s does not belong to family %s (%s)", name, family, typ)
			}
			if typ == typeCounter && !(value >= 0) {
				fail("counter value %v", value)
			}
		}
	}
	return families
}

// parseSample splits name{l="v",…} value and returns the label names.
func parseSample(line string) (name string, labels []string, value float64, err error) {
	i := strings.IndexAny(line, "{ ")
	if i < 0 {
		return "", nil, 0, errors.New("no value")
	}
	name, rest := line[:i], line[i:]
	if !validMetricName(name) {
		return "", nil, 0, fmt.Errorf("bad metric name %q", name)
	}
	if strings.HasPrefix(rest, "{") {
		rest = rest[1:]
		for !strings.HasPrefix(rest, "}") {
			l, r, ok := strings.Cut(rest, `="`)
			if !ok || !validLabelName(l) {
				return "", nil, 0, fmt.Errorf("bad label at %q", rest)
			}
			labels = append(labels, l)
			end := -1
			for j := 0; j < len(r); j++ {
				if r[j] == '\\' {
					j++
					continue
				}
				if r[j] == '"' {
					end = j
					break
				}
			}
			if end < 0 {
				return "", nil, 0, fmt.Errorf("unterminated label value at %q", r)
			}
			if err := checkEscapes(r[:end], true); err != nil {
				return "", nil, 0, fmt.Errorf("label %s: %w", l, err)
			}
			rest = strings.TrimPrefix(r[end+1:], ",")
		}
		rest = rest[1:]
	}
	v, ok := strings.CutPrefix(rest, " ")
	if !ok {
		return "", nil, 0, fmt.Errorf("no space before the value in %q", rest)
	}
	value, err = strconv.ParseFloat(v, 64)
	if err != nil {
		return "", nil, 0, fmt.Errorf("value: %w", err)
	}
	return name, labels, value, nil
}

// checkEscapes returns an error for a raw newline, invalid UTF-8, a lone
// quote in a label value, or an escape other than \\, \n (and \").
func checkEscapes(s string, quoted bool) error {
	if !utf8.ValidString(s) {
		return errors.New("invalid UTF-8")
	}
	for j := 0; j < len(s); j++ {
		switch s[j] {
		case '\n':
			return errors.New("raw newline")
		case '"':
			if quoted {
				return errors.New("unescaped quote")
			}
		case '\\':
			j++
			if j == len(s) || !(s[j] == '\\' || s[j] == 'n' || quoted && s[j] == '"') {
				return fmt.Errorf("bad escape in %q", s)
			}
		}
	}
	return nil
}

func TestProcFamilies(t *testing.T) {
	dir := t.TempDir()
	writeFile := func(name, content string) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	writeFile("stat", "cpu  1 2 3\nbtime 1700000000\nprocesses 9\n")
	// utime 250, stime 50, starttime 12345, vsize 1000000, rss 3 pages.
	writeFile("self/stat", "42 (job (desc) x) S 1 42 42 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 9 0 12345 1000000 3 18446744073709551615\n")
	writeFile("self/limits", "Limit                     Soft Limit           Hard Limit           Units     \nMax open files            1024                 4096                 files     \n")
	for _, fd := range []string{"0", "1", "2"} {
		writeFile(filepath.Join("self", "fd", fd), "")
	}
	p, err := newProcCollector(dir)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := p.collect(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf(`# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.
# TYPE process_cpu_seconds_total counter
process_cpu_seconds_total 3
# HELP process_max_fds Maximum number of open file descriptors.
# TYPE process_max_fds gauge
process_max_fds 1024
# HELP process_open_fds Number of open file descriptors.
# TYPE process_open_fds gauge
process_open_fds 3
# HELP process_resident_memory_bytes Resident memory size in bytes.
# TYPE process_resident_memory_bytes gauge
process_resident_memory_bytes %d
# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.
# TYPE process_start_time_seconds gauge
process_start_time_seconds 1.70000012345e+09
# HELP process_virtual_memory_bytes Virtual memory size in bytes.
# TYPE process_virtual_memory_bytes gauge
process_virtual_memory_bytes 1e+06
`, 3*os.Getpagesize())
	if got := b.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestParseProcFilesRefusesBadInput(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
	}{
		{"no name", func() error { _, err := parseStat("42 S 1 2"); return err }()},
		{"short", func() error { _, err := parseStat("42 (x) S 1 2 3"); return err }()},
		{"not a number", func() error {
			_, err := parseStat("42 (x) S 1 42 42 0 -1 4194560 100 0 0 0 x 50 0 0 20 0 9 0 12345 1000000 3")
			return err
		}()},
		{"no max open files", func() error { _, err := parseMaxFiles("Limit Soft\n"); return err }()},
		{"bad max open files", func() error { _, err := parseMaxFiles("Max open files  lots  lots files\n"); return err }()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !errors.Is(tc.err, errProcFormat) {
				t.Errorf("got %v, want %v", tc.err, errProcFormat)
			}
		})
	}
	t.Run("unlimited", func(t *testing.T) {
		got, err := parseMaxFiles("Max open files            unlimited            unlimited            files\n")
		if err != nil || !math.IsInf(got, 1) {
			t.Errorf("got %v, %v, want +Inf", got, err)
		}
	})
	t.Run("no btime", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "stat"), []byte("cpu 1\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Mkdir(filepath.Join(dir, "self"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "self", "stat"), nil, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := newProcCollector(dir); !errors.Is(err, errProcFormat) {
			t.Errorf("got %v, want %v", err, errProcFormat)
		}
	})
}

func BenchmarkCounterVecInc(b *testing.B) {
	v, err := NewRegistry().CounterVec("a_total", "h", "method", "outcome")
	if err != nil {
		b.Fatal(err)
	}
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			v.WithLabelValues("chat.postMessage", "ok").Inc()
		}
	})
}

func BenchmarkHistogramObserve(b *testing.B) {
	h, err := NewRegistry().Histogram("a_seconds", "h", .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 3)
	if err != nil {
		b.Fatal(err)
	}
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			h.Observe(0.004)
		}
	})
}

func BenchmarkScrape(b *testing.B) {
	reg := NewRegistry()
	if err := reg.RegisterRuntime(); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if err := reg.Write(context.Background(), io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}
