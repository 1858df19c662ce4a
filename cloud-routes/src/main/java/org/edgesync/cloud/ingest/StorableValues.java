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
            if (change.capturedAt() > MAX_CAPTURED_AT) {
                throw new InvalidBatchException(path(i, ".capturedAt") + " must be at most " + MAX_CAPTURED_AT
                        + " (year 9999) but was " + change.capturedAt());
            }
            check(change.pk(), i, ".pk", 0);
            if (change.row() != null) {
                check(change.row(), i, ".row", 0);
            }
        }
    }

    /** The field's path in the batch, built only for a message: every value of every change passes through here. */
    private static String path(int change, String within) {
        return "changes[" + change + "]" + within;
    }

    /** @return null when the text can be stored, else what is wrong with it */
    private static String textProblem(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\0') {
                return " contains a NUL character (\\u0000), which cannot be stored";
            }
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return " contains an unpaired UTF-16 surrogate, which is not valid Unicode text";
            }
        }
        return null;
    }

    private static void check(JsonNode node, int change, String within, int depth) {
        if (depth > MAX_DEPTH) {
            throw new InvalidBatchException(path(change, within) + " is nested deeper than " + MAX_DEPTH + " levels");
        }
        if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                String problem = textProblem(field.getKey());
                if (problem != null) {
                    throw new InvalidBatchException(path(change, within) + " field name" + problem);
                }
                checkValue(field.getValue(), change, within, field.getKey(), -1, depth);
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                checkValue(node.get(i), change, within, null, i, depth);
            }
        }
    }

    /** A member of an object (by {@code key}) or of an array (by {@code index}); its path is built only when needed. */
    private static void checkValue(JsonNode value, int change, String within, String key, int index, int depth) {
        if (value.isContainerNode()) {
            check(value, change, within + step(key, index), depth + 1);
            return;
        }
        String problem = null;
        if (value.isTextual()) {
            problem = textProblem(value.textValue());
        } else if (value.isFloatingPointNumber() && !Double.isFinite(value.doubleValue()) && !value.isBigDecimal()) {
            problem = " is not a finite number";
        }
        if (problem != null) {
            throw new InvalidBatchException(path(change, within + step(key, index)) + problem);
        }
    }

    private static String step(String key, int index) {
        return key != null ? "." + key : "[" + index + "]";
    }
}
