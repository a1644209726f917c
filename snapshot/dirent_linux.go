package snapshot

import (
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"
)

// dirEntry is a name and whether it is a directory (from d_type).
type dirEntry struct {
	name  string
	isDir bool
	typ   uint8 // DT_* from the kernel; DT_UNKNOWN needs a stat
}

// openDir opens a directory for readDir and fstatat. It bypasses os.Open,
// which registers every descriptor with the runtime poller (two fcntl calls
// per directory, measurable on trees of many small directories).
func openDir(path string) (int, error) {
	return unix.Open(path, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
}

func closeDir(fd int) { unix.Close(fd) }

// direntBufs recycles getdents buffers: a fresh 32 KiB per directory
// costs more in allocation and zeroing than the syscall on a tree of
// thousands of small directories.
var direntBufs = sync.Pool{New: func() any { return new([32 << 10]byte) }}

// readDir lists a directory with getdents64, without "." and "..".
func readDir(fd int) ([]dirEntry, error) {
	var out []dirEntry
	bp := direntBufs.Get().(*[32 << 10]byte)
	defer direntBufs.Put(bp)
	buf := bp[:]
	for {
		n, err := unix.Getdents(fd, buf)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, err
		}
		if n <= 0 {
			return out, nil
		}
		for off := 0; off < n; {
			d := (*unix.Dirent)(unsafe.Pointer(&buf[off]))
			if d.Reclen == 0 {
				break
			}
			nameBytes := buf[off+int(unsafe.Offsetof(d.Name)) : off+int(d.Reclen)]
			for i, c := range nameBytes {
				if c == 0 {
					nameBytes = nameBytes[:i]
					break
				}
			}
			off += int(d.Reclen)
			name := string(nameBytes)
			if name == "." || name == ".." {
				continue
			}
			out = append(out, dirEntry{name: name, isDir: d.Type == unix.DT_DIR, typ: d.Type})
		}
	}
}

// direntUnknown reports whether the file system did not say the type.
func (e dirEntry) unknown() bool { return e.typ == unix.DT_UNKNOWN }
