package snapshot

import "bytes"

// countByte is bytes.Count for one byte (vectorised in the runtime).
func countByte(p []byte, b byte) int { return bytes.Count(p, []byte{b}) }
