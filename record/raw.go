package record

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
)

// Kinds of raw records. Collectors may add more; processing treats an
// unknown kind with Code as "file" and one with only Text as "doc".
const (
	KindFile     = "file"     // a whole source file (github, git, files)
	KindFunction = "function" // a code unit with its docstring (codesearchnet)
	KindIssue    = "issue"    // an issue or pull request with its comments
	KindQA       = "qa"       // a question with its answers (stackexchange)
	KindDoc      = "doc"      // a documentation section (docs)
	KindProblem  = "problem"  // a programming problem with solutions (codecontests)
	KindRow      = "row"      // a row of an imported table (jsonl, parquet)
	KindRepo     = "repo"     // a repository's metadata (github)
)

// Raw is one collected item. ID is unique within Source and stable across
// runs (the same upstream item always gets the same ID), so re-collecting
// unchanged data rewrites identical bytes.
type Raw struct {
	ID       string `json:"id"`                 // e.g. "github:psf/requests:src/requests/api.py"
	Source   string `json:"source"`             // collector name: github, stackexchange, docs, ...
	Kind     string `json:"kind"`               // one of the Kind constants
	Language string `json:"language,omitempty"` // programming language (linguist name) of Code, else natural language of Text
	Path     string `json:"path,omitempty"`     // path inside the upstream repository, site or tree
	Title    string `json:"title,omitempty"`
	Text     string `json:"text,omitempty"` // prose, as Markdown
	Code     string `json:"code,omitempty"` // source code, as found upstream
	// Meta holds source-specific fields (stars, score, tags, tests, ...).
	// encoding/json writes map keys sorted, so output stays deterministic.
	Meta       map[string]any `json:"meta,omitempty"`
	Provenance Provenance     `json:"provenance"`
}

// Provenance says where a record came from and under what terms.
type Provenance struct {
	URL              string    `json:"url,omitempty"`     // canonical upstream URL, or file path for local sources
	License          string    `json:"license,omitempty"` // SPDX id where the source states one
	Author           string    `json:"author,omitempty"`  // required for CC BY-SA content
	FetchedAt        time.Time `json:"fetched_at"`
	Collector        string    `json:"collector"`
	CollectorVersion string    `json:"collector_version"`
}

// ErrInvalid marks a line that is not a valid raw record.
var ErrInvalid = errors.New("record: invalid raw record")

// LineError is a problem with one line of a JSONL file.
type LineError struct {
	File string
	Line int
	Err  error
}

func (e *LineError) Error() string { return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err) }
func (e *LineError) Unwrap() error { return e.Err }

// Validate reports whether r has the fields every consumer relies on.
func (r *Raw) Validate() error {
	switch {
	case r.ID == "":
		return fmt.Errorf("%w: missing id", ErrInvalid)
	case r.Source == "":
		return fmt.Errorf("%w: %s: missing source", ErrInvalid, r.ID)
	case r.Code == "" && r.Text == "":
		return fmt.Errorf("%w: %s: neither code nor text", ErrInvalid, r.ID)
	}
	return nil
}

// MaxLine is the longest JSONL line Scan accepts (a record with a large
// source file inside).
const MaxLine = 64 << 20

// Scan reads raw records from a JSONL stream and calls fn for each valid
// one. A malformed line is reported to bad (with file and line) and skipped;
// if bad is nil it stops the scan. fn's error stops the scan and is returned.
func Scan(r io.Reader, file string, fn func(line int, rec *Raw) error, bad func(*LineError)) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1<<20), MaxLine)
	line := 0
	for sc.Scan() {
		line++
		b := sc.Bytes()
		if len(b) == 0 {
			continue
		}
		var rec Raw
		err := json.Unmarshal(b, &rec)
		if err == nil {
			err = rec.Validate()
		}
		if err != nil {
			le := &LineError{File: file, Line: line, Err: err}
			if bad == nil {
				return le
			}
			bad(le)
			continue
		}
		if err := fn(line, &rec); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return &LineError{File: file, Line: line + 1, Err: err}
	}
	return nil
}
