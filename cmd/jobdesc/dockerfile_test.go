package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestDockerfileMatchesGoModAndCI keeps the image's Go version and build
// flags in step with go.mod and .ci/run, since no Docker engine runs here.
func TestDockerfileMatchesGoModAndCI(t *testing.T) {
	read := func(name string) string {
		t.Helper()
		b, err := os.ReadFile(filepath.Join("..", "..", name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	docker, gomod, ci := read("Dockerfile"), read("go.mod"), read(".ci/run")

	goVersion := regexp.MustCompile(`(?m)^go (\S+)$`).FindStringSubmatch(gomod)
	arg := regexp.MustCompile(`(?m)^ARG GO_VERSION=(\S+)$`).FindStringSubmatch(docker)
	if goVersion == nil || arg == nil || goVersion[1] != arg[1] {
		t.Errorf("Dockerfile GO_VERSION %v, go.mod go %v: want the same", arg, goVersion)
	}
	const build = `CGO_ENABLED=0 go build -trimpath -ldflags="-s -w"`
	for name, text := range map[string]string{"Dockerfile": docker, ".ci/run": ci} {
		if !strings.Contains(text, build) {
			t.Errorf("%s does not build with %s", name, build)
		}
	}
	for _, want := range []string{"JOBDESC_DB_PATH=/data/jobdesc.db", "VOLUME /data", "USER 65532", "distroless/static"} {
		if !strings.Contains(docker, want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
}
