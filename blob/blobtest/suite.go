package blobtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/human2/hds/blob"
)

// TestStorage checks that the storages newStorage returns keep the
// blob.Storage contract. newStorage is called once per subtest and must
// return an empty storage; TestStorage closes it.
func TestStorage(t *testing.T, newStorage func(t *testing.T) blob.Storage) {
	tests := []struct {
		name string
		fn   func(t *testing.T, st blob.Storage)
	}{
		{"PutGetStat", testPutGetStat},
		{"Ranges", testRanges},
		{"NotFound", testNotFound},
		{"InvalidNames", testInvalidNames},
		{"Overwrite", testOverwrite},
		{"List", testList},
		{"ListCallback", testListCallback},
		{"FailedPut", testFailedPut},
		{"Cancelled", testCancelled},
		{"PutFile", testPutFile},
		{"Concurrent", testConcurrent},
		{"Close", testClose},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := newStorage(t)
			defer st.Close()
			tt.fn(t, st)
		})
	}
}

// Put stores data as name in st or fails the test.
func Put(tb testing.TB, st blob.Storage, name string, data []byte) {
	tb.Helper()
	if err := st.Put(context.Background(), name, bytes.NewReader(data)); err != nil {
		tb.Fatalf("Put(%s): %v", name, err)
	}
}

// Get returns the whole blob name from st or fails the test.
func Get(tb testing.TB, st blob.Storage, name string) []byte {
	tb.Helper()
	b, err := st.Get(context.Background(), name, 0, -1)
	if err != nil {
		tb.Fatalf("Get(%s): %v", name, err)
	}
	return b
}

// ListAll returns the sorted names under prefix with their sizes.
func ListAll(tb testing.TB, st blob.Storage, prefix string) map[string]int64 {
	tb.Helper()
	m := make(map[string]int64)
	err := st.List(context.Background(), prefix, func(name string, size int64) error {
		if _, dup := m[name]; dup {
			return fmt.Errorf("List returned %s twice", name)
		}
		m[name] = size
		return nil
	})
	if err != nil {
		tb.Fatalf("List(%q): %v", prefix, err)
	}
	return m
}

func randomData(n int, seed uint64) []byte {
	b := make([]byte, n)
	rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8), 1}).Read(b)
	return b
}

func testPutGetStat(t *testing.T, st blob.Storage) {
	ctx := context.Background()
	for i, size := range []int{0, 1, 1000, 3 << 20} {
		name := fmt.Sprintf("dir/sub/blob-%d", i)
		data := randomData(size, uint64(i))
		Put(t, st, name, data)
		if got := Get(t, st, name); !bytes.Equal(got, data) {
			t.Fatalf("Get(%s) returned %d bytes that differ from the %d put", name, len(got), len(data))
		}
		if n, err := st.Stat(ctx, name); err != nil || n != int64(size) {
			t.Fatalf("Stat(%s) = %d, %v; want %d", name, n, err, size)
		}
	}
}

func testRanges(t *testing.T, st blob.Storage) {
	ctx := context.Background()
	data := randomData(10000, 1)
	Put(t, st, "r", data)
	ok := []struct{ off, n int64 }{{0, 0}, {0, 10}, {9990, 10}, {9990, -1}, {10000, -1}, {10000, 0}, {5000, 1}, {0, 10000}}
	for _, r := range ok {
		got, err := st.Get(ctx, "r", r.off, r.n)
		end := r.off + r.n
		if r.n < 0 {
			end = int64(len(data))
		}
		if err != nil || !bytes.Equal(got, data[r.off:end]) {
			t.Errorf("Get(r, %d, %d) = %d bytes, %v; want %d bytes", r.off, r.n, len(got), err, end-r.off)
		}
	}
	bad := []struct{ off, n int64 }{{-1, 1}, {10001, -1}, {10001, 0}, {9999, 2}, {0, 10001}}
	for _, r := range bad {
		if got, err := st.Get(ctx, "r", r.off, r.n); !errors.Is(err, blob.ErrOutOfRange) {
			t.Errorf("Get(r, %d, %d) = %d bytes, %v; want ErrOutOfRange", r.off, r.n, len(got), err)
		}
	}
}

