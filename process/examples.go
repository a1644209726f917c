package process

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
)

// ExamplesDir holds curated examples: the best documented patterns of
// each language, one file each.
const ExamplesDir = "data/examples"

// examplesPerLanguage is how many patterns per language become examples.
const examplesPerLanguage = 25

// exampleExt is the file extension of each language's examples.
var exampleExt = map[string]string{"Python": ".py", "Go": ".go", "JavaScript": ".js", "TypeScript": ".ts", "TSX": ".tsx"}

// examples keeps, per language, the highest-scoring documented patterns
// (quality score, then id, so the choice is deterministic).
type examples struct {
	mu     sync.Mutex
	byLang map[string][]Pattern
}

func (e *examples) offer(p *Pattern) {
	if p.Description == "" || p.Metadata.Kind == "type" || exampleExt[p.Language] == "" {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.byLang == nil {
		e.byLang = map[string][]Pattern{}
	}
	l := append(e.byLang[p.Language], *p)
	sort.Slice(l, func(i, j int) bool {
		if l[i].Metadata.QualityScore != l[j].Metadata.QualityScore {
			return l[i].Metadata.QualityScore > l[j].Metadata.QualityScore
		}
		return l[i].PatternID < l[j].PatternID
	})
	if len(l) > examplesPerLanguage {
		l = l[:examplesPerLanguage]
	}
	e.byLang[p.Language] = l
}

// stage writes the chosen examples under dir/<language>/<name>-<id><ext>,
// each starting with its description and provenance as a comment.
func (e *examples) stage(dir string) error {
	for lang, ps := range e.byLang {
		for _, p := range ps {
			name := strings.ToLower(lang) + "/" + safeName(p.Metadata.QualName) + "-" + p.PatternID[:8] + exampleExt[lang]
			path := filepath.Join(dir, filepath.FromSlash(name))
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(path, []byte(exampleText(&p)), 0o644); err != nil {
				return err
			}
		}
	}
	return nil
}

func exampleText(p *Pattern) string {
	c := "//"
	if p.Language == "Python" {
		c = "#"
	}
	var sb strings.Builder
	for _, l := range strings.Split(p.Description, "\n") {
		sb.WriteString(strings.TrimRight(c+" "+l, " ") + "\n")
	}
	sb.WriteString(c + " source: " + p.Metadata.RecordID)
	if p.Metadata.License != "" {
		sb.WriteString(" (" + p.Metadata.License + ")")
	}
	sb.WriteString("\n\n" + strings.TrimRight(p.Code, "\n") + "\n")
	return sb.String()
}

func safeName(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r == '.' || r == '_' || r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return strings.Trim(b.String(), ".")
}
