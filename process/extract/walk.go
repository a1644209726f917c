package extract

import (
	"strings"

	sitter "github.com/smacker/go-tree-sitter"
)

// acc accumulates what the current unit's own body holds.
type acc struct {
	complexity int
	calls      []string
	comments   int
}

type walker struct {
	g        *grammar
	src      []byte
	path     string
	testFile bool
	imports  []string
	units    []Unit
	allCalls []string
}

func (w *walker) text(n *sitter.Node) string { return n.Content(w.src) }

// visit walks n's children; scope is the qualified name of the enclosing
// units and kinds says which of them are classes.
func (w *walker) visit(n *sitter.Node, scope []frame) {
	w.visitInto(n, scope, &acc{})
}

type frame struct {
	name string
	kind string
}

func (w *walker) visitInto(n *sitter.Node, scope []frame, a *acc) {
	// Only named children: units, decisions, boolean operators, calls and
	// comments are all named nodes, and anonymous ones (keywords,
	// punctuation: a third or more of a tree) are leaves, each of which
	// would cost cgo calls for nothing. Each call crosses cgo: count once.
	for i, k := 0, int(n.NamedChildCount()); i < k; i++ {
		c := n.NamedChild(i)
		if c == nil {
			continue
		}
		t := c.Type()
		if w.g.units[t] {
			if m, ok := w.g.match(c, w.src); ok {
				w.unit(c, m, scope, a)
				continue
			}
		}
		w.count(c, t, a)
		if c.NamedChildCount() > 0 {
			w.visitInto(c, scope, a)
		}
	}
}

// count adds c, of type t, to the accumulator if it is a decision, call
// or comment.
func (w *walker) count(c *sitter.Node, t string, a *acc) {
	switch {
	case w.g.decisions[t]:
		a.complexity++
	case t == w.g.boolNode && (w.g.boolOps == nil || w.g.boolOps[w.operator(c)]):
		a.complexity++
	case t == "comment":
		a.comments += int(c.EndPoint().Row-c.StartPoint().Row) + 1
	}
	if w.g.calls[t] {
		if name := w.g.callee(c, w.src); name != "" {
			a.calls = append(a.calls, name)
			w.allCalls = append(w.allCalls, name)
		}
	}
}

func (w *walker) operator(n *sitter.Node) string {
	if op := n.ChildByFieldName("operator"); op != nil {
		return op.Type()
	}
	for i := 0; i < int(n.ChildCount()); i++ {
		if c := n.Child(i); c != nil && !c.IsNamed() {
			return c.Type()
		}
	}
	return ""
}

// match describes a unit found at a node.
type match struct {
	def      *sitter.Node // the definition (name, body)
	outer    *sitter.Node // what the code and leading comment attach to
	name     string
	kind     string
	decorate []string
}

func (w *walker) unit(n *sitter.Node, m match, scope []frame, parent *acc) {
	kind := m.kind
	if kind == "function" && len(scope) > 0 && scope[len(scope)-1].kind == "class" {
		kind = "method"
	}
	qual := m.name
	if len(scope) > 0 {
		parts := make([]string, 0, len(scope)+1)
		for _, f := range scope {
			parts = append(parts, f.name)
		}
		qual = strings.Join(append(parts, m.name), ".")
	}
	if r := w.g.receiver(m.def, w.src); r != "" {
		qual = r + "." + m.name
	}
	a := &acc{}
	w.visitInto(m.def, append(scope, frame{m.name, kind}), a)
	_ = n
	code := w.text(m.outer)
	u := Unit{
		Name: m.name, QualName: qual, Kind: kind, Code: code,
		Description: w.g.describe(m.def, m.outer, w.src),
		StartLine:   int(m.outer.StartPoint().Row) + 1, EndLine: int(m.outer.EndPoint().Row) + 1,
		Complexity: 1 + a.complexity, Decorators: m.decorate,
		Async: w.g.async(m.def, w.src), Typed: w.g.typed(m.def, w.src),
		Calls: a.calls, Comments: a.comments,
	}
	u.Lines = u.EndLine - u.StartLine + 1
	u.Test = w.testFile || isTestName(m.name)
	u.Imports = usedImports(w.imports, code)
	w.units = append(w.units, u)
	_ = parent
}

func isTestName(name string) bool {
	l := strings.ToLower(name)
	return strings.HasPrefix(l, "test") || strings.HasPrefix(name, "Benchmark") || strings.HasPrefix(name, "Fuzz")
}

// usedImports returns the imports whose name appears in code as an
// identifier followed by a dot or call.
func usedImports(imports []string, code string) []string {
	var out []string
	for _, imp := range imports {
		if strings.Contains(code, imp+".") || strings.Contains(code, imp+"(") {
			out = append(out, imp)
		}
	}
	return out
}

// leadingComment returns the comment block ending on the line above n
// (contiguous comment siblings), markers stripped.
func leadingComment(n *sitter.Node, src []byte) string {
	var parts []string
	line := int(n.StartPoint().Row)
	for p := n.PrevSibling(); p != nil && p.Type() == "comment"; p = p.PrevSibling() {
		if line-int(p.EndPoint().Row) > 1 {
			break
		}
		parts = append([]string{p.Content(src)}, parts...)
		line = int(p.StartPoint().Row)
	}
	return cleanComment(strings.Join(parts, "\n"))
}

// cleanComment strips comment markers and common indentation.
func cleanComment(s string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		l = strings.TrimSpace(l)
		for _, p := range []string{"///", "//", "/**", "/*", "*/", "#", "*"} {
			l = strings.TrimPrefix(l, p)
		}
		l = strings.TrimSpace(strings.TrimSuffix(l, "*/"))
		out = append(out, l)
	}
	return strings.TrimSpace(strings.Join(out, "\n"))
}
