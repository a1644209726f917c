package schema

import (
	"strings"
	"testing"
)

func TestViolationsNameLineAndPointer(t *testing.T) {
	good := `{"text_id":"0123456789abcdef01234567","content":"hi","type":"qa","split":"train","metadata":{"source":"se","language":"en","embedding":[0.1],"embedding_model":"m","tokens":1,"record_id":"r"}}`
	bad := `{"text_id":"0123456789abcdef01234567","content":"","type":"poem","split":"train","metadata":{"source":"se","language":"en","embedding":[],"embedding_model":"m","tokens":0,"record_id":"r"}}`
	in := good + "\n" + bad + "\n{not json\n"
	vs, n, err := ValidateJSONL(strings.NewReader(in), "data/nlp_training/x.jsonl", NLPTraining)
	if err != nil || n != 3 {
		t.Fatalf("n %d err %v", n, err)
	}
	var got []string
	for _, v := range vs {
		got = append(got, v.String())
	}
	all := strings.Join(got, "\n")
	for _, want := range []string{
		"data/nlp_training/x.jsonl:2: /content:",
		"data/nlp_training/x.jsonl:2: /type:",
		"data/nlp_training/x.jsonl:2: /metadata/embedding:",
		"data/nlp_training/x.jsonl:2: /metadata/tokens:",
		"data/nlp_training/x.jsonl:3: not JSON",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("missing %q in:\n%s", want, all)
		}
	}
	if strings.Contains(all, ":1:") {
		t.Errorf("valid line reported:\n%s", all)
	}
}

func TestFor(t *testing.T) {
	for p, want := range map[string]string{
		"data/code_patterns/git/a.jsonl": CodePattern,
		"data/nlp_training/docs/b.jsonl": NLPTraining,
		"data/raw/docs/b.jsonl":          "",
		"data/code_patterns/README.md":   "",
	} {
		if got := For(p); got != want {
			t.Errorf("For(%q) = %q, want %q", p, got, want)
		}
	}
}
