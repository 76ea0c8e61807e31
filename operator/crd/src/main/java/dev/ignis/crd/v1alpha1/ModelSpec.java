package dev.ignis.crd.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;

/** The model file and the precision to serve it at. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "self.uri.startsWith('http://') || self.uri.startsWith('https://')"
        + " || self.uri.startsWith('file:///')", message = "model.uri must be an http(s):// or file:/// URI")
public class ModelSpec {

    @Required
    @Pattern("^[a-z0-9][a-z0-9._-]{0,62}$")
    @JsonPropertyDescription("The model's name, as the endpoint's /v1/models reports it.")
    private String name;

    @Required
    @JsonPropertyDescription("Where the runtime fetches the model file: https://, http:// or file:/// (a path"
            + " inside the pod, e.g. on a mounted volume).")
    private String uri;

    @Pattern("^[0-9a-f]{64}$")
    @JsonPropertyDescription("Lower-case hex SHA-256 of the model file; the download is refused when it differs.")
    private String sha256;

    @JsonPropertyDescription("The file format; only gguf is supported.")
    private Format format = Format.gguf;

    @Required
    @JsonPropertyDescription("The precision to serve at; a source stored at lower precision cannot be served"
            + " at a higher one.")
    private Quantization quantization;

    /** File formats the runtime reads. */
    public enum Format { gguf }

    /** The management API's quantization names; the runtime converts a higher-precision source at load. */
    public enum Quantization { fp16, bf16, fp8, int8, int4 }

    public String getName() {
        return name;
    }

    public void setName(String name) {
        this.name = name;
    }

    public String getUri() {
        return uri;
    }

    public void setUri(String uri) {
        this.uri = uri;
    }

    public String getSha256() {
        return sha256;
    }

    public void setSha256(String sha256) {
        this.sha256 = sha256;
    }

    public Format getFormat() {
        return format;
    }

    public void setFormat(Format format) {
        this.format = format;
    }

    public Quantization getQuantization() {
        return quantization;
    }

    public void setQuantization(Quantization quantization) {
        this.quantization = quantization;
    }
}
