package org.edgesync.contract;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** What the shop application did to a row; the wire spelling is the lower-case word. */
public enum Operation {
    INSERT("insert"), UPDATE("update"), DELETE("delete");

    private final String wireName;

    Operation(String wireName) {
        this.wireName = wireName;
    }

    /** A constant: the edge writes it once per change and the cloud once per staged row. */
    @JsonValue
    public String wireName() {
        return wireName;
    }

    /** Accepts the wire word and the one-letter code the SQLite triggers write (I, U, D). */
    @JsonCreator
    public static Operation parse(String value) {
        if (value != null) {
            switch (value) {
                case "insert", "I" -> { return INSERT; }
                case "update", "U" -> { return UPDATE; }
                case "delete", "D" -> { return DELETE; }
                default -> { }
            }
        }
        throw new IllegalArgumentException("op must be one of insert, update, delete but was " + value);
    }
}
