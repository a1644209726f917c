package blobtest_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/human2/hds/blob"
	"github.com/human2/hds/blob/blobtest"
	"github.com/human2/hds/blob/mem"
)

// A Faulty that injects nothing is a conforming storage.
func TestFaultyConformance(t *testing.T) {
	blobtest.TestStorage(t, func(t *testing.T) blob.Storage { return blobtest.NewFaulty(mem.New(), nil) })
}

func TestFaultyInjects(t *testing.T) {
	ctx := context.Background()
	inner := mem.New()
	blobtest.Put(t, inner, "packs/p", []byte("0123456789"))
	boom := errors.New("boom")
	f := blobtest.NewFaulty(inner, func(c blobtest.Call) blobtest.Fault {
		switch {
		case c.Op == blobtest.OpGet && c.Offset == 1:
			return blobtest.Fault{Short: 3}
		case c.Op == blobtest.OpGet && c.Offset == 2:
			return blobtest.Fault{Flip: true}
		case c.Op == blobtest.OpPut && strings.HasPrefix(c.Name, "lost/"):
			return blobtest.Fault{Err: boom, After: true}
		case c.Op == blobtest.OpPut:
			return blobtest.Fault{Err: boom}
		}
		return blobtest.Fault{}
	})
	if b, err := f.Get(ctx, "packs/p", 1, 5); err != nil || string(b) != "12" {
		t.Errorf("short Get = %q, %v", b, err)
	}
	if b, err := f.Get(ctx, "packs/p", 2, 3); err != nil || b[1] != '3'^0xff {
		t.Errorf("flipped Get = %q, %v", b, err)
	}
	if err := f.Put(ctx, "x", bytes.NewReader(nil)); !errors.Is(err, boom) {
		t.Errorf("Put = %v, want injected error", err)
	}
	if _, err := inner.Stat(ctx, "x"); !errors.Is(err, blob.ErrNotFound) {
		t.Errorf("failed Put stored the blob")
	}
	if err := f.Put(ctx, "lost/x", bytes.NewReader(nil)); !errors.Is(err, boom) {
		t.Errorf("Put with lost reply = %v", err)
	}
	if _, err := inner.Stat(ctx, "lost/x"); err != nil {
		t.Errorf("Put with lost reply did not store: %v", err)
	}
	if f.Count(blobtest.OpGet) != 2 || f.Count(blobtest.OpPut) != 2 {
		t.Errorf("counts: get %d put %d", f.Count(blobtest.OpGet), f.Count(blobtest.OpPut))
	}
}

func TestCrashAfter(t *testing.T) {
	ctx := context.Background()
	f := blobtest.NewFaulty(mem.New(), blobtest.CrashAfter(2))
	for i, name := range []string{"a", "b", "c"} {
		err := f.Put(ctx, name, bytes.NewReader(nil))
		if (i < 2) != (err == nil) {
			t.Fatalf("Put %d: %v", i, err)
		}
	}
	if _, err := f.Stat(ctx, "a"); !errors.Is(err, blobtest.ErrInjected) {
		t.Fatalf("reads after the crash: %v, want ErrInjected", err)
	}
}
