package repo

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"
	"github.com/go-git/go-git/v5/storage/memory"

	"github.com/human2/hds/manifest"
)

// Batch collects the git objects of one change (manifest blobs, trees, a
// commit or tag) in memory and writes them to the repository as a single
// git pack file: one file, not thousands of loose objects, durable before
// any reference names it. A Batch is used from one goroutine.
type Batch struct {
	r      *Repo
	mem    *memory.ObjectStorage
	hashes []Hash
}

func newMem() *memory.ObjectStorage { return &memory.NewStorage().ObjectStorage }

// NewBatch starts an empty batch.
func (r *Repo) NewBatch() *Batch {
	return &Batch{r: r, mem: newMem()}
}

// Len is the number of new objects in the batch.
func (b *Batch) Len() int { return len(b.hashes) }

// has reports whether the object exists in the batch or the repository.
func (b *Batch) has(h Hash) bool {
	if _, ok := b.mem.Objects[h]; ok {
		return true
	}
	return b.r.stored.has(h)
}

func (b *Batch) put(t plumbing.ObjectType, data []byte) (Hash, error) {
	h := plumbing.ComputeHash(t, data)
	if b.has(h) {
		return h, nil
	}
	o := b.mem.NewEncodedObject()
	o.SetType(t)
	o.SetSize(int64(len(data)))
	w, err := o.Writer()
	if err != nil {
		return h, err
	}
	w.Write(data)
	w.Close()
	if _, err := b.mem.SetEncodedObject(o); err != nil {
		return h, err
	}
	b.hashes = append(b.hashes, h)
	return h, nil
}

// PutBlob adds a blob (a manifest) and returns its id.
func (b *Batch) PutBlob(data []byte) (Hash, error) { return b.put(plumbing.BlobObject, data) }

// View returns a read-only view of the repository that also sees the
// batch's objects before they are written, e.g. to diff a new tree
// against HEAD. Do not write through the view.
func (b *Batch) View() *Repo {
	v := *b.r
	v.overlay = &overlay{EncodedObjectStorer: b.r.st, mem: b.mem}
	return &v
}

// overlay reads objects from mem first, then from the repository.
type overlay struct {
	storer.EncodedObjectStorer
	mem *memory.ObjectStorage
}

func (o *overlay) EncodedObject(t plumbing.ObjectType, h Hash) (plumbing.EncodedObject, error) {
	if obj, err := o.mem.EncodedObject(t, h); err == nil {
		return obj, nil
	}
	return o.EncodedObjectStorer.EncodedObject(t, h)
}

func (o *overlay) HasEncodedObject(h Hash) error {
	if o.mem.HasEncodedObject(h) == nil {
		return nil
	}
	return o.EncodedObjectStorer.HasEncodedObject(h)
}

// BlobHash is the id data gets as a blob, without storing it.
func BlobHash(data []byte) Hash { return plumbing.ComputeHash(plumbing.BlobObject, data) }

// TreeEntry is one file of a version: its path and manifest blob.
type TreeEntry struct {
	Path string // slash-separated, relative to the dataset root
	Blob Hash
}

// BuildTree stores the trees for entries (any order; paths must be unique
// and valid) and returns the root tree id. Trees that already exist cost
// only their hashing, so an unchanged version yields the same root id
// without writing anything.
func (b *Batch) BuildTree(entries []TreeEntry) (Hash, error) {
	sorted := make([]TreeEntry, len(entries))
	copy(sorted, entries)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Path < sorted[j].Path })
	for i := range sorted {
		if sorted[i].Path == manifest.DatasetPath {
			continue // the version's summary blob
		}
		if err := CheckPath(sorted[i].Path); err != nil {
			return ZeroHash, err
		}
		if i > 0 && sorted[i].Path == sorted[i-1].Path {
			return ZeroHash, fmt.Errorf("duplicate path %q", sorted[i].Path)
		}
	}
	h, rest, err := b.buildDir("", sorted)
	if err == nil && len(rest) != 0 {
		err = fmt.Errorf("path %q conflicts with a directory of the same name", rest[0].Path)
	}
	return h, err
}

