package bot

import (
	"context"
	"sync/atomic"
	"time"
)

// workers runs functions on goroutines kept for reuse. Each Socket Mode
// frame is decoded and handled on a goroutine of its own, so that a large
// one delays no other; that goroutine grows its stack to do it (JSON,
// templates, bbolt), and a new goroutine per frame paid for the growth
// every time: 8% of the bot's CPU under a burst. A worker that finished
// waits up to idle for the next function, then exits, so a quiet bot keeps
// none.
type workers struct {
	idle    time.Duration
	work    chan func() // unbuffered: a send succeeds only when a worker waits
	started atomic.Int64
}

func newWorkers(idle time.Duration) *workers {
	return &workers{idle: idle, work: make(chan func())}
}

// run runs f on a waiting worker, or on a new one if none waits. Workers
// exit once ctx is done and they are idle.
func (w *workers) run(ctx context.Context, f func()) {
	select {
	case w.work <- f:
	default:
		w.started.Add(1)
		go w.loop(ctx, f)
	}
}

func (w *workers) loop(ctx context.Context, f func()) {
	t := time.NewTimer(w.idle)
	defer t.Stop()
	for {
		f()
		t.Reset(w.idle)
		select {
		case f = <-w.work:
		case <-t.C:
			return
		case <-ctx.Done():
			return
		}
	}
}
