package metrics

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	rtmetrics "runtime/metrics"
	"strconv"
	"strings"
	"time"
)

// userHZ is the unit of the times in /proc/PID/stat (USER_HZ, 100 on every
// Linux architecture Go supports).
const userHZ = 100

// RegisterRuntime registers the go_* and process_* families that
// client_golang's Go and process collectors expose (same names, types and
// meanings), so existing dashboards keep working. The process_* families
// are read from /proc and left out where there is none. It returns
// ErrDuplicate when one of the names is taken.
func (r *Registry) RegisterRuntime() error {
	if err := r.add(goCollector{}, goFamilyNames()...); err != nil {
		return err
	}
	p, err := newProcCollector("/proc")
	if err != nil {
		return nil // not Linux: no process_* families
	}
	return r.add(p, procFamilyNames()...)
}

// goCollector writes the go_* families from runtime statistics.
type goCollector struct{}

// memstat is a go_memstats_* family read from runtime.MemStats.
type memstat struct {
	name, help string
	typ        metricType
	value      func(ms *runtime.MemStats) float64
}

// memstats lists the go_memstats_* families, sorted by name.
func memstats() []memstat {
	return []memstat{
		{"go_memstats_alloc_bytes", "Number of bytes allocated in heap and currently in use.", typeGauge, func(ms *runtime.MemStats) float64 { return float64(ms.Alloc) }},
		{"go_memstats_alloc_bytes_total", "Total number of bytes allocated in heap until now, even if released already.", typeCounter, func(ms *runtime.MemStats) float64 { return float64(ms.TotalAlloc) }},
		{"go_memstats_buck_hash_sys_bytes", "Number of bytes used by the profiling bucket hash table.", typeGauge, func(ms *runtime.MemStats) float64 { return float64(ms.BuckHashSys) }},
		{"go_memstats_frees_total", "Total number of heap objects frees.", typeCounter, func(ms *runtime.MemStats) float64 { return float64(ms.Frees) }},
		{"go_memstats_gc_sys_bytes", "Number of bytes used for garbage collection system metadata.", typeGauge, func(ms *runtime.MemStats) float64 { return float64(ms.GCSys) }},
		{"go_memstats_heap_alloc_bytes", "Number of heap bytes allocated and currently in use, same as go_memstats_alloc_bytes.", typeGauge, func(ms *runtime.MemStats) float64 { return float64(ms.HeapAlloc) }},
		{"go_memstats_heap_idle_bytes", "Number of heap bytes waiting to be used.", typeGauge, func(ms *runtime.MemStats) float64 { return float64(ms.HeapIdle) }},
		{"go_memstats_heap_inuse_bytes", "Number of heap bytes that are in use.", typeGauge, func(ms *runtime.MemStats) float64 { return float64(ms.HeapInuse) }},
		{"go_memstats_heap_objects", "Number of currently allocated objects.", typeGauge, func(ms *runtime.MemStats) float64 { return float64(ms.HeapObjects) }},
		{"go_memstats_heap_released_bytes", "Number of heap bytes released to OS.", typeGauge, func(ms *runtime.MemStats) float64 { return float64(ms.HeapReleased) }},
		{"go_memstats_heap_sys_bytes", "Number of heap bytes obtained from system.", typeGauge, func(ms *runtime.MemStats) float64 { return float64(ms.HeapSys) }},
		{"go_memstats_last_gc_time_seconds", "Number of seconds since 1970 of last garbage collection.", typeGauge, func(ms *runtime.MemStats) float64 { return float64(ms.LastGC) / 1e9 }},
		{"go_memstats_mallocs_total", "Total number of heap objects allocated, both live and gc-ed.", typeCounter, func(ms *runtime.MemStats) float64 { return float64(ms.Mallocs) }},
		{"go_memstats_mcache_inuse_bytes", "Number of bytes in use by mcache structures.", typeGauge, func(ms *runtime.MemStats) float64 { return float64(ms.MCacheInuse) }},
		{"go_memstats_mcache_sys_bytes", "Number of bytes used for mcache structures obtained from system.", typeGauge, func(ms *runtime.MemStats) float64 { return float64(ms.MCacheSys) }},
		{"go_memstats_mspan_inuse_bytes", "Number of bytes in use by mspan structures.", typeGauge, func(ms *runtime.MemStats) float64 { return float64(ms.MSpanInuse) }},
		{"go_memstats_mspan_sys_bytes", "Number of bytes used for mspan structures obtained from system.", typeGauge, func(ms *runtime.MemStats) float64 { return float64(ms.MSpanSys) }},
		{"go_memstats_next_gc_bytes", "Number of heap bytes when next garbage collection will take place.", typeGauge, func(ms *runtime.MemStats) float64 { return float64(ms.NextGC) }},
		{"go_memstats_other_sys_bytes", "Number of bytes used for other system allocations.", typeGauge, func(ms *runtime.MemStats) float64 { return float64(ms.OtherSys) }},
		{"go_memstats_stack_inuse_bytes", "Number of bytes in use by the stack allocator.", typeGauge, func(ms *runtime.MemStats) float64 { return float64(ms.StackInuse) }},
		{"go_memstats_stack_sys_bytes", "Number of bytes obtained from system for stack allocator.", typeGauge, func(ms *runtime.MemStats) float64 { return float64(ms.StackSys) }},
		{"go_memstats_sys_bytes", "Number of bytes obtained from system.", typeGauge, func(ms *runtime.MemStats) float64 { return float64(ms.Sys) }},
	}
}