// buildDir consumes the entries under dir (prefix "dir/", or all for the
// root) from the front of sorted and returns the tree id.
func (b *Batch) buildDir(prefix string, sorted []TreeEntry) (Hash, []TreeEntry, error) {
	var t object.Tree
	for len(sorted) > 0 && strings.HasPrefix(sorted[0].Path, prefix) {
		rel := sorted[0].Path[len(prefix):]
		name, _, isDir := strings.Cut(rel, "/")
		if !isDir {
			t.Entries = append(t.Entries, object.TreeEntry{Name: name, Mode: filemode.Regular, Hash: sorted[0].Blob})
			sorted = sorted[1:]
			continue
		}
		sub, rest, err := b.buildDir(prefix+name+"/", sorted)
		if err != nil {
			return ZeroHash, nil, err
		}
		t.Entries = append(t.Entries, object.TreeEntry{Name: name, Mode: filemode.Dir, Hash: sub})
		sorted = rest
	}
	// git orders entries by name, comparing a directory as name + "/".
	sort.Slice(t.Entries, func(i, j int) bool { return treeKey(t.Entries[i]) < treeKey(t.Entries[j]) })
	for i := 1; i < len(t.Entries); i++ {
		if t.Entries[i].Name == t.Entries[i-1].Name {
			return ZeroHash, nil, fmt.Errorf("path %q is both a file and a directory", prefix+t.Entries[i].Name)
		}
	}
	h, err := b.putObject(&t)
	return h, sorted, err
}

func treeKey(e object.TreeEntry) string {
	if e.Mode == filemode.Dir {
		return e.Name + "/"
	}
	return e.Name
}

type encodable interface {
	Encode(plumbing.EncodedObject) error
}

// putObject encodes a go-git object and adds it.
func (b *Batch) putObject(o encodable) (Hash, error) {
	var obj plumbing.MemoryObject
	if err := o.Encode(&obj); err != nil {
		return ZeroHash, err
	}
	rd, _ := obj.Reader()
	data, _ := io.ReadAll(rd)
	return b.put(obj.Type(), data)
}

// Signature is an author or tagger.
type Signature struct {
	Name, Email string
	When        time.Time
}

func (s Signature) git() object.Signature {
	return object.Signature{Name: s.Name, Email: s.Email, When: s.When}
}

// PutCommit adds a commit of tree with the given parents.
func (b *Batch) PutCommit(tree Hash, parents []Hash, author Signature, message string) (Hash, error) {
	c := &object.Commit{
		Author: author.git(), Committer: author.git(),
		Message: ensureNewline(message), TreeHash: tree, ParentHashes: parents,
	}
	return b.putObject(c)
}

// PutTag adds an annotated tag object for commit.
func (b *Batch) PutTag(name string, commit Hash, tagger Signature, message string) (Hash, error) {
	t := &object.Tag{
		Name: name, Tagger: tagger.git(), Message: ensureNewline(message),
		TargetType: plumbing.CommitObject, Target: commit,
	}
	return b.putObject(t)
}

func ensureNewline(s string) string {
	if !strings.HasSuffix(s, "\n") {
		s += "\n"
	}
	return s
}

// Write stores the batch's objects as one git pack (and its index) under
// .hds/objects/pack, fsynced. After Write returns the objects are durable
// and readable; references to them may then be written.
func (b *Batch) Write(ctx context.Context) error {
	if len(b.hashes) == 0 {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	objs := make([]gitObject, len(b.hashes))
	for i, h := range b.hashes {
		o := b.mem.Objects[h]
		rd, err := o.Reader()
		if err != nil {
			return err
		}
		data, err := io.ReadAll(rd)
		rd.Close()
		if err != nil {
			return err
		}
		objs[i] = gitObject{hash: h, typ: o.Type(), data: data}
	}
	if _, err := b.r.writeGitPack(ctx, objs); err != nil {
		return fmt.Errorf("write objects: %w", err)
	}
	b.r.stored.add(b.hashes)
	b.hashes, b.mem = nil, newMem()
	return nil
}

func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("sync %s: %w", path, err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", path, err)
	}
	return nil
}

// ReadBlob returns a blob's bytes.
func (r *Repo) ReadBlob(h Hash) ([]byte, error) {
	data, _, err := r.readBytes(plumbing.BlobObject, h)
	return data, err
}

// readBytes returns an object's content and type.
func (r *Repo) readBytes(t plumbing.ObjectType, h Hash) ([]byte, plumbing.ObjectType, error) {
	o, err := r.readObject(t, h)
	if err != nil {
		return nil, 0, fmt.Errorf("read object %s: %w", short(h), err)
	}
	rd, err := o.Reader()
	if err != nil {
		return nil, 0, err
	}
	defer rd.Close()
	var buf bytes.Buffer
	buf.Grow(int(o.Size()))
	if _, err := buf.ReadFrom(rd); err != nil {
		return nil, 0, fmt.Errorf("read object %s: %w", short(h), err)
	}
	return buf.Bytes(), o.Type(), nil
}
