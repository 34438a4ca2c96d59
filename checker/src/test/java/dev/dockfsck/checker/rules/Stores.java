package dev.dockfsck.checker.rules;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import dev.dockfsck.fixtures.image.ImageSpec;
import dev.dockfsck.fixtures.image.LayerSpec;
import dev.dockfsck.fixtures.image.BuiltImage;
import java.nio.file.FileSystem;

/** Small stores for rule tests. */
final class Stores {
    private Stores() {
    }

    static FileSystem jimfs() {
        return Jimfs.newFileSystem(Configuration.unix().toBuilder()
                .setAttributeViews("basic", "owner", "posix", "unix", "user").build());
    }

    /** Three tiny layers, one image: quick to build, enough for a chain. */
    static BuiltImage tiny(String tag) {
        return ImageSpec.builder(tag)
                .layer(LayerSpec.builder().dir("a").file("a/1", "one\n").build())
                .layer(LayerSpec.builder().dir("b").file("b/2", "two\n").build())
                .layer(LayerSpec.builder().dir("c").file("c/3", "three\n").build())
                .build();
    }
}
