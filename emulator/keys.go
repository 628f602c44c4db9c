package emulator

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
)

// secretAlphabet is Cattle's secret-key alphabet: base64 without O, 0, l, I, +, / and =.
const secretAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz123456789"

// CreateKey mints an API key pair for user and returns the access and secret keys. The
// secret is shown only now; the daemon keeps a hash.
func (e *Emulator) CreateKey(user string) (access, secret string, err error) {
	if !validUser(user) {
		return "", "", invalid("InvalidCharacters", "user", fmt.Sprintf(
			"user name %q must be 1-32 letters, digits, '.', '_' or '-'", user))
	}
	if !e.cfg.Policy.KnownUser(user) {
		return "", "", invalid("InvalidReference", "user", fmt.Sprintf(
			"user %s is not in the daemon config's users; add it there first", user))
	}
	access = strings.ToUpper(randomHex(10))
	secret = randomSecret(40)
	k := &APIKey{AccessKey: access, SecretHash: hashSecret(secret), User: user,
		Created: time.Now().UTC()}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.keys[access] = k
	if err := e.put(k); err != nil {
		delete(e.keys, access)
		return "", "", err
	}
	return access, secret, nil
}

// Authenticate checks a key pair and returns who it belongs to.
func (e *Emulator) Authenticate(access, secret string) (Caller, bool) {
	e.mu.Lock()
	k, ok := e.keys[access]
	e.mu.Unlock()
	if !ok || !constantEqual(hashSecret(secret), k.SecretHash) {
		return Caller{}, false
	}
	return Caller{User: k.User}, true
}

func hashSecret(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func constantEqual(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

func randomSecret(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("crypto/rand failed: %v", err))
	}
	for i := range b {
		b[i] = secretAlphabet[int(b[i])%len(secretAlphabet)]
	}
	return string(b)
}

func validUser(u string) bool {
	if u == "" || len(u) > 32 {
		return false
	}
	for _, r := range u {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
			r == '.' || r == '_' || r == '-'
		if !ok {
			return false
		}
	}
	return true
}
