// Package blobtest holds what tests of blob storages and their users
// share: TestStorage, the conformance suite every blob.Storage passes, and
// Faulty, a wrapper that injects errors, short reads and flipped bits.
package blobtest
