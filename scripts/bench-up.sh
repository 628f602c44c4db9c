#!/usr/bin/env bash
# bench-up.sh: how much slower is `spinlocal up -d` than plain `docker run`?
#
# Starts one spinlocal daemon of its own (own port, temporary state dir, own
# Docker network prefix), then, BENCH_RUNS times each, measures wall time of:
#   (a) `spinlocal up -d` of fixtures/flask-demo into a fresh stack
#       (`spinlocal down` runs untimed between runs);
#   (b) `docker network create` + three `docker run -d` of the same images with
#       the same users, cap-drop ALL, network aliases db/app and web published on
#       127.0.0.1:PORT:8080 (removed untimed between runs).
# Both stop the clock at the same point: all three containers running. `up -d`
# returns only once every service is active; for (b) the clock stops when the
# last `docker run -d` returns. Each run is checked (untimed) to have exactly
# three running containers.
#
# The fixture publishes 60000. When that port is busy a copy of the fixture's
# compose files with another port is deployed instead (the fixture itself is
# never edited); (b) publishes the same port as (a).
#
# Prints per-run times, median and p90 (nearest rank) of each, and last a
# summary line:
#   up_vs_docker_run_ratio=R spinlocal_median_s=A docker_median_s=B
# Everything it makes (daemon, containers, networks, temp dir) is removed on exit.
#
# Environment:
#   BENCH_RUNS         runs of each variant (default 5)
#   BENCH_LISTEN       daemon address (default 127.0.0.1:17790; the next free
#                      port is taken when it is busy)
#   BENCH_PORT         first port to try for the published web port (default 60000)
#   BENCH_SPINLOCAL    spinlocal binary (default bin/spinlocal; `make build` when missing)
#   BENCH_TIMEOUT      seconds allowed for each up/down/docker step (default 120)
# Needs bash >= 5, docker, curl, ss (iproute2), timeout (coreutils).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
fixture=$root/fixtures/flask-demo

# Settings of the caller's own spinlocal (stack, files, url...) must not leak in.
for v in "${!SPINLOCAL_@}"; do unset "$v"; done

runs=${BENCH_RUNS:-5}
listen=${BENCH_LISTEN:-127.0.0.1:17790}
first_port=${BENCH_PORT:-60000}
bin=${BENCH_SPINLOCAL:-$root/bin/spinlocal}
step_timeout=${BENCH_TIMEOUT:-120}

# The fixture's images, users and aliases; checked against what spinlocal
# actually ran after the first (a) run.
img_web=spinlocal/flask-demo-web:1
img_app=spinlocal/flask-demo-app:1
img_db=spinlocal/flask-demo-db:1
user_web=33:33
user_app=1000:1000
user_db=999:999

log() { echo "bench-up: $*" >&2; }
die() {
	log "error: $*"
	exit 1
}

[[ $runs =~ ^[1-9][0-9]*$ ]] || die "BENCH_RUNS=$runs: want a positive integer"
[[ $step_timeout =~ ^[1-9][0-9]*$ ]] || die "BENCH_TIMEOUT=$step_timeout: want seconds"
[[ -n ${EPOCHREALTIME:-} ]] || die "needs bash >= 5 (EPOCHREALTIME)"
for cmd in docker curl ss timeout awk; do
	command -v "$cmd" >/dev/null 2>&1 || die "needs $cmd"
done
docker info >/dev/null 2>&1 || die "no Docker engine answers (scripts/docker-up.sh starts one)"
for img in "$img_web" "$img_app" "$img_db"; do
	docker image inspect "$img" >/dev/null 2>&1 ||
		die "image $img is missing (run scripts/build-images.sh flask-demo)"
done
if [[ ! -x $bin ]]; then
	log "building $bin"
	make -C "$root" build >&2
fi

bench_name=bench-up
# shellcheck source=scripts/bench-lib.sh
. "$root/scripts/bench-lib.sh"
extra_labels=("label=io.spinlocal.bench=$tag")

# --- the daemon -------------------------------------------------------------
start_daemon

# --- the compose project ------------------------------------------------------
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

# running_count FILTER...: how many containers matching all filters run.
running_count() {
	local -a args=()
	local f
	for f in "$@"; do args+=(--filter "$f"); done
	docker ps -q --filter status=running "${args[@]}" | wc -l
}

# elapsed START: seconds since START (an EPOCHREALTIME value).
elapsed() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }'; }

