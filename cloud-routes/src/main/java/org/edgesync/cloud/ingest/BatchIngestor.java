package org.edgesync.cloud.ingest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.edgesync.cloud.auth.RequestAuthenticator;
import org.edgesync.cloud.auth.SeenRequests;
import org.edgesync.cloud.auth.SignedRequest;
import org.edgesync.contract.BatchCodec;
import org.edgesync.contract.Change;
import org.edgesync.contract.ChangeBatch;
import org.edgesync.contract.InvalidBatchException;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

import javax.sql.DataSource;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.concurrent.Semaphore;
import java.util.function.Supplier;

/**
 * Accepts one batch from one device and stages every change exactly once per (device, seq), answering only after
 * the commit, so a device that got its 200 may forget the batch. In order, each step cheaper than the next and none
 * writing before the last: headers, clock and registry (401), content type (415), body size (413), signature over the
 * gzip body as sent (401), gzip (400), path device (403), rate limit (429), JSON envelope (400/422), changes per batch (413), body
 * device and seqs against what was signed (403); then one transaction that records the nonce (a replay: 401, rolled
 * back) and stages the changes: one COPY when none of the batch's seqs is staged yet, else one insert that skips
 * the staged ones. A request signed over its inflated JSON (edges of earlier versions) is inflated first and its
 * signature checked after.
 */
public class BatchIngestor {

    private static final String TOUCH_DEVICE =
            "UPDATE edgesync.device SET last_seen_at = now() WHERE device_id = ?";
    // Telemetry replaces only what the device sent this time (a null keeps the stored value).
    private static final String TOUCH_DEVICE_WITH_TELEMETRY =
            "UPDATE edgesync.device SET last_seen_at = now(), reported_at = now(),"
            + " reported_backlog = coalesce(?, reported_backlog), oldest_unsent_ms = coalesce(?, oldest_unsent_ms),"
            + " dlq_depth = coalesce(?, dlq_depth), software_version = coalesce(?, software_version),"
            + " config_version = coalesce(?, config_version) WHERE device_id = ?";
    // one range scan of the primary key: any staged seq between the batch's first and last means a resend
    private static final String ANY_STAGED_IN_RANGE =
            "SELECT EXISTS (SELECT 1 FROM edgesync.staged_change WHERE device_id = ? AND seq BETWEEN ? AND ?)";
    private static final String COUNT_STAGED =
            "SELECT count(*) FROM edgesync.staged_change WHERE device_id = ? AND seq = ANY (?)";
    private static final String COPY_STAGED =
            "COPY edgesync.staged_change (device_id, seq, table_name, op, pk, \"row\", captured_at) FROM STDIN";
    // a batch resent in part: one statement, the staged seqs are skipped
    private static final String INSERT_STAGED = "INSERT INTO edgesync.staged_change"
            + " (device_id, seq, table_name, op, pk, \"row\", captured_at)"
            + " SELECT ?, u.seq, u.table_name, u.op, u.pk::jsonb, u.row::jsonb, u.captured_at::timestamptz"
            + " FROM unnest(?::bigint[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[])"
            + " AS u(seq, table_name, op, pk, row, captured_at)"
            + " ON CONFLICT (device_id, seq) DO NOTHING";

    private final DataSource dataSource;
    private final BatchCodec codec;
    private final ObjectMapper json;
    private final long maxBodyBytes;
    private final int maxChangesPerBatch;
    private final RequestAuthenticator authenticator;
    private final RateLimiter rateLimiter;
    private final SeenRequests seenRequests;
    private final Semaphore decodingSlots;

    /** With {@link #oneSlotPerCore()} decoding slots. */
    public BatchIngestor(DataSource dataSource, long maxBodyBytes, int maxChangesPerBatch,
                         RequestAuthenticator authenticator, RateLimiter rateLimiter, SeenRequests seenRequests) {
        this(dataSource, maxBodyBytes, maxChangesPerBatch, authenticator, rateLimiter, seenRequests, oneSlotPerCore());
    }

    /** The default number of decoding slots: the cores this JVM may use (a container's CPU limit honoured). */
    public static int oneSlotPerCore() {
        return Runtime.getRuntime().availableProcessors();
    }

