package dev.dockfsck.model.tarsplit;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPOutputStream;

/**
 * Writes tar-split entries in the JSON form dockerd writes (one object a line, fields
 * {@code type, name | name_raw, size, payload, position}, empty name and zero size omitted, null
 * payload for files of size 0), gzip-compressed. The byte-exact copy of dockerd's output (Go's
 * escaping of {@code <>&}) is the test fixtures' business; this writer makes valid input for the
 * reader and the verifier.
 */
public final class TarSplitWriter implements Closeable {
    private static final JsonFactory JSON = new JsonFactory();

    private final GZIPOutputStream gz;
    private final JsonGenerator gen;
    private long position;

    public TarSplitWriter(OutputStream out) throws IOException {
        this.gz = new GZIPOutputStream(out, 1 << 16);
        this.gen = JSON.createGenerator(gz, JsonEncoding.UTF8);
        this.gen.setRootValueSeparator(null);
    }

    /** Appends a raw segment (tar headers, padding, end blocks); an empty one is skipped. */
    public TarSplitWriter segment(byte[] bytes) throws IOException {
        if (bytes.length == 0) {
            return this;
        }
        gen.writeStartObject();
        gen.writeNumberField("type", TarSplitReader.TYPE_SEGMENT);
        gen.writeBinaryField("payload", bytes);
        gen.writeNumberField("position", position++);
        gen.writeEndObject();
        newline();
        return this;
    }

    /**
     * Appends a file entry. The name is written as {@code name} when it is valid UTF-8, else as
     * {@code name_raw}, as tar-split's SetNameBytes does.
     */
    public TarSplitWriter file(byte[] name, long size, long crc64) throws IOException {
        gen.writeStartObject();
        gen.writeNumberField("type", TarSplitReader.TYPE_FILE);
        String utf8 = strictUtf8(name);
        if (utf8 != null) {
            if (!utf8.isEmpty()) {
                gen.writeStringField("name", utf8);
            }
        } else {
            gen.writeBinaryField("name_raw", name);
        }
        if (size != 0) {
            gen.writeNumberField("size", size);
        }
        if (size > 0) {
            gen.writeBinaryField("payload", Crc64.toBytes(crc64));
        } else {
            gen.writeNullField("payload");
        }
        gen.writeNumberField("position", position++);
        gen.writeEndObject();
        newline();
        return this;
    }

    public TarSplitWriter file(String name, byte[] content) throws IOException {
        return file(name.getBytes(StandardCharsets.UTF_8), content.length, Crc64.checksum(content));
    }

    private void newline() throws IOException {
        gen.writeRaw('\n');
    }

    private static String strictUtf8(byte[] b) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                    .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(b)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            return null;
        }
    }

    @Override
    public void close() throws IOException {
        gen.close();
        gz.close();
    }
}
