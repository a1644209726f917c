package srcfiles

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"strings"
	"testing"
)

func TestDetect(t *testing.T) {
	f := Filter{Languages: []string{"python", "Go"}, MaxSize: 1000}
	for _, tc := range []struct {
		path, content, lang, skip string
	}{
		{"a/b.py", "def f():\n    pass\n", "Python", ""},
		{"main.go", "package main\n", "Go", ""},
		{"x.js", "let a = 1\n", "", SkipLanguage},
		{"vendor/x.go", "package x\n", "", SkipVendored},
		{"x.min.js", "a\n", "", SkipMinified},
		{"big.py", strings.Repeat("a\n", 600), "", SkipTooLarge},
		{"one.py", strings.Repeat("a", 900) + "\n", "", SkipMinified},
		{"bin.py", "\x00\x01\x02binary", "", SkipBinary},
		{"latin.py", "x = '\xe9'\n", "", SkipEncoding},
		{".hidden/a.py", "x=1\n", "", SkipDotfile},
		{"notes.txt", "hello\n", "", SkipNotCode},
		{"empty.py", "", "", SkipEmpty},
	} {
		lang, skip := f.Detect(tc.path, []byte(tc.content))
		if lang != tc.lang || skip != tc.skip {
			t.Errorf("Detect(%q) = %q, %q; want %q, %q", tc.path, lang, skip, tc.lang, tc.skip)
		}
	}
}

func tarGz(t *testing.T, files map[string]string, truncate bool) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	tw.WriteHeader(&tar.Header{Name: "owner-repo-abc/", Typeflag: tar.TypeDir, Mode: 0o755})
	for name, body := range files {
		tw.WriteHeader(&tar.Header{Name: "owner-repo-abc/" + name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(body))})
		tw.Write([]byte(body))
	}
	tw.WriteHeader(&tar.Header{Name: "owner-repo-abc/link", Typeflag: tar.TypeSymlink, Linkname: "/etc/passwd"})
	tw.Close()
	zw.Close()
	b := buf.Bytes()
	if truncate {
		b = b[:len(b)/2]
	}
	return b
}

func TestTarGzStripsTopDirAndSkipsLinks(t *testing.T) {
	data := tarGz(t, map[string]string{"src/a.py": "x = 1\n", "b.go": "package b\n"}, false)
	got := map[string]string{}
	err := TarGz(context.Background(), bytes.NewReader(data), true, func(e Entry) error {
		b, err := e.Read()
		got[e.Path] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got["src/a.py"] != "x = 1\n" || got["b.go"] != "package b\n" {
		t.Fatalf("entries %v", got)
	}
}

func TestTarGzDamaged(t *testing.T) {
	data := tarGz(t, map[string]string{"a.py": strings.Repeat("x = 1\n", 5000)}, true)
	err := TarGz(context.Background(), bytes.NewReader(data), true, func(e Entry) error {
		_, err := e.Read()
		return err
	})
	if !errors.Is(err, ErrArchive) {
		t.Fatalf("err = %v, want ErrArchive", err)
	}
}