// goFamilyNames lists every family goCollector writes.
func goFamilyNames() []string {
	names := []string{"go_gc_duration_seconds", "go_gc_gogc_percent", "go_gc_gomemlimit_bytes", "go_goroutines", "go_info", "go_sched_gomaxprocs_threads", "go_threads"}
	for _, m := range memstats() {
		names = append(names, m.name)
	}
	return names
}

func (goCollector) collect(_ context.Context, b *bytes.Buffer) error {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	gc := debug.GCStats{PauseQuantiles: make([]time.Duration, 5)}
	debug.ReadGCStats(&gc)
	rt := []rtmetrics.Sample{{Name: "/gc/gogc:percent"}, {Name: "/gc/gomemlimit:bytes"}}
	rtmetrics.Read(rt)

	writeHeader(b, "go_gc_duration_seconds", "A summary of the wall-time pause (stop-the-world) duration in garbage collection cycles.", typeSummary)
	for i, q := range []string{"0", "0.25", "0.5", "0.75", "1"} {
		writeSample(b, "go_gc_duration_seconds", "", []label{{Name: "quantile", Value: q}}, gc.PauseQuantiles[i].Seconds())
	}
	writeSample(b, "go_gc_duration_seconds", "_sum", nil, gc.PauseTotal.Seconds())
	writeSample(b, "go_gc_duration_seconds", "_count", nil, float64(gc.NumGC))
	gauge := func(name, help string, labels []label, v float64) {
		writeHeader(b, name, help, typeGauge)
		writeSample(b, name, "", labels, v)
	}
	gauge("go_gc_gogc_percent", "Heap size target percentage configured by the user, otherwise 100.", nil, sampleValue(rt[0]))
	gauge("go_gc_gomemlimit_bytes", "Go runtime memory limit configured by the user, otherwise math.MaxInt64.", nil, sampleValue(rt[1]))
	gauge("go_goroutines", "Number of goroutines that currently exist.", nil, float64(runtime.NumGoroutine()))
	gauge("go_info", "Information about the Go environment.", []label{{Name: "version", Value: runtime.Version()}}, 1)
	for _, m := range memstats() {
		writeHeader(b, m.name, m.help, m.typ)
		writeSample(b, m.name, "", nil, m.value(&ms))
	}
	gauge("go_sched_gomaxprocs_threads", "The current runtime.GOMAXPROCS setting, or the number of operating system threads that can execute user-level Go code simultaneously.", nil, float64(runtime.GOMAXPROCS(0)))
	threads, _ := runtime.ThreadCreateProfile(nil)
	gauge("go_threads", "Number of OS threads created.", nil, float64(threads))
	return nil
}

// sampleValue returns a runtime/metrics value as a float, NaN when the
// runtime does not know the metric.
func sampleValue(s rtmetrics.Sample) float64 {
	switch s.Value.Kind() {
	case rtmetrics.KindUint64:
		return float64(s.Value.Uint64())
	case rtmetrics.KindFloat64:
		return s.Value.Float64()
	}
	return math.NaN()
}

// procFamilyNames lists every family procCollector writes, sorted.
func procFamilyNames() []string {
	return []string{"process_cpu_seconds_total", "process_max_fds", "process_open_fds", "process_resident_memory_bytes", "process_start_time_seconds", "process_virtual_memory_bytes"}
}

// procCollector writes the process_* families from a /proc folder.
type procCollector struct {
	dir      string  // "/proc", or a copy in tests
	bootTime float64 // seconds since 1970, from dir/stat
	pageSize int
}

// errProcFormat means a /proc file does not read as documented in proc(5).
var errProcFormat = errors.New("unexpected /proc format")

