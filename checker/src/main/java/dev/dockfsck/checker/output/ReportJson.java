package dev.dockfsck.checker.output;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dockfsck.checker.Finding;
import dev.dockfsck.checker.Report;
import dev.dockfsck.checker.Subject;
import dev.dockfsck.checker.Summary;
import java.io.IOException;
import java.io.OutputStream;

/**
 * The machine-readable report ({@code --format json}); its schema is documented in
 * docs/report-format.md and versioned by the {@code schema} field. The JSON shape lives here only.
 */
public final class ReportJson {
    public static final String SCHEMA = "dockfsck.report/v1";
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);

    private ReportJson() {
    }

    public static ObjectNode toJson(Report r) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("schema", SCHEMA);
        root.put("root", r.store().root().toString());
        root.put("driver", r.store().driver());
        root.put("deep", r.deep());
        root.put("clean", r.clean());
        ObjectNode s = root.putObject("summary");
        counts(s.putObject("images"), r.summary().images());
        counts(s.putObject("layers"), r.summary().layers());
        counts(s.putObject("containers"), r.summary().containers());
        s.put("bytes_reclaimable", r.summary().bytesReclaimable());
        s.put("errors", r.summary().errors());
        s.put("warnings", r.summary().warnings());
        s.put("infos", r.summary().infos());
        ArrayNode findings = root.putArray("findings");
        for (Finding f : r.findings()) {
            findings.add(finding(f));
        }
        return root;
    }

    public static ObjectNode finding(Finding f) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("code", f.code().name());
        n.put("severity", f.severity().label());
        subject(n.putObject("subject"), f.subject());
        n.put("path", f.path());
        n.put("message", f.message());
        n.set("evidence", MAPPER.valueToTree(f.evidence()));
        n.put("consequence", f.consequence());
        ArrayNode affects = n.putArray("affects");
        f.affects().forEach(a -> subject(affects.addObject(), a));
        return n;
    }

    private static void subject(ObjectNode n, Subject s) {
        n.put("kind", s.kind().label());
        n.put("id", s.id());
    }

    private static void counts(ObjectNode n, Summary.Counts c) {
        n.put("checked", c.checked());
        n.put("healthy", c.healthy());
        n.put("damaged", c.damaged());
    }

    public static void write(Report r, OutputStream out) throws IOException {
        MAPPER.writeValue(out, toJson(r));
        out.write('\n');
        out.flush();
    }
}
