// Package blob is the storage of named, immutable blobs under the chunk
// store: pack and index files. The Storage interface states the contract
// every backend keeps (local directory now, object stores later); the
// blobtest package checks it and fakes failures for other packages' tests.
//
// Behaviour beyond the contract (retries, read-only access, rate limits)
// belongs in wrappers around a Storage, not in flags on a backend. Optional
// abilities are separate small interfaces a backend may implement, such as
// FilePutter (move a finished local file into place) and TempCleaner
// (remove what a killed Put left behind).
package blob
