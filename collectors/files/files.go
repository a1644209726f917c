// Package files uploads local files into the dataset — the "drag and
// drop" of curated examples and documentation: they are copied under
// data/examples/uploaded/ or data/documentation/uploaded/, where
// processing never removes them.
//
// Uploads are all-or-nothing per conflict check: when any destination
// exists with different content and Force is off, nothing is written and
// the error lists the files. Binary and oversized files are skipped with a
// reason. Each copy is atomic (temp file, fsync, rename).
package files

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/go-enry/go-enry/v2"

	"github.com/human2/hds/internal/atomicfile"
)

// Targets are the directories files can go to.
var Targets = map[string]string{"examples": "data/examples/uploaded", "documentation": "data/documentation/uploaded"}

// MaxSize is the largest file uploaded.
const MaxSize = 64 << 20

// Result says what Upload did.
type Result struct {
	Copied    []string       `json:"copied"`    // dataset paths written
	Unchanged []string       `json:"unchanged"` // already there with the same content
	Skipped   map[string]int `json:"skipped"`   // by reason
}

// ErrConflict marks destinations that exist with other content.
var ErrConflict = errors.New("files: destination exists with different content")

type upload struct {
	src, dst string // dst relative to root, slash-separated
}

// Upload copies paths (files, or directories walked) under the target
// directory of root. A directory's files keep their path below the
// directory's own name.
func Upload(root string, paths []string, target string, force bool) (*Result, error) {
	dir, ok := Targets[target]
	if !ok {
		return nil, fmt.Errorf("files: --to must be examples or documentation, not %q", target)
	}
	res := &Result{Skipped: map[string]int{}}
	plan, err := planUploads(paths, dir, res)
	if err != nil {
		return nil, err
	}
	var conflicts []string
	for _, u := range plan {
		same, exists, err := compare(u.src, filepath.Join(root, u.dst))
		if err != nil {
			return nil, err
		}
		if exists && !same && !force {
			conflicts = append(conflicts, u.dst)
		}
	}
	if len(conflicts) > 0 {
		return nil, fmt.Errorf("%w: %s (use --force to overwrite)", ErrConflict, strings.Join(conflicts, ", "))
	}
	// Temporary files go under .hds, as the collectors' staging does: one
	// a kill left in data/ would be committed with the dataset.
	tmp, err := os.MkdirTemp(filepath.Join(root, ".hds"), "upload-")
	if err != nil {
		return nil, fmt.Errorf("files: %w", err)
	}
	defer os.RemoveAll(tmp)
	for _, u := range plan {
		if err := copyOne(root, tmp, u, res); err != nil {
			return res, err
		}
	}
	return res, nil
}

func planUploads(paths []string, dir string, res *Result) ([]upload, error) {
	var plan []upload
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("files: %w", err)
		}
		if !st.IsDir() {
			plan = append(plan, upload{p, dir + "/" + filepath.Base(p)})
			continue
		}
		base := filepath.Base(filepath.Clean(p))
		err = filepath.WalkDir(p, func(f string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if f != p && strings.HasPrefix(d.Name(), ".") {
					return filepath.SkipDir
				}
				return nil
			}
			if !d.Type().IsRegular() {
				res.Skipped["not a regular file"]++
				return nil
			}
			rel, _ := filepath.Rel(p, f)
			plan = append(plan, upload{f, dir + "/" + base + "/" + filepath.ToSlash(rel)})
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("files: %w", err)
		}
	}
	sort.Slice(plan, func(i, j int) bool { return plan[i].dst < plan[j].dst })
	return plan, nil
}

func compare(src, dst string) (same, exists bool, err error) {
	d, err := os.ReadFile(dst)
	if errors.Is(err, fs.ErrNotExist) {
		return false, false, nil
	}
	if err != nil {
		return false, false, err
	}
	s, err := os.ReadFile(src)
	if err != nil {
		return false, true, fmt.Errorf("files: %w", err)
	}
	return bytes.Equal(s, d), true, nil
}

func copyOne(root, tmp string, u upload, res *Result) error {
	st, err := os.Stat(u.src)
	if err != nil {
		return fmt.Errorf("files: %w", err)
	}
	if st.Size() > MaxSize {
		res.Skipped["larger than 64 MiB"]++
		return nil
	}
	b, err := os.ReadFile(u.src)
	if err != nil {
		return fmt.Errorf("files: %w", err)
	}
	if enry.IsBinary(b) {
		res.Skipped["binary"]++
		return nil
	}
	dst := filepath.Join(root, filepath.FromSlash(u.dst))
	if same, _, _ := compare(u.src, dst); same {
		res.Unchanged = append(res.Unchanged, u.dst)
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	if err := atomicfile.WriteVia(tmp, dst, b); err != nil {
		return err
	}
	res.Copied = append(res.Copied, u.dst)
	return nil
}
