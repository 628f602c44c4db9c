#!/usr/bin/env bash
# build-images.sh: build the local images that tests and fixtures use,
# without Docker Hub.
#
# Usage: scripts/build-images.sh [--force] [busybox|debian|flask-demo]...
#   With no target it builds all three groups, in that order.
#   An image that already exists (and, for Dockerfile builds, was built from
#   the same context and base) is skipped unless --force is given. The
#   debootstrap tarball is always reused; delete it to make a fresh one.
#
# Images and the variables that rename them:
#   BUSYBOX_IMAGE         spinlocal/busybox:latest   FROM scratch + busybox-static
#   DEBIAN_IMAGE          spinlocal/debian:bookworm  debootstrap minbase, imported
#   BASE_IMAGE            base of the flask-demo images (default: DEBIAN_IMAGE;
#                         set it to debian:bookworm to use Docker Hub instead,
#                         then the debootstrap step is skipped)
#   FLASK_DEMO_WEB_IMAGE  spinlocal/flask-demo-web:1   nginx
#   FLASK_DEMO_APP_IMAGE  spinlocal/flask-demo-app:1   Flask + redis client
#   FLASK_DEMO_DB_IMAGE   spinlocal/flask-demo-db:1    redis-server
# Other settings:
#   SPINLOCAL_CACHE       where the debootstrap tarball is kept
#                         (default ${XDG_CACHE_HOME:-$HOME/.cache}/spinlocal)
#   DEBIAN_MIRROR         Debian mirror for debootstrap (default: the one in
#                         the host's apt sources, else deb.debian.org)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

BUSYBOX_IMAGE=${BUSYBOX_IMAGE:-spinlocal/busybox:latest}
DEBIAN_IMAGE=${DEBIAN_IMAGE:-spinlocal/debian:bookworm}
BASE_IMAGE=${BASE_IMAGE:-$DEBIAN_IMAGE}
FLASK_DEMO_WEB_IMAGE=${FLASK_DEMO_WEB_IMAGE:-spinlocal/flask-demo-web:1}
FLASK_DEMO_APP_IMAGE=${FLASK_DEMO_APP_IMAGE:-spinlocal/flask-demo-app:1}
FLASK_DEMO_DB_IMAGE=${FLASK_DEMO_DB_IMAGE:-spinlocal/flask-demo-db:1}
cache_dir=${SPINLOCAL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/spinlocal}

# The classic builder needs no buildx plugin and works with old engines.
export DOCKER_BUILDKIT=${DOCKER_BUILDKIT:-0}

log() { echo "build-images: $*" >&2; }
die() { log "error: $*"; exit 1; }

force=0
targets=()
for arg in "$@"; do
	case $arg in
	--force) force=1 ;;
	busybox | debian | flask-demo) targets+=("$arg") ;;
	-h | --help) sed -n '2,/^set -e/p' "$0" | sed '$d'; exit 0 ;;
	*) die "unknown argument: $arg" ;;
	esac
