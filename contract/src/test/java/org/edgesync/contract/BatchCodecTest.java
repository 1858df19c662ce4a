package org.edgesync.contract;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BatchCodecTest {

    private final BatchCodec codec = new BatchCodec(1024 * 1024);

    private static ObjectNode obj() {
        return JsonNodeFactory.instance.objectNode();
    }

    private static ChangeBatch sample() {
        ObjectNode row = obj().put("id", 7).put("name", "Grüße 🍞").putNull("note").put("price_cents", 1299);
        return ChangeBatch.of("store-001-pos-1", List.of(
                new Change(41, "products", Operation.INSERT, obj().put("id", 7), row, 1_700_000_000_000L),
                new Change(42, "products", Operation.DELETE, obj().put("id", 7), null, 1_700_000_000_001L)));
    }

    @Test
    void shouldRoundTripThroughGzipKeepingUnicodeAndNulls() {
        ChangeBatch decoded = codec.decodeGzip(codec.encodeGzip(sample()));

        assertThat(decoded).isEqualTo(sample());
        assertThat(decoded.changes().get(0).row().get("name").textValue()).isEqualTo("Grüße 🍞");
        assertThat(decoded.changes().get(0).row().get("note").isNull()).isTrue();
        assertThat(decoded.firstSeq()).isEqualTo(41);
        assertThat(decoded.lastSeq()).isEqualTo(42);
    }

    @Test
    void shouldWriteOperationsAsLowerCaseWords() {
        String json = new String(codec.encode(sample()), StandardCharsets.UTF_8);

        assertThat(json).contains("\"op\":\"insert\"").contains("\"op\":\"delete\"");
    }

    @Test
    void shouldNameTheFieldWhenSeqIsNotAPositiveInteger() {
        String json = new String(codec.encode(sample()), StandardCharsets.UTF_8).replace("\"seq\":42", "\"seq\":\"42\"");

        assertThatThrownBy(() -> codec.decode(json.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(InvalidBatchException.class)
                .hasMessage("changes[1].seq must be a positive integer");
    }

    @Test
    void shouldRefuseChangesOutOfSeqOrder() {
        String json = new String(codec.encode(sample()), StandardCharsets.UTF_8)
                .replace("\"seq\":42", "\"seq\":40").replace("\"lastSeq\":42", "\"lastSeq\":40");

        assertThatThrownBy(() -> codec.decode(json.getBytes(StandardCharsets.UTF_8)))
                .hasMessageContaining("changes[1].seq must be greater than the one before it (41) but was 40");
    }

    @Test
    void shouldRefuseAnUnknownOperation() {
        String json = new String(codec.encode(sample()), StandardCharsets.UTF_8).replace("\"op\":\"delete\"", "\"op\":\"merge\"");

        assertThatThrownBy(() -> codec.decode(json.getBytes(StandardCharsets.UTF_8)))
                .hasMessage("changes[1].op must be one of insert, update, delete but was \"merge\"");
    }

    @Test
    void shouldRefuseARowForADeleteAndMissingRowForAnInsert() {
        String withRow = new String(codec.encode(sample()), StandardCharsets.UTF_8).replace("\"row\":null", "\"row\":{\"id\":7}");
        assertThatThrownBy(() -> codec.decode(withRow.getBytes(StandardCharsets.UTF_8)))
                .hasMessage("changes[1].row must be absent or null for a delete");

        String noRow = new String(codec.encode(sample()), StandardCharsets.UTF_8).replaceFirst("\"row\":\\{[^}]*}", "\"row\":null");
        assertThatThrownBy(() -> codec.decode(noRow.getBytes(StandardCharsets.UTF_8)))
                .hasMessage("changes[0].row must be an object for an insert");
    }

    @Test
    void shouldRefuseUnknownFieldsAndNestedValues() {
        String extra = new String(codec.encode(sample()), StandardCharsets.UTF_8).replace("{\"deviceId\"", "{\"admin\":true,\"deviceId\"");
        assertThatThrownBy(() -> codec.decode(extra.getBytes(StandardCharsets.UTF_8)))
                .hasMessageStartingWith("admin is not a known field");

        String nested = new String(codec.encode(sample()), StandardCharsets.UTF_8).replace("\"note\":null", "\"note\":{\"x\":1}");
        assertThatThrownBy(() -> codec.decode(nested.getBytes(StandardCharsets.UTF_8)))
                .hasMessage("changes[0].row.note must be a scalar (string, number, boolean or null)");
    }

    @Test
    void shouldRefuseBodiesThatAreNotGzipOrNotJson() {
        assertThatThrownBy(() -> codec.decodeGzip("{\"deviceId\":1}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(InvalidBatchException.class)
                .hasMessageStartingWith("body is not valid gzip");
        assertThatThrownBy(() -> codec.decode("{\"deviceId\":".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(InvalidBatchException.class)
                .hasMessageStartingWith("body is not valid JSON");
    }

    @Test
    void shouldRefuseAGzipBombBeyondTheConfiguredSize() {
        byte[] bomb = BatchCodec.gzip(new byte[2 * 1024 * 1024]);

        assertThatThrownBy(() -> codec.decodeGzip(bomb))
                .hasMessage("body inflates beyond 1048576 bytes");
    }

    @Test
    void shouldRefuseADeviceIdWithCharactersOutsideTheAllowedSet() {
        String json = new String(codec.encode(sample()), StandardCharsets.UTF_8).replace("store-001-pos-1", "x'; drop table");

        assertThatThrownBy(() -> codec.decode(json.getBytes(StandardCharsets.UTF_8)))
                .hasMessageStartingWith("deviceId must be 1-128 characters");
    }

    @Test
    void shouldAcceptTableNamesOfTheAllowedCharactersAndNameTheChangeOfOneThatIsNot() {
        for (String good : List.of("products", "_t", "a1.b:c-d", "Z", "x".repeat(WireProtocol.MAX_NAME_LENGTH))) {
            ChangeBatch batch = ChangeBatch.of("pos-1", List.of(
                    new Change(1, good, Operation.DELETE, obj().put("id", 1), null, 0)));
            assertThat(codec.decode(codec.encode(batch)).changes().get(0).table()).isEqualTo(good);
        }
        for (String bad : List.of("", "1abc", "-x", ".x", "a b", "a'b", "tä", "x".repeat(WireProtocol.MAX_NAME_LENGTH + 1))) {
            ChangeBatch batch = ChangeBatch.of("pos-1", List.of(
                    new Change(1, "ok", Operation.DELETE, obj().put("id", 1), null, 0),
                    new Change(2, bad, Operation.DELETE, obj().put("id", 1), null, 0)));
            assertThatThrownBy(() -> codec.decode(codec.encode(batch))).as(bad)
                    .hasMessageStartingWith("changes[1].table must be 1-128 characters");
        }
    }

    @Test
    void shouldNameAnUnknownFieldOfAChangeWithItsPath() {
        String extra = new String(codec.encode(sample()), StandardCharsets.UTF_8).replace("{\"seq\":42", "{\"seq\":42,\"admin\":1");
        assertThatThrownBy(() -> codec.decode(extra.getBytes(StandardCharsets.UTF_8)))
                .hasMessage("changes[1].admin is not a known field (allowed: seq, table, op, pk, row, capturedAt)");
    }
}
