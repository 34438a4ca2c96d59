package dev.dockfsck.model.appstore;

import java.util.Locale;
import java.util.regex.Pattern;

/** Validation of image names taken from untrusted directory names and JSON. */
public final class ImageNames {
    private static final String DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
    private static final String DOMAIN = DOMAIN_COMPONENT + "(?:\\." + DOMAIN_COMPONENT + ")*(?::[0-9]+)?";
    private static final String PATH_COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
    private static final String TAG = "[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}";
    private static final Pattern HOST = Pattern.compile(DOMAIN);
    private static final Pattern REPO_COMPONENT = Pattern.compile(PATH_COMPONENT);
    private static final Pattern TAG_ONLY = Pattern.compile(TAG);
    private static final Pattern NAME_TAG = Pattern.compile(
            "(?:" + DOMAIN + "/)?" + PATH_COMPONENT + "(?:/" + PATH_COMPONENT + ")*:" + TAG);
    private static final Pattern NAME = Pattern.compile(
            "(?:" + DOMAIN + "/)?" + PATH_COMPONENT + "(?:/" + PATH_COMPONENT + ")*");

    private ImageNames() {
    }

    public static boolean isHost(String s) {
        return s != null && s.length() <= 255 && HOST.matcher(s).matches();
    }

    public static boolean isRepoComponent(String s) {
        return s != null && s.length() <= 255 && REPO_COMPONENT.matcher(s).matches();
    }

    public static boolean isTag(String s) {
        return s != null && TAG_ONLY.matcher(s).matches();
    }

    /** {@code [host/]repo[/path]:tag}; no digest reference. */
    public static boolean isNameTag(String s) {
        return s != null && s.length() <= 512 && NAME_TAG.matcher(s).matches();
    }

    /** {@code [host/]repo[/path]} without tag. */
    public static boolean isName(String s) {
        return s != null && s.length() <= 512 && NAME.matcher(s).matches();
    }

    /**
     * The name an app-store image is loaded under, as the OTA agent tags it:
     * {@code host/repo:<first 7 hex of the digest its directory is named by>}.
     */
    static String shortTag(String hostRepo, String hex) {
        return hostRepo + ":" + hex.substring(0, 7);
    }

    /** A repository name made from a directory name: lower case, other characters replaced. */
    public static String repoFromDirName(String dir) {
        String s = dir.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9._-]", "-").replaceAll("^[^a-z0-9]+|[^a-z0-9]+$", "");
        s = s.replaceAll("[._-]{2,}", "-");
        return s.isEmpty() ? "image" : s;
    }
}
