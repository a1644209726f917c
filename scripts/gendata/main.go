// Command gendata builds benchmark and demo datasets from real text found
// on the machine, and edits them the way a data pipeline does. It is a
// tool for scripts/bench.sh and scripts/demo.sh, not part of hds.
//
//	gendata code   -out DIR -shard-mb 64 [-tokens] SRC...  source files as JSONL code records, sharded
//	gendata text   -out FILE SRC...                 HTML/Markdown/text files as JSONL paragraph records
//	gendata files  -out DIR -n 20000 SRC...         copy up to n small source files
//	gendata floats -out FILE -mb 150                random float32 (incompressible)
//	gendata edit   -percent 1 FILE...               rewrite 1% of the JSONL records in place
package main

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: gendata code|text|files|floats|edit|csn ...")
		os.Exit(2)
	}
	fsFlags := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	out := fsFlags.String("out", "", "output file or directory")
	shardMB := fsFlags.Int("shard-mb", 64, "shard size for code records")
	n := fsFlags.Int("n", 20000, "number of files")
	mb := fsFlags.Int("mb", 150, "megabytes")
	percent := fsFlags.Float64("percent", 1, "percent of records to edit")
	seed := fsFlags.Int64("seed", 1, "random seed")
	maxMB := fsFlags.Int("max-mb", 0, "stop after this many megabytes of input (0: no limit)")
	tokens := fsFlags.Bool("tokens", false, "code: add each file's code_tokens, as CodeSearchNet does")
	fsFlags.Parse(os.Args[2:])
	args := fsFlags.Args()
	var err error
	switch os.Args[1] {
	case "code":
		err = code(*out, int64(*shardMB)<<20, int64(*maxMB)<<20, *tokens, args)
	case "text":
		err = text(*out, int64(*maxMB)<<20, args)
	case "files":
		err = files(*out, *n, args)
	case "floats":
		err = floats(*out, *mb, *seed)
	case "edit":
		err = edit(args, *percent, *seed)
	case "csn":
		err = csn(*out, int64(*maxMB)<<20, args)
	default:
		err = fmt.Errorf("unknown mode %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gendata:", err)
		os.Exit(1)
	}
}

var docExts = map[string]bool{".md": true, ".txt": true, ".html": true, ".json": true, ".yaml": true, ".yml": true, ".toml": true, ".mod": true, ".sum": true}

var codeExts = map[string]string{".go": "Go", ".py": "Python", ".js": "JavaScript", ".ts": "TypeScript", ".c": "C", ".h": "C", ".s": "Assembly", ".rs": "Rust", ".java": "Java", ".sh": "Shell"}

