package srcfiles

import (
	"path"
	"sort"
	"strings"

	"github.com/go-enry/go-enry/v2"
	"github.com/google/licensecheck"
)

// MinLicenseCoverage is the share of a licence file that known licence
// texts must cover for DetectLicense to name them, as pkg.go.dev requires:
// a file that is mostly something else (a custom licence, a licence plus
// a long notice) is not given an SPDX id it does not deserve.
const MinLicenseCoverage = 75

// IsLicenseFile reports whether a path names a repository-level licence
// text: LICENSE, LICENCE, COPYING or UNLICENSE at the top of the tree,
// with or without a suffix ("LICENSE.md", "LICENSE-MIT", "COPYING.txt").
func IsLicenseFile(p string) bool {
	if strings.Contains(p, "/") {
		return false
	}
	name := strings.ToUpper(p)
	switch strings.ToLower(path.Ext(p)) {
	case ".md", ".markdown", ".txt", ".rst", ".html":
		name = strings.ToUpper(strings.TrimSuffix(p, path.Ext(p)))
	default:
		if lang, _ := enry.GetLanguageByExtension(p); lang != "" && enry.GetLanguageType(lang) == enry.Programming {
			return false // license_check.py is code about licences
		}
	}
	for _, pre := range []string{"LICENSE", "LICENCE", "COPYING", "UNLICENSE"} {
		if name == pre || strings.HasPrefix(name, pre+"-") || strings.HasPrefix(name, pre+"_") {
			return true
		}
	}
	return false
}

// DetectLicense returns the SPDX ids of the licences in texts (the
// contents of a repository's licence files), sorted and joined with
// " AND " when there are several (every set of terms applies), or "" when
// no text is covered well enough by known licences to say. Detection is
// github.com/google/licensecheck, the classifier behind pkg.go.dev.
func DetectLicense(texts ...[]byte) string {
	seen := map[string]bool{}
	for _, t := range texts {
		cov := licensecheck.Scan(t)
		if cov.Percent < MinLicenseCoverage {
			continue
		}
		for _, m := range cov.Match {
			if !m.IsURL {
				seen[m.ID] = true
			}
		}
	}
	ids := make([]string, 0, len(seen))
	for id := range seen {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return strings.Join(ids, " AND ")
}
