package dev.dockfsck.model.image;

/**
 * One entry of {@code repositories.json}: {@code "Repositories": {repository: {ref: target}}}.
 * The target is kept as written; the checker decides whether it is a valid image ID.
 */
public record Reference(String repository, String ref, String target) {
}
