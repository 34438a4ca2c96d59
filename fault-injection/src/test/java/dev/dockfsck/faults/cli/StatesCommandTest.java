package dev.dockfsck.faults.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code faults states --shard K/N}: shards 1/4..4/4 together list exactly the unsharded states. */
class StatesCommandTest {
    @TempDir
    Path tmp;

    @Test
    void shardsTogetherListExactlyTheUnshardedStates() throws Exception {
        Path rec = Files.createDirectories(tmp.resolve("recording"));
        String r = tmp.resolve("root").toString();
        List<String> log = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            String d = r + "/image/overlay2/layerdb/tmp/write-set-" + i;
            log.add("10 mkdirat(AT_FDCWD</>, \"" + d + "\", 0700) = 0");
            log.add("10 openat(AT_FDCWD</>, \"" + d + "/size\", O_WRONLY|O_CREAT|O_TRUNC, 0644) = 7<" + d + "/size>");
            log.add("10 write(7<" + d + "/size>, \"5000\", 4) = 4");
            log.add("10 write(7<" + d + "/size>, \"x\", 9000) = 9000");
            log.add("10 fsync(7<" + d + "/size>) = 0");
            log.add("10 renameat(AT_FDCWD</>, \"" + d + "\", AT_FDCWD</>, \"" + r + "/image/overlay2/layerdb/sha256/l" + i + "\") = 0");
        }
        Files.write(rec.resolve("strace.log"), log);
        Files.writeString(rec.resolve("recording.properties"), "root=" + r + "\numask=22\noperation=load\narchives=\nsetup=0\n");
        Files.createDirectories(rec.resolve("before"));
        Files.createDirectories(rec.resolve("after"));
        FaultsCommandTest.Run all = FaultsCommandTest.run("states", "--recording", rec.toString(), "--states", "37", "--seed", "5",
                "--format", "json");
        assertEquals(0, all.exit(), all.err());
        List<String> want = all.out().lines().toList();
        assertEquals(37, want.size());
        List<String> union = new ArrayList<>();
        for (int k = 1; k <= 4; k++) {
            FaultsCommandTest.Run s = FaultsCommandTest.run("states", "--recording", rec.toString(), "--states", "37", "--seed", "5",
                    "--shard", k + "/4", "--format", "json");
            assertEquals(0, s.exit(), s.err());
            union.addAll(s.out().lines().toList());
        }
        union.sort(java.util.Comparator.comparingInt(l -> Integer.parseInt(l.replaceAll("^\\{\"state\":(\\d+),.*", "$1"))));
        assertEquals(want, union);
        assertTrue(want.get(0).contains("\"fixedPoint\":true"), want.get(0));
        assertEquals(16, FaultsCommandTest.run("states", "--recording", rec.toString(), "--shard", "5/4").exit());
    }
}
