// Command hds versions datasets the way git versions code.
//
// This file alone turns signals into a cancelled context and errors into
// exit codes; every other file in this directory is one command: parse
// flags, call one package, print.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"syscall"
)

// Exit codes. Scripts can rely on these.
const (
	exitOK        = 0
	exitError     = 1
	exitUsage     = 2
	exitNoRepo    = 3   // not inside a dataset repository
	exitLocked    = 4   // another hds process holds the repository lock
	exitProblems  = 5   // fsck/validate found problems
	exitCancelled = 130 // interrupted (Ctrl-C)
)

func main() {
	// hds runs briefly with memory bounded by design; collecting garbage
	// less often saves measurable time on short commands (a no-change
	// commit of 20,000 files), and the soft limit keeps the heap from
	// growing with it: past 96 MiB the collector runs as often as needed.
	debug.SetGCPercent(400)
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(96 << 20)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	stopProfile := startProfile()
	err := newRootCommand().ExecuteContext(ctx)
	stopProfile()
	stop()
	if err != nil {
		if !errors.Is(err, errSilent) {
			fmt.Fprintln(os.Stderr, "hds:", err)
			for _, h := range hints {
				if errors.Is(err, h.err) {
					fmt.Fprintln(os.Stderr, "hint:", h.hint)
					break
				}
			}
		}
		if ctx.Err() != nil && errors.Is(err, context.Canceled) {
			os.Exit(exitCancelled)
		}
	}
	os.Exit(exitCode(err))
}

// errSilent wraps an error that the command already reported to the user.
var errSilent = errors.New("already reported")

// exitCoder lets an error choose its exit code.
type exitCoder interface{ ExitCode() int }

// usageError marks bad command-line input.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }
func (usageError) ExitCode() int   { return exitUsage }

func exitCode(err error) int {
	if err == nil {
		return exitOK
	}
	var ec exitCoder
	if errors.As(err, &ec) {
		return ec.ExitCode()
	}
	for _, m := range exitCodes {
		if errors.Is(err, m.err) {
			return m.code
		}
	}
	if errors.Is(err, context.Canceled) {
		return exitCancelled
	}
	return exitError
}

// exitCodes maps package sentinels to exit codes; filled in by init
// functions next to the commands that can return them.
var exitCodes []struct {
	err  error
	code int
}

// hints are advice printed under errors that wrap a known sentinel.
var hints []struct {
	err  error
	hint string
}

func registerHint(err error, hint string) {
	hints = append(hints, struct {
		err  error
		hint string
	}{err, hint})
}

func registerExitCode(err error, code int) {
	exitCodes = append(exitCodes, struct {
		err  error
		code int
	}{err, code})
}

// startProfile writes a CPU profile to $HDS_CPUPROFILE, for performance
// work: HDS_CPUPROFILE=cpu.out hds commit -m x; go tool pprof bin/hds cpu.out
func startProfile() func() {
	path := os.Getenv("HDS_CPUPROFILE")
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "hds: HDS_CPUPROFILE:", err)
		return func() {}
	}
	if os.Getenv("HDS_CPUPROFILE_HZ") != "" {
		runtime.SetCPUProfileRate(5000)
	}
	pprof.StartCPUProfile(f)
	return func() { pprof.StopCPUProfile(); f.Close() }
}
