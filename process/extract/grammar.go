package extract

import (
	"strings"

	sitter "github.com/smacker/go-tree-sitter"
	"github.com/smacker/go-tree-sitter/golang"
	"github.com/smacker/go-tree-sitter/javascript"
	"github.com/smacker/go-tree-sitter/python"
	"github.com/smacker/go-tree-sitter/typescript/tsx"
	"github.com/smacker/go-tree-sitter/typescript/typescript"
)

// grammar is what differs between languages.
type grammar struct {
	name      string
	lang      func() *sitter.Language
	units     map[string]bool // node types match may accept
	match     func(n *sitter.Node, src []byte) (match, bool)
	decisions map[string]bool
	boolNode  string
	boolOps   map[string]bool // nil: every boolNode counts
	calls     map[string]bool
	callee    func(n *sitter.Node, src []byte) string
	receiver  func(def *sitter.Node, src []byte) string
	describe  func(def, outer *sitter.Node, src []byte) string
	async     func(def *sitter.Node, src []byte) bool
	typed     func(def *sitter.Node, src []byte) bool
	imports   func(root *sitter.Node, src []byte) []string
}

func set(s ...string) map[string]bool {
	m := map[string]bool{}
	for _, x := range s {
		m[x] = true
	}
	return m
}

func grammarOf(lang string) *grammar {
	switch lang {
	case "Python":
		return pythonGrammar
	case "Go":
		return goGrammar
	case "JavaScript":
		return jsGrammar
	case "TypeScript":
		return tsGrammar
	case "TSX":
		return tsxGrammar
	}
	return nil
}

func field(n *sitter.Node, name string, src []byte) string {
	if c := n.ChildByFieldName(name); c != nil {
		return c.Content(src)
	}
	return ""
}

func noReceiver(*sitter.Node, []byte) string { return "" }

func hasChildType(n *sitter.Node, types ...string) bool {
	want := set(types...)
	for i := 0; i < int(n.ChildCount()); i++ {
		if c := n.Child(i); c != nil && want[c.Type()] {
			return true
		}
	}
	return false
}

// hasDescendant reports whether a node of one of the types is under n,
// not looking into nested bodies deeper than limit levels.
func hasDescendant(n *sitter.Node, limit int, types map[string]bool) bool {
	if n == nil || limit < 0 {
		return false
	}
	for i := 0; i < int(n.NamedChildCount()); i++ {
		c := n.NamedChild(i)
		if types[c.Type()] || hasDescendant(c, limit-1, types) {
			return true
		}
	}
	return false
}

// --- Python

var pythonGrammar = &grammar{
	name: "python", lang: python.GetLanguage,
	units: set("decorated_definition", "function_definition", "class_definition"),
	match: func(n *sitter.Node, src []byte) (match, bool) {
		switch n.Type() {
		case "decorated_definition":
			def := n.ChildByFieldName("definition")
			if def == nil {
				return match{}, false
			}
			m, ok := pyDef(def, src)
			m.outer = n
			for i := 0; i < int(n.NamedChildCount()); i++ {
				if c := n.NamedChild(i); c.Type() == "decorator" {
					d := strings.TrimPrefix(strings.TrimSpace(c.Content(src)), "@")
					if j := strings.IndexByte(d, '('); j >= 0 {
						d = d[:j]
					}
					m.decorate = append(m.decorate, d)
				}
			}
			return m, ok
		case "function_definition", "class_definition":
			if p := n.Parent(); p != nil && p.Type() == "decorated_definition" {
				return match{}, false // handled with its decorators
			}
			return pyDef(n, src)
		}
		return match{}, false
	},
	decisions: set("if_statement", "elif_clause", "for_statement", "while_statement", "except_clause",
		"conditional_expression", "for_in_clause", "if_clause", "case_clause"),
	boolNode: "boolean_operator",
	calls:    set("call"),
	callee: func(n *sitter.Node, src []byte) string {
		f := n.ChildByFieldName("function")
		if f == nil {
			return ""
		}
		if f.Type() == "attribute" {
			return field(f, "attribute", src)
		}
		if f.Type() == "identifier" {
			return f.Content(src)
		}
		return ""
	},
	receiver: noReceiver,
	describe: func(def, outer *sitter.Node, src []byte) string {
		if body := def.ChildByFieldName("body"); body != nil && body.NamedChildCount() > 0 {
			first := body.NamedChild(0)
			if first.Type() == "expression_statement" && first.NamedChildCount() > 0 && first.NamedChild(0).Type() == "string" {
				return docstring(first.NamedChild(0).Content(src))
			}
		}
		return leadingComment(outer, src)
	},
	async: func(def *sitter.Node, _ []byte) bool { return hasChildType(def, "async") },
	typed: func(def *sitter.Node, _ []byte) bool {
		if def.ChildByFieldName("return_type") != nil {
			return true
		}
		return hasDescendant(def.ChildByFieldName("parameters"), 1, set("typed_parameter", "typed_default_parameter"))
	},
	imports: func(root *sitter.Node, src []byte) []string {
		var out []string
		for i := 0; i < int(root.NamedChildCount()); i++ {
			c := root.NamedChild(i)
			switch c.Type() {
			case "import_statement", "import_from_statement":
				for j := 0; j < int(c.NamedChildCount()); j++ {
					k := c.NamedChild(j)
					if c.FieldNameForChild(j) == "module_name" && c.Type() == "import_from_statement" {
						continue
					}
					name := k.Content(src)
					if k.Type() == "aliased_import" {
						name = field(k, "alias", src)
					}
					name = name[strings.LastIndexByte(name, '.')+1:]
					out = append(out, name)
				}
			}
		}
		return out
	},
}

