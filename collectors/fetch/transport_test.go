package fetch

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// fakeClock records the waits instead of sleeping.
type fakeClock struct {
	now   time.Time
	waits []time.Duration
}

func (c *fakeClock) sleep(_ context.Context, d time.Duration) error {
	c.waits = append(c.waits, d)
	c.now = c.now.Add(d)
	return nil
}

func testClient(t *testing.T, clk *fakeClock, o Options) *http.Client {
	t.Helper()
	o.Sleep, o.Now = clk.sleep, func() time.Time { return clk.now }
	return NewClient(o)
}

// script serves the responses in order, one per request.
func script(t *testing.T, steps ...func(w http.ResponseWriter, r *http.Request)) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1)) - 1
		if i >= len(steps) {
			t.Errorf("unexpected request %d", i+1)
			w.WriteHeader(500)
			return
		}
		steps[i](w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func status(code int, hdr ...string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, _ *http.Request) {
		for i := 0; i+1 < len(hdr); i += 2 {
			w.Header().Set(hdr[i], hdr[i+1])
		}
		w.WriteHeader(code)
		fmt.Fprintf(w, `{"message":"status %d"}`, code)
	}
}

func ok(body string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, body) }
}

func get(t *testing.T, c *http.Client, url string) (string, error) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	resp, err := Get(req, c)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

func TestRetriesServerErrorsWithBackoff(t *testing.T) {
	srv, n := script(t, status(502), status(503), ok("done"))
	clk := &fakeClock{now: time.Unix(1000, 0)}
	body, err := get(t, testClient(t, clk, Options{MinBackoff: time.Second}), srv.URL)
	if err != nil || body != "done" {
		t.Fatalf("got %q, %v", body, err)
	}
	if n.Load() != 3 || len(clk.waits) != 2 {
		t.Fatalf("%d requests, waits %v", n.Load(), clk.waits)
	}
	// Exponential with ±25% jitter: ~1s then ~2s.
	if w := clk.waits; w[0] < 750*time.Millisecond || w[0] > 1250*time.Millisecond || w[1] < 1500*time.Millisecond || w[1] > 2500*time.Millisecond {
		t.Fatalf("waits %v not exponential", w)
	}
}

func TestHonoursRetryAfterAndRateLimitReset(t *testing.T) {
	clk := &fakeClock{now: time.Unix(1000, 0)}
	reset := fmt.Sprint(clk.now.Unix() + 30)
	srv, _ := script(t,
		status(429, "Retry-After", "7"),
		status(403, "X-RateLimit-Remaining", "0", "X-RateLimit-Reset", reset),
		ok("done"))
	if _, err := get(t, testClient(t, clk, Options{}), srv.URL); err != nil {
		t.Fatal(err)
	}
	if len(clk.waits) != 2 || clk.waits[0] != 7*time.Second {
		t.Fatalf("waits %v, want 7s first", clk.waits)
	}
	// The reset is 30 s after the first request; 7 s already passed.
	if w := clk.waits[1]; w < 23*time.Second || w > 25*time.Second {
		t.Fatalf("waited %v for the reset, want ~24s", w)
	}
}

func TestPlainForbiddenIsNotRetried(t *testing.T) {
	srv, n := script(t, status(403))
	_, err := get(t, testClient(t, &fakeClock{}, Options{}), srv.URL+"/x?key=SECRET123")
	var se *StatusError
	if !errors.As(err, &se) || se.Status != 403 || se.Message != "status 403" {
		t.Fatalf("err = %v", err)
	}
	if n.Load() != 1 {
		t.Fatalf("%d requests for a plain 403", n.Load())
	}
	if strings.Contains(err.Error(), "SECRET123") || !strings.Contains(err.Error(), "/x?key=REDACTED") {
		t.Fatalf("error leaks or loses the URL: %v", err)
	}
}

func TestLongLimitFailsWithLimitError(t *testing.T) {
	clk := &fakeClock{now: time.Unix(1000, 0)}
	srv, _ := script(t, status(403, "X-RateLimit-Remaining", "0", "X-RateLimit-Reset", fmt.Sprint(clk.now.Unix()+7200)))
	_, err := get(t, testClient(t, clk, Options{MaxWait: time.Hour}), srv.URL)
	var le *LimitError
	if !errors.As(err, &le) || le.Status != 403 {
		t.Fatalf("err = %v, want *LimitError", err)
	}
	if len(clk.waits) != 0 {
		t.Fatalf("slept %v before giving up", clk.waits)
	}
}

func TestGivesUpAfterRetries(t *testing.T) {
	srv, n := script(t, status(500), status(500), status(500))
	_, err := get(t, testClient(t, &fakeClock{}, Options{Retries: 2}), srv.URL)
	var se *StatusError
	if !errors.As(err, &se) || se.Status != 500 || n.Load() != 3 {
		t.Fatalf("err = %v after %d requests", err, n.Load())
	}
}

func TestUnaskedGzipIsDecoded(t *testing.T) {
	var zbuf bytes.Buffer
	zw := gzip.NewWriter(&zbuf)
	io.WriteString(zw, `{"items":[]}`)
	zw.Close()
	srv, _ := script(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		w.Write(zbuf.Bytes())
	})
	req, _ := http.NewRequest("GET", srv.URL, nil)
	req.Header.Set("Accept-Encoding", "gzip") // so Go's transport leaves it alone
	resp, err := Get(req, testClient(t, &fakeClock{}, Options{}))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != `{"items":[]}` {
		t.Fatalf("body %q", b)
	}
}

func TestCancelStopsWaiting(t *testing.T) {
	srv, _ := script(t, status(503, "Retry-After", "3600"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
	_, err := NewClient(Options{}).Do(req)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"https://api.stackexchange.com/2.3/questions?key=abc&site=so": "https://api.stackexchange.com/2.3/questions?key=REDACTED&site=so",
		"https://user:pw@host/x":            "https://REDACTED@host/x",
		"https://api.github.com/search?q=a": "https://api.github.com/search?q=a",
	} {
		if got := Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}
