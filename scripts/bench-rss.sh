#!/usr/bin/env bash
# bench-rss.sh: resident memory of the spinlocal daemon, idle and with a stack.
#
# Starts a daemon of its own (own port, temporary state dir, own Docker network
# prefix), lets it idle 5 s and reads its VmRSS from /proc/PID/status; then
# deploys fixtures/flask-demo with `spinlocal up -d`, lets it idle 10 s and reads
# VmRSS again. The fixture publishes 60000; when that port is busy a copy of its
# compose files with another port is deployed (the fixture is never edited).
# Prints a last line:
#   idle_rss_mib=X deployed_rss_mib=Y
# The stack is removed with `spinlocal down`; the daemon, its containers and
# networks and the temp dir are removed on exit whatever happens.
#
# Environment:
#   BENCH_LISTEN       daemon address (default 127.0.0.1:17791; the next free
#                      port is taken when it is busy)
#   BENCH_PORT         first port to try for the published web port (default 60000)
#   BENCH_SPINLOCAL    spinlocal binary (default bin/spinlocal; `make build` when missing)
#   BENCH_TIMEOUT      seconds allowed for up/down (default 120)
# Needs docker, curl, ss (iproute2), timeout (coreutils), Linux /proc.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
fixture=$root/fixtures/flask-demo

# Settings of the caller's own spinlocal (stack, files, url...) must not leak in.
for v in "${!SPINLOCAL_@}"; do unset "$v"; done

listen=${BENCH_LISTEN:-127.0.0.1:17791}
first_port=${BENCH_PORT:-60000}
bin=${BENCH_SPINLOCAL:-$root/bin/spinlocal}
step_timeout=${BENCH_TIMEOUT:-120}

log() { echo "bench-rss: $*" >&2; }
die() {
	log "error: $*"
	exit 1
}

[[ $step_timeout =~ ^[1-9][0-9]*$ ]] || die "BENCH_TIMEOUT=$step_timeout: want seconds"
for cmd in docker curl ss timeout awk; do
	command -v "$cmd" >/dev/null 2>&1 || die "needs $cmd"
done
docker info >/dev/null 2>&1 || die "no Docker engine answers (scripts/docker-up.sh starts one)"
if [[ ! -x $bin ]]; then
	log "building $bin"
	make -C "$root" build >&2
fi

bench_name=bench-rss
# shellcheck source=scripts/bench-lib.sh
. "$root/scripts/bench-lib.sh"

# rss_mib: the daemon's VmRSS in MiB.
rss_mib() {
	local kb
	kill -0 "$daemon_pid" 2>/dev/null || die "the daemon (pid $daemon_pid) is gone"
	kb=$(awk '$1 == "VmRSS:" { print $2 }' "/proc/$daemon_pid/status")
	[[ -n $kb ]] || die "no VmRSS in /proc/$daemon_pid/status"
	awk -v kb="$kb" 'BEGIN { printf "%.1f", kb / 1024 }'
}

# --- the daemon -------------------------------------------------------------
start_daemon

sleep 5
idle=$(rss_mib)
log "idle RSS after 5 s: $idle MiB"

# --- one deploy -----------------------------------------------------------------
port=$(free_port "$first_port") || die "no free port from $first_port to publish web on"
compose=$fixture/docker-compose.yml
if [[ $port != 60000 ]]; then
	mkdir "$tmp/flask-demo"
	cp "$fixture/docker-compose.yml" "$fixture/rancher-compose.yml" "$tmp/flask-demo/"
	sed -i "s/^\([[:space:]]*-[[:space:]]*['\"]\{0,1\}\)60000:8080/\1$port:8080/" \
		"$tmp/flask-demo/docker-compose.yml"
	grep -q "$port:8080" "$tmp/flask-demo/docker-compose.yml" ||
		die "could not rewrite the fixture's port 60000 to $port"
	compose=$tmp/flask-demo/docker-compose.yml
	log "port 60000 is busy: deploying a copy of the fixture that publishes $port"
fi
stack=$tag
failed_log=$tmp/up.log
timeout "$step_timeout" "$bin" up -d --url "$url" --state-dir "$state" \
	--timeout "${step_timeout}s" -f "$compose" --stack "$stack" >"$failed_log" 2>&1 ||
	die "spinlocal up -d failed (exit $?)"
failed_log=
n=$(docker ps -q --filter status=running --filter "label=io.spinlocal.daemon=$daemon_id" \
	--filter "label=io.rancher.stack.name=$stack" | wc -l)
[[ $n -eq 3 ]] || die "after spinlocal up -d $n containers run, not 3"

sleep 10
deployed=$(rss_mib)
log "RSS with the stack deployed, after 10 s: $deployed MiB"

failed_log=$tmp/down.log
timeout "$step_timeout" "$bin" down --url "$url" --state-dir "$state" \
	--timeout "${step_timeout}s" --stack "$stack" >"$failed_log" 2>&1 ||
	die "spinlocal down failed (exit $?)"
failed_log=

echo "idle_rss_mib=$idle deployed_rss_mib=$deployed"
