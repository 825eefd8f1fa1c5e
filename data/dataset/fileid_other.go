//go:build !linux

package dataset

import "os"

// fileID returns the FileID of the file at the absolute path with info fi
// (size and modification time only on this platform).
func fileID(path string, fi os.FileInfo) FileID {
	return FileID{Path: path, Size: fi.Size(), MTime: fi.ModTime().UnixNano()}
}
