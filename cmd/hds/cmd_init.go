package main

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/human2/hds/chunk"
	"github.com/human2/hds/pack"
	"github.com/human2/hds/repo"
)

func init() {
	commands = append(commands, newInitCommand)
	registerExitCode(repo.ErrExists, exitError)
}

func newInitCommand() *cobra.Command {
	var chunkAvg, recordAvg string
	var hash, compression string
	cmd := &cobra.Command{
		Use:   "init [DIR]",
		Short: "Create an empty dataset repository",
		Long: `Create a dataset repository in DIR (default: the current directory).

This makes DIR/.hds: a bare git repository that holds the versions, plus
the chunk store that holds file contents. Everything else in DIR is the
worktree: the files 'hds commit' snapshots. An existing repository is
never overwritten.`,
		Example: `  hds init corpus && cd corpus
  hds init            # in the current directory`,
		Args: argsRange(0, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir, err := globalOptions.workDir()
			if err != nil {
				return err
			}
			if len(args) == 1 {
				dir = filepath.Join(dir, args[0])
				if filepath.IsAbs(args[0]) {
					dir = args[0]
				}
			}
			c, err := initConfig(chunkAvg, recordAvg, hash, compression)
			if err != nil {
				return err
			}
			r, err := repo.Init(cmd.Context(), dir, c)
			if err != nil {
				return err
			}
			defer r.Close()
			c = r.Config
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "Initialized empty hds repository in %s (hash %s, zstd %s, chunks avg %s, records avg %s)\n",
				r.Dir, c.Hash, c.Compression, humanBytes(int64(c.ChunkAvg)), humanBytes(int64(c.RecordChunkAvg)))
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&chunkAvg, "chunk-avg", "64KiB", "average chunk `size` of files that are not line-oriented (min a quarter, max four times)")
	f.StringVar(&recordAvg, "record-chunk-avg", "16KiB", "average chunk `size` of JSONL, CSV, TSV and text files (min a quarter, max 256KiB or four times); smaller stores scattered record edits more tightly and compresses a little worse")
	f.StringVar(&hash, "hash", "blake3", "chunk hash: blake3 or sha256")
	f.StringVar(&compression, "compression", "fastest", "zstd level: none, fastest, default or better")
	return cmd
}

// initConfig builds the repository config from init's flags.
func initConfig(chunkAvg, recordAvg, hash, compression string) (repo.Config, error) {
	c := repo.DefaultConfig()
	for _, f := range []struct {
		flag, val     string
		min, avg, max *int
		maxAtLeast    int64
	}{
		{"--chunk-avg", chunkAvg, &c.ChunkMin, &c.ChunkAvg, &c.ChunkMax, 0},
		{"--record-chunk-avg", recordAvg, &c.RecordChunkMin, &c.RecordChunkAvg, &c.RecordChunkMax, 256 << 10},
	} {
		avg, err := parseSize(f.val)
		if err != nil || avg&(avg-1) != 0 || avg < 1<<10 || avg > 16<<20 {
			return c, usageError{msg: fmt.Sprintf("%s %q: want a power of two from 1KiB to 16MiB, e.g. 64KiB", f.flag, f.val)}
		}
		*f.min, *f.avg, *f.max = int(avg/4), int(avg), int(max(avg*4, f.maxAtLeast))
	}
	var err error
	if c.Hash, err = chunk.ParseAlgorithm(hash); err != nil {
		return c, usageError{msg: err.Error()}
	}
	if _, err := pack.ParseLevel(compression); err != nil {
		return c, usageError{msg: err.Error()}
	}
	c.Compression = compression
	return c, nil
}

// parseSize reads "65536", "64KiB", "64K", "1MiB", "1M".
func parseSize(s string) (int64, error) {
	mult := int64(1)
	u := strings.ToUpper(strings.TrimSpace(s))
	for _, suf := range []struct {
		s string
		m int64
	}{{"KIB", 1 << 10}, {"MIB", 1 << 20}, {"KB", 1 << 10}, {"MB", 1 << 20}, {"K", 1 << 10}, {"M", 1 << 20}, {"B", 1}} {
		if strings.HasSuffix(u, suf.s) {
			u, mult = strings.TrimSuffix(u, suf.s), suf.m
			break
		}
	}
	n, err := strconv.ParseInt(strings.TrimSpace(u), 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("bad size %q", s)
	}
	return n * mult, nil
}
