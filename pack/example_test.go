package pack_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/human2/hds/blob/mem"
	"github.com/human2/hds/chunk"
	"github.com/human2/hds/chunker"
	"github.com/human2/hds/pack"
)

// Store a file's chunks, make them durable, and read them back.
func Example() {
	ctx := context.Background()
	tmp, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(tmp)
	store, err := pack.Open(ctx, mem.New(), pack.Options{Algorithm: chunk.BLAKE3, TempDir: tmp})
	if err != nil {
		panic(err)
	}
	defer store.Close()

	file := strings.Repeat(`{"text": "a record"}`+"\n", 10000)
	c := chunker.New(strings.NewReader(file), chunker.Params{Min: 4096, Avg: 16384, Max: 65536, Records: true})
	var ids []chunk.ID // what a file manifest records
	for {
		b, err := c.Next()
		if err == io.EOF {
			break
		}
		id := chunk.BLAKE3.Sum(b)
		if _, err := store.Put(ctx, id, b); err != nil {
			panic(err)
		}
		ids = append(ids, id)
	}
	if err := store.Flush(ctx); err != nil {
		panic(err)
	}

	var out strings.Builder
	var buf []byte
	for _, id := range ids {
		if buf, err = store.Get(ctx, id, buf); err != nil {
			panic(err)
		}
		out.Write(buf)
	}
	st := store.Stats()
	fmt.Println(out.String() == file, st.Packs, st.StoredBytes < st.RawBytes/10)
	// Output: true 1 true
}
