package pack

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"

	"github.com/human2/hds/chunk"
)

// indexHeader is the start of an index file.
type indexHeader struct {
	Algorithm chunk.Algorithm
	Packs     []chunk.ID
	Count     uint32
}

// indexFileSize is the size of an index file with the given counts.
func indexFileSize(packs, entries int) int64 {
	return indexHeaderSize + int64(packs)*chunk.Size + int64(entries)*indexEntrySize + crcSize
}

// encodeIndex writes an index file. entries must be sorted by id without
// duplicates and refer to packs by their ordinal in packs.
func encodeIndex(w io.Writer, alg chunk.Algorithm, packs []chunk.ID, entries []fileEntry) error {
	crc := crc32.New(crcTable)
	bw := bufio.NewWriterSize(io.MultiWriter(w, crc), 256<<10)
	head := make([]byte, 0, indexHeaderSize)
	head = append(head, indexMagic...)
	head = append(head, formatVersion, algCode(alg), 0, 0)
	head = binary.LittleEndian.AppendUint32(head, u32(len(packs)))
	head = binary.LittleEndian.AppendUint32(head, u32(len(entries)))
	bw.Write(head)
	for _, p := range packs {
		bw.Write(p[:])
	}
	var buf [indexEntrySize]byte
	for i, e := range entries {
		if i > 0 && entries[i-1].ID.Compare(e.ID) >= 0 {
			return fmt.Errorf("pack: encode index: entries not sorted at %d", i)
		}
		b := append(buf[:0], e.ID[:]...)
		b = binary.LittleEndian.AppendUint32(b, e.Pack)
		b = binary.LittleEndian.AppendUint64(b, e.Offset)
		b = binary.LittleEndian.AppendUint32(b, e.Stored)
		b = binary.LittleEndian.AppendUint32(b, e.Raw)
		b = binary.LittleEndian.AppendUint32(b, e.Flags)
		bw.Write(b)
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	_, err := w.Write(binary.LittleEndian.AppendUint32(nil, crc.Sum32()))
	return err
}

// decodeIndex reads an index file of size bytes from r, calling fn for
// each entry in order; it checks the structure, the order and finally the
// checksum, so the caller must discard what fn saw if it returns an error.
func decodeIndex(r io.Reader, size int64, fn func(fileEntry) error) (indexHeader, error) {
	crc := crc32.New(crcTable)
	br := bufio.NewReaderSize(r, 256<<10)
	tr := io.TeeReader(br, crc)
	h, err := decodeIndexHeader(tr, size)
	if err != nil {
		return h, err
	}
	var buf [indexEntrySize]byte
	var prev chunk.ID
	for i := uint32(0); i < h.Count; i++ {
		if _, err := io.ReadFull(tr, buf[:]); err != nil {
			return h, truncated(err)
		}
		e := fileEntry{
			Pack:   binary.LittleEndian.Uint32(buf[32:36]),
			Offset: binary.LittleEndian.Uint64(buf[36:44]),
			Stored: binary.LittleEndian.Uint32(buf[44:48]),
			Raw:    binary.LittleEndian.Uint32(buf[48:52]),
			Flags:  binary.LittleEndian.Uint32(buf[52:56]),
		}
		copy(e.ID[:], buf[:32])
		if err := checkIndexEntry(e, i, prev, len(h.Packs)); err != nil {
			return h, err
		}
		prev = e.ID
		if err := fn(e); err != nil {
			return h, err
		}
	}
	want := crc.Sum32()
	var sum [crcSize]byte
	if _, err := io.ReadFull(br, sum[:]); err != nil {
		return h, truncated(err)
	}
	if binary.LittleEndian.Uint32(sum[:]) != want {
		return h, corruptf("index checksum mismatch")
	}
	return h, nil
}

func checkIndexEntry(e fileEntry, i uint32, prev chunk.ID, packs int) error {
	if i > 0 && prev.Compare(e.ID) >= 0 {
		return corruptf("index entries out of order at %d", i)
	}
	if e.Pack >= uint32(packs) {
		return corruptf("index entry %d names pack %d of %d", i, e.Pack, packs)
	}
	if e.Offset < packHeaderSize || e.Offset+uint64(e.Stored) > MaxPackSize+MaxChunkSize*2 {
		return corruptf("index entry %d has implausible offset %d", i, e.Offset)
	}
	return e.validate()
}

func decodeIndexHeader(r io.Reader, size int64) (indexHeader, error) {
	var h indexHeader
	var b [indexHeaderSize]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return h, truncated(err)
	}
	if string(b[:4]) != indexMagic {
		return h, corruptf("not an index file: bad magic")
	}
	if b[4] != formatVersion {
		return h, corruptf("index format version %d, this hds reads %d", b[4], formatVersion)
	}
	if b[6] != 0 || b[7] != 0 {
		return h, corruptf("index header: reserved bytes are not zero")
	}
	alg, err := algFromCode(b[5])
	if err != nil {
		return h, err
	}
	packs := binary.LittleEndian.Uint32(b[8:12])
	h = indexHeader{Algorithm: alg, Count: binary.LittleEndian.Uint32(b[12:16])}
	if indexFileSize(int(packs), int(h.Count)) != size {
		return h, corruptf("index file of %d bytes cannot hold %d packs and %d entries", size, packs, h.Count)
	}
	h.Packs = make([]chunk.ID, packs)
	for i := range h.Packs {
		if _, err := io.ReadFull(r, h.Packs[i][:]); err != nil {
			return h, truncated(err)
		}
	}
	return h, nil
}

func truncated(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return corruptf("truncated")
	}
	return err
}
