package pack

import (
	"context"
	"testing"

	"github.com/human2/hds/blob"
	"github.com/human2/hds/blob/mem"
)

// TestStore opens a Store for tests of other packages: on st, or on a new
// in-memory storage if st is nil, with 1 MiB packs assembled in a test
// directory. It is closed when the test ends.
func TestStore(tb testing.TB, st blob.Storage) *Store {
	tb.Helper()
	if st == nil {
		st = mem.New()
	}
	s, err := Open(context.Background(), st, Options{PackSize: 1 << 20, TempDir: tb.TempDir()})
	if err != nil {
		tb.Fatalf("pack.TestStore: %v", err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}
