package dataset

import (
	"os"
	"syscall"
)

// fileID returns the FileID of the file at the absolute path with info fi,
// and whether it has the change time and inode (without them a file
// copied with its times kept would pass for unchanged).
func fileID(path string, fi os.FileInfo) (FileID, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return FileID{}, false
	}
	return FileID{Path: path, Size: fi.Size(), MTime: fi.ModTime().UnixNano(), CTime: st.Ctim.Nano(), Inode: st.Ino}, true
}
