package manifest

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/human2/hds/chunk"
)

var update = flag.Bool("update", false, "rewrite golden files")

func id(s string) chunk.ID { return chunk.BLAKE3.Sum([]byte(s)) }

func sample() map[string]any {
	return map[string]any{
		"file.golden": &File{Type: TypeFile, Mode: 0o644, Size: 70000, Algorithm: chunk.BLAKE3,
			Hash: id("whole"), Records: 1024,
			Chunks: []Chunk{{id("a"), 65536}, {id("b"), 4464}}},
		"binary.golden": &File{Type: TypeFile, Mode: 0o755, Size: 3, Algorithm: chunk.SHA256,
			Hash: id("bin"), Records: NoRecords, Chunks: []Chunk{{id("c"), 3}}},
		"empty.golden":   &File{Type: TypeFile, Mode: 0o644, Algorithm: chunk.BLAKE3, Hash: id(""), Records: 0},
		"symlink.golden": &File{Type: TypeSymlink, Mode: 0o777, Size: 14, Target: "../a b\n/ü.txt", Records: NoRecords},
		"dataset.golden": Dataset{Files: 20000, Bytes: 1 << 30, Records: 3500000},
	}
}

func encode(t *testing.T, v any) []byte {
	t.Helper()
	switch v := v.(type) {
	case *File:
		b, err := v.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		return b
	case Dataset:
		return v.Encoded()
	}
	t.Fatalf("unknown %T", v)
	return nil
}

func TestGolden(t *testing.T) {
	for name, v := range sample() {
		t.Run(name, func(t *testing.T) {
			got := encode(t, v)
			path := filepath.Join("testdata", name)
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("encoding changed:\ngot:\n%s\nwant:\n%s", got, want)
			}
			switch v := v.(type) {
			case *File:
				back, err := DecodeBytes(want)
				if err != nil {
					t.Fatal(err)
				}
				if !equalFile(back, v) {
					t.Fatalf("round trip: got %+v want %+v", back, v)
				}
			case Dataset:
				back, err := DecodeDataset(bytes.NewReader(want))
				if err != nil || back != v {
					t.Fatalf("round trip: got %+v, %v want %+v", back, err, v)
				}
			}
		})
	}
}

func equalFile(a, b *File) bool {
	if a.Type != b.Type || a.Mode != b.Mode || a.Size != b.Size || a.Hash != b.Hash ||
		a.Records != b.Records || a.Target != b.Target || len(a.Chunks) != len(b.Chunks) {
		return false
	}
	if a.Type == TypeFile && a.Algorithm != b.Algorithm {
		return false
	}
	for i := range a.Chunks {
		if a.Chunks[i] != b.Chunks[i] {
			return false
		}
	}
	return true
}

func TestDecodeRejects(t *testing.T) {
	good, _ := sample()["file.golden"].(*File).Bytes()
	lines := strings.Split(strings.TrimSuffix(string(good), "\n"), "\n")
	with := func(i int, s string) string {
		l := append([]string(nil), lines...)
		l[i] = s
		return strings.Join(l, "\n") + "\n"
	}
	without := func(i int) string {
		l := append(append([]string(nil), lines[:i]...), lines[i+1:]...)
		return strings.Join(l, "\n") + "\n"
	}
	hexid := id("a").String()
	cases := map[string]string{
		"empty":             "",
		"bad magic":         with(0, "hds-manifest-x 1"),
		"future version":    with(0, "hds-manifest 2"),
		"unknown type":      with(1, "type fifo"),
		"mode leading zero": with(2, "mode 0644"),
		"mode type bits":    with(2, "mode 100644"),
		"negative size":     with(3, "size -1"),
		"size plus sign":    with(3, "size +70000"),
		"size mismatch":     with(3, "size 70001"),
		"missing hash":      without(4),
		"unknown algorithm": with(4, "hash md5 "+hexid),
		"uppercase hex":     with(4, "hash blake3 "+strings.ToUpper(hexid)),
		"short hash":        with(4, "hash blake3 abcd"),
		"records order":     strings.Join([]string{lines[0], lines[1], lines[2], lines[3], lines[5], lines[4], lines[6], lines[7]}, "\n") + "\n",
		"zero chunk length": with(6, "chunk "+hexid+" 0"),
		"huge chunk":        with(6, "chunk "+hexid+" 99999999999"),
		"chunk no length":   with(6, "chunk "+hexid),
		"trailing garbage":  string(good) + "x\n",
		"duplicate field":   with(5, "size 70000"),
		"symlink no target": "hds-manifest 1\ntype symlink\nmode 777\nsize 1\n",
		"symlink bad quote": "hds-manifest 1\ntype symlink\nmode 777\nsize 1\ntarget x\n",
		"long line":         "hds-manifest 1\ntype " + strings.Repeat("x", maxLine+10) + "\n",
		"no final newline":  strings.TrimSuffix(string(good), "\n"),
		"crlf":              strings.ReplaceAll(string(good), "\n", "\r\n"),
	}
	for name, in := range cases {
		t.Run(name, func(t *testing.T) {
			f, err := DecodeBytes([]byte(in))
			if err == nil {
				t.Fatalf("accepted: %+v", f)
			}
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
		})
	}
}