    /**
     * @param maxBodyBytes       limit of the received body and of the JSON it inflates to
     * @param maxChangesPerBatch most changes one batch may hold
     * @param decodingSlots      most requests inflated, checked, decoded and turned into COPY text at once; the
     *                           others wait their turn, first come first served
     */
    public BatchIngestor(DataSource dataSource, long maxBodyBytes, int maxChangesPerBatch,
                         RequestAuthenticator authenticator, RateLimiter rateLimiter, SeenRequests seenRequests,
                         int decodingSlots) {
        if (decodingSlots < 1) {
            throw new IllegalArgumentException("decodingSlots must be at least 1 but was " + decodingSlots);
        }
        this.decodingSlots = new Semaphore(decodingSlots, true);
        this.dataSource = dataSource;
        this.codec = new BatchCodec(maxBodyBytes);
        // "{...}}{" must not pass as the object before the garbage (found by IngestFuzzIT); belongs in BatchCodec
        codec.mapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        this.json = codec.mapper();
        this.maxBodyBytes = maxBodyBytes;
        this.maxChangesPerBatch = maxChangesPerBatch;
        this.authenticator = authenticator;
        this.rateLimiter = rateLimiter;
        this.seenRequests = seenRequests;
    }

    /**
     * @param pathDeviceId  the device named in the URL
     * @param authorization the Authorization header
     * @param timestamp     X-EdgeSync-Timestamp
     * @param nonce         X-EdgeSync-Nonce
     * @param seq           X-EdgeSync-Seq
     * @param contentType   Content-Type; must be application/json (parameters such as charset allowed)
     * @param body          the gzipped batch
     * @throws DeviceUnauthorizedException, DeviceMismatchException, RateLimitedException, UndecodableBodyException,
     *                                      BodyTooLargeException, TooManyChangesException, InvalidBatchException,
     *                                      StagingUnavailableException
     */
    public IngestResult ingest(String pathDeviceId, String authorization, String timestamp, String nonce, String seq,
                               String contentType, byte[] body) {
        return ingest(new SignedRequest(pathDeviceId, authorization, timestamp, nonce, seq), contentType, body);
    }

    /**
     * As {@link #ingest(String, String, String, String, String, String, byte[])}, for a request that may be signed
     * over its gzip body as sent ({@code signedBody}: X-EdgeSync-Signed-Body), storing the device's telemetry too.
     */
    public IngestResult ingest(String pathDeviceId, String authorization, String timestamp, String nonce, String seq,
                               String signedBody, String contentType, byte[] body, DeviceTelemetry telemetry) {
        return ingest(new SignedRequest(pathDeviceId, authorization, timestamp, nonce, seq, signedBody), contentType,
                body, telemetry);
    }

    public IngestResult ingest(SignedRequest request, String contentType, byte[] body) {
        return ingest(request, contentType, body, DeviceTelemetry.NONE);
    }

    /**
     * A connection is held only while the database works: three short borrows (registry, token, staging) rather
     * than one across the inflating, signature check, decoding and COPY text building between them, which are most
     * of a request's Java CPU. Held across them, each connection spent most of its time waiting for the node's own
     * CPU: the benchmark gave the node a pool of 20 (with 8: 65,000 changes/s in one run); the shipped 10 now
     * takes 72,000-89,000.
     */
    public IngestResult ingest(SignedRequest request, String contentType, byte[] body, DeviceTelemetry telemetry) {
        try {
            RequestAuthenticator.Admitted admitted;
            try (Connection connection = dataSource.getConnection()) {
                admitted = authenticator.admit(connection, request);
            }
            if (!isJson(contentType)) {
                throw new UnsupportedContentTypeException();
            }
            byte[] received = body == null ? new byte[0] : body;
            byte[] plain = inTurn(() -> {
                if (admitted.signedAsSent()) {
                    // authenticated before anything is inflated: no zip bomb is opened for an unknown sender
                    checkSize(received);
                    authenticator.verify(admitted, received);
                    return inflate(received);
                }
                byte[] inflated = inflate(received);
                authenticator.verify(admitted, inflated);
                return inflated;
            });
            try (Connection connection = dataSource.getConnection()) {
                rateLimiter.acquire(connection, admitted.deviceId());
            }
            Decoded decoded = inTurn(() -> decodeChecked(admitted, plain));
            ChangeBatch batch = decoded.batch();
            byte[] copyText = decoded.copyText();
            try (Connection connection = dataSource.getConnection()) {
                return stage(connection, batch, copyText, admitted, telemetry == null ? DeviceTelemetry.NONE : telemetry);
            }
        } catch (SQLException e) {
            throw new StagingUnavailableException(e);
        }
    }

