package mem

import (
	"testing"

	"github.com/human2/hds/blob"
	"github.com/human2/hds/blob/blobtest"
)

func TestConformance(t *testing.T) {
	blobtest.TestStorage(t, func(t *testing.T) blob.Storage { return New() })
}

func TestModify(t *testing.T) {
	st := New()
	blobtest.Put(t, st, "a", []byte("abc"))
	if err := st.Modify("a", func(b []byte) []byte { return b[:1] }); err != nil {
		t.Fatal(err)
	}
	if got := blobtest.Get(t, st, "a"); string(got) != "a" {
		t.Fatalf("after Modify: %q", got)
	}
	if err := st.Modify("missing", func(b []byte) []byte { return b }); err == nil {
		t.Fatal("Modify of a missing blob succeeded")
	}
}
