package snapshot

import (
	"syscall"

	"golang.org/x/sys/unix"
)

func fromSyscallStat(st *syscall.Stat_t) fileStat {
	return fromStatT(st.Size, st.Mtim.Nano(), st.Ctim.Nano(), st.Ino, st.Mode)
}

func fromUnixStat(st *unix.Stat_t) fileStat {
	return fromStatT(st.Size, st.Mtim.Nano(), st.Ctim.Nano(), st.Ino, st.Mode)
}