// sourceFiles lists text source files under roots in a stable order.
func sourceFiles(roots []string, keep func(path string, size int64) bool) ([]string, error) {
	var out []string
	for _, root := range roots {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return nil // unreadable parts of a system tree are skipped
			}
			if d.IsDir() && (d.Name() == ".git" || d.Name() == ".hds") {
				return filepath.SkipDir
			}
			if !d.Type().IsRegular() {
				return nil
			}
			info, err := d.Info()
			if err == nil && keep(p, info.Size()) {
				out = append(out, p)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	sort.Strings(out)
	return out, nil
}

// codeRecord is a raw record (record.Raw) of kind file, with the token
// list code datasets such as CodeSearchNet carry next to the code.
type codeRecord struct {
	ID         string   `json:"id"`
	Source     string   `json:"source"`
	Kind       string   `json:"kind"`
	Path       string   `json:"path"`
	Language   string   `json:"language"`
	Lines      int      `json:"lines"`
	Code       string   `json:"code"`
	CodeTokens []string `json:"code_tokens,omitempty"`
}

// tokenRE splits code into identifiers, numbers and single punctuation
// characters, roughly as CodeSearchNet's code_tokens.
var tokenRE = regexp.MustCompile(`[A-Za-z_][A-Za-z0-9_]*|[0-9]+|[^\sA-Za-z0-9_]`)

func code(out string, shard, limit int64, tokens bool, roots []string) error {
	paths, err := sourceFiles(roots, func(p string, size int64) bool {
		return codeExts[filepath.Ext(p)] != "" && size < 1<<20
	})
	if err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	var w *bufio.Writer
	var f *os.File
	var written, total int64
	part := 0
	next := func() error {
		if w != nil {
			if err := w.Flush(); err != nil {
				return err
			}
			f.Close()
		}
		var err error
		f, err = os.Create(filepath.Join(out, fmt.Sprintf("part-%04d.jsonl", part)))
		part++
		written = 0
		w = bufio.NewWriter(f)
		return err
	}
	if err := next(); err != nil {
		return err
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil || !isText(b) {
			continue
		}
		rec := codeRecord{ID: fmt.Sprintf("%x", hashString(p)), Source: "gendata", Kind: "file", Path: p, Language: codeExts[filepath.Ext(p)], Lines: strings.Count(string(b), "\n"), Code: string(b)}
		if tokens {
			rec.CodeTokens = tokenRE.FindAllString(string(b), -1)
		}
		line, _ := json.Marshal(rec)
		if written > 0 && written+int64(len(line)) > shard {
			if err := next(); err != nil {
				return err
			}
		}
		w.Write(line)
		w.WriteByte('\n')
		written += int64(len(line)) + 1
		total += int64(len(b))
		if limit > 0 && total >= limit {
			break
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return f.Close()
}

func hashString(s string) uint64 {
	var h uint64 = 14695981039346656037
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

func isText(b []byte) bool {
	n := min(len(b), 8000)
	for _, c := range b[:n] {
		if c == 0 {
			return false
		}
	}
	return true
}

var (
	tagRe   = regexp.MustCompile(`(?s)<script.*?</script>|<style.*?</style>|<[^>]+>`)
	spaceRe = regexp.MustCompile(`[ \t]+`)
)

type textRecord struct {
	ID     string `json:"id"`
	Source string `json:"source"`
	Text   string `json:"text"`
}

// text turns documentation files into one record per paragraph.
func text(out string, limit int64, roots []string) error {
	paths, err := sourceFiles(roots, func(p string, size int64) bool {
		switch filepath.Ext(p) {
		case ".html", ".htm", ".md", ".txt", ".rst":
			return size < 8<<20
		}
		return false
	})
	if err != nil {
		return err
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	var total int64
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil || !isText(b) {
			continue
		}
		s := string(b)
		if strings.HasSuffix(p, "html") || strings.HasSuffix(p, "htm") {
			s = tagRe.ReplaceAllString(s, "")
		}
		for i, para := range strings.Split(s, "\n\n") {
			para = strings.TrimSpace(spaceRe.ReplaceAllString(para, " "))
			if len(para) < 40 {
				continue
			}
			line, _ := json.Marshal(textRecord{ID: fmt.Sprintf("%x-%d", hashString(p), i), Source: p, Text: para})
			w.Write(line)
			w.WriteByte('\n')
			total += int64(len(line))
		}
		if limit > 0 && total >= limit {
			break
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return f.Close()
}

// files copies up to n small text files, keeping their layout below each
// root (out/<root base name>/...), as a checkout of those trees would.
func files(out string, n int, roots []string) error {
	var paths, bases []string
	for _, root := range roots {
		ps, err := sourceFiles([]string{root}, func(p string, size int64) bool {
			return size < 256<<10 && (codeExts[filepath.Ext(p)] != "" || docExts[filepath.Ext(p)] || filepath.Ext(p) == "")
		})
		if err != nil {
			return err
		}
		for _, p := range ps {
			rel, _ := filepath.Rel(root, p)
			paths = append(paths, p)
			bases = append(bases, filepath.Join(filepath.Base(root), rel))
		}
	}
	if len(paths) > n {
		paths = paths[:n]
	}
	for i, p := range paths {
		dst := filepath.Join(out, bases[i])
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		if err := os.WriteFile(dst, b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// floats writes normally distributed float32 values: their mantissas are
// random, so zstd cannot shrink them (like model weights or embeddings).
func floats(out string, mb int, seed int64) error {
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	rng := rand.New(rand.NewSource(seed))
	var buf [4]byte
	for i := 0; i < mb<<20/4; i++ {
		binary.LittleEndian.PutUint32(buf[:], math.Float32bits(float32(rng.NormFloat64())))
		w.Write(buf[:])
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return f.Close()
}

// edit rewrites percent% of the records of each JSONL file in place: the
// record keeps its id and gains an "edited" field, as a cleaning pass
// would. Other records keep their bytes.
func edit(files []string, percent float64, seed int64) error {
	rng := rand.New(rand.NewSource(seed))
	for _, path := range files {
		in, err := os.Open(path)
		if err != nil {
			return err
		}
		tmp := path + ".edit"
		out, err := os.Create(tmp)
		if err != nil {
			return err
		}
		r := bufio.NewReaderSize(in, 1<<20)
		w := bufio.NewWriterSize(out, 1<<20)
		for {
			line, err := r.ReadBytes('\n')
			if len(line) > 0 {
				if rng.Float64()*100 < percent && len(line) > 2 && line[0] == '{' {
					trimmed := strings.TrimRight(string(line), "\n")
					line = []byte(trimmed[:len(trimmed)-1] + `,"edited":true}` + "\n")
				}
				w.Write(line)
			}
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return err
			}
		}
		if err := w.Flush(); err != nil {
			return err
		}
		in.Close()
		out.Close()
		if err := os.Rename(tmp, path); err != nil {
			return err
		}
	}
	return nil
}

// csnLine has the fields of a CodeSearchNet jsonl.gz line.
type csnLine struct {
	Repo            string   `json:"repo"`
	Path            string   `json:"path"`
	FuncName        string   `json:"func_name"`
	OriginalString  string   `json:"original_string"`
	Language        string   `json:"language"`
	Code            string   `json:"code"`
	CodeTokens      []string `json:"code_tokens"`
	Docstring       string   `json:"docstring"`
	DocstringTokens []string `json:"docstring_tokens"`
	Sha             string   `json:"sha"`
	Partition       string   `json:"partition"`
	URL             string   `json:"url"`
}

// csn writes the Python files under roots, cut at top-level "def", as a
// CodeSearchNet-shaped jsonl.gz file of about limit bytes of code.
func csn(out string, limit int64, roots []string) error {
	paths, err := sourceFiles(roots, func(p string, size int64) bool { return filepath.Ext(p) == ".py" && size < 1<<20 })
	if err != nil {
		return err
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	zw := gzip.NewWriter(f)
	enc := json.NewEncoder(zw)
	var total int64
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil || !isText(b) {
			continue
		}
		for i, fn := range strings.Split(string(b), "\ndef ")[1:] {
			code := "def " + fn
			name, _, _ := strings.Cut(fn, "(")
			doc := ""
			if _, rest, ok := strings.Cut(code, `"""`); ok {
				doc, _, _ = strings.Cut(rest, `"""`)
			}
			l := csnLine{Repo: "local/python", Path: p, FuncName: name, OriginalString: code, Language: "python", Code: code,
				CodeTokens: strings.Fields(code), Docstring: doc, DocstringTokens: strings.Fields(doc), Sha: "0", Partition: "train",
				URL: fmt.Sprintf("file://%s#L%d", p, i)}
			if err := enc.Encode(&l); err != nil {
				return err
			}
			total += int64(len(code))
		}
		if limit > 0 && total >= limit {
			break
		}
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return f.Close()
}
