package dev.dockfsck.faults.campaign;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.dockfsck.faults.crash.CrashStates;
import dev.dockfsck.faults.record.LocalRegistry;
import dev.dockfsck.fixtures.appstore.ResetAppsStore;
import dev.dockfsck.fixtures.dockerd.Dockerd;
import dev.dockfsck.fixtures.image.DockerArchive;
import dev.dockfsck.fixtures.image.SampleSet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The bounded campaign CI runs (issue 13: at least 60 crash states across load, pull and the
 * container ops, inside the CI's time budget, failing on any broken invariant), on a real dockerd,
 * each state run through check, repair, dockerd and restore by the built launcher
 * ({@code ./dockfsck}, cli/target/dockfsck.jar). Sample image A is the bystander (loaded first,
 * and the keeper container's image for the container ops), C the loaded / pulled / run / removed
 * one. Per operation: {@code -Dcampaign.<op>.states=N} power-cut states and
 * {@code -Dcampaign.<op>.kills=K} kill -9 states of seed {@code -Dcampaign.seed} (default 1); the
 * load's every 5th state also runs with dockerd alone plus the agent (the table's dockerd-alone
 * columns). The work dirs, tables and JUnit XML stay in target/campaign-it/OP.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CampaignIT {
    private static Campaign.Summary campaign(Campaign.Op op, int defaultStates, int defaultKills, int aloneEvery) throws Exception {
        Dockerd.assumeAvailable();
        assumeTrue(ResetAppsStore.available() && SampleSet.runnable(), "needs skopeo and busybox");
        if (op == Campaign.Op.PULL && System.getenv(Dockerd.REQUIRE_ENV) == null) {
            assumeTrue(LocalRegistry.available(), "needs docker-registry");
        }
        Path launcher = Path.of("../dockfsck").toAbsolutePath().normalize();
        // in cli's own module: failsafe runs after the jar is packaged, so a fresh `mvn verify` has it
        boolean built = Files.isRegularFile(Path.of("target/dockfsck.jar"));
        if (!built && System.getenv(Dockerd.REQUIRE_ENV) != null) {
            throw new AssertionError("the campaign needs cli/target/dockfsck.jar, which is not built (" + Dockerd.REQUIRE_ENV + " is set)");
        }
        assumeTrue(built, "needs the built jar (mvn -DskipTests package)");
        Path work = Path.of("target/campaign-it").resolve(op.word()).toAbsolutePath();
        if (Files.exists(work)) {
            Campaign.rm(work);
        }
        Files.createDirectories(work);
        Path a = work.resolve("a.tar");
        Path c = work.resolve("c.tar");
        DockerArchive.write(List.of(SampleSet.images().get(0)), a);
        DockerArchive.write(List.of(SampleSet.images().get(2)), c);
        int states = Integer.getInteger("campaign." + op.word() + ".states", defaultStates);
        int kills = Integer.getInteger("campaign." + op.word() + ".kills", defaultKills);
        long seed = Long.getLong("campaign.seed", 1);
        long t0 = System.nanoTime();
        Campaign.Summary s = Campaign.run(new Campaign.Options(List.of(a, c), Optional.empty(), Optional.empty(), states, seed,
                CrashStates.Shard.ALL, Optional.empty(), work.resolve("run"), Dockfsck.launcher(launcher), false, op, kills,
                Optional.empty(), aloneEvery), System.out);
        String table = Reports.markdown(s.results());
        System.out.println(table);
        System.out.printf("CampaignIT %s: %d states in %d s%n", op.word(), s.results().size(), (System.nanoTime() - t0) / 1_000_000_000);
        Files.writeString(work.resolve("table.md"), table);
        Files.writeString(work.resolve("junit.xml"), Reports.junit(s.results(), "CampaignIT " + op.word()));
        assertEquals(states + kills, s.results().size());
        assertEquals(kills, s.results().stream().filter(r -> r.kind().equals("kill-9")).count());
        List<String> failed = new java.util.ArrayList<>();
        for (Campaign.Result r : s.results()) {
            if (!r.healed()) {
                failed.add(r.kind() + " " + r.index() + " (" + r.description() + "): " + r.broken() + "\n  " + r.reproduce());
            }
        }
        assertEquals(List.of(), failed, "every state heals");
        return s;
    }

    @Test
    @Order(1)
    void everyCrashStateOfARealLoadHealsAndDockerdAloneIsShownOnASample() throws Exception {
        Campaign.Summary s = campaign(Campaign.Op.LOAD, 35, 3, 5);
        assertTrue(s.results().stream().anyMatch(Campaign.Result::detected), "some state is damaged and found");
        assertTrue(s.results().stream().filter(r -> r.dockerdAlone() != null).count() >= 7, "the dockerd-alone sample ran");
    }

    @Test
    @Order(2)
    void everyCrashStateOfARealPullHeals() throws Exception {
        Campaign.Summary s = campaign(Campaign.Op.PULL, 20, 2, 0);
        assertTrue(s.results().stream().allMatch(Campaign.Result::faithful), "every pull state replays faithfully");
    }

    @Test
    @Order(3)
    void everyCrashStateOfADockerRunHeals() throws Exception {
        campaign(Campaign.Op.RUN, 12, 2, 0);
    }

    @Test
    @Order(4)
    void everyCrashStateOfADockerRmHeals() throws Exception {
        campaign(Campaign.Op.RM, 8, 2, 0);
    }

    @Test
    @Order(5)
    void everyCrashStateOfADockerRmiHeals() throws Exception {
        Campaign.Summary s = campaign(Campaign.Op.RMI, 12, 2, 0);
        assertTrue(s.results().stream().anyMatch(Campaign.Result::detected), "some rmi state leaves debris and is found");
    }
}
