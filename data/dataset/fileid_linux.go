package dataset

import (
	"os"
	"syscall"
)

// fileID returns the FileID of the file at the absolute path with info fi,
// with its change time and inode.
func fileID(path string, fi os.FileInfo) FileID {
	id := FileID{Path: path, Size: fi.Size(), MTime: fi.ModTime().UnixNano()}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		id.CTime = st.Ctim.Nano()
		id.Inode = st.Ino
	}
	return id
}
