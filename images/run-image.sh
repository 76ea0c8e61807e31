#!/usr/bin/env bash
# Runs an image tarball that Jib wrote (OCI layout) without a container engine, to check it: unpacks its
# layers into a root filesystem and starts its entrypoint there with chroot, as user 10001, with /proc and
# /dev mounted in a private mount namespace. Needs root (for chroot). Extra arguments are passed as
# environment variables (NAME=value); IMAGE_BIND=host_dir:image_dir bind-mounts a directory (e.g. models).
#   images/run-image.sh runtime/server/target/jib-image.tar IGNIS_RUNTIME_MODEL=/models/m.gguf
set -euo pipefail
tarball=${1:?usage: run-image.sh IMAGE.tar [NAME=value ...]}
shift
work=$(mktemp -d /tmp/ignis-image.XXXXXX)
trap 'umount -R "$work/root/proc" "$work/root/dev" 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir -p "$work/oci" "$work/root"
tar --warning=no-unknown-keyword -xf "$tarball" -C "$work/oci"
blob() { echo "$work/oci/blobs/${1/://}"; }
manifest=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["manifests"][0]["digest"])' "$work/oci/index.json")
config=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["config"]["digest"])' "$(blob "$manifest")")
for layer in $(python3 -c 'import json,sys; print(" ".join(l["digest"] for l in json.load(open(sys.argv[1]))["layers"]))' "$(blob "$manifest")"); do
  tar --warning=no-unknown-keyword -xzf "$(blob "$layer")" -C "$work/root"
done
entrypoint=$(python3 -c '
import json, shlex, sys
c = json.load(open(sys.argv[1]))["config"]
print(shlex.join((c.get("Entrypoint") or []) + (c.get("Cmd") or [])))' "$(blob "$config")")
envs=$(python3 -c '
import json, shlex, sys
print(" ".join(shlex.quote(e) for e in json.load(open(sys.argv[1]))["config"].get("Env", [])))' "$(blob "$config")")
user=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["config"].get("User") or "0:0")' "$(blob "$config")")
mkdir -p "$work/root/proc" "$work/root/dev" "$work/root/tmp"
chmod 1777 "$work/root/tmp"
bind=""
if [ -n "${IMAGE_BIND:-}" ]; then
  mkdir -p "$work/root${IMAGE_BIND#*:}"
  bind="mount --bind ${IMAGE_BIND%%:*} $work/root${IMAGE_BIND#*:};"
fi
echo "run-image: $tarball as $user: $entrypoint" >&2
# Not exec'd: this shell stays to delete the unpacked image when the entrypoint ends, also when it is stopped
# (SIGTERM is passed on). The mounts live in the entrypoint's own mount namespace and go with it.
unshare -m sh -c "mount -t proc proc $work/root/proc; mount --rbind /dev $work/root/dev; $bind
  exec env -i $envs $(printf '%q ' "$@") /usr/sbin/chroot --userspec=$user $work/root $entrypoint" &
child=$!
trap 'kill -TERM "$child" 2>/dev/null || true' TERM INT
status=0
wait "$child" || status=$?
while kill -0 "$child" 2>/dev/null; do
  wait "$child" || status=$?
done
exit "$status"
