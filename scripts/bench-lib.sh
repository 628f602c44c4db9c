# shellcheck shell=bash disable=SC2154
# bench-lib.sh: plumbing shared by the benchmark scripts, sourced, not run. It expects
# log, die, bin, listen and a prefix for the temporary directory (bench_name) from the
# script, and gives it a private daemon (daemon_pid, daemon_id, url, state, tmp, tag)
# that bench_cleanup removes with everything carrying its labels (plus extra_labels).

# port_busy PORT: something listens on PORT (or Docker publishes it).
port_busy() {
	[[ -n $(ss -Htln "sport = :$1") ]] && return 0
	docker ps --format '{{.Ports}}' | grep -Eq "(^|[ ,])[^ ,]*:$1->" && return 0
	return 1
}
# free_port FIRST: the first free port of FIRST..FIRST+99.
free_port() {
	local p
	for ((p = $1; p < $1 + 100 && p < 65536; p++)); do
		if ! port_busy "$p"; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/${bench_name:-bench}.XXXXXX")
state=$tmp/state
tag=slbench$$
daemon_pid=
daemon_id=
failed_log=
extra_labels=()

bench_cleanup() {
	local rc=$? pid i
	set +e
	trap - INT TERM
	if [[ -n $failed_log && -f $failed_log ]]; then
		log "last lines of $failed_log:"
		tail -n 30 "$failed_log" >&2
	fi
	if [[ $rc -ne 0 && -f $tmp/daemon.log ]]; then
		log "last lines of the daemon log:"
		tail -n 20 "$tmp/daemon.log" >&2
	fi
	# Stop the daemon first, or its reconciler would recreate what we remove.
	if [[ -n $daemon_pid ]] && kill -0 "$daemon_pid" 2>/dev/null; then
		kill -TERM "$daemon_pid"
		for ((i = 0; i < 100; i++)); do
			kill -0 "$daemon_pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -0 "$daemon_pid" 2>/dev/null && kill -KILL "$daemon_pid"
		wait "$daemon_pid" 2>/dev/null
	fi
	# `spinlocal up` starts a daemon by itself when none answers; should ours have
	# died, stop any such daemon: the one listening on our address with our state dir.
	for pid in $(ss -Htlnp "sport = :${listen##*:}" 2>/dev/null |
		grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u); do
		if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$state"; then
			log "stopping daemon $pid that spinlocal started by itself"
			kill -TERM "$pid"
		fi
	done
	# Then whatever carries our labels: containers first, then their networks.
	local -a labels=("${extra_labels[@]}")
	[[ -n $daemon_id ]] && labels+=("label=io.spinlocal.daemon=$daemon_id")
	local l ids
	for l in "${labels[@]}"; do
		ids=$(docker ps -aq --filter "$l")
		[[ -n $ids ]] && xargs docker rm -f <<<"$ids" >/dev/null
	done
	for l in "${labels[@]}"; do
		ids=$(docker network ls -q --filter "$l")
		[[ -n $ids ]] && xargs docker network rm <<<"$ids" >/dev/null
	done
	rm -rf "$tmp"
	exit "$rc"
}
trap bench_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# start_daemon: a private daemon on a free port near $listen, with its own state dir and
# network prefix; sets url, daemon_pid and daemon_id.
start_daemon() {
	local host=${listen%:*} lport health i
	lport=$(free_port "${listen##*:}") || die "no free port from ${listen##*:} for the daemon"
	listen=$host:$lport
	url=http://$listen
	"$bin" serve --listen "$listen" --state-dir "$state" --network-prefix "$tag" \
		>"$tmp/daemon.log" 2>&1 &
	daemon_pid=$!
	health=
	for ((i = 0; i < 300; i++)); do
		kill -0 "$daemon_pid" 2>/dev/null || die "the daemon exited at start"
		if health=$(curl -sf --max-time 2 "$url/healthz"); then break; fi
		sleep 0.1
	done
	[[ -n $health ]] || die "the daemon did not answer at $url/healthz within 30s"
	daemon_id=$(sed -n 's/.*"daemon" *: *"\([^"]*\)".*/\1/p' <<<"$health")
	[[ -n $daemon_id ]] || die "no daemon id in /healthz: $health"
	log "daemon $daemon_id (pid $daemon_pid) at $url, state dir $state"
}
