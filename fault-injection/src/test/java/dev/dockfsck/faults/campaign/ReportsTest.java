package dev.dockfsck.faults.campaign;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

class ReportsTest {
    static Campaign.Result r(int i, String phase, boolean consistent, int check, List<String> broken) {
        return new Campaign.Result(i, phase, "crash after op " + i + " <x> & \"y\"", consistent, check, 1, 0, false, broken, 1500,
                "dockfsck faults campaign --only " + i, i != 2);
    }

    @Test
    void theTableCountsByPhaseAndTheJunitXmlHasOneTestcasePerStateWithItsFailure() throws Exception {
        List<Campaign.Result> rs = List.of(r(0, "layerdb", false, 4, List.of()), r(1, "layerdb", true, 4, List.of()),
                r(2, "imagedb", false, 0, List.of("bystander image abc lost")), r(3, "imagedb", true, 0, List.of()));
        String md = Reports.markdown(rs);
        assertTrue(md.contains("| **all** | 4 | 2 | 2 | 1 | 3 | 0 | 1 | 1 | 1 | 0 | 0 |"), md);
        assertTrue(md.contains("| layerdb | 2 | 1 | 2 | 1 | 2 | 0 | 0 | 0 | 0 | 0 | 0 |"), md);
        assertTrue(md.contains("| imagedb | 2 | 1 | 0 | 0 | 1 | 0 | 1 | 1 | 1 | 0 | 0 |"), md);
        Document d = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(Reports.junit(rs, "t").getBytes(StandardCharsets.UTF_8)));
        Element suite = d.getDocumentElement();
        assertEquals("4", suite.getAttribute("tests"));
        assertEquals("1", suite.getAttribute("failures"));
        assertEquals(4, suite.getElementsByTagName("testcase").getLength());
        Element failure = (Element) suite.getElementsByTagName("failure").item(0);
        assertEquals("bystander image abc lost", failure.getAttribute("message"));
        assertTrue(failure.getTextContent().contains("--only 2"), failure.getTextContent());
        assertTrue(Campaign.json(rs.get(2)).contains("\"reproduce\":\"dockfsck faults campaign --only 2\""));
        assertTrue(!Campaign.json(rs.get(0)).contains("reproduce"));
    }

    @Test
    void killStatesAndTheDockerdAloneOutcomesHaveTheirOwnRowsAndTable() {
        List<Campaign.Result> rs = List.of(
                new Campaign.Result(0, "layerdb", "crash after op 3", false, 4, 1, 0, false, List.of(), 10, "r", true, "power-cut", "load",
                        "redo-fails: image 1234567890ab neither restored nor re-loadable: rename /r/image/overlay2/layerdb/tmp/write-set-123 x: file exists"),
                new Campaign.Result(1, "layerdb", "crash after op 4", false, 4, 1, 0, false, List.of(), 10, "r", true, "power-cut", "load", "ok"),
                new Campaign.Result(0, "kill-9", "kill -9 ... 120 ms into docker load", false, 0, 0, 0, true, List.of(), 10, "r", true,
                        "kill-9", "load", null));
        String md = Reports.markdown(rs);
        assertTrue(md.contains("| layerdb | 2 | 0 | 2 | 0 | 2 | 0 | 0 | 0 | 0 | 2 | 1 |"), md);
        assertTrue(md.contains("| kill-9 | 1 | 0 | 0 | 0 | 1 | 1 | 0 | 0 | 0 | 0 | 0 |"), md);
        assertTrue(md.contains("| ok | 1 |"), md);
        assertTrue(md.contains("write-set-…"), md);
        assertTrue(Campaign.json(rs.get(0)).contains("\"dockerdAlone\":\"redo-fails"), Campaign.json(rs.get(0)));
        assertTrue(Campaign.json(rs.get(2)).contains("\"kind\":\"kill-9\""));
        assertTrue(Reports.junit(rs, "t").contains("name=\"kill 0: kill -9"), Reports.junit(rs, "t"));
    }
}
