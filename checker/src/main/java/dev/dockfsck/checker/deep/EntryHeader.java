package dev.dockfsck.checker.deep;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a tar entry's raw header blocks say about the entry's metadata, as Go's archive/tar
 * (dockerd's reader) takes it: the ustar (or GNU) header, overridden by the PAX extended header
 * before it ({@code uid}, {@code gid}, {@code linkpath}, {@code SCHILY.xattr.*}) and by a GNU long
 * link name ({@code K}). Parsed from the tar-split's raw segments between the previous file entry
 * and this one: the previous entry's padding, then this entry's header blocks, which end exactly
 * where the segments end.
 *
 * @param mode     the low 12 bits of the mode field: permissions, setuid, setgid, sticky
 * @param linkname the link target's bytes (symbolic and hard links)
 * @param xattrs   extended attributes from {@code SCHILY.xattr.<name>} records, in record order
 */
record EntryHeader(byte typeflag, int mode, long uid, long gid, byte[] linkname, long devMajor, long devMinor,
                   Map<String, byte[]> xattrs) {
    static final String XATTR_PREFIX = "SCHILY.xattr.";

    /** The header of the entry whose raw header bytes end at {@code b[len]}; null when they do not parse as one. */
    static EntryHeader parse(byte[] b, int len) {
        if (len < 512) {
            return null;
        }
        int off = len % 512; // the previous entry's padding is under 512 bytes; header blocks are 512 each
        Map<String, byte[]> pax = null;
        byte[] longLink = null;
        while (off + 512 <= len) {
            if (!ustar(b, off)) {
                return null;
            }
            byte type = b[off + 156];
            if (off + 512 == len) {
                return entry(b, off, type, pax, longLink);
            }
            long size = numeric(b, off + 124, 12);
            long dataEnd = off + 512 + size;
            if (size < 0 || dataEnd > len) {
                return null;
            }
            int data = off + 512;
            if (type == 'x') {
                pax = paxRecords(b, data, (int) size, pax);
                if (pax == null) {
                    return null;
                }
            } else if (type == 'K') {
                int end = data;
                while (end < dataEnd && b[end] != 0) {
                    end++;
                }
                longLink = Arrays.copyOfRange(b, data, end);
            } else if (type != 'L' && type != 'g') {
                return null; // another entry's header before this one's: not a layout Go writes
            }
            off = (int) (data + ((size + 511) / 512) * 512);
        }
        return null;
    }

    private static EntryHeader entry(byte[] b, int off, byte type, Map<String, byte[]> pax, byte[] longLink) {
        int mode = (int) (numeric(b, off + 100, 8) & 07777);
        long uid = numeric(b, off + 108, 8);
        long gid = numeric(b, off + 116, 8);
        byte[] link = longLink != null ? longLink : cstring(b, off + 157, 100);
        long major = numeric(b, off + 329, 8);
        long minor = numeric(b, off + 337, 8);
        Map<String, byte[]> xattrs = new LinkedHashMap<>();
        if (pax != null) {
            for (Map.Entry<String, byte[]> e : pax.entrySet()) {
                String k = e.getKey();
                String v = new String(e.getValue(), StandardCharsets.UTF_8);
                try {
                    switch (k) {
                        case "uid" -> uid = Long.parseLong(v);
                        case "gid" -> gid = Long.parseLong(v);
                        case "linkpath" -> link = e.getValue();
                        default -> {
                            if (k.startsWith(XATTR_PREFIX) && k.length() > XATTR_PREFIX.length()) {
                                xattrs.put(k.substring(XATTR_PREFIX.length()), e.getValue());
                            }
                        }
                    }
                } catch (NumberFormatException ex) {
                    return null;
                }
            }
        }
        return new EntryHeader(type, mode, uid, gid, link, major, minor, xattrs);
    }

    private static boolean ustar(byte[] b, int off) {
        return b[off + 257] == 'u' && b[off + 258] == 's' && b[off + 259] == 't' && b[off + 260] == 'a' && b[off + 261] == 'r';
    }

    /** PAX records "LEN KEY=VALUE\n"; later records of the same key win (as Go reads them). */
    private static Map<String, byte[]> paxRecords(byte[] b, int from, int size, Map<String, byte[]> into) {
        Map<String, byte[]> out = into == null ? new LinkedHashMap<>() : into;
        int i = from;
        int end = from + size;
        while (i < end) {
            int sp = i;
            long n = 0;
            while (sp < end && b[sp] >= '0' && b[sp] <= '9') {
                n = n * 10 + (b[sp] - '0');
                if (n > size) {
                    return null;
                }
                sp++;
            }
            if (sp >= end || b[sp] != ' ' || n <= sp - i + 1 || i + n > end || b[(int) (i + n - 1)] != '\n') {
                return null;
            }
            int eq = sp + 1;
            int recEnd = (int) (i + n - 1);
            while (eq < recEnd && b[eq] != '=') {
                eq++;
            }
            if (eq >= recEnd) {
                return null;
            }
            String key = new String(b, sp + 1, eq - sp - 1, StandardCharsets.UTF_8);
            out.put(key, Arrays.copyOfRange(b, eq + 1, recEnd));
            i = (int) (i + n);
        }
        return out;
    }

    /** A numeric field: octal (space or NUL terminated), or base-256 when the high bit of its first byte is set. */
    static long numeric(byte[] b, int off, int len) {
        if ((b[off] & 0x80) != 0) {
            long v = b[off] & 0x3f;
            if ((b[off] & 0x40) != 0) {
                return -1; // negative: nothing an extractor makes
            }
            for (int i = 1; i < len; i++) {
                v = (v << 8) | (b[off + i] & 0xff);
            }
            return v;
        }
        long v = 0;
        int i = off;
        int end = off + len;
        while (i < end && (b[i] == ' ' || b[i] == 0)) {
            i++;
        }
        while (i < end && b[i] >= '0' && b[i] <= '7') {
            v = (v << 3) | (b[i] - '0');
            i++;
        }
        return v;
    }

    private static byte[] cstring(byte[] b, int off, int len) {
        int end = off;
        while (end < off + len && b[end] != 0) {
            end++;
        }
        return Arrays.copyOfRange(b, off, end);
    }
}
