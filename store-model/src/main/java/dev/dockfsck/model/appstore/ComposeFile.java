package dev.dockfsck.model.appstore;

import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.dockfsck.model.Digest;
import dev.dockfsck.model.Texts;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The images an app's {@code docker-compose.yml} needs, as the OTA agent reads them: every service's
 * {@code image}, pinned as {@code host/repo[:tag]@sha256:<hex>}, is kept in the reset-apps store at
 * {@code images/<host>/<repo>/<hex>} of the app version. Services without an image (built ones) or
 * with an image pinned by tag only are not kept there and are skipped.
 */
final class ComposeFile {
    /** One pinned image a service needs. */
    record ImageRef(String service, String host, String repo, Digest digest) {
        /** The image directory below the app version's {@code images/}. */
        String dir() {
            return host + "/" + repo + "/" + digest.hex();
        }

        /** The name restore tags it with: {@code host/repo:<first 7 hex>}. */
        String name() {
            return ImageNames.shortTag(host + "/" + repo, digest.hex());
        }

        String reference() {
            return host + "/" + repo + "@" + digest;
        }
    }

    /** Why a compose file cannot be used. */
    static final class Invalid extends Exception {
        private static final long serialVersionUID = 1L;

        Invalid(String message) {
            super(message);
        }
    }

    /** Built on first use: only runs that read a reset-apps store pay for YAML. */
    private static final class Yaml {
        static final ObjectMapper MAPPER = new ObjectMapper(YAMLFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build())
                .build());
    }

    private ComposeFile() {
    }

    static List<ImageRef> images(byte[] yaml) throws Invalid {
        JsonNode root;
        try {
            root = Yaml.MAPPER.readTree(yaml);
        } catch (java.io.IOException | RuntimeException e) {
            String m = String.valueOf(e.getMessage());
            throw new Invalid("is not valid YAML: " + m.lines().findFirst().orElse(m));
        }
        JsonNode services = root == null ? null : root.get("services");
        if (services == null || !services.isObject()) {
            throw new Invalid("has no services");
        }
        List<ImageRef> out = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = services.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> s = it.next();
            JsonNode image = s.getValue().get("image");
            if (image == null || !image.isTextual() || !image.asText().contains("@")) {
                continue;
            }
            out.add(parse(s.getKey(), image.asText()));
        }
        return out;
    }

    private static ImageRef parse(String service, String ref) throws Invalid {
        int at = ref.indexOf('@');
        Optional<Digest> digest = Digest.tryParse(ref.substring(at + 1));
        String name = ref.substring(0, at);
        int slash = name.indexOf('/');
        int colon = name.lastIndexOf(':');
        if (colon > name.lastIndexOf('/')) {
            name = name.substring(0, colon); // host/repo:tag@sha256:...: the digest pins it
        }
        String host = slash < 0 ? "" : name.substring(0, slash);
        String repo = slash < 0 ? "" : name.substring(slash + 1);
        if (digest.isEmpty() || !ImageNames.isHost(host) || repo.isEmpty()
                || !Arrays.stream(repo.split("/", -1)).allMatch(ImageNames::isRepoComponent)) {
            throw new Invalid("names service " + Texts.quote(service) + "'s image as " + Texts.quote(ref)
                    + ", not host/repo@sha256:<64 hex>");
        }
        return new ImageRef(service, host, repo, digest.get());
    }
}
