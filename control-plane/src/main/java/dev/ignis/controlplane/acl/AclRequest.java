package dev.ignis.controlplane.acl;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import java.util.List;

/** A list of allowed-IP rules to add, or to replace the whole list with. */
public record AclRequest(@NotNull @Size(max = AclService.MAX_RULES) List<@NotNull @Valid Rule> acls) {

    /** @param ip an IPv4 or IPv6 address or CIDR */
    public record Rule(@NotNull @Size(max = 64) String ip, @Size(max = 200) String description) {
    }
}
