package org.edgesync.cloud.ingest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.edgesync.contract.BatchCodec;
import org.edgesync.contract.Change;
import org.edgesync.contract.ChangeBatch;
import org.edgesync.contract.InvalidBatchException;

import javax.sql.DataSource;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.Locale;

/**
 * Accepts one batch from one device: authenticates the device by its bearer token, decodes the gzip JSON
 * envelope, and stages every change exactly once per (device, seq) in one transaction. Answers only after
 * the commit, so a device that got its 200 may forget the batch.
 */
public class BatchIngestor {

    private static final String SELECT_DEVICE =
            "SELECT token_sha256, status FROM edgesync.device WHERE device_id = ?";
    private static final String TOUCH_DEVICE =
            "UPDATE edgesync.device SET last_seen_at = now() WHERE device_id = ?";
    private static final String COUNT_STAGED =
            "SELECT count(*) FROM edgesync.staged_change WHERE device_id = ? AND seq = ANY (?)";
    private static final String INSERT_STAGED =
            "INSERT INTO edgesync.staged_change (device_id, seq, table_name, op, pk, \"row\", captured_at)"
            + " VALUES (?, ?, ?, ?, ?::jsonb, ?::jsonb, ?) ON CONFLICT (device_id, seq) DO NOTHING";
    /** Compared against when the device is unknown, so that case takes as long as a wrong token. */
    private static final byte[] NO_DEVICE_DIGEST = new byte[32];

    private final DataSource dataSource;
    private final BatchCodec codec;
    private final ObjectMapper json;
    private final long maxBodyBytes;

    /** @param maxBodyBytes limit of the received body and of the JSON it inflates to */
    public BatchIngestor(DataSource dataSource, long maxBodyBytes) {
        this.dataSource = dataSource;
        this.codec = new BatchCodec(maxBodyBytes);
        this.json = codec.mapper();
        this.maxBodyBytes = maxBodyBytes;
    }

    /**
     * @param pathDeviceId  the device named in the URL
     * @param authorization the Authorization header, {@code Bearer <token>}
     * @param body          the gzipped batch
     * @throws DeviceUnauthorizedException, DeviceMismatchException, UndecodableBodyException,
     *                                      BodyTooLargeException, InvalidBatchException, StagingUnavailableException
     */
    public IngestResult ingest(String pathDeviceId, String authorization, byte[] body) {
        try (Connection connection = dataSource.getConnection()) {
            authenticate(connection, pathDeviceId, bearerToken(authorization));
            ChangeBatch batch = decode(body == null ? new byte[0] : body);
            if (!batch.deviceId().equals(pathDeviceId)) {
                throw new DeviceMismatchException(pathDeviceId, batch.deviceId());
            }
            return stage(connection, batch);
        } catch (SQLException e) {
            throw new StagingUnavailableException(e);
        }
    }

    private void authenticate(Connection connection, String deviceId, String token) throws SQLException {
        byte[] expected = NO_DEVICE_DIGEST;
        boolean active = false;
        if (deviceId != null) {
            try (PreparedStatement select = connection.prepareStatement(SELECT_DEVICE)) {
                select.setString(1, deviceId);
                try (ResultSet rs = select.executeQuery()) {
                    if (rs.next()) {
                        expected = parseDigest(rs.getString(1));
                        active = "active".equals(rs.getString(2));
                    }
                }
            }
        }
        byte[] presented = sha256(token == null ? "" : token);
        boolean tokenMatches = MessageDigest.isEqual(presented, expected);
        if (!(tokenMatches && active && token != null)) {
            throw new DeviceUnauthorizedException();
        }
    }

    private ChangeBatch decode(byte[] body) {
        if (body.length > maxBodyBytes) {
            throw new BodyTooLargeException(maxBodyBytes);
        }
        byte[] plain;
        try {
            plain = codec.gunzip(body);
        } catch (InvalidBatchException e) {
            if (e.getCause() == null) {
                // the codec's own limit: the body inflates beyond maxBodyBytes
                throw new BodyTooLargeException(maxBodyBytes);
            }
            throw new UndecodableBodyException(e.getMessage());
        }
        try {
            return codec.decode(plain);
        } catch (InvalidBatchException e) {
            if (e.getCause() instanceof IOException) {
                throw new UndecodableBodyException(e.getMessage());
            }
            throw e;
        }
    }

    private IngestResult stage(Connection connection, ChangeBatch batch) throws SQLException {
        connection.setAutoCommit(false);
        try {
            // Locks the device row first: batches of one device are staged one at a time, so the count below
            // is exact even when a batch is resent while the first attempt is still committing.
            try (PreparedStatement touch = connection.prepareStatement(TOUCH_DEVICE)) {
                touch.setString(1, batch.deviceId());
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
        }
    }

    private String toJson(Object node) {
        try {
            return json.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot re-encode a decoded change", e);
        }
    }

    static String bearerToken(String authorization) {
        if (authorization == null) {
            return null;
        }
        String value = authorization.trim();
        if (value.length() < 8 || !value.substring(0, 7).toLowerCase(Locale.ROOT).equals("bearer ")) {
            return null;
        }
        String token = value.substring(7).trim();
        return token.isEmpty() ? null : token;
    }

    /** Lowercase hex SHA-256 of a token, as stored in edgesync.device.token_sha256. */
    public static String tokenSha256Hex(String token) {
        return HexFormat.of().formatHex(sha256(token));
    }

    private static byte[] sha256(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JRE", e);
        }
    }

    private static byte[] parseDigest(String hex) {
        try {
            return hex == null ? NO_DEVICE_DIGEST : HexFormat.of().parseHex(hex);
        } catch (IllegalArgumentException e) {
            return NO_DEVICE_DIGEST;
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
