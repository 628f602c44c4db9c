package main

import (
	"os"
	"strings"
	"testing"
)

func TestDNSPrintsResolverSetupFromTheEnvironment(t *testing.T) {
	t.Setenv("SPINLOCAL_DNS_LISTEN", "127.0.0.1:5353")
	t.Setenv("SPINLOCAL_DNS_SUFFIX", "Spin.Test.")
	out, err := run(t, "dns")
	if err != nil {
		t.Fatalf("dns: %v\n%s", err, out)
	}
	for _, want := range []string{
		"SERVICE.STACK.ENVIRONMENT.spin.test\n",
		"SERVICE.STACK.ENVIRONMENT.localhost\n",
		"/etc/systemd/resolved.conf.d/spinlocal.conf:\n",
		"DNS=127.0.0.1:5353\n  Domains=~spin.test\n",
		"/etc/resolver/spin.test:\n  nameserver 127.0.0.1\n  port 5353\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
	// systemd-resolved refuses a per-link server on the loopback device.
	if strings.Contains(out, "resolvectl dns lo") {
		t.Errorf("advice resolved refuses:\n%s", out)
	}
}

func TestDNSDefaultsAndBadAddress(t *testing.T) {
	for _, v := range []string{"SPINLOCAL_DNS_LISTEN", "SPINLOCAL_DNS_SUFFIX"} {
		t.Setenv(v, "") // restored after the test
		os.Unsetenv(v)
	}
	out, err := run(t, "dns", "--dns-listen", defaultDNSListen)
	if err != nil || !strings.Contains(out, "Domains=~stable.spin.nersc.org\n") ||
		!strings.Contains(out, "port 17653\n") {
		t.Errorf("defaults: %v\n%s", err, out)
	}
	if _, err := run(t, "dns", "--dns-listen", "nowhere"); err == nil ||
		!strings.Contains(err.Error(), "want HOST:PORT") {
		t.Errorf("bad address: %v", err)
	}
	if _, err := run(t, "dns", "--dns-suffix", "."); err == nil {
		t.Error("an empty suffix was taken")
	}
}
