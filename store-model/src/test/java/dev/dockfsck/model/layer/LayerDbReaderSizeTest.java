package dev.dockfsck.model.layer;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code size} is read as strconv.ParseInt(s, 10, 64) reads it: {@code [+-]?[0-9]+}, untrimmed. */
class LayerDbReaderSizeTest {
    @Test
    void sizeIsWhatParseIntTakes() {
        for (String ok : List.of("0", "27772", "+5", "-1", "007")) {
            assertTrue(LayerDbReader.isDecimal(ok), ok);
        }
        for (String bad : List.of("", "+", "-", "1 ", " 1", "1e3", "0x1", "\u0661", "--1", "+-1")) {
            assertFalse(LayerDbReader.isDecimal(bad), bad);
        }
    }
}
