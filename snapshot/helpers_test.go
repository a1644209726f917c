package snapshot

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/human2/hds/repo"
)

var ctx = context.Background()

// write creates files under root: path -> content ("->target" makes a symlink).
func write(tb testing.TB, root string, files map[string]string) {
	tb.Helper()
	for p, content := range files {
		abs := filepath.Join(root, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
			tb.Fatal(err)
		}
		os.Remove(abs)
		if len(content) > 2 && content[:2] == "->" {
			if err := os.Symlink(content[2:], abs); err != nil {
				tb.Fatal(err)
			}
			continue
		}
		if err := os.WriteFile(abs, []byte(content), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
}

// tree reads every file and symlink under root (skipping .hds) into a map
// in the format write takes.
func tree(tb testing.TB, root string) map[string]string {
	tb.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == repo.DirName {
			return filepath.SkipDir
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			t, _ := os.Readlink(p)
			out[rel] = "->" + t
		case d.Type().IsRegular():
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			out[rel] = string(b)
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

func sameTree(tb testing.TB, got, want map[string]string) {
	tb.Helper()
	var keys []string
	for k := range want {
		keys = append(keys, k)
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		g, gok := got[k]
		w, wok := want[k]
		switch {
		case !gok:
			tb.Errorf("missing %s", k)
		case !wok:
			tb.Errorf("unexpected %s", k)
		case !bytes.Equal([]byte(g), []byte(w)):
			tb.Errorf("%s differs: got %d bytes %.40q, want %d bytes %.40q", k, len(g), g, len(w), w)
		}
	}
}

func commit(tb testing.TB, r *repo.Repo, msg string) *CommitResult {
	tb.Helper()
	res, err := Commit(ctx, r, CommitOptions{Message: msg})
	if err != nil {
		tb.Fatalf("commit %q: %v", msg, err)
	}
	return res
}

func status(tb testing.TB, r *repo.Repo) []FileChange {
	tb.Helper()
	res, err := Status(ctx, r, StatusOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	return res.Changes
}

func copyMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
