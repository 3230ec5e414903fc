package drafts

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// childEnv makes the test binary act as a child process of TestCrash or
// TestLockedByAnotherProcess: "crash:<file>" or "hold:<file>".
const childEnv = "JOBDESC_DRAFTS_CHILD"

// TestChildProcess is the child's body; in a normal run it has nothing to do.
func TestChildProcess(t *testing.T) {
	mode, path, ok := strings.Cut(os.Getenv(childEnv), ":")
	if !ok {
		t.Skip("helper: runs only as the child process of TestCrash and TestLockedByAnotherProcess")
	}
	s, err := Open(path)
	if err != nil {
		t.Fatalf("child: Open: %v", err)
	}
	defer func() { _ = s.Close() }()
	switch mode {
	case "hold":
		fmt.Println("ready")
		_, _ = io.Copy(io.Discard, os.Stdin) // hold the file until the parent closes stdin
	case "crash":
		crashChild(t, s)
	default:
		t.Fatalf("child: unknown mode %q", mode)
	}
}

// crashChild writes a stream from several goroutines, printing one line per
// write after it returned: "C id", "R id 2", "A id user", "K key".
func crashChild(t *testing.T, s *Store) {
	ctx := context.Background()
	var mu sync.Mutex
	say := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		_, _ = os.Stdout.WriteString(fmt.Sprintf(format, args...) + "\n") // one write(2) per line
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 300 { // the parent kills us long before
				d, err := s.Create(ctx, newDraft("T1", fmt.Sprintf("W%d", g)))
				if err != nil {
					t.Errorf("child: Create: %v", err)
					return
				}
				say("C %s", d.ID)
				if _, err := s.Revise(ctx, "T1", d.ID, 1, "E", map[string]string{"title": "v2"}); err != nil {
					t.Errorf("child: Revise: %v", err)
					return
				}
				say("R %s 2", d.ID)
				if _, _, err := s.Approve(ctx, "T1", d.ID, "A", 1); err != nil {
					t.Errorf("child: Approve: %v", err)
					return
				}
				say("A %s", d.ID)
				key := fmt.Sprintf("ev-%d-%d-%d", os.Getpid(), g, i)
				if ok, err := s.Claim(ctx, key); err != nil || !ok {
					t.Errorf("child: Claim: %t, %v", ok, err)
					return
				}
				say("K %s", key)
			}
		})
	}
	wg.Wait()
}

// startChild runs the test binary as a child in mode on path and returns
// its stdout lines (the channel closes at EOF) and its stderr.
func startChild(t *testing.T, ctx context.Context, mode, path string) (*exec.Cmd, <-chan string, *bytes.Buffer, io.WriteCloser) {
	t.Helper()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestChildProcess$", "-test.count=1")
	// GORACE: a -race binary otherwise sleeps a second at exit.
	cmd.Env = append(os.Environ(), childEnv+"="+mode+":"+path, "GORACE=atexit_sleep_ms=0")
	stderr := &bytes.Buffer{}
	cmd.Stderr = stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start child: %v", err)
	}
	lines := make(chan string, 64)
	go func() {
		defer close(lines)
		r := bufio.NewReader(stdout)
		for {
			l, err := r.ReadString('\n')
			if err != nil {
				return // an unterminated last line was cut by the kill: not acknowledged
			}
			lines <- strings.TrimSuffix(l, "\n")
		}
	}()
	return cmd, lines, stderr, stdin
}

