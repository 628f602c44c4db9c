package secrets

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func mustOpen(t *testing.T, dir string) *Keyring {
	t.Helper()
	k, err := Open(dir)
	if err != nil {
		t.Fatalf("Open(%s): %v", dir, err)
	}
	return k
}

func TestKeyFileCreatedPrivateAndReused(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	k1 := mustOpen(t, dir)
	info, err := os.Stat(filepath.Join(dir, KeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 || info.Size() != keySize {
		t.Fatalf("key file: mode %v size %d, want 0600 and %d", info.Mode(), info.Size(),
			keySize)
	}
	sealed, err := k1.Seal([]byte("hunter2"))
	if err != nil {
		t.Fatal(err)
	}
	// A second daemon start reads the same key and opens what the first sealed.
	got, err := mustOpen(t, dir).Open(sealed)
	if err != nil || string(got) != "hunter2" {
		t.Fatalf("reopened keyring: %q, %v", got, err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("state dir holds %d files, want only the key", len(entries))
	}
}

func TestRoundTripAndFreshNonces(t *testing.T) {
	k := mustOpen(t, t.TempDir())
	for _, plain := range [][]byte{{}, []byte("x"), bytes.Repeat([]byte{0, 1, 2}, 5000)} {
		a, err := k.Seal(plain)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := k.Seal(plain)
		if bytes.Equal(a, b) {
			t.Fatalf("two seals of %d bytes are identical: nonce reused", len(plain))
		}
		// Only a plaintext of some length can be searched for: one byte turns up in random
		// ciphertext by chance.
		if len(plain) >= 16 && bytes.Contains(a, plain) {
			t.Fatalf("sealed data contains the plaintext")
		}
		got, err := k.Open(a)
		if err != nil || !bytes.Equal(got, plain) {
			t.Fatalf("open: %v (len %d, want %d)", err, len(got), len(plain))
		}
	}
}

func TestTamperingIsDetected(t *testing.T) {
	k := mustOpen(t, t.TempDir())
	sealed, err := k.Seal([]byte("db password"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range sealed {
		bad := bytes.Clone(sealed)
		bad[i] ^= 0x01
		if _, err := k.Open(bad); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("flipping byte %d: err %v, want ErrCorrupt", i, err)
		}
	}
	for _, n := range []int{0, 5, len(sealed) - 1} {
		if _, err := k.Open(sealed[:n]); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("truncated to %d bytes: err %v, want ErrCorrupt", n, err)
		}
	}
}

func TestWrongKeyFails(t *testing.T) {
	sealed, err := mustOpen(t, t.TempDir()).Seal([]byte("db password"))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := mustOpen(t, t.TempDir()).Open(sealed); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("other key opened it: %q, %v", got, err)
	}
}

func TestExposedKeyFileRefused(t *testing.T) {
	for _, mode := range []os.FileMode{0o640, 0o604, 0o660, 0o602} {
		dir := t.TempDir()
		mustOpen(t, dir)
		path := filepath.Join(dir, KeyFile)
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		_, err := Open(dir)
		if err == nil || !strings.Contains(err.Error(), "chmod 600") ||
			!strings.Contains(err.Error(), path) {
			t.Fatalf("mode %04o: err %v, want a refusal naming the file and the fix", mode,
				err)
		}
	}
}

func TestBadKeyFileRefused(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, KeyFile)
	if err := os.WriteFile(path, []byte("short"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir); err == nil || !strings.Contains(err.Error(), "holds 5 bytes") {
		t.Fatalf("short key: %v", err)
	}
	dir = t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, KeyFile), 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir); err == nil || !strings.Contains(err.Error(), "regular file") {
		t.Fatalf("directory as key: %v", err)
	}
}

func TestConcurrentFirstOpenAgreesOnOneKey(t *testing.T) {
	dir := t.TempDir()
	const n = 8
	rings := make([]*Keyring, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			k, err := Open(dir)
			if err != nil {
				t.Error(err)
			}
			rings[i] = k
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	sealed, err := rings[0].Seal([]byte("shared"))
	if err != nil {
		t.Fatal(err)
	}
	for i, k := range rings {
		if _, err := k.Open(sealed); err != nil {
			t.Fatalf("keyring %d has another key: %v", i, err)
		}
	}
}
