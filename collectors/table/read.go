package table

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/parquet-go/parquet-go"

	"github.com/human2/hds/collectors"
	"github.com/human2/hds/record"
)

// readJSONL streams newline-delimited JSON, gzip-compressed or not. It
// reports false when it stopped early (--max).
func readJSONL(ctx context.Context, env *collectors.Env, p string, emit func(int, map[string]any) error) (bool, error) {
	f, err := os.Open(p)
	if err != nil {
		return false, fmt.Errorf("table: %w", err)
	}
	defer f.Close()
	var r io.Reader = bufio.NewReaderSize(f, 1<<20)
	if strings.HasSuffix(p, ".gz") {
		zr, err := gzip.NewReader(r)
		if err != nil {
			return false, fmt.Errorf("table: %s: %w", p, err)
		}
		defer zr.Close()
		r = zr
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1<<20), record.MaxLine)
	n := 0
	for sc.Scan() {
		n++
		if env.Full() {
			return false, nil
		}
		if n%1024 == 0 && ctx.Err() != nil {
			return false, ctx.Err()
		}
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var row map[string]any
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.UseNumber()
		if err := dec.Decode(&row); err != nil {
			env.Error(fmt.Errorf("table: %s:%d: %v (row skipped)", p, n, err))
			continue
		}
		if err := emit(n, row); err != nil {
			return false, err
		}
	}
	if err := sc.Err(); err != nil {
		return false, fmt.Errorf("table: %s: after row %d: %w (the file is damaged)", p, n, err)
	}
	return true, nil
}

// ReadParquet streams the rows of a Parquet file as maps, in batches, to
// fn (row numbers from 1). Nested groups become maps, LIST columns slices.
func ReadParquet(ctx context.Context, p string, fn func(int, map[string]any) (bool, error)) (bool, error) {
	f, err := os.Open(p)
	if err != nil {
		return false, fmt.Errorf("table: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return false, err
	}
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		return false, fmt.Errorf("table: %s: not a readable Parquet file: %w", p, err)
	}
	rd := parquet.NewGenericReader[map[string]any](f, pf.Schema())
	defer rd.Close()
	batch := make([]map[string]any, 64)
	n := 0
	for {
		if err := ctx.Err(); err != nil {
			return false, err
		}
		for i := range batch {
			batch[i] = map[string]any{}
		}
		k, err := rd.Read(batch)
		for i := 0; i < k; i++ {
			n++
			more, ferr := fn(n, batch[i])
			if ferr != nil || !more {
				return false, ferr
			}
		}
		if errors.Is(err, io.EOF) {
			return true, nil
		}
		if err != nil {
			return false, fmt.Errorf("table: %s: after row %d: %w", p, n, err)
		}
	}
}

func readParquet(ctx context.Context, env *collectors.Env, p string, emit func(int, map[string]any) error) (bool, error) {
	return ReadParquet(ctx, p, func(n int, row map[string]any) (bool, error) {
		if env.Full() {
			return false, nil
		}
		return true, emit(n, row)
	})
}
