package repo

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// ErrLocked is wrapped by the error Lock returns when another process holds
// the repository lock.
var ErrLocked = errors.New("repository is locked")

// LockedError names the process holding the lock.
type LockedError struct {
	PID int // 0 if unknown
}

func (e *LockedError) Error() string {
	who := "another hds process"
	if e.PID > 0 {
		who += fmt.Sprintf(" (pid %d)", e.PID)
	}
	return who + " is writing to this repository; wait for it to finish and try again"
}

// Unwrap makes errors.Is(err, ErrLocked) true.
func (e *LockedError) Unwrap() error { return ErrLocked }

// Lock takes the repository's write lock (.hds/lock) without waiting. It
// is an advisory flock, so it dies with its process: a kill -9 never leaves
// a stale lock behind. The returned function releases it.
func (r *Repo) Lock() (unlock func() error, err error) {
	path := r.path("lock")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		b, _ := os.ReadFile(path)
		pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, &LockedError{PID: pid}
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return func() error {
		f.Truncate(0)
		unix.Flock(int(f.Fd()), unix.LOCK_UN)
		return f.Close()
	}, nil
}
