package pack

import (
	"bytes"
	"errors"
	"flag"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/human2/hds/blob/mem"
	"github.com/human2/hds/chunk"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// goldenChunks are stored, in this order, in the golden pack: a chunk too
// small to compress (raw), text (zstd) and random bytes (raw).
func goldenChunks() [][]byte {
	random := make([]byte, 300)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range random {
		random[i] = byte(r.Uint32())
	}
	return [][]byte{
		[]byte("hello, hds\n"),
		[]byte(strings.Repeat("the quick brown fox jumps over the lazy dog\n", 100)),
		random,
	}
}

// buildGolden stores the golden chunks and returns the pack and index
// files with their names.
func buildGolden(t *testing.T) (packName string, pack []byte, idxName string, idx []byte) {
	st := mem.New()
	s := openStore(t, st, Options{})
	for _, c := range goldenChunks() {
		if _, err := s.Put(ctx, chunk.BLAKE3.Sum(c), c); err != nil {
			t.Fatal(err)
		}
	}
	flush(t, s)
	packName, idxName = names(t, st, packPrefix)[0], names(t, st, indexPrefix)[0]
	pack, _ = st.Get(ctx, packName, 0, -1)
	idx, _ = st.Get(ctx, idxName, 0, -1)
	return packName, pack, idxName, idx
}

func golden(t *testing.T, file string, got []byte) []byte {
	t.Helper()
	path := filepath.Join("testdata", file)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -update writes it)", err)
	}
	return want
}

// TestGoldenEncode pins the bytes hds writes. A change of the zstd library
// may change the compressed frame; then check TestFrozenDecode still passes
// and rewrite with -update.
func TestGoldenEncode(t *testing.T) {
	pn, pack, in, idx := buildGolden(t)
	if want := golden(t, "golden.pack", pack); !bytes.Equal(pack, want) {
		t.Errorf("pack bytes differ from testdata/golden.pack")
	}
	if want := golden(t, "golden.idx", idx); !bytes.Equal(idx, want) {
		t.Errorf("index bytes differ from testdata/golden.idx")
	}
	if want := string(golden(t, "golden.names", []byte(pn+"\n"+in+"\n"))); want != pn+"\n"+in+"\n" {
		t.Errorf("names %s, %s differ from testdata/golden.names:\n%s", pn, in, want)
	}
	if !bytes.HasPrefix(pack, []byte("HDSP\x01\x01\x00\x00")) || !bytes.HasSuffix(pack, []byte("\x01\x01\x00\x00HDSp")) {
		t.Errorf("pack header or trailer is not as documented: % x ... % x", pack[:8], pack[len(pack)-8:])
	}
}

// TestFrozenDecode reads files written by the first version of the format,
// which -update never rewrites: hds must always read them.
func TestFrozenDecode(t *testing.T) {
	pack, err := os.ReadFile("testdata/v1-frozen.pack")
	if err != nil {
		t.Fatal(err)
	}
	idx, err := os.ReadFile("testdata/v1-frozen.idx")
	if err != nil {
		t.Fatal(err)
	}
	want := goldenChunks()
	tr, entries, err := decodePackFooter(pack, int64(len(pack)))
	if err != nil || len(entries) != len(want) || tr.Algorithm != chunk.BLAKE3 {
		t.Fatalf("decode footer: %d entries, %v", len(entries), err)
	}
	s := openStore(t, mem.New(), Options{})
	flags := []uint32{0, flagZstd, 0}
	for i, e := range entries {
		got, err := s.decode(e.ID, tr.Algorithm, pack[e.Offset:e.Offset+uint64(e.Stored)], e.Stored, e.Raw, e.Flags, nil)
		if err != nil || !bytes.Equal(got, want[i]) || e.Flags != flags[i] {
			t.Fatalf("chunk %d: flags %d, %v", i, e.Flags, err)
		}
	}
	var got []fileEntry
	h, err := decodeIndex(bytes.NewReader(idx), int64(len(idx)), func(e fileEntry) error { got = append(got, e); return nil })
	if err != nil || len(h.Packs) != 1 || h.Packs[0] != chunk.BLAKE3.Sum(pack) || len(got) != len(entries) {
		t.Fatalf("decode index: %+v, %d entries, %v", h, len(got), err)
	}
	for _, e := range got {
		found := false
		for _, fe := range entries {
			found = found || fe == e
		}
		if !found {
			t.Fatalf("index entry %+v is not in the footer", e)
		}
	}
}