func pyDef(n *sitter.Node, src []byte) (match, bool) {
	kind := "function"
	if n.Type() == "class_definition" {
		kind = "class"
	}
	name := field(n, "name", src)
	return match{def: n, outer: n, name: name, kind: kind}, name != ""
}

// docstring strips the quotes, prefixes and indentation of a Python
// string literal.
func docstring(s string) string {
	s = strings.TrimLeft(s, "rRbBuUfF")
	for _, q := range []string{`"""`, `'''`, `"`, `'`} {
		if strings.HasPrefix(s, q) && strings.HasSuffix(s, q) && len(s) >= 2*len(q) {
			s = s[len(q) : len(s)-len(q)]
			break
		}
	}
	lines := strings.Split(s, "\n")
	for i := range lines {
		lines[i] = strings.TrimSpace(lines[i])
	}
	return strings.TrimSpace(strings.Join(lines, "\n"))
}

// --- Go

var goGrammar = &grammar{
	name: "go", lang: golang.GetLanguage,
	units: set("function_declaration", "method_declaration", "type_spec"),
	match: func(n *sitter.Node, src []byte) (match, bool) {
		switch n.Type() {
		case "function_declaration":
			return match{def: n, outer: n, name: field(n, "name", src), kind: "function"}, true
		case "method_declaration":
			return match{def: n, outer: n, name: field(n, "name", src), kind: "method"}, true
		case "type_spec":
			if t := n.ChildByFieldName("type"); t != nil && (t.Type() == "struct_type" || t.Type() == "interface_type") {
				outer := n
				if p := n.Parent(); p != nil && p.Type() == "type_declaration" && p.NamedChildCount() == 1 {
					outer = p
				}
				return match{def: n, outer: outer, name: field(n, "name", src), kind: "type"}, true
			}
		}
		return match{}, false
	},
	decisions: set("if_statement", "for_statement", "expression_case", "type_case", "communication_case"),
	boolNode:  "binary_expression", boolOps: set("&&", "||"),
	calls: set("call_expression"),
	callee: func(n *sitter.Node, src []byte) string {
		f := n.ChildByFieldName("function")
		if f == nil {
			return ""
		}
		switch f.Type() {
		case "identifier":
			return f.Content(src)
		case "selector_expression":
			return field(f, "field", src)
		}
		return ""
	},
	receiver: func(def *sitter.Node, src []byte) string {
		r := def.ChildByFieldName("receiver")
		if r == nil {
			return ""
		}
		t := r.Content(src)
		t = strings.Trim(t, "()")
		if f := strings.Fields(t); len(f) > 0 {
			t = f[len(f)-1]
		}
		t = strings.TrimPrefix(t, "*")
		if i := strings.IndexByte(t, '['); i >= 0 {
			t = t[:i]
		}
		return t
	},
	describe: func(_, outer *sitter.Node, src []byte) string { return leadingComment(outer, src) },
	async:    func(*sitter.Node, []byte) bool { return false },
	typed:    func(*sitter.Node, []byte) bool { return true },
	imports: func(root *sitter.Node, src []byte) []string {
		var out []string
		var walk func(n *sitter.Node)
		walk = func(n *sitter.Node) {
			for i := 0; i < int(n.NamedChildCount()); i++ {
				c := n.NamedChild(i)
				switch c.Type() {
				case "import_declaration", "import_spec_list":
					walk(c)
				case "import_spec":
					name := field(c, "name", src)
					if name == "" {
						p := strings.Trim(field(c, "path", src), "\"`")
						name = p[strings.LastIndexByte(p, '/')+1:]
					}
					if name != "_" && name != "." {
						out = append(out, name)
					}
				}
			}
		}
		walk(root)
		return out
	},
}

