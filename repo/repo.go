package repo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/go-git/go-billy/v5/osfs"
	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/plumbing/storer"
	"github.com/go-git/go-git/v5/storage/filesystem"
	"github.com/go-git/go-git/v5/storage/filesystem/dotgit"
	"github.com/human2/hds/internal/atomicfile"
)

// Hash is a git object id (commit, tree or manifest blob). It is an alias
// so that callers need not import go-git.
type Hash = plumbing.Hash

// ZeroHash is the zero Hash: no object.
var ZeroHash = plumbing.ZeroHash

// ErrExists is returned by Init when a repository already exists.
var ErrExists = errors.New("repository already exists")

// DefaultBranch is the branch a new repository starts on.
const DefaultBranch = "main"

// Repo is an open dataset repository. Methods that read are safe for
// concurrent use; methods that write must be called with the lock held
// (see Lock) and from one goroutine.
type Repo struct {
	Root   string // the dataset root: the directory that holds .hds
	Dir    string // Root/.hds
	Config Config
	// Chunks is the chunk store holding file contents.
	Chunks ChunkStore
	// Now is the clock for commit and tag times; tests replace it.
	Now func() time.Time

	git *git.Repository
	st  *filesystem.Storage
	// overlay, when set, is read before st: a Batch's view of objects it
	// has not written yet.
	overlay storer.EncodedObjectStorer
	// objMu serializes object reads: go-git's pack readers share file
	// descriptors and are not safe for concurrent use. A pointer, so views
	// of the repository share it.
	objMu *sync.Mutex
	// stored answers existence checks without go-git's loose-object probe.
	stored *packedObjects
	// trees caches decoded trees; shared by views of the repository.
	trees *treeCache
}

// objects is where reads of git objects go. Callers hold objMu.
func (r *Repo) objects() storer.EncodedObjectStorer {
	if r.overlay != nil {
		return r.overlay
	}
	return r.st
}

// readObject returns an object's type and bytes.
func (r *Repo) readObject(t plumbing.ObjectType, h Hash) (plumbing.EncodedObject, error) {
	r.objMu.Lock()
	defer r.objMu.Unlock()
	o, err := r.objects().EncodedObject(t, h)
	if r.overlay == nil && (errors.Is(err, dotgit.ErrPackfileNotFound) || errors.Is(err, plumbing.ErrObjectNotFound)) {
		// Another process may have merged the packs this one listed (hds
		// gc, or a commit past AutoPackLimit) or written a new one: list
		// them again, once.
		r.st.ObjectStorage.Reindex()
		o, err = r.st.EncodedObject(t, h)
	}
	if err != nil {
		return nil, err
	}
	// Copy into memory under the lock so the caller's reads are safe.
	var m plumbing.MemoryObject
	m.SetType(o.Type())
	rd, err := o.Reader()
	if err != nil {
		return nil, err
	}
	defer rd.Close()
	w, _ := m.Writer()
	if _, err := io.Copy(w, rd); err != nil {
		return nil, err
	}
	// go-git does not check a packed object against its id; hds does, so
	// a damaged manifest or tree is an error, never wrong data.
	if got := m.Hash(); got != h {
		return nil, fmt.Errorf("%w: %s object %s has id %s", ErrCorruptObject, t, short(h), short(got))
	}
	return &m, nil
}

// ErrCorruptObject marks a git object whose content does not match its id.
var ErrCorruptObject = errors.New("object does not match its id")

func (r *Repo) path(elem ...string) string {
	return filepath.Join(append([]string{r.Dir}, elem...)...)
}

// Init creates a repository in dir (created if missing) with config c.
func Init(ctx context.Context, dir string, c Config) (*Repo, error) {
	if err := c.validate(); err != nil {
		return nil, err
	}
	root, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	hdsDir := filepath.Join(root, DirName)
	if _, err := os.Lstat(hdsDir); err == nil {
		return nil, fmt.Errorf("%s: %w (remove it first to start over)", hdsDir, ErrExists)
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return nil, fmt.Errorf("init: %w", err)
	}
	// Build in a temporary directory and rename, so a failed init leaves
	// nothing that looks like a repository.
	tmp, err := os.MkdirTemp(root, ".hds-init-")
	if err != nil {
		return nil, fmt.Errorf("init: %w", err)
	}
	defer os.RemoveAll(tmp)
	g, err := git.PlainInitWithOptions(tmp, &git.PlainInitOptions{
		Bare:        true,
		InitOptions: git.InitOptions{DefaultBranch: plumbing.NewBranchReferenceName(DefaultBranch)},
	})
	if err != nil {
		return nil, fmt.Errorf("init git repository: %w", err)
	}
	gc, err := g.Config()
	if err != nil {
		return nil, err
	}
	c.store(gc)
	if err := g.SetConfig(gc); err != nil {
		return nil, fmt.Errorf("init: write config: %w", err)
	}
	for _, d := range []string{"chunks", "tmp"} {
		if err := os.Mkdir(filepath.Join(tmp, d), 0o755); err != nil {
			return nil, fmt.Errorf("init: %w", err)
		}
	}
	if err := os.WriteFile(filepath.Join(tmp, "description"), []byte("hds dataset repository\n"), 0o644); err != nil {
		return nil, err
	}
	if err := atomicfile.SyncDir(tmp); err != nil {
		return nil, err
	}
	if err := os.Rename(tmp, hdsDir); err != nil {
		return nil, fmt.Errorf("init: %w", err)
	}
	if err := atomicfile.SyncDir(root); err != nil {
		return nil, err
	}
	return openAt(ctx, root)
}

// Open opens the repository enclosing dir.
func Open(ctx context.Context, dir string) (*Repo, error) {
	root, err := FindRoot(dir)
	if err != nil {
		return nil, err
	}
	return openAt(ctx, root)
}

func openAt(ctx context.Context, root string) (*Repo, error) {
	r := &Repo{Root: root, Dir: filepath.Join(root, DirName), Now: time.Now, objMu: new(sync.Mutex)}
	r.stored = &packedObjects{dir: r.path("objects")}
	r.trees = &treeCache{}
	r.st = filesystem.NewStorageWithOptions(osfs.New(r.Dir), cache.NewObjectLRUDefault(), filesystem.Options{KeepDescriptors: true})
	g, err := git.Open(r.st, nil)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", r.Dir, err)
	}
	r.git = g
	gc, err := g.Config()
	if err != nil {
		return nil, fmt.Errorf("open %s: read config: %w", r.Dir, err)
	}
	if r.Config, err = loadConfig(gc); err != nil {
		return nil, fmt.Errorf("open %s: %w", r.Dir, err)
	}
	if err := r.openChunks(ctx); err != nil {
		r.st.Close()
		return nil, err
	}
	return r, nil
}

// Close releases open files. Chunks not flushed are dropped.
func (r *Repo) Close() error {
	var errs []error
	if r.Chunks != nil {
		errs = append(errs, r.Chunks.Close())
	}
	errs = append(errs, r.st.Close())
	return errors.Join(errs...)
}

// TempDir is where commands assemble files before moving them into place.
func (r *Repo) TempDir() string { return r.path("tmp") }