func testNotFound(t *testing.T, st blob.Storage) {
	ctx := context.Background()
	Put(t, st, "a/present", []byte("x"))
	for _, name := range []string{"missing", "a/missing", "b/c/d", "a"} {
		if _, err := st.Get(ctx, name, 0, -1); !errors.Is(err, blob.ErrNotFound) {
			t.Errorf("Get(%s): %v, want ErrNotFound", name, err)
		} else if !strings.Contains(err.Error(), name) {
			t.Errorf("Get(%s) error %q does not name the blob", name, err)
		}
		if _, err := st.Stat(ctx, name); !errors.Is(err, blob.ErrNotFound) {
			t.Errorf("Stat(%s): %v, want ErrNotFound", name, err)
		}
		if err := st.Delete(ctx, name); err != nil {
			t.Errorf("Delete(%s) of a missing blob: %v, want nil", name, err)
		}
	}
}

func testInvalidNames(t *testing.T, st blob.Storage) {
	ctx := context.Background()
	for _, name := range []string{"", "/abs", "a/../b", "..", ".", "a//b", "a/", "./a", ".hidden", "a/.tmp-x", `a\b`, "a\x00b"} {
		if err := st.Put(ctx, name, strings.NewReader("x")); !errors.Is(err, blob.ErrInvalidName) {
			t.Errorf("Put(%q): %v, want ErrInvalidName", name, err)
		}
		if _, err := st.Get(ctx, name, 0, -1); !errors.Is(err, blob.ErrInvalidName) {
			t.Errorf("Get(%q): %v, want ErrInvalidName", name, err)
		}
		if _, err := st.Stat(ctx, name); !errors.Is(err, blob.ErrInvalidName) {
			t.Errorf("Stat(%q): %v, want ErrInvalidName", name, err)
		}
		if err := st.Delete(ctx, name); !errors.Is(err, blob.ErrInvalidName) {
			t.Errorf("Delete(%q): %v, want ErrInvalidName", name, err)
		}
	}
	if got := ListAll(t, st, ""); len(got) != 0 {
		t.Errorf("invalid names stored blobs: %v", got)
	}
}

func testOverwrite(t *testing.T, st blob.Storage) {
	Put(t, st, "o/x", []byte("first version"))
	Get(t, st, "o/x") // let a cache hold the old file
	Put(t, st, "o/x", []byte("second"))
	if got := Get(t, st, "o/x"); string(got) != "second" {
		t.Fatalf("after overwrite Get = %q", got)
	}
	if err := st.Delete(context.Background(), "o/x"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Get(context.Background(), "o/x", 0, -1); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("Get after Delete: %v, want ErrNotFound", err)
	}
}

func testList(t *testing.T, st blob.Storage) {
	names := []string{"packs/ab/ab01", "packs/ab/ab02", "packs/cd/cd01", "packsx", "index/i1", "index/i2", "top"}
	for i, n := range names {
		Put(t, st, n, make([]byte, i))
	}
	tests := []struct {
		prefix string
		want   []string
	}{
		{"", names},
		{"packs/", names[:3]},
		{"packs", names[:4]},
		{"packs/a", names[:2]},
		{"packs/ab/ab02", names[1:2]},
		{"index/", names[4:6]},
		{"nothing/", nil},
		{"zz", nil},
		{"../", nil},
	}
	for _, tt := range tests {
		got := ListAll(t, st, tt.prefix)
		var gotNames []string
		for n, size := range got {
			gotNames = append(gotNames, n)
			if want := int64(slices.Index(names, n)); size != want {
				t.Errorf("List(%q): %s has size %d, want %d", tt.prefix, n, size, want)
			}
		}
		slices.Sort(gotNames)
		want := slices.Clone(tt.want)
		slices.Sort(want)
		if !slices.Equal(gotNames, want) {
			t.Errorf("List(%q) = %v, want %v", tt.prefix, gotNames, want)
		}
	}
}

func testListCallback(t *testing.T, st blob.Storage) {
	ctx := context.Background()
	for i := 0; i < 10; i++ {
		Put(t, st, fmt.Sprintf("l/%02d", i), []byte{byte(i)})
	}
	stop := errors.New("stop here")
	calls := 0
	err := st.List(ctx, "l/", func(string, int64) error { calls++; return stop })
	if err != stop || calls != 1 {
		t.Fatalf("List with a failing callback: %v after %d calls, want the callback's error after 1", err, calls)
	}
	// The callback may delete what it is given.
	err = st.List(ctx, "l/", func(name string, _ int64) error { return st.Delete(ctx, name) })
	if err != nil {
		t.Fatalf("List deleting each blob: %v", err)
	}
	if left := ListAll(t, st, "l/"); len(left) != 0 {
		t.Fatalf("blobs left after deleting in List: %v", left)
	}
}

type failingReader struct {
	data []byte
	err  error
}

func (f *failingReader) Read(p []byte) (int, error) {
	if len(f.data) == 0 {
		return 0, f.err
	}
	n := copy(p, f.data)
	f.data = f.data[n:]
	return n, nil
}