    private record Decoded(ChangeBatch batch, byte[] copyText) {
    }

    /**
     * The request's own CPU work (inflating, the signature, decoding, the checks and the COPY text: ~4 ms per batch
     * of 500 changes) runs in a decoding slot. Without slots every request the HTTP server's worker threads hold
     * runs side by side, about twenty on two cores, and each takes as long as all of them together: in the
     * benchmark's paced ingest (0.6 x the COPY rate offered) the median batch took 175 ms without slots and 28-81 ms
     * with one slot per core, first come first served. The database steps stay outside: a request waiting for a
     * connection or a commit holds no slot.
     */
    private <T> T inTurn(Supplier<T> work) {
        try {
            decodingSlots.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StagingUnavailableException(new SQLException("interrupted while waiting to decode the batch", e));
        }
        try {
            return work.get();
        } finally {
            decodingSlots.release();
        }
    }

    private Decoded decodeChecked(RequestAuthenticator.Admitted admitted, byte[] plain) {
        ChangeBatch batch = decode(plain);
        if (batch.changes().size() > maxChangesPerBatch) {
            throw new TooManyChangesException(batch.changes().size(), maxChangesPerBatch);
        }
        StorableValues.check(batch);
        if (!batch.deviceId().equals(admitted.deviceId())) {
            throw new DeviceMismatchException(admitted.deviceId(), batch.deviceId());
        }
        if (batch.firstSeq() != admitted.firstSeq() || batch.lastSeq() != admitted.lastSeq()) {
            throw new DeviceMismatchException("signed seqs " + admitted.firstSeq() + "-" + admitted.lastSeq()
                    + " do not match the batch's " + batch.firstSeq() + "-" + batch.lastSeq());
        }
        return new Decoded(batch, copyText(batch));
    }

    private static boolean isJson(String contentType) {
        if (contentType == null) {
            return false;
        }
        int semicolon = contentType.indexOf(';');
        String type = (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).trim();
        return type.equalsIgnoreCase("application/json");
    }

    private void checkSize(byte[] body) {
        if (body.length > maxBodyBytes) {
            throw new BodyTooLargeException(maxBodyBytes);
        }
    }

    private byte[] inflate(byte[] body) {
        checkSize(body);
        try {
            return codec.gunzip(body);
        } catch (InvalidBatchException e) {
            if (e.getCause() == null) {
                // the codec's own limit: the body inflates beyond maxBodyBytes
                throw new BodyTooLargeException(maxBodyBytes);
            }
            throw new UndecodableBodyException(e.getMessage());
        }
    }

    private ChangeBatch decode(byte[] plain) {
        try {
            return codec.decode(plain);
        } catch (InvalidBatchException e) {
            if (e.getCause() instanceof IOException) {
                throw new UndecodableBodyException(e.getMessage());
            }
            throw e;
        }
    }

    private IngestResult stage(Connection connection, ChangeBatch batch, byte[] copyText,
                               RequestAuthenticator.Admitted admitted, DeviceTelemetry telemetry) throws SQLException {
        connection.setAutoCommit(false);
        try {
            if (!seenRequests.remember(connection, admitted.deviceId(), admitted.nonce(), admitted.epochSeconds())) {
                throw DeviceUnauthorizedException.plain("request already seen");
            }
            // Locks the device row: batches of one device are staged one at a time, so the count below is exact
            // even when a batch is resent while the first attempt is still committing.
            try (PreparedStatement touch = connection.prepareStatement(
                    telemetry.isEmpty() ? TOUCH_DEVICE : TOUCH_DEVICE_WITH_TELEMETRY)) {
                int i = 1;
                if (!telemetry.isEmpty()) {
                    touch.setObject(i++, telemetry.backlog(), java.sql.Types.BIGINT);
                    touch.setObject(i++, telemetry.oldestUnsentMs(), java.sql.Types.BIGINT);
                    touch.setObject(i++, telemetry.dlqDepth(), java.sql.Types.INTEGER);
                    touch.setString(i++, telemetry.softwareVersion());
                    touch.setString(i++, telemetry.configVersion());
                }
                touch.setString(i, batch.deviceId());
                touch.executeUpdate();
            }
            int duplicates = 0;
            if (anyStagedInRange(connection, batch)) {
                duplicates = countStaged(connection, batch);
                if (duplicates < batch.changes().size()) {
                    insertSkippingStaged(connection, batch);
                }
            } else {
                copyStaged(connection, copyText);
            }
            connection.commit();
            return new IngestResult(batch.changes().size() - duplicates, duplicates);
        } catch (SQLException | RuntimeException e) {
            rollbackQuietly(connection, e);
            throw e;
        } finally {
            connection.setAutoCommit(true);
        }
    }

