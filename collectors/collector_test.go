package collectors

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/human2/hds/record"
)

// fakeSource emits items[cursor:] one by one, saving the cursor after each,
// and fails or cancels after stopAfter items when set.
type fakeSource struct {
	items     []string
	stopAfter int
	cancel    context.CancelFunc
	fail      error
}

func (f *fakeSource) Name() string    { return "fake" }
func (f *fakeSource) Version() string { return "1" }

func (f *fakeSource) Collect(ctx context.Context, env *Env) error {
	var cur int
	if _, err := env.State("cursor", &cur); err != nil {
		return err
	}
	for i := cur; i < len(f.items) && !env.Full(); i++ {
		if f.stopAfter > 0 && i-cur == f.stopAfter {
			if f.cancel != nil {
				f.cancel()
				return ctx.Err()
			}
			return f.fail
		}
		id, text, _ := strings.Cut(f.items[i], "=")
		if err := env.Emit(ShardOf(id, 3), &record.Raw{ID: id, Kind: record.KindDoc, Text: text}); err != nil {
			return err
		}
		if err := env.SetState("cursor", i+1); err != nil {
			return err
		}
	}
	return nil
}

func testRoot(t testing.TB) string {
	t.Helper()
	root := t.TempDir()
	if err := os.Mkdir(filepath.Join(root, ".hds"), 0o755); err != nil {
		t.Fatal(err)
	}
	return root
}

// readShards returns the contents of every file under data/raw/fake.
func readShards(t testing.TB, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	dir := filepath.Join(root, "data", "raw", "fake")
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = string(b)
	}
	return out
}

func items(n int, prefix string) []string {
	var s []string
	for i := range n {
		s = append(s, fmt.Sprintf("id%03d=%s %d", i, prefix, i))
	}
	return s
}

func clock(t time.Time) func() time.Time { return func() time.Time { return t } }

func TestRunStoresSortedShardsAndCursor(t *testing.T) {
	root := testRoot(t)
	src := &fakeSource{items: items(20, "v1")}
	sum, err := Run(context.Background(), src, Options{Root: root, Now: clock(time.Unix(1e9, 0))})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Emitted != 20 || sum.Added != 20 {
		t.Fatalf("summary %+v, want 20 emitted and added", sum)
	}
	files := readShards(t, root)
	if !strings.Contains(files[StateFile], `"cursor": 20`) {
		t.Fatalf("state = %q", files[StateFile])
	}
	total := 0
	for name, body := range files {
		if name == StateFile {
			continue
		}
		var last string
		for i, line := range strings.Split(strings.TrimSuffix(body, "\n"), "\n") {
			id, err := lineID([]byte(line))
			if err != nil || id <= last {
				t.Fatalf("%s:%d: id %q after %q (err %v)", name, i+1, id, last, err)
			}
			last = id
			total++
			if !strings.Contains(line, `"collector":"fake"`) || !strings.Contains(line, `"fetched_at":"2001-09-09T01:46:40Z"`) {
				t.Fatalf("%s:%d lacks provenance: %s", name, i+1, line)
			}
		}
	}
	if total != 20 {
		t.Fatalf("%d records stored, want 20", total)
	}
	if ents, _ := os.ReadDir(filepath.Join(root, ".hds")); len(ents) != 0 {
		t.Fatalf("staging left behind in .hds: %v", ents)
	}
}

func TestRecollectUnchangedKeepsBytes(t *testing.T) {
	root := testRoot(t)
	src := &fakeSource{items: items(10, "v1")}
	if _, err := Run(context.Background(), src, Options{Root: root, Now: clock(time.Unix(1e9, 0))}); err != nil {
		t.Fatal(err)
	}
	before := readShards(t, root)
	// A full re-collect later (cursor reset) fetches the same data at a new time.
	os.Remove(filepath.Join(root, "data", "raw", "fake", StateFile))
	sum, err := Run(context.Background(), src, Options{Root: root, Now: clock(time.Unix(2e9, 0))})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Unchanged != 10 || sum.Added != 0 || sum.Updated != 0 || len(sum.Shards) != 0 {
		t.Fatalf("summary %+v, want 10 unchanged and no shard written", sum)
	}
	after := readShards(t, root)
	for name, body := range before {
		if after[name] != body {
			t.Errorf("%s changed on re-collect of unchanged data", name)
		}
	}
}