// newProcCollector reads the boot time from dir/stat. It returns an error
// when dir/stat or dir/self/stat cannot be read.
func newProcCollector(dir string) (*procCollector, error) {
	b, err := os.ReadFile(filepath.Join(dir, "stat"))
	if err != nil {
		return nil, fmt.Errorf("read boot time: %w", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "self", "stat")); err != nil {
		return nil, fmt.Errorf("process statistics: %w", err)
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "btime "); ok {
			bt, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				return nil, fmt.Errorf("%s/stat btime %q: %w", dir, strings.TrimSpace(v), errProcFormat)
			}
			return &procCollector{dir: dir, bootTime: bt, pageSize: os.Getpagesize()}, nil
		}
	}
	return nil, fmt.Errorf("%s/stat has no btime: %w", dir, errProcFormat)
}

// procStat is what the process_* families need from /proc/self/stat.
type procStat struct {
	utime, stime, starttime uint64 // clock ticks
	vsize                   uint64 // bytes
	rss                     uint64 // pages
}

// parseStat reads /proc/PID/stat (proc(5)); the command name, in
// parentheses, may hold spaces and parentheses itself. It returns an error
// wrapping errProcFormat when fields are missing or not numbers.
func parseStat(s string) (procStat, error) {
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return procStat{}, fmt.Errorf("stat has no command name: %w", errProcFormat)
	}
	// Fields after the name start at field 3 (state): field n is f[n-3].
	f := strings.Fields(s[i+1:])
	if len(f) < 22 {
		return procStat{}, fmt.Errorf("stat has %d fields after the name, want at least 22: %w", len(f), errProcFormat)
	}
	var st procStat
	for _, x := range []struct {
		dst   *uint64
		field int
	}{{&st.utime, 14}, {&st.stime, 15}, {&st.starttime, 22}, {&st.vsize, 23}, {&st.rss, 24}} {
		v, err := strconv.ParseUint(f[x.field-3], 10, 64)
		if err != nil {
			return procStat{}, fmt.Errorf("stat field %d %q: %w", x.field, f[x.field-3], errProcFormat)
		}
		*x.dst = v
	}
	return st, nil
}

// parseMaxFiles returns the soft "Max open files" limit from
// /proc/PID/limits, +Inf when unlimited.
func parseMaxFiles(s string) (float64, error) {
	for line := range strings.Lines(s) {
		rest, ok := strings.CutPrefix(line, "Max open files")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) == 0 {
			break
		}
		if f[0] == "unlimited" {
			return math.Inf(1), nil
		}
		v, err := strconv.ParseUint(f[0], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("limits: max open files %q: %w", f[0], errProcFormat)
		}
		return float64(v), nil
	}
	return 0, fmt.Errorf("limits has no max open files: %w", errProcFormat)
}

func (p *procCollector) collect(_ context.Context, b *bytes.Buffer) error {
	self := filepath.Join(p.dir, "self")
	raw, err := os.ReadFile(filepath.Join(self, "stat"))
	if err != nil {
		return fmt.Errorf("read process statistics: %w", err)
	}
	st, err := parseStat(string(raw))
	if err != nil {
		return err
	}
	raw, err = os.ReadFile(filepath.Join(self, "limits"))
	if err != nil {
		return fmt.Errorf("read process limits: %w", err)
	}
	maxFDs, err := parseMaxFiles(string(raw))
	if err != nil {
		return err
	}
	fds, err := os.ReadDir(filepath.Join(self, "fd"))
	if err != nil {
		return fmt.Errorf("count open files: %w", err)
	}
	for _, x := range []struct {
		name, help string
		typ        metricType
		v          float64
	}{
		{"process_cpu_seconds_total", "Total user and system CPU time spent in seconds.", typeCounter, float64(st.utime+st.stime) / userHZ},
		{"process_max_fds", "Maximum number of open file descriptors.", typeGauge, maxFDs},
		{"process_open_fds", "Number of open file descriptors.", typeGauge, float64(len(fds))},
		{"process_resident_memory_bytes", "Resident memory size in bytes.", typeGauge, float64(st.rss) * float64(p.pageSize)},
		{"process_start_time_seconds", "Start time of the process since unix epoch in seconds.", typeGauge, p.bootTime + float64(st.starttime)/userHZ},
		{"process_virtual_memory_bytes", "Virtual memory size in bytes.", typeGauge, float64(st.vsize)},
	} {
		writeHeader(b, x.name, x.help, x.typ)
		writeSample(b, x.name, "", nil, x.v)
	}
	return nil
}
