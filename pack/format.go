package pack

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash/crc32"
	"strings"

	"github.com/human2/hds/chunk"
)

// Format constants; pack/doc.go describes the layout.
const (
	formatVersion = 1

	packMagic       = "HDSP"
	packEndMagic    = "HDSp"
	packHeaderSize  = 8
	footerEntrySize = 52
	trailerSize     = 24

	indexMagic      = "HDSI"
	indexHeaderSize = 16
	indexEntrySize  = 56
	crcSize         = 4

	flagZstd  = 1 << 0 // the frame is one zstd frame; else raw bytes
	knownFlag = flagZstd

	packPrefix  = "packs/"
	indexPrefix = "index/"
)

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// algorithm codes in headers and trailers.
var algCodes = map[chunk.Algorithm]byte{chunk.BLAKE3: 1, chunk.SHA256: 2}

func algCode(a chunk.Algorithm) byte { return algCodes[a] }

func algFromCode(c byte) (chunk.Algorithm, error) {
	for a, code := range algCodes {
		if code == c {
			return a, nil
		}
	}
	return "", corruptf("unknown hash algorithm code %d", c)
}

// fileEntry describes one stored chunk in a pack footer or index file.
type fileEntry struct {
	ID     chunk.ID
	Pack   uint32 // ordinal in the index file's pack table; 0 in footers
	Offset uint64
	Stored uint32 // bytes in the pack
	Raw    uint32 // bytes after decompression
	Flags  uint32
}

// validate checks the fields every decoder checks.
func (e *fileEntry) validate() error {
	switch {
	case e.Flags&^knownFlag != 0:
		return corruptf("chunk %s: unknown flags %#x", e.ID.Short(), e.Flags)
	case e.Raw > MaxChunkSize || e.Stored > MaxChunkSize+MaxChunkSize/64+1024:
		return corruptf("chunk %s: implausible length %d stored, %d raw", e.ID.Short(), e.Stored, e.Raw)
	case e.Flags&flagZstd == 0 && e.Stored != e.Raw:
		return corruptf("chunk %s: stored raw with %d bytes but %d raw bytes", e.ID.Short(), e.Stored, e.Raw)
	}
	return nil
}

// packHeader returns the 8-byte header of a pack.
func packHeader(alg chunk.Algorithm) []byte {
	b := make([]byte, packHeaderSize)
	copy(b, packMagic)
	b[4] = formatVersion
	b[5] = algCode(alg)
	return b
}

// decodePackHeader checks a pack's first bytes and returns its algorithm.
func decodePackHeader(b []byte) (chunk.Algorithm, error) {
	if len(b) < packHeaderSize || string(b[:4]) != packMagic {
		return "", corruptf("not a pack: bad magic")
	}
	if b[4] != formatVersion {
		return "", corruptf("pack format version %d, this hds reads %d", b[4], formatVersion)
	}
	if b[6] != 0 || b[7] != 0 {
		return "", corruptf("pack header: reserved bytes are not zero")
	}
	return algFromCode(b[5])
}

func appendFooterEntry(b []byte, e fileEntry) []byte {
	b = append(b, e.ID[:]...)
	b = binary.LittleEndian.AppendUint64(b, e.Offset)
	b = binary.LittleEndian.AppendUint32(b, e.Stored)
	b = binary.LittleEndian.AppendUint32(b, e.Raw)
	return binary.LittleEndian.AppendUint32(b, e.Flags)
}

// trailer is the fixed end of a pack.
type trailer struct {
	TableOffset uint64
	Count       uint32
	TableCRC    uint32
	Algorithm   chunk.Algorithm
}

// encodeFooter returns the footer table and trailer for entries that
// follow the header back to back, ending at tableOffset.
func encodeFooter(entries []fileEntry, alg chunk.Algorithm, tableOffset uint64) []byte {
	b := make([]byte, 0, len(entries)*footerEntrySize+trailerSize)
	for _, e := range entries {
		b = appendFooterEntry(b, e)
	}
	crc := crc32.Checksum(b, crcTable)
	b = binary.LittleEndian.AppendUint64(b, tableOffset)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(entries)))
	b = binary.LittleEndian.AppendUint32(b, crc)
	b = append(b, formatVersion, algCode(alg), 0, 0)
	return append(b, packEndMagic...)
}

// decodeTrailer checks the last trailerSize bytes of a pack of packSize
// bytes.
func decodeTrailer(b []byte, packSize int64) (trailer, error) {
	var t trailer
	if len(b) != trailerSize || string(b[20:24]) != packEndMagic {
		return t, corruptf("bad pack trailer: no end magic (truncated or not a pack)")
	}
	if b[16] != formatVersion {
		return t, corruptf("pack format version %d, this hds reads %d", b[16], formatVersion)
	}
	if b[18] != 0 || b[19] != 0 {
		return t, corruptf("pack trailer: reserved bytes are not zero")
	}
	alg, err := algFromCode(b[17])
	if err != nil {
		return t, err
	}
	t = trailer{
		TableOffset: binary.LittleEndian.Uint64(b[0:8]),
		Count:       binary.LittleEndian.Uint32(b[8:12]),
		TableCRC:    binary.LittleEndian.Uint32(b[12:16]),
		Algorithm:   alg,
	}
	end := uint64(packSize) - trailerSize
	if packSize < packHeaderSize+trailerSize || t.TableOffset < packHeaderSize || t.TableOffset > end ||
		uint64(t.Count)*footerEntrySize != end-t.TableOffset {
		return t, corruptf("bad pack trailer: table of %d entries at offset %d does not fit a pack of %d bytes", t.Count, t.TableOffset, packSize)
	}
	return t, nil
}

