package dev.dockfsck.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * A run registers only the subcommand it names; help and usage errors still see them all (so does
 * demo, which runs check and repair itself: Main.run passes it no name, and the CDS training run of
 * the build fails if that breaks).
 */
class MainTest {
    record Out(CommandLine cl, StringWriter out, StringWriter err) {
    }

    static Out line(String only) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        return new Out(Main.commandLine(new PrintWriter(out, true), new PrintWriter(err, true), only), out, err);
    }

    @Test
    void aNamedSubcommandIsTheOnlyOneRegistered() {
        Out o = line("check");
        assertEquals(List.of("check"), List.copyOf(o.cl().getSubcommands().keySet()));
        assertEquals(0, o.cl().execute("check", "--help"));
        assertTrue(o.out().toString().contains("Usage: dockfsck check"), o.out().toString());
    }

    @Test
    void helpUnknownCommandsAndDemoSeeAllOfThem() {
        for (String first : List.of("help", "chek", "")) {
            // every command, in COMMANDS' order (other commands may sit between these)
            List<String> names = List.copyOf(line(first).cl().getSubcommands().keySet());
            assertEquals(List.of("check", "repair", "restore", "inventory", "reset", "demo", "help"),
                    names.stream().filter(List.of("check", "repair", "restore", "inventory", "reset", "demo", "help")::contains)
                            .toList(), first);
        }
        Out help = line("help");
        assertEquals(0, help.cl().execute("help", "repair"));
        assertTrue(help.out().toString().contains("Usage: dockfsck repair"), help.out().toString());
        Out typo = line("chek");
        assertEquals(ExitCodes.USAGE, typo.cl().execute("chek"));
        assertTrue(typo.err().toString().contains("Did you mean: dockfsck check"), typo.err().toString());
    }
}
