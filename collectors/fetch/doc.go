// Package fetch is the HTTP layer of the network collectors: a
// RoundTripper that retries transient failures with exponential backoff and
// jitter, waits out rate limits (Retry-After, X-RateLimit-Remaining/Reset),
// decodes gzip bodies the server sent unasked, and errors that name the
// request without leaking secrets in its query string.
//
// Only requests that can be replayed (no body, or GetBody set) are retried.
// A wait longer than Options.MaxWait is not slept through: the request fails
// with a *LimitError that says until when the source refuses service.
package fetch
