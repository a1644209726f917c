package manifest

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"io"
	"strconv"
)

// Encode writes f in the canonical format. It validates f first.
func (f *File) Encode(w io.Writer) error {
	if err := f.Validate(); err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	bw.WriteString("hds-manifest 1\ntype ")
	bw.WriteString(string(f.Type))
	bw.WriteString("\nmode ")
	bw.WriteString(strconv.FormatUint(uint64(f.Mode), 8))
	bw.WriteString("\nsize ")
	bw.WriteString(strconv.FormatInt(f.Size, 10))
	bw.WriteByte('\n')
	if f.Type == TypeSymlink {
		bw.WriteString("target ")
		bw.WriteString(strconv.Quote(f.Target))
		bw.WriteByte('\n')
		return bw.Flush()
	}
	var hexbuf [64]byte
	bw.WriteString("hash ")
	bw.WriteString(string(f.Algorithm))
	bw.WriteByte(' ')
	hex.Encode(hexbuf[:], f.Hash[:])
	bw.Write(hexbuf[:])
	bw.WriteByte('\n')
	if f.HasRecords() {
		bw.WriteString("records ")
		bw.WriteString(strconv.FormatInt(f.Records, 10))
		bw.WriteByte('\n')
	}
	num := make([]byte, 0, 16)
	for _, c := range f.Chunks {
		bw.WriteString("chunk ")
		hex.Encode(hexbuf[:], c.ID[:])
		bw.Write(hexbuf[:])
		bw.WriteByte(' ')
		bw.Write(strconv.AppendUint(num[:0], uint64(c.Len), 10))
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

// Bytes returns the canonical encoding of f.
func (f *File) Bytes() ([]byte, error) {
	var b bytes.Buffer
	b.Grow(96 + 72*len(f.Chunks))
	if err := f.Encode(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