func TestErrorNamesLine(t *testing.T) {
	_, err := DecodeBytes([]byte("hds-manifest 1\ntype file\nmode 644\nsize x\n"))
	if err == nil || !strings.Contains(err.Error(), "line 4") {
		t.Fatalf("error should name line 4: %v", err)
	}
}

func TestDatasetAdd(t *testing.T) {
	var d Dataset
	d.Add(&File{Size: 10, Records: 3})
	d.Add(&File{Size: 5, Records: NoRecords})
	if d != (Dataset{Files: 2, Bytes: 15, Records: 3}) {
		t.Fatalf("got %+v", d)
	}
}

func TestDatasetRejects(t *testing.T) {
	for _, in := range []string{"", "hds-dataset 1\nfiles 1\nbytes 2\n", "hds-dataset 1\nfiles 1\nbytes 2\nrecords 3\nx 1\n", "hds-dataset 1\nfiles -1\nbytes 2\nrecords 3\n"} {
		if _, err := DecodeDataset(strings.NewReader(in)); err == nil {
			t.Errorf("accepted %q", in)
		}
	}
}

func FuzzDecode(f *testing.F) {
	for _, v := range sample() {
		if fm, ok := v.(*File); ok {
			b, _ := fm.Bytes()
			f.Add(b)
		}
	}
	f.Add([]byte("hds-manifest 1\ntype symlink\nmode 777\nsize 1\ntarget \"x\"\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		m, err := DecodeBytes(in)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		// Canonical: whatever decodes re-encodes to the same bytes.
		out, err := m.Bytes()
		if err != nil {
			t.Fatalf("decoded manifest does not encode: %v", err)
		}
		if !bytes.Equal(out, in) {
			t.Fatalf("not canonical:\nin:  %q\nout: %q", in, out)
		}
	})
}

func FuzzDecodeDataset(f *testing.F) {
	f.Add(Dataset{Files: 1, Bytes: 2, Records: 3}.Encoded())
	f.Fuzz(func(t *testing.T, in []byte) {
		d, err := DecodeDataset(bytes.NewReader(in))
		if err != nil {
			return
		}
		if out := d.Encoded(); !bytes.Equal(out, in) {
			t.Fatalf("not canonical: %q -> %q", in, out)
		}
	})
}

func BenchmarkDecode(b *testing.B) {
	f := &File{Type: TypeFile, Mode: 0o644, Algorithm: chunk.BLAKE3, Records: 10}
	for i := 0; i < 16384; i++ { // a 1 GiB file
		f.Chunks = append(f.Chunks, Chunk{ID: id(strings.Repeat("x", i%64) + string(rune(i))), Len: 65536})
		f.Size += 65536
	}
	enc, _ := f.Bytes()
	b.SetBytes(int64(len(enc)))
	for b.Loop() {
		if _, err := DecodeBytes(enc); err != nil {
			b.Fatal(err)
		}
	}
}
