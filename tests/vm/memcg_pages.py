#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""memcg_pages.py [-v] CGROUP_DIR: the kernel pages charged to a memcg.

Walks /proc/kpagecgroup (the memory cgroup each page is charged to) with
/proc/kpageflags and /proc/kpagecount (root only), and prints the number
of pages charged to CGROUP_DIR that are kernel memory: neither on an LRU
list (anonymous or file memory) nor free. A ring page or a vmalloc page
that nftrace never gave back is one of them; so is a page table or a
kernel stack. Slab objects are charged by the byte, not by the page, and
are not counted here (memory.stat's "slab" has them).

memory.stat's "kernel" is not such a count: it includes what the kernel
keeps charged ahead in its per-CPU caches, and on 7.2-rt it kept 0.9 to
2.6 MB there long after the fuzzer had exited, with no page charged.

-v: also how many pages have each set of flags and mapcount, with a few
PFNs of each, on standard error.
"""
import os
import struct
import sys

FLAGS = ["locked", "error", "referenced", "uptodate", "dirty", "lru",
         "active", "slab", "writeback", "reclaim", "buddy", "mmap", "anon",
         "swapcache", "swapbacked", "compound_head", "compound_tail",
         "huge", "unevictable", "hwpoison", "nopage", "ksm", "thp",
         "offline", "zero_page", "idle", "pgtable"]
USER = (1 << FLAGS.index("lru")) | (1 << FLAGS.index("buddy"))
CHUNK = 1 << 16


def names(flags):
    return ",".join(n for i, n in enumerate(FLAGS) if flags & (1 << i)) or "-"


def main():
    verbose = sys.argv[1] == "-v"
    ino = os.stat(sys.argv[-1]).st_ino
    kinds = {}
    kernel = 0
    with open("/proc/kpagecgroup", "rb") as cg, \
            open("/proc/kpageflags", "rb") as fl, \
            open("/proc/kpagecount", "rb") as ct:
        pfn = 0
        while True:
            b = cg.read(8 * CHUNK)
            if not b:
                break
            n = len(b) // 8
            cgs = struct.unpack("<%dQ" % n, b)
            fls = struct.unpack("<%dQ" % n, fl.read(8 * n))
            cts = struct.unpack("<%dQ" % n, ct.read(8 * n))
            for i in range(n):
                if cgs[i] != ino:
                    continue
                if not fls[i] & USER:
                    kernel += 1
                if verbose:
                    key = (names(fls[i] & ((1 << len(FLAGS)) - 1)), cts[i])
                    k = kinds.setdefault(key, [0, []])
                    k[0] += 1
                    if len(k[1]) < 4:
                        k[1].append(pfn + i)
            pfn += n
    for (f, cnt), (n, pfns) in sorted(kinds.items(), key=lambda x: -x[1][0]):
        print("memcg_pages: %6d pages mapcount %d flags %s (pfn %s)" %
              (n, cnt, f, " ".join("%#x" % p for p in pfns)), file=sys.stderr)
    print(kernel)


main()
