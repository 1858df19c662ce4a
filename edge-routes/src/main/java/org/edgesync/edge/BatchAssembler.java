package org.edgesync.edge;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.edgesync.contract.BatchCodec;
import org.edgesync.contract.Change;
import org.edgesync.contract.ChangeBatch;
import org.edgesync.contract.Operation;
import org.edgesync.contract.auth.RequestSignature;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Turns rows of the change table (as the poll route reads them, ascending by seq) into the JSON of
 * one contract {@link ChangeBatch}, gzipped once here so the journal holds (and the forward route sends)
 * the compressed bytes: several times less journal I/O, and batches stay below Artemis's large-message
 * size, so the page limit counts them.
 */
public final class BatchAssembler {

    private final String deviceId;
    private final BatchCodec codec = new BatchCodec();

    public BatchAssembler(String deviceId) {
        this.deviceId = deviceId;
    }

    /**
     * @param rows maps with the change table's columns seq, table_name, op, pk, row, captured_at
     * @return the batch JSON with its seq bounds and size
     */
    public AssembledBatch assemble(List<Map<String, Object>> rows) {
        if (rows == null || rows.isEmpty()) {
            throw new IllegalArgumentException("a batch needs at least one change row");
        }
        List<Change> changes = new ArrayList<>(rows.size());
        for (Map<String, Object> row : rows) {
            long seq = number(row, "seq");
            String table = (String) row.get("table_name");
            Operation op = Operation.parse((String) row.get("op"));
            ObjectNode pk = object(row.get("pk"), seq, "pk");
            ObjectNode image = op == Operation.DELETE ? null : object(row.get("row"), seq, "row");
            changes.add(new Change(seq, table, op, pk, image, number(row, "captured_at")));
        }
        ChangeBatch batch = ChangeBatch.of(deviceId, changes);
        byte[] json = codec.encode(batch);
        return new AssembledBatch(json, BatchCodec.gzip(json), RequestSignature.sha256Hex(json), batch.firstSeq(),
                batch.lastSeq(), changes.size());
    }

    private static long number(Map<String, Object> row, String column) {
        Object value = row.get(column);
        if (!(value instanceof Number n)) {
            throw new IllegalArgumentException("change row column " + column + " is not a number: " + value);
        }
        return n.longValue();
    }

    private ObjectNode object(Object json, long seq, String column) {
        String text = json instanceof byte[] bytes ? new String(bytes, StandardCharsets.UTF_8) : (String) json;
        if (text == null) {
            throw new IllegalArgumentException("change " + seq + " has no " + column + " image");
        }
        try {
            JsonNode node = codec.mapper().readTree(text);
            if (!(node instanceof ObjectNode object)) {
                throw new IllegalArgumentException("change " + seq + " " + column + " is not a JSON object");
            }
            return object;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("change " + seq + " " + column + " is not valid JSON", e);
        }
    }

    /**
     * The JSON of one batch, the same gzipped (what is journaled and sent), the SHA-256 of the JSON (the
     * request signature covers the uncompressed JSON, so each attempt signs without unzipping), plus what
     * the routes log and put in headers.
     */
    public record AssembledBatch(byte[] json, byte[] gzip, String jsonSha256, long firstSeq, long lastSeq, int count) {
    }
}
