package extract

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func units(t *testing.T, lang, path, src string) map[string]Unit {
	t.Helper()
	f, err := Extract(context.Background(), lang, path, []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]Unit{}
	for _, u := range f.Units {
		out[u.QualName] = u
	}
	return out
}

func expect(t *testing.T, got map[string]Unit, name, kind string, complexity int, check func(Unit) string) {
	t.Helper()
	u, ok := got[name]
	if !ok {
		names := []string{}
		for n := range got {
			names = append(names, n)
		}
		t.Errorf("no unit %s; have %v", name, names)
		return
	}
	if u.Kind != kind || u.Complexity != complexity {
		t.Errorf("%s: kind %s complexity %d, want %s %d", name, u.Kind, u.Complexity, kind, complexity)
	}
	if check != nil {
		if msg := check(u); msg != "" {
			t.Errorf("%s: %s", name, msg)
		}
	}
}

const pySrc = `import os
import numpy as np
from typing import Optional

@app.route("/items", methods=["GET"])
@cached
async def list_items(request, limit: int = 10) -> list:
    """List visible items.

    Returns at most limit items."""
    items = [i for i in await load(request) if i.visible]
    if not items or limit <= 0:
        return []
    return np.array(items[:limit])

# Loads every record of a file.
def load_all(path):
    def parse(line):
        return line.strip() if line else None
    with open(path) as f:
        return [parse(l) for l in f]

class Store:
    """A key-value store."""

    def get(self, key: str) -> Optional[str]:
        try:
            return self._data[key]
        except KeyError:
            return None
        finally:
            os.sync()

    @staticmethod
    def test_roundtrip():
        for k in range(3):
            while k > 0:
                k -= 1
`

func TestPython(t *testing.T) {
	got := units(t, "Python", "app/views.py", pySrc)
	// list_items: 1 + comprehension for + comprehension if + if + or = 5.
	expect(t, got, "list_items", "function", 5, func(u Unit) string {
		switch {
		case !u.Async || !u.Typed:
			return fmt.Sprintf("async %v typed %v", u.Async, u.Typed)
		case strings.Join(u.Decorators, ",") != "app.route,cached":
			return fmt.Sprint("decorators ", u.Decorators)
		case u.Description != "List visible items.\n\nReturns at most limit items.":
			return fmt.Sprintf("description %q", u.Description)
		case !strings.HasPrefix(u.Code, "@app.route") || u.StartLine != 5:
			return fmt.Sprintf("code starts %q at line %d", u.Code[:10], u.StartLine)
		case strings.Join(u.Imports, ",") != "np":
			return fmt.Sprint("imports ", u.Imports)
		case strings.Join(u.Calls, ",") != "load,array":
			return fmt.Sprint("calls ", u.Calls)
		}
		return ""
	})
	// load_all: 1 + comprehension for = 2; the nested parse is its own unit.
	expect(t, got, "load_all", "function", 2, func(u Unit) string {
		if u.Description != "Loads every record of a file." {
			return fmt.Sprintf("description %q", u.Description)
		}
		return ""
	})
	expect(t, got, "load_all.parse", "function", 2, nil) // 1 + conditional expression
	expect(t, got, "Store", "class", 1, func(u Unit) string {
		if u.Description != "A key-value store." {
			return fmt.Sprintf("description %q", u.Description)
		}
		return ""
	})
	expect(t, got, "Store.get", "method", 2, func(u Unit) string { // 1 + except
		if !u.Typed || u.Test {
			return "want typed, not test"
		}
		return ""
	})
	expect(t, got, "Store.test_roundtrip", "method", 3, func(u Unit) string { // 1 + for + while
		if !u.Test || u.Decorators[0] != "staticmethod" {
			return "want test code with @staticmethod"
		}
		return ""
	})
}

const goSrc = `package store

import (
	"fmt"
	str "strings"
)

// Store keeps values by key.
type Store struct{ m map[string]string }

// Get returns the value of key, or an error
// when it is missing.
func (s *Store) Get(key string) (string, error) {
	v, ok := s.m[key]
	if !ok || key == "" {
		return "", fmt.Errorf("no %s", key)
	}
	switch {
	case str.HasPrefix(v, "x"):
		return v, nil
	case v == "":
	default:
	}
	return v, nil
}

func keys(m map[string]string) (out []string) {
	for k := range m {
		out = append(out, k)
	}
	return
}
`

