// Package progress is the tiny interface through which long-running work
// reports how far it has come. The core never prints: it calls a Reporter,
// and the command line decides how to draw it.
package progress

// Reporter receives progress from long-running work. Implementations must be
// safe for concurrent use: pipelines call Add from many goroutines.
type Reporter interface {
	// Phase starts a new named phase ("scan", "store", "fetch") and resets
	// the counters and totals.
	Phase(name string)
	// SetTotal sets the expected number of items and bytes of the current
	// phase; 0 means unknown.
	SetTotal(items, bytes int64)
	// Add records that items and bytes more are done.
	Add(items, bytes int64)
	// Done ends the current phase.
	Done()
}

// Nop is a Reporter that discards everything. Its zero value is ready to use.
type Nop struct{}

var _ Reporter = Nop{}

// Phase implements Reporter.
func (Nop) Phase(string) {}

// SetTotal implements Reporter.
func (Nop) SetTotal(int64, int64) {}

// Add implements Reporter.
func (Nop) Add(int64, int64) {}

// Done implements Reporter.
func (Nop) Done() {}

// Or returns r, or Nop if r is nil, so callers can leave the option unset.
func Or(r Reporter) Reporter {
	if r == nil {
		return Nop{}
	}
	return r
}
