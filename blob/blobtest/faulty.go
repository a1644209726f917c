package blobtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/human2/hds/blob"
)

// Op names a Storage method for fault injection.
type Op string

// The operations Faulty sees.
const (
	OpPut     Op = "put"
	OpPutFile Op = "putfile"
	OpGet     Op = "get"
	OpStat    Op = "stat"
	OpList    Op = "list"
	OpDelete  Op = "delete"
)

// Mutating reports whether op changes the storage.
func (op Op) Mutating() bool {
	return op == OpPut || op == OpPutFile || op == OpDelete
}

// Call describes one call reaching a Faulty storage.
type Call struct {
	Op     Op
	Name   string // the blob, or the prefix for OpList
	Offset int64  // OpGet only
	Length int64  // OpGet only
	Seq    int    // 1 for the first call through this Faulty, and so on
}

// Fault is what happens to a call. The zero Fault lets it through.
type Fault struct {
	// Err fails the call with this error (wrapped, naming op and blob)
	// without doing it, or, with After, after doing it.
	Err error
	// After makes a failing Put, PutFile or Delete take effect anyway,
	// as when the reply of a remote store is lost.
	After bool
	// Short drops this many bytes from the end of what Get returns,
	// without an error: a storage breaking its contract.
	Short int
	// Flip inverts the bits of the middle byte of what Get returns.
	Flip bool
}

// ErrInjected is the error CrashAfter injects.
var ErrInjected = errors.New("blobtest: injected fault")

// Faulty wraps a blob.Storage and applies the Fault its inject function
// picks for each call. inject is called with Faulty's lock held, one call
// at a time, so it may keep state (counters) without locking.
type Faulty struct {
	blob.Storage
	mu     sync.Mutex
	inject func(Call) Fault
	seq    int
	counts map[Op]int
}

var (
	_ blob.Storage    = (*Faulty)(nil)
	_ blob.FilePutter = (*Faulty)(nil)
)

// NewFaulty returns st wrapped; a nil inject lets every call through.
func NewFaulty(st blob.Storage, inject func(Call) Fault) *Faulty {
	return &Faulty{Storage: st, inject: inject, counts: make(map[Op]int)}
}

// SetInject replaces the inject function; nil lets every call through.
func (f *Faulty) SetInject(inject func(Call) Fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.inject = inject
}

// Count returns how many calls of op reached f.
func (f *Faulty) Count(op Op) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.counts[op]
}

func (f *Faulty) fault(c Call) Fault {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seq++
	c.Seq = f.seq
	f.counts[c.Op]++
	if f.inject == nil {
		return Fault{}
	}
	return f.inject(c)
}

func wrap(fl Fault, op Op, name string) error {
	return fmt.Errorf("blobtest: %s %s: %w", op, name, fl.Err)
}

// Put implements blob.Storage.
func (f *Faulty) Put(ctx context.Context, name string, r io.Reader) error {
	return f.mutate(OpPut, name, func() error { return f.Storage.Put(ctx, name, r) })
}

// PutFile implements blob.FilePutter, with the wrapped storage's ability
// or with Put.
func (f *Faulty) PutFile(ctx context.Context, name, path string) error {
	return f.mutate(OpPutFile, name, func() error { return blob.PutFile(ctx, f.Storage, name, path) })
}

// Delete implements blob.Storage.
func (f *Faulty) Delete(ctx context.Context, name string) error {
	return f.mutate(OpDelete, name, func() error { return f.Storage.Delete(ctx, name) })
}

func (f *Faulty) mutate(op Op, name string, do func() error) error {
	fl := f.fault(Call{Op: op, Name: name})
	if fl.Err != nil && !fl.After {
		return wrap(fl, op, name)
	}
	if err := do(); err != nil {
		return err
	}
	if fl.Err != nil {
		return wrap(fl, op, name)
	}
	return nil
}

// Get implements blob.Storage.
func (f *Faulty) Get(ctx context.Context, name string, offset, length int64) ([]byte, error) {
	fl := f.fault(Call{Op: OpGet, Name: name, Offset: offset, Length: length})
	if fl.Err != nil {
		return nil, wrap(fl, OpGet, name)
	}
	b, err := f.Storage.Get(ctx, name, offset, length)
	if err != nil {
		return b, err
	}
	if fl.Short > 0 {
		b = b[:max(len(b)-fl.Short, 0)]
	}
	if fl.Flip && len(b) > 0 {
		b[len(b)/2] ^= 0xff
	}
	return b, nil
}

// Stat implements blob.Storage.
func (f *Faulty) Stat(ctx context.Context, name string) (int64, error) {
	if fl := f.fault(Call{Op: OpStat, Name: name}); fl.Err != nil {
		return 0, wrap(fl, OpStat, name)
	}
	return f.Storage.Stat(ctx, name)
}

// List implements blob.Storage.
func (f *Faulty) List(ctx context.Context, prefix string, fn func(string, int64) error) error {
	if fl := f.fault(Call{Op: OpList, Name: prefix}); fl.Err != nil {
		return wrap(fl, OpList, prefix)
	}
	return f.Storage.List(ctx, prefix, fn)
}

// CrashAfter returns an inject function that lets the first n mutating
// calls through and fails every later call of any kind with ErrInjected,
// as if the process had been killed after its n-th write.
func CrashAfter(n int) func(Call) Fault {
	writes := 0
	return func(c Call) Fault {
		if writes >= n {
			return Fault{Err: ErrInjected}
		}
		if c.Op.Mutating() {
			writes++
		}
		return Fault{}
	}
}
