package org.edgesync.cloud.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import org.edgesync.contract.Change;
import org.edgesync.contract.ChangeBatch;
import org.edgesync.contract.InvalidBatchException;

import java.util.Iterator;
import java.util.Map;

/**
 * What the envelope allows but PostgreSQL cannot store: a NUL character in jsonb text, a number that does not fit
 * JSON once re-encoded (infinite doubles), a capture time beyond year 9999. Refused as invalid (422, naming the
 * field) before the transaction, rather than failing inside it as if the database were down (503, resent forever).
 */
final class StorableValues {

    /** 9999-12-31T23:59:59.999Z in epoch milliseconds. */
    static final long MAX_CAPTURED_AT = 253_402_300_799_999L;
    private static final int MAX_DEPTH = 64;

    private StorableValues() {
    }

    static void check(ChangeBatch batch) {
        for (int i = 0; i < batch.changes().size(); i++) {
            Change change = batch.changes().get(i);
            String path = "changes[" + i + "]";
            if (change.capturedAt() > MAX_CAPTURED_AT) {
                throw new InvalidBatchException(path + ".capturedAt must be at most " + MAX_CAPTURED_AT
                        + " (year 9999) but was " + change.capturedAt());
            }
            check(change.pk(), path + ".pk", 0);
            if (change.row() != null) {
                check(change.row(), path + ".row", 0);
            }
        }
    }

    private static void checkText(String text, String path) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\0') {
                throw new InvalidBatchException(path + " contains a NUL character (\\u0000), which cannot be stored");
            }
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new InvalidBatchException(path + " contains an unpaired UTF-16 surrogate, which is not valid Unicode text");
            }
        }
    }

    private static void check(JsonNode node, String path, int depth) {
        if (depth > MAX_DEPTH) {
            throw new InvalidBatchException(path + " is nested deeper than " + MAX_DEPTH + " levels");
        }
        if (node.isTextual()) {
            checkText(node.textValue(), path);
        } else if (node.isFloatingPointNumber() && !Double.isFinite(node.doubleValue()) && !node.isBigDecimal()) {
            throw new InvalidBatchException(path + " is not a finite number");
        } else if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                checkText(field.getKey(), path + " field name");
                check(field.getValue(), path + "." + field.getKey(), depth + 1);
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                check(node.get(i), path + "[" + i + "]", depth + 1);
            }
        }
    }
}
