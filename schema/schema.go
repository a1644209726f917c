// Package schema holds the JSON Schemas (draft 2020-12) of the two
// training formats and validates JSONL files against them, reporting every
// violation with its line and JSON pointer.
package schema

import (
	"bufio"
	"bytes"
	"embed"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/human2/hds/record"
)

//go:embed *.schema.json
var files embed.FS

// Names of the shipped schemas.
const (
	CodePattern = "code_pattern.schema.json"
	NLPTraining = "nlp_training.schema.json"
)

// For returns the schema that governs a dataset path, or "" when none does:
// data/code_patterns/**.jsonl and data/nlp_training/**.jsonl.
func For(p string) string {
	if !strings.HasSuffix(p, ".jsonl") {
		return ""
	}
	switch {
	case strings.HasPrefix(p, "data/code_patterns/"):
		return CodePattern
	case strings.HasPrefix(p, "data/nlp_training/"):
		return NLPTraining
	}
	return ""
}

var compiled = sync.OnceValues(func() (map[string]*jsonschema.Schema, error) {
	c := jsonschema.NewCompiler()
	out := map[string]*jsonschema.Schema{}
	for _, name := range []string{CodePattern, NLPTraining} {
		b, err := files.ReadFile(name)
		if err != nil {
			return nil, err
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("schema %s: %w", name, err)
		}
		if err := c.AddResource(name, doc); err != nil {
			return nil, err
		}
	}
	for _, name := range []string{CodePattern, NLPTraining} {
		s, err := c.Compile(name)
		if err != nil {
			return nil, fmt.Errorf("schema %s: %w", name, err)
		}
		out[name] = s
	}
	return out, nil
})

// Source returns the text of a shipped schema.
func Source(name string) ([]byte, error) { return files.ReadFile(path.Base(name)) }

// Violation is one broken rule.
type Violation struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Pointer string `json:"pointer"` // JSON pointer into the record, "" for the whole line
	Message string `json:"message"`
}

func (v Violation) String() string {
	if v.Pointer == "" {
		return fmt.Sprintf("%s:%d: %s", v.File, v.Line, v.Message)
	}
	return fmt.Sprintf("%s:%d: %s: %s", v.File, v.Line, v.Pointer, v.Message)
}

// ValidateJSONL checks every line of r against the named schema and
// returns the violations, in line order, and the number of records read.
func ValidateJSONL(r io.Reader, file, name string) ([]Violation, int, error) {
	schemas, err := compiled()
	if err != nil {
		return nil, 0, err
	}
	sch := schemas[name]
	if sch == nil {
		return nil, 0, fmt.Errorf("schema: unknown schema %q", name)
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1<<20), record.MaxLine)
	var out []Violation
	n, line := 0, 0
	for sc.Scan() {
		line++
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			out = append(out, Violation{File: file, Line: line, Message: "empty line"})
			continue
		}
		n++
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(sc.Bytes()))
		if err != nil {
			out = append(out, Violation{File: file, Line: line, Message: "not JSON: " + err.Error()})
			continue
		}
		out = append(out, violations(sch.Validate(inst), file, line)...)
	}
	if err := sc.Err(); err != nil {
		return out, n, fmt.Errorf("%s: after line %d: %w", file, line, err)
	}
	return out, n, nil
}

// violations flattens a validation error to its leaf failures.
func violations(err error, file string, line int) []Violation {
	ve, ok := err.(*jsonschema.ValidationError)
	if err == nil || !ok {
		if err != nil {
			return []Violation{{File: file, Line: line, Message: err.Error()}}
		}
		return nil
	}
	var out []Violation
	for _, u := range ve.BasicOutput().Errors {
		if u.Error == nil {
			continue
		}
		msg := u.Error.String()
		if strings.HasPrefix(msg, "validation failed") {
			continue
		}
		out = append(out, Violation{File: file, Line: line, Pointer: u.InstanceLocation, Message: msg})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Pointer < out[j].Pointer })
	if len(out) == 0 {
		out = append(out, Violation{File: file, Line: line, Message: ve.Error()})
	}
	return out
}
