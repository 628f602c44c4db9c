#!/usr/bin/env bash
# bench-proxy.sh: requests per second through spinlocal's reverse proxy against the same
# requests sent straight to the service, and DNS answers per second of the embedded DNS
# server. Runs the Go benchmarks BenchmarkProxyVsDirect (8 keep-alive clients, small
# responses, plain HTTP and HTTPS terminated by the proxy) and BenchmarkDNSAnswers; needs
# no Docker. Prints a last line:
#   direct_req_s=A proxy_http_req_s=B proxy_https_req_s=C http_ratio=D https_ratio=E dns_answers_s=F
#
# Environment:
#   BENCH_REQUESTS   requests per side (default 20000)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
requests=${BENCH_REQUESTS:-20000}

out=$(go test -run '^$' -bench 'ProxyVsDirect' -benchtime "${requests}x" ./proxy/)
echo "$out" >&2
dns=$(go test -run '^$' -bench 'DNSAnswers' -benchtime 3s ./dnsserver/)
echo "$dns" >&2

# metric NAME TEXT: the value printed before the unit NAME in a benchmark line.
metric() {
	awk -v unit="$1" '/^Benchmark/ { for (i = 2; i <= NF; i++) if ($i == unit) print $(i-1) }' \
		<<<"$2"
}
echo "direct_req_s=$(metric direct-req/s "$out") proxy_http_req_s=$(metric proxy-http-req/s \
"$out") proxy_https_req_s=$(metric proxy-https-req/s "$out") http_ratio=$(metric http-ratio \
"$out") https_ratio=$(metric https-ratio "$out") dns_answers_s=$(metric queries/s "$dns")"
