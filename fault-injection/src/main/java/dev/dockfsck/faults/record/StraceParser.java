package dev.dockfsck.faults.record;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads an strace log written with {@code -f -y -ttt -o FILE}: joins calls split by another
 * thread ({@code <unfinished ...>} / {@code <... name resumed>}) and keeps, in order of
 * completion, the calls that succeeded.
 */
public final class StraceParser {
    private static final Pattern LINE = Pattern.compile("^(\\d+)\\s+(?:\\d+\\.\\d+\\s+)?(.*)$");
    private static final Pattern RESUMED = Pattern.compile("^<\\.\\.\\. ([a-z0-9_]+) resumed>(.*)$");
    private static final Pattern CALL = Pattern.compile("^([a-z0-9_]+)\\((.*)\\)\\s+=\\s+(-?\\d+|0x[0-9a-f]+)(<(.*)>)?(\\s.*)?$");

    private StraceParser() {
    }

    public static List<Syscall> parse(Path log) throws IOException {
        return parse(Files.readAllLines(log, StandardCharsets.ISO_8859_1));
    }

    /** Lines are read as ISO-8859-1 so that every byte survives; paths are decoded by {@link #unquote}. */
    public static List<Syscall> parse(List<String> lines) {
        List<Syscall> out = new ArrayList<>();
        Map<Long, String> pending = new HashMap<>();
        for (String line : lines) {
            Matcher m = LINE.matcher(line);
            if (!m.matches()) {
                continue;
            }
            long tid = Long.parseLong(m.group(1));
            String rest = m.group(2);
            if (rest.startsWith("+++") || rest.startsWith("---")) {
                continue; // exits and signals
            }
            if (rest.endsWith("<unfinished ...>")) {
                pending.put(tid, rest.substring(0, rest.length() - "<unfinished ...>".length()).stripTrailing());
                continue;
            }
            Matcher r = RESUMED.matcher(rest);
            if (r.matches()) {
                String head = pending.remove(tid);
                if (head == null) {
                    continue;
                }
                String tail = r.group(2);
                rest = head.endsWith(",") || tail.startsWith(")") || tail.startsWith(",") || head.endsWith("(")
                        ? head + tail : head + " " + tail.stripLeading();
            }
            Matcher c = CALL.matcher(rest);
            if (!c.matches()) {
                continue; // failed (= -1 E...) calls match too; unparseable lines are skipped
            }
            String retText = c.group(3);
            long ret = retText.startsWith("0x") ? Long.parseUnsignedLong(retText.substring(2), 16) : Long.parseLong(retText);
            if (ret < 0) {
                continue;
            }
            out.add(new Syscall(tid, c.group(1), splitArgs(c.group(2)), ret, c.group(5) == null ? null : new String(unescape(c.group(5)), StandardCharsets.ISO_8859_1)));
        }
        return out;
    }

    /** Splits an argument list at top-level commas (not inside quotes, brackets, braces or {@code <path>}). */
    static List<String> splitArgs(String s) {
        List<String> out = new ArrayList<>();
        int depth = 0;
        boolean quoted = false;
        boolean inPath = false;
        StringBuilder cur = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (quoted) {
                cur.append(ch);
                if (ch == '\\' && i + 1 < s.length()) {
                    cur.append(s.charAt(++i));
                } else if (ch == '"') {
                    quoted = false;
                }
                continue;
            }
            if (inPath) {
                cur.append(ch);
                if (ch == '>') {
                    inPath = false;
                }
                continue;
            }
            switch (ch) {
                case '"' -> {
                    quoted = true;
                    cur.append(ch);
                }
                case '<' -> {
                    inPath = true;
                    cur.append(ch);
                }
                case '(', '[', '{' -> {
                    depth++;
                    cur.append(ch);
                }
                case ')', ']', '}' -> {
                    depth--;
                    cur.append(ch);
                }
                case ',' -> {
                    if (depth == 0) {
                        out.add(cur.toString().strip());
                        cur.setLength(0);
                    } else {
                        cur.append(ch);
                    }
                }
                default -> cur.append(ch);
            }
        }
        if (!cur.isEmpty() || !out.isEmpty()) {
            out.add(cur.toString().strip());
        }
        return out;
    }

    /** The bytes of a quoted strace string ({@code "..."}, C escapes; a trailing {@code ...} marks a cut). */
    public static byte[] unquote(String arg) {
        String s = arg;
        if (s.endsWith("...")) {
            s = s.substring(0, s.length() - 3);
        }
        if (s.length() < 2 || s.charAt(0) != '"' || s.charAt(s.length() - 1) != '"') {
            return s.getBytes(StandardCharsets.ISO_8859_1);
        }
        return unescape(s.substring(1, s.length() - 1));
    }

    static byte[] unescape(String s) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch != '\\' || i + 1 >= s.length()) {
                b.write(ch);
                continue;
            }
            char n = s.charAt(++i);
            switch (n) {
                case 'n' -> b.write('\n');
                case 't' -> b.write('\t');
                case 'r' -> b.write('\r');
                case 'v' -> b.write(0x0b);
                case 'f' -> b.write('\f');
                case 'x' -> {
                    int end = i + 1;
                    while (end < s.length() && end < i + 3 && Character.digit(s.charAt(end), 16) >= 0) {
                        end++;
                    }
                    b.write(Integer.parseInt(s.substring(i + 1, end), 16));
                    i = end - 1;
                }
                default -> {
                    if (n >= '0' && n <= '7') {
                        int end = i;
                        while (end < s.length() && end < i + 3 && s.charAt(end) >= '0' && s.charAt(end) <= '7') {
                            end++;
                        }
                        b.write(Integer.parseInt(s.substring(i, end), 8));
                        i = end - 1;
                    } else {
                        b.write(n);
                    }
                }
            }
        }
        return b.toByteArray();
    }

    /**
     * A path as a byte string: each byte one char (ISO-8859-1), so that a name that is not UTF-8
     * survives; {@link RawRel#resolve} turns it into a path with those exact bytes.
     */
    public static String unquotePath(String arg) {
        return new String(unquote(arg), StandardCharsets.ISO_8859_1);
    }

    /** The path strace printed after a file descriptor ({@code 5</a/b>}), or null. */
    public static String fdPath(String arg) {
        int lt = arg.indexOf('<');
        if (lt < 0 || !arg.endsWith(">")) {
            return null;
        }
        String p = new String(unescape(arg.substring(lt + 1, arg.length() - 1)), StandardCharsets.ISO_8859_1);
        return p.endsWith(" (deleted)") ? p.substring(0, p.length() - " (deleted)".length()) : p;
    }

    /** The number of a file-descriptor argument ({@code 5</a/b>} or {@code AT_FDCWD</x>}: -100). */
    public static int fdNumber(String arg) {
        String n = arg.indexOf('<') >= 0 ? arg.substring(0, arg.indexOf('<')) : arg;
        return n.equals("AT_FDCWD") ? -100 : Integer.parseInt(n.strip());
    }
}
