//go:build e2e

package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// hdsBin returns the binary under test (HDS_BIN), or skips.
func hdsBin(tb testing.TB) string {
	tb.Helper()
	bin := os.Getenv("HDS_BIN")
	if bin == "" {
		tb.Skip("HDS_BIN not set; run through 'make e2e'")
	}
	return bin
}

// result is what one run of the binary produced.
type result struct {
	Stdout, Stderr string
	Code           int
}

// run runs hds in dir with args and a deterministic author.
func run(tb testing.TB, dir string, args ...string) result {
	tb.Helper()
	cmd := exec.Command(hdsBin(tb), args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "HDS_AUTHOR_NAME=e2e", "HDS_AUTHOR_EMAIL=e2e@example.com")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		tb.Fatalf("run hds %v: %v", args, err)
	}
	return result{Stdout: out.String(), Stderr: errb.String(), Code: code}
}

// mustRun runs hds and fails the test unless it exits 0.
func mustRun(tb testing.TB, dir string, args ...string) string {
	tb.Helper()
	r := run(tb, dir, args...)
	if r.Code != 0 {
		tb.Fatalf("hds %v: exit %d\nstdout:\n%s\nstderr:\n%s", args, r.Code, r.Stdout, r.Stderr)
	}
	return r.Stdout
}

// writeFile writes data to dir/name, creating parents.
func writeFile(tb testing.TB, dir, name, data string) {
	tb.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		tb.Fatal(err)
	}
}
