package process

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"

	"github.com/human2/hds/process/dedup"
	"github.com/human2/hds/record"
)

// secondPass writes the output shards: duplicates dropped, usage counts
// and splits set, texts embedded (or their embeddings reused).
func (r *run) secondPass(ctx context.Context, shards []rawShard, codeDups, textDups *dedup.Result) error {
	r.p.Phase("process: write")
	r.p.SetTotal(int64(len(shards)), 0)
	var mu sync.Mutex
	written := map[string]bool{}
	counts := make([]OutputCounts, len(shards))
	embeds := make([]EmbedCounts, len(shards))
	err := r.forEach(ctx, shards, func(ctx context.Context, i int, s rawShard) error {
		oc := &counts[i]
		oc.Splits = map[string]int{}
		pf, err := r.writePatterns(s, codeDups, oc)
		if err != nil {
			return err
		}
		tf, err := r.writeTexts(ctx, s, textDups, oc, &embeds[i])
		if err != nil {
			return err
		}
		mu.Lock()
		written[pf], written[tf] = true, true
		mu.Unlock()
		r.p.Add(1, 0)
		return nil
	})
	r.p.Done()
	if err != nil {
		return err
	}
	out := &r.rep.Output
	for i := range counts {
		c := &counts[i]
		out.Patterns += c.Patterns
		out.Texts += c.Texts
		out.Files += c.Files
		out.Unchanged += c.Unchanged
		for k, v := range c.Splits {
			out.Splits[k] += v
		}
		r.rep.Embed.Computed += embeds[i].Computed
		r.rep.Embed.Reused += embeds[i].Reused
	}
	for _, dir := range []string{PatternsDir, NLPDir} {
		want := map[string]bool{}
		for f := range written {
			if rel, err := filepath.Rel(filepath.Join(r.root, dir), f); err == nil && !filepath.IsAbs(rel) && rel[0] != '.' {
				want[rel] = true
			}
		}
		if err := removeStale(filepath.Join(r.root, dir), want, out); err != nil {
			return err
		}
	}
	if err := syncTree(r.tmp, filepath.Join(r.tmp, "documentation"), filepath.Join(r.root, DocumentationDir), out); err != nil {
		return err
	}
	staged := filepath.Join(r.tmp, "examples")
	if err := r.examples.stage(staged); err != nil {
		return err
	}
	ex := OutputCounts{}
	err = syncTree(r.tmp, staged, filepath.Join(r.root, ExamplesDir), &ex)
	out.Examples = ex.Documentation
	out.Files += ex.Files
	out.Unchanged += ex.Unchanged
	out.Removed += ex.Removed
	return err
}

// readSpill decodes a spill file into a slice of T.
func readSpill[T any](path string) ([]T, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<20), record.MaxLine)
	var out []T
	for sc.Scan() {
		var v T
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			return nil, fmt.Errorf("process: spill %s: %w", path, err)
		}
		out = append(out, v)
	}
	return out, sc.Err()
}

// writeLines writes encoded records to path if they differ from what is
// there; with no records it writes nothing (and the stale pass removes an
// old file).
func writeLines[T any](tmpDir, path string, recs []T, oc *OutputCounts) error {
	if len(recs) == 0 {
		return nil
	}
	var buf []byte
	for i := range recs {
		b, err := marshal(&recs[i])
		if err != nil {
			return err
		}
		buf = append(buf, b...)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	changed := false
	if err := writeIfChanged(tmpDir, path, buf, &changed); err != nil {
		return err
	}
	if changed {
		oc.Files++
	} else {
		oc.Unchanged++
	}
	return nil
}

func (r *run) writePatterns(s rawShard, dups *dedup.Result, oc *OutputCounts) (string, error) {
	ps, err := readSpill[Pattern](r.spillPath(s, "patterns"))
	if err != nil {
		return "", err
	}
	kept := ps[:0]
	for _, p := range ps {
		if _, _, dup := dups.Duplicate(p.PatternID); dup {
			continue
		}
		p.Metadata.UsageCount = r.calls[p.Metadata.Name]
		p.Split = AssignSplit(p.PatternID, r.cfg.Splits)
		oc.Splits[p.Split]++
		r.examples.offer(&p)
		kept = append(kept, p)
	}
	sort.Slice(kept, func(i, j int) bool { return kept[i].PatternID < kept[j].PatternID })
	oc.Patterns += len(kept)
	path := filepath.Join(r.root, PatternsDir, s.source, s.name+".jsonl")
	return path, writeLines(r.tmp, path, kept, oc)
}

// previous embeddings of an output shard, by text id.
type prevEmbedding struct {
	hash, model string
	vec         []float32
}

func loadPrevious(path string) map[string]prevEmbedding {
	out := map[string]prevEmbedding{}
	prev, err := readSpill[NLP](path)
	if err != nil {
		return out // no previous output, or unreadable: recompute
	}
	for _, n := range prev {
		out[n.TextID] = prevEmbedding{n.Metadata.ContentHash, n.Metadata.EmbeddingModel, n.Metadata.Embedding}
	}
	return out
}

func (r *run) writeTexts(ctx context.Context, s rawShard, dups *dedup.Result, oc *OutputCounts, ec *EmbedCounts) (string, error) {
	ns, err := readSpill[NLP](r.spillPath(s, "texts"))
	if err != nil {
		return "", err
	}
	path := filepath.Join(r.root, NLPDir, s.source, s.name+".jsonl")
	prev := loadPrevious(path)
	kept := ns[:0]
	var todo []int
	for _, n := range ns {
		if _, _, dup := dups.Duplicate(n.TextID); dup {
			continue
		}
		n.Split = AssignSplit(n.Metadata.RecordID, r.cfg.Splits) // all pieces of a record together
		oc.Splits[n.Split]++
		if p, ok := prev[n.TextID]; ok && p.hash == n.Metadata.ContentHash && p.model == n.Metadata.EmbeddingModel && len(p.vec) > 0 {
			n.Metadata.Embedding = p.vec
			ec.Reused++
		} else {
			todo = append(todo, len(kept))
		}
		kept = append(kept, n)
	}
	if err := r.embed(ctx, kept, todo, ec); err != nil {
		return "", err
	}
	sort.Slice(kept, func(i, j int) bool { return kept[i].TextID < kept[j].TextID })
	oc.Texts += len(kept)
	return path, writeLines(r.tmp, path, kept, oc)
}

// embed computes the embeddings of kept[todo...] in batches.
func (r *run) embed(ctx context.Context, kept []NLP, todo []int, ec *EmbedCounts) error {
	const batch = 64
	for start := 0; start < len(todo); start += batch {
		idx := todo[start:min(start+batch, len(todo))]
		texts := make([]string, len(idx))
		for i, k := range idx {
			texts[i] = kept[k].Content
		}
		vs, err := r.emb.Embed(ctx, texts)
		if err != nil {
			return fmt.Errorf("process: embed: %w", err)
		}
		for i, k := range idx {
			kept[k].Metadata.Embedding = vs[i]
		}
		ec.Computed += len(idx)
	}
	return nil
}