func testFailedPut(t *testing.T, st blob.Storage) {
	ctx := context.Background()
	broken := errors.New("reader broke")
	if err := st.Put(ctx, "f/new", &failingReader{randomData(100000, 2), broken}); !errors.Is(err, broken) {
		t.Fatalf("Put from a failing reader: %v, want the reader's error", err)
	}
	if _, err := st.Stat(ctx, "f/new"); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("a failed Put left a blob: Stat = %v", err)
	}
	Put(t, st, "f/old", []byte("intact"))
	if err := st.Put(ctx, "f/old", &failingReader{[]byte("partial"), broken}); err == nil {
		t.Fatal("Put from a failing reader succeeded")
	}
	if got := Get(t, st, "f/old"); string(got) != "intact" {
		t.Fatalf("a failed overwrite changed the blob to %q", got)
	}
	if got := ListAll(t, st, ""); len(got) != 1 {
		t.Fatalf("List after failed Puts = %v, want only f/old", got)
	}
}

func testCancelled(t *testing.T, st blob.Storage) {
	Put(t, st, "c/x", []byte("x"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := st.Put(ctx, "c/y", strings.NewReader("y")); !errors.Is(err, context.Canceled) {
		t.Errorf("Put with a cancelled context: %v", err)
	}
	if _, err := st.Get(ctx, "c/x", 0, -1); !errors.Is(err, context.Canceled) {
		t.Errorf("Get with a cancelled context: %v", err)
	}
	if err := st.List(ctx, "", func(string, int64) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("List with a cancelled context: %v", err)
	}
	if _, err := st.Stat(context.Background(), "c/y"); !errors.Is(err, blob.ErrNotFound) {
		t.Errorf("a cancelled Put stored a blob: %v", err)
	}
}

func testPutFile(t *testing.T, st blob.Storage) {
	path := filepath.Join(t.TempDir(), "finished")
	data := randomData(200000, 3)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := blob.PutFile(context.Background(), st, "pf/blob", path); err != nil {
		t.Fatalf("PutFile: %v", err)
	}
	if got := Get(t, st, "pf/blob"); !bytes.Equal(got, data) {
		t.Fatal("PutFile stored different bytes")
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("PutFile left the source file: %v", err)
	}
}

func testConcurrent(t *testing.T, st blob.Storage) {
	ctx := context.Background()
	shared := randomData(50000, 4)
	Put(t, st, "shared", shared)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				if err := concurrentStep(ctx, st, g, i, shared); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func concurrentStep(ctx context.Context, st blob.Storage, g, i int, shared []byte) error {
	name := fmt.Sprintf("g%d/%d", g, i%3)
	data := randomData(1000+i, uint64(g*100+i))
	if err := st.Put(ctx, name, bytes.NewReader(data)); err != nil {
		return err
	}
	if got, err := st.Get(ctx, name, 0, -1); err != nil || !bytes.Equal(got, data) {
		return fmt.Errorf("read-after-write of %s: %d bytes, %v", name, len(got), err)
	}
	if got, err := st.Get(ctx, "shared", int64(i), 100); err != nil || !bytes.Equal(got, shared[i:i+100]) {
		return fmt.Errorf("concurrent Get of shared: %v", err)
	}
	// Everyone rewrites the same blob with the same bytes, as a
	// content-addressed store does.
	if err := st.Put(ctx, "same", bytes.NewReader(shared)); err != nil {
		return err
	}
	if err := st.List(ctx, fmt.Sprintf("g%d/", g), func(string, int64) error { return nil }); err != nil {
		return err
	}
	if i%5 == 4 {
		return st.Delete(ctx, name)
	}
	return nil
}

func testClose(t *testing.T, st blob.Storage) {
	ctx := context.Background()
	Put(t, st, "x", []byte("x"))
	Get(t, st, "x")
	if err := st.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := st.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := st.Get(ctx, "x", 0, -1); !errors.Is(err, blob.ErrClosed) {
		t.Errorf("Get after Close: %v, want ErrClosed", err)
	}
	if err := st.Put(ctx, "y", strings.NewReader("y")); !errors.Is(err, blob.ErrClosed) {
		t.Errorf("Put after Close: %v, want ErrClosed", err)
	}
	if err := st.List(ctx, "", func(string, int64) error { return nil }); !errors.Is(err, blob.ErrClosed) {
		t.Errorf("List after Close: %v, want ErrClosed", err)
	}
}

var _ io.Reader = (*failingReader)(nil)
