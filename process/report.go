package process

import (
	"sync"

	"github.com/human2/hds/process/redact"
)

// ReportFile is where Run writes its report, relative to the root.
const ReportFile = "data/reports/process.json"

// maxListed bounds the skipped items listed by name in the report.
const maxListed = 1000

// Report is what a run did, step by step.
type Report struct {
	Config   Config         `json:"config"`
	Input    InputCounts    `json:"input"`
	Dropped  map[string]int `json:"dropped"` // by reason, before extraction
	Skipped  []SkippedItem  `json:"skipped"` // the first maxListed, with file:line or id
	Extract  ExtractCounts  `json:"extract"`
	Dedup    DedupCounts    `json:"dedup"`
	Redacted redact.Counts  `json:"redacted"`
	Tokens   int64          `json:"tokens"`
	Embed    EmbedCounts    `json:"embed"`
	Output   OutputCounts   `json:"output"`
	Seconds  float64        `json:"-"`

	mu sync.Mutex
}

// InputCounts describe the raw data read.
type InputCounts struct {
	Files      int   `json:"files"`
	Records    int   `json:"records"`
	Bytes      int64 `json:"bytes"`
	BadLines   int   `json:"bad_lines"`
	CodeBytes  int64 `json:"code_bytes"`
	TextBytes  int64 `json:"text_bytes"`
	SkippedTot int   `json:"skipped_total"`
}

// ExtractCounts describe code extraction.
type ExtractCounts struct {
	Files        int            `json:"files"`
	Units        int            `json:"units"`
	PartialParse int            `json:"partial_parse"`
	ByLanguage   map[string]int `json:"by_language"`
	ByKind       map[string]int `json:"by_kind"`
}

// DedupCounts are the duplicates dropped.
type DedupCounts struct {
	CodeExact int     `json:"code_exact"`
	CodeNear  int     `json:"code_near"`
	TextExact int     `json:"text_exact"`
	TextNear  int     `json:"text_near"`
	Bands     int     `json:"bands"`
	Rows      int     `json:"rows"`
	Threshold float64 `json:"threshold"`
}

// EmbedCounts say how many embeddings were computed and reused.
type EmbedCounts struct {
	Model    string `json:"model"`
	Computed int    `json:"computed"`
	Reused   int    `json:"reused"`
}

// OutputCounts describe what was written.
type OutputCounts struct {
	Patterns      int            `json:"code_patterns"`
	Texts         int            `json:"nlp_training"`
	Documentation int            `json:"documentation_pages"`
	Examples      int            `json:"examples"`
	Splits        map[string]int `json:"splits"`
	Files         int            `json:"files_written"`
	Unchanged     int            `json:"files_unchanged"`
	Removed       int            `json:"files_removed"`
}

// SkippedItem is one input item left out, and why.
type SkippedItem struct {
	Where  string `json:"where"` // file:line or record id
	Reason string `json:"reason"`
}

func newReport(c Config) *Report {
	return &Report{
		Config: c, Dropped: map[string]int{}, Redacted: redact.Counts{}, Skipped: []SkippedItem{},
		Extract: ExtractCounts{ByLanguage: map[string]int{}, ByKind: map[string]int{}},
		Output:  OutputCounts{Splits: map[string]int{}},
	}
}

func (r *Report) drop(reason string) {
	r.mu.Lock()
	r.Dropped[reason]++
	r.mu.Unlock()
}

// addSkipped merges one shard's skipped items; shards are merged in name
// order, so the listed items do not depend on scheduling.
func (r *Report) addSkipped(items []SkippedItem) {
	r.Input.SkippedTot += len(items)
	for _, it := range items {
		if len(r.Skipped) >= maxListed {
			return
		}
		r.Skipped = append(r.Skipped, it)
	}
}
