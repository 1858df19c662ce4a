package org.edgesync.contract;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipException;

/**
 * Encodes and strictly decodes {@link ChangeBatch} JSON, optionally gzipped. Decoding checks the
 * whole envelope and reports the first problem with the path of the offending field, so a device
 * operator can tell from the cloud's answer what their device sent wrong.
 */
public final class BatchCodec {

    private static final int MAX_NESTING = 32;
    private static final List<String> CHANGE_FIELDS = List.of("seq", "table", "op", "pk", "row", "capturedAt");

    private final ObjectMapper mapper;
    private final long maxDecodedBytes;

    /** @param maxDecodedBytes upper bound of the JSON size after gunzip, against gzip bombs */
    public BatchCodec(long maxDecodedBytes) {
        this.maxDecodedBytes = maxDecodedBytes;
        this.mapper = JsonMapper.builder()
                .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
                .build();
        mapper.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxNestingDepth(MAX_NESTING)
                .build());
    }

    public BatchCodec() {
        this(64L * 1024 * 1024);
    }

    public ObjectMapper mapper() {
        return mapper;
    }

    public byte[] encode(ChangeBatch batch) {
        try {
            return mapper.writeValueAsBytes(batch);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode batch", e);
        }
    }

    public byte[] encodeGzip(ChangeBatch batch) {
        return gzip(encode(batch));
    }

    public static byte[] gzip(byte[] plain) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(64, plain.length / 4));
        try (GZIPOutputStream gz = new GZIPOutputStream(out, 8192)) {
            gz.write(plain);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Decodes a gzipped body; a body that is not gzip is refused with a clear message. */
    public ChangeBatch decodeGzip(byte[] body) {
        return decode(gunzip(body));
    }

    public byte[] gunzip(byte[] body) {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(body))) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(64, body.length * 4));
            byte[] buf = new byte[16384];
            long total = 0;
            for (int n; (n = in.read(buf)) > 0; ) {
                total += n;
                if (total > maxDecodedBytes) {
                    throw new InvalidBatchException("body inflates beyond " + maxDecodedBytes + " bytes");
                }
                out.write(buf, 0, n);
            }
            return out.toByteArray();
        } catch (ZipException | java.io.EOFException e) {
            throw new InvalidBatchException("body is not valid gzip: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new InvalidBatchException("body cannot be read as gzip: " + e.getMessage(), e);
        }
    }

    public ChangeBatch decode(byte[] json) {
        JsonNode root;
        try {
            root = mapper.readTree(json);
        } catch (IOException e) {
            throw new InvalidBatchException("body is not valid JSON: " + firstLine(e.getMessage()), e);
        }
        if (root == null || !root.isObject()) {
            throw new InvalidBatchException("body must be a JSON object");
        }
        onlyFields(root, "", "deviceId", "firstSeq", "lastSeq", "changes");
        String deviceId = name(root, "deviceId", "deviceId");
        long firstSeq = seq(root, "firstSeq", "firstSeq");
        long lastSeq = seq(root, "lastSeq", "lastSeq");
        JsonNode changesNode = root.get("changes");
        if (changesNode == null || !changesNode.isArray() || changesNode.isEmpty()) {
            throw new InvalidBatchException("changes must be a non-empty array");
        }
        List<Change> changes = new ArrayList<>(changesNode.size());
        long previous = 0;
        for (int i = 0; i < changesNode.size(); i++) {
            Change change = change(changesNode.get(i), i);
            if (change.seq() <= previous) {
                throw new InvalidBatchException("changes[" + i + "].seq must be greater than the one before it ("
                        + previous + ") but was " + change.seq());
            }
            previous = change.seq();
            changes.add(change);
        }
        if (changes.get(0).seq() != firstSeq) {
            throw new InvalidBatchException("firstSeq is " + firstSeq + " but the first change has seq " + changes.get(0).seq());
        }
        if (previous != lastSeq) {
            throw new InvalidBatchException("lastSeq is " + lastSeq + " but the last change has seq " + previous);
        }
        return new ChangeBatch(deviceId, firstSeq, lastSeq, changes);
    }

    /** Change {@code index} of the batch; its path ("changes[3]") is only built for an error message. */
    private Change change(JsonNode node, int index) {
        if (node == null || !node.isObject()) {
            throw new InvalidBatchException(path(index) + " must be an object");
        }
        String unknown = unknownField(node, CHANGE_FIELDS);
        if (unknown != null) {
            throw new InvalidBatchException(path(index) + "." + truncate(unknown) + " is not a known field (allowed: "
                    + String.join(", ", CHANGE_FIELDS) + ")");
        }
        long seq = seq(node, "seq", index);
        String table = name(node, "table", index);
        JsonNode opNode = node.get("op");
        if (opNode == null || !opNode.isTextual()) {
            throw new InvalidBatchException(path(index) + ".op must be one of insert, update, delete");
        }
        Operation op;
        try {
            op = Operation.parse(opNode.textValue());
        } catch (IllegalArgumentException e) {
            throw new InvalidBatchException(path(index) + ".op must be one of insert, update, delete but was \"" + opNode.textValue() + "\"");
        }
        JsonNode pk = node.get("pk");
        if (pk == null || !pk.isObject() || pk.isEmpty()) {
            throw new InvalidBatchException(path(index) + ".pk must be a non-empty object of key columns");
        }
        scalarsOnly(pk, index, ".pk");
        JsonNode row = node.get("row");
        if (op == Operation.DELETE) {
            if (row != null && !row.isNull()) {
                throw new InvalidBatchException(path(index) + ".row must be absent or null for a delete");
            }
            row = null;
        } else if (row == null || !row.isObject()) {
            throw new InvalidBatchException(path(index) + ".row must be an object for an " + op.wireName());
        } else {
            scalarsOnly(row, index, ".row");
        }
        JsonNode capturedAt = node.get("capturedAt");
        if (capturedAt == null || !capturedAt.canConvertToLong() || !capturedAt.isIntegralNumber() || capturedAt.longValue() < 0) {
            throw new InvalidBatchException(path(index) + ".capturedAt must be a non-negative integer (epoch milliseconds)");
        }
        return new Change(seq, table, op, (ObjectNode) pk, (ObjectNode) row, capturedAt.longValue());
    }

    private static String path(int index) {
        return "changes[" + index + "]";
    }

    /** @return the first field of {@code node} not in {@code allowed}, or null */
    private static String unknownField(JsonNode node, List<String> allowed) {
        Iterator<String> names = node.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!allowed.contains(name)) {
                return name;
            }
        }
        return null;
    }

    private static void onlyFields(JsonNode node, String prefix, String... allowed) {
        String unknown = unknownField(node, List.of(allowed));
        if (unknown != null) {
            throw new InvalidBatchException(prefix + truncate(unknown) + " is not a known field (allowed: " + String.join(", ", allowed) + ")");
        }
    }

    private static void scalarsOnly(JsonNode object, int index, String image) {
        Iterator<Map.Entry<String, JsonNode>> fields = object.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            if (field.getValue().isContainerNode()) {
                throw new InvalidBatchException(path(index) + image + "." + truncate(field.getKey())
                        + " must be a scalar (string, number, boolean or null)");
            }
            if (field.getKey().isEmpty() || field.getKey().length() > WireProtocol.MAX_NAME_LENGTH) {
                throw new InvalidBatchException(path(index) + image + " has a column name that is empty or longer than "
                        + WireProtocol.MAX_NAME_LENGTH);
            }
        }
    }

    private static long seq(JsonNode node, String field, String path) {
        JsonNode value = node.get(field);
        if (value == null || !value.isIntegralNumber() || !value.canConvertToLong() || value.longValue() < 1) {
            throw new InvalidBatchException(path + " must be a positive integer");
        }
        return value.longValue();
    }

    private static long seq(JsonNode node, String field, int index) {
        JsonNode value = node.get(field);
        if (value == null || !value.isIntegralNumber() || !value.canConvertToLong() || value.longValue() < 1) {
            throw new InvalidBatchException(path(index) + "." + field + " must be a positive integer");
        }
        return value.longValue();
    }

    private static String name(JsonNode node, String field, int index) {
        JsonNode value = node.get(field);
        if (value != null && value.isTextual() && isName(value.textValue())) {
            return value.textValue();
        }
        return name(node, field, path(index) + "." + field);
    }

    /**
     * A device id or table name: 1 to {@link WireProtocol#MAX_NAME_LENGTH} of {@code [A-Za-z0-9_.:-]} starting with a
     * letter or {@code _}. A loop, not a regex matcher: it runs for every change of every batch.
     */
    private static boolean isName(String text) {
        if (text.isEmpty() || text.length() > WireProtocol.MAX_NAME_LENGTH) {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean letter = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
            boolean other = (c >= '0' && c <= '9') || c == '.' || c == ':' || c == '-';
            if (!(letter || (i > 0 && other))) {
                return false;
            }
        }
        return true;
    }

    private static String name(JsonNode node, String field, String path) {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual()) {
            throw new InvalidBatchException(path + " must be a string");
        }
        String text = value.textValue();
        if (!isName(text)) {
            throw new InvalidBatchException(path + " must be 1-" + WireProtocol.MAX_NAME_LENGTH
                    + " characters of letters, digits, _ . : - starting with a letter or _, but was \"" + truncate(text) + "\"");
        }
        return text;
    }

    private static String truncate(String text) {
        return text.length() <= 40 ? text : text.substring(0, 40) + "…";
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unreadable";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }
}
