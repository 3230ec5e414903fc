// Command loadtest measures jobdesc under a burst, the way a large org's
// Monday morning would hit it: it builds the jobdesc binary, starts the fake
// Slack on loopback and the bot as a child process (so its memory is what a
// user would see), then sends a burst of slash commands, then submissions of
// the modals they opened, then approval reactions, and prints per step the
// p50 / p90 / p99 / max latency, errors and timeouts, plus start-up time and
// resident memory idle and at peak.
//
//	go run ./cmd/loadtest -n 200 -c 50
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/jobdesc/jobdesc/bot"
	"github.com/jobdesc/jobdesc/bot/fakeslack"
	"github.com/jobdesc/jobdesc/bot/fakeslack/schema"
	"github.com/jobdesc/jobdesc/templates"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}

// options are the command's flags.
type options struct {
	n, c        int
	bin         string
	validate    bool
	timeout     time.Duration
	cpuprofile  string
	trace       string
	heapprofile string
	env         []string // extra KEY=VALUE for the bot only
}

// result is one run's measurements.
type result struct {
	Startup        time.Duration
	RSSIdleKB      int
	RSSIdleFileKB  int // of which pages of the program's file (RssFile)
	RSSPeakKB      int
	Steps          []step
	Errors         []string
	ValidationErrs int
	// CPU used during the burst by this process (the fake Slack and the
	// load) and by the bot.
	SelfCPU, BotCPU cpuTime
	BurstWall       time.Duration
	// Stolen is the CPU time the hypervisor gave other machines while
	// this one wanted it, over all cores during the burst (/proc/stat
	// steal; 0 where unknown): on a shared VM it is why runs vary.
	Stolen time.Duration
	// Phases is the CPU each side spent per burst (slash commands,
	// submissions, reactions).
	Phases []phase
	// Noticed is how long after an ack or a Web API call arrived the
	// fake's goroutine got round to reading it (not counted in Steps,
	// which run to the arrival).
	Noticed step
}

// phase is one burst's wall time, the CPU each process spent in it, and
// the machine's idle and stolen time meanwhile.
type phase struct {
	Name      string
	N         int
	Wall      time.Duration
	Self, Bot cpuTime
	Machine   machineTime
}

// idleShare is the share of the machine's cores that sat idle during the
// phase, in percent: near 0, the burst was bound by CPU. (The kernel counts
// in 10 ms ticks, so it is rough for a short phase.)
func (p phase) idleShare() float64 {
	if p.Wall <= 0 {
		return 0
	}
	return 100 * float64(p.Machine.Idle) / float64(p.Wall*time.Duration(runtime.NumCPU()))
}

// perOp is the CPU time per operation of c over n operations, to 10 µs.
func perOp(c cpuTime, n int) string {
	if n == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f ms", float64(((c.User+c.Sys)/time.Duration(n)).Microseconds())/1000)
}

// cpuTime is user and system CPU time, and for the bot the minor page
// faults (first touches of memory) that cost part of it: on a VM each can
// mean a TLB flush on every core, and in slow spells they show up there.
type cpuTime struct {
	User, Sys time.Duration
	Faults    int64
}

func (c cpuTime) sub(d cpuTime) cpuTime {
	return cpuTime{c.User - d.User, c.Sys - d.Sys, c.Faults - d.Faults}
}

func (c cpuTime) String() string {
	return fmt.Sprintf("%.2f s user + %.2f s sys", c.User.Seconds(), c.Sys.Seconds())
}

// selfCPU returns this process's CPU time and minor page faults so far.
func selfCPU() cpuTime {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return cpuTime{}
	}
	return cpuTime{User: time.Duration(ru.Utime.Nano()), Sys: time.Duration(ru.Stime.Nano()), Faults: ru.Minflt}
}

// machineTime is, summed over all cores (the first line of /proc/stat), the
// time the machine spent idle (idle and iowait) and the time the hypervisor
// gave other machines while this one wanted it (steal); zero where unknown.
type machineTime struct {
	Idle, Stolen time.Duration
}

func (m machineTime) sub(n machineTime) machineTime {
	return machineTime{m.Idle - n.Idle, m.Stolen - n.Stolen}
}

