//go:build hds_core

package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"

	"github.com/spf13/cobra"
)

func init() {
	build = "core"
	commands = append(commands,
		forwardCommand("collect SOURCE [ARGS]", collectShort),
		forwardCommand("process", processShort))
}

// forwardCommand makes a command of the core build that replaces the
// process with the full build, given the same arguments: flags, help,
// progress, signals and exit codes are then the full build's own.
func forwardCommand(use, short string) func() *cobra.Command {
	return func() *cobra.Command {
		cmd := &cobra.Command{
			Use:                use,
			Short:              short,
			DisableFlagParsing: true,
			RunE:               func(*cobra.Command, []string) error { return execFull() },
		}
		cmd.SetHelpFunc(func(*cobra.Command, []string) {
			if err := execFull(); err != nil {
				fmt.Fprintln(os.Stderr, "hds:", err)
				os.Exit(exitError)
			}
		})
		return cmd
	}
}

// errNoFull reports a core build without its full build.
var errNoFull = errors.New(fullBinary + " not found")

// execFull runs the full build with this process's arguments. It looks
// next to this executable first, then on PATH; $HDS_FULL overrides both.
func execFull() error {
	path, err := findFull()
	if err != nil {
		return err
	}
	argv := append([]string{"hds"}, os.Args[1:]...)
	if err := syscall.Exec(path, argv, os.Environ()); err != nil {
		return fmt.Errorf("run %s: %w", path, err)
	}
	return nil // not reached
}

func findFull() (string, error) {
	if p := os.Getenv("HDS_FULL"); p != "" {
		return p, nil
	}
	self, err := os.Executable()
	if err == nil {
		if self, err = filepath.EvalSymlinks(self); err == nil {
			p := filepath.Join(filepath.Dir(self), fullBinary)
			if _, err := os.Stat(p); err == nil {
				return p, nil
			}
		}
	}
	if p, err := exec.LookPath(fullBinary); err == nil {
		return p, nil
	}
	dir := "this program's directory"
	if self != "" {
		dir = filepath.Dir(self)
	}
	return "", fmt.Errorf("%w: this hds is the core build, whose data commands (collect, process) run in %s; "+
		"it is neither in %s nor on PATH (build both with 'make build', or set HDS_FULL)", errNoFull, fullBinary, dir)
}
