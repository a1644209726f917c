package process

import (
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/human2/hds/process/tokenize"
	"github.com/human2/hds/record"
)

// docPage gathers the sections of one documentation page.
type docPage struct {
	site, path string
	sections   []docSection
}

type docSection struct {
	order int
	id    string
	text  string
}

// addPage files a doc record's text under its page. The docs collector
// keeps a page's sections in one shard, so pages are whole per shard.
func (res *shardResult) addPage(rec *record.Raw, text string) {
	site, _ := rec.Meta["site"].(string)
	if site == "" {
		site = rec.Source
	}
	order, _ := rec.Meta["order"].(float64)
	key := site + "\x00" + rec.Path
	p := res.pages[key]
	if p == nil {
		p = &docPage{site: site, path: rec.Path}
		res.pages[key] = p
	}
	p.sections = append(p.sections, docSection{order: int(order), id: rec.ID, text: text})
}

// docFile is where a page goes under data/documentation: the page path
// with its extension replaced by .md, cleaned so it stays inside.
func docFile(site, p string) string {
	p = strings.TrimSuffix(p, path.Ext(p)) + ".md"
	clean := path.Clean("/" + site + "/" + p)
	return strings.TrimPrefix(clean, "/")
}

// writePages writes a shard's pages to the staging documentation tree.
func (r *run) writePages(_ rawShard, pages map[string]*docPage) error {
	for _, p := range pages {
		sort.Slice(p.sections, func(i, j int) bool {
			a, b := p.sections[i], p.sections[j]
			if a.order != b.order {
				return a.order < b.order
			}
			return a.id < b.id
		})
		var sb strings.Builder
		for i, s := range p.sections {
			if i > 0 {
				sb.WriteString("\n\n")
			}
			sb.WriteString(s.text)
		}
		sb.WriteString("\n")
		dst := filepath.Join(r.tmp, "documentation", filepath.FromSlash(docFile(p.site, p.path)))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(dst, []byte(sb.String()), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// syncTree makes dir hold exactly the files of staged (relative paths),
// writing only files whose content changed and removing the rest. With
// staged missing, dir is emptied of files.
func syncTree(tmpDir, staged, dir string, oc *OutputCounts) error {
	want := map[string]bool{}
	err := filepath.WalkDir(staged, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			if os.IsNotExist(err) {
				return nil
			}
			return err
		}
		rel, _ := filepath.Rel(staged, p)
		want[rel] = true
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		dst := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		changed := false
		if err := writeIfChanged(tmpDir, dst, b, &changed); err != nil {
			return err
		}
		if changed {
			oc.Files++
		} else {
			oc.Unchanged++
		}
		oc.Documentation++
		return nil
	})
	if err != nil {
		return err
	}
	return removeStale(dir, want, oc)
}

// Uploaded is the subdirectory of data/examples and data/documentation
// that holds uploaded files ('hds collect files'); processing never
// touches it.
const Uploaded = "uploaded"

// removeStale deletes files under dir that want does not list, and
// directories left empty; dir/uploaded is left alone.
func removeStale(dir string, want map[string]bool, oc *OutputCounts) error {
	var dirs []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) {
				return nil
			}
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if d.IsDir() && rel == Uploaded {
			return filepath.SkipDir
		}
		if d.IsDir() {
			dirs = append(dirs, p)
			return nil
		}
		if !want[rel] {
			oc.Removed++
			return os.Remove(p)
		}
		return nil
	})
	for i := len(dirs) - 1; i > 0; i-- {
		os.Remove(dirs[i]) // fails, harmlessly, when not empty
	}
	return err
}

func splitText(r *run, text string) []tokenize.Piece {
	return tokenize.Split(r.tok, text, r.cfg.Tokens.Max, r.cfg.Tokens.Overlap)
}
