package manifest

import (
	"bytes"
	"fmt"
	"io"
)

// DatasetPath is the tree path of the Dataset blob. No worktree file can
// have this path: the repository directory .hds is never part of a version.
const DatasetPath = ".hds"

// Dataset holds a version's totals, so log and show need not read every
// file manifest. Encoded as:
//
//	hds-dataset 1
//	files 20000
//	bytes 1073741824
//	records 3500000
type Dataset struct {
	Files   int64
	Bytes   int64
	Records int64 // lines of line-oriented files
}

// Add counts f into d.
func (d *Dataset) Add(f *File) {
	d.Files++
	d.Bytes += f.Size
	if f.HasRecords() {
		d.Records += f.Records
	}
}

// Sub removes f from d's counts.
func (d *Dataset) Sub(f *File) {
	d.Files--
	d.Bytes -= f.Size
	if f.HasRecords() {
		d.Records -= f.Records
	}
}

// Encode writes d in the canonical format.
func (d Dataset) Encode(w io.Writer) error {
	if d.Files < 0 || d.Bytes < 0 || d.Records < 0 {
		return fmt.Errorf("%w: negative dataset totals", ErrMalformed)
	}
	_, err := fmt.Fprintf(w, "hds-dataset 1\nfiles %d\nbytes %d\nrecords %d\n", d.Files, d.Bytes, d.Records)
	return err
}

// Encoded returns the canonical encoding of d.
func (d Dataset) Encoded() []byte {
	var b bytes.Buffer
	if err := d.Encode(&b); err != nil {
		panic(err) // only for negative totals, a programming error
	}
	return b.Bytes()
}

// DecodeDataset reads a canonical dataset summary.
func DecodeDataset(r io.Reader) (Dataset, error) {
	d := newDecoder(r)
	var ds Dataset
	if err := d.header("hds-dataset"); err != nil {
		return ds, err
	}
	var err error
	for _, f := range []struct {
		key string
		dst *int64
	}{{"files", &ds.Files}, {"bytes", &ds.Bytes}, {"records", &ds.Records}} {
		if *f.dst, err = d.int(f.key); err != nil {
			return ds, err
		}
	}
	if !d.eof || d.err != nil {
		return ds, d.errorf("unexpected %q", truncate(d.cur))
	}
	return ds, nil
}
