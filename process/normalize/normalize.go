// Package normalize cleans source code and text before extraction and
// decides which files are not worth training on.
//
// Code is made valid UTF-8 or refused, its line endings become "\n", a
// byte-order mark and trailing white space are removed and the file ends
// in one newline. Files are dropped, with a reason, when they are
// vendored, generated, binary, oversized, or fail StarCoder's filters for
// code: a line over MaxLineLength (1,000) characters, a mean line length
// over MaxMeanLine (100), or less than MinAlnum (25%) alphanumeric
// characters. Languages are detected with go-enry when the collector did
// not say.
package normalize

import (
	"path"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/go-enry/go-enry/v2"
)

// Reasons a file or text is dropped.
const (
	DropEncoding  = "invalid UTF-8"
	DropBinary    = "binary"
	DropVendored  = "vendored"
	DropGenerated = "generated"
	DropOversized = "oversized"
	DropLongLines = "line longer than the limit"
	DropMinified  = "mean line length over the limit (minified)"
	DropAlnum     = "too few alphanumeric characters"
	DropEmpty     = "empty"
)

// Options are the code filters' limits; zero values take the defaults.
type Options struct {
	MaxSize       int     // bytes; default 1 MiB
	MaxLineLength int     // default 1000
	MaxMeanLine   float64 // default 100
	MinAlnum      float64 // fraction; default 0.25
}

func (o *Options) defaults() {
	if o.MaxSize <= 0 {
		o.MaxSize = 1 << 20
	}
	if o.MaxLineLength <= 0 {
		o.MaxLineLength = 1000
	}
	if o.MaxMeanLine <= 0 {
		o.MaxMeanLine = 100
	}
	if o.MinAlnum <= 0 {
		o.MinAlnum = 0.25
	}
}

// Code normalizes a source file and detects its language (lang when the
// collector gave one). It returns the reason when the file is dropped.
func Code(p, lang, code string, o Options) (out, language, drop string) {
	o.defaults()
	// JSON cannot carry invalid UTF-8: decoders turn it into U+FFFD, so a
	// replacement character in code marks a file read with the wrong encoding.
	if !utf8.ValidString(code) || strings.ContainsRune(code, utf8.RuneError) {
		return "", "", DropEncoding
	}
	if len(code) > o.MaxSize {
		return "", "", DropOversized
	}
	if p != "" && enry.IsVendor(p) {
		return "", "", DropVendored
	}
	if enry.IsBinary([]byte(code)) {
		return "", "", DropBinary
	}
	out = Lines(code)
	if strings.TrimSpace(out) == "" {
		return "", "", DropEmpty
	}
	if drop := filters(out, o); drop != "" {
		return "", "", drop
	}
	if p != "" && enry.IsGenerated(p, []byte(out)) {
		return "", "", DropGenerated
	}
	if lang == "" {
		lang = enry.GetLanguage(path.Base(p), []byte(out))
	}
	return out, lang, ""
}

// Lines strips a byte-order mark, turns CRLF and CR into LF, removes
// trailing white space from every line and ends the text with exactly one
// newline.
func Lines(s string) string {
	s = strings.TrimPrefix(s, "\uFEFF")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRightFunc(l, unicode.IsSpace)
	}
	return strings.TrimRight(strings.Join(lines, "\n"), "\n") + "\n"
}

func filters(code string, o Options) string {
	lines, longest, alnum, runes := 0, 0, 0, 0
	for _, l := range strings.Split(strings.TrimSuffix(code, "\n"), "\n") {
		lines++
		longest = max(longest, utf8.RuneCountInString(l))
	}
	for _, r := range code {
		runes++
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			alnum++
		}
	}
	switch {
	case longest > o.MaxLineLength:
		return DropLongLines
	case float64(runes)/float64(lines) > o.MaxMeanLine:
		return DropMinified
	case float64(alnum)/float64(runes) < o.MinAlnum:
		return DropAlnum
	}
	return ""
}

// Text normalizes prose: valid UTF-8 (invalid sequences are refused),
// LF line endings, no trailing white space, at most one blank line in a
// row.
func Text(s string) (string, string) {
	if !utf8.ValidString(s) {
		return "", DropEncoding
	}
	s = Lines(s)
	for strings.Contains(s, "\n\n\n") {
		s = strings.ReplaceAll(s, "\n\n\n", "\n\n")
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return "", DropEmpty
	}
	return s, ""
}
