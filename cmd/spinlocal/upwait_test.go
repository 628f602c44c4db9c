package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/spinlocal/spinlocal/fakeapi/apitest"
)

// sickHealthCheck checks a port nothing listens on and never recreates, so app stays
// unready.
const sickHealthCheck = "version: '2'\nservices:\n  app:\n    health_check:\n" +
	"      port: 8080\n      interval: 500\n      response_timeout: 500\n" +
	"      healthy_threshold: 1\n      unhealthy_threshold: 1\n" +
	"      initializing_timeout: 1000\n      strategy: none\n"

// A service without a health check is ready once active; the service with
// start_on_create: false is not waited for.
func TestUpWaitWithoutHealthCheck(t *testing.T) {
	d := apitest.StartClean(t)
	requireImages(t, d, apitest.Image())
	file := writeProject(t, "plain", "version: '2'\nservices:\n  app:\n    image: "+
		apitest.Image()+"\n    command: [sleep, '600']\n  util-job:\n    image: "+
		apitest.Image()+"\n    command: [echo, done]\n",
		"version: '2'\nservices:\n  util-job:\n    start_on_create: false\n")
	out, code, err := runApp(t, nil, append([]string{"up", "-d", "--wait", "-f", file},
		daemonArgs(d)...)...)
	if code != 0 || !strings.Contains(out, "Stack plain is ready") {
		t.Fatalf("status %d, err %v:\n%s", code, err, out)
	}
}

// up --wait on a stack that does not get healthy fails with the service's state, message
// and last log lines, and leaves the stack deployed as up always does.
func TestUpWaitReportsAnUnhealthyService(t *testing.T) {
	d := apitest.StartClean(t)
	requireImages(t, d, apitest.Image())
	file := writeProject(t, "sick", "version: '2'\nservices:\n  app:\n    image: "+
		apitest.Image()+"\n    command: [sh, -c, 'echo hello-from-app; sleep 600']\n",
		sickHealthCheck)
	out, code, err := runApp(t, nil, append([]string{"up", "-d", "--wait", "--timeout",
		"4s", "-f", file}, daemonArgs(d)...)...)
	if code != 1 || err == nil {
		t.Fatalf("status %d, err %v:\n%s", code, err, out)
	}
	for _, want := range []string{"stack sick is not ready", "timed out",
		"service app: state=active health=", "container sick-app-1: state=running",
		"cannot connect to port 8080", "| hello-from-app"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	stack, ferr := d.Client.FindByName(t.Context(), "stacks", "sick", nil)
	if ferr != nil || stack == nil {
		t.Errorf("the stack should stay deployed: %v %v", stack, ferr)
	}
}

// Without --wait, up returns once services are active even when unhealthy.
func TestUpWithoutWaitIgnoresHealth(t *testing.T) {
	d := apitest.StartClean(t)
	requireImages(t, d, apitest.Image())
	file := writeProject(t, "sick", "version: '2'\nservices:\n  app:\n    image: "+
		apitest.Image()+"\n    command: [sleep, '600']\n", sickHealthCheck)
	out, code, err := runApp(t, nil, append([]string{"up", "-d", "-f",
		filepath.Clean(file)}, daemonArgs(d)...)...)
	if code != 0 || strings.Contains(out, "is ready") {
		t.Fatalf("status %d, err %v:\n%s", code, err, out)
	}
}
