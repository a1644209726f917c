//go:build e2e

package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// digest maps every file under root (skipping .hds) to a hash of its content
// (symlinks: of their target).
func digest(tb testing.TB, root string) map[string]string {
	tb.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == ".hds" {
			return filepath.SkipDir
		}
		rel, _ := filepath.Rel(root, p)
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			t, _ := os.Readlink(p)
			out[rel] = "link:" + t
		case d.Type().IsRegular():
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			s := sha256.Sum256(b)
			out[rel] = hex.EncodeToString(s[:])
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

func sameDigest(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// fill writes a dataset version under root: JSONL shards, random bytes and
// small files, all depending on seed.
func fill(tb testing.TB, root string, seed int64, jsonlMB int) {
	tb.Helper()
	rng := rand.New(rand.NewSource(seed))
	for shard := 0; shard < 4; shard++ {
		var b strings.Builder
		for b.Len() < jsonlMB<<20/4 {
			fmt.Fprintf(&b, `{"id":%d,"seed":%d,"text":"%x"}`+"\n", rng.Int63(), seed, rng.Int63())
		}
		writeFile(tb, root, fmt.Sprintf("data/raw/part-%d.jsonl", shard), b.String())
	}
	raw := make([]byte, 4<<20)
	rng.Read(raw)
	writeFile(tb, root, "data/bin/weights.f32", string(raw))
	for i := 0; i < 200; i++ {
		writeFile(tb, root, fmt.Sprintf("data/small/%03d.py", i), fmt.Sprintf("def f%d():\n    return %d\n", i, rng.Intn(3)))
	}
}

func TestGitReadsWhatHdsWrites(t *testing.T) {
	dir := t.TempDir()
	mustRun(t, dir, "init")
	fill(t, dir, 1, 2)
	writeFile(t, dir, "names/with space/ünï.txt", "unicode\n")
	os.Symlink("data/raw/part-0.jsonl", filepath.Join(dir, "link"))
	mustRun(t, dir, "commit", "-m", "first version")
	fill(t, dir, 2, 2)
	mustRun(t, dir, "commit", "-m", "second version")
	mustRun(t, dir, "tag", "v2", "-m", "annotated")

	git := func(args ...string) string {
		out, err := exec.Command("git", append([]string{"--git-dir", filepath.Join(dir, ".hds")}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	git("fsck", "--strict", "--no-dangling")
	if log := git("log", "--format=%an %s"); log != "e2e second version\ne2e first version\n" {
		t.Fatalf("git log:\n%s", log)
	}
	manifest := git("show", "HEAD:data/raw/part-0.jsonl")
	if !strings.HasPrefix(manifest, "hds-manifest 1\ntype file\n") || !strings.Contains(manifest, "\nchunk ") {
		t.Fatalf("manifest as git shows it:\n%s", manifest)
	}
	if out := git("describe", "--tags"); strings.TrimSpace(out) != "v2" {
		t.Fatalf("git describe: %s", out)
	}
}

func TestSecondWriterIsLockedOut(t *testing.T) {
	dir := t.TempDir()
	mustRun(t, dir, "init")
	fill(t, dir, 1, 48) // big enough that the first commit is still running
	first := exec.Command(hdsBin(t), "commit", "-q", "-m", "slow")
	first.Dir = dir
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	defer first.Wait()
	// The lock holder writes its pid into .hds/lock: wait for the first
	// commit to hold it, so the second cannot win the race instead.
	pid := fmt.Sprintf("%d\n", first.Process.Pid)
	for i := 0; i < 1000; i++ {
		if b, _ := os.ReadFile(filepath.Join(dir, ".hds", "lock")); string(b) == pid {
			break
		}
		time.Sleep(time.Millisecond)
	}
	r := run(t, dir, "commit", "-m", "second")
	if r.Code != 4 || !strings.Contains(r.Stderr, fmt.Sprintf("another hds process (pid %d) is writing to this repository", first.Process.Pid)) {
		t.Fatalf("second writer: exit %d, stderr %q", r.Code, r.Stderr)
	}
	if err := first.Wait(); err != nil {
		t.Fatalf("first commit failed: %v", err)
	}
}

// TestKillDuringCommit kills real `hds commit` processes at random moments;
// after each kill the last committed version must check out byte-identical
// and fsck must find no errors.
func TestKillDuringCommit(t *testing.T) {
	dir := t.TempDir()
	mustRun(t, dir, "init")
	fill(t, dir, 0, 8)
	mustRun(t, dir, "commit", "-q", "-m", "v0")
	committed := map[string]map[string]string{} // commit id -> digest
	head := strings.TrimSpace(mustRun(t, dir, "log", "--oneline", "-n", "1"))[:10]
	committed[head] = digest(t, dir)

	// Calibrate: how long does a commit of one version take?
	fill(t, dir, 1000, 8)
	start := time.Now()
	mustRun(t, dir, "commit", "-q", "-m", "calibration")
	full := time.Since(start)
	head = strings.TrimSpace(mustRun(t, dir, "log", "--oneline", "-n", "1"))[:10]
	committed[head] = digest(t, dir)

	rng := rand.New(rand.NewSource(time.Now().UnixNano()))
	kills := 0
	for i := 1; kills < 24 && i < 60; i++ {
		fill(t, dir, int64(i), 8)
		want := digest(t, dir)
		cmd := exec.Command(hdsBin(t), "commit", "-q", "-m", fmt.Sprintf("v%d", i))
		cmd.Dir = dir
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(rng.Int63n(int64(full) + 1)))
		killed := cmd.Process.Signal(syscall.SIGKILL) == nil
		err := cmd.Wait()
		if ee, ok := err.(*exec.ExitError); ok && ee.ProcessState.Sys().(syscall.WaitStatus).Signaled() {
			kills++
		} else if err != nil {
			t.Fatalf("commit failed on its own: %v", err)
		}
		_ = killed
		// Whatever HEAD is now, it must be a complete version.
		if r := run(t, dir, "fsck"); r.Code != 0 {
			t.Fatalf("after kill %d: fsck exit %d\n%s%s", kills, r.Code, r.Stdout, r.Stderr)
		}
		head = strings.TrimSpace(mustRun(t, dir, "log", "--oneline", "-n", "1"))[:10]
		if _, known := committed[head]; !known {
			committed[head] = want // the commit finished before the kill
		}
		out := filepath.Join(t.TempDir(), "co")
		mustRun(t, dir, "checkout", "-q", head, "--to", out)
		if !sameDigest(digest(t, out), committed[head]) {
			t.Fatalf("after kill %d: HEAD %s does not check out as committed", kills, head)
		}
	}
	if kills < 20 {
		t.Fatalf("only %d of the commits were killed mid-way", kills)
	}
	// Every version ever committed still checks out exactly.
	for id, want := range committed {
		out := filepath.Join(t.TempDir(), "co")
		mustRun(t, dir, "checkout", "-q", id, "--to", out)
		if !sameDigest(digest(t, out), want) {
			t.Fatalf("version %s changed", id)
		}
	}
	mustRun(t, dir, "fsck", "--read-data")
	gitOut, err := exec.Command("git", "--git-dir", filepath.Join(dir, ".hds"), "fsck", "--strict").CombinedOutput()
	if err != nil {
		t.Fatalf("git fsck after kills: %v\n%s", err, gitOut)
	}
	t.Logf("%d kills, %d distinct versions", kills, len(committed))
}

func TestCorruptPackIsReported(t *testing.T) {
	dir := t.TempDir()
	mustRun(t, dir, "init")
	fill(t, dir, 1, 1)
	mustRun(t, dir, "commit", "-q", "-m", "v1")
	var packs []string
	filepath.WalkDir(filepath.Join(dir, ".hds", "chunks"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".pack") {
			packs = append(packs, p)
		}
		return nil
	})
	if len(packs) == 0 {
		t.Fatal("no pack files")
	}
	// Flip a byte early in the first pack: inside the first chunk's data.
	f, err := os.OpenFile(packs[0], os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 1)
	f.ReadAt(b, 100)
	b[0] ^= 0xff
	f.WriteAt(b, 100)
	f.Close()

	r := run(t, dir, "fsck", "--read-data")
	if r.Code != 5 || !strings.Contains(r.Stdout+r.Stderr, "chunk") {
		t.Fatalf("fsck --read-data: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	r = run(t, dir, "checkout", "HEAD", "--to", filepath.Join(t.TempDir(), "co"))
	if r.Code == 0 || !strings.Contains(r.Stderr, "chunk") {
		t.Fatalf("checkout of corrupt data: exit %d, %q", r.Code, r.Stderr)
	}
	if !strings.Contains(r.Stderr, "data/") {
		t.Fatalf("checkout error should name the file: %q", r.Stderr)
	}
}

func TestCheckoutRefusesUnsafeTree(t *testing.T) {
	dir := t.TempDir()
	mustRun(t, dir, "init")
	writeFile(t, dir, "a.txt", "a\n")
	mustRun(t, dir, "commit", "-q", "-m", "v1")
	gitDir := filepath.Join(dir, ".hds")
	git := func(stdin string, args ...string) string {
		cmd := exec.Command("git", append([]string{"--git-dir", gitDir}, args...)...)
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("git %v: %v", args, err)
		}
		return strings.TrimSpace(string(out))
	}
	blob := git("hds-manifest 1\ntype file\nmode 644\nsize 0\nhash blake3 af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262\n", "hash-object", "-w", "--stdin")
	inner := git(fmt.Sprintf("100644 blob %s\tescaped.txt\n", blob), "mktree")
	evil := git(fmt.Sprintf("040000 tree %s\t..\n", inner), "mktree")
	commit := git("", "commit-tree", evil, "-m", "evil")

	base := t.TempDir()
	target := filepath.Join(base, "target")
	r := run(t, dir, "checkout", commit, "--to", target)
	if r.Code == 0 || !strings.Contains(r.Stderr, "unsafe path") {
		t.Fatalf("checkout of a tree with '..': exit %d, %q", r.Code, r.Stderr)
	}
	if _, err := os.Stat(filepath.Join(base, "escaped.txt")); err == nil {
		t.Fatal("a file was written outside the target directory")
	}
}

func TestHundredMegabyteLine(t *testing.T) {
	dir := t.TempDir()
	mustRun(t, dir, "init")
	line := strings.Repeat("0123456789", 10<<20) // 100 MiB, no newline
	writeFile(t, dir, "huge.jsonl", line+"\n")
	mustRun(t, dir, "commit", "-q", "-m", "huge line")
	out := filepath.Join(t.TempDir(), "co")
	mustRun(t, dir, "checkout", "-q", "HEAD", "--to", out)
	got, err := os.ReadFile(filepath.Join(out, "huge.jsonl"))
	if err != nil || len(got) != len(line)+1 || string(got[:100]) != line[:100] {
		t.Fatalf("round trip of a 100 MiB line: %d bytes, %v", len(got), err)
	}
	if ls := mustRun(t, dir, "ls"); !strings.Contains(ls, " 1 ") {
		t.Fatalf("record count of one line: %s", ls)
	}
}

// TestCoreBuildRunsDataCommandsThroughFull checks the core build (bin/hds)
// hands collect and process to bin/hds-full with the same arguments, exit
// codes and help, and says what to do when hds-full is missing.
func TestCoreBuildRunsDataCommandsThroughFull(t *testing.T) {
	bin := hdsBin(t)
	if _, err := os.Stat(filepath.Join(filepath.Dir(bin), "hds-full")); err != nil {
		t.Skip("HDS_BIN is not a core build with hds-full beside it")
	}
	dir := t.TempDir()
	if out := mustRun(t, dir, "version"); !strings.Contains(out, "(core build)") {
		t.Fatalf("version of bin/hds: %q", out)
	}
	if r := run(t, dir, "collect", "--help"); r.Code != 0 || !strings.Contains(r.Stdout, "incremental") {
		t.Fatalf("collect --help: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	if r := run(t, dir, "collect", "no-such-source"); r.Code != 2 || !strings.Contains(r.Stderr, `unknown source "no-such-source"`) {
		t.Fatalf("collect of an unknown source: exit %d\n%s", r.Code, r.Stderr)
	}
	if r := run(t, dir, "process"); r.Code != 3 {
		t.Fatalf("process outside a repository: exit %d, want 3\n%s", r.Code, r.Stderr)
	}

	// The core build alone: a clear error, not a crash or a silent no-op.
	alone := filepath.Join(t.TempDir(), "hds")
	b, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(alone, b, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(alone, "collect", "git", ".")
	cmd.Dir = dir
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + dir}
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 || !strings.Contains(string(out), "hds-full not found") || !strings.Contains(string(out), "make build") {
		t.Fatalf("core build without hds-full: %v\n%s", err, out)
	}
}

// TestKillDuringGC kills real `hds gc` processes (10 times) at random moments while
// they prune chunks and merge the git object packs (one per commit); after
// each kill every version must still check out byte-identical and both
// fsck and git fsck must be clean.
func TestKillDuringGC(t *testing.T) {
	pristine := t.TempDir()
	mustRun(t, pristine, "init")
	versions := map[string]map[string]string{}
	for v := 0; v < 30; v++ {
		for f := 0; f < 200; f++ {
			if f%3 == v%3 || v == 0 {
				writeFile(t, pristine, fmt.Sprintf("files/%02d/f%03d.jsonl", f%20, f), fmt.Sprintf(`{"f":%d,"v":%d}`+"\n", f, v))
			}
		}
		mustRun(t, pristine, "commit", "-q", "-m", fmt.Sprint("v", v))
		head := strings.TrimSpace(mustRun(t, pristine, "log", "--oneline", "-n", "1"))[:10]
		versions[head] = digest(t, pristine)
	}
	// A dropped version leaves garbage chunks for gc to prune.
	writeFile(t, pristine, "drop.bin", strings.Repeat("only in a dropped version ", 40000))
	mustRun(t, pristine, "commit", "-q", "-m", "dropped")
	mustRun(t, pristine, "reset", "-q", "--hard", "HEAD~1")

	copyRepo := func() string {
		dir := filepath.Join(t.TempDir(), "repo")
		if out, err := exec.Command("cp", "-a", pristine, dir).CombinedOutput(); err != nil {
			t.Fatalf("cp: %v\n%s", err, out)
		}
		return dir
	}
	dir := copyRepo()
	start := time.Now()
	if r := run(t, dir, "gc"); r.Code != 0 || !strings.Contains(r.Stdout, "object packs into 1") {
		t.Fatalf("gc: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	full := time.Since(start)

	rng := rand.New(rand.NewSource(time.Now().UnixNano()))
	kills := 0
	for i := 0; kills < 10 && i < 30; i++ {
		dir := copyRepo()
		cmd := exec.Command(hdsBin(t), "gc")
		cmd.Dir = dir
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(rng.Int63n(int64(full) + 1)))
		cmd.Process.Signal(syscall.SIGKILL)
		err := cmd.Wait()
		if ee, ok := err.(*exec.ExitError); ok && ee.ProcessState.Sys().(syscall.WaitStatus).Signaled() {
			kills++
		} else if err != nil {
			t.Fatalf("gc failed on its own: %v", err)
		}
		if r := run(t, dir, "fsck"); r.Code != 0 {
			t.Fatalf("after kill %d: fsck exit %d\n%s%s", i, r.Code, r.Stdout, r.Stderr)
		}
		checked := 0
		for id, want := range versions { // a random handful each time
			if checked++; checked > 4 {
				break
			}
			out := filepath.Join(t.TempDir(), "co")
			mustRun(t, dir, "checkout", "-q", id, "--to", out)
			if !sameDigest(digest(t, out), want) {
				t.Fatalf("after kill %d: version %s changed", i, id)
			}
		}
		if out, err := exec.Command("git", "--git-dir", filepath.Join(dir, ".hds"), "fsck", "--strict").CombinedOutput(); err != nil {
			t.Fatalf("after kill %d: git fsck: %v\n%s", i, err, out)
		}
		// The next gc finishes the job.
		mustRun(t, dir, "gc")
	}
	if kills < 6 {
		t.Fatalf("only %d gc runs were killed mid-way (gc takes %v)", kills, full)
	}
	t.Logf("%d kills; gc takes %v", kills, full)
}
