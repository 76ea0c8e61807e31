package dev.ignis.controlplane.model;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.util.List;

/** Import a custom model from a URI; its GGUF header fills in the facts that are not given. */
public record ModelImportRequest(
        @NotNull @Pattern(regexp = ModelImportRequest.NAME, message = ModelImportRequest.NAME_MESSAGE) String name,
        @NotBlank @Size(max = 2000) String sourceUri,
        @Pattern(regexp = "[0-9a-fA-F]{64}", message = "must be 64 hexadecimal characters") String sha256,
        ModelTask task,
        @Size(max = 100) String licence,
        @Size(max = 2000) String description,
        @Size(max = 20) List<@NotNull @Pattern(regexp = ModelImportRequest.TAG, message = ModelImportRequest.TAG_MESSAGE)
                String> tags) {

    public static final String NAME = "[a-z0-9][a-z0-9._-]{0,99}";
    public static final String NAME_MESSAGE =
            "must be 1-100 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit";
    public static final String TAG = "[A-Za-z0-9][A-Za-z0-9._:/-]{0,62}";
    public static final String TAG_MESSAGE = "must be 1-63 letters, digits or '.', '_', ':', '/', '-'";
}