func TestGo(t *testing.T) {
	got := units(t, "Go", "store/store.go", goSrc)
	expect(t, got, "Store", "type", 1, func(u Unit) string {
		if u.Description != "Store keeps values by key." {
			return fmt.Sprintf("description %q", u.Description)
		}
		return ""
	})
	// Get: 1 + if + || + 2 non-default cases = 5.
	expect(t, got, "Store.Get", "method", 5, func(u Unit) string {
		if u.Description != "Get returns the value of key, or an error\nwhen it is missing." || !u.Typed {
			return fmt.Sprintf("description %q", u.Description)
		}
		if strings.Join(u.Imports, ",") != "fmt,str" || strings.Join(u.Calls, ",") != "Errorf,HasPrefix" {
			return fmt.Sprint("imports ", u.Imports, " calls ", u.Calls)
		}
		return ""
	})
	expect(t, got, "keys", "function", 2, nil)
}

const jsSrc = `import React, { useState as useS } from "react";

/** Adds two numbers. */
export const add = (a, b) => a + b;

const fetchAll = async (urls) => {
  const out = [];
  for (const u of urls) {
    out.push(await fetch(u) ?? null);
  }
  return out.length > 0 ? out : null;
};

// A counter widget.
class Counter extends React.Component {
  increment() {
    if (this.state.n < 10 && this.props.on) {
      this.setState({ n: this.state.n + 1 });
    }
  }
}

function legacy(x) {
  switch (x) {
    case 1: return "one";
    case 2: return "two";
    default: return "many";
  }
}
`

func TestJavaScript(t *testing.T) {
	got := units(t, "JavaScript", "src/app.js", jsSrc)
	expect(t, got, "add", "function", 1, func(u Unit) string {
		if u.Description != "Adds two numbers." || !strings.HasPrefix(u.Code, "export const add") {
			return fmt.Sprintf("description %q code %q", u.Description, u.Code)
		}
		return ""
	})
	// fetchAll: 1 + for-of + ?? + ternary = 4.
	expect(t, got, "fetchAll", "function", 4, func(u Unit) string {
		if !u.Async || strings.Join(u.Calls, ",") != "push,fetch" {
			return fmt.Sprint("async ", u.Async, " calls ", u.Calls)
		}
		return ""
	})
	expect(t, got, "Counter", "class", 1, func(u Unit) string {
		if u.Description != "A counter widget." {
			return fmt.Sprintf("description %q", u.Description)
		}
		return ""
	})
	expect(t, got, "Counter.increment", "method", 3, nil) // 1 + if + &&
	expect(t, got, "legacy", "function", 3, nil)          // 1 + two non-default cases
}

func TestTypeScriptTyped(t *testing.T) {
	got := units(t, "TypeScript", "a.ts", "export function area(w: number, h: number): number {\n  return w * h;\n}\n")
	expect(t, got, "area", "function", 1, func(u Unit) string {
		if !u.Typed {
			return "not typed"
		}
		return ""
	})
}

func TestBrokenCodeKeepsWhatParses(t *testing.T) {
	f, err := Extract(context.Background(), "Python", "x.py", []byte("def ok():\n    return 1\n\ndef broken(:\n    pass\n"))
	if !errors.Is(err, ErrSyntax) {
		t.Fatalf("err = %v", err)
	}
	if len(f.Units) == 0 || f.Units[0].Name != "ok" {
		t.Fatalf("units %+v", f.Units)
	}
	if _, err := Extract(context.Background(), "Cobol", "x.cbl", nil); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("err = %v", err)
	}
}

func TestQuality(t *testing.T) {
	good := Unit{Name: "parse_config", Kind: "function", Description: "Parse the configuration file.", Typed: true, Lines: 20, Complexity: 4, Comments: 2}
	bad := Unit{Name: "f", Kind: "function", Lines: 400, Complexity: 35}
	if q := Quality(&good, "Python"); q != 1 {
		t.Errorf("good unit scores %v, want 1", q)
	}
	// 0.25*0 + 0.15*0 + 0.2*0.1 + 0.2*0.2 + 0.1*0.3 + 0.1*0.4 = 0.13
	if q := Quality(&bad, "Python"); q != 0.13 {
		t.Errorf("bad unit scores %v, want 0.13", q)
	}
}

func BenchmarkExtractPython(b *testing.B) {
	src := []byte(strings.Repeat(pySrc, 20))
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		Extract(context.Background(), "Python", "x.py", src)
	}
}
