#!/usr/bin/env bash
# docker-up.sh: make sure a Docker engine answers on this machine.
#
# Idempotent. When `docker info` already works it exits at once. Otherwise it
# installs the Debian packages that are missing (docker.io, busybox-static,
# debootstrap), starts dockerd in the background and waits for it.
# Needs root on Debian bookworm.
#
# Environment:
#   DOCKERD_LOG      where dockerd writes its log (default /var/log/dockerd.log)
#   DOCKER_UP_WAIT   seconds to wait for the engine (default 60)
set -euo pipefail

log() { echo "docker-up: $*" >&2; }
die() { log "error: $*"; exit 1; }

# Package that provides each command we rely on.
declare -A pkg_for=(
	[dockerd]=docker.io
	[busybox]=busybox-static
	[debootstrap]=debootstrap
)
missing=()
for cmd in dockerd busybox debootstrap; do
	command -v "$cmd" >/dev/null 2>&1 || missing+=("${pkg_for[$cmd]}")
done
# The client may come from elsewhere (e.g. /usr/local/bin); docker.io has one.
if ! command -v docker >/dev/null 2>&1 && [[ " ${missing[*]} " != *" docker.io "* ]]; then
	missing+=(docker.io)
fi

if docker info >/dev/null 2>&1; then
	log "docker engine already running"
	# The image builds still want busybox-static and debootstrap; a laptop without
	# them can build from Docker Hub instead (see fixtures/flask-demo/README.md).
	missing=("${missing[@]/docker.io/}")
	read -r -a missing <<<"${missing[*]}"
	if ((${#missing[@]} > 0)) && [[ $(id -u) -eq 0 ]]; then
		log "installing ${missing[*]}"
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq
		apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
	elif ((${#missing[@]} > 0)); then
		log "note: ${missing[*]} missing; the image build will use Docker Hub images"
	fi
	exit 0
fi

if ((${#missing[@]} > 0)); then
	[[ $(id -u) -eq 0 ]] || die "need root to install: ${missing[*]}"
	log "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Start dockerd unless one is already alive (its pid file names a live
# process) but still starting up.
logfile=${DOCKERD_LOG:-/var/log/dockerd.log}
[[ -w $(dirname "$logfile") ]] || logfile=${TMPDIR:-/tmp}/dockerd.log
pidfile=/var/run/docker.pid
if ! { [[ -s $pidfile ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }; then
	[[ $(id -u) -eq 0 ]] || die "need root to start dockerd"
	log "starting dockerd (log: $logfile)"
	nohup dockerd >"$logfile" 2>&1 </dev/null &
	disown || true
fi

# Wait, bounded, for the engine to answer.
wait_s=${DOCKER_UP_WAIT:-60}
for ((i = 0; i < wait_s; i++)); do
	if docker info >/dev/null 2>&1; then
		log "docker engine ready after ${i}s"
		exit 0
	fi
	sleep 1
done
if [[ -f $logfile ]]; then
	log "last lines of $logfile:"
	tail -n 20 "$logfile" >&2
fi
die "docker engine did not answer within ${wait_s}s"