// machineCPU reads machineTime so far.
func machineCPU() machineTime {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return machineTime{}
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return machineTime{}
	}
	var ticks [9]int64
	for i := 4; i <= 8; i++ {
		if ticks[i], err = strconv.ParseInt(f[i], 10, 64); err != nil {
			return machineTime{}
		}
	}
	const tick = 10 * time.Millisecond // USER_HZ is 100 on Linux
	return machineTime{Idle: time.Duration(ticks[4]+ticks[5]) * tick, Stolen: time.Duration(ticks[8]) * tick}
}

// procCPU returns a process's CPU time so far from /proc/PID/stat (in
// clock ticks of 10 ms), with its minor page faults.
func procCPU(pid int) (cpuTime, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return cpuTime{}, err
	}
	// The command name (field 2) may hold spaces: count fields after ")".
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	if len(f) < 13 {
		return cpuTime{}, fmt.Errorf("short /proc/%d/stat", pid)
	}
	flt, err0 := strconv.ParseInt(f[7], 10, 64)
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	s, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err0, err1, err2); err != nil {
		return cpuTime{}, fmt.Errorf("parse /proc/%d/stat: %w", pid, err)
	}
	const tick = 10 * time.Millisecond // USER_HZ is 100 on Linux
	return cpuTime{time.Duration(u) * tick, time.Duration(s) * tick, flt}, nil
}

type step struct {
	Name      string
	Latencies []time.Duration
	Errors    int
	Timeouts  int
}

