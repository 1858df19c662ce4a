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

import javax.sql.DataSource;
import java.io.IOException;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/**
 * Accepts one batch from one device and stages every change exactly once per (device, seq), answering only after
 * the commit, so a device that got its 200 may forget the batch. In order, each step cheaper than the next and none
 * writing before the last: headers, clock and registry (401), content type (415), body size and gzip (413/400), signature over the
 * inflated JSON (401), path device (403), rate limit (429), JSON envelope (400/422), changes per batch (413), body
 * device and seqs against what was signed (403); then one transaction that records the nonce (a replay: 401, rolled
 * back) and stages the changes.
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
    private static final String COUNT_STAGED =
            "SELECT count(*) FROM edgesync.staged_change WHERE device_id = ? AND seq = ANY (?)";
    private static final String INSERT_STAGED =
            "INSERT INTO edgesync.staged_change (device_id, seq, table_name, op, pk, \"row\", captured_at)"
            + " VALUES (?, ?, ?, ?, ?::jsonb, ?::jsonb, ?) ON CONFLICT (device_id, seq) DO NOTHING";

    private final DataSource dataSource;
    private final BatchCodec codec;
    private final ObjectMapper json;
    private final long maxBodyBytes;
    private final int maxChangesPerBatch;
    private final RequestAuthenticator authenticator;
    private final RateLimiter rateLimiter;
    private final SeenRequests seenRequests;

    /**
     * @param maxBodyBytes       limit of the received body and of the JSON it inflates to
     * @param maxChangesPerBatch most changes one batch may hold
     */
    public BatchIngestor(DataSource dataSource, long maxBodyBytes, int maxChangesPerBatch,
                         RequestAuthenticator authenticator, RateLimiter rateLimiter, SeenRequests seenRequests) {
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

    /** As {@link #ingest(String, String, String, String, String, String, byte[])}, storing the device's telemetry too. */
    public IngestResult ingest(String pathDeviceId, String authorization, String timestamp, String nonce, String seq,
                               String contentType, byte[] body, DeviceTelemetry telemetry) {
        return ingest(new SignedRequest(pathDeviceId, authorization, timestamp, nonce, seq), contentType, body, telemetry);
    }

    public IngestResult ingest(SignedRequest request, String contentType, byte[] body) {
        return ingest(request, contentType, body, DeviceTelemetry.NONE);
    }

    public IngestResult ingest(SignedRequest request, String contentType, byte[] body, DeviceTelemetry telemetry) {
        try (Connection connection = dataSource.getConnection()) {
            RequestAuthenticator.Admitted admitted = authenticator.admit(connection, request);
            if (!isJson(contentType)) {
                throw new UnsupportedContentTypeException();
            }
            byte[] plain = inflate(body == null ? new byte[0] : body);
            authenticator.verify(admitted, plain);
            rateLimiter.acquire(connection, admitted.deviceId());
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
            return stage(connection, batch, admitted, telemetry == null ? DeviceTelemetry.NONE : telemetry);
        } catch (SQLException e) {
            throw new StagingUnavailableException(e);
        }
    }

    private static boolean isJson(String contentType) {
        if (contentType == null) {
            return false;
        }
        int semicolon = contentType.indexOf(';');
        String type = (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).trim();
        return type.equalsIgnoreCase("application/json");
    }

    private byte[] inflate(byte[] body) {
        if (body.length > maxBodyBytes) {
            throw new BodyTooLargeException(maxBodyBytes);
        }
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

    private IngestResult stage(Connection connection, ChangeBatch batch, RequestAuthenticator.Admitted admitted,
                               DeviceTelemetry telemetry) throws SQLException {
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
            int duplicates;
            try (PreparedStatement count = connection.prepareStatement(COUNT_STAGED)) {
                Array seqs = connection.createArrayOf("bigint",
                        batch.changes().stream().map(Change::seq).toArray(Long[]::new));
                count.setString(1, batch.deviceId());
                count.setArray(2, seqs);
                try (ResultSet rs = count.executeQuery()) {
                    rs.next();
                    duplicates = rs.getInt(1);
                }
            }
            if (duplicates < batch.changes().size()) {
                try (PreparedStatement insert = connection.prepareStatement(INSERT_STAGED)) {
                    for (Change change : batch.changes()) {
                        insert.setString(1, batch.deviceId());
                        insert.setLong(2, change.seq());
                        insert.setString(3, change.table());
                        insert.setString(4, change.op().wireName());
                        insert.setString(5, toJson(change.pk()));
                        insert.setString(6, change.row() == null ? null : toJson(change.row()));
                        insert.setObject(7, OffsetDateTime.ofInstant(Instant.ofEpochMilli(change.capturedAt()), ZoneOffset.UTC));
                        insert.addBatch();
                    }
                    insert.executeBatch();
                }
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
