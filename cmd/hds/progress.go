package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/term"

	"github.com/human2/hds/progress"
)

// newProgress returns the Reporter commands hand to the core: a redrawn
// status line on a terminal, a line every few seconds otherwise, nothing
// with --quiet.
func newProgress() progress.Reporter {
	if globalOptions.Quiet {
		return progress.Nop{}
	}
	tty := term.IsTerminal(int(os.Stderr.Fd()))
	every := 5 * time.Second
	if tty {
		every = 100 * time.Millisecond
	}
	return &termProgress{w: os.Stderr, tty: tty, every: every, now: time.Now}
}

// termProgress draws "phase: items, bytes, rate, ETA" on stderr.
type termProgress struct {
	w     io.Writer
	tty   bool
	every time.Duration
	now   func() time.Time

	items, bytes           atomic.Int64
	totalItems, totalBytes atomic.Int64

	mu    sync.Mutex
	phase string
	start time.Time
	last  time.Time
	drawn bool
}

func (p *termProgress) Phase(name string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.phase, p.start, p.last = name, p.now(), p.now()
	p.items.Store(0)
	p.bytes.Store(0)
	p.totalItems.Store(0)
	p.totalBytes.Store(0)
}

func (p *termProgress) SetTotal(items, bytes int64) {
	p.totalItems.Store(items)
	p.totalBytes.Store(bytes)
}

func (p *termProgress) Add(items, bytes int64) {
	p.items.Add(items)
	p.bytes.Add(bytes)
	p.mu.Lock()
	defer p.mu.Unlock()
	if now := p.now(); now.Sub(p.last) >= p.every {
		p.last = now
		p.draw(false)
	}
}

func (p *termProgress) Done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn || p.now().Sub(p.start) > time.Second {
		p.draw(true)
	}
	p.drawn = false
}

func (p *termProgress) draw(final bool) {
	elapsed := p.now().Sub(p.start).Seconds()
	items, bytes := p.items.Load(), p.bytes.Load()
	line := fmt.Sprintf("%s: %d", p.phase, items)
	if t := p.totalItems.Load(); t > 0 {
		line += fmt.Sprintf("/%d", t)
	}
	line += " items"
	if bytes > 0 {
		line += ", " + humanBytes(bytes)
		if t := p.totalBytes.Load(); t > 0 {
			line += "/" + humanBytes(t)
		}
		if elapsed > 0 {
			rate := float64(bytes) / elapsed
			line += fmt.Sprintf(", %s/s", humanBytes(int64(rate)))
			if t := p.totalBytes.Load(); t > bytes && rate > 0 && !final {
				line += fmt.Sprintf(", ETA %s", time.Duration(float64(t-bytes)/rate*float64(time.Second)).Round(time.Second))
			}
		}
	} else if elapsed > 0 && items > 0 {
		line += fmt.Sprintf(", %.0f/s", float64(items)/elapsed)
	}
	if final {
		line += fmt.Sprintf(", %.1fs", elapsed)
	}
	switch {
	case p.tty && final:
		fmt.Fprintf(p.w, "\r\033[K%s\n", line)
	case p.tty:
		fmt.Fprintf(p.w, "\r\033[K%s", line)
	default:
		fmt.Fprintln(p.w, line)
	}
	p.drawn = true
}

// humanBytes formats n with binary units: 1.5 MiB.
func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
