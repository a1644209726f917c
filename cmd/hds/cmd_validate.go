package main

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	"github.com/spf13/cobra"

	"github.com/human2/hds/repo"
	"github.com/human2/hds/schema"
	"github.com/human2/hds/snapshot"
)

func init() { commands = append(commands, newValidateCommand) }

// ValidateOptions are the flags of hds validate.
type ValidateOptions struct {
	JSON bool
	Max  int
}

// validateResult is what validate found.
type validateResult struct {
	Files      int                `json:"files"`
	Records    int                `json:"records"`
	Violations []schema.Violation `json:"violations"`
}

// errInvalidRecords maps to the fsck exit code: the data has problems.
type errInvalidRecords struct{ n int }

func (e errInvalidRecords) Error() string { return fmt.Sprintf("%d schema violations", e.n) }
func (errInvalidRecords) ExitCode() int   { return exitProblems }

func newValidateCommand() *cobra.Command {
	var opts ValidateOptions
	cmd := &cobra.Command{
		Use:   "validate [REV]",
		Short: "Check training records against their JSON Schemas",
		Long: `Check every record of data/code_patterns/**/*.jsonl (code_pattern.schema.json)
and data/nlp_training/**/*.jsonl (nlp_training.schema.json) against the
JSON Schemas shipped with hds (draft 2020-12; 'hds validate --help' lists
where they are in the source: schema/). Without REV the worktree is
checked; with REV the files of that version are read from the repository.

Each violation is printed as FILE:LINE: POINTER: RULE. The exit status is 5
when there is any.`,
		Example: `  hds process && hds validate
  hds validate v1`,
		Args: argsRange(0, 1),
		RunE: func(cmd *cobra.Command, args []string) error { return runValidate(cmd, opts, args) },
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON")
	cmd.Flags().IntVar(&opts.Max, "max-violations", 100, "print at most `N` violations (all are counted)")
	return cmd
}

func runValidate(cmd *cobra.Command, opts ValidateOptions, args []string) error {
	var res *validateResult
	var err error
	if len(args) == 1 {
		res, err = validateRev(cmd.Context(), args[0])
	} else {
		res, err = validateWorktree()
	}
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	if opts.JSON {
		if res.Violations == nil {
			res.Violations = []schema.Violation{}
		}
		if err := printJSON(out, res); err != nil {
			return err
		}
	} else {
		for i, v := range res.Violations {
			if i == opts.Max {
				fmt.Fprintf(out, "... and %d more\n", len(res.Violations)-i)
				break
			}
			fmt.Fprintln(out, v)
		}
		fmt.Fprintf(out, "%d records in %d files checked: %d violations\n", res.Records, res.Files, len(res.Violations))
	}
	if len(res.Violations) > 0 {
		return errInvalidRecords{len(res.Violations)}
	}
	if res.Files == 0 {
		fmt.Fprintln(cmd.ErrOrStderr(), "note: no data/code_patterns or data/nlp_training files; run 'hds process' first")
	}
	return nil
}

func validateWorktree() (*validateResult, error) {
	root, err := repoRoot()
	if err != nil {
		return nil, err
	}
	var paths []string
	err = filepath.WalkDir(filepath.Join(root, "data"), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) {
				return nil
			}
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if !d.IsDir() && schema.For(filepath.ToSlash(rel)) != "" {
			paths = append(paths, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(paths)
	res := &validateResult{}
	for _, p := range paths {
		f, err := os.Open(filepath.Join(root, p))
		if err != nil {
			return nil, err
		}
		err = res.add(f, p, p)
		f.Close()
		if err != nil {
			return nil, err
		}
	}
	return res, nil
}

// add validates one file; p is its dataset path, name how to call it.
func (res *validateResult) add(r io.Reader, p, name string) error {
	vs, n, err := schema.ValidateJSONL(r, name, schema.For(p))
	res.Files++
	res.Records += n
	res.Violations = append(res.Violations, vs...)
	return err
}

func validateRev(ctx context.Context, rev string) (*validateResult, error) {
	r, err := openRepo(ctx)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	tree, err := resolveTree(r, rev)
	if err != nil {
		return nil, err
	}
	type file struct {
		path string
		blob repo.Hash
	}
	var files []file
	err = r.Walk(tree, []string{"data/code_patterns", "data/nlp_training"}, func(p string, h repo.Hash) error {
		if schema.For(p) != "" {
			files = append(files, file{p, h})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	unlock, err := r.ReadLock()
	if err != nil {
		return nil, err
	}
	defer unlock()
	res := &validateResult{}
	for _, f := range files {
		m, err := r.Manifest(f.blob)
		if err != nil {
			return nil, err
		}
		pr, pw := io.Pipe()
		go func() { pw.CloseWithError(snapshot.CopyFile(ctx, r, f.path, m, pw)) }()
		err = res.add(pr, f.path, rev+":"+f.path)
		pr.CloseWithError(err)
		if err != nil {
			return nil, err
		}
	}
	return res, nil
}