func (s step) quantile(q float64) time.Duration {
	if len(s.Latencies) == 0 {
		return 0
	}
	l := slices.Clone(s.Latencies)
	slices.Sort(l)
	i := int(q*float64(len(l))+0.5) - 1
	return l[min(max(i, 0), len(l)-1)]
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	fs.IntVar(&o.n, "n", 200, "requests per step")
	fs.IntVar(&o.c, "c", 50, "requests in flight at once")
	fs.StringVar(&o.bin, "bin", "", "jobdesc binary to test (default: build ./cmd/jobdesc as the Dockerfile does, CGO_ENABLED=0 -trimpath -ldflags=\"-s -w\")")
	fs.BoolVar(&o.validate, "validate", false, "also validate every payload against Slack's JSON schemas (costs the fake CPU the bot then lacks)")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Second, "how long to wait for each expected call")
	fs.StringVar(&o.cpuprofile, "cpuprofile", "", "write the bot's CPU profile during the burst to this file (go tool pprof FILE)")
	fs.StringVar(&o.trace, "trace", "", "write the bot's execution trace of the burst's first 3 s to this file (go tool trace FILE; instead of -cpuprofile)")
	fs.StringVar(&o.heapprofile, "heapprofile", "", "write the bot's heap profile after the burst to this file (in use now, and allocated since start)")
	fs.Func("env", "set `KEY=VALUE` in the bot's environment only, e.g. -env GOGC=100 (repeatable)", func(kv string) error {
		if k, _, ok := strings.Cut(kv, "="); !ok || k == "" {
			return fmt.Errorf("want KEY=VALUE, got %q", kv)
		}
		o.env = append(o.env, kv)
		return nil
	})
	selfProfile := fs.String("fakeprofile", "", "write the CPU profile of this process (the fake Slack and the load) to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *selfProfile != "" {
		f, err := os.Create(*selfProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	if o.n < 1 || o.c < 1 {
		return errors.New("-n and -c must be at least 1")
	}
	if o.bin == "" {
		dir, err := os.MkdirTemp("", "jobdesc-loadtest-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		o.bin = filepath.Join(dir, "jobdesc")
		// Built as the Dockerfile and CI build it: a static binary, with
		// no C library mapped into it (1.4 MB of its idle RSS otherwise).
		cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", o.bin, "github.com/jobdesc/jobdesc/cmd/jobdesc")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		cmd.Stderr = stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("build jobdesc: %w", err)
		}
	}
	res, err := measure(ctx, o)
	if err != nil {
		return err
	}
	report(stdout, o, res)
	if len(res.Errors) > 0 {
		return fmt.Errorf("%d errors", len(res.Errors))
	}
	return nil
}

// measure runs one burst against a fresh fake Slack and bot process.
func measure(ctx context.Context, o options) (*result, error) {
	fakeOpts := fakeslack.Options{SchemaDir: "-"}
	if o.validate {
		fakeOpts = fakeslack.Options{Schema: schema.Load}
	}
	slack, err := fakeslack.Start(fakeOpts)
	if err != nil {
		return nil, err
	}
	defer slack.Close()
	users := make([]string, o.n)
	for i := range users {
		users[i] = fmt.Sprintf("U1%05d", i)
		slack.AddUser(users[i], fmt.Sprintf("user%d", i))
	}

	dir, err := os.MkdirTemp("", "jobdesc-loadtest-db-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	cmd := exec.Command(o.bin)
	cmd.Env = append(os.Environ(),
		"SLACK_APP_TOKEN="+slack.AppToken(), "SLACK_BOT_TOKEN="+slack.BotToken(), "SLACK_API_URL="+slack.APIURL(),
		"JOBDESC_DB_PATH="+filepath.Join(dir, "jobdesc.db"), "JOBDESC_LOG_LEVEL=warn",
	)
	cmd.Env = append(cmd.Env, o.env...)
	var pprofAddr string
	if o.cpuprofile != "" || o.heapprofile != "" || o.trace != "" {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		pprofAddr = ln.Addr().String()
		ln.Close()
		cmd.Env = append(cmd.Env, "JOBDESC_HTTP_ADDR="+pprofAddr)
	}
	var logs strings.Builder
	cmd.Stderr = &lockedWriter{w: &logs}
	started := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start jobdesc: %w", err)
	}
	defer func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}()
	res := &result{}
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := slack.WaitConnected(wctx, 1); err != nil {
		return nil, fmt.Errorf("jobdesc did not connect: %w\n%s", err, logs.String())
	}
	for _, e := range slack.Transcript() {
		if e.Kind == fakeslack.KindConnect {
			res.Startup = e.At.Sub(started)
			break
		}
	}
	// Idle is once start-up work that runs while connecting (warming
	// caches) is done: when the bot's CPU time stops growing.
	waitIdle(cmd.Process.Pid, time.Second)
	res.RSSIdleKB, _ = rss(cmd.Process.Pid, "VmRSS")
	res.RSSIdleFileKB, _ = rss(cmd.Process.Pid, "RssFile")

	values, err := exampleValues()
	if err != nil {
		return nil, err
	}
	profDone := make(chan error, 1)
	switch {
	case o.trace != "":
		go func() {
			profDone <- fetchProfile(ctx, "http://"+pprofAddr+"/debug/pprof/trace?seconds=3", o.trace)
		}()
	case o.cpuprofile != "":
		go func() {
			profDone <- fetchProfile(ctx, "http://"+pprofAddr+"/debug/pprof/profile?seconds=5", o.cpuprofile)
		}()
	default:
		profDone <- nil
	}

	defer quiet(harnessHeap)()
	burstStart, selfStart, machineStart := time.Now(), selfCPU(), machineCPU()
	botStart, botErr := procCPU(cmd.Process.Pid)
	// measured runs one burst and records the CPU each side spent in it.
	measured := func(name string, f func(i int)) {
		start, self, machine := time.Now(), selfCPU(), machineCPU()
		bot, err := procCPU(cmd.Process.Pid)
		burst(o, f)
		p := phase{Name: name, N: o.n, Wall: time.Since(start), Self: selfCPU().sub(self), Machine: machineCPU().sub(machine)}
		if end, err2 := procCPU(cmd.Process.Pid); err == nil && err2 == nil {
			p.Bot = end.sub(bot)
		}
		res.Phases = append(res.Phases, p)
	}

	// Step 1: slash commands → ack, → views.open.
	ack := step{Name: "slash command → ack"}
	open := step{Name: "slash command → views.open arrives"}
	// What the load generator needs for the next step but Slack would
	// know without work (the modal each user sees, the ts of each post) is
	// read after each burst, so that the burst's CPU is the bot's and the
	// requests' own.
	opened := make([]bool, o.n)
	var mu sync.Mutex
	measured("slash commands", func(i int) {
		mark := slack.Mark()
		d, err := slack.SlashCommand(ctx, users[i], fakeslack.ChannelHiring, "/jobdesc", "account-manager")
		if err != nil {
			mu.Lock()
			ack.Errors++
			res.Errors = append(res.Errors, "slash: "+err.Error())
			mu.Unlock()
			return
		}
		a, aerr := waitAck(ctx, d, o.timeout)
		call, cerr := waitCall(ctx, slack, o.timeout, mark, "views.open", func(c fakeslack.Call) bool { return c.Param("trigger_id") == d.TriggerID })
		mu.Lock()
		defer mu.Unlock()
		record(&ack, res, a.Latency, aerr, a.Late)
		if cerr == nil && !call.OK {
			cerr = errors.New("views.open: " + call.Error)
		}
		record(&open, res, call.At.Sub(d.SentAt), cerr, false)
		opened[i] = cerr == nil
	})
	views := make([]fakeslack.View, o.n)
	for i, ok := range opened {
		if ok {
			views[i] = viewOf(slack, users[i])
		}
	}

	// Step 2: submissions → chat.postMessage. Each is built before the
	// burst (as Slack would build it, on machines of its own), so that the
	// burst's CPU goes to the bot and to answering it.
	post := step{Name: "modal submit → chat.postMessage arrives"}
	submitAck := step{Name: "modal submit → ack"}
	answers := make([]fakeslack.Call, o.n) // each draft's chat.postMessage
	subs := make([]*fakeslack.Submission, o.n)
	for i := range subs {
		if views[i].ID == "" {
			continue
		}
		v := maps.Clone(values)
		v["company_name"] = fmt.Sprintf("Loadtest Company %d", i)
		if subs[i], err = slack.PrepareSubmission(users[i], views[i], v); err != nil {
			return nil, fmt.Errorf("prepare submission %d: %w", i, err)
		}
	}
	measured("submissions", func(i int) {
		if subs[i] == nil {
			return
		}
		title := fmt.Sprintf("Loadtest Company %d (", i)
		mark := slack.Mark()
		d, err := slack.Submit(ctx, subs[i])
		var a fakeslack.Ack
		if err == nil {
			a, err = waitAck(ctx, d, o.timeout)
		}
		if err == nil && a.ResponseAction() != "clear" {
			err = fmt.Errorf("submission answered %s", a.Payload)
		}
		var call fakeslack.Call
		if err == nil {
			call, err = waitCall(ctx, slack, o.timeout, mark, "chat.postMessage", func(c fakeslack.Call) bool {
				return c.Param("thread_ts") == "" && strings.Contains(c.Param("text"), title)
			})
		}
		if err == nil && !call.OK {
			err = errors.New("chat.postMessage: " + call.Error)
		}
		mu.Lock()
		defer mu.Unlock()
		if d != nil && a.EnvelopeID != "" {
			submitAck.Latencies = append(submitAck.Latencies, a.Latency)
		}
		record(&post, res, call.At.Sub(d.SentAt), err, a.Late)
		if err == nil {
			answers[i] = call
		}
	})
	posted := make([]string, o.n)
	for i, c := range answers {
		if c.OK {
			posted[i] = c.AnswerField("ts")
		}
	}

	// Step 3: ✅ reactions → chat.update.
	update := step{Name: "✅ reaction → chat.update arrives"}
	reactAck := step{Name: "✅ reaction → ack"}
	measured("reactions", func(i int) {
		if posted[i] == "" {
			return
		}
		reviewer := users[(i+1)%len(users)]
		mark := slack.Mark()
		d, err := slack.React(ctx, reviewer, fakeslack.ChannelHiring, posted[i], "white_check_mark")
		var a fakeslack.Ack
		if err == nil {
			a, err = waitAck(ctx, d, o.timeout)
		}
		var call fakeslack.Call
		if err == nil {
			call, err = waitCall(ctx, slack, o.timeout, mark, "chat.update", func(c fakeslack.Call) bool {
				return c.Param("ts") == posted[i] && c.At.After(d.SentAt)
			})
		}
		if err == nil && !call.OK {
			err = errors.New("chat.update: " + call.Error)
		}
		mu.Lock()
		defer mu.Unlock()
		if d != nil && a.EnvelopeID != "" {
			reactAck.Latencies = append(reactAck.Latencies, a.Latency)
		}
		record(&update, res, call.At.Sub(d.SentAt), err, a.Late)
	})

	res.BurstWall, res.SelfCPU = time.Since(burstStart), selfCPU().sub(selfStart)
	res.Stolen = machineCPU().sub(machineStart).Stolen
	if botEnd, err := procCPU(cmd.Process.Pid); err == nil && botErr == nil {
		res.BotCPU = botEnd.sub(botStart)
	}
	res.RSSPeakKB, _ = rss(cmd.Process.Pid, "VmHWM")
	if o.heapprofile != "" {
		if err := fetchProfile(ctx, "http://"+pprofAddr+"/debug/pprof/heap", o.heapprofile); err != nil {
			res.Errors = append(res.Errors, "heap profile: "+err.Error())
		}
	}
	if err := <-profDone; err != nil { // the profile covers the first 5 s of the burst
		res.Errors = append(res.Errors, "cpu profile: "+err.Error())
	}
	res.Steps = []step{ack, open, submitAck, post, reactAck, update}
	res.Noticed = noticed(slack, burstStart)
	res.ValidationErrs = len(slack.ValidationFailures())
	for _, p := range slack.Problems() {
		res.Errors = append(res.Errors, "fake slack: "+p)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return nil, err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			res.Errors = append(res.Errors, "jobdesc exit after SIGTERM: "+err.Error())
		}
	case <-time.After(15 * time.Second):
		res.Errors = append(res.Errors, "jobdesc did not exit within 15 s of SIGTERM")
	}
	if strings.Contains(logs.String(), "level=ERROR") {
		res.Errors = append(res.Errors, "jobdesc logged errors:\n"+logs.String())
	}
	return res, nil
}

