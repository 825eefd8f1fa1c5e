-- Schema version 10: the content hashes of the data files a batch
-- fingerprinted, by path, with the file's state when it was read (size,
-- modification and change times in ns, inode). A batch reads a data file
-- again only when its state differs, so a rerun with nothing changed does
-- not read the data. A cache: deleting rows only costs reading the files.
-- inode and hash are unsigned 64-bit values stored bit for bit as BIGINT.
CREATE TABLE file_hashes (
    path     VARCHAR PRIMARY KEY,
    size     BIGINT NOT NULL,
    mtime_ns BIGINT NOT NULL,
    ctime_ns BIGINT NOT NULL,
    inode    BIGINT NOT NULL,
    hash     BIGINT NOT NULL
);