// tableSize is the length of the footer table t describes.
func (t trailer) tableSize() int64 { return int64(t.Count) * footerEntrySize }

// decodeFooterTable checks and decodes the footer table of a pack.
func decodeFooterTable(b []byte, t trailer) ([]fileEntry, error) {
	if int64(len(b)) != t.tableSize() {
		return nil, corruptf("footer table has %d bytes, want %d", len(b), t.tableSize())
	}
	if crc32.Checksum(b, crcTable) != t.TableCRC {
		return nil, corruptf("footer table checksum mismatch")
	}
	entries := make([]fileEntry, t.Count)
	next := uint64(packHeaderSize)
	for i := range entries {
		p := b[i*footerEntrySize:]
		e := fileEntry{
			Offset: binary.LittleEndian.Uint64(p[32:40]),
			Stored: binary.LittleEndian.Uint32(p[40:44]),
			Raw:    binary.LittleEndian.Uint32(p[44:48]),
			Flags:  binary.LittleEndian.Uint32(p[48:52]),
		}
		copy(e.ID[:], p[:32])
		if err := e.validate(); err != nil {
			return nil, err
		}
		if e.Offset != next || e.Offset+uint64(e.Stored) > t.TableOffset {
			return nil, corruptf("footer entry %d (chunk %s) at offset %d does not follow the previous frame, ending at %d", i, e.ID.Short(), e.Offset, next)
		}
		next = e.Offset + uint64(e.Stored)
		entries[i] = e
	}
	if next != t.TableOffset {
		return nil, corruptf("footer table at offset %d does not follow the last frame, ending at %d", t.TableOffset, next)
	}
	return entries, nil
}

// decodePackFooter decodes the footer from tail, the last len(tail) bytes
// of a pack of packSize bytes. If the table does not fit in tail, it
// returns the trailer and nil entries: read the table and call
// decodeFooterTable.
func decodePackFooter(tail []byte, packSize int64) (trailer, []fileEntry, error) {
	if len(tail) < trailerSize || int64(len(tail)) > packSize {
		return trailer{}, nil, corruptf("pack of %d bytes is too short for a trailer", packSize)
	}
	t, err := decodeTrailer(tail[len(tail)-trailerSize:], packSize)
	if err != nil {
		return t, nil, err
	}
	need := t.tableSize() + trailerSize
	if int64(len(tail)) < need {
		return t, nil, nil
	}
	table := tail[int64(len(tail))-need : int64(len(tail))-trailerSize]
	entries, err := decodeFooterTable(table, t)
	return t, entries, err
}

// packName returns the blob name of the pack with the given id.
func packName(id chunk.ID) string {
	s := id.String()
	return packPrefix + s[:2] + "/" + s + ".pack"
}

// parsePackName returns the id in a pack blob name.
func parsePackName(name string) (chunk.ID, bool) {
	rest, ok := strings.CutPrefix(name, packPrefix)
	if !ok || len(rest) != 3+2*chunk.Size+len(".pack") || rest[2] != '/' || !strings.HasSuffix(rest, ".pack") {
		return chunk.ID{}, false
	}
	id, err := chunk.ParseID(rest[3 : 3+2*chunk.Size])
	if err != nil || rest[:2] != rest[3:5] || packName(id) != name {
		return chunk.ID{}, false
	}
	return id, true
}

// indexName returns the blob name of the index file with the given id.
func indexName(id chunk.ID) string { return indexPrefix + id.String() + ".idx" }

// parseIndexName returns the id in an index blob name.
func parseIndexName(name string) (chunk.ID, bool) {
	rest, ok := strings.CutPrefix(name, indexPrefix)
	if !ok {
		return chunk.ID{}, false
	}
	hexID, ok := strings.CutSuffix(rest, ".idx")
	if !ok {
		return chunk.ID{}, false
	}
	var id chunk.ID
	if len(hexID) != 2*chunk.Size || strings.ToLower(hexID) != hexID {
		return id, false
	}
	if _, err := hex.Decode(id[:], []byte(hexID)); err != nil {
		return id, false
	}
	return id, true
}

// u32 converts a non-negative int that the caller has bounded.
func u32(n int) uint32 {
	if n < 0 || uint64(n) > 1<<32-1 {
		panic(fmt.Sprintf("pack: %d does not fit 32 bits", n))
	}
	return uint32(n)
}
