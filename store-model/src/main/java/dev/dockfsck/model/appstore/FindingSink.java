package dev.dockfsck.model.appstore;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Collects findings, merging the images and apps of findings about the same thing. */
final class FindingSink {
    private static final class Entry {
        final AppStoreFinding.Code code;
        final String path;
        final String blob;
        final String message;
        final Set<String> images = new LinkedHashSet<>();
        final Set<String> apps = new LinkedHashSet<>();
        final Set<String> keys = new LinkedHashSet<>();

        Entry(AppStoreFinding.Code code, String path, String blob, String message) {
            this.code = code;
            this.path = path;
            this.blob = blob;
            this.message = message;
        }
    }

    private final Map<String, Entry> entries = new LinkedHashMap<>();

    synchronized void add(AppStoreFinding.Code code, String path, String blob, String message, String imageKey,
                          String imageLabel, String app) {
        String k = code + "\0" + path + "\0" + message;
        Entry e = entries.computeIfAbsent(k, x -> new Entry(code, path, blob, message));
        if (imageLabel != null && !imageLabel.isEmpty()) {
            e.images.add(imageLabel);
        }
        if (imageKey != null && !imageKey.isEmpty()) {
            e.keys.add(imageKey);
        }
        if (app != null && !app.isEmpty()) {
            e.apps.add(app);
        }
    }

    synchronized List<AppStoreFinding> findings() {
        List<AppStoreFinding> out = new ArrayList<>();
        for (Entry e : entries.values()) {
            out.add(new AppStoreFinding(e.code, e.path, e.blob, e.message, new ArrayList<>(e.images), new ArrayList<>(e.apps)));
        }
        return out;
    }

    /** The findings naming the image with this key. */
    synchronized List<AppStoreFinding> findingsFor(String imageKey) {
        List<AppStoreFinding> out = new ArrayList<>();
        for (Entry e : entries.values()) {
            if (e.keys.contains(imageKey)) {
                out.add(new AppStoreFinding(e.code, e.path, e.blob, e.message, new ArrayList<>(e.images), new ArrayList<>(e.apps)));
            }
        }
        return out;
    }
}
