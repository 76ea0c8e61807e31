package dev.ignis.crd.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * Endpoint key authentication. Either a Secret holds the accepted keys' SHA-256 hashes (comma-separated hex,
 * never the keys themselves), or authentication is switched off explicitly: there is no silent open default.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "has(self.secretName) != (has(self.disabled) && self.disabled)",
        message = "auth needs either secretName or disabled: true, not both")
public class AuthSpec {

    public static final String DEFAULT_KEY = "api-key-sha256";

    @JsonPropertyDescription("Secret in the same namespace holding the accepted endpoint keys' SHA-256 hashes.")
    private String secretName;

    @JsonPropertyDescription("Key inside the Secret; api-key-sha256 by default.")
    private String secretKey;

    @JsonPropertyDescription("true to serve without endpoint keys (the allowed source ranges still apply).")
    private Boolean disabled;

    public String getSecretName() {
        return secretName;
    }

    public void setSecretName(String secretName) {
        this.secretName = secretName;
    }

    public String getSecretKey() {
        return secretKey;
    }

    public void setSecretKey(String secretKey) {
        this.secretKey = secretKey;
    }

    public Boolean getDisabled() {
        return disabled;
    }

    public void setDisabled(Boolean disabled) {
        this.disabled = disabled;
    }

    public String secretKeyOrDefault() {
        return secretKey == null || secretKey.isBlank() ? DEFAULT_KEY : secretKey;
    }

    public boolean isDisabled() {
        return Boolean.TRUE.equals(disabled);
    }
}
