package dev.dockfsck.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Man pages (troff, section 1) and bash completion generated from the picocli model of every
 * command, at build time ({@code mvn package} runs {@code Docs <dir>} into {@code cli/target}).
 * Nothing here is hand-written per command: a new option appears in both on the next build.
 */
public final class Docs {
    private Docs() {
    }

    /** {@code Docs DIR}: writes DIR/man/dockfsck*.1 and DIR/completion/dockfsck.bash. */
    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: Docs DIR");
            System.exit(16);
        }
        write(Path.of(args[0]));
    }

    /** Writes them; returns the files written. */
    static List<Path> write(Path dir) throws IOException {
        CommandLine cl = all();
        List<Path> out = new ArrayList<>();
        Path man = Files.createDirectories(dir.resolve("man"));
        out.add(put(man.resolve("dockfsck.1"), manPage(cl, "dockfsck")));
        for (Map.Entry<String, CommandLine> e : cl.getSubcommands().entrySet()) {
            if (e.getKey().equals("help")) {
                continue;
            }
            out.add(put(man.resolve("dockfsck-" + e.getKey() + ".1"), manPage(e.getValue(), "dockfsck-" + e.getKey())));
        }
        Path completion = Files.createDirectories(dir.resolve("completion"));
        out.add(put(completion.resolve("dockfsck.bash"), picocli.AutoComplete.bash("dockfsck", cl)));
        return out;
    }

    /** The command line with every subcommand. */
    static CommandLine all() {
        return Main.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()));
    }

    private static Path put(Path file, String text) throws IOException {
        Files.writeString(file, text, StandardCharsets.UTF_8);
        return file;
    }

    /** One man page in troff's man macros. */
    static String manPage(CommandLine cl, String page) {
        CommandSpec spec = cl.getCommandSpec();
        String built = System.getProperty("dockfsck.version");
        String version = built != null ? "dockfsck " + built : new VersionProvider().getVersion()[0];
        StringBuilder b = new StringBuilder();
        b.append(".\\\" generated from the picocli model by dev.dockfsck.cli.Docs: do not edit\n");
        b.append(".TH ").append(page.toUpperCase(java.util.Locale.ROOT)).append(" 1 \"\" \"").append(esc(version))
                .append("\" \"dockfsck manual\"\n");
        String[] desc = spec.usageMessage().description();
        b.append(".SH NAME\n").append(esc(page)).append(" \\- ").append(esc(firstSentence(desc.length > 0 ? desc[0] : ""))).append('\n');
        b.append(".SH SYNOPSIS\n.nf\n");
        String synopsis = cl.getHelp().synopsis(0).strip();
        b.append(esc(synopsis.replaceAll("\\s+", " "))).append("\n.fi\n");
        b.append(".SH DESCRIPTION\n");
        for (String d : desc) {
            if (!d.isBlank()) {
                b.append(para(d)).append(".PP\n");
            }
        }
        if (!spec.subcommands().isEmpty()) {
            b.append(".SH COMMANDS\n");
            for (Map.Entry<String, CommandLine> e : spec.subcommands().entrySet()) {
                String[] sd = e.getValue().getCommandSpec().usageMessage().description();
                b.append(".TP\n.B ").append(esc(e.getKey())).append('\n')
                        .append(para(sd.length > 0 ? firstSentence(sd[0]) : ""));
            }
        }
        if (!spec.options().isEmpty()) {
            b.append(".SH OPTIONS\n");
            for (OptionSpec o : spec.options()) {
                if (o.hidden()) {
                    continue;
                }
                b.append(".TP\n");
                List<String> names = new ArrayList<>();
                for (String n : o.names()) {
                    names.add("\\fB" + esc(n) + "\\fR");
                }
                b.append(String.join(", ", names));
                if (o.arity().max() > 0 && !o.paramLabel().isEmpty()) {
                    b.append(" \\fI").append(esc(o.paramLabel())).append("\\fR");
                }
                b.append('\n');
                String text = String.join(" ", o.description());
                text = text.replace("${DEFAULT-VALUE}", String.valueOf(o.defaultValue()));
                if (o.completionCandidates() != null) {
                    List<String> cands = new ArrayList<>();
                    o.completionCandidates().forEach(cands::add);
                    text = text.replace("${COMPLETION-CANDIDATES}", String.join(", ", cands));
                }
                b.append(para(text));
            }
        }
        List<String> codes = new ArrayList<>(spec.usageMessage().exitCodeList().keySet());
        if (!codes.isEmpty()) {
            b.append(".SH EXIT STATUS\n");
            spec.usageMessage().exitCodeList().forEach((k, v) -> b.append(".TP\n.B ").append(esc(k.strip())).append('\n')
                    .append(para(v)));
        }
        b.append(".SH SEE ALSO\n");
        List<String> see = new ArrayList<>();
        for (String c : all().getSubcommands().keySet()) {
            if (!c.equals("help") && !("dockfsck-" + c).equals(page)) {
                see.add("\\fB" + esc("dockfsck-" + c) + "\\fR(1)");
            }
        }
        if (!page.equals("dockfsck")) {
            see.add(0, "\\fBdockfsck\\fR(1)");
        }
        see.add("\\fBe2fsck\\fR(8)");
        b.append(String.join(", ", see)).append('\n');
        return b.toString();
    }

    private static String firstSentence(String s) {
        int dot = s.indexOf(". ");
        return (dot < 0 ? s : s.substring(0, dot + 1)).strip();
    }

    /** Text as a troff paragraph: escaped, no line starting with a control character. */
    private static String para(String s) {
        return esc(s.strip()) + "\n";
    }

    static String esc(String s) {
        String t = s.replace("\\", "\\e").replace("-", "\\-").replace("%n", " ");
        t = t.replaceAll("\u001b\\[[0-9;]*m", "");
        if (t.startsWith(".") || t.startsWith("'")) {
            t = "\\&" + t;
        }
        return t.replace("\n.", "\n\\&.").replace("\n'", "\n\\&'");
    }
}
