package github

import (
	"sort"

	"github.com/human2/hds/collectors/srcfiles"
)

func sortStrings(s []string) { sort.Strings(s) }

func srcfilesFilter() srcfiles.Filter { return srcfiles.Filter{} }