// --- JavaScript and TypeScript

func jsMatch(n *sitter.Node, src []byte) (match, bool) {
	outer := func(n *sitter.Node) *sitter.Node {
		if p := n.Parent(); p != nil && p.Type() == "export_statement" {
			return p
		}
		return n
	}
	switch n.Type() {
	case "function_declaration", "generator_function_declaration":
		return match{def: n, outer: outer(n), name: field(n, "name", src), kind: "function"}, true
	case "class_declaration", "abstract_class_declaration":
		return match{def: n, outer: outer(n), name: field(n, "name", src), kind: "class"}, true
	case "method_definition":
		return match{def: n, outer: n, name: field(n, "name", src), kind: "method"}, true
	case "variable_declarator":
		v := n.ChildByFieldName("value")
		if v == nil {
			return match{}, false
		}
		switch v.Type() {
		case "arrow_function", "function", "function_expression", "generator_function":
			decl := n.Parent()
			o := n
			if decl != nil && decl.NamedChildCount() == 1 {
				o = outer(decl)
			}
			return match{def: v, outer: o, name: field(n, "name", src), kind: "function"}, true
		}
	}
	return match{}, false
}

func jsGrammarFor(name string, lang func() *sitter.Language) *grammar {
	return &grammar{
		name: name, lang: lang, match: jsMatch,
		units: set("function_declaration", "generator_function_declaration", "class_declaration",
			"abstract_class_declaration", "method_definition", "variable_declarator"),
		decisions: set("if_statement", "for_statement", "for_in_statement", "while_statement", "do_statement",
			"switch_case", "catch_clause", "ternary_expression"),
		boolNode: "binary_expression", boolOps: set("&&", "||", "??"),
		calls: set("call_expression", "new_expression"),
		callee: func(n *sitter.Node, src []byte) string {
			f := n.ChildByFieldName("function")
			if f == nil {
				f = n.ChildByFieldName("constructor")
			}
			if f == nil {
				return ""
			}
			switch f.Type() {
			case "identifier":
				return f.Content(src)
			case "member_expression":
				return field(f, "property", src)
			}
			return ""
		},
		receiver: noReceiver,
		describe: func(_, outer *sitter.Node, src []byte) string {
			d := leadingComment(outer, src)
			if d == "" && outer.Parent() != nil && outer.Type() == "variable_declarator" {
				d = leadingComment(outer.Parent(), src)
			}
			return d
		},
		async: func(def *sitter.Node, _ []byte) bool { return hasChildType(def, "async") },
		typed: func(def *sitter.Node, _ []byte) bool {
			return def.ChildByFieldName("return_type") != nil ||
				hasDescendant(def.ChildByFieldName("parameters"), 2, set("type_annotation"))
		},
		imports: func(root *sitter.Node, src []byte) []string {
			var out []string
			for i := 0; i < int(root.NamedChildCount()); i++ {
				c := root.NamedChild(i)
				if c.Type() != "import_statement" {
					continue
				}
				var walk func(n *sitter.Node)
				walk = func(n *sitter.Node) {
					for j := 0; j < int(n.NamedChildCount()); j++ {
						k := n.NamedChild(j)
						switch k.Type() {
						case "identifier":
							out = append(out, k.Content(src))
						case "import_specifier":
							name := field(k, "alias", src)
							if name == "" {
								name = field(k, "name", src)
							}
							out = append(out, name)
						case "import_clause", "named_imports", "namespace_import":
							walk(k)
						}
					}
				}
				walk(c)
			}
			return out
		},
	}
}

var (
	jsGrammar  = jsGrammarFor("javascript", javascript.GetLanguage)
	tsGrammar  = jsGrammarFor("typescript", typescript.GetLanguage)
	tsxGrammar = jsGrammarFor("tsx", tsx.GetLanguage)
)
