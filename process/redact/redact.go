// Package redact replaces personal data and secrets in code and text with
// typed placeholders, following BigCode's PII pipeline: e-mail addresses,
// IPv4 addresses, and secrets found by typed detectors (AWS, GitHub,
// Slack, Stripe, JWT, PEM private keys) or by a high-entropy value assigned
// to a secret-sounding name.
//
// Left alone, so ordinary code is not mangled: addresses at example.com,
// example.org, example.net and localhost (documentation placeholders);
// private, loopback, reserved and documentation (RFC 5737) IPv4 ranges, well-known public DNS
// resolvers, and dotted version numbers (a "version" or "v" before them,
// unless the line speaks of a host, server, dns or ip); hash-like hex
// values (32, 40 or 64 hex digits) on a line that mentions sha, md5 or
// hash; and assigned values that look like placeholders ("changeme",
// "<token>", "${SECRET}", "xxxx") or have low entropy.
package redact

import (
	"math"
	"net/netip"
	"regexp"
	"sort"
	"strings"
)

// Placeholder types.
const (
	Email      = "EMAIL"
	IPAddress  = "IP_ADDRESS"
	AWSAccess  = "AWS_ACCESS_KEY"
	AWSSecret  = "AWS_SECRET_KEY"
	GitHub     = "GITHUB_TOKEN"
	Slack      = "SLACK_TOKEN"
	Stripe     = "STRIPE_KEY"
	JWT        = "JWT"
	PrivateKey = "PRIVATE_KEY"
	Secret     = "SECRET"
)

// Counts are replacements by placeholder type.
type Counts map[string]int

// Add adds other's counts to c.
func (c Counts) Add(other Counts) {
	for k, v := range other {
		c[k] += v
	}
}

// detector finds one kind of value: the whole match, or the submatch
// group when group > 0, is replaced unless keep says otherwise.
type detector struct {
	kind  string
	re    *regexp.Regexp
	group int
	keep  func(value, line string) bool
	// pre is a cheap test on the text (and its lower-case form) that
	// must hold for the regexp to have any chance of matching.
	pre func(s, lower string) bool
	// perLine runs the regexp only on the lines that pass pre: for
	// patterns that cannot span lines and whose regexps are slow to scan.
	perLine bool
}

func has(subs ...string) func(s, lower string) bool {
	return func(s, _ string) bool {
		for _, x := range subs {
			if strings.Contains(s, x) {
				return true
			}
		}
		return false
	}
}

func hasLower(subs ...string) func(s, lower string) bool {
	return func(_, lower string) bool {
		for _, x := range subs {
			if strings.Contains(lower, x) {
				return true
			}
		}
		return false
	}
}

// hasDottedQuad reports whether s has a digit, dot, digit sequence.
func hasDottedQuad(s, _ string) bool {
	for i := strings.IndexByte(s, '.'); i >= 0; {
		if i > 0 && i+1 < len(s) && isDigit(s[i-1]) && isDigit(s[i+1]) {
			return true
		}
		j := strings.IndexByte(s[i+1:], '.')
		if j < 0 {
			return false
		}
		i += 1 + j
	}
	return false
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

// Redactor applies the detectors. It is safe for concurrent use.
type Redactor struct{ detectors []detector }

// New compiles the detectors.
func New() *Redactor {
	return &Redactor{detectors: []detector{
		{kind: PrivateKey, re: regexp.MustCompile(`-----BEGIN (?:[A-Z]+ )?PRIVATE KEY(?: BLOCK)?-----[\s\S]*?-----END (?:[A-Z]+ )?PRIVATE KEY(?: BLOCK)?-----`), pre: has("PRIVATE KEY")},
		{kind: JWT, re: regexp.MustCompile(`\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}`), pre: has("eyJ")},
		{kind: AWSAccess, re: regexp.MustCompile(`\b(?:AKIA|ASIA)[0-9A-Z]{16}\b`), pre: has("AKIA", "ASIA")},
		{kind: AWSSecret, re: regexp.MustCompile(`(?i)aws[\w.-]{0,20}(?:secret|private)[\w.-]{0,20}["']?\s*[:=]\s*["']?([A-Za-z0-9/+]{40})\b`), group: 1, pre: hasLower("aws"), perLine: true},
		{kind: GitHub, re: regexp.MustCompile(`\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{50,255})\b`), pre: has("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_")},
		{kind: Slack, re: regexp.MustCompile(`\bxox[abposr]-[A-Za-z0-9-]{10,}`), pre: has("xox")},
		{kind: Stripe, re: regexp.MustCompile(`\b[sr]k_(?:live|test)_[0-9A-Za-z]{24,}\b`), pre: has("k_live_", "k_test_")},
		{kind: Secret, re: regexp.MustCompile(`(?i)\b[\w.-]*(?:password|passwd|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|auth[_-]?key|credential)[\w.-]*["']?\s*(?::=|=>|[:=])\s*["']([^"'\s]{8,})["']`), group: 1, keep: notSecret,
			pre: hasLower("pass", "pwd", "secret", "token", "key", "credential"), perLine: true},
		{kind: Email, re: regexp.MustCompile(`\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b`), keep: exampleEmail, pre: has("@"), perLine: true},
		{kind: IPAddress, re: regexp.MustCompile(`\b(?:\d{1,3}\.){3}\d{1,3}\b`), keep: keepIP, pre: hasDottedQuad, perLine: true},
	}}
}

// span is one replacement.
type span struct {
	start, end int
	kind       string
}

// Redact returns s with every detected value replaced by "<TYPE>" and the
// number of replacements by type.
func (r *Redactor) Redact(s string) (string, Counts) {
	var spans []span
	lower := asciiLower(s)
	for _, d := range r.detectors {
		if d.pre != nil && !d.pre(s, lower) {
			continue
		}
		if !d.perLine {
			spans = d.find(spans, s, 0)
			continue
		}
		for off := 0; off < len(s); {
			end := strings.IndexByte(s[off:], '\n')
			if end < 0 {
				end = len(s) - off
			}
			if line := s[off : off+end]; d.pre(line, lower[off:off+end]) {
				spans = d.find(spans, line, off)
			}
			off += end + 1
		}
	}
	if len(spans) == 0 {
		return s, nil
	}
	// Earlier detectors win overlaps (a key block before the e-mail in it).
	sort.SliceStable(spans, func(i, j int) bool { return spans[i].start < spans[j].start })
	counts := Counts{}
	var b strings.Builder
	last := 0
	for _, sp := range spans {
		if sp.start < last {
			continue
		}
		b.WriteString(s[last:sp.start])
		b.WriteString("<" + sp.kind + ">")
		counts[sp.kind]++
		last = sp.end
	}
	b.WriteString(s[last:])
	return b.String(), counts
}

// find appends the spans of d's matches in s, shifted by off.
func (d *detector) find(spans []span, s string, off int) []span {
	for _, m := range d.re.FindAllStringSubmatchIndex(s, -1) {
		start, end := m[0], m[1]
		if d.group > 0 {
			start, end = m[2*d.group], m[2*d.group+1]
		}
		if d.keep != nil && d.keep(s[start:end], lineAround(s, start)) {
			continue
		}
		spans = append(spans, span{off + start, off + end, d.kind})
	}
	return spans
}

// asciiLower lower-cases ASCII letters only, so byte offsets stay valid.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func lineAround(s string, i int) string {
	start := strings.LastIndexByte(s[:i], '\n') + 1
	end := strings.IndexByte(s[i:], '\n')
	if end < 0 {
		return s[start:]
	}
	return s[start : i+end]
}

