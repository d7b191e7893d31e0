# SPDX-License-Identifier: GPL-2.0 OR MIT
"""pcapng_ids.py FILE: the packets of a pcapng file, one line each:
"HOOK PACKET_ID DATA_HEX", HOOK the name of the packet's interface
(if_name), PACKET_ID its epb_packetid ("-" without one), DATA_HEX its
bytes. Then "dropcount N", the sum of every epb_dropcount.

A reader of its own, written from the pcapng specification
(draft-ietf-opsawg-pcapng): the tests' oracle for what nftrace-capture
wrote, independent of nftrace's own pcapng code and quicker than tshark
on hundreds of thousands of packets under TCG.
"""
import struct
import sys

SHB, IDB, EPB = 0x0A0D0D0A, 1, 6


def options(buf, off, end, bo):
    while off + 4 <= end:
        code, length = struct.unpack_from(bo + "HH", buf, off)
        off += 4
        if code == 0:
            return
        yield code, buf[off:off + length]
        off += (length + 3) & ~3


def main():
    buf = open(sys.argv[1], "rb").read()
    off, bo, names, dropcount, out = 0, "<", [], 0, []
    while off < len(buf):
        btype, = struct.unpack_from("<I", buf, off)
        if btype == SHB:
            magic, = struct.unpack_from("<I", buf, off + 8)
            bo = "<" if magic == 0x1A2B3C4D else ">"
            names = []
        blen, = struct.unpack_from(bo + "I", buf, off + 4)
        btype, = struct.unpack_from(bo + "I", buf, off)
        body, end = off + 8, off + blen - 4
        if btype == IDB:
            name = "?"
            for code, val in options(buf, body + 8, end, bo):
                if code == 2:
                    name = val.rstrip(b"\0").decode()
            names.append(name)
        elif btype == EPB:
            ifid, _, _, caplen, _ = struct.unpack_from(bo + "IIIII", buf, body)
            data = buf[body + 20:body + 20 + caplen]
            pid = "-"
            for code, val in options(buf, body + 20 + ((caplen + 3) & ~3),
                                     end, bo):
                if code == 5:
                    pid = str(struct.unpack(bo + "Q", val)[0])
                elif code == 4:
                    dropcount += struct.unpack(bo + "Q", val)[0]
            out.append("%s %s %s" % (names[ifid], pid, data.hex()))
        off += blen
    out.append("dropcount %d" % dropcount)
    sys.stdout.write("\n".join(out) + "\n")


main()
