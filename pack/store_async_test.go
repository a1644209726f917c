package pack

import (
	"context"
	"io"
	"math/rand"
	"strings"
	"testing"

	"github.com/human2/hds/blob"
	"github.com/human2/hds/blob/mem"
	"github.com/human2/hds/chunk"
)

// gatedStorage holds every Put of a pack until gate is closed.
type gatedStorage struct {
	blob.Storage
	gate chan struct{}
}

func (g *gatedStorage) Put(ctx context.Context, name string, r io.Reader) error {
	if strings.HasSuffix(name, ".pack") {
		<-g.gate
	}
	return g.Storage.Put(ctx, name, r)
}

// TestBackgroundFinishOutlivesPutContext: a pack filled by a Put whose
// context is cancelled right after (as an errgroup does when its work is
// done) is still stored, and Flush succeeds.
func TestBackgroundFinishOutlivesPutContext(t *testing.T) {
	st := &gatedStorage{Storage: mem.New(), gate: make(chan struct{})}
	s, err := Open(context.Background(), st, Options{PackSize: 1 << 20, TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithCancel(context.Background())
	var ids []chunk.ID
	for i := 0; i < 20; i++ { // 1.25 MiB: fills the first pack
		data := make([]byte, 64<<10)
		rand.New(rand.NewSource(int64(i))).Read(data) // incompressible: fills the pack
		id := chunk.BLAKE3.Sum(data)
		if _, err := s.Put(ctx, id, data); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	cancel()       // the caller is done...
	close(st.gate) // ...before the background store of the full pack runs
	if err := s.Flush(context.Background()); err != nil {
		t.Fatalf("flush after the Put context ended: %v", err)
	}
	s2, err := Open(context.Background(), st, Options{TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	for _, id := range ids {
		if _, err := s2.Get(context.Background(), id, nil); err != nil {
			t.Fatal(err)
		}
	}
}
