package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os/signal"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"runtime/trace"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jobdesc/jobdesc/bot"
	"github.com/jobdesc/jobdesc/drafts"
	"github.com/jobdesc/jobdesc/metrics"
	"github.com/jobdesc/jobdesc/templates"
)

// run runs the bot until ctx is cancelled or SIGINT/SIGTERM arrives, then
// finishes in-flight work, closes the store and returns nil. It returns an
// error when the templates, the store or Slack's answer to the tokens is bad.
func run(ctx context.Context, cfg Config, stdout, stderr io.Writer) error {
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	level, err := parseLevel(cfg.LogLevel)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	catalog, err := templates.Load(cfg.TemplatesDir)
	if err != nil {
		return fmt.Errorf("load templates: %w", err)
	}
	store, err := openBackend(ctx, cfg)
	if err != nil {
		return err
	}
	defer func() {
		if err := store.Close(); err != nil {
			log.Error("closing the store failed", "err", err)
		}
	}()

	reg := metrics.NewRegistry()
	botMetrics, err := bot.NewMetrics(reg)
	if err != nil {
		return err
	}
	b, err := bot.New(bot.Config{
		AppToken:          cfg.AppToken,
		BotToken:          cfg.BotToken,
		APIURL:            cfg.APIURL,
		ApproveReaction:   cfg.ApproveReaction,
		ChangesReaction:   cfg.ChangesReaction,
		ApprovalsRequired: cfg.ApprovalsRequired,
		Approvers:         cfg.Approvers,
		Connections:       cfg.Connections,
		OutboxInterval:    cfg.OutboxInterval,
		PostClaimTTL:      cfg.PostClaimTTL,
	}, store, catalog, log, botMetrics)
	if err != nil {
		return fmt.Errorf("configure bot: %w", err)
	}

	if cfg.HTTPAddr != "" {
		if err := registerMetrics(reg, store); err != nil {
			return err
		}
		srv, addr, err := serveHTTP(cfg.HTTPAddr, healthHandler(b, store), reg)
		if err != nil {
			return err
		}
		log.Info("serving /healthz and /metrics", "addr", addr)
		defer func() {
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
			defer cancel()
			_ = srv.Shutdown(sctx)
		}()
	}
	if cfg.BackupDir != "" {
		bs, ok := store.(backupStore)
		if !ok {
			return usageError("JOBDESC_BACKUP_DIR: this store does not take file backups; back up its cluster instead")
		}
		go backupLoop(ctx, bs, cfg.BackupDir, cfg.BackupInterval, log)
	}

	fmt.Fprintf(stdout, "jobdesc %s: roles %d, %s\n", version(), len(catalog.Roles()), describeStore(cfg))
	return b.Run(ctx)
}

// backend is what run needs of a drafts store: the bot's interface, plus
// health, metrics, backups and closing. drafts.Store (bbolt) and
// drafts/etcd.Store implement it.
type backend interface {
	bot.Store
	Ping(ctx context.Context) error
	CountByStatus(ctx context.Context) (map[drafts.Status]int, error)
	Sweep(ctx context.Context) (int, error)
	Close() error
}

// openBackend opens the configured drafts store: the bbolt file, or the
// etcd cluster (failing within JOBDESC_ETCD_DIAL_TIMEOUT when it does not
// answer, or when the prefix holds data of a newer jobdesc).
func openBackend(ctx context.Context, cfg Config) (backend, error) {
	if cfg.Store == "etcd" {
		s, err := openEtcd(ctx, cfg.etcd(), cfg.EtcdEndpoints)
		if err != nil {
			return nil, fmt.Errorf("JOBDESC_STORE=etcd: %w", err)
		}
		return s, nil
	}
	s, err := drafts.Open(cfg.DBPath)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", cfg.DBPath, err)
	}
	return s, nil
}

// healthHandler answers 200 only when the socket is connected and the store
// answers; 503 with the reason otherwise.
func healthHandler(b *bot.Bot, store backend) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if !b.Connected() {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(w, "socket mode: not connected")
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), time.Second)
		defer cancel()
		if err := store.Ping(ctx); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(w, "store: not answering")
			return
		}
		fmt.Fprintln(w, "ok")
	})
}

