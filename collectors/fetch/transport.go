package fetch

import (
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/human2/hds/internal/wait"
)

// Options configure a Transport. The zero value is usable.
type Options struct {
	Base       http.RoundTripper // nil: a transport with dial, TLS and header timeouts
	Retries    int               // retries after the first attempt; 0: 5
	MinBackoff time.Duration     // first backoff; 0: 1s
	MaxBackoff time.Duration     // backoff cap; 0: 1m
	LimitWait  time.Duration     // wait when limited without a reset time; 0: 1m
	MaxWait    time.Duration     // longest single wait before failing; 0: 1h
	UserAgent  string            // set when the request has none; "": "hds"
	Logf       func(format string, args ...any)
	// Sleep and Now are the clock, replaceable in tests.
	Sleep func(ctx context.Context, d time.Duration) error
	Now   func() time.Time
}

// Transport is an http.RoundTripper with retries and rate-limit waits.
type Transport struct{ o Options }

var _ http.RoundTripper = (*Transport)(nil)

// New returns a Transport with o's zero fields set to their defaults.
func New(o Options) *Transport {
	if o.Base == nil {
		o.Base = &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			TLSHandshakeTimeout:   15 * time.Second,
			ResponseHeaderTimeout: 90 * time.Second,
			IdleConnTimeout:       90 * time.Second,
			MaxIdleConnsPerHost:   4,
		}
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	if o.Retries <= 0 {
		o.Retries = 5
	}
	def(&o.MinBackoff, time.Second)
	def(&o.MaxBackoff, time.Minute)
	def(&o.LimitWait, time.Minute)
	def(&o.MaxWait, time.Hour)
	if o.UserAgent == "" {
		o.UserAgent = "hds"
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	if o.Sleep == nil {
		o.Sleep = wait.Sleep
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Transport{o: o}
}

// NewClient returns an http.Client over New(o). It has no overall timeout
// (archives may take long to download); the transport bounds connecting
// and waiting for headers.
func NewClient(o Options) *http.Client { return &http.Client{Transport: New(o)} }

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Header.Get("User-Agent") == "" {
		req = req.Clone(req.Context())
		req.Header.Set("User-Agent", t.o.UserAgent)
	}
	replayable := req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
	for attempt := 0; ; attempt++ {
		r, err := t.try(req, attempt)
		if err != nil {
			return nil, err
		}
		resp, rerr := t.o.Base.RoundTrip(r)
		wait, why := t.verdict(resp, rerr, attempt)
		if why == "" || !replayable || attempt >= t.o.Retries {
			if rerr != nil {
				return nil, &URLError{Method: req.Method, URL: Redact(req.URL.String()), Err: rerr}
			}
			return decode(resp)
		}
		if resp != nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
		}
		if wait > t.o.MaxWait {
			return nil, &LimitError{Method: req.Method, URL: Redact(req.URL.String()), Status: statusOf(resp), Until: t.o.Now().Add(wait)}
		}
		t.o.Logf("%s %s: %s; retry %d/%d in %s", req.Method, Redact(req.URL.String()), why, attempt+1, t.o.Retries, wait.Round(100*time.Millisecond))
		if err := t.o.Sleep(req.Context(), wait); err != nil {
			return nil, err
		}
	}
}

// try returns the request for an attempt, with a fresh body on retries.
func (t *Transport) try(req *http.Request, attempt int) (*http.Request, error) {
	if attempt == 0 || req.GetBody == nil {
		return req, nil
	}
	body, err := req.GetBody()
	if err != nil {
		return nil, err
	}
	r := req.Clone(req.Context())
	r.Body = body
	return r, nil
}

func statusOf(resp *http.Response) int {
	if resp == nil {
		return 0
	}
	return resp.StatusCode
}

// verdict decides whether to retry: it returns how long to wait and why,
// or why == "" to hand the outcome to the caller.
func (t *Transport) verdict(resp *http.Response, err error, attempt int) (time.Duration, string) {
	if err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return 0, ""
		}
		return t.backoff(attempt), err.Error()
	}
	code := resp.StatusCode
	limited := code == http.StatusTooManyRequests ||
		(code == http.StatusForbidden && (resp.Header.Get("Retry-After") != "" || resp.Header.Get("X-RateLimit-Remaining") == "0"))
	switch {
	case limited:
		return t.limitWait(resp, attempt), resp.Status + " (rate limited)"
	case code == http.StatusBadGateway || code == http.StatusServiceUnavailable || code == http.StatusGatewayTimeout ||
		code == http.StatusInternalServerError || code == http.StatusRequestTimeout:
		if d, ok := retryAfter(resp, t.o.Now()); ok {
			return d, resp.Status
		}
		return t.backoff(attempt), resp.Status
	}
	return 0, ""
}

// limitWait is how long a rate-limited response asks us to wait:
// Retry-After, else the reset time when nothing remains, else at least
// LimitWait growing with the attempts.
func (t *Transport) limitWait(resp *http.Response, attempt int) time.Duration {
	if d, ok := retryAfter(resp, t.o.Now()); ok {
		return d
	}
	if resp.Header.Get("X-RateLimit-Remaining") == "0" {
		if reset, err := strconv.ParseInt(resp.Header.Get("X-RateLimit-Reset"), 10, 64); err == nil {
			d := time.Unix(reset, 0).Sub(t.o.Now()) + time.Second
			return max(d, time.Second)
		}
	}
	return max(t.o.LimitWait, t.backoff(attempt))
}

// backoff is MinBackoff·2^attempt capped at MaxBackoff, with ±25% jitter.
func (t *Transport) backoff(attempt int) time.Duration {
	d := float64(t.o.MinBackoff) * math.Pow(2, float64(attempt))
	d = math.Min(d, float64(t.o.MaxBackoff))
	d *= 0.75 + 0.5*rand.Float64()
	return time.Duration(d)
}

// retryAfter parses a Retry-After header in seconds or as an HTTP date.
func retryAfter(resp *http.Response, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(resp.Header.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	if at, err := http.ParseTime(v); err == nil {
		return max(at.Sub(now), 0), true
	}
	return 0, false
}

// decode unwraps a gzip body the Go transport did not decode itself (the
// request set its own Accept-Encoding, or the server compressed unasked).
func decode(resp *http.Response) (*http.Response, error) {
	if resp.Uncompressed || !strings.EqualFold(resp.Header.Get("Content-Encoding"), "gzip") {
		return resp, nil
	}
	zr, err := gzip.NewReader(resp.Body)
	if err != nil {
		resp.Body.Close()
		return nil, fmt.Errorf("%s %s: gzip body: %w", resp.Request.Method, Redact(resp.Request.URL.String()), err)
	}
	resp.Body = &gzipBody{zr: zr, c: resp.Body}
	resp.Header.Del("Content-Encoding")
	resp.Header.Del("Content-Length")
	resp.ContentLength = -1
	resp.Uncompressed = true
	return resp, nil
}

type gzipBody struct {
	zr *gzip.Reader
	c  io.Closer
}

func (g *gzipBody) Read(p []byte) (int, error) { return g.zr.Read(p) }
func (g *gzipBody) Close() error               { return g.c.Close() }
