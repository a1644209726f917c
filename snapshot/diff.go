package snapshot

import (
	"github.com/human2/hds/manifest"
	"github.com/human2/hds/repo"
)

// DiffTrees returns the files that differ between two versions' trees,
// with sizes and record counts from their manifests. Only changed files'
// manifests are read.
func DiffTrees(r *repo.Repo, a, b repo.Hash, paths []string) ([]FileChange, error) {
	changes, err := r.Diff(a, b, paths)
	if err != nil {
		return nil, err
	}
	out := make([]FileChange, 0, len(changes))
	for _, c := range changes {
		fc := FileChange{Path: c.Path, OldRecords: manifest.NoRecords, NewRecords: manifest.NoRecords}
		switch {
		case c.From.IsZero():
			fc.State = Added
		case c.To.IsZero():
			fc.State = Deleted
		default:
			fc.State = Modified
		}
		if !c.From.IsZero() {
			m, err := r.Manifest(c.From)
			if err != nil {
				return nil, err
			}
			fc.OldSize, fc.OldRecords = m.Size, m.Records
		}
		if !c.To.IsZero() {
			m, err := r.Manifest(c.To)
			if err != nil {
				return nil, err
			}
			fc.NewSize, fc.NewRecords = m.Size, m.Records
		}
		out = append(out, fc)
	}
	return out, nil
}

// Totals sums the size and record deltas of changes.
type Totals struct {
	Files                    int
	Added, Modified, Deleted int
	Bytes, Records           int64 // net change
	RecordsKnown             bool  // some file has records
}

// Sum adds up changes.
func Sum(changes []FileChange) Totals {
	var t Totals
	for _, c := range changes {
		t.Files++
		switch c.State {
		case Added:
			t.Added++
		case Modified:
			t.Modified++
		case Deleted:
			t.Deleted++
		}
		t.Bytes += c.NewSize - c.OldSize
		if c.OldRecords >= 0 {
			t.Records -= c.OldRecords
			t.RecordsKnown = true
		}
		if c.NewRecords >= 0 {
			t.Records += c.NewRecords
			t.RecordsKnown = true
		}
	}
	return t
}
