package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/human2/hds/manifest"
	"github.com/human2/hds/repo"
)

func init() { commands = append(commands, newLsCommand) }

func newLsCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "ls [REV] [PATH...]",
		Short: "List the files of a version with sizes and record counts",
		Long: `List the files of version REV (default HEAD), or those at or under the
given paths: mode, size, record count ("-" for formats without records),
number of chunks and path.`,
		Example: `  hds ls
  hds ls v1 data/code_patterns
  hds ls HEAD --json`,
		Args: argsRange(0, -1),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := openRepo(cmd.Context())
			if err != nil {
				return err
			}
			defer r.Close()
			rev := "HEAD"
			if len(args) > 0 {
				if _, err := r.Resolve(args[0]); err == nil {
					rev, args = args[0], args[1:]
				}
			}
			tree, err := resolveTree(r, rev)
			if err != nil {
				return err
			}
			paths, err := repo.CleanPaths(args)
			if err != nil {
				return err
			}
			return listFiles(cmd, r, tree, paths, asJSON)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func listFiles(cmd *cobra.Command, r *repo.Repo, tree repo.Hash, paths []string, asJSON bool) error {
	out := cmd.OutOrStdout()
	var js []map[string]any
	err := r.Walk(tree, paths, func(p string, h repo.Hash) error {
		m, err := r.Manifest(h)
		if err != nil {
			return err
		}
		if asJSON {
			e := map[string]any{"path": p, "type": m.Type, "mode": fmt.Sprintf("%o", m.Mode), "size": m.Size, "chunks": len(m.Chunks)}
			if m.HasRecords() {
				e["records"] = m.Records
			}
			if m.Type == manifest.TypeSymlink {
				e["target"] = m.Target
			} else {
				e["hash"] = string(m.Algorithm) + ":" + m.Hash.String()
			}
			js = append(js, e)
			return nil
		}
		recs := "-"
		if m.HasRecords() {
			recs = fmt.Sprint(m.Records)
		}
		name := p
		if m.Type == manifest.TypeSymlink {
			name += " -> " + m.Target
		}
		_, err = fmt.Fprintf(out, "%04o %10s %10s %6d  %s\n", m.Mode, humanBytes(m.Size), recs, len(m.Chunks), name)
		return err
	})
	if err != nil {
		return err
	}
	if asJSON {
		if js == nil {
			js = []map[string]any{}
		}
		return printJSON(out, js)
	}
	return nil
}
