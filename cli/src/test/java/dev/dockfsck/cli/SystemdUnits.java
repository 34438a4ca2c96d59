package dev.dockfsck.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The shipped systemd units (systemd/ at the repository root), read as systemd reads them: for
 * tests that check what they say and run their exact ExecStart lines.
 */
public final class SystemdUnits {
    /** Where the units install the launcher. */
    public static final String LAUNCHER = "/usr/lib/dockfsck/dockfsck";

    private SystemdUnits() {
    }

    /** systemd/ of this checkout (tests run in the module's directory). */
    public static Path dir() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve("systemd"))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new IllegalStateException("no systemd/ above " + Path.of("").toAbsolutePath());
        }
        return p.resolve("systemd");
    }

    /** The checkout's launcher ({@code ./dockfsck}). */
    public static Path launcher() {
        return dir().getParent().resolve("dockfsck");
    }

    /** section -> key -> values (a key may repeat), comments and blank lines dropped. */
    public static Map<String, Map<String, List<String>>> parse(Path unit) throws IOException {
        Map<String, Map<String, List<String>>> out = new LinkedHashMap<>();
        Map<String, List<String>> section = null;
        for (String raw : Files.readAllLines(unit, StandardCharsets.UTF_8)) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
                continue;
            }
            if (line.startsWith("[") && line.endsWith("]")) {
                section = out.computeIfAbsent(line.substring(1, line.length() - 1), k -> new LinkedHashMap<>());
                continue;
            }
            int eq = line.indexOf('=');
            if (section == null || eq < 0) {
                throw new IOException(unit + ": not a unit file line: " + raw);
            }
            section.computeIfAbsent(line.substring(0, eq).strip(), k -> new ArrayList<>()).add(line.substring(eq + 1).strip());
        }
        return out;
    }

    /** The one value of a key ("" when absent). */
    public static String value(Path unit, String section, String key) throws IOException {
        List<String> v = parse(unit).getOrDefault(section, Map.of()).getOrDefault(key, List.of());
        if (v.size() > 1) {
            throw new IOException(unit + ": " + key + " given " + v.size() + " times");
        }
        return v.isEmpty() ? "" : v.get(0);
    }

    /** Every value of a key, each split at white space (Before=a b, Before=c: [a, b, c]). */
    public static List<String> words(Path unit, String section, String key) throws IOException {
        List<String> out = new ArrayList<>();
        for (String v : parse(unit).getOrDefault(section, Map.of()).getOrDefault(key, List.of())) {
            out.addAll(List.of(v.split("\\s+")));
        }
        return out;
    }

    /**
     * The unit's ExecStart as argv (the units use no quoting, specifiers or variables: the test
     * that reads them fails if they start to).
     */
    public static List<String> execStart(String unitName) throws IOException {
        String line = value(dir().resolve(unitName), "Service", "ExecStart");
        if (line.isEmpty() || line.matches(".*[\"'$%\\\\;|&<>].*") || line.startsWith("-") || line.startsWith("@")) {
            throw new IOException(unitName + ": ExecStart is not a plain command line: " + line);
        }
        return List.of(line.split("\\s+"));
    }
}
