package dev.dockfsck.model.image;

/**
 * One entry of {@code repositories.json}: {@code "Repositories": {repository: {ref: target}}}.
 * The target is kept as written; the checker decides whether it is a valid image ID.
 */
public record Reference(String repository, String ref, String target) {
    /**
     * A tagged image name as dockerd keys it in {@code repositories.json} (its "familiar" form):
     * {@code docker.io/library/nginx:1} and {@code index.docker.io/library/nginx:1} are
     * {@code nginx:1}, {@code docker.io/acme/app:2} is {@code acme/app:2}; other names are kept.
     */
    public static String familiar(String name) {
        for (String hub : new String[] {"docker.io/", "index.docker.io/"}) {
            if (name.startsWith(hub)) {
                String rest = name.substring(hub.length());
                return rest.startsWith("library/") && rest.indexOf('/', "library/".length()) < 0
                        ? rest.substring("library/".length()) : rest;
            }
        }
        return name;
    }

    /** Whether a name is repo:tag (not a digest reference, not a bare image ID, not a name without tag). */
    public static boolean isTag(String name) {
        int slash = name.lastIndexOf('/');
        int colon = name.lastIndexOf(':');
        return colon > slash && colon < name.length() - 1 && !name.contains("@") && !name.startsWith("sha256:");
    }

    /** The repository part of a familiar tagged name ({@code acme/app:2} -> {@code acme/app}). */
    public static String repositoryOf(String familiarTagged) {
        int slash = familiarTagged.lastIndexOf('/');
        int colon = familiarTagged.lastIndexOf(':');
        return colon > slash ? familiarTagged.substring(0, colon) : familiarTagged;
    }
}