    private static boolean anyStagedInRange(Connection connection, ChangeBatch batch) throws SQLException {
        try (PreparedStatement any = connection.prepareStatement(ANY_STAGED_IN_RANGE)) {
            any.setString(1, batch.deviceId());
            any.setLong(2, batch.firstSeq());
            any.setLong(3, batch.lastSeq());
            try (ResultSet rs = any.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    private static int countStaged(Connection connection, ChangeBatch batch) throws SQLException {
        try (PreparedStatement count = connection.prepareStatement(COUNT_STAGED)) {
            count.setString(1, batch.deviceId());
            count.setArray(2, connection.createArrayOf("bigint", batch.changes().stream().map(Change::seq).toArray(Long[]::new)));
            try (ResultSet rs = count.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    /** The batch as the text of one COPY into edgesync.staged_change, built before a connection is taken. */
    private static byte[] copyText(ChangeBatch batch) {
        StringBuilder text = new StringBuilder(batch.changes().size() * 200);
        for (Change change : batch.changes()) {
            CopyText.append(text, batch.deviceId());
            text.append('\t').append(change.seq()).append('\t');
            CopyText.append(text, change.table());
            text.append('\t').append(change.op().wireName()).append('\t');
            CopyText.appendJson(text, change.pk());
            text.append('\t');
            if (change.row() == null) {
                text.append("\\N");
            } else {
                CopyText.appendJson(text, change.row());
            }
            text.append('\t').append(Instant.ofEpochMilli(change.capturedAt())).append('\n');
        }
        return text.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The usual case, none of the batch's seqs staged yet: one COPY. No other transaction can stage these seqs
     * meanwhile (the device row is locked); should one have anyway, the key refuses the COPY, the request fails and
     * the device's resend takes the other path.
     */
    private static void copyStaged(Connection connection, byte[] copyText) throws SQLException {
        CopyManager copy = connection.unwrap(PGConnection.class).getCopyAPI();
        try {
            copy.copyIn(COPY_STAGED, new ByteArrayInputStream(copyText), copyText.length);
        } catch (IOException e) {
            throw new SQLException("COPY into edgesync.staged_change failed: " + e.getMessage(), e);
        }
    }

    private void insertSkippingStaged(Connection connection, ChangeBatch batch) throws SQLException {
        int n = batch.changes().size();
        Long[] seqs = new Long[n];
        String[] tables = new String[n];
        String[] ops = new String[n];
        String[] pks = new String[n];
        String[] rows = new String[n];
        String[] capturedAt = new String[n];
        for (int i = 0; i < n; i++) {
            Change change = batch.changes().get(i);
            seqs[i] = change.seq();
            tables[i] = change.table();
            ops[i] = change.op().wireName();
            pks[i] = toJson(change.pk());
            rows[i] = change.row() == null ? null : toJson(change.row());
            capturedAt[i] = Instant.ofEpochMilli(change.capturedAt()).toString();
        }
        try (PreparedStatement insert = connection.prepareStatement(INSERT_STAGED)) {
            insert.setString(1, batch.deviceId());
            insert.setArray(2, connection.createArrayOf("bigint", seqs));
            insert.setArray(3, connection.createArrayOf("text", tables));
            insert.setArray(4, connection.createArrayOf("text", ops));
            insert.setArray(5, connection.createArrayOf("text", pks));
            insert.setArray(6, connection.createArrayOf("text", rows));
            insert.setArray(7, connection.createArrayOf("text", capturedAt));
            insert.executeUpdate();
        }
    }

    private String toJson(Object node) {
        try {
            return json.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot re-encode a decoded change", e);
        }
    }

    private static void rollbackQuietly(Connection connection, Exception cause) {
        try {
            connection.rollback();
        } catch (SQLException e) {
            cause.addSuppressed(e);
        }
    }
}