func exampleEmail(v, _ string) bool {
	domain := strings.ToLower(v[strings.LastIndexByte(v, '@')+1:])
	for _, d := range []string{"example.com", "example.org", "example.net", "localhost", "domain.com", "email.com"} {
		if domain == d || strings.HasSuffix(domain, "."+d) {
			return true
		}
	}
	return false
}

var wellKnownDNS = map[string]bool{
	"8.8.8.8": true, "8.8.4.4": true, "1.1.1.1": true, "1.0.0.1": true, "9.9.9.9": true,
	"149.112.112.112": true, "208.67.222.222": true, "208.67.220.220": true,
}

// documentation are the address blocks reserved for examples (RFC 5737).
var documentation = []netip.Prefix{
	netip.MustParsePrefix("192.0.2.0/24"), netip.MustParsePrefix("198.51.100.0/24"), netip.MustParsePrefix("203.0.113.0/24"),
}

var versionBefore = regexp.MustCompile(`(?i)(?:version|ver|v)\w*[\s:="']*$`)

func keepIP(v, line string) bool {
	addr, err := netip.ParseAddr(v)
	if err != nil || !addr.Is4() {
		return true // not an address (e.g. 999.1.1.1)
	}
	if addr.IsPrivate() || addr.IsLoopback() || addr.IsUnspecified() || addr.IsLinkLocalUnicast() ||
		addr.IsMulticast() || v == "255.255.255.255" || wellKnownDNS[v] {
		return true
	}
	for _, p := range documentation {
		if p.Contains(addr) {
			return true
		}
	}
	l := strings.ToLower(line)
	networky := strings.Contains(l, "dns") || strings.Contains(l, "server") || strings.Contains(l, "host") ||
		strings.Contains(l, " ip") || strings.Contains(l, "addr")
	i := strings.Index(line, v)
	return !networky && i >= 0 && versionBefore.MatchString(line[:i])
}

var placeholder = regexp.MustCompile(`(?i)^(?:[x*#.-]+|<[^>]*>|\$\{[^}]*\}|\{\{[^}]*\}\}|%\(?\w+\)?s?|.*(?:changeme|example|placeholder|your[_-]|dummy|redacted|password|secret|token|test).*)$`)

var hexOnly = regexp.MustCompile(`^(?:[0-9a-fA-F]{32}|[0-9a-fA-F]{40}|[0-9a-fA-F]{64})$`)

// notSecret keeps assigned values that are placeholders, hash sums named
// as such, or too regular to be keys.
func notSecret(v, line string) bool {
	if placeholder.MatchString(v) {
		return true
	}
	l := strings.ToLower(line)
	if hexOnly.MatchString(v) && (strings.Contains(l, "sha") || strings.Contains(l, "md5") || strings.Contains(l, "hash")) {
		return true
	}
	return entropy(v) < 3.0
}

// entropy is the Shannon entropy of v in bits per character.
func entropy(v string) float64 {
	freq := map[rune]float64{}
	n := 0.0
	for _, r := range v {
		freq[r]++
		n++
	}
	h := 0.0
	for _, f := range freq {
		p := f / n
		h -= p * math.Log2(p)
	}
	return h
}
