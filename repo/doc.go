// Package repo is a dataset repository: the .hds directory beside the data,
// holding a bare git repository (versions, refs) and the chunk store (file
// contents). It is the only package that talks to go-git's object storage.
package repo
