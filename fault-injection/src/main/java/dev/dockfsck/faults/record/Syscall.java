package dev.dockfsck.faults.record;

import java.util.List;

/**
 * One completed system call of an strace log ({@code strace -f -y}): its thread, name, arguments
 * as strace printed them, the return value and, for a call that returns a file descriptor, the
 * path strace printed with it.
 */
public record Syscall(long tid, String name, List<String> args, long ret, String retPath) {
    public Syscall {
        args = List.copyOf(args);
    }

    public String arg(int i) {
        return i < args.size() ? args.get(i) : "";
    }
}