// harnessHeap is how far quiet grows this process's heap before the bursts:
// more than the fake Slack and the load allocate in them at -n 200 (about
// 50 MB).
const harnessHeap = 96 << 20

// quiet readies this process, the fake Slack and the load generator, for
// the bursts. Slack's servers would not share the bot's cores; here they
// do, so during the bursts this process does only the requests' own work:
// its garbage collector is off, and its heap was grown by grow bytes and
// released first, so the bursts' allocations reuse memory the kernel has
// mapped already rather than fault in fresh pages (3,500 faults in the
// slash-command burst otherwise). The collector still runs if the heap
// nears 4*grow (a much larger -n). restore turns it back on.
func quiet(grow int) (restore func()) {
	oldLimit := debug.SetMemoryLimit(int64(4 * grow))
	old := debug.SetGCPercent(-1)
	const chunk = 64 << 10
	ballast := make([][]byte, grow/chunk)
	for i := range ballast {
		ballast[i] = make([]byte, chunk)
		for j := 0; j < chunk; j += 4096 {
			ballast[i][j] = 1 // fault the page in
		}
	}
	ballast = nil
	// With the collector off, this frees the ballast without giving its
	// memory back to the kernel.
	runtime.GC()
	return func() {
		debug.SetGCPercent(old)
		debug.SetMemoryLimit(oldLimit)
	}
}

