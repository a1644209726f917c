package srcfiles

import (
	"os"
	"strings"
	"testing"
)

func TestIsLicenseFile(t *testing.T) {
	for p, want := range map[string]bool{
		"LICENSE": true, "LICENSE.md": true, "license.txt": true, "LICENCE": true, "COPYING": true,
		"LICENSE-MIT": true, "LICENSE_APACHE.txt": true, "UNLICENSE": true,
		"docs/LICENSE": false, "LICENSES.json": false, "license_check.py": false, "README.md": false,
	} {
		if got := IsLicenseFile(p); got != want {
			t.Errorf("IsLicenseFile(%q) = %v, want %v", p, got, want)
		}
	}
}

func TestDetectLicense(t *testing.T) {
	mit, err := os.ReadFile("testdata/LICENSE-MIT.txt")
	if err != nil {
		t.Fatal(err)
	}
	mitText := string(mit)
	bsd, err := os.ReadFile("testdata/LICENSE-BSD-2-Clause.txt")
	if err != nil {
		t.Fatal(err)
	}
	bsd2Text := string(bsd)
	for _, tc := range []struct {
		name  string
		texts []string
		want  string
	}{
		{"mit", []string{mitText}, "MIT"},
		{"bsd-2", []string{bsd2Text}, "BSD-2-Clause"},
		{"two files", []string{mitText, bsd2Text}, "BSD-2-Clause AND MIT"},
		{"same twice", []string{mitText, mitText}, "MIT"},
		{"custom", []string{"You may use this code only on Tuesdays.\n"}, ""},
		// a licence buried in a long notice is not named.
		{"mostly other", []string{strings.Repeat("This product bundles many third-party components listed below.\n", 80) + mitText}, ""},
		{"empty", nil, ""},
	} {
		var b [][]byte
		for _, s := range tc.texts {
			b = append(b, []byte(s))
		}
		if got := DetectLicense(b...); got != tc.want {
			t.Errorf("%s: DetectLicense = %q, want %q", tc.name, got, tc.want)
		}
	}
}
