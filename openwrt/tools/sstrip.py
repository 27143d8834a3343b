#!/usr/bin/env python3
"""Cut an ELF file down to what the loader reads, as OpenWrt's default stripping does
(config/Config-build.in: "Binary stripping method", USE_SSTRIP unless glibc or an
external toolchain; the buildroot's sstrip runs after strip).

After `strip --strip-all` an executable still carries its section name table and its
section header table behind the last segment (on mips_24kc: 164 + 800 B). The kernel
and musl's dynamic loader read only the ELF header and the program headers, so the file
ends where the last byte any program header covers ends, and the ELF header says there
are no sections (e_shoff, e_shentsize, e_shnum, e_shstrndx = 0). `readelf -S`, `nm` and
`strip` have nothing to show afterwards; `readelf -l` and running it are unchanged.

Usage: sstrip.py FILE...   (rewritten in place, mode kept; exit 1 with a message for
anything that is not a well-formed 32- or 64-bit ELF, leaving that file untouched)
"""
import os
import struct
import sys


def cut(data):
    """The stripped bytes of `data`, or raise ValueError saying what is wrong."""
    if len(data) < 52 or data[:4] != b"\x7fELF":
        raise ValueError("not an ELF file, or cut short")
    cls, enc = data[4], data[5]
    if cls not in (1, 2) or enc not in (1, 2):
        raise ValueError("unknown ELF class or byte order")
    e = "<" if enc == 1 else ">"
    if cls == 1:  # ELF32: e_phoff at 28, e_shoff 32, e_ehsize 40, e_phentsize/e_phnum 42
        phoff, = struct.unpack_from(e + "I", data, 28)
        ehsize, phentsize, phnum = struct.unpack_from(e + "HHH", data, 40)
        sh_at, sh_fmt, ph_fmt, min_ph = 32, "I", "II8xI", 32  # p_offset at 4, p_filesz at 16
    else:  # ELF64: e_phoff at 32, e_shoff 40, e_ehsize 52, e_phentsize/e_phnum 54
        if len(data) < 64:
            raise ValueError("ELF header cut short")
        phoff, = struct.unpack_from(e + "Q", data, 32)
        ehsize, phentsize, phnum = struct.unpack_from(e + "HHH", data, 52)
        sh_at, sh_fmt, ph_fmt, min_ph = 40, "Q", "I4xQ16xQ", 56  # p_offset at 8, p_filesz at 32
    if phnum == 0 or phentsize < min_ph:
        raise ValueError("no program headers: nothing says what the loader reads")
    top = max(ehsize, phoff + phentsize * phnum)
    if top > len(data):
        raise ValueError("program headers beyond the end of the file")
    for i in range(phnum):
        p_type, p_offset, p_filesz = struct.unpack_from(e + ph_fmt, data, phoff + i * phentsize)
        if p_filesz and p_type != 0:
            if p_offset + p_filesz > len(data):
                raise ValueError("a segment ends beyond the end of the file")
            top = max(top, p_offset + p_filesz)
    out = bytearray(data[:top])
    struct.pack_into(e + sh_fmt, out, sh_at, 0)  # e_shoff
    shent_at = 46 if cls == 1 else 58  # e_shentsize, e_shnum, e_shstrndx
    struct.pack_into(e + "HHH", out, shent_at, 0, 0, 0)
    return bytes(out)


def main(paths):
    if not paths:
        print("usage: sstrip.py FILE...", file=sys.stderr)
        return 2
    status = 0
    for path in paths:
        try:
            with open(path, "rb") as f:
                data = f.read()
            out = cut(data)
        except (OSError, ValueError) as err:
            print(f"sstrip: {path}: {err}", file=sys.stderr)
            status = 1
            continue
        tmp = path + ".sstrip"
        with open(tmp, "wb") as f:
            f.write(out)
        os.chmod(tmp, os.stat(path).st_mode & 0o7777)
        os.replace(tmp, path)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