func TestRecollectChangedReplacesAndAdds(t *testing.T) {
	root := testRoot(t)
	if _, err := Run(context.Background(), &fakeSource{items: items(5, "v1")}, Options{Root: root}); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(root, "data", "raw", "fake", StateFile))
	src := &fakeSource{items: append(items(3, "v1"), "id003=edited", "id004=v1 4", "id005=new")}
	sum, err := Run(context.Background(), src, Options{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Added != 1 || sum.Updated != 1 || sum.Unchanged != 4 {
		t.Fatalf("summary %+v, want 1 added, 1 updated, 4 unchanged", sum)
	}
	all := strings.Join(mapValues(readShards(t, root)), "")
	if !strings.Contains(all, `"text":"edited"`) || strings.Contains(all, `"text":"v1 3"`) || !strings.Contains(all, `"id":"id005"`) {
		t.Fatalf("merged shards wrong:\n%s", all)
	}
}

func mapValues(m map[string]string) []string {
	var s []string
	for _, v := range m {
		s = append(s, v)
	}
	return s
}

func TestInterruptedRunKeepsRecordsAndResumes(t *testing.T) {
	for _, mode := range []string{"cancel", "fail"} {
		t.Run(mode, func(t *testing.T) {
			root := testRoot(t)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			src := &fakeSource{items: items(10, "v1"), stopAfter: 4}
			if mode == "cancel" {
				src.cancel = cancel
			} else {
				src.fail = errors.New("upstream broke")
			}
			sum, err := Run(ctx, src, Options{Root: root})
			if err == nil {
				t.Fatal("interrupted run returned no error")
			}
			if sum.Added != 4 {
				t.Fatalf("kept %d records, want the 4 complete ones", sum.Added)
			}
			if mode == "cancel" && !sum.Interrupted {
				t.Error("summary does not say interrupted")
			}
			// Resume: only the remaining six are fetched.
			src.stopAfter = 0
			sum, err = Run(context.Background(), src, Options{Root: root})
			if err != nil {
				t.Fatal(err)
			}
			if sum.Emitted != 6 || sum.Added != 6 {
				t.Fatalf("resume %+v, want 6 emitted and added", sum)
			}
		})
	}
}

func TestMaxStopsEarly(t *testing.T) {
	root := testRoot(t)
	sum, err := Run(context.Background(), &fakeSource{items: items(10, "v1")}, Options{Root: root, Max: 3})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Emitted != 3 {
		t.Fatalf("emitted %d with --max 3", sum.Emitted)
	}
}

func TestUnsortedShardIsRefusedNotOverwritten(t *testing.T) {
	root := testRoot(t)
	dir := filepath.Join(root, "data", "raw", "fake")
	os.MkdirAll(dir, 0o755)
	src := &fakeSource{items: []string{"a=1"}}
	shard := filepath.Join(dir, ShardOf("a", 3)+".jsonl")
	bad := `{"id":"z","source":"fake","text":"z","provenance":{"fetched_at":"0001-01-01T00:00:00Z","collector":"","collector_version":""}}` + "\n" +
		`{"id":"b","source":"fake","text":"b","provenance":{"fetched_at":"0001-01-01T00:00:00Z","collector":"","collector_version":""}}` + "\n"
	os.WriteFile(shard, []byte(bad), 0o644)
	_, err := Run(context.Background(), src, Options{Root: root})
	if err == nil || !strings.Contains(err.Error(), shard+":2: records are not sorted") {
		t.Fatalf("err = %v, want file:line of the unsorted record", err)
	}
	if b, _ := os.ReadFile(shard); string(b) != bad {
		t.Fatal("shard file was changed")
	}
	if _, err := os.Stat(filepath.Join(dir, StateFile)); err == nil {
		t.Fatal("cursor saved although the records were not stored")
	}
}

func TestEmitRejectsBadInput(t *testing.T) {
	root := testRoot(t)
	env, err := newEnv(&fakeSource{}, Options{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	defer env.w.discard()
	for _, tc := range []struct {
		shard string
		rec   record.Raw
	}{
		{"../x", record.Raw{ID: "a", Text: "t"}},
		{"state", record.Raw{ID: "a", Text: "t"}},
		{"ok", record.Raw{ID: "", Text: "t"}},
		{"ok", record.Raw{ID: "a"}},
	} {
		if err := env.Emit(tc.shard, &tc.rec); err == nil {
			t.Errorf("Emit(%q, %+v) accepted", tc.shard, tc.rec)
		}
	}
}

func TestShardName(t *testing.T) {
	for in, want := range map[string]string{
		"psf/requests":      "psf__requests",
		"stackoverflow.com": "stackoverflow.com",
		"../../etc":         "__..__etc",
		"a b\u00e9":         "a_b_",
		"":                  "_",
	} {
		if got := ShardName(in); got != want {
			t.Errorf("ShardName(%q) = %q, want %q", in, got, want)
		}
	}
	if a, b := ShardOf("x", 16), ShardOf("x", 16); a != b {
		t.Fatal("ShardOf not stable")
	}
}
