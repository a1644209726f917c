package repo

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// DirName is the name of the repository directory inside a dataset root.
const DirName = ".hds"

// ErrNotRepo is returned when no dataset repository encloses a directory.
var ErrNotRepo = errors.New("not an hds repository (or any parent up to /); run 'hds init' to create one")

// FindRoot returns the dataset root enclosing dir: the nearest ancestor
// (dir included) that holds a .hds directory.
func FindRoot(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("find repository: %w", err)
	}
	for d := abs; ; d = filepath.Dir(d) {
		fi, err := os.Stat(filepath.Join(d, DirName))
		if err == nil && fi.IsDir() {
			return d, nil
		}
		if parent := filepath.Dir(d); parent == d {
			return "", fmt.Errorf("%s: %w", abs, ErrNotRepo)
		}
	}
}
