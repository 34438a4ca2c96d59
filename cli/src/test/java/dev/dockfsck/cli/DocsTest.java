package dev.dockfsck.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/** Man pages and bash completion, generated from the picocli model: complete, valid, working. */
class DocsTest {
    @TempDir
    Path tmp;

    record Proc(int exit, String out) {
    }

    static Proc exec(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return new Proc(p.exitValue(), out);
    }

    @Test
    void everyCommandHasAManPageNamingEachOfItsOptionsAndExitCodes() throws Exception {
        Docs.write(tmp);
        CommandLine all = Docs.all();
        List<String> pages = new ArrayList<>();
        for (Map.Entry<String, CommandLine> e : all.getSubcommands().entrySet()) {
            if (e.getKey().equals("help")) {
                continue;
            }
            Path page = tmp.resolve("man/dockfsck-" + e.getKey() + ".1");
            pages.add(page.toString());
            String text = Files.readString(page, StandardCharsets.UTF_8);
            assertTrue(text.startsWith(".\\\" generated"), page.toString());
            assertTrue(text.contains(".TH DOCKFSCK-" + e.getKey().toUpperCase(java.util.Locale.ROOT) + " 1 "), text);
            for (String section : List.of(".SH NAME", ".SH SYNOPSIS", ".SH DESCRIPTION", ".SH OPTIONS", ".SH EXIT STATUS")) {
                assertTrue(text.contains(section + "\n"), page + ": " + section);
            }
            for (OptionSpec o : e.getValue().getCommandSpec().options()) {
                assertTrue(text.contains("\\fB" + o.longestName().replace("-", "\\-") + "\\fR"), page + ": " + o.longestName());
            }
            for (String code : e.getValue().getCommandSpec().usageMessage().exitCodeList().keySet()) {
                assertTrue(text.contains(".B " + code.strip() + "\n"), page + ": exit " + code);
            }
        }
        assertTrue(pages.size() >= 5, pages.toString());
        String main = Files.readString(tmp.resolve("man/dockfsck.1"), StandardCharsets.UTF_8);
        assertTrue(main.contains(".SH COMMANDS"), main);
        assertTrue(main.contains("\\fBdockfsck\\-repair\\fR(1)"), main);
        Path groff = Path.of("/usr/bin/groff");
        if (Files.isExecutable(groff)) {
            List<String> cmd = new ArrayList<>(List.of(groff.toString(), "-man", "-ww", "-z", "-Tutf8"));
            cmd.addAll(pages);
            Proc p = exec(cmd);
            assertEquals(0, p.exit(), p.out());
            assertEquals("", p.out(), "groff warned");
        }
    }

    /** Asks the generated completion what it offers after {@code words} (the last one being typed). */
    private List<String> complete(Path script, String... words) throws Exception {
        String line = String.join(" ", words);
        StringBuilder arr = new StringBuilder();
        for (String w : words) {
            arr.append('\'').append(w).append("' ");
        }
        String bash = "source '" + script + "'; COMP_WORDS=(" + arr + "); COMP_CWORD=" + (words.length - 1)
                + "; COMP_LINE='" + line + "'; COMP_POINT=${#COMP_LINE}; _complete_dockfsck 2>/dev/null; printf '%s\\n' \"${COMPREPLY[@]}\"";
        Proc p = exec(List.of("bash", "-c", bash));
        assertEquals(0, p.exit(), p.out());
        return p.out().lines().map(String::strip).filter(s -> !s.isEmpty()).toList();
    }

    @Test
    void theBashCompletionCompletesCommandsOptionsAndValues() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/bin/bash")), "bash is not installed");
        Docs.write(tmp);
        Path script = tmp.resolve("completion/dockfsck.bash");
        Proc syntax = exec(List.of("bash", "-n", script.toString()));
        assertEquals(0, syntax.exit(), syntax.out());
        assertTrue(complete(script, "dockfsck", "inv").contains("inventory"));
        assertTrue(complete(script, "dockfsck", "rep").contains("repair"));
        assertTrue(complete(script, "dockfsck", "repair", "--pr").contains("--preen"));
        assertTrue(complete(script, "dockfsck", "check", "--me").contains("--metrics"));
        assertEquals(List.of("json"), complete(script, "dockfsck", "check", "--format", "j"));
    }
}
