package dev.dockfsck.model.tarsplit;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.io.JsonEOFException;
import dev.dockfsck.model.tarsplit.TarSplitException.Kind;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashSet;
import java.util.Set;
import java.util.zip.ZipException;

/**
 * Streams the entries of a {@code tar-split.json.gz} one at a time, holding only the current
 * entry. The reader is a cursor: {@link #next()} moves to the next entry and the accessors
 * describe it until the following call (the arrays returned are the reader's own; copy them to
 * keep them).
 *
 * <p>It reads what dockerd's tar-split unpacker reads (one JSON object per entry, Go's field names
 * matched without regard to case as Go's decoder does, unknown fields ignored, {@code null} as the
 * zero value) but is strict where dockerd's own writer never varies: any damage is a
 * {@link TarSplitException} with the entry index, line and byte offset, never another exception.
 * A trailing entry that is cut off is damage here (tar-split itself silently drops it).
 */
public final class TarSplitReader implements Closeable {
    /** Entry types as tar-split numbers them. */
    public static final int TYPE_FILE = 1;
    public static final int TYPE_SEGMENT = 2;

    /** The longest JSON string accepted (a base64 segment): tar headers and padding are far smaller. */
    public static final int MAX_STRING_CHARS = 16 * 1024 * 1024;