done
((${#targets[@]} > 0)) || targets=(busybox debian flask-demo)

# Temporary directories, removed on exit.
tmpdirs=()
trap 'rm -rf "${tmpdirs[@]}"' EXIT

have_image() { docker image inspect "$1" >/dev/null 2>&1; }

# label_of IMAGE: the io.spinlocal.context label of IMAGE, or nothing.
label_of() {
	docker image inspect -f '{{index .Config.Labels "io.spinlocal.context"}}' \
		"$1" 2>/dev/null || true
}

# build IMAGE ARGS...: docker build -t IMAGE ARGS, showing the output only
# when it fails.
build() {
	local image=$1 out
	shift
	if ! out=$(docker build -t "$image" "$@" 2>&1); then
		echo "$out" | tail -n 30 >&2
		die "building $image failed"
	fi
}

# timed NAME CMD...: run CMD and report how long it took, unless CMD set
# skipped=1 because there was nothing to do.
skipped=0
timed() {
	local name=$1 start=$SECONDS
	shift
	skipped=0
	"$@"
	((skipped)) || log "$name: built in $((SECONDS - start))s"
}

# --- busybox ------------------------------------------------------------

build_busybox() {
	if ((!force)) && have_image "$BUSYBOX_IMAGE"; then
		log "$BUSYBOX_IMAGE exists, skipping"
		skipped=1
		return
	fi
	local bb ctx
	if ! bb=$(command -v busybox); then
		# A laptop with Docker Hub can use the official image instead.
		if docker pull -q busybox:latest >/dev/null 2>&1; then
			log "no local busybox; using Docker Hub's busybox:latest as $BUSYBOX_IMAGE"
			docker tag busybox:latest "$BUSYBOX_IMAGE"
			return 0
		fi
		die "busybox not found: install busybox-static (apt-get install busybox-static)"
	fi
	# A dynamically linked busybox would not run in a scratch image.
	if ldd "$bb" >/dev/null 2>&1; then
		die "$bb is dynamically linked; install busybox-static"
	fi
	ctx=$(mktemp -d)
	tmpdirs+=("$ctx")
	mkdir -p "$ctx/rootfs/bin" "$ctx/rootfs/etc" "$ctx/rootfs/tmp" "$ctx/rootfs/root"
	chmod 1777 "$ctx/rootfs/tmp"
	cp "$bb" "$ctx/rootfs/bin/busybox"
	# One symlink per applet, all in /bin, which is on the default PATH.
	local applet
	for applet in $("$bb" --list); do
		[[ $applet == busybox ]] || ln -s busybox "$ctx/rootfs/bin/$applet"
	done
	printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' \
		'nobody:x:65534:65534:nobody:/nonexistent:/bin/false' >"$ctx/rootfs/etc/passwd"
	printf '%s\n' 'root:x:0:' 'nogroup:x:65534:' >"$ctx/rootfs/etc/group"
	cat >"$ctx/Dockerfile" <<-'EOF'
		FROM scratch
		COPY rootfs/ /
		CMD ["sh"]
	EOF
	build "$BUSYBOX_IMAGE" "$ctx"
}

# --- debian -------------------------------------------------------------

# debian_mirror: the Debian mirror named in the host's apt sources.
debian_mirror() {
	if [[ -n ${DEBIAN_MIRROR:-} ]]; then
		echo "$DEBIAN_MIRROR"
		return
	fi
	local files=() f
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
		/etc/apt/sources.list.d/*.sources; do
		[[ -f $f ]] && files+=("$f")
	done
	local found=""
	if ((${#files[@]} > 0)); then
		found=$(grep -hv '^[[:space:]]*#' "${files[@]}" |
			grep -Eo 'https?://[^ ]+' | grep -E '/debian/?$' | head -n 1 || true)
	fi
	echo "${found:-http://deb.debian.org/debian}"
}

# make_tarball: debootstrap into a temporary directory and tar it to
# $tarball, unless that file is already there. Bump the number in the name
# when container_tweaks changes.
tarball=$cache_dir/debian-bookworm-minbase-2.tar
make_tarball() {
	if [[ -s $tarball ]]; then
		log "using cached $tarball"
		skipped=1
		return
	fi
	command -v debootstrap >/dev/null || die "debootstrap not found (apt-get install debootstrap)"
	[[ $(id -u) -eq 0 ]] || die "debootstrap needs root"
	local mirror dir
	mirror=$(debian_mirror)
	mkdir -p "$cache_dir"
	dir=$(mktemp -d "$cache_dir/rootfs.XXXXXX")
	tmpdirs+=("$dir")
	log "debootstrap bookworm from $mirror (a minute or more)"
	if ! debootstrap --variant=minbase bookworm "$dir" "$mirror" \
		>"$cache_dir/debootstrap.log" 2>&1; then
		tail -n 20 "$cache_dir/debootstrap.log" >&2
		die "debootstrap failed; log in $cache_dir/debootstrap.log"
	fi
	container_tweaks "$dir"
	tar --numeric-owner -C "$dir" -cf "$tarball.tmp" .
	mv "$tarball.tmp" "$tarball"
	rm -rf "$dir"
}

# container_tweaks DIR: make a debootstrapped tree behave like a container
# base image: no service starts, no docs, no apt caches, no host files.
container_tweaks() {
	local dir=$1
	printf '#!/bin/sh\n# no daemons start inside image builds\nexit 101\n' \
		>"$dir/usr/sbin/policy-rc.d"
	chmod 755 "$dir/usr/sbin/policy-rc.d"
	cat >"$dir/etc/dpkg/dpkg.cfg.d/spinlocal-slim" <<-'EOF'
		# Keep images small: skip documentation, man pages and translations.
		path-exclude=/usr/share/doc/*
		path-include=/usr/share/doc/*/copyright
		path-exclude=/usr/share/man/*
		path-exclude=/usr/share/info/*
		path-exclude=/usr/share/locale/*
	EOF
	cat >"$dir/etc/apt/apt.conf.d/spinlocal-clean" <<-'EOF'
		// Drop downloaded packages after each install.
		DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/*.bin || true"; };
		APT::Install-Recommends "false";
	EOF
	rm -rf "$dir"/var/lib/apt/lists/* "$dir"/var/cache/apt/archives/*.deb \
		"$dir"/var/cache/apt/*.bin "$dir"/var/log/*.log \
		"$dir"/usr/share/man/* "$dir"/usr/share/info/*
	find "$dir/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias \
		-exec rm -rf {} +
	find "$dir/usr/share/doc" ! -type d ! -name copyright -delete
	# Docker provides these at run time.
	: >"$dir/etc/resolv.conf"
	: >"$dir/etc/hostname"
}

build_debian() {
	if ((!force)) && have_image "$DEBIAN_IMAGE"; then
		log "$DEBIAN_IMAGE exists, skipping"
		skipped=1
		return
	fi
	timed "debootstrap tarball" make_tarball
	docker import -c 'CMD ["/bin/bash"]' "$tarball" "$DEBIAN_IMAGE" >/dev/null
	skipped=0
}

# --- flask-demo ---------------------------------------------------------

# build_dockerfile IMAGE DIR: docker build DIR with --build-arg BASE, unless
# IMAGE already carries the hash of DIR's files and the base image id.
build_dockerfile() {
	local image=$1 dir=$2 hash
	hash=$( (cd "$dir" && find . -type f -print0 | sort -z | xargs -0 sha256sum
		docker image inspect -f '{{.Id}}' "$BASE_IMAGE" 2>/dev/null || echo "$BASE_IMAGE") |
		sha256sum | cut -c1-16)
	if ((!force)) && [[ $(label_of "$image") == "$hash" ]]; then
		log "$image is up to date, skipping"
		skipped=1
		return
	fi
	build "$image" --build-arg "BASE=$BASE_IMAGE" \
		--label "io.spinlocal.context=$hash" "$dir"
}

build_flask_demo() {
	local images=$root/fixtures/flask-demo/images
	# The local base must exist, or docker build would try to pull it.
	if [[ $BASE_IMAGE == "$DEBIAN_IMAGE" ]] && ! have_image "$DEBIAN_IMAGE"; then
		timed "$DEBIAN_IMAGE" build_debian
	fi
	timed "$FLASK_DEMO_DB_IMAGE" build_dockerfile "$FLASK_DEMO_DB_IMAGE" "$images/db"
	timed "$FLASK_DEMO_APP_IMAGE" build_dockerfile "$FLASK_DEMO_APP_IMAGE" "$images/app"
	timed "$FLASK_DEMO_WEB_IMAGE" build_dockerfile "$FLASK_DEMO_WEB_IMAGE" "$images/web"
}

# --- main ---------------------------------------------------------------

docker info >/dev/null 2>&1 || die "docker engine not reachable (run scripts/docker-up.sh)"
total=$SECONDS
for t in "${targets[@]}"; do
	case $t in
	busybox) timed "$BUSYBOX_IMAGE" build_busybox ;;
	debian)
		if [[ $BASE_IMAGE == "$DEBIAN_IMAGE" ]]; then
			timed "$DEBIAN_IMAGE" build_debian
		else
			log "BASE_IMAGE=$BASE_IMAGE, skipping $DEBIAN_IMAGE"
		fi
		;;
	flask-demo) build_flask_demo ;;
	esac
done
# Drop our own images that a rebuild left without a tag.
docker image prune -f --filter label=io.spinlocal.context >/dev/null
log "all done in $((SECONDS - total))s"
