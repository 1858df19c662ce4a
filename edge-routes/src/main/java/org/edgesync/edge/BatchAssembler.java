package org.edgesync.edge;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import org.edgesync.contract.BatchCodec;
import org.edgesync.contract.ChangeBatch;
import org.edgesync.contract.Operation;
import org.edgesync.contract.auth.RequestSignature;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Turns rows of the change table (as the poll route reads them, ascending by seq) into the JSON of
 * one contract {@link ChangeBatch}, gzipped once here so the journal holds (and the forward route sends)
 * the compressed bytes: several times less journal I/O, and batches stay below Artemis's large-message
 * size, so the page limit counts them.
 *
 * <p>The JSON is written field by field in the contract's shape ({@link BatchCodec} decodes it), with the
 * primary-key and row images copied as the capture triggers wrote them, after checking that each is one
 * JSON object. Building the contract's object tree instead costs about as much heap as the batch itself,
 * which a 96 MB device cannot spare at 10,000 changes per batch.
 */
public final class BatchAssembler {

    private final String deviceId;
    private final JsonFactory json = new BatchCodec().mapper().getFactory();

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
        long firstSeq = number(rows.get(0), "seq");
        long lastSeq = number(rows.get(rows.size() - 1), "seq");
        ByteArrayOutputStream out = new ByteArrayOutputStream(rows.size() * 256);
        try (JsonGenerator g = json.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("deviceId", deviceId);
            g.writeNumberField("firstSeq", firstSeq);
            g.writeNumberField("lastSeq", lastSeq);
            g.writeArrayFieldStart("changes");
            for (Map<String, Object> row : rows) {
                long seq = number(row, "seq");
                Object table = row.get("table_name");
                if (!(table instanceof String)) {
                    throw new IllegalArgumentException("change " + seq + " has no table name");
                }
                Operation op = Operation.parse((String) row.get("op"));
                String pk = object(row.get("pk"), seq, "pk");
                String image = op == Operation.DELETE ? null : object(row.get("row"), seq, "row");
                g.writeStartObject();
                g.writeNumberField("seq", seq);
                g.writeStringField("table", (String) table);
                g.writeStringField("op", op.wireName());
                g.writeFieldName("pk");
                g.writeRawValue(pk);
                g.writeFieldName("row");
                if (image == null) {
                    g.writeNull();
                } else {
                    g.writeRawValue(image);
                }
                g.writeNumberField("capturedAt", number(row, "captured_at"));
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        byte[] bytes = out.toByteArray();
        return new AssembledBatch(bytes, BatchCodec.gzip(bytes), RequestSignature.sha256Hex(bytes), firstSeq, lastSeq,
                rows.size());
    }

    private static long number(Map<String, Object> row, String column) {
        Object value = row.get(column);
        if (!(value instanceof Number n)) {
            throw new IllegalArgumentException("change row column " + column + " is not a number: " + value);
        }
        return n.longValue();
    }

    /** The image as it is, once it is known to be exactly one JSON object (read as tokens, no tree built). */
    private String object(Object value, long seq, String column) {
        String text = value instanceof byte[] bytes ? new String(bytes, StandardCharsets.UTF_8) : (String) value;
        if (text == null) {
            throw new IllegalArgumentException("change " + seq + " has no " + column + " image");
        }
        try (JsonParser parser = json.createParser(text)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new IllegalArgumentException("change " + seq + " " + column + " is not a JSON object");
            }
            parser.skipChildren();
            if (parser.nextToken() != null) {
                throw new IllegalArgumentException("change " + seq + " " + column + " is not a single JSON object");
            }
            return text;
        } catch (IOException e) {
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
