package org.edgesync.cloud.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.edgesync.contract.BatchCodec;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The COPY text of a change's key and row image: read back by COPY and then as JSON, it is the image sent. */
class CopyTextTest {

    private static final ObjectMapper JSON = new BatchCodec().mapper();

    @Test
    void shouldWriteAFlatImageThatCopyAndJsonReadBackAsTheSameValues() throws Exception {
        ObjectNode image = JSON.createObjectNode()
                .put("plain", "abc")
                .put("quote \"and\" back\\slash", "say \"hi\" \\ C:\\temp")
                .put("controls", "tab\there line\nbreak\r bell\u0007 \u001f")
                .put("\\N", "\\N")
                .put("unicode", "Grüße ✓ 😀 \u2028")
                .put("empty", "")
                .put("int", -42)
                .put("long", Long.MAX_VALUE)
                .put("big", new BigInteger("123456789012345678901234567890"))
                .put("double", 1.5)
                .put("tiny", 1e-300)
                .put("huge", 1.7976931348623157e308)
                .put("negative zero", -0.0)
                .put("yes", true)
                .put("no", false)
                .putNull("nothing");
        // as the ingestor receives it: decoded from the wire, not built in Java
        JsonNode decoded = JSON.readTree(JSON.writeValueAsBytes(image));

        StringBuilder copy = new StringBuilder();
        CopyText.appendJson(copy, decoded);

        assertThat(copy.toString()).doesNotContain("\t", "\n", "\r");
        assertThat(JSON.readTree(unescapeCopy(copy.toString()))).isEqualTo(decoded);
    }

    @Test
    void shouldEscapeTheCharactersCopyTextTreatsSpecially() {
        StringBuilder copy = new StringBuilder();
        CopyText.append(copy, "a\\b\tc\nd\re");
        assertThat(copy.toString()).isEqualTo("a\\\\b\\tc\\nd\\re");
    }

    /** What COPY's text format does with a field: backslash escapes back to their characters. */
    private static String unescapeCopy(String field) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c != '\\') {
                out.append(c);
                continue;
            }
            char next = field.charAt(++i);
            out.append(switch (next) {
                case 't' -> '\t';
                case 'n' -> '\n';
                case 'r' -> '\r';
                default -> next;
            });
        }
        return out.toString();
    }
}
