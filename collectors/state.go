package collectors

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/human2/hds/internal/atomicfile"
)

// StateFile is the name of the file in data/raw/<source>/ that keeps the
// collector's cursors (search windows, ETags, last seen dates).
const StateFile = "state.json"

func loadState(path string) (map[string]json.RawMessage, error) {
	st := map[string]json.RawMessage{}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read collector state: %w", err)
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("%s: %v (fix or remove the file to collect from scratch)", path, err)
	}
	return st, nil
}

// saveState writes the state with sorted keys and indentation, so that an
// unchanged state is byte-identical and a changed one diffs line by line.
// The temporary file goes in tmpDir (the run's staging directory under
// .hds), never beside the state in the dataset.
func saveState(tmpDir, path string, st map[string]json.RawMessage) error {
	b, err := json.Marshal(st) // map keys sorted
	if err != nil {
		return err
	}
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		return err
	}
	out.WriteByte('\n')
	return atomicfile.WriteVia(tmpDir, path, out.Bytes())
}

// FileStamp identifies a local input file by size and modification time.
type FileStamp struct {
	Size  int64 `json:"size"`
	MTime int64 `json:"mtime_ns"`
}

// FileUnchanged reports whether the file at path still has the stamp
// saved under key. It returns the file's current stamp, for SetState once
// the file is fully imported.
func (e *Env) FileUnchanged(key, path string) (FileStamp, bool, error) {
	st, err := os.Stat(path)
	if err != nil {
		return FileStamp{}, false, err
	}
	cur := FileStamp{st.Size(), st.ModTime().UnixNano()}
	var prev FileStamp
	if _, err := e.State(key, &prev); err != nil {
		return cur, false, err
	}
	return cur, prev == cur, nil
}