    private static final JsonFactory JSON = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxStringLength(MAX_STRING_CHARS)
                    .maxNumberLength(32)
                    .maxNestingDepth(64)
                    .build())
            .build();

    private static final byte[] EMPTY = new byte[0];

    private final InputStream raw;
    private JsonParser parser;
    private final Set<String> seenNames = new HashSet<>();

    private boolean headerRead;
    private long index = -1;
    private boolean done;
    private int type;
    private String name;
    private byte[] nameRaw;
    private byte[] nameBytes;
    private long size;
    /** The current payload's bytes are payloadBuf[0, payloadLen); payloadLen -1 for a null payload. */
    private byte[] payloadBuf = new byte[2048];
    private int payloadLen = -1;
    private long position;

    private TarSplitReader(InputStream raw) {
        this.raw = raw;
    }

    /**
     * Opens a tar-split file without following a symbolic link. Damage in the gzip header is
     * reported by the first {@link #next()}.
     */
    public static TarSplitReader open(Path file) throws TarSplitException {
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!a.isRegularFile()) {
                throw new TarSplitException(Kind.UNREADABLE, 0, -1, -1,
                        a.isSymbolicLink() ? "a symbolic link" : "not a regular file", null);
            }
            InputStream in = Files.newInputStream(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
            return new TarSplitReader(in);
        } catch (IOException | SecurityException e) {
            throw new TarSplitException(Kind.UNREADABLE, 0, -1, -1, String.valueOf(e.getMessage()), e);
        }
    }

    /** Reads a gzip-compressed tar-split from a stream; the reader closes it. */
    public static TarSplitReader of(InputStream gzipped) {
        return new TarSplitReader(gzipped);
    }

    /**
     * Moves to the next entry.
     *
     * @return false at the clean end of the stream
     * @throws TarSplitException on any damage; the reader is unusable afterwards
     */
    public boolean next() throws TarSplitException {
        if (done) {
            return false;
        }
        long at = index + 1;
        try {
            if (parser == null) {
                GzipReader gz = new GzipReader(raw, 1 << 16);
                headerRead = true;
                parser = JSON.createParser(gz);
            }
            JsonToken t = parser.nextToken();
            if (t == null) {
                done = true;
                return false;
            }
            if (t != JsonToken.START_OBJECT) {
                throw fail(Kind.JSON_MALFORMED, at, "expected an entry object, found " + describe(t));
            }
            type = 0;
            name = "";
            nameRaw = EMPTY;
            nameBytes = null;
            size = 0;
            payloadLen = -1;
            position = 0;
            boolean sawType = false;
            while ((t = parser.nextToken()) == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                t = parser.nextToken();
                switch (field.toLowerCase(java.util.Locale.ROOT)) {
                    case "type":
                        type = (int) intValue(t, at, field, Integer.MIN_VALUE, Integer.MAX_VALUE);
                        sawType = t != JsonToken.VALUE_NULL;
                        break;
                    case "name":
                        name = stringValue(t, at, field);
                        break;
                    case "name_raw":
                        nameRaw = binaryValue(t, at, field);
                        break;
                    case "size":
                        size = intValue(t, at, field, Long.MIN_VALUE, Long.MAX_VALUE);
                        break;
                    case "payload":
                        payloadValue(t, at, field);
                        break;
                    case "position":
                        position = intValue(t, at, field, Long.MIN_VALUE, Long.MAX_VALUE);
                        break;
                    default:
                        parser.skipChildren();
                        break;
                }
            }
            if (t != JsonToken.END_OBJECT) {
                throw fail(Kind.JSON_MALFORMED, at, "expected a field name or '}', found " + describe(t));
            }
            validate(at, sawType);
            index = at;
            return true;
        } catch (TarSplitException e) {
            done = true;
            throw e;
        } catch (StreamConstraintsException e) {
            done = true;
            throw fail(Kind.TOO_LARGE, at, e.getOriginalMessage(), e);
        } catch (JsonEOFException e) {
            done = true;
            throw fail(Kind.JSON_TRUNCATED, at, "the JSON ends inside an entry", e);
        } catch (InputCoercionException e) {
            done = true;
            throw fail(Kind.WRONG_TYPE, at, e.getOriginalMessage(), e);
        } catch (JsonParseException e) {
            done = true;
            throw fail(Kind.JSON_MALFORMED, at, e.getOriginalMessage(), e);
        } catch (EOFException e) {
            done = true;
            throw fail(headerRead ? Kind.GZIP_TRUNCATED : Kind.NOT_GZIP, at,
                    headerRead ? "the gzip stream is cut off" : "empty or cut-off gzip header", e);
        } catch (ZipException e) {
            done = true;
            throw fail(headerRead ? Kind.GZIP_CORRUPT : Kind.NOT_GZIP, at, String.valueOf(e.getMessage()), e);
        } catch (IOException | RuntimeException e) {
            // Jackson and the JDK may raise other exceptions on garbage; none may escape.
            done = true;
            throw fail(Kind.UNREADABLE, at, e.getClass().getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    private void validate(long at, boolean sawType) throws TarSplitException {
        if (!sawType || (type != TYPE_FILE && type != TYPE_SEGMENT)) {
            throw fail(Kind.BAD_ENTRY_TYPE, at, sawType ? "type " + type : "no type");
        }
        if (size < 0) {
            throw fail(Kind.NEGATIVE_SIZE, at, "size " + size);
        }
        if (type == TYPE_FILE) {
            byte[] nb = nameBytes();
            if (nb.length == 0) {
                throw fail(Kind.MISSING_NAME, at, "a file entry without name or name_raw");
            }
            if (size > 0 && payloadLen != 8) {
                throw fail(Kind.BAD_CHECKSUM, at, "file " + TarSplitNames.display(nb) + ": payload of "
                        + (payloadLen < 0 ? "null" : payloadLen + " bytes") + " where an 8-byte CRC-64 is due");
            }
            String clean = TarSplitNames.clean(nb);
            if (!seenNames.add(clean)) {
                throw fail(Kind.DUPLICATE_NAME, at, "file " + TarSplitNames.display(nb) + " appears twice");
            }
        }
    }

    private long intValue(JsonToken t, long at, String field, long min, long max) throws IOException, TarSplitException {
        if (t == JsonToken.VALUE_NULL) {
            return 0;
        }
        if (t != JsonToken.VALUE_NUMBER_INT) {
            throw fail(Kind.WRONG_TYPE, at, field + ": expected an integer, found " + describe(t));
        }
        long v = parser.getLongValue();
        if (v < min || v > max) {
            throw fail(Kind.WRONG_TYPE, at, field + ": " + v + " is out of range");
        }
        return v;
    }

    private String stringValue(JsonToken t, long at, String field) throws IOException, TarSplitException {
        if (t == JsonToken.VALUE_NULL) {
            return "";
        }
        if (t != JsonToken.VALUE_STRING) {
            throw fail(Kind.WRONG_TYPE, at, field + ": expected a string, found " + describe(t));
        }
        return parser.getText();
    }

    private byte[] binaryValue(JsonToken t, long at, String field) throws IOException, TarSplitException {
        if (t == JsonToken.VALUE_NULL) {
            return EMPTY;
        }
        if (t != JsonToken.VALUE_STRING) {
            throw fail(Kind.WRONG_TYPE, at, field + ": expected a base64 string, found " + describe(t));
        }
        char[] text = parser.getTextCharacters();
        int off = parser.getTextOffset();
        int len = parser.getTextLength();
        byte[] out = new byte[Base64.maxDecodedLength(len)];
        int n = Base64.decode(text, off, len, out);
        if (n < 0) {
            throw fail(Kind.BAD_BASE64, at, field + ": " + Base64.error(n));
        }
        return n == out.length ? out : java.util.Arrays.copyOf(out, n);
    }

    /** Decodes a payload into the reusable buffer: no allocation per entry. */
    private void payloadValue(JsonToken t, long at, String field) throws IOException, TarSplitException {
        if (t == JsonToken.VALUE_NULL) {
            payloadLen = -1;
            return;
        }
        if (t != JsonToken.VALUE_STRING) {
            throw fail(Kind.WRONG_TYPE, at, field + ": expected a base64 string, found " + describe(t));
        }
        char[] text = parser.getTextCharacters();
        int off = parser.getTextOffset();
        int len = parser.getTextLength();
        int max = Base64.maxDecodedLength(len);
        if (payloadBuf.length < max) {
            payloadBuf = new byte[Math.max(max, 2 * payloadBuf.length)];
        }
        int n = Base64.decode(text, off, len, payloadBuf);
        if (n < 0) {
            throw fail(Kind.BAD_BASE64, at, field + ": " + Base64.error(n));
        }
        payloadLen = n;
    }

    private static String describe(JsonToken t) {
        return t == null ? "the end of the stream" : t.asString() != null ? "'" + t.asString() + "'" : t.name().toLowerCase(java.util.Locale.ROOT);
    }

    private TarSplitException fail(Kind kind, long at, String detail) {
        return fail(kind, at, detail, null);
    }

    private TarSplitException fail(Kind kind, long at, String detail, Throwable cause) {
        long line = -1;
        long offset = -1;
        if (parser != null) {
            try {
                JsonLocation loc = parser.currentLocation();
                line = loc.getLineNr();
                offset = loc.getByteOffset();
            } catch (RuntimeException ignored) {
                // no location then
            }
        }
        return new TarSplitException(kind, at, line, offset, detail, cause);
    }

    /** 0-based index of the current entry. */
    public long index() {
        return index;
    }

    public int type() {
        return type;
    }

    public boolean isFile() {
        return type == TYPE_FILE;
    }

    public boolean isSegment() {
        return type == TYPE_SEGMENT;
    }

    /** The name's bytes: {@code name_raw} when present, else {@code name} in UTF-8 (tar-split's GetName). */
    public byte[] nameBytes() {
        if (nameBytes == null) {
            nameBytes = nameRaw.length > 0 ? nameRaw : name.getBytes(StandardCharsets.UTF_8);
        }
        return nameBytes;
    }

    /** Whether the name came from {@code name_raw} (it is not valid UTF-8). */
    public boolean nameIsRaw() {
        return nameRaw.length > 0;
    }

    /** The name for people: UTF-8, with bytes that are not UTF-8 shown as {@code \xNN}. */
    public String displayName() {
        return nameRaw.length > 0 ? TarSplitNames.display(nameRaw) : name;
    }

    /** A file's size ({@code size}); 0 for segments. */
    public long size() {
        return size;
    }

    /** A copy of a segment's raw bytes, or of a file's checksum bytes; empty when null in the JSON. */
    public byte[] payload() {
        return payloadLen <= 0 ? EMPTY : java.util.Arrays.copyOf(payloadBuf, payloadLen);
    }

    /**
     * The reader's own payload buffer, valid until the next {@link #next()}: the payload is its
     * first {@link #payloadLength()} bytes. For the hot loop (no copy).
     */
    public byte[] payloadBuffer() {
        return payloadBuf;
    }

    /** The payload's length in bytes (0 when null). */
    public int payloadLength() {
        return Math.max(payloadLen, 0);
    }

    /** A file's CRC-64 as a number; only meaningful for a file of size &gt; 0. */
    public long crc64() {
        if (payloadLen != 8) {
            return 0;
        }
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (payloadBuf[i] & 0xffL);
        }
        return v;
    }

    /** The {@code position} the writer gave the entry (0, 1, 2, ... as dockerd writes them). */
    public long position() {
        return position;
    }

    /** An immutable copy of the current entry. */
    public TarSplitEntry entry() {
        return new TarSplitEntry(type, nameBytes().clone(), nameIsRaw(), size, payload().clone(), position);
    }

    @Override
    public void close() throws IOException {
        done = true;
        try {
            if (parser != null) {
                parser.close();
            }
        } finally {
            raw.close();
        }
    }
}
