package manifest

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strconv"

	"github.com/human2/hds/chunk"
)

// maxLine bounds one manifest line (a quoted symlink target is the longest).
const maxLine = 16 << 10

// decoder reads a canonical manifest line by line.
type decoder struct {
	sc   *bufio.Scanner
	line int
	cur  []byte
	eof  bool
	err  error // scanner error, reported instead of "missing field"
}

func newDecoder(r io.Reader) *decoder {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 256), maxLine)
	sc.Split(scanStrictLines)
	d := &decoder{sc: sc}
	d.advance()
	return d
}

// errUnterminated reports a last line without its newline.
var errUnterminated = errors.New("last line has no newline")

// scanStrictLines is bufio.ScanLines without its leniency: every line ends
// in '\n' and a '\r' stays part of the line (and so fails to parse).
func scanStrictLines(data []byte, atEOF bool) (int, []byte, error) {
	if i := bytes.IndexByte(data, '\n'); i >= 0 {
		return i + 1, data[:i], nil
	}
	if atEOF && len(data) > 0 {
		return 0, nil, errUnterminated
	}
	return 0, nil, nil
}

func (d *decoder) advance() {
	if d.sc.Scan() {
		d.line++
		d.cur = d.sc.Bytes()
		return
	}
	d.eof, d.cur = true, nil
	if err := d.sc.Err(); err != nil {
		d.line++
		d.err = err
	}
}

func (d *decoder) errorf(format string, args ...any) error {
	if d.err != nil {
		return fmt.Errorf("%w: line %d: %v", ErrMalformed, d.line, d.err)
	}
	return fmt.Errorf("%w: line %d: %s", ErrMalformed, d.line, fmt.Sprintf(format, args...))
}

// field consumes a "key value" line and returns value; ok is false (and
// nothing is consumed) when the current line has another key.
func (d *decoder) field(key string) (string, bool) {
	if d.eof || !bytes.HasPrefix(d.cur, []byte(key)) || len(d.cur) <= len(key) || d.cur[len(key)] != ' ' {
		return "", false
	}
	v := string(d.cur[len(key)+1:])
	d.advance()
	return v, true
}

func (d *decoder) require(key string) (string, error) {
	if v, ok := d.field(key); ok {
		return v, nil
	}
	if d.eof {
		return "", d.errorf("missing %q", key)
	}
	return "", d.errorf("want %q, found %q", key, truncate(d.cur))
}

func (d *decoder) header(magic string) error {
	v, err := d.require(magic)
	if err != nil {
		return err
	}
	if v != strconv.Itoa(Version) {
		return d.errorf("unsupported version %q (this hds reads version %d; upgrade hds)", v, Version)
	}
	return nil
}

// Decode reads a canonical file manifest.
func Decode(r io.Reader) (*File, error) {
	d := newDecoder(r)
	if err := d.header("hds-manifest"); err != nil {
		return nil, err
	}
	f, err := d.file()
	if err != nil {
		return nil, err
	}
	if !d.eof || d.err != nil {
		return nil, d.errorf("unexpected %q", truncate(d.cur))
	}
	if err := f.Validate(); err != nil {
		return nil, err
	}
	return f, nil
}

// DecodeBytes decodes a manifest held in memory.
func DecodeBytes(b []byte) (*File, error) { return Decode(bytes.NewReader(b)) }

func (d *decoder) file() (*File, error) {
	f := &File{Records: NoRecords}
	typ, err := d.require("type")
	if err != nil {
		return nil, err
	}
	f.Type = Type(typ)
	if f.Type != TypeFile && f.Type != TypeSymlink {
		return nil, d.errorf("unknown type %q", typ)
	}
	mode, err := d.require("mode")
	if err != nil {
		return nil, err
	}
	m, err := parseCanonical(mode, 8)
	if err != nil || m > uint64(fs.ModePerm) {
		return nil, d.errorf("bad mode %q", mode)
	}
	f.Mode = fs.FileMode(m)
	if f.Size, err = d.int("size"); err != nil {
		return nil, err
	}
	if f.Type == TypeSymlink {
		t, err := d.require("target")
		if err != nil {
			return nil, err
		}
		if f.Target, err = strconv.Unquote(t); err != nil || strconv.Quote(f.Target) != t {
			return nil, d.errorf("bad target %q", truncate([]byte(t)))
		}
		return f, nil
	}
	if err := d.hash(f); err != nil {
		return nil, err
	}
	if _, ok := d.peek("records"); ok {
		if f.Records, err = d.int("records"); err != nil {
			return nil, err
		}
	}
	return f, d.chunks(f)
}

func (d *decoder) peek(key string) (string, bool) {
	if d.eof || !bytes.HasPrefix(d.cur, []byte(key+" ")) {
		return "", false
	}
	return string(d.cur[len(key)+1:]), true
}

func (d *decoder) int(key string) (int64, error) {
	v, err := d.require(key)
	if err != nil {
		return 0, err
	}
	n, err := parseCanonical(v, 10)
	if err != nil || n > 1<<62 {
		return 0, d.errorf("bad %s %q", key, truncate([]byte(v)))
	}
	return int64(n), nil
}

func (d *decoder) hash(f *File) error {
	v, err := d.require("hash")
	if err != nil {
		return err
	}
	alg, hx, ok := bytes.Cut([]byte(v), []byte(" "))
	if !ok {
		return d.errorf("bad hash %q", truncate([]byte(v)))
	}
	if f.Algorithm, err = chunk.ParseAlgorithm(string(alg)); err != nil {
		return d.errorf("%v", err)
	}
	if f.Hash, err = parseHex(hx); err != nil {
		return d.errorf("bad hash: %v", err)
	}
	return nil
}

func (d *decoder) chunks(f *File) error {
	for !d.eof {
		v, ok := d.field("chunk")
		if !ok {
			return d.errorf("unexpected %q", truncate(d.cur))
		}
		hx, ln, ok := bytes.Cut([]byte(v), []byte(" "))
		if !ok {
			return d.errorf("bad chunk line")
		}
		id, err := parseHex(hx)
		if err != nil {
			return d.errorf("bad chunk id: %v", err)
		}
		n, err := parseCanonical(string(ln), 10)
		if err != nil || n == 0 || n > MaxChunkLen {
			return d.errorf("bad chunk length %q", truncate(ln))
		}
		f.Chunks = append(f.Chunks, Chunk{ID: id, Len: uint32(n)})
	}
	return nil
}

// parseCanonical parses an unsigned number with no sign, no leading zeros
// (but "0"), no spaces: the only spelling Encode produces.
func parseCanonical(s string, base int) (uint64, error) {
	if s == "" || (len(s) > 1 && s[0] == '0') || s[0] == '+' || s[0] == '-' {
		return 0, fmt.Errorf("not canonical")
	}
	return strconv.ParseUint(s, base, 64)
}

func parseHex(b []byte) (chunk.ID, error) {
	var id chunk.ID
	if len(b) != 64 {
		return id, fmt.Errorf("want 64 hex characters, have %d", len(b))
	}
	for _, c := range b {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return id, fmt.Errorf("not lowercase hex")
		}
	}
	_, err := hex.Decode(id[:], b)
	return id, err
}

func truncate(b []byte) string {
	if len(b) > 40 {
		return string(b[:40]) + "..."
	}
	return string(b)
}
