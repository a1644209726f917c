package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/human2/hds/pack"
	"github.com/human2/hds/repo"
	"github.com/human2/hds/snapshot"
)

func init() {
	registerExitCode(repo.ErrNotRepo, exitNoRepo)
	registerExitCode(repo.ErrLocked, exitLocked)
	registerHint(pack.ErrCorrupt, "stored data is damaged; 'hds fsck --read-data' lists every damaged chunk and the files that use it. Versions that do not use those chunks are intact.")
	registerHint(pack.ErrNotFound, "a chunk is missing from .hds/chunks; run 'hds fsck' to see which versions and files are affected")
	registerHint(repo.ErrCorruptObject, "a manifest or tree in .hds/objects is damaged; 'hds fsck' and 'git --git-dir .hds fsck' show which")
}

// openRepo opens the repository enclosing the working directory.
func openRepo(ctx context.Context) (*repo.Repo, error) {
	dir, err := globalOptions.workDir()
	if err != nil {
		return nil, err
	}
	return repo.Open(ctx, dir)
}

// repoRoot finds the root of the repository enclosing the working
// directory, for commands that work on its files without opening it.
func repoRoot() (string, error) {
	dir, err := globalOptions.workDir()
	if err != nil {
		return "", err
	}
	return repo.FindRoot(dir)
}

// printJSON writes v as indented JSON.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// signedBytes formats a byte delta: "+1.2 MiB", "-300 B", "±0 B".
func signedBytes(n int64) string {
	switch {
	case n > 0:
		return "+" + humanBytes(n)
	case n < 0:
		return "-" + humanBytes(-n)
	}
	return "±0 B"
}

// signed formats a count delta with a unit: "+3 records".
func signed(n int64, unit string) string {
	s := fmt.Sprintf("%d %s", n, plural(n, unit))
	if n > 0 {
		s = "+" + s
	}
	return s
}

func plural(n int64, unit string) string {
	if n == 1 || n == -1 {
		return unit
	}
	return unit + "s"
}

// shortHash is the abbreviation hds prints: 10 hex digits.
func shortHash(h repo.Hash) string { return h.String()[:10] }

// splitPaths separates revisions from paths at "--" (cobra's ArgsLenAtDash).
func splitPaths(args []string, dash int) (revs, paths []string) {
	if dash < 0 {
		return args, nil
	}
	return args[:dash], args[dash:]
}

// changeLine formats one changed file for status and diff.
func changeLine(c snapshot.FileChange) string {
	var b strings.Builder
	switch c.State {
	case snapshot.Added:
		fmt.Fprintf(&b, "%s", humanBytes(c.NewSize))
		if c.NewRecords >= 0 {
			fmt.Fprintf(&b, ", %d %s", c.NewRecords, plural(c.NewRecords, "record"))
		}
	case snapshot.Deleted:
		fmt.Fprintf(&b, "was %s", humanBytes(c.OldSize))
		if c.OldRecords >= 0 {
			fmt.Fprintf(&b, ", %d %s", c.OldRecords, plural(c.OldRecords, "record"))
		}
	default:
		fmt.Fprintf(&b, "%s -> %s (%s)", humanBytes(c.OldSize), humanBytes(c.NewSize), signedBytes(c.NewSize-c.OldSize))
		if c.OldRecords >= 0 && c.NewRecords >= 0 {
			fmt.Fprintf(&b, ", %d -> %d records (%s)", c.OldRecords, c.NewRecords, signed(c.NewRecords-c.OldRecords, "record"))
		}
	}
	return b.String()
}

// jsonChange is a FileChange as --json prints it.
type jsonChange struct {
	Path       string `json:"path"`
	Status     string `json:"status"` // added, modified, deleted
	OldSize    int64  `json:"old_size"`
	NewSize    int64  `json:"new_size"`
	OldRecords *int64 `json:"old_records,omitempty"`
	NewRecords *int64 `json:"new_records,omitempty"`
}

func toJSONChanges(cs []snapshot.FileChange) []jsonChange {
	out := make([]jsonChange, 0, len(cs))
	for _, c := range cs {
		j := jsonChange{Path: c.Path, Status: stateName(c.State), OldSize: c.OldSize, NewSize: c.NewSize}
		if c.OldRecords >= 0 {
			v := c.OldRecords
			j.OldRecords = &v
		}
		if c.NewRecords >= 0 {
			v := c.NewRecords
			j.NewRecords = &v
		}
		out = append(out, j)
	}
	return out
}

func stateName(s snapshot.State) string {
	switch s {
	case snapshot.Added:
		return "added"
	case snapshot.Deleted:
		return "deleted"
	}
	return "modified"
}

// totalsLine summarizes changes: "3 files changed (1 added, ...), +1.2 MiB, +10 records".
func totalsLine(t snapshot.Totals) string {
	s := fmt.Sprintf("%d %s changed (%d added, %d modified, %d deleted), %s", t.Files, plural(int64(t.Files), "file"), t.Added, t.Modified, t.Deleted, signedBytes(t.Bytes))
	if t.RecordsKnown {
		s += ", " + signed(t.Records, "record")
	}
	return s
}

// firstLine is the first line of a message.
func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}
