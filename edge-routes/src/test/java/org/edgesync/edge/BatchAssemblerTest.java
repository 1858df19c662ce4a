package org.edgesync.edge;

import org.edgesync.contract.BatchCodec;
import org.edgesync.contract.Change;
import org.edgesync.contract.ChangeBatch;
import org.edgesync.contract.Operation;
import org.edgesync.contract.auth.RequestSignature;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BatchAssemblerTest {

    private final BatchAssembler assembler = new BatchAssembler("store-001-pos-1");

    private static Map<String, Object> row(long seq, String table, String op, String pk, String image) {
        Map<String, Object> row = new HashMap<>();
        row.put("seq", seq);
        row.put("table_name", table);
        row.put("op", op);
        row.put("pk", pk);
        row.put("row", image);
        row.put("captured_at", 1_700_000_000_000L + seq);
        return row;
    }

    @Test
    void shouldAssembleRowsIntoOneContractBatchWithSeqBounds() {
        BatchAssembler.AssembledBatch batch = assembler.assemble(List.of(
                row(41, "products", "I", "{\"sku\":\"A-1\"}", "{\"sku\":\"A-1\",\"name\":\"Brot\",\"price_cents\":299}"),
                row(42, "products", "U", "{\"sku\":\"A-1\"}", "{\"sku\":\"A-1\",\"name\":\"Brot\",\"price_cents\":349}"),
                row(43, "sale_lines", "D", "{\"sale_id\":7,\"line_no\":1}", null)));

        assertThat(batch.firstSeq()).isEqualTo(41);
        assertThat(batch.lastSeq()).isEqualTo(43);
        assertThat(batch.count()).isEqualTo(3);

        ChangeBatch decoded = new BatchCodec().decode(batch.json());
        assertThat(decoded.deviceId()).isEqualTo("store-001-pos-1");
        assertThat(decoded.changes()).extracting(c -> c.op()).containsExactly(Operation.INSERT, Operation.UPDATE, Operation.DELETE);
        assertThat(decoded.changes().get(1).row().get("price_cents").intValue()).isEqualTo(349);
        assertThat(decoded.changes().get(2).row()).isNull();
        assertThat(decoded.changes().get(2).pk().get("line_no").intValue()).isEqualTo(1);
        assertThat(decoded.changes().get(0).capturedAt()).isEqualTo(1_700_000_000_041L);
    }

    @Test
    void shouldCarryTheBatchGzippedForTheJournalWithTheDigestOfItsJson() {
        BatchAssembler.AssembledBatch batch = assembler.assemble(List.of(
                row(7, "products", "I", "{\"sku\":\"A-1\"}", "{\"sku\":\"A-1\",\"name\":\"Brot\",\"price_cents\":299}")));

        assertThat(new BatchCodec().gunzip(batch.gzip())).isEqualTo(batch.json());
        assertThat(new BatchCodec().decodeGzip(batch.gzip()).lastSeq()).isEqualTo(7);
        assertThat(batch.jsonSha256()).isEqualTo(RequestSignature.sha256Hex(batch.json()));
    }

    @Test
    void shouldAcceptIntegerColumnsAsSqliteReturnsThem() {
        Map<String, Object> r = row(1, "sales", "I", "{\"id\":1}", "{\"id\":1,\"note\":null}");
        r.put("seq", 1);
        r.put("captured_at", 5);

        assertThat(assembler.assemble(List.of(r)).lastSeq()).isEqualTo(1);
    }

    @Test
    void shouldWriteWhatTheContractsCodecWritesForTheSameChanges() throws Exception {
        BatchCodec codec = new BatchCodec();
        List<Map<String, Object>> rows = List.of(
                row(1, "products", "I", "{\"sku\":\"A-1\"}", "{\"sku\":\"A-1\",\"name\":\"Br\\\"ot \\u00e9\",\"price\":2.5,\"note\":null}"),
                row(2, "sale_lines", "D", "{\"sale_id\":7,\"line_no\":1}", "{\"ignored\":true}"));
        ChangeBatch expected = ChangeBatch.of("store-001-pos-1", List.of(
                new Change(1, "products", Operation.INSERT, tree(codec, rows.get(0).get("pk")), tree(codec, rows.get(0).get("row")), 1_700_000_000_001L),
                new Change(2, "sale_lines", Operation.DELETE, tree(codec, rows.get(1).get("pk")), null, 1_700_000_000_002L)));

        BatchAssembler.AssembledBatch batch = assembler.assemble(rows);

        assertThat(codec.decode(batch.json())).isEqualTo(expected);
        assertThat(codec.mapper().readTree(batch.json())).isEqualTo(codec.mapper().readTree(codec.encode(expected)));
    }

    @Test
    void shouldNameTheChangeWhoseImageIsNotOneJsonObject() {
        assertThatThrownBy(() -> assembler.assemble(List.of(row(5, "sales", "U", "{\"id\":1}", "[1,2]"))))
                .hasMessage("change 5 row is not a JSON object");
        assertThatThrownBy(() -> assembler.assemble(List.of(row(6, "sales", "U", "{\"id\":1}{\"id\":2}", "{}"))))
                .hasMessage("change 6 pk is not a single JSON object");
        assertThatThrownBy(() -> assembler.assemble(List.of(row(7, "sales", "U", "{\"id\":1}", "{\"id\":"))))
                .hasMessage("change 7 row is not valid JSON");
        assertThatThrownBy(() -> assembler.assemble(List.of(row(8, "sales", "I", "{\"id\":1}", null))))
                .hasMessage("change 8 has no row image");
    }

    private static com.fasterxml.jackson.databind.node.ObjectNode tree(BatchCodec codec, Object text) throws Exception {
        return (com.fasterxml.jackson.databind.node.ObjectNode) codec.mapper().readTree((String) text);
    }

    @Test
    void shouldRefuseAnEmptyBatch() {
        assertThatThrownBy(() -> assembler.assemble(List.of())).isInstanceOf(IllegalArgumentException.class);
    }
}
