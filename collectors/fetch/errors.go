package fetch

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// secretParams are query parameters whose values never appear in errors
// or logs.
var secretParams = []string{"key", "access_token", "client_secret", "token", "api_key", "apikey", "sig", "signature"}

// Redact returns u with the values of secret query parameters and any
// user:password replaced by "REDACTED".
func Redact(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "(unparsable URL)"
	}
	if p.User != nil {
		p.User = url.User("REDACTED")
	}
	q := p.Query()
	changed := false
	for k := range q {
		for _, s := range secretParams {
			if strings.EqualFold(k, s) {
				q.Set(k, "REDACTED")
				changed = true
			}
		}
	}
	if changed {
		p.RawQuery = q.Encode()
	}
	return p.String()
}

// URLError is a request that failed without a response.
type URLError struct {
	Method, URL string
	Err         error
}

func (e *URLError) Error() string { return fmt.Sprintf("%s %s: %v", e.Method, e.URL, e.Err) }
func (e *URLError) Unwrap() error { return e.Err }

// LimitError is a request the source refuses until a time further away than
// the transport is willing to wait.
type LimitError struct {
	Method, URL string
	Status      int
	Until       time.Time
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("%s %s: rate limited (HTTP %d) until %s; try again later or use an API key/token for a higher limit",
		e.Method, e.URL, e.Status, e.Until.UTC().Format(time.RFC3339))
}

// StatusError is a response with an unexpected status.
type StatusError struct {
	Method, URL string
	Status      int
	Message     string // the server's error message, if it gave one
}

func (e *StatusError) Error() string {
	s := fmt.Sprintf("%s %s: HTTP %d %s", e.Method, e.URL, e.Status, http.StatusText(e.Status))
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// Check returns nil for a 2xx response and otherwise a *StatusError with
// the server's message, closing the body.
func Check(resp *http.Response) error {
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	return &StatusError{Method: resp.Request.Method, URL: Redact(resp.Request.URL.String()), Status: resp.StatusCode, Message: message(b)}
}

// message extracts an error message from a JSON error body (GitHub's
// "message", Stack Exchange's "error_message", OpenAI's "error.message"),
// or the start of a text body.
func message(b []byte) string {
	var v struct {
		Message      string `json:"message"`
		ErrorMessage string `json:"error_message"`
		Error        struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(b, &v) == nil {
		for _, m := range []string{v.Message, v.ErrorMessage, v.Error.Message} {
			if m != "" {
				return m
			}
		}
	}
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}

// Get fetches u with the client and returns the response when it is 2xx,
// else a *StatusError.
func Get(req *http.Request, c *http.Client) (*http.Response, error) {
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	if err := Check(resp); err != nil {
		return nil, err
	}
	return resp, nil
}