# --- (a) spinlocal up -d ---------------------------------------------------------
sl_times=()
for ((r = 1; r <= runs; r++)); do
	stack=$tag-$r
	failed_log=$tmp/up-$r.log
	t0=$EPOCHREALTIME
	timeout "$step_timeout" "$bin" up -d --url "$url" --state-dir "$state" \
		--timeout "${step_timeout}s" -f "$compose" --stack "$stack" >"$failed_log" 2>&1 ||
		die "spinlocal up -d (run $r) failed (exit $?)"
	t=$(elapsed "$t0")
	sl_times+=("$t")
	n=$(running_count "label=io.spinlocal.daemon=$daemon_id" "label=io.rancher.stack.name=$stack")
	[[ $n -eq 3 ]] || die "after spinlocal up -d (run $r) $n containers run, not 3"
	if ((r == 1)); then
		# Same images, users and capabilities as (b)?
		for svc in web app db; do
			img_var=img_$svc user_var=user_$svc
			want="${!img_var} ${!user_var} [ALL]"
			got=$(docker inspect --format '{{.Config.Image}} {{.Config.User}} {{.HostConfig.CapDrop}}' \
				"$(docker ps -q --filter "label=io.spinlocal.daemon=$daemon_id" \
					--filter "label=io.rancher.stack_service.name=$stack/$svc")")
			[[ $got == "$want" ]] || die "spinlocal ran $svc as '$got', (b) would run '$want'"
		done
	fi
	failed_log=$tmp/down-$r.log
	timeout "$step_timeout" "$bin" down --url "$url" --state-dir "$state" \
		--timeout "${step_timeout}s" --stack "$stack" >"$failed_log" 2>&1 ||
		die "spinlocal down (run $r) failed (exit $?)"
	n=$(docker ps -aq --filter "label=io.spinlocal.daemon=$daemon_id" \
		--filter "label=io.rancher.stack.name=$stack" | wc -l)
	[[ $n -eq 0 ]] || die "after spinlocal down (run $r) $n containers of $stack remain"
	failed_log=
	log "spinlocal up -d run $r: ${t}s"
done

# --- (b) docker network create + docker run -d ----------------------------------
dk_times=()
common=(--label "io.spinlocal.bench=$tag" --cap-drop ALL)
for ((r = 1; r <= runs; r++)); do
	net=$tag-net-$r
	names=("$tag-$r-db" "$tag-$r-app" "$tag-$r-web")
	t0=$EPOCHREALTIME
	timeout "$step_timeout" docker network create --label "io.spinlocal.bench=$tag" \
		"$net" >/dev/null
	timeout "$step_timeout" docker run -d "${common[@]}" --name "${names[0]}" \
		--user "$user_db" --network "$net" --network-alias db "$img_db" >/dev/null
	timeout "$step_timeout" docker run -d "${common[@]}" --name "${names[1]}" \
		--user "$user_app" --network "$net" --network-alias app "$img_app" >/dev/null
	timeout "$step_timeout" docker run -d "${common[@]}" --name "${names[2]}" \
		--user "$user_web" --network "$net" -p "127.0.0.1:$port:8080" "$img_web" >/dev/null
	t=$(elapsed "$t0")
	dk_times+=("$t")
	n=$(running_count "label=io.spinlocal.bench=$tag" "network=$net")
	[[ $n -eq 3 ]] || die "after docker run (run $r) $n containers run, not 3"
	timeout "$step_timeout" docker rm -f "${names[@]}" >/dev/null
	timeout "$step_timeout" docker network rm "$net" >/dev/null
	log "docker network create + run -d run $r: ${t}s"
done

# --- statistics ---------------------------------------------------------------
# stats T...: "median p90" (p90 by nearest rank: with 5 runs it is the slowest).
stats() {
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
		END {
			med = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			k = int(0.9 * NR); if (k < 0.9 * NR) k++
			printf "%.3f %.3f\n", med, v[k]
		}'
}
read -r sl_med sl_p90 < <(stats "${sl_times[@]}")
read -r dk_med dk_p90 < <(stats "${dk_times[@]}")
ratio=$(awk -v a="$sl_med" -v b="$dk_med" 'BEGIN { printf "%.2f", a / b }')

echo "runs=$runs published_port=$port"
echo "spinlocal up -d:                runs_s=${sl_times[*]} median_s=$sl_med p90_s=$sl_p90"
echo "docker network create + run -d: runs_s=${dk_times[*]} median_s=$dk_med p90_s=$dk_p90"
echo "up_vs_docker_run_ratio=$ratio spinlocal_median_s=$sl_med docker_median_s=$dk_med"
