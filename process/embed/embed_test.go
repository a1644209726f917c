package embed

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestHashingIsDeterministicNormalisedAndSimilarityAware(t *testing.T) {
	e := NewHashing(0)
	if e.Dim() != 256 || e.Name() != "hash-ngram-v1/256" {
		t.Fatalf("dim %d name %s", e.Dim(), e.Name())
	}
	vs, _ := e.Embed(context.Background(), []string{
		"parse a JSON document into a dictionary",
		"parse the JSON document into a dict",
		"the weather in Paris is sunny today",
		"",
	})
	var norm float64
	for _, x := range vs[0] {
		norm += float64(x) * float64(x)
	}
	if math.Abs(norm-1) > 1e-5 {
		t.Fatalf("norm %v", norm)
	}
	if cos(vs[0], vs[1]) <= cos(vs[0], vs[2])+0.2 {
		t.Fatalf("similar texts %.2f not closer than unrelated %.2f", cos(vs[0], vs[1]), cos(vs[0], vs[2]))
	}
	for _, x := range vs[3] {
		if x != 0 {
			t.Fatal("empty text has a non-zero vector")
		}
	}
	// Golden prefix: the same on every platform and every run.
	again, _ := e.Embed(context.Background(), []string{"parse a JSON document into a dictionary"})
	got := fmt.Sprintf("%.4f", again[0][:4])
	if want := fmt.Sprintf("%.4f", vs[0][:4]); got != want {
		t.Fatalf("not deterministic: %s vs %s", got, want)
	}
}

func cos(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}

// openAI answers like the /v1/embeddings endpoint, after failing as told.
func openAI(t *testing.T, fail []int) (*httptest.Server, *atomic.Int32) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1)) - 1
		if r.URL.Path != "/v1/embeddings" || r.Header.Get("Authorization") != "Bearer sk-test" {
			t.Errorf("request %s auth %q", r.URL.Path, r.Header.Get("Authorization"))
		}
		if i < len(fail) {
			if fail[i] == 429 {
				w.Header().Set("Retry-After", "2")
			}
			w.WriteHeader(fail[i])
			fmt.Fprintf(w, `{"error":{"message":"failure %d","type":"invalid_request_error"}}`, fail[i])
			return
		}
		var req struct {
			Model string   `json:"model"`
			Input []string `json:"input"`
		}
		json.NewDecoder(r.Body).Decode(&req)
		type item struct {
			Object    string    `json:"object"`
			Index     int       `json:"index"`
			Embedding []float32 `json:"embedding"`
		}
		var data []item
		for j := len(req.Input) - 1; j >= 0; j-- { // out of order on purpose
			data = append(data, item{"embedding", j, []float32{float32(len(req.Input[j])), 1, 0}})
		}
		json.NewEncoder(w).Encode(map[string]any{"object": "list", "data": data, "model": req.Model,
			"usage": map[string]int{"prompt_tokens": 3, "total_tokens": 3}})
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func TestHTTPEmbedder(t *testing.T) {
	srv, n := openAI(t, []int{429, 502})
	var waits []time.Duration
	e, err := NewHTTP(HTTPOptions{URL: srv.URL + "/v1", Model: "m", APIKey: "sk-test", Batch: 2,
		Sleep: func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }})
	if err != nil {
		t.Fatal(err)
	}
	vs, err := e.Embed(context.Background(), []string{"a", "bb", "ccc"})
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 3 || vs[0][0] != 1 || vs[1][0] != 2 || vs[2][0] != 3 || e.Dim() != 3 {
		t.Fatalf("vectors %v dim %d", vs, e.Dim())
	}
	if n.Load() != 4 || len(waits) != 2 || waits[0] != 2*time.Second {
		t.Fatalf("%d requests, waits %v", n.Load(), waits)
	}
}

func TestHTTPEmbedderClientErrorIsNotRetriedAndHidesKey(t *testing.T) {
	srv, n := openAI(t, []int{400})
	e, _ := NewHTTP(HTTPOptions{URL: srv.URL + "/v1", Model: "m", APIKey: "sk-test"})
	_, err := e.Embed(context.Background(), []string{"a"})
	if err == nil || !strings.Contains(err.Error(), "HTTP 400: failure 400") || strings.Contains(err.Error(), "sk-test") {
		t.Fatalf("err = %v", err)
	}
	if n.Load() != 1 {
		t.Fatalf("%d requests for a 400", n.Load())
	}
}

func BenchmarkHashing(b *testing.B) {
	e := NewHashing(256)
	text := strings.Repeat("Serialize obj as a JSON formatted stream to fp using this conversion table. ", 20)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		e.Embed(context.Background(), []string{text})
	}
}
