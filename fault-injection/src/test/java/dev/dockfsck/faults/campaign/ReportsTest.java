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
        assertTrue(md.contains("| **all** | 4 | 2 | 2 | 1 | 3 | 0 | 1 | 1 | 1 |"), md);
        assertTrue(md.contains("| layerdb | 2 | 1 | 2 | 1 | 2 | 0 | 0 | 0 | 0 |"), md);
        assertTrue(md.contains("| imagedb | 2 | 1 | 0 | 0 | 1 | 0 | 1 | 1 | 1 |"), md);
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
}
