package dev.dockfsck.model.fs;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ContainerNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayDeque;

/**
 * The tree of a JSON document, built from jackson-core's streaming parser: the same tree
 * {@code ObjectMapper.readTree} builds with its defaults (the same node types for every number,
 * the last of duplicate keys, the first value only), without an ObjectMapper. The mapper's class
 * initialization loads the JDK's date and locale data and BigDecimal (~50 ms of CPU at every
 * start-up; docs/benchmarks.md), and a read of the store needs none of it. Iterative, so a deep
 * document costs no stack: the parser's own nesting limit (1000) ends a hostile one.
 */
public final class JsonTree {
    private static final JsonFactory FACTORY = new JsonFactory();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private JsonTree() {
    }

    /** The first JSON value in {@code bytes}, or null when there is none (no tokens at all). */
    public static JsonNode parse(byte[] bytes) throws IOException {
        try (JsonParser p = FACTORY.createParser(bytes)) {
            JsonToken t = p.nextToken();
            if (t == null) {
                return null;
            }
            if (t != JsonToken.START_OBJECT && t != JsonToken.START_ARRAY) {
                return scalar(p, t);
            }
            ArrayDeque<ContainerNode<?>> open = new ArrayDeque<>();
            ContainerNode<?> root = t == JsonToken.START_OBJECT ? NODES.objectNode() : NODES.arrayNode();
            open.push(root);
            while (!open.isEmpty()) {
                t = p.nextToken();
                if (t == null) {
                    // the parser reports a cut-off document itself; this is only a guard
                    throw new com.fasterxml.jackson.core.io.JsonEOFException(p, null, "unexpected end of JSON");
                }
                if (t == JsonToken.END_OBJECT || t == JsonToken.END_ARRAY) {
                    open.pop();
                    continue;
                }
                ContainerNode<?> parent = open.peek();
                String key = null;
                if (parent instanceof ObjectNode) {
                    key = p.currentName(); // t is FIELD_NAME: the value follows
                    t = p.nextToken();
                }
                JsonNode value;
                if (t == JsonToken.START_OBJECT) {
                    value = NODES.objectNode();
                } else if (t == JsonToken.START_ARRAY) {
                    value = NODES.arrayNode();
                } else {
                    value = scalar(p, t);
                }
                if (parent instanceof ObjectNode o) {
                    o.replace(key, value); // a later duplicate key wins, as readTree has it
                } else {
                    ((ArrayNode) parent).add(value);
                }
                if (value instanceof ContainerNode<?> c) {
                    open.push(c);
                }
            }
            return root;
        }
    }

    /**
     * The compact JSON of {@code tree}: the bytes {@code ObjectMapper.writeValueAsBytes} writes for
     * it with its defaults (each node as its own {@code serialize} writes it to jackson-core's
     * generator), without an ObjectMapper.
     */
    public static byte[] bytes(JsonNode tree) throws IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try (com.fasterxml.jackson.core.JsonGenerator g = FACTORY.createGenerator(out)) {
            write(g, tree);
        }
        return out.toByteArray();
    }

    /** Recursive: a tree read by {@link #parse} is at most the parser's nesting limit deep. */
    private static void write(com.fasterxml.jackson.core.JsonGenerator g, JsonNode n) throws IOException {
        switch (n.getNodeType()) {
            case OBJECT -> {
                g.writeStartObject();
                for (var e : n.properties()) {
                    g.writeFieldName(e.getKey());
                    write(g, e.getValue());
                }
                g.writeEndObject();
            }
            case ARRAY -> {
                g.writeStartArray();
                for (JsonNode e : n) {
                    write(g, e);
                }
                g.writeEndArray();
            }
            case STRING -> g.writeString(n.textValue());
            case BOOLEAN -> g.writeBoolean(n.booleanValue());
            case NULL -> g.writeNull();
            case NUMBER -> {
                switch (n.numberType()) {
                    case INT -> g.writeNumber(n.intValue());
                    case LONG -> g.writeNumber(n.longValue());
                    case BIG_INTEGER -> g.writeNumber(n.bigIntegerValue());
                    case FLOAT -> g.writeNumber(n.floatValue());
                    case DOUBLE -> g.writeNumber(n.doubleValue());
                    default -> g.writeNumber(n.decimalValue());
                }
            }
            default -> throw new IOException("a " + n.getNodeType() + " node has no JSON text");
        }
    }

    /** A scalar node of the kind JsonNodeDeserializer makes for {@code t} by default. */
    private static JsonNode scalar(JsonParser p, JsonToken t) throws IOException {
        switch (t) {
            case VALUE_STRING:
                return NODES.textNode(p.getText());
            case VALUE_NUMBER_INT:
                return switch (p.getNumberType()) {
                    case INT -> NODES.numberNode(p.getIntValue());
                    case LONG -> NODES.numberNode(p.getLongValue());
                    default -> NODES.numberNode(p.getBigIntegerValue());
                };
            case VALUE_NUMBER_FLOAT:
                // JSON text has no physical float type: a double (JsonNodeDeserializer._fromFloat)
                return switch (p.getNumberTypeFP()) {
                    case BIG_DECIMAL -> NODES.numberNode(p.getDecimalValue());
                    case FLOAT32 -> NODES.numberNode(p.getFloatValue());
                    default -> NODES.numberNode(p.getDoubleValue());
                };
            case VALUE_TRUE:
                return NODES.booleanNode(true);
            case VALUE_FALSE:
                return NODES.booleanNode(false);
            case VALUE_NULL:
                return NODES.nullNode();
            default:
                // VALUE_EMBEDDED_OBJECT and the like never come from JSON text
                throw new com.fasterxml.jackson.core.JsonParseException(p, "unexpected token " + t);
        }
    }
}
