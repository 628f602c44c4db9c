package dnsname

import "testing"

func TestPublicLowerCasesAndTrimsTheZone(t *testing.T) {
	got := Public("Web", "MyStack", "dev-cattle", ".Stable.Spin.Nersc.Org.")
	if want := "web.mystack.dev-cattle.stable.spin.nersc.org"; got != want {
		t.Errorf("Public = %q, want %q", got, want)
	}
	if got := Public("db", "s", "sandbox", Localhost); got != "db.s.sandbox.localhost" {
		t.Errorf("twin = %q", got)
	}
}

func TestSplit(t *testing.T) {
	for _, tc := range []struct {
		qname      string
		want       Parts
		inZone, ok bool
	}{
		{"web.mystack.dev-cattle.stable.spin.nersc.org.",
			Parts{"web", "mystack", "dev-cattle"}, true, true},
		{"WEB.MyStack.Dev-Cattle.STABLE.spin.nersc.org", Parts{"web", "mystack", "dev-cattle"},
			true, true},
		{"stable.spin.nersc.org.", Parts{}, true, false},
		{"mystack.dev-cattle.stable.spin.nersc.org.", Parts{}, true, false},
		{"a.web.mystack.dev-cattle.stable.spin.nersc.org.", Parts{}, true, false},
		{"web..dev-cattle.stable.spin.nersc.org.", Parts{}, true, false},
		{"web.mystack.dev-cattle.nersc.gov.", Parts{}, false, false},
		{"xstable.spin.nersc.org.", Parts{}, false, false},
	} {
		p, inZone, ok := Split(tc.qname, Suffix)
		if p != tc.want || inZone != tc.inZone || ok != tc.ok {
			t.Errorf("Split(%q) = %v %v %v, want %v %v %v", tc.qname, p, inZone, ok,
				tc.want, tc.inZone, tc.ok)
		}
	}
	if _, inZone, _ := Split("web.s.e.localhost.", ""); inZone {
		t.Error("an empty zone matched")
	}
}

func TestPublishes(t *testing.T) {
	for _, tc := range []struct {
		ports []any
		want  bool
	}{
		{nil, false},
		{[]any{"80"}, false},
		{[]any{"80/tcp"}, false},
		{[]any{"8080:80/tcp"}, true},
		{[]any{"127.0.0.1:8080:80"}, true},
		{[]any{"80", "60000:5000/udp"}, true},
	} {
		if got := Publishes(map[string]any{"ports": tc.ports}); got != tc.want {
			t.Errorf("Publishes(%v) = %v", tc.ports, got)
		}
	}
}
