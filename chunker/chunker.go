package chunker

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/bits"
)

// ErrInvalidParams is returned (wrapped) by Params.Validate, and by Next
// when the Chunker was created with invalid Params.
var ErrInvalidParams = errors.New("chunker: invalid parameters")

// Bounds on Params.
const (
	MinSize = 64      // smallest allowed Params.Min: the gear hash window
	MaxSize = 1 << 30 // largest allowed Params.Max
)

// Params are the chunk size bounds and the record-alignment switch.
type Params struct {
	Min int // no chunk but the last is shorter
	Avg int // target average; a power of two
	Max int // no chunk is longer
	// Records moves every cut to just after a '\n' when one lies within
	// bounds, for line-oriented formats (JSONL, CSV, TSV, text).
	Records bool
}

// DefaultParams are 16 KiB / 64 KiB / 256 KiB without record alignment.
var DefaultParams = Params{Min: 16 << 10, Avg: 64 << 10, Max: 256 << 10}

// Validate reports whether MinSize <= Min < Avg < Max <= MaxSize and Avg
// is a power of two.
func (p Params) Validate() error {
	switch {
	case p.Min < MinSize:
		return fmt.Errorf("%w: Min %d is below %d", ErrInvalidParams, p.Min, MinSize)
	case p.Avg <= p.Min:
		return fmt.Errorf("%w: Avg %d must be above Min %d", ErrInvalidParams, p.Avg, p.Min)
	case p.Max <= p.Avg:
		return fmt.Errorf("%w: Max %d must be above Avg %d", ErrInvalidParams, p.Max, p.Avg)
	case p.Max > MaxSize:
		return fmt.Errorf("%w: Max %d is above %d", ErrInvalidParams, p.Max, MaxSize)
	case p.Avg&(p.Avg-1) != 0:
		return fmt.Errorf("%w: Avg %d is not a power of two", ErrInvalidParams, p.Avg)
	}
	return nil
}

// masks returns the strict mask used before Avg and the loose one after:
// the top log2(Avg)+2 and log2(Avg)-2 bits of the fingerprint.
func (p Params) masks() (strict, loose uint64) {
	b := bits.Len(uint(p.Avg)) - 1
	return ^uint64(0) << (64 - (b + 2)), ^uint64(0) << (64 - max(b-2, 1))
}

// Chunker splits the bytes of a reader into chunks. It is not safe for
// concurrent use; give each goroutine its own and reuse it with Reset.
type Chunker struct {
	r            io.Reader
	p            Params
	strict       uint64
	loose        uint64
	buf          []byte // 2*Max: the current chunk and the read-ahead
	start, end   int    // unconsumed bytes are buf[start:end]
	eof          bool
	err          error // sticky: invalid params or a read error
	paramsErr    error
	zeroReadRuns int
}

// New returns a Chunker reading r. It allocates a buffer of 2*p.Max bytes.
// Invalid Params do not panic: Next returns the Validate error.
func New(r io.Reader, p Params) *Chunker {
	c := &Chunker{p: p}
	if err := p.Validate(); err != nil {
		c.paramsErr = err
	} else {
		c.strict, c.loose = p.masks()
		c.buf = make([]byte, 2*p.Max)
	}
	c.Reset(r)
	return c
}

// Reset makes c read from r as if new, reusing its buffer: it does not
// allocate.
func (c *Chunker) Reset(r io.Reader) {
	c.r = r
	c.start, c.end = 0, 0
	c.eof = false
	c.err = c.paramsErr
	c.zeroReadRuns = 0
}

// Next returns the next chunk. The slice is only valid until the next call
// of Next or Reset. At the end of the input Next returns nil, io.EOF; it
// never returns an empty chunk. A read error is returned wrapped, and again
// on every later call.
func (c *Chunker) Next() ([]byte, error) {
	if c.err != nil {
		return nil, c.err
	}
	if c.end-c.start < c.p.Max && !c.eof {
		if err := c.fill(); err != nil {
			return nil, err
		}
	}
	if c.start == c.end {
		return nil, io.EOF
	}
	data := c.buf[c.start:min(c.end, c.start+c.p.Max)]
	n := c.cut(data)
	c.start += n
	return data[:n:n], nil
}

// fill moves the unconsumed bytes to the front of the buffer and reads
// until it is full or the reader is exhausted.
func (c *Chunker) fill() error {
	if c.start > 0 {
		c.end = copy(c.buf, c.buf[c.start:c.end])
		c.start = 0
	}
	for c.end < len(c.buf) && !c.eof {
		n, err := c.r.Read(c.buf[c.end:])
		c.end += n
		switch {
		case errors.Is(err, io.EOF):
			c.eof = true
		case err != nil:
			c.err = fmt.Errorf("chunker: read: %w", err)
			return c.err
		case n == 0:
			if c.zeroReadRuns++; c.zeroReadRuns > 100 {
				c.err = fmt.Errorf("chunker: read: %w", io.ErrNoProgress)
				return c.err
			}
		default:
			c.zeroReadRuns = 0
		}
	}
	return nil
}

// cut returns the length of the chunk at the start of data, which holds
// Max bytes, or fewer at the end of the input.
func (c *Chunker) cut(data []byte) int {
	n := cdc(data, c.p.Min, c.p.Avg, c.strict, c.loose)
	if !c.p.Records || data[n-1] == '\n' {
		return n
	}
	if i := bytes.IndexByte(data[n:], '\n'); i >= 0 {
		return n + i + 1
	}
	if len(data) < c.p.Max {
		return len(data) // the last chunk: no newline to align to
	}
	if i := bytes.LastIndexByte(data[c.p.Min-1:n], '\n'); i >= 0 {
		return c.p.Min + i
	}
	return len(data)
}

// cdc returns the FastCDC cut point of data: the first position past min
// where the fingerprint matches the strict mask (before avg) or the loose
// mask (after), or len(data).
func cdc(data []byte, minSize, avg int, strict, loose uint64) int {
	if len(data) <= minSize {
		return len(data)
	}
	var fp uint64
	i := minSize
	for end := min(avg, len(data)); i < end; i++ {
		fp = fp<<1 + gear[data[i]]
		if fp&strict == 0 {
			return i + 1
		}
	}
	for ; i < len(data); i++ {
		fp = fp<<1 + gear[data[i]]
		if fp&loose == 0 {
			return i + 1
		}
	}
	return len(data)
}
