package storage

import (
	"os"

	"golang.org/x/sys/unix"
)

// startWriteback has the kernel start writing length bytes of f from offset
// to disk, without waiting for them. It is a hint: a failure shows at the
// flush that follows.
func startWriteback(f *os.File, offset, length int64) {
	_ = unix.SyncFileRange(int(f.Fd()), offset, length, unix.SYNC_FILE_RANGE_WRITE)
}
