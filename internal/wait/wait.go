// Package wait sleeps unless the context ends first.
package wait

import (
	"context"
	"time"
)

// Sleep waits for d, or returns ctx's error as soon as it is done.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
