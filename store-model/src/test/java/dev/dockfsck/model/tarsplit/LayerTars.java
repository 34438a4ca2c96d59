package dev.dockfsck.model.tarsplit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Random layer tars for the packer's properties: regular files, dirs, symlinks, hard links,
 * whiteouts ({@code .wh.x}, {@code .wh..wh..opq}), names and link targets over 100 bytes,
 * xattrs; written either by commons-compress (GNU long names or PAX, star or PAX big numbers,
 * 512- or 10240-byte records) or by hand (USTAR or GNU magic, GNU {@code L}/{@code K} records or
 * PAX {@code path}/{@code linkpath}, non-UTF-8 names, trailing bytes after the end blocks).
 */
final class LayerTars {
    enum Kind { FILE, DIR, SYMLINK, HARDLINK, WHITEOUT, OPAQUE }

    /** One entry as generated: {@code name} are the exact bytes the tar carries. */
    record Entry(Kind kind, byte[] name, byte[] link, byte[] content, Map<String, String> xattrs, long uid,
            long mtime, int mode) {
        String key() {
            return new String(name, StandardCharsets.ISO_8859_1);
        }
    }

    /** A generated layer: its bytes and its entries in tar order. */
    record Layer(byte[] tar, List<Entry> entries, String how) {
        @Override
        public String toString() {
            return how + ", " + entries.size() + " entries, " + tar.length + " bytes";
        }
    }

    private LayerTars() {
    }

    static Layer generate(long seed) {
        Random r = new Random(new java.util.SplittableRandom(seed).nextLong()); // mixed: close seeds, unlike outputs
        boolean handWritten = r.nextBoolean();
        List<Entry> entries = entries(r, handWritten);
        try {
            if (handWritten) {
                boolean gnu = r.nextBoolean();
                int trailing = r.nextInt(4) == 0 ? r.nextInt(1500) : 0;
                return new Layer(HandTar.write(entries, gnu, trailing, r), entries,
                        "hand-written " + (gnu ? "GNU" : "USTAR/PAX") + ", " + trailing + " trailing bytes");
            }
            boolean gnu = r.nextBoolean();
            boolean star = r.nextBoolean();
            int block = r.nextBoolean() ? 512 : 10240;
            return new Layer(commonsCompress(entries, gnu, star, block), entries,
                    "commons-compress " + (gnu ? "GNU" : "PAX") + " long names, " + (star ? "star" : "PAX")
                            + " big numbers, " + block + "-byte blocks");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<Entry> entries(Random r, boolean raw) {
        int n = r.nextInt(12);
        List<Entry> out = new ArrayList<>();
        List<byte[]> files = new ArrayList<>();
        List<String> dirs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Kind k = Kind.values()[r.nextInt(Kind.values().length)];
            if (k == Kind.HARDLINK && files.isEmpty()) {
                k = Kind.FILE;
            }
            String parent = !dirs.isEmpty() && r.nextBoolean() ? dirs.get(r.nextInt(dirs.size())) : "";
            ByteArrayOutputStream name = new ByteArrayOutputStream();
            name.writeBytes(parent.getBytes(StandardCharsets.UTF_8));
            String base = "e" + i + word(r, 0, 8);
            switch (k) {
                case WHITEOUT -> base = ".wh." + base;
                case OPAQUE -> base = "o" + i + "/.wh..wh..opq";
                default -> {
                }
            }
            name.writeBytes(base.getBytes(StandardCharsets.UTF_8));
            int style = r.nextInt(6);
            if (style == 0) {
                name.writeBytes(("-" + "long".repeat(25 + r.nextInt(30))).getBytes(StandardCharsets.UTF_8));
            } else if (style == 1) {
                name.writeBytes("-é€𝄞".getBytes(StandardCharsets.UTF_8));
            } else if (style == 2 && raw) {
                name.writeBytes(new byte[] {'-', (byte) 0xff, (byte) 0xe9, (byte) 0x80});
            }
            byte[] link = new byte[0];
            byte[] content = new byte[0];
            switch (k) {
                case DIR -> {
                    dirs.add(new String(name.toByteArray(), StandardCharsets.UTF_8) + "/");
                    name.write('/');
                }
                case SYMLINK -> link = (r.nextBoolean() ? "../" + word(r, 1, 8)
                        : "/usr/" + word(r, 1, 8) + (r.nextInt(3) == 0 ? "t".repeat(120) : ""))
                        .getBytes(StandardCharsets.UTF_8);
                case HARDLINK -> link = files.get(r.nextInt(files.size()));
                case FILE -> {
                    int size = r.nextInt(5) == 0 ? 32 * 1024 + r.nextInt(70_000) : r.nextInt(1200);
                    content = new byte[size];
                    r.nextBytes(content);
                }
                default -> {
                }
            }
            if (!raw && !TarSplitNames.isUtf8(name.toByteArray())) {
                throw new AssertionError("commons-compress names are UTF-8");
            }
            Map<String, String> xattrs = new LinkedHashMap<>();
            if (r.nextInt(4) == 0) {
                xattrs.put("user." + word(r, 1, 6), word(r, 0, 20));
                if (r.nextBoolean()) {
                    xattrs.put("security.capability", "\u0001\u0002caps");
                }
            }
            long uid = r.nextInt(5) == 0 ? 3_000_000L + r.nextInt(1 << 20) : r.nextInt(65536);
            long mtime = 1_600_000_000L + r.nextInt(100_000_000);
            int mode = (k == Kind.DIR ? 0755 : 0644) | (r.nextInt(8) == 0 ? 04000 : 0);
            Entry e = new Entry(k, name.toByteArray(), link, content, xattrs, uid, mtime, mode);
            if (k == Kind.FILE) {
                files.add(e.name());
            }
            out.add(e);
        }
        return out;
    }

    private static String word(Random r, int min, int max) {
        int n = min + r.nextInt(max - min + 1);
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            b.append((char) ('a' + r.nextInt(26)));
        }
        return b.toString();
    }

