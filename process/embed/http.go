package embed

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/human2/hds/internal/wait"
)

// HTTPOptions configure an OpenAI-compatible embeddings client.
type HTTPOptions struct {
	URL     string // base URL; requests go to URL + "/embeddings" (e.g. http://localhost:11434/v1)
	Model   string
	APIKey  string // sent as a Bearer token; never in errors
	Batch   int    // texts per request; 0: 64
	Retries int    // retries on 429, 5xx and network errors; 0: 4
	Timeout time.Duration
	Client  *http.Client
	// Sleep waits between retries; tests replace it.
	Sleep func(ctx context.Context, d time.Duration) error
}

type httpEmbedder struct {
	o   HTTPOptions
	dim atomic.Int64 // learnt from the first response
}

// NewHTTP returns an embedder that posts batches to {URL}/embeddings.
func NewHTTP(o HTTPOptions) (Embedder, error) {
	if o.URL == "" || o.Model == "" {
		return nil, errors.New("embed: http embedder needs a url and a model")
	}
	o.URL = strings.TrimSuffix(o.URL, "/")
	if o.Batch <= 0 {
		o.Batch = 64
	}
	if o.Retries <= 0 {
		o.Retries = 4
	}
	if o.Timeout <= 0 {
		o.Timeout = 2 * time.Minute
	}
	if o.Client == nil {
		o.Client = &http.Client{Timeout: o.Timeout}
	}
	if o.Sleep == nil {
		o.Sleep = wait.Sleep
	}
	return &httpEmbedder{o: o}, nil
}

func (e *httpEmbedder) Name() string { return "openai-compatible:" + e.o.Model }

// Dim is known after the first response; 0 before.
func (e *httpEmbedder) Dim() int { return int(e.dim.Load()) }

func (e *httpEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, 0, len(texts))
	for start := 0; start < len(texts); start += e.o.Batch {
		batch := texts[start:min(start+e.o.Batch, len(texts))]
		vs, err := e.batch(ctx, batch)
		if err != nil {
			return nil, err
		}
		out = append(out, vs...)
	}
	return out, nil
}

type embedResponse struct {
	Data []struct {
		Index     int       `json:"index"`
		Embedding []float32 `json:"embedding"`
	} `json:"data"`
}

func (e *httpEmbedder) batch(ctx context.Context, texts []string) ([][]float32, error) {
	body, _ := json.Marshal(map[string]any{"model": e.o.Model, "input": texts})
	url := e.o.URL + "/embeddings"
	for attempt := 0; ; attempt++ {
		resp, err := e.post(ctx, url, body)
		wait, retry := e.retryable(resp, err, attempt)
		if !retry || attempt >= e.o.Retries {
			if err != nil {
				return nil, fmt.Errorf("embed: POST %s: %w", url, err)
			}
			return e.decode(resp, url, len(texts))
		}
		if resp != nil {
			resp.Body.Close()
		}
		if err := e.o.Sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

func (e *httpEmbedder) post(ctx context.Context, url string, body []byte) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, "POST", url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if e.o.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+e.o.APIKey)
	}
	return e.o.Client.Do(req)
}

// retryable says whether to try again and after how long: Retry-After on
// 429/503, else exponential backoff with jitter from one second.
func (e *httpEmbedder) retryable(resp *http.Response, err error, attempt int) (time.Duration, bool) {
	if err != nil {
		return backoff(attempt), ctxAlive(err)
	}
	if resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode < 500 {
		return 0, false
	}
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	return backoff(attempt), true
}

func ctxAlive(err error) bool {
	return !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
}

func backoff(attempt int) time.Duration {
	d := time.Second << min(attempt, 6)
	return time.Duration(float64(d) * (0.75 + 0.5*rand.Float64()))
}

func (e *httpEmbedder) decode(resp *http.Response, url string, n int) ([][]float32, error) {
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		return nil, fmt.Errorf("embed: POST %s: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		var eb struct {
			Error struct {
				Message string `json:"message"`
			} `json:"error"`
		}
		msg := strings.TrimSpace(string(b[:min(len(b), 200)]))
		if json.Unmarshal(b, &eb) == nil && eb.Error.Message != "" {
			msg = eb.Error.Message
		}
		return nil, fmt.Errorf("embed: POST %s: HTTP %d: %s", url, resp.StatusCode, msg)
	}
	var r embedResponse
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("embed: POST %s: invalid response: %w", url, err)
	}
	if len(r.Data) != n {
		return nil, fmt.Errorf("embed: POST %s: %d embeddings for %d texts", url, len(r.Data), n)
	}
	out := make([][]float32, n)
	for _, d := range r.Data {
		if d.Index < 0 || d.Index >= n || out[d.Index] != nil {
			return nil, fmt.Errorf("embed: POST %s: bad or repeated index %d", url, d.Index)
		}
		e.dim.CompareAndSwap(0, int64(len(d.Embedding)))
		if dim := e.Dim(); len(d.Embedding) != dim || dim == 0 {
			return nil, fmt.Errorf("embed: POST %s: embedding of dimension %d, expected %d", url, len(d.Embedding), dim)
		}
		out[d.Index] = d.Embedding
	}
	return out, nil
}
