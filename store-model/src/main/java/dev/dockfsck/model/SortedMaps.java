package dev.dockfsck.model;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The model's maps (layers by chainID, overlay2 dirs by id, images...): iterated in key order, so
 * every walk, report and plan is deterministic, and looked up by hash. A TreeMap gave the order
 * but made every lookup ~10 key comparisons; checking and planning a 1000-layer store does tens
 * of thousands of lookups (docs/benchmarks.md, "Start-up").
 */
public final class SortedMaps {
    private SortedMaps() {
    }

    /** An unmodifiable copy of {@code m} that iterates in its keys' natural order. */
    public static <K extends Comparable<? super K>, V> Map<K, V> sortedCopy(Map<K, V> m) {
        if (m.isEmpty()) {
            return Collections.emptyMap();
        }
        return Collections.unmodifiableMap(new LinkedHashMap<>(m instanceof TreeMap<K, V> t && t.comparator() == null
                ? t : new TreeMap<>(m)));
    }
}
