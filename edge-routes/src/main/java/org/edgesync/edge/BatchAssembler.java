package org.edgesync.edge;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import org.edgesync.contract.BatchCodec;
import org.edgesync.contract.ChangeBatch;
import org.edgesync.contract.Operation;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

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

    /** The deflate level of the journaled and sent batches, 1 (fastest) to 9 (smallest). */
    public static final String GZIP_LEVEL_KEY = "edgesync.poll.gzip.level";
    /**
     * The default level: on the benchmark's batches, level 3 deflates in 44 % of the time of zlib's default (6) for
     * 18 % more bytes (21.8 instead of 18.5 per change); level 1 in 33 % for 36 % more.
     */
    public static final String DEFAULT_GZIP_LEVEL = "3";

    private final String deviceId;
    private final int gzipLevel;
    private final JsonFactory json = new BatchCodec().mapper().getFactory();

    public BatchAssembler(String deviceId) {
        this(deviceId, gzipLevel(DEFAULT_GZIP_LEVEL));
    }

    public BatchAssembler(String deviceId, int gzipLevel) {
        this.deviceId = deviceId;
        this.gzipLevel = gzipLevel;
    }

    /** Checks {@value #GZIP_LEVEL_KEY}: a bad value stops startup with one sentence. */
    public static int gzipLevel(String value) {
        return (int) EdgeSettings.number(GZIP_LEVEL_KEY, value, 1, 9);
    }

    /**
     * Reads the rows one by one as the poll route's query streams them, writing each change's JSON straight into
     * the gzip stream: neither the rows nor the uncompressed JSON are ever held whole, which on a
     * 64 MB heap is the difference between 5,000 and 10,000 changes per batch fitting or not. The seq bounds follow
     * the changes in the JSON (field order carries no meaning; the contract's codec reads a tree).
     *
     * @param rows maps with the change table's columns seq, table_name, op, pk, row, captured_at, ascending by seq
     * @return the gzipped batch JSON with its seq bounds and size
     */
    public AssembledBatch assemble(Iterator<Map<String, Object>> rows) {
        if (rows == null || !rows.hasNext()) {
            throw new IllegalArgumentException("a batch needs at least one change row");
        }
        long firstSeq = 0;
        long lastSeq = 0;
        int count = 0;
        ByteArrayOutputStream out = new ByteArrayOutputStream(64 * 1024);
        try (JsonGenerator g = json.createGenerator(new LeveledGzipStream(out, gzipLevel))) {
            g.writeStartObject();
            g.writeStringField("deviceId", deviceId);
            g.writeArrayFieldStart("changes");
            while (rows.hasNext()) {
                Map<String, Object> row = rows.next();
                long seq = number(row, "seq");
                if (count++ == 0) {
                    firstSeq = seq;
                }
                lastSeq = seq;
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
            g.writeNumberField("firstSeq", firstSeq);
            g.writeNumberField("lastSeq", lastSeq);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new AssembledBatch(out.toByteArray(), firstSeq, lastSeq, count);
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

    /** GZIPOutputStream at a chosen level (its deflater is protected, its constructors take no level). */
    private static final class LeveledGzipStream extends GZIPOutputStream {
        LeveledGzipStream(ByteArrayOutputStream out, int level) throws IOException {
            super(out, 8192);
            def.setLevel(level);
        }
    }

    /** One batch gzipped (what is journaled, sent, and signed as sent), plus what the routes log and put in headers. */
    public record AssembledBatch(byte[] gzip, long firstSeq, long lastSeq, int count) {
    }
}