// fetchProfile saves a CPU profile of the bot.
func fetchProfile(ctx context.Context, url, path string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// burst runs f(0..n-1) with c calls in flight at once.
func burst(o options, f func(i int)) {
	sem := make(chan struct{}, o.c)
	var wg sync.WaitGroup
	for i := range o.n {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			f(i)
		}()
	}
	wg.Wait()
}

// errTimeout marks an expected answer that did not come in time.
var errTimeout = errors.New("timed out")

func waitAck(ctx context.Context, d *fakeslack.Delivery, timeout time.Duration) (fakeslack.Ack, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	a, err := d.WaitAck(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		return a, errTimeout
	}
	return a, err
}

// waitCall waits for a call made after mark (so it does not scan the calls
// of the whole burst every time).
func waitCall(ctx context.Context, s *fakeslack.Server, timeout time.Duration, mark int, method string, pred func(fakeslack.Call) bool) (fakeslack.Call, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	c, err := s.WaitForCallAfter(ctx, mark, method, pred)
	if errors.Is(err, context.DeadlineExceeded) {
		return c, fmt.Errorf("%s: %w", method, errTimeout)
	}
	return c, err
}

func record(s *step, res *result, d time.Duration, err error, late bool) {
	switch {
	case errors.Is(err, errTimeout):
		s.Timeouts++
		res.Errors = append(res.Errors, s.Name+": "+err.Error())
	case err != nil:
		s.Errors++
		res.Errors = append(res.Errors, s.Name+": "+err.Error())
	case late:
		s.Errors++
		res.Errors = append(res.Errors, s.Name+": acked after Slack's deadline")
		s.Latencies = append(s.Latencies, d)
	default:
		s.Latencies = append(s.Latencies, d)
	}
}

// noticed returns how long after arriving the fake read each ack and Web
// API call since start.
func noticed(s *fakeslack.Server, start time.Time) step {
	st := step{Name: "arrival → read by the fake"}
	for _, a := range s.Acks() {
		if a.At.After(start) && !a.Noticed.IsZero() {
			st.Latencies = append(st.Latencies, a.Noticed.Sub(a.At))
		}
	}
	for _, c := range s.Calls("") {
		if c.At.After(start) && !c.Noticed.IsZero() {
			st.Latencies = append(st.Latencies, c.Noticed.Sub(c.At))
		}
	}
	return st
}

