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

// ErrBusy is wrapped by the error ReadLock and ExclusiveLock return when
// the other kind of holder is active.
var ErrBusy = errors.New("repository is busy")

// BusyError names what keeps the repository busy.
type BusyError struct {
	What string // "hds gc" or "a reader"
	PID  int
}

func (e *BusyError) Error() string {
	who := e.What
	if e.PID > 0 {
		who += fmt.Sprintf(" (pid %d)", e.PID)
	}
	return who + " is using the chunk store; wait for it to finish and try again"
}

// Unwrap makes errors.Is(err, ErrBusy) true.
func (e *BusyError) Unwrap() error { return ErrBusy }

// ReadLock takes a shared lock that keeps 'hds gc' from deleting chunks
// while they are read (checkout, cat, fsck). Many readers and one writer
// may hold it together.
func (r *Repo) ReadLock() (unlock func() error, err error) {
	return flock(r.path("readers.lock"), unix.LOCK_SH, func(pid int) error {
		return &BusyError{What: "hds gc", PID: pid}
	})
}

// ExclusiveLock takes the readers lock exclusively, for gc: it fails while
// any reader holds it.
func (r *Repo) ExclusiveLock() (unlock func() error, err error) {
	return flock(r.path("readers.lock"), unix.LOCK_EX, func(int) error {
		return &BusyError{What: "another hds process (checkout, cat or fsck)"}
	})
}

// Lock takes the repository's write lock (.hds/lock) without waiting. It
// is an advisory flock, so it dies with its process: a kill -9 never leaves
// a stale lock behind. The returned function releases it.
func (r *Repo) Lock() (unlock func() error, err error) {
	return flock(r.path("lock"), unix.LOCK_EX, func(pid int) error { return &LockedError{PID: pid} })
}

// flock takes an flock of kind how on path without waiting. An exclusive
// holder writes its pid into the file so others can name it; busy builds
// the error for a lock that is held.
func flock(path string, how int, busy func(pid int) error) (func() error, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if err := unix.Flock(int(f.Fd()), how|unix.LOCK_NB); err != nil {
		b, _ := os.ReadFile(path)
		pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, busy(pid)
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	exclusive := how == unix.LOCK_EX
	if exclusive {
		if err := f.Truncate(0); err == nil {
			f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
		}
	}
	return func() error {
		if exclusive {
			f.Truncate(0)
		}
		unix.Flock(int(f.Fd()), unix.LOCK_UN)
		return f.Close()
	}, nil
}