func TestDecodeRejects(t *testing.T) {
	_, pack, _, idx := buildGolden(t)
	mutate := func(b []byte, f func([]byte) []byte) []byte { return f(bytes.Clone(b)) }
	packs := map[string][]byte{
		"empty":         nil,
		"truncated":     pack[:len(pack)-1],
		"end magic":     mutate(pack, func(b []byte) []byte { b[len(b)-1]++; return b }),
		"version":       mutate(pack, func(b []byte) []byte { b[len(b)-8] = 2; return b }),
		"algorithm":     mutate(pack, func(b []byte) []byte { b[len(b)-7] = 9; return b }),
		"reserved":      mutate(pack, func(b []byte) []byte { b[len(b)-6] = 1; return b }),
		"table crc":     mutate(pack, func(b []byte) []byte { b[len(b)-trailerSize-1]++; return b }),
		"table offset":  mutate(pack, func(b []byte) []byte { b[len(b)-trailerSize]++; return b }),
		"count":         mutate(pack, func(b []byte) []byte { b[len(b)-trailerSize+8]++; return b }),
		"extra byte":    append(bytes.Clone(pack), 0),
		"only trailer":  pack[len(pack)-trailerSize:],
		"prefix junk":   append([]byte("junk"), pack...),
		"not a pack":    bytes.Repeat([]byte("x"), 100),
		"stored length": mutate(pack, func(b []byte) []byte { b[len(b)-trailerSize-3*footerEntrySize+40]++; return b }),
	}
	for name, b := range packs {
		if _, _, err := decodePackFooter(b, int64(len(b))); !errors.Is(err, ErrCorrupt) {
			t.Errorf("pack %s: %v, want ErrCorrupt", name, err)
		}
	}
	indexes := map[string][]byte{
		"empty":     nil,
		"truncated": idx[:len(idx)-1],
		"magic":     mutate(idx, func(b []byte) []byte { b[0] = 'X'; return b }),
		"version":   mutate(idx, func(b []byte) []byte { b[4] = 2; return b }),
		"reserved":  mutate(idx, func(b []byte) []byte { b[7] = 1; return b }),
		"count":     mutate(idx, func(b []byte) []byte { b[12]++; return b }),
		"crc":       mutate(idx, func(b []byte) []byte { b[len(b)-1]++; return b }),
		"entry":     mutate(idx, func(b []byte) []byte { b[indexHeaderSize+chunk.Size+40]++; return b }),
		"order":     mutate(idx, func(b []byte) []byte { b[indexHeaderSize+chunk.Size] = 0xff; return b }),
		"ordinal":   mutate(idx, func(b []byte) []byte { b[indexHeaderSize+chunk.Size+32] = 1; return b }),
	}
	for name, b := range indexes {
		_, err := decodeIndex(bytes.NewReader(b), int64(len(b)), func(fileEntry) error { return nil })
		if !errors.Is(err, ErrCorrupt) {
			t.Errorf("index %s: %v, want ErrCorrupt", name, err)
		}
	}
}

func TestNames(t *testing.T) {
	id := chunk.BLAKE3.Sum([]byte("x"))
	if got, ok := parsePackName(packName(id)); !ok || got != id {
		t.Fatalf("parsePackName(%s) = %v, %v", packName(id), got, ok)
	}
	if got, ok := parseIndexName(indexName(id)); !ok || got != id {
		t.Fatalf("parseIndexName(%s) = %v, %v", indexName(id), got, ok)
	}
	s := id.String()
	for _, bad := range []string{"packs/" + s + ".pack", "packs/00/" + s + ".pack", "packs/" + s[:2] + "/" + strings.ToUpper(s) + ".pack", "index/" + s, "index/" + s[:10] + ".idx"} {
		_, ok1 := parsePackName(bad)
		_, ok2 := parseIndexName(bad)
		if ok1 || ok2 {
			t.Errorf("%s parsed as a pack or index name", bad)
		}
	}
}

func FuzzDecodeIndex(f *testing.F) {
	if b, err := os.ReadFile("testdata/golden.idx"); err == nil {
		f.Add(b)
		f.Add(b[:len(b)/2])
	}
	f.Add([]byte("HDSI\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var got []fileEntry
		h, err := decodeIndex(bytes.NewReader(data), int64(len(data)), func(e fileEntry) error { got = append(got, e); return nil })
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error does not wrap ErrCorrupt: %v", err)
			}
			return
		}
		var buf bytes.Buffer
		if err := encodeIndex(&buf, h.Algorithm, h.Packs, got); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(buf.Bytes(), data) {
			t.Fatal("decoded index re-encodes differently")
		}
	})
}

func FuzzDecodePackFooter(f *testing.F) {
	if b, err := os.ReadFile("testdata/golden.pack"); err == nil {
		f.Add(b)
		f.Add(b[len(b)-trailerSize:])
	}
	f.Add([]byte("HDSP\x01\x01\x00\x00" + "\x08\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x01\x00\x00HDSp"))
	f.Fuzz(func(t *testing.T, data []byte) {
		decodePackHeader(data)
		tr, entries, err := decodePackFooter(data, int64(len(data)))
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error does not wrap ErrCorrupt: %v", err)
			}
			return
		}
		if entries == nil && tr.Count != 0 {
			t.Fatal("table within the data was not decoded")
		}
		footer := encodeFooter(entries, tr.Algorithm, tr.TableOffset)
		if !bytes.HasSuffix(data, footer) {
			t.Fatal("decoded footer re-encodes differently")
		}
	})
}
