// Package local is a blob.Storage in a local directory: blob "a/b/c" is
// the file <dir>/a/b/c.
//
// Put writes a temporary file ".tmp-*" in the blob's directory, fsyncs it,
// renames it over the final name and fsyncs the directory, so a blob is
// either absent or complete and durable. Directories it creates and every
// Delete are fsynced too, so after a crash the directory shows the changes
// in the order they were made. PutFile renames a finished file into place
// instead of copying it when it lies on the same file system.
//
// Get reads with ReadAt through a small cache of open files (MaxOpenFiles),
// shared safely by concurrent readers; Put, Delete and Close invalidate it.
package local
