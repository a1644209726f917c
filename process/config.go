package process

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"

	"gopkg.in/yaml.v3"

	"github.com/human2/hds/process/dedup"
)

// ConfigFile is the optional configuration at the repository root.
const ConfigFile = "hds.yaml"

// Config is the `process:` section of hds.yaml.
type Config struct {
	Splits      Splits       `yaml:"splits" json:"splits"`
	Dedup       DedupConfig  `yaml:"dedup" json:"dedup"`
	Tokens      TokensConfig `yaml:"tokens" json:"tokens"`
	Embedder    EmbedConfig  `yaml:"embedder" json:"embedder"`
	MaxFileSize int          `yaml:"max_file_size" json:"max_file_size"`
	Languages   []string     `yaml:"languages" json:"languages"` // empty: every language extract supports
	MinDocWords int          `yaml:"min_doc_words" json:"min_doc_words"`
}

// Splits are the train/validation/test ratios; they must sum to 1.
type Splits struct {
	Train      float64 `yaml:"train" json:"train"`
	Validation float64 `yaml:"validation" json:"validation"`
	Test       float64 `yaml:"test" json:"test"`
}

// DedupConfig configures near-duplicate detection.
type DedupConfig struct {
	Shingle      int     `yaml:"shingle" json:"shingle"`
	Permutations int     `yaml:"permutations" json:"permutations"`
	Threshold    float64 `yaml:"threshold" json:"threshold"`
}

// TokensConfig bounds NLP pieces.
type TokensConfig struct {
	Max     int `yaml:"max" json:"max"`
	Overlap int `yaml:"overlap" json:"overlap"`
}

// EmbedConfig selects the embedder: "hash" (built in) or "http" (an
// OpenAI-compatible endpoint; the key comes from HDS_EMBED_API_KEY).
type EmbedConfig struct {
	Kind  string `yaml:"kind" json:"kind"`
	Dim   int    `yaml:"dim" json:"dim,omitempty"`
	URL   string `yaml:"url" json:"url,omitempty"`
	Model string `yaml:"model" json:"model,omitempty"`
	Batch int    `yaml:"batch" json:"batch,omitempty"`
}

// DefaultConfig is what processing uses without hds.yaml.
func DefaultConfig() Config {
	d := dedup.DefaultOptions()
	return Config{
		Splits:      Splits{Train: 0.9, Validation: 0.05, Test: 0.05},
		Dedup:       DedupConfig{Shingle: d.Shingle, Permutations: d.Permutations, Threshold: d.Threshold},
		Tokens:      TokensConfig{Max: 512, Overlap: 64},
		Embedder:    EmbedConfig{Kind: "hash", Dim: 256},
		MaxFileSize: 1 << 20,
		MinDocWords: 3,
	}
}

// ErrConfig marks an invalid configuration.
var ErrConfig = errors.New("process: invalid configuration")

// Validate checks the configuration.
func (c *Config) Validate() error {
	s := c.Splits
	switch {
	case s.Train < 0 || s.Validation < 0 || s.Test < 0 || math.Abs(s.Train+s.Validation+s.Test-1) > 1e-9:
		return fmt.Errorf("%w: splits %v/%v/%v must be non-negative and sum to 1", ErrConfig, s.Train, s.Validation, s.Test)
	case c.Tokens.Max < 16 || c.Tokens.Overlap < 0 || c.Tokens.Overlap > c.Tokens.Max/2:
		return fmt.Errorf("%w: tokens.max %d must be >= 16 and tokens.overlap %d at most half of it", ErrConfig, c.Tokens.Max, c.Tokens.Overlap)
	case c.Embedder.Kind != "hash" && c.Embedder.Kind != "http":
		return fmt.Errorf("%w: embedder.kind %q (hash or http)", ErrConfig, c.Embedder.Kind)
	case c.Embedder.Kind == "http" && (c.Embedder.URL == "" || c.Embedder.Model == ""):
		return fmt.Errorf("%w: embedder kind http needs url and model", ErrConfig)
	case c.MaxFileSize <= 0:
		return fmt.Errorf("%w: max_file_size %d", ErrConfig, c.MaxFileSize)
	}
	o := c.dedupOptions()
	return o.Validate()
}

func (c *Config) dedupOptions() dedup.Options {
	o := dedup.DefaultOptions()
	o.Shingle, o.Permutations, o.Threshold = c.Dedup.Shingle, c.Dedup.Permutations, c.Dedup.Threshold
	return o
}

// LoadConfig reads the process section of path over the defaults; a
// missing file gives the defaults. Unknown keys are errors.
func LoadConfig(path string) (Config, error) {
	c := DefaultConfig()
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return c, err
	}
	var file struct {
		Process *Config `yaml:"process"`
	}
	file.Process = &c
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&file); err != nil && !errors.Is(err, io.EOF) { // io.EOF: an empty file
		return c, fmt.Errorf("%s: %w", path, err)
	}
	if err := c.Validate(); err != nil {
		return c, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// DefaultConfigYAML is a commented hds.yaml with the defaults.
const DefaultConfigYAML = `# hds.yaml: settings of 'hds process'. Every key is optional.
process:
  # train/validation/test ratios; a record's split is fixed by a hash of its id.
  splits: {train: 0.9, validation: 0.05, test: 0.05}
  # near-duplicates: word 5-gram shingles, 256 MinHash permutations,
  # Jaccard threshold 0.7 (BigCode's parameters).
  dedup: {shingle: 5, permutations: 256, threshold: 0.7}
  # NLP pieces: at most max cl100k tokens, neighbours share overlap tokens.
  tokens: {max: 512, overlap: 64}
  # embedder: kind hash (built in, offline; dim) or kind http (an
  # OpenAI-compatible /v1/embeddings server: url, model; key from
  # HDS_EMBED_API_KEY).
  embedder: {kind: hash, dim: 256}
  # source files larger than this are dropped.
  max_file_size: 1048576
  # languages to extract code patterns from (empty: Python, Go, JavaScript, TypeScript).
  languages: []
  # docstrings shorter than this many words do not become NLP records.
  min_doc_words: 3
`
