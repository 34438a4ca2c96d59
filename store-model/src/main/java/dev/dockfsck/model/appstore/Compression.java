package dev.dockfsck.model.appstore;

import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;

/** How a layer blob is compressed. */
public enum Compression {
    NONE, GZIP, ZSTD, UNKNOWN;

    /** From an OCI or Docker v2 layer media type; UNKNOWN when the type says nothing. */
    public static Compression ofMediaType(String mediaType) {
        String m = mediaType == null ? "" : mediaType.toLowerCase(Locale.ROOT);
        if (m.endsWith("+gzip") || m.endsWith(".tar.gzip") || m.endsWith(".gzip")) {
            return GZIP;
        }
        if (m.endsWith("+zstd") || m.endsWith(".zstd")) {
            return ZSTD;
        }
        if (m.endsWith(".tar") || m.endsWith("layer.v1.tar") || m.endsWith(".diff.tar")) {
            return NONE;
        }
        return UNKNOWN;
    }

    /** Looks at the first bytes of a stream that supports mark/reset. */
    public static Compression sniff(InputStream in) throws IOException {
        in.mark(8);
        byte[] b = in.readNBytes(4);
        in.reset();
        if (b.length >= 2 && (b[0] & 0xff) == 0x1f && (b[1] & 0xff) == 0x8b) {
            return GZIP;
        }
        if (b.length >= 4 && (b[0] & 0xff) == 0x28 && (b[1] & 0xff) == 0xb5 && (b[2] & 0xff) == 0x2f
                && (b[3] & 0xff) == 0xfd) {
            return ZSTD;
        }
        return NONE;
    }
}
