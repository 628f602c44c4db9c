// Package secrets keeps secret values encrypted at rest. A Keyring holds one AES-256 key,
// kept in a file of the daemon's state directory that only its owner may read, and seals
// values with AES-GCM: every sealed value is a fresh random nonce followed by the
// ciphertext and its authentication tag, so altered or foreign data fails to open.
package secrets

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// KeyFile is the name of the key file inside the state directory.
const KeyFile = "secrets.key"

// keySize is the length of an AES-256 key in bytes.
const keySize = 32

// Keyring seals and opens secret values with the daemon's key. It is safe for concurrent
// use.
type Keyring struct {
	aead cipher.AEAD
}

// Open reads the key in stateDir, creating the directory and a new random key (mode 0600)
// on first use. A key file that group or other users may access is refused, as is one of
// the wrong size.
func Open(stateDir string) (*Keyring, error) {
	if err := os.MkdirAll(stateDir, 0o700); err != nil {
		return nil, fmt.Errorf("create state directory: %w", err)
	}
	path := filepath.Join(stateDir, KeyFile)
	key, err := readKey(path)
	if errors.Is(err, os.ErrNotExist) {
		key, err = createKey(path)
	}
	if err != nil {
		return nil, err
	}
	return newKeyring(key)
}

func newKeyring(key []byte) (*Keyring, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("secrets key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("secrets key: %w", err)
	}
	return &Keyring{aead: aead}, nil
}

// readKey loads an existing key file after checking its type, permissions and size.
func readKey(path string) ([]byte, error) {
	info, err := os.Lstat(path)
	if err != nil {
		return nil, fmt.Errorf("secrets key: %w", err)
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("secrets key %s is not a regular file", path)
	}
	if perm := info.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("secrets key %s has mode %04o: group and other users could "+
			"read it; run `chmod 600 %s` if it was not exposed, or replace the key and "+
			"recreate every secret if it was", path, perm, path)
	}
	key, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read secrets key: %w", err)
	}
	if len(key) != keySize {
		return nil, fmt.Errorf("secrets key %s holds %d bytes, want %d", path, len(key),
			keySize)
	}
	return key, nil
}

// createKey writes a new random key to a private temporary file and links it into place,
// so a reader never sees a partial key. When another process wins the race, its key is
// used.
func createKey(path string) ([]byte, error) {
	key := make([]byte, keySize)
	if _, err := io.ReadFull(rand.Reader, key); err != nil {
		return nil, fmt.Errorf("generate secrets key: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".secrets-key-*")
	if err != nil {
		return nil, fmt.Errorf("write secrets key: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := writeSynced(tmp, key); err != nil {
		return nil, fmt.Errorf("write secrets key: %w", err)
	}
	err = os.Link(tmp.Name(), path)
	if errors.Is(err, os.ErrExist) {
		return readKey(path)
	}
	if err != nil {
		return nil, fmt.Errorf("install secrets key: %w", err)
	}
	return key, nil
}

func writeSynced(f *os.File, data []byte) error {
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Seal encrypts plaintext under a new random nonce and returns nonce || ciphertext.
func (k *Keyring) Seal(plaintext []byte) ([]byte, error) {
	nonce := make([]byte, k.aead.NonceSize(), k.aead.NonceSize()+len(plaintext)+
		k.aead.Overhead())
	if _, err := io.ReadFull(rand.Reader, nonce); err != nil {
		return nil, fmt.Errorf("seal secret: %w", err)
	}
	return k.aead.Seal(nonce, nonce, plaintext, nil), nil
}

// ErrCorrupt is wrapped by Open when sealed data was altered, truncated, or sealed under
// another key.
var ErrCorrupt = errors.New("sealed secret cannot be opened: altered, or sealed with " +
	"another key")

// Open decrypts what Seal returned, checking that it is unaltered and sealed with this key.
func (k *Keyring) Open(sealed []byte) ([]byte, error) {
	n := k.aead.NonceSize()
	if len(sealed) < n+k.aead.Overhead() {
		return nil, fmt.Errorf("%w (only %d bytes)", ErrCorrupt, len(sealed))
	}
	plain, err := k.aead.Open(nil, sealed[:n], sealed[n:], nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	return plain, nil
}
