package dev.dockfsck.faults.record;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * dockerd extracts archives in a re-executed child ({@code docker-untar}) that unshares its mount
 * namespace and {@code pivot_root}s into the destination: from then on the paths that child (and
 * every thread it makes) passes, and the paths strace prints for its descriptors, are relative to
 * that directory. This puts them back under the real one (seen in the first recording:
 * {@code write(8</2ac6.../layer.tar>, ...)} inside {@code root/tmp/docker-import-N}).
 */
final class ChrootPaths {
    /** arguments that are data or link targets, not paths: never rewritten */
    private static final Map<String, Set<Integer>> NOT_PATHS = Map.of("symlink", Set.of(0), "symlinkat", Set.of(0),
            "setxattr", Set.of(2), "lsetxattr", Set.of(2), "fsetxattr", Set.of(2), "write", Set.of(1),
            "pwrite64", Set.of(1), "writev", Set.of(1), "pwritev", Set.of(1), "execve", Set.of(0, 1, 2));

    private ChrootPaths() {
    }

    static List<Syscall> rewrite(List<Syscall> calls, String root) {
        Map<Long, Long> parent = new HashMap<>();
        for (Syscall c : calls) {
            if (c.name().startsWith("clone") || c.name().equals("fork") || c.name().equals("vfork")) {
                parent.putIfAbsent(c.ret(), c.tid());
            }
        }
        // the tid that exec'd each process image (the leader of its threads)
        Map<Long, Long> execd = new HashMap<>();
        Map<Long, String> newRoot = new HashMap<>();
        List<Syscall> out = new ArrayList<>(calls.size());
        for (Syscall c : calls) {
            if (c.name().equals("execve")) {
                execd.put(c.tid(), c.tid());
                newRoot.remove(c.tid());
            }
            Long leader = leader(c.tid(), parent, execd);
            String prefix = leader == null ? null : newRoot.get(leader);
            if (c.name().equals("pivot_root")) {
                String to = StraceParser.unquotePath(c.arg(0));
                if (prefix != null) {
                    to = prefix + to;
                }
                newRoot.put(leader == null ? c.tid() : leader, to.endsWith("/") ? to.substring(0, to.length() - 1) : to);
                if (leader == null) {
                    execd.put(c.tid(), c.tid());
                }
                out.add(c);
                continue;
            }
            out.add(prefix == null ? c : rewrite(c, prefix));
        }
        return out;
    }

    /** the exec'ing ancestor of {@code tid} (itself included), following clones */
    private static Long leader(long tid, Map<Long, Long> parent, Map<Long, Long> execd) {
        Long t = tid;
        for (int i = 0; t != null && i < 10_000; i++) {
            if (execd.containsKey(t)) {
                return t;
            }
            t = parent.get(t);
        }
        return null;
    }

    static Syscall rewrite(Syscall c, String prefix) {
        Set<Integer> keep = NOT_PATHS.getOrDefault(c.name(), Set.of());
        List<String> args = new ArrayList<>(c.args().size());
        for (int i = 0; i < c.args().size(); i++) {
            String a = c.arg(i);
            args.add(keep.contains(i) ? a : arg(a, prefix));
        }
        String ret = c.retPath() != null && c.retPath().startsWith("/") ? join(prefix, c.retPath()) : c.retPath();
        return new Syscall(c.tid(), c.name(), args, c.ret(), ret);
    }

    private static String arg(String a, String prefix) {
        if (a.startsWith("\"/")) {
            return "\"" + join(prefix, a.substring(1, a.endsWith("\"") ? a.length() - 1 : a.length())) + "\"";
        }
        int lt = a.indexOf('<');
        if (lt >= 0 && a.endsWith(">") && a.charAt(lt + 1) == '/') {
            return a.substring(0, lt + 1) + join(prefix, a.substring(lt + 1, a.length() - 1)) + ">";
        }
        return a;
    }

    private static String join(String prefix, String path) {
        return path.equals("/") ? prefix : prefix + path;
    }
}
