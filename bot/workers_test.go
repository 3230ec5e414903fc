package bot

import (
	"context"
	"testing"
	"time"
)

func TestWorkers(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	t.Run("busy workers don't hold up the next function", func(t *testing.T) {
		w := newWorkers(time.Minute)
		release := make(chan struct{})
		done := make(chan int, 3)
		for i := range 3 {
			w.run(ctx, func() {
				<-release
				done <- i
			})
		}
		// All three wait for release at once: had any waited for another
		// to finish, none would get past here.
		close(release)
		for range 3 {
			select {
			case <-done:
			case <-ctx.Done():
				t.Fatal("functions did not all run")
			}
		}
		if got := w.started.Load(); got != 3 {
			t.Errorf("got %d workers, want 3", got)
		}
	})

	t.Run("an idle worker takes the next function", func(t *testing.T) {
		w := newWorkers(time.Minute)
		ran := make(chan int)
		w.run(ctx, func() { ran <- 0 })
		<-ran
		for i := 1; i < 5; i++ {
			// The worker that ran the last function takes this one
			// once it is back waiting (what run tries first).
			mustWaitFor(t, ctx, func() bool {
				select {
				case w.work <- func() { ran <- i }:
					return true
				default:
					return false
				}
			})
			if got := <-ran; got != i {
				t.Fatalf("got function %d, want %d", got, i)
			}
		}
		if got := w.started.Load(); got != 1 {
			t.Errorf("got %d workers for functions run one after another, want 1", got)
		}
	})

	t.Run("workers exit when idle or when ctx is done", func(t *testing.T) {
		w := newWorkers(time.Millisecond)
		ran := make(chan struct{})
		w.run(ctx, func() { close(ran) })
		<-ran
		// Once the idle worker has exited, nothing takes a send.
		mustWaitFor(t, ctx, func() bool {
			select {
			case w.work <- func() {}:
				return false
			case <-time.After(20 * time.Millisecond):
				return true
			}
		})
		wctx, stop := context.WithCancel(ctx)
		w2 := newWorkers(time.Minute)
		ran2 := make(chan struct{})
		w2.run(wctx, func() { close(ran2) })
		<-ran2
		stop()
		mustWaitFor(t, ctx, func() bool {
			select {
			case w2.work <- func() {}:
				return false
			case <-time.After(20 * time.Millisecond):
				return true
			}
		})
	})
}

// mustWaitFor is waitFor failing the test at the deadline.
func mustWaitFor(t *testing.T, ctx context.Context, cond func() bool) {
	t.Helper()
	if err := waitFor(ctx, cond); err != nil {
		t.Fatalf("condition not met: %v", err)
	}
}
