package dev.dockfsck.faults.campaign;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.dockfsck.faults.crash.CrashStates;
import dev.dockfsck.fixtures.appstore.ResetAppsStore;
import dev.dockfsck.fixtures.dockerd.Dockerd;
import dev.dockfsck.fixtures.image.DockerArchive;
import dev.dockfsck.fixtures.image.SampleSet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A bounded campaign on a real dockerd: sample image A loaded first (the bystander), the load of
 * sample image C recorded, {@code -Dcampaign.states=N} (default 8) crash states of seed
 * {@code -Dcampaign.seed} (default 1), each run through check, repair, dockerd and restore by the
 * built launcher ({@code ./dockfsck}, cli/target/dockfsck.jar); {@code -Dcampaign.pull=true} records a pull from a local
 * registry instead of a load. Every state must heal; the JSON
 * lines, the table and the JUnit XML say so. The work dir stays in target/campaign-it.
 */
class CampaignIT {
    @Test
    void everyCrashStateOfARealLoadHeals() throws Exception {
        Dockerd.assumeAvailable();
        assumeTrue(ResetAppsStore.available() && SampleSet.runnable(), "needs skopeo and busybox");
        Path launcher = Path.of("../dockfsck").toAbsolutePath().normalize();
        assumeTrue(Files.isRegularFile(Path.of("../cli/target/dockfsck.jar")), "needs the built jar (mvn -DskipTests package)");
        Path work = Path.of("target/campaign-it").toAbsolutePath();
        if (Files.exists(work)) {
            Campaign.rm(work);
        }
        Files.createDirectories(work);
        Path a = work.resolve("a.tar");
        Path c = work.resolve("c.tar");
        DockerArchive.write(List.of(SampleSet.images().get(0)), a);
        DockerArchive.write(List.of(SampleSet.images().get(2)), c);
        int states = Integer.getInteger("campaign.states", 8);
        long seed = Long.getLong("campaign.seed", 1);
        Campaign.Summary s = Campaign.run(new Campaign.Options(List.of(a, c), Optional.empty(), Optional.empty(), states, seed,
                CrashStates.Shard.ALL, Optional.empty(), work.resolve("run"), Dockfsck.launcher(launcher), false,
                Boolean.getBoolean("campaign.pull")), System.out);
        String table = Reports.markdown(s.results());
        System.out.println(table);
        Files.writeString(work.resolve("table.md"), table);
        Files.writeString(work.resolve("junit.xml"), Reports.junit(s.results(), "CampaignIT"));
        assertEquals(states, s.results().size());
        assertTrue(s.results().stream().anyMatch(r -> r.detected()), "some state is damaged and found");
        List<String> failed = s.results().stream().filter(r -> !r.healed())
                .map(r -> "state " + r.index() + " (" + r.description() + "): " + r.broken() + "\n  " + r.reproduce()).toList();
        assertEquals(List.of(), failed, "every state heals");
    }
}