// TestCrash kills a writing child process with SIGKILL at random moments;
// after each kill the file must open, pass Check and hold every write the
// child printed as done.
func TestCrash(t *testing.T) {
	const rounds = 20
	ctx := ctxT(t)
	path := filepath.Join(t.TempDir(), "crash.db")
	mustClose(t, openPath(t, path, nil)) // the file exists before the first kill
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))

	revision := map[string]int{} // id → lowest revision it must have
	approved := map[string]bool{}
	var keys []string
	record := func(l string) {
		f := strings.Fields(l)
		switch {
		case len(f) == 2 && f[0] == "C":
			revision[f[1]] = max(revision[f[1]], 1)
		case len(f) == 3 && f[0] == "R":
			revision[f[1]] = 2
		case len(f) == 2 && f[0] == "A":
			approved[f[1]] = true
		case len(f) == 2 && f[0] == "K":
			keys = append(keys, f[1])
		default:
			t.Errorf("child printed %q", l)
		}
	}
	for round := range rounds {
		cmd, lines, stderr, _ := startChild(t, ctx, "crash", path)
		killAfter := rng.IntN(60) // lines; 0 kills it while it starts
		for n := 0; n < killAfter; n++ {
			select {
			case l, ok := <-lines:
				if !ok {
					_ = cmd.Wait()
					t.Fatalf("round %d: child ended early: %s", round, stderr)
				}
				record(l)
			case <-ctx.Done():
				t.Fatalf("round %d: no output from the child: %v", round, ctx.Err())
			}
		}
		if err := cmd.Process.Kill(); err != nil {
			t.Fatalf("round %d: kill: %v", round, err)
		}
		for l := range lines {
			record(l)
		}
		if err := cmd.Wait(); err == nil {
			t.Fatalf("round %d: child exited cleanly, want killed", round)
		}

		if _, err := Check(path); err != nil {
			t.Fatalf("round %d: Check after kill: %v", round, err)
		}
		s, err := Open(path)
		if err != nil {
			t.Fatalf("round %d: Open after kill: %v", round, err)
		}
		for _, id := range slices.Sorted(func(yield func(string) bool) {
			for id := range revision {
				if !yield(id) {
					return
				}
			}
		}) {
			d, err := s.Get(ctx, "T1", id)
			switch {
			case err != nil:
				t.Errorf("round %d: acknowledged draft %s: %v", round, id, err)
			case d.Revision < revision[id]:
				t.Errorf("round %d: draft %s at revision %d, acknowledged %d", round, id, d.Revision, revision[id])
			case approved[id] && !slices.Contains(reviewUsers(d.Approvals), "A"):
				t.Errorf("round %d: draft %s lost its acknowledged approval", round, id)
			}
		}
		for _, k := range keys {
			if ok, err := s.Claim(ctx, k); err != nil || ok {
				t.Errorf("round %d: acknowledged claim %s: got first=%t, %v", round, k, ok, err)
			}
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if len(revision) == 0 {
		t.Error("no acknowledged writes in any round")
	}
	t.Logf("%d rounds, %d acknowledged drafts, %d claims", rounds, len(revision), len(keys))
}

func TestLockedByAnotherProcess(t *testing.T) {
	ctx := ctxT(t)
	path := filepath.Join(t.TempDir(), "held.db")
	cmd, lines, stderr, stdin := startChild(t, ctx, "hold", path)
	select {
	case l := <-lines:
		if l != "ready" {
			_ = cmd.Wait()
			t.Fatalf("child said %q: %s", l, stderr)
		}
	case <-ctx.Done():
		t.Fatal("child never got ready")
	}

	type result struct {
		s   *Store
		err error
	}
	tryOpen := func(open func(string) (*Store, error)) error {
		done := make(chan result, 1)
		go func() {
			s, err := open(path)
			done <- result{s, err}
		}()
		select {
		case r := <-done:
			if r.err == nil {
				_ = r.s.Close()
			}
			return r.err
		case <-ctx.Done():
			t.Fatal("Open hung on a locked file")
			return nil
		}
	}
	// The three refusals wait out the lock timeout together.
	t.Run("refused", func(t *testing.T) {
		for name, open := range map[string]func(string) (*Store, error){"Open": Open, "OpenReadOnly": OpenReadOnly} {
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				err := tryOpen(open)
				wantErr(t, name, err, ErrLocked)
				if !strings.Contains(err.Error(), "another jobdesc process holds the store file") {
					t.Errorf("error %q does not say who holds the file", err)
				}
			})
		}
		t.Run("Check", func(t *testing.T) {
			t.Parallel()
			_, err := Check(path)
			wantErr(t, "Check", err, ErrLocked)
		})
	})
	t.Run("opens once the holder exits", func(t *testing.T) {
		_ = stdin.Close()
		if err := cmd.Wait(); err != nil {
			t.Fatalf("child: %v: %s", err, stderr)
		}
		if err := tryOpen(Open); err != nil {
			t.Errorf("Open after the holder exited: %v", err)
		}
	})
}

// TestLockedInProcess: a second handle in the same process is refused too
// (flock locks belong to open files), here with a short timeout.
func TestLockedInProcess(t *testing.T) {
	_, _, path := openStore(t)
	for _, readOnly := range []bool{false, true} {
		s, err := open(path, readOnly, 100*time.Millisecond)
		if err == nil {
			_ = s.Close()
		}
		if !errors.Is(err, ErrLocked) {
			t.Errorf("second open (read-only %t): got %v, want ErrLocked", readOnly, err)
		}
	}
}