// serveHTTP listens on addr and serves /healthz, /metrics and
// /debug/pprof/ in the background; it returns the bound address. Keep addr
// private to the operator's network.
func serveHTTP(addr string, health, scrape http.Handler) (*http.Server, string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, "", fmt.Errorf("JOBDESC_HTTP_ADDR: listen on %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /healthz", health)
	mux.Handle("GET /metrics", scrape)
	// Profiles for finding where time goes under load (cmd/loadtest -cpuprofile).
	mux.Handle("GET /debug/pprof/", pprofHandler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return srv, ln.Addr().String(), nil
}

// pprofHandler serves the runtime's profiles for go tool pprof:
// /debug/pprof/profile?seconds=N (CPU, default 30 s), /debug/pprof/NAME for
// heap, allocs, goroutine, block, mutex and threadcreate (?debug=1 or 2 for
// text, ?gc=1 to collect garbage before a heap profile), and a plain-text
// index at /debug/pprof/. It does without net/http/pprof, whose HTML index
// links html/template and text/template into the binary (about 400 KB),
// and so without its ?seconds= delta profiles, /cmdline, /symbol and /trace.
func pprofHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, "/debug/pprof/")
		if name == "" {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			fmt.Fprintln(w, "Profiles (go tool pprof http://HOST/debug/pprof/NAME):")
			fmt.Fprintln(w, "profile?seconds=30 (CPU)")
			fmt.Fprintln(w, "trace?seconds=5 (execution trace: go tool trace FILE)")
			for _, p := range pprof.Profiles() {
				fmt.Fprintf(w, "%s (%d)\n", p.Name(), p.Count())
			}
			return
		}
		switch name {
		case "profile":
			cpuProfile(w, r)
			return
		case "trace":
			executionTrace(w, r)
			return
		}
		p := pprof.Lookup(name)
		if p == nil {
			http.Error(w, fmt.Sprintf("unknown profile %q", name), http.StatusNotFound)
			return
		}
		if r.FormValue("seconds") != "" {
			http.Error(w, "delta profiles (?seconds=) are served for /debug/pprof/profile only", http.StatusBadRequest)
			return
		}
		if name == "heap" && r.FormValue("gc") != "" {
			runtime.GC()
		}
		level, _ := strconv.Atoi(r.FormValue("debug"))
		if level != 0 {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		} else {
			w.Header().Set("Content-Type", "application/octet-stream")
			w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", name))
		}
		_ = p.WriteTo(w, level)
	})
}

// cpuProfile writes a CPU profile of the next ?seconds= seconds (default
// 30, cut short when the client goes away), or 500 when another CPU
// profile is running.
func cpuProfile(w http.ResponseWriter, r *http.Request) {
	recordFor(w, r, "profile", "CPU profiling", pprof.StartCPUProfile, pprof.StopCPUProfile)
}

// executionTrace writes an execution trace of the next ?seconds= seconds
// (go tool trace: when each goroutine ran, waited for a CPU, or blocked),
// or 500 when another trace is running.
func executionTrace(w http.ResponseWriter, r *http.Request) {
	recordFor(w, r, "trace", "tracing", trace.Start, trace.Stop)
}

// recordFor runs a recorder that writes to w for ?seconds= seconds
// (default 30, cut short when the client goes away).
func recordFor(w http.ResponseWriter, r *http.Request, file, what string, start func(io.Writer) error, stop func()) {
	sec, err := strconv.Atoi(r.FormValue("seconds"))
	if err != nil || sec <= 0 {
		sec = 30
	}
	// Headers first: once started, the recorder writes to w on its own.
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", file))
	if err := start(w); err != nil {
		w.Header().Del("Content-Disposition")
		http.Error(w, fmt.Sprintf("could not enable %s: %v", what, err), http.StatusInternalServerError)
		return
	}
	t := time.NewTimer(time.Duration(sec) * time.Second)
	defer t.Stop()
	select {
	case <-t.C:
	case <-r.Context().Done():
	}
	stop()
}

// registerMetrics adds to reg what /metrics shows besides the bot's own
// metrics: drafts by status, read from the store at scrape time (a store
// error fails the scrape), and the Go runtime and process families.
func registerMetrics(reg *metrics.Registry, store backend) error {
	err := reg.GaugeVecFunc("jobdesc_drafts", "Drafts in the store, by status.", "status", func(ctx context.Context) (map[string]float64, error) {
		ctx, cancel := context.WithTimeout(ctx, time.Second)
		defer cancel()
		counts, err := store.CountByStatus(ctx)
		if err != nil {
			return nil, err
		}
		out := map[string]float64{}
		for _, s := range []drafts.Status{drafts.StatusDraft, drafts.StatusInReview, drafts.StatusChangesRequested, drafts.StatusApproved} {
			out[string(s)] = float64(counts[s])
		}
		return out, nil
	})
	if err == nil {
		err = reg.RegisterRuntime()
	}
	if err != nil {
		return fmt.Errorf("register metrics: %w", err)
	}
	return nil
}

// backupStore is a store that can copy itself into a folder.
type backupStore interface {
	BackupToDir(dir string) (string, error)
}

// backupLoop writes a hot backup into dir every interval until ctx ends.
func backupLoop(ctx context.Context, store backupStore, dir string, every time.Duration, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			path, err := store.BackupToDir(dir)
			if err != nil && !errors.Is(err, context.Canceled) {
				log.Error("scheduled backup failed", "dir", dir, "err", err)
				continue
			}
			log.Info("backup written", "path", path)
		}
	}
}

// version is the module version the binary was built from, or "dev".
func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}
