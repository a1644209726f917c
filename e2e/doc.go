// Package e2e holds end-to-end tests that run the built hds binary. They
// are behind the e2e build tag: `make e2e` builds the binary and runs them
// with HDS_BIN pointing at it.
package e2e
