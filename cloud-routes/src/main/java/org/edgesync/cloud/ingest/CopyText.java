package org.edgesync.cloud.ingest;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Iterator;
import java.util.Map;

/**
 * Fields of PostgreSQL's COPY text format, written straight into the one buffer a batch's COPY sends. A key or row
 * image goes in as JSON text in the same pass, rather than serialised to a String by Jackson and escaped again:
 * per batch that is a thousand serialiser calls and two copies of every image less, on the hottest path of ingest.
 */
final class CopyText {

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private CopyText() {
    }

    /** Text as one COPY field: backslash, tab, newline and carriage return escaped (NUL was refused before). */
    static void append(StringBuilder out, String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '\t' -> out.append("\\t");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                default -> out.append(c);
            }
        }
    }

    /**
     * A JSON value as one COPY field. JSON text holds no raw tab, newline or carriage return (strings escape them),
     * so the COPY escaping is exactly: every backslash of the JSON text doubled.
     */
    static void appendJson(StringBuilder out, JsonNode node) {
        if (node.isTextual()) {
            appendJsonString(out, node.textValue());
        } else if (node.isObject()) {
            out.append('{');
            boolean first = true;
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                if (!first) {
                    out.append(',');
                }
                first = false;
                appendJsonString(out, field.getKey());
                out.append(':');
                appendJson(out, field.getValue());
            }
            out.append('}');
        } else if (node.isArray()) {
            out.append('[');
            for (int i = 0; i < node.size(); i++) {
                if (i > 0) {
                    out.append(',');
                }
                appendJson(out, node.get(i));
            }
            out.append(']');
        } else if (node.isNumber() || node.isBoolean() || node.isNull()) {
            // Numbers as Jackson writes them (Double.toString, BigInteger.toString): valid JSON, finite (checked before).
            out.append(node.asText());
        } else {
            throw new IllegalArgumentException("not a JSON value that can be stored: " + node.getNodeType());
        }
    }

    private static void appendJsonString(StringBuilder out, String text) {
        out.append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\\\"");
                case '\\' -> out.append("\\\\\\\\");
                case '\t' -> out.append("\\\\t");
                case '\n' -> out.append("\\\\n");
                case '\r' -> out.append("\\\\r");
                case '\b' -> out.append("\\\\b");
                case '\f' -> out.append("\\\\f");
                default -> {
                    if (c < 0x20) {
                        out.append("\\\\u00").append(HEX[c >> 4]).append(HEX[c & 0xf]);
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
