// Package snapshot moves data between a dataset's worktree and its
// repository: it scans the worktree (honouring .hdsignore), keeps the stat
// cache that lets unchanged files go unread, runs the commit pipeline
// (walk → chunk → hash + compress on all cores → pack store → manifests →
// git tree and commit), reports status against HEAD, and checks versions
// out, into the worktree or into another directory.
//
// Crash safety: chunks are flushed before the manifests that name them,
// manifests and trees before the commit, the commit before the reference,
// and files are written to a temporary name and renamed into place. A kill
// at any point leaves the previous version intact.
//
// Stat cache (.hds/statcache): path → size, mtime, ctime, inode, mode, manifest
// blob and record count. A file whose stat matches is not read. An entry
// whose mtime falls within racyWindow of the moment it was recorded is
// "racy" (the file could change again within the same timestamp tick
// without its stat changing), so it is re-verified by content next time,
// as git does.
package snapshot
