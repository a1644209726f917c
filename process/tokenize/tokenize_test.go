package tokenize

import (
	"strings"
	"testing"
)

func TestCL100kKnownCounts(t *testing.T) {
	t.Setenv("HOME", t.TempDir()) // no cache directory is needed
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	tok, err := CL100k()
	if err != nil {
		t.Fatal(err)
	}
	for text, want := range map[string][]int{
		"hello world": {15339, 1917},
		"We know what we are, but know not what we may be.": {1687, 1440, 1148, 584, 527, 11, 719, 1440, 539, 1148, 584, 1253, 387, 13},
	} {
		got := tok.Encode(text)
		if len(got) != len(want) || tok.Count(text) != len(want) {
			t.Fatalf("Encode(%q) = %v, want %v", text, got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("Encode(%q) = %v, want %v", text, got, want)
			}
		}
		if tok.Decode(got) != text {
			t.Fatalf("round trip of %q", text)
		}
	}
	if tok.Name() != "cl100k_base" {
		t.Fatalf("name %q", tok.Name())
	}
}

func TestSplit(t *testing.T) {
	tok, _ := CL100k()
	if p := Split(tok, "short text", 512, 64); len(p) != 1 || p[0].Text != "short text" || p[0].Tokens != 2 {
		t.Fatalf("short text: %+v", p)
	}
	var sb strings.Builder
	for i := range 300 {
		sb.WriteString("The quick brown fox jumps over the lazy dog number ")
		sb.WriteString(strings.Repeat("x", i%7))
		if i%10 == 9 {
			sb.WriteString(".\n\n")
		} else {
			sb.WriteString(". ")
		}
	}
	text := sb.String()
	pieces := Split(tok, text, 200, 20)
	if len(pieces) < 10 {
		t.Fatalf("%d pieces", len(pieces))
	}
	for i, p := range pieces {
		if p.Tokens > 200 || p.Index != i || tok.Count(p.Text) > 201 {
			t.Fatalf("piece %d: %d tokens", i, p.Tokens)
		}
		if i > 0 && !strings.Contains(text, p.Text) {
			t.Fatalf("piece %d is not a substring of the text", i)
		}
	}
	// Overlap: each piece starts before the previous one ended.
	for i := 1; i < len(pieces); i++ {
		head := pieces[i].Text[:min(20, len(pieces[i].Text))]
		if !strings.Contains(pieces[i-1].Text, head) {
			t.Fatalf("piece %d does not overlap piece %d", i, i-1)
		}
	}
	again := Split(tok, text, 200, 20)
	for i := range pieces {
		if again[i] != pieces[i] {
			t.Fatal("Split is not deterministic")
		}
	}
}

func BenchmarkEncode(b *testing.B) {
	tok, _ := CL100k()
	text := strings.Repeat("func main() { fmt.Println(\"hello, world\") } // a comment about it\n", 200)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		tok.Encode(text)
	}
}
