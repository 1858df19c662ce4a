package org.edgesync.cloud.mapping;

/**
 * One source column copied into one target column through a conversion.
 *
 * @param source     column name on the device
 * @param target     column name in the target table
 * @param conversion how the value is converted
 */
public record ColumnMapping(String source, String target, Conversion conversion) {
}
