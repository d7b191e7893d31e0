#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# tools/deb.sh - `make deb`: the Debian packages nftrace (the tool, its man
# page, the extcap link, the udev rule) and nftrace-dkms (the module's
# source, which DKMS builds for every installed kernel), built from the
# files git tracks in this tree (with their uncommitted changes) with
# tools/debian/ as debian/, then checked by lintian. Needs what
# `tools/install-deps.sh --deb` installs. The .debs land in build/deb/.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"

for t in dpkg-buildpackage dh dh_dkms lintian; do
	command -v $t >/dev/null ||
		{ echo "deb: no $t: tools/install-deps.sh --deb" >&2; exit 1; }
done

version=$(dpkg-parsechangelog -l tools/debian/changelog -SVersion)
out=$repo/build/deb
src=$out/nftrace-$version
rm -rf "$out"
mkdir -p "$src"
git ls-files -z | tar --null -T - -cf - | tar -xf - -C "$src"
cp -r tools/debian "$src/debian"

(cd "$src" && dpkg-buildpackage -us -uc -b) > "$out/build.log" 2>&1 ||
	{ tail -n 40 "$out/build.log" >&2; echo "deb: build failed: $out/build.log" >&2; exit 1; }

debs=("$out"/nftrace*_"$version"_*.deb)
# Errors fail; warnings are shown (--fail-on error is lintian's default).
lintian --fail-on error --info "${debs[@]}" | tee "$out/lintian.log"
echo "deb: ${debs[*]#$repo/}"
