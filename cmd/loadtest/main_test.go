package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestSmallBurst keeps the benchmark working: a small burst through the
// real binary ends with every step measured and no errors. It asserts no
// timings (the machine is shared); the README's figures come from -n 200.
func TestSmallBurst(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping in -short mode: builds and runs the jobdesc binary")
	}
	var out, errb bytes.Buffer
	if err := run(context.Background(), []string{"-n", "12", "-c", "4"}, &out, &errb); err != nil {
		t.Fatalf("loadtest: %v\nstdout:\n%s\nstderr:\n%s", err, out.String(), errb.String())
	}
	for _, want := range []string{"slash command → ack  12", "views.open arrives  12", "chat.postMessage arrives  12", "chat.update arrives  12", "resident memory: idle", "payloads Slack would reject: 0"} {
		if !strings.Contains(strings.Join(strings.Fields(out.String()), " "), strings.Join(strings.Fields(want), " ")) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
}