// viewOf returns the modal a user sees: the top of their stack, which
// views.open just put there (cheaper than decoding the views.open answer).
func viewOf(s *fakeslack.Server, user string) fakeslack.View {
	stack := s.OpenViews(user)
	if len(stack) == 0 {
		return fakeslack.View{}
	}
	return stack[len(stack)-1]
}

// exampleValues are the account-manager role's sample values as the fake's
// SubmitView takes them.
func exampleValues() (map[string]any, error) {
	cat, err := templates.Load("")
	if err != nil {
		return nil, err
	}
	role, ok := cat.Role("account-manager")
	if !ok {
		return nil, errors.New("no account-manager role")
	}
	return bot.SubmissionValues(role, role.Normalize(role.Example())), nil
}

// rss reads a memory figure (VmRSS, VmHWM) in kB from /proc.
// waitIdle returns once pid's CPU time has not grown for 50 ms (the
// kernel counts it in 10 ms ticks), or after limit.
func waitIdle(pid int, limit time.Duration) {
	deadline := time.Now().Add(limit)
	last, err := procCPU(pid)
	for still := 0; err == nil && still < 5 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
		now, err2 := procCPU(pid)
		if err = err2; now == last {
			still++
		} else {
			still, last = 0, now
		}
	}
}

func rss(pid int, field string) (int, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, field+":") {
			return strconv.Atoi(strings.Fields(line)[1])
		}
	}
	return 0, fmt.Errorf("no %s in /proc/%d/status", field, pid)
}

func report(w io.Writer, o options, res *result) {
	fmt.Fprintf(w, "jobdesc under a burst: -n %d -c %d (schema validation in the fake: %v)\n", o.n, o.c, o.validate)
	if len(o.env) > 0 {
		fmt.Fprintf(w, "bot environment: %s\n", strings.Join(o.env, " "))
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "step\tn\tp50\tp90\tp99\tmax\terrors\ttimeouts\t")
	for _, s := range res.Steps {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%d\t%d\t\n", s.Name, len(s.Latencies),
			ms(s.quantile(.5)), ms(s.quantile(.9)), ms(s.quantile(.99)), ms(s.quantile(1)), s.Errors, s.Timeouts)
	}
	tw.Flush()
	if n := res.Noticed; len(n.Latencies) > 0 {
		fmt.Fprintf(w, "\nlatencies run to the kernel's receive time; the fake read acks and calls p50 %s, p99 %s, max %s after that\n",
			ms(n.quantile(.5)), ms(n.quantile(.99)), ms(n.quantile(1)))
	}
	fmt.Fprintf(w, "\nprocess start → socket connected: %s\n", ms(res.Startup))
	fmt.Fprintf(w, "burst: %s wall; CPU of this process (fake Slack and load): %s; of jobdesc: %s\n",
		ms(res.BurstWall), res.SelfCPU, res.BotCPU)
	if res.Stolen > 0 {
		fmt.Fprintf(w, "  CPU stolen by the hypervisor during the burst: %s (over all %d cores)\n", ms(res.Stolen), runtime.NumCPU())
	}
	for _, p := range res.Phases {
		fmt.Fprintf(w, "  %s: %s wall; CPU per operation: jobdesc %s, fake Slack and load %s; jobdesc's page faults %d (the fake's %d); cores idle %.0f%%\n", p.Name, ms(p.Wall), perOp(p.Bot, p.N), perOp(p.Self, p.N), p.Bot.Faults, p.Self.Faults, p.idleShare())
	}
	fmt.Fprintf(w, "resident memory: idle %.1f MB (%.1f MB of it the program's file), peak %.1f MB\n",
		float64(res.RSSIdleKB)/1024, float64(res.RSSIdleFileKB)/1024, float64(res.RSSPeakKB)/1024)
	fmt.Fprintf(w, "payloads Slack would reject: %d\n", res.ValidationErrs)
	for i, e := range res.Errors {
		if i == 10 {
			fmt.Fprintf(w, "… and %d more errors\n", len(res.Errors)-10)
			break
		}
		fmt.Fprintln(w, "error:", e)
	}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

// lockedWriter lets the child's stderr be written while it is read.
type lockedWriter struct {
	mu sync.Mutex
	w  *strings.Builder
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
