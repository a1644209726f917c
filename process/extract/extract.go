// Package extract finds code units — functions, methods, classes (and Go
// struct types) — in source files with tree-sitter, and measures them.
//
// For each unit it reports the name (qualified by enclosing classes and
// functions), kind, code, description (the docstring, or the comment block
// right above the unit), decorators, whether it is async, type-annotated
// or test code, the imports it uses, the names it calls (for usage
// counts), its cyclomatic complexity and a quality score (see Quality).
//
// Cyclomatic complexity is 1 plus the decision points in the unit's own
// body (nested units are measured on their own). Decision points:
//
//	Python:     if, elif, for, while, except, case, conditional expression,
//	            and/or, comprehension for and if clauses
//	Go:         if, for, non-default case of expression/type switches and
//	            select, && and ||
//	JavaScript/ if, for, for-in/of, while, do, non-default switch case,
//	TypeScript: catch, ternary, &&, || and ??
//
// Grammars come from github.com/smacker/go-tree-sitter, which bundles
// them (the official per-grammar Go modules are not on the module proxy
// this project builds with). Parsers are pooled; every tree is closed.
package extract

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	sitter "github.com/smacker/go-tree-sitter"
)

// ErrUnsupported marks a language without a grammar here.
var ErrUnsupported = errors.New("extract: unsupported language")

// ErrSyntax marks source the grammar could not parse without errors; the
// units found outside the damaged region are still returned.
var ErrSyntax = errors.New("extract: syntax errors")

// Unit is one function, method, class or type.
type Unit struct {
	Name        string // simple name
	QualName    string // Outer.inner, Type.Method
	Kind        string // function, method, class, type
	Code        string // the unit's source, decorators included
	Description string // docstring or leading comment, markers stripped
	StartLine   int    // 1-based
	EndLine     int
	Lines       int
	Complexity  int
	Decorators  []string
	Async       bool
	Typed       bool     // parameters or results carry type annotations
	Test        bool     // test code, by name or file
	Imports     []string // file imports whose names the unit uses
	Calls       []string // names the unit calls, in order, repeated
	Comments    int      // comment lines inside the unit
}

// File is what Extract finds in one file.
type File struct {
	Units   []Unit
	Calls   []string // every call site in the file, units and top level
	Imports []string
}

// Languages lists the languages Extract supports (linguist names).
func Languages() []string { return []string{"Python", "Go", "JavaScript", "TypeScript", "TSX"} }

// Supported reports whether Extract can parse lang.
func Supported(lang string) bool { return grammarOf(lang) != nil }

var pools sync.Map // language name -> *sync.Pool of *sitter.Parser

func parser(g *grammar) *sitter.Parser {
	p, _ := pools.LoadOrStore(g.name, &sync.Pool{New: func() any { return newParser(g) }})
	return p.(*sync.Pool).Get().(*sitter.Parser)
}

func newParser(g *grammar) *sitter.Parser {
	p := sitter.NewParser()
	p.SetLanguage(g.lang())
	return p
}

func release(g *grammar, p *sitter.Parser) {
	if v, ok := pools.Load(g.name); ok {
		v.(*sync.Pool).Put(p)
	}
}

// Extract parses src as lang. path is used to recognise test files. On
// syntax errors it returns the units it could find and an error wrapping
// ErrSyntax.
func Extract(ctx context.Context, lang, path string, src []byte) (*File, error) {
	g := grammarOf(lang)
	if g == nil {
		return nil, fmt.Errorf("%w: %s", ErrUnsupported, lang)
	}
	p := parser(g)
	tree, err := p.ParseCtx(ctx, nil, src)
	if errors.Is(err, sitter.ErrOperationLimit) && ctx.Err() == nil {
		// hds sets no operation limit: this parser's cancellation flag
		// was left set (go-tree-sitter's watcher can still fire when a
		// context is cancelled just as a parse ends, e.g. a finished
		// run's), so it stops at once. Drop it and parse with a new one.
		p.Close()
		p = newParser(g)
		tree, err = p.ParseCtx(ctx, nil, src)
	}
	defer release(g, p)
	if err != nil {
		return nil, fmt.Errorf("extract: parse %s: %w", path, err)
	}
	defer tree.Close()
	w := &walker{g: g, src: src, path: path, testFile: isTestPath(path)}
	root := tree.RootNode()
	w.imports = g.imports(root, src)
	w.visit(root, nil)
	f := &File{Units: w.units, Calls: w.allCalls, Imports: w.imports}
	if root.HasError() {
		return f, fmt.Errorf("%w in %s", ErrSyntax, path)
	}
	return f, nil
}

func isTestPath(p string) bool {
	l := strings.ToLower(p)
	base := l[strings.LastIndexByte(l, '/')+1:]
	return strings.HasSuffix(base, "_test.go") || strings.HasPrefix(base, "test_") || strings.HasSuffix(base, "_test.py") ||
		strings.Contains(base, ".test.") || strings.Contains(base, ".spec.") || strings.Contains(l, "/tests/") ||
		strings.Contains(l, "/test/") || strings.HasPrefix(l, "tests/") || strings.HasPrefix(l, "test/") || strings.Contains(l, "__tests__")
}
