package spintest_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/spinlocal/spinlocal/emulator/engine"
	"github.com/spinlocal/spinlocal/fakeapi/apitest"
	"github.com/spinlocal/spinlocal/spintest"
)

// testImage is the small image of the project's tests.
func testImage() string {
	if v := os.Getenv("SPINLOCAL_TEST_IMAGE"); v != "" {
		return v
	}
	return "spinlocal/busybox:latest"
}

// dockerWith returns the engine when it has every image, and skips the test otherwise
// (fails it under SPINLOCAL_REQUIRE_DOCKER=1).
func dockerWith(t *testing.T, images ...string) *engine.Docker {
	t.Helper()
	required := os.Getenv("SPINLOCAL_REQUIRE_DOCKER") == "1"
	skip := t.Skipf
	if required {
		skip = t.Fatalf
	}
	if testing.Short() && !required {
		t.Skip("needs Docker")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	eng, err := engine.NewDocker(ctx, slog.New(slog.DiscardHandler))
	if err != nil {
		skip("no Docker engine: %v", err)
	}
	t.Cleanup(func() { eng.Close() })
	for _, img := range images {
		if !eng.HasImage(t.Context(), img) {
			skip("image %s missing: run scripts/build-images.sh", img)
		}
	}
	return eng
}

func TestFlaskDemoPageThroughEndpoint(t *testing.T) {
	dockerWith(t, "spinlocal/flask-demo-web:1", "spinlocal/flask-demo-app:1",
		"spinlocal/flask-demo-db:1")
	port := apitest.FreePort(t)
	compose := filepath.Join(apitest.FlaskDemo(t, port), "docker-compose.yml")
	s := spintest.Up(t, spintest.Options{Files: []string{compose},
		Stack: "flask-demo", Audit: map[string]string{"port-not-allowed": "off"}})

	if got, want := s.Endpoint("web"), fmt.Sprintf("127.0.0.1:%d", port); got != want {
		t.Fatalf("Endpoint(web) = %s, want %s", got, want)
	}
	if got, want := s.URL("web"), fmt.Sprintf("http://127.0.0.1:%d", port); got != want {
		t.Fatalf("URL(web) = %s, want %s", got, want)
	}
	// Up returned with every service healthy, so the page answers at once.
	resp, err := http.Get(s.URL("web") + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK ||
		!regexp.MustCompile(`viewed \d+ times`).Match(body) {
		t.Fatalf("page: %d %s", resp.StatusCode, body)
	}
}

// After the test that called Up, Docker holds nothing of its daemon: no container and
// no volume, stack volumes and environment volumes alike.
func TestUpCleansUpEverything(t *testing.T) {
	eng := dockerWith(t, testImage())
	dir := filepath.Join(t.TempDir(), "keeper")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "docker-compose.yml")
	compose := "version: '2'\nservices:\n  app:\n    image: " + testImage() +
		"\n    command: [sleep, '600']\n    cap_drop: [ALL]\n    volumes:\n" +
		"      - data:/data\n      - cache:/cache\nvolumes:\n  data: {}\n"
	if err := os.WriteFile(file, []byte(compose), 0o644); err != nil {
		t.Fatal(err)
	}
	var daemonID string
	t.Run("up", func(t *testing.T) {
		s := spintest.Up(t, spintest.Options{Files: []string{file}})
		daemonID = s.DaemonID
		vols, err := eng.ListVolumes(t.Context(),
			map[string]string{engine.LabelDaemon: daemonID})
		if err != nil || len(vols) != 2 {
			t.Fatalf("volumes while up: %v %v", vols, err)
		}
	})
	if daemonID == "" {
		t.Fatal("Up did not return")
	}
	match := map[string]string{engine.LabelDaemon: daemonID}
	if list, err := eng.List(t.Context(), match); err != nil || len(list) != 0 {
		t.Errorf("containers left: %v %v", list, err)
	}
	if vols, err := eng.ListVolumes(t.Context(), match); err != nil || len(vols) != 0 {
		t.Errorf("volumes left: %v %v", vols, err)
	}
}
