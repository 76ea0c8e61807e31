package dev.ignis.controlplane.model;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

/** A model as the API shows it, with the quantizations it can be deployed at and their weight sizes. */
public record ModelResponse(UUID id, String name, UUID projectId, ModelOrigin origin, ModelTask task,
                            String architecture, Long parameterCount, Integer maxContext, String licence,
                            String description, Source source, Long sizeBytes, ModelStatus status,
                            String statusMessage, List<QuantizationOption> quantizations, List<String> tags,
                            Instant createdAt, Instant updatedAt) {

    public record Source(String uri, String sha256, String format, String storedPrecision) {
    }

    /** A deployable variant: {@code name:quantization} and the bytes its weights take at that precision. */
    public record QuantizationOption(Quantization quantization, String variant, Long weightBytes) {
    }

    public record Page(List<ModelResponse> models, long totalCount) {
    }

    static ModelResponse of(ModelEntity e) {
        List<QuantizationOption> options = e.storedPrecision == null ? List.of()
                : StoredPrecision.servable(e.storedPrecision).stream()
                .map(q -> new QuantizationOption(q, e.name + ":" + q,
                        e.parameterCount == null ? null : q.weightBytes(e.parameterCount)))
                .toList();
        return new ModelResponse(e.id, e.name, e.projectId, e.origin, e.task, e.architecture, e.parameterCount,
                e.maxContext, e.licence, e.description,
                new Source(e.sourceUri, e.sourceSha256, e.sourceFormat, e.storedPrecision), e.sizeBytes, e.status,
                e.statusMessage, options, Arrays.asList(e.tags), e.createdAt, e.updatedAt);
    }
}
