#!/usr/bin/env python3
"""Estimate what a package's files take in a router's JFFS2 overlay (rootfs_data).

usage: jffs2-estimate.py ROOT        ROOT laid out as on the router (a package payload)
       jffs2-estimate.py FILE.ipk    the files of a package (its data.tar.gz)

Prints one number: bytes of flash, as Linux's JFFS2 writes them when opkg or apk
installs the files (the figure users feel in `df /overlay`):
- a file's data goes in nodes of at most one 4 KiB page, each compressed on its
  own with zlib at level 3 (fs/jffs2/compr_zlib.c) and stored raw when that does
  not make it smaller; each node has a 68-byte header (struct jffs2_raw_inode);
- every file and directory has a directory entry node: 40 bytes
  (struct jffs2_raw_dirent) and its name; a directory, an inode node with no data;
- nodes are padded to 4 bytes.
Not counted: erase-block summaries, the space JFFS2 keeps free for garbage
collection, and directories that already exist on the router (/etc, /usr/sbin, ...),
which are counted here as if new: an upper bound for them, a few hundred bytes.
"""
import io
import os
import sys
import tarfile
import zlib

PAGE = 4096
INODE = 68
DIRENT = 40


def pad4(n):
    return (n + 3) & ~3


def data_nodes(data):
    total = 0
    for i in range(0, len(data), PAGE):
        page = data[i : i + PAGE]
        c = zlib.compressobj(3)
        z = c.compress(page) + c.flush()
        total += INODE + pad4(min(len(z), len(page)))
    return total or INODE


def name_node(name):
    return pad4(DIRENT + len(name.encode()))


def estimate(root):
    total = 0
    for d, dirs, files in os.walk(root):
        for name in dirs:
            total += name_node(name) + INODE
        for name in files:
            p = os.path.join(d, name)
            total += name_node(name)
            if os.path.islink(p):
                total += INODE + pad4(len(os.readlink(p).encode()))
            elif os.path.isfile(p):
                with open(p, "rb") as f:
                    total += data_nodes(f.read())
    return total


def estimate_ipk(path):
    with tarfile.open(path, "r:gz") as outer:
        data = outer.extractfile("./data.tar.gz").read()
    total = 0
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as t:
        for m in t.getmembers():
            name = os.path.basename(m.name.rstrip("/"))
            if not name or name == ".":
                continue
            total += name_node(name)
            if m.isdir():
                total += INODE
            elif m.issym():
                total += INODE + pad4(len(m.linkname.encode()))
            elif m.isfile():
                total += data_nodes(t.extractfile(m).read())
    return total


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: jffs2-estimate.py ROOT|FILE.ipk")
    arg = sys.argv[1]
    print(estimate(arg) if os.path.isdir(arg) else estimate_ipk(arg))
