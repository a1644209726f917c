package snapshot

import (
	"syscall"

	"golang.org/x/sys/unix"
)

func fromSyscallStat(st *syscall.Stat_t) fileStat {
	return fromStatT(st.Size, st.Mtimespec.Nano(), st.Ctimespec.Nano(), st.Ino, uint32(st.Mode))
}

func fromUnixStat(st *unix.Stat_t) fileStat {
	return fromStatT(st.Size, st.Mtim.Nano(), st.Ctim.Nano(), st.Ino, uint32(st.Mode))
}