    private static byte[] commonsCompress(List<Entry> entries, boolean gnu, boolean star, int block) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tos = new TarArchiveOutputStream(bos, block, "UTF-8")) {
            tos.setLongFileMode(gnu ? TarArchiveOutputStream.LONGFILE_GNU : TarArchiveOutputStream.LONGFILE_POSIX);
            tos.setBigNumberMode(star ? TarArchiveOutputStream.BIGNUMBER_STAR : TarArchiveOutputStream.BIGNUMBER_POSIX);
            for (Entry e : entries) {
                String name = new String(e.name(), StandardCharsets.UTF_8);
                TarArchiveEntry t = switch (e.kind()) {
                    case SYMLINK -> new TarArchiveEntry(name, TarConstants.LF_SYMLINK);
                    case HARDLINK -> new TarArchiveEntry(name, TarConstants.LF_LINK);
                    default -> new TarArchiveEntry(name);
                };
                if (e.link().length > 0) {
                    t.setLinkName(new String(e.link(), StandardCharsets.UTF_8));
                }
                t.setSize(e.content().length);
                t.setMode((e.kind() == Kind.DIR ? 040000 : e.kind() == Kind.SYMLINK ? 0120000 : 0100000) | e.mode());
                t.setUserId(e.uid());
                t.setGroupId(e.uid());
                t.setModTime(e.mtime() * 1000);
                e.xattrs().forEach((k, v) -> t.addPaxHeader("SCHILY.xattr." + k, v));
                tos.putArchiveEntry(t);
                tos.write(e.content());
                tos.closeArchiveEntry();
            }
            tos.finish();
        }
        return bos.toByteArray();
    }

    /** Writes headers byte by byte, as GNU tar or a Go-like USTAR/PAX writer would. */
    static final class HandTar {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private final boolean gnu;

        private HandTar(boolean gnu) {
            this.gnu = gnu;
        }

        static byte[] write(List<Entry> entries, boolean gnu, int trailing, Random r) {
            HandTar t = new HandTar(gnu);
            for (Entry e : entries) {
                t.entry(e);
            }
            t.out.write(new byte[1024], 0, 1024);
            byte[] tail = new byte[trailing];
            if (r.nextBoolean()) {
                r.nextBytes(tail);
            }
            t.out.write(tail, 0, tail.length);
            return t.out.toByteArray();
        }

        void entry(Entry e) {
            byte type = switch (e.kind()) {
                case DIR -> TarHeader.TYPE_DIR;
                case SYMLINK -> TarHeader.TYPE_SYMLINK;
                case HARDLINK -> TarHeader.TYPE_LINK;
                default -> TarHeader.TYPE_REG;
            };
            ByteArrayOutputStream pax = new ByteArrayOutputStream();
            byte[] name = e.name();
            byte[] link = e.link();
            if (name.length > 100) {
                if (gnu) {
                    longRecord(TarHeader.TYPE_GNU_LONGNAME, name);
                } else {
                    paxRecord(pax, "path", name);
                }
                name = java.util.Arrays.copyOf(name, 100);
            }
            if (link.length > 100) {
                if (gnu) {
                    longRecord(TarHeader.TYPE_GNU_LONGLINK, link);
                } else {
                    paxRecord(pax, "linkpath", link);
                }
                link = java.util.Arrays.copyOf(link, 100);
            }
            long uid = e.uid();
            if (uid > 07777777) {
                paxRecord(pax, "uid", Long.toString(uid).getBytes(StandardCharsets.US_ASCII));
                uid = 0;
            }
            e.xattrs().forEach((k, v) -> paxRecord(pax, "SCHILY.xattr." + k, v.getBytes(StandardCharsets.UTF_8)));
            if (pax.size() > 0) {
                byte[] p = pax.toByteArray();
                header("PaxHeaders.0/x".getBytes(StandardCharsets.US_ASCII), TarHeader.TYPE_XHEADER, 0644, 0, p.length, 0,
                        new byte[0]);
                data(p);
            }
            header(name, type, e.mode(), uid, e.content().length, e.mtime(), link);
            data(e.content());
        }

        private void longRecord(byte type, byte[] value) {
            byte[] v = java.util.Arrays.copyOf(value, value.length + 1);
            header("././@LongLink".getBytes(StandardCharsets.US_ASCII), type, 0, 0, v.length, 0, new byte[0]);
            data(v);
        }

        private static void paxRecord(ByteArrayOutputStream pax, String key, byte[] value) {
            int rest = 1 + key.length() + 1 + value.length + 1;
            int len = rest + 1;
            while (len != rest + Integer.toString(len).length()) {
                len = rest + Integer.toString(len).length();
            }
            pax.writeBytes((len + " " + key + "=").getBytes(StandardCharsets.ISO_8859_1));
            pax.writeBytes(value);
            pax.write('\n');
        }

        private void header(byte[] name, byte type, int mode, long uid, long size, long mtime, byte[] link) {
            byte[] h = new byte[512];
            System.arraycopy(name, 0, h, 0, name.length);
            octal(h, 100, 8, mode);
            octal(h, 108, 8, uid);
            octal(h, 116, 8, uid);
            octal(h, 124, 12, size);
            octal(h, 136, 12, mtime);
            h[156] = type;
            System.arraycopy(link, 0, h, 157, link.length);
            byte[] magic = (gnu ? "ustar  \0" : "ustar\u000000").getBytes(StandardCharsets.ISO_8859_1);
            System.arraycopy(magic, 0, h, 257, magic.length);
            java.util.Arrays.fill(h, 148, 156, (byte) ' ');
            long sum = 0;
            for (byte b : h) {
                sum += b & 0xff;
            }
            byte[] s = String.format("%06o\0 ", sum).getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(s, 0, h, 148, 8);
            out.write(h, 0, 512);
        }

        private static void octal(byte[] h, int off, int len, long v) {
            byte[] s = String.format("%0" + (len - 1) + "o", v).getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(s, 0, h, off, s.length);
        }

        private void data(byte[] b) {
            out.write(b, 0, b.length);
            int pad = (int) (-b.length & 511);
            out.write(new byte[pad], 0, pad);
        }
    }
}
