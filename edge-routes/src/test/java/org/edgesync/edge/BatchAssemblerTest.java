package org.edgesync.edge;

import org.edgesync.contract.BatchCodec;
import org.edgesync.contract.Change;
import org.edgesync.contract.ChangeBatch;
import org.edgesync.contract.Operation;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Iterator;
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
        BatchAssembler.AssembledBatch batch = assembler.assemble(rows(
                row(41, "products", "I", "{\"sku\":\"A-1\"}", "{\"sku\":\"A-1\",\"name\":\"Brot\",\"price_cents\":299}"),
                row(42, "products", "U", "{\"sku\":\"A-1\"}", "{\"sku\":\"A-1\",\"name\":\"Brot\",\"price_cents\":349}"),
                row(43, "sale_lines", "D", "{\"sale_id\":7,\"line_no\":1}", null)));

        assertThat(batch.firstSeq()).isEqualTo(41);
        assertThat(batch.lastSeq()).isEqualTo(43);
        assertThat(batch.count()).isEqualTo(3);

        ChangeBatch decoded = new BatchCodec().decode(json(batch));
        assertThat(decoded.deviceId()).isEqualTo("store-001-pos-1");
        assertThat(decoded.changes()).extracting(c -> c.op()).containsExactly(Operation.INSERT, Operation.UPDATE, Operation.DELETE);
        assertThat(decoded.changes().get(1).row().get("price_cents").intValue()).isEqualTo(349);
        assertThat(decoded.changes().get(2).row()).isNull();
        assertThat(decoded.changes().get(2).pk().get("line_no").intValue()).isEqualTo(1);
        assertThat(decoded.changes().get(0).capturedAt()).isEqualTo(1_700_000_000_041L);
    }

    @Test
    void shouldCarryTheBatchGzippedForTheJournal() {
        BatchAssembler.AssembledBatch batch = assembler.assemble(rows(
                row(7, "products", "I", "{\"sku\":\"A-1\"}", "{\"sku\":\"A-1\",\"name\":\"Brot\",\"price_cents\":299}")));

        assertThat(new BatchCodec().decodeGzip(batch.gzip()).lastSeq()).isEqualTo(7);
        assertThat(batch.gzip()).startsWith(0x1f, 0x8b);
    }

    @Test
    void shouldCompressAtTheConfiguredLevelTheSameBatch() {
        List<Map<String, Object>> rows = new java.util.ArrayList<>();
        for (long seq = 1; seq <= 500; seq++) {
            rows.add(row(seq, "products", "I", "{\"sku\":\"SKU-" + seq + "\"}",
                    "{\"sku\":\"SKU-" + seq + "\",\"name\":\"Tea " + seq + "\",\"price_cents\":" + (seq * 7 % 5000) + "}"));
        }

        BatchAssembler.AssembledBatch fast = new BatchAssembler("store-001-pos-1", 1).assemble(rows.iterator());
        BatchAssembler.AssembledBatch small = new BatchAssembler("store-001-pos-1", 9).assemble(rows.iterator());

        assertThat(json(fast)).isEqualTo(json(small));
        assertThat(fast.gzip().length).isGreaterThan(small.gzip().length);
    }

    @Test
    void shouldRefuseAGzipLevelOutsideOneToNineNamingTheKey() {
        assertThat(BatchAssembler.gzipLevel(" 6 ")).isEqualTo(6);
        for (String bad : new String[] {"0", "10", "fast", ""}) {
            assertThatThrownBy(() -> BatchAssembler.gzipLevel(bad)).hasMessage(
                    "edgesync.poll.gzip.level is \"" + bad + "\", but must be a whole number from 1 to 9.");
        }
    }

    @Test
    void shouldAcceptIntegerColumnsAsSqliteReturnsThem() {
        Map<String, Object> r = row(1, "sales", "I", "{\"id\":1}", "{\"id\":1,\"note\":null}");
        r.put("seq", 1);
        r.put("captured_at", 5);

        assertThat(assembler.assemble(rows(r)).lastSeq()).isEqualTo(1);
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

        BatchAssembler.AssembledBatch batch = assembler.assemble(rows.iterator());

        assertThat(codec.decode(json(batch))).isEqualTo(expected);
        assertThat(codec.mapper().readTree(json(batch))).isEqualTo(codec.mapper().readTree(codec.encode(expected)));
    }

    @Test
    void shouldNameTheChangeWhoseImageIsNotOneJsonObject() {
        assertThatThrownBy(() -> assembler.assemble(rows(row(5, "sales", "U", "{\"id\":1}", "[1,2]"))))
                .hasMessage("change 5 row is not a JSON object");
        assertThatThrownBy(() -> assembler.assemble(rows(row(6, "sales", "U", "{\"id\":1}{\"id\":2}", "{}"))))
                .hasMessage("change 6 pk is not a single JSON object");
        assertThatThrownBy(() -> assembler.assemble(rows(row(7, "sales", "U", "{\"id\":1}", "{\"id\":"))))
                .hasMessage("change 7 row is not valid JSON");
        assertThatThrownBy(() -> assembler.assemble(rows(row(8, "sales", "I", "{\"id\":1}", null))))
                .hasMessage("change 8 has no row image");
    }

    private static com.fasterxml.jackson.databind.node.ObjectNode tree(BatchCodec codec, Object text) throws Exception {
        return (com.fasterxml.jackson.databind.node.ObjectNode) codec.mapper().readTree((String) text);
    }

    @Test
    void shouldRefuseAnEmptyBatch() {
        assertThatThrownBy(() -> assembler.assemble(java.util.Collections.emptyIterator())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldStreamRowsAsTheyAreReadWithoutHoldingTheBatch() {
        int n = 20_000;
        Iterator<Map<String, Object>> lazy = new Iterator<>() {
            private int next = 1;

            @Override
            public boolean hasNext() {
                return next <= n;
            }

            @Override
            public Map<String, Object> next() {
                int seq = next++;
                return row(seq, "products", "U", "{\"sku\":\"S" + seq + "\"}", "{\"sku\":\"S" + seq + "\",\"price_cents\":" + seq + "}");
            }
        };

        BatchAssembler.AssembledBatch batch = assembler.assemble(lazy);

        assertThat(batch.count()).isEqualTo(n);
        assertThat(batch.firstSeq()).isEqualTo(1);
        assertThat(batch.lastSeq()).isEqualTo(n);
        ChangeBatch decoded = new BatchCodec(64L << 20).decodeGzip(batch.gzip());
        assertThat(decoded.changes()).hasSize(n);
        assertThat(decoded.changes().get(n - 1).row().get("price_cents").intValue()).isEqualTo(n);
    }

    @SafeVarargs
    private static Iterator<Map<String, Object>> rows(Map<String, Object>... rows) {
        return List.of(rows).iterator();
    }

    private static byte[] json(BatchAssembler.AssembledBatch batch) {
        return new BatchCodec().gunzip(batch.gzip());
    }
}
