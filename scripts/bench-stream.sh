#!/usr/bin/env bash
# bench-stream.sh: throughput of `rancher logs` and of exec stdin through spinlocal, as
# ratios to Docker's own on the same container. Runs the Go benchmarks
# BenchmarkLogsThroughput (a container's 20 MB log read whole through the API's logs
# websocket, as `rancher logs` does, against `docker logs`) and BenchmarkExecStdin (64 MiB
# piped into `wc -c` with `spinlocal exec -i` against `docker exec -i`). Needs a running
# Docker engine and the test image (scripts/build-images.sh). Prints a last line:
#   logs_api_mb_s=A logs_docker_mb_s=B logs_ratio=C exec_api_mib_s=D exec_docker_mib_s=E exec_ratio=F
#
# Environment:
#   BENCH_RUNS   runs of each benchmark (default 3)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
runs=${BENCH_RUNS:-3}
export SPINLOCAL_REQUIRE_DOCKER=1

logs=$(go test -run '^$' -bench 'LogsThroughput' -benchtime "${runs}x" ./fakeapi/ 2>&1 |
	grep -E '^(Benchmark|ok|FAIL|---)')
echo "$logs" >&2
execs=$(go test -run '^$' -bench 'ExecStdin' -benchtime "${runs}x" ./cmd/spinlocal/ 2>&1 |
	grep -E '^(Benchmark|ok|FAIL|---)')
echo "$execs" >&2

# metric UNIT TEXT: the value printed before UNIT in a benchmark line.
metric() {
	awk -v unit="$1" '/^Benchmark/ { for (i = 2; i <= NF; i++) if ($i == unit) print $(i-1) }' \
		<<<"$2"
}
echo "logs_api_mb_s=$(metric api-MB/s "$logs") logs_docker_mb_s=$(metric docker-MB/s \
"$logs") logs_ratio=$(metric ratio "$logs") exec_api_mib_s=$(metric api-MiB/s "$execs") \
exec_docker_mib_s=$(metric docker-MiB/s "$execs") exec_ratio=$(metric ratio "$execs")"
