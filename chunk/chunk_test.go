package chunk

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestParseIDRoundTrip(t *testing.T) {
	for _, a := range []Algorithm{BLAKE3, SHA256} {
		id := a.Sum([]byte("hello"))
		got, err := ParseID(id.String())
		if err != nil || got != id {
			t.Fatalf("%s: ParseID(%s) = %v, %v", a, id, got, err)
		}
		up, err := ParseID(strings.ToUpper(id.String()))
		if err != nil || up != id {
			t.Fatalf("upper case: %v, %v", up, err)
		}
		if id.Short() != id.String()[:12] {
			t.Fatalf("Short = %q", id.Short())
		}
	}
}

func TestParseIDErrors(t *testing.T) {
	for _, s := range []string{"", "ab", strings.Repeat("0", 63), strings.Repeat("0", 65), strings.Repeat("g", 64)} {
		if _, err := ParseID(s); !errors.Is(err, ErrInvalidID) {
			t.Errorf("ParseID(%q) err = %v, want ErrInvalidID", s, err)
		}
	}
}

func TestKnownDigests(t *testing.T) {
	// Reference values from the published test vectors of each hash.
	tests := []struct {
		a    Algorithm
		in   string
		want string
	}{
		{SHA256, "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{SHA256, "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		{BLAKE3, "", "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262"},
	}
	for _, tt := range tests {
		if got := tt.a.Sum([]byte(tt.in)).String(); got != tt.want {
			t.Errorf("%s(%q) = %s, want %s", tt.a, tt.in, got, tt.want)
		}
	}
}

func TestStreamingMatchesSum(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789abcdef"), 10000)
	for _, a := range []Algorithm{BLAKE3, SHA256} {
		h := a.New()
		for i := 0; i < len(data); i += 777 {
			h.Write(data[i:min(i+777, len(data))])
		}
		if got, want := SumHash(h), a.Sum(data); got != want {
			t.Errorf("%s: streaming %s, Sum %s", a, got, want)
		}
		if h.Size() != Size {
			t.Errorf("%s: Size() = %d", a, h.Size())
		}
	}
}

func TestParseAlgorithm(t *testing.T) {
	for _, s := range []string{"blake3", "sha256"} {
		a, err := ParseAlgorithm(s)
		if err != nil || a.String() != s || !a.Valid() {
			t.Errorf("ParseAlgorithm(%q) = %v, %v", s, a, err)
		}
	}
	for _, s := range []string{"", "BLAKE3", "md5"} {
		if _, err := ParseAlgorithm(s); !errors.Is(err, ErrUnknownAlgorithm) {
			t.Errorf("ParseAlgorithm(%q) err = %v", s, err)
		}
	}
}

func TestTextMarshal(t *testing.T) {
	id := BLAKE3.Sum([]byte("x"))
	b, _ := id.MarshalText()
	var got ID
	if err := got.UnmarshalText(b); err != nil || got != id {
		t.Fatalf("UnmarshalText: %v %v", got, err)
	}
	if err := got.UnmarshalText([]byte("zz")); err == nil {
		t.Fatal("UnmarshalText accepted garbage")
	}
}

func TestCompare(t *testing.T) {
	a, b := ID{1}, ID{2}
	if a.Compare(b) != -1 || b.Compare(a) != 1 || a.Compare(a) != 0 {
		t.Fatal("Compare order wrong")
	}
	if !(ID{}).IsZero() || a.IsZero() {
		t.Fatal("IsZero wrong")
	}
}

func BenchmarkSum(b *testing.B) {
	data := make([]byte, 64<<10)
	for i := range data {
		data[i] = byte(i * 7)
	}
	for _, a := range []Algorithm{BLAKE3, SHA256} {
		b.Run(fmt.Sprintf("%s/64KiB", a), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				a.Sum(data)
			}
		})
	}
}
