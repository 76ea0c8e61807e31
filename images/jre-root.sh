#!/usr/bin/env bash
# Assembles the root filesystem the Ignis images run on, without Docker and without a registry: a JRE made with
# jlink from the build's own JDK, the C libraries it links against (taken from this machine), a passwd entry
# for the non-root user 10001 the pods run as, and /tmp. Jib layers the application on top of it (from scratch).
#   images/jre-root.sh OUT_DIR
set -euo pipefail
out=${1:?usage: jre-root.sh OUT_DIR}
java_home=${JAVA_HOME:?set JAVA_HOME to a JDK 25}
# Built once per build: the three images share it.
if [ -f "$out/.complete" ] && [ "$out/.complete" -nt "$java_home/release" ]; then
  echo "image root in $out: up to date"
  exit 0
fi
rm -rf "$out"
# /tmp is the user's home and Quarkus' scratch space; the pods mount an emptyDir over it (the root filesystem
# is read-only), so its mode here only matters without one.
mkdir -p "$out/opt" "$out/etc" "$out/tmp" "$out/proc" "$out/dev"
# The JDK's modules but its development tools (Quarkus, Fabric8 and the Vector API need a wide set); no debug
# symbols, man pages or headers.
modules=$("$java_home/bin/java" --list-modules | sed 's/@.*//' | grep -v '^jdk\.\(jshell\|javadoc\|compiler\|jdeps\|jlink\|jpackage\|jartool\|editpad\|hotspot\.agent\)$' | paste -sd, -)
# JDK 25 links from its own run-time image (JEP 493) when it ships no jmods.
"$java_home/bin/jlink" --add-modules "$modules" --strip-debug --no-man-pages --no-header-files \
  --compress=zip-6 --output "$out/opt/java"
# The dynamic loader and libraries the JRE's executables and libraries need, at the paths they expect.
# Only what a server uses: AWT, sound and font libraries would pull X11 into the image.
server_libs=$(find "$out/opt/java/lib" -name '*.so' \
  | grep -v -E '/lib(awt|awt_xawt|awt_headless|splashscreen|jsound|fontmanager|lcms|mlib_image|javajpeg|jawt)\.so$')
libs=$( (ldd "$out/opt/java/bin/java"; for so in $server_libs; do ldd "$so"; done) 2>/dev/null \
  | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\/lib/ {print $1}' | grep -v "^$out" | sort -u)
for lib in $libs; do
  mkdir -p "$out$(dirname "$lib")"
  cp -L "$lib" "$out$lib"
done
# The loader itself, as every ELF binary names it.
mkdir -p "$out/lib64"
cp -L /lib64/ld-linux-x86-64.so.2 "$out/lib64/"
cat > "$out/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/sbin/nologin
ignis:x:10001:10001:ignis:/tmp:/sbin/nologin
PASSWD
cat > "$out/etc/group" <<'GROUP'
root:x:0:
ignis:x:10001:
GROUP
touch "$out/.complete"
echo "image root in $out: $(du -sh "$out" | cut -f1)"
