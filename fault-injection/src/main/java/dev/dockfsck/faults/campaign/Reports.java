package dev.dockfsck.faults.campaign;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

/** The campaign's tables (markdown, by crash phase) and JUnit XML (one testcase per state). */
public final class Reports {
    private Reports() {
    }

    public static String markdown(List<Campaign.Result> results) {
        Map<String, List<Campaign.Result>> byPhase = new TreeMap<>();
        results.forEach(r -> byPhase.computeIfAbsent(r.phase(), k -> new java.util.ArrayList<>()).add(r));
        StringBuilder b = new StringBuilder();
        b.append("| crash phase | states | consistent | detected | false positives | healed | agent redid the op | healthy objects lost | not healed | of which replayed unfaithfully | dockerd alone: run | dockerd alone: not ok |\n");
        b.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        byPhase.put("**all**", results);
        byPhase.forEach((phase, rs) -> b.append("| ").append(phase).append(" | ").append(rs.size())
                .append(" | ").append(count(rs, Campaign.Result::consistent))
                .append(" | ").append(count(rs, Campaign.Result::detected))
                .append(" | ").append(count(rs, r -> r.consistent() && r.detected()))
                .append(" | ").append(count(rs, Campaign.Result::healed))
                .append(" | ").append(count(rs, Campaign.Result::reloadedByAgent))
                .append(" | ").append(count(rs, Campaign.Result::healthyLost))
                .append(" | ").append(count(rs, r -> !r.healed()))
                .append(" | ").append(count(rs, r -> !r.healed() && !r.faithful()))
                .append(" | ").append(count(rs, r -> r.dockerdAlone() != null))
                .append(" | ").append(count(rs, r -> r.dockerdAlone() != null && !r.dockerdAlone().equals("ok"))).append(" |\n"));
        Map<String, Long> alone = new TreeMap<>();
        results.stream().filter(r -> r.dockerdAlone() != null)
                .forEach(r -> alone.merge(r.dockerdAlone().replaceAll("sha256:[0-9a-f]+|[0-9a-f]{12,}", "…").replaceAll("write-set-[0-9]+", "write-set-…"), 1L, Long::sum));
        if (!alone.isEmpty()) {
            b.append("\n| dockerd alone + agent: outcome | states |\n|---|---:|\n");
            alone.forEach((k, v) -> b.append("| ").append(k.replace("|", "\\|")).append(" | ").append(v).append(" |\n"));
        }
        return b.toString();
    }

    private static long count(List<Campaign.Result> rs, Predicate<Campaign.Result> p) {
        return rs.stream().filter(p).count();
    }

    public static String junit(List<Campaign.Result> results, String name) {
        StringBuilder b = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        double secs = results.stream().mapToLong(Campaign.Result::millis).sum() / 1000.0;
        b.append("<testsuite name=\"").append(esc(name)).append("\" tests=\"").append(results.size()).append("\" failures=\"")
                .append(count(results, r -> !r.healed())).append("\" errors=\"0\" skipped=\"0\" time=\"").append(secs).append("\">\n");
        for (Campaign.Result r : results) {
            b.append("  <testcase classname=\"dockfsck.faults.").append(esc(r.op())).append(".").append(esc(r.phase()))
                    .append("\" name=\"").append(r.kind().equals("kill-9") ? "kill " : "state ").append(r.index())
                    .append(": ").append(esc(r.description())).append("\" time=\"").append(r.millis() / 1000.0).append("\"");
            if (r.healed()) {
                b.append("/>\n");
            } else {
                b.append(">\n    <failure message=\"").append(esc(String.join("; ", r.broken()))).append("\">")
                        .append(esc("reproduce: " + r.reproduce())).append("</failure>\n  </testcase>\n");
            }
        }
        return b.append("</testsuite>\n").toString();
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
