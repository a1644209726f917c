package local

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/human2/hds/blob"
	"github.com/human2/hds/blob/blobtest"
)

func newTestStorage(t *testing.T) blob.Storage {
	st, err := Open(filepath.Join(t.TempDir(), "store"))
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestConformance(t *testing.T) {
	blobtest.TestStorage(t, newTestStorage)
}

func TestLayoutOnDisk(t *testing.T) {
	st := newTestStorage(t).(*Storage)
	blobtest.Put(t, st, "packs/ab/ab01.pack", []byte("pack"))
	b, err := os.ReadFile(filepath.Join(st.Dir(), "packs", "ab", "ab01.pack"))
	if err != nil || string(b) != "pack" {
		t.Fatalf("blob not at its path: %q, %v", b, err)
	}
}

func TestTempFilesInvisibleAndCleaned(t *testing.T) {
	st := newTestStorage(t).(*Storage)
	ctx := context.Background()
	blobtest.Put(t, st, "packs/ab/x", []byte("x"))
	// What a Put killed before its rename leaves behind.
	for _, p := range []string{"packs/ab/.tmp-123", ".tmp-9"} {
		if err := os.WriteFile(filepath.Join(st.Dir(), p), []byte("partial"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if got := blobtest.ListAll(t, st, ""); len(got) != 1 {
		t.Fatalf("List shows temporary files: %v", got)
	}
	n, err := st.CleanTemp(ctx)
	if err != nil || n != 2 {
		t.Fatalf("CleanTemp = %d, %v; want 2 removed", n, err)
	}
	if got := blobtest.ListAll(t, st, ""); len(got) != 1 {
		t.Fatalf("CleanTemp removed a blob: %v", got)
	}
}

func TestCacheBounded(t *testing.T) {
	st := newTestStorage(t).(*Storage)
	for i := 0; i < 3*MaxOpenFiles; i++ {
		name := fmt.Sprintf("f/%d", i)
		blobtest.Put(t, st, name, []byte(name))
		if got := blobtest.Get(t, st, name); string(got) != name {
			t.Fatalf("Get(%s) = %q", name, got)
		}
	}
	st.cache.mu.Lock()
	n := len(st.cache.files)
	st.cache.mu.Unlock()
	if n > MaxOpenFiles {
		t.Fatalf("%d files open, want at most %d", n, MaxOpenFiles)
	}
}

// TestConcurrentGetEvictDelete races readers against eviction, deletion
// and replacement; run with -race.
func TestConcurrentGetEvictDelete(t *testing.T) {
	st := newTestStorage(t).(*Storage)
	ctx := context.Background()
	const files = MaxOpenFiles + 16
	for i := 0; i < files; i++ {
		blobtest.Put(t, st, fmt.Sprintf("c/%d", i), bytes.Repeat([]byte{byte(i)}, 4096))
	}
	var wg sync.WaitGroup
	for g := 0; g < 6; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 400; i++ {
				k := (i*7 + g*13) % files
				name := fmt.Sprintf("c/%d", k)
				if g == 0 && i%10 == 0 {
					st.Delete(ctx, name)
					st.Put(ctx, name, bytes.NewReader(bytes.Repeat([]byte{byte(k)}, 4096)))
					continue
				}
				b, err := st.Get(ctx, name, 100, 50)
				if errors.Is(err, blob.ErrNotFound) {
					continue // deleted for a moment by goroutine 0
				}
				if err != nil || !bytes.Equal(b, bytes.Repeat([]byte{byte(k)}, 50)) {
					t.Errorf("Get(%s) = %v, %v", name, b, err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestPutFileAcrossDirectories(t *testing.T) {
	st := newTestStorage(t).(*Storage)
	src := filepath.Join(t.TempDir(), "pack.tmp")
	if err := os.WriteFile(src, []byte("finished pack"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := st.PutFile(context.Background(), "packs/00/p", src); err != nil {
		t.Fatal(err)
	}
	if got := blobtest.Get(t, st, "packs/00/p"); string(got) != "finished pack" {
		t.Fatalf("got %q", got)
	}
	if err := st.PutFile(context.Background(), "packs/00/q", src); err == nil || !strings.Contains(err.Error(), "pack.tmp") {
		t.Fatalf("PutFile of a missing file: %v, want an error naming it", err)
	}
}
