package emulator

import (
	"encoding/base64"
	"fmt"
	"strings"
	"time"
)

// KindSecret is the type of a secret resource.
const KindSecret = "secret"

// prefixSecret gives secret ids their Cattle form, 1se<n>.
const prefixSecret = "se"

// maxSecretName is the longest secret name accepted.
const maxSecretName = 255

// Secret is a named value of an environment. Only its sealed form is kept: the plaintext is
// never stored, logged or rendered, and copies handed out of the package carry no Sealed.
type Secret struct {
	Meta
	Owner  string `json:"owner,omitempty"`
	Sealed []byte `json:"sealed,omitempty"`
}

// CreateSecret stores a secret owned by the caller. valueBase64 is the base64 of the raw
// bytes, as the CLI sends it. The reply shows "creating", as Cattle's POST reply does; the
// stored record is already active, since there is nothing to wait for.
func (e *Emulator) CreateSecret(caller Caller, pid, name, valueBase64, description string) (
	Secret, error) {
	if err := validSecretName(name); err != nil {
		return Secret{}, err
	}
	if valueBase64 == "" {
		return Secret{}, invalid("EmptySecret", "value", "Secret cannot be empty")
	}
	plain, err := base64.StdEncoding.DecodeString(valueBase64)
	if err != nil {
		return Secret{}, invalid("InvalidBase64", "value", "Invalid base64 content")
	}
	sealed, err := e.keyring.Seal(plain)
	clear(plain)
	if err != nil {
		return Secret{}, fmt.Errorf("secret %s: %w", name, err)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.writable(pid); err != nil {
		return Secret{}, err
	}
	for _, s := range e.secrets {
		if s.AccountID == pid && s.Removed == nil && s.Name == name {
			return Secret{}, invalid("NotUnique", "name", fmt.Sprintf(
				"a secret named %s already exists in this environment", name))
		}
	}
	id, err := e.nextID(prefixSecret)
	if err != nil {
		return Secret{}, err
	}
	s := &Secret{Meta: Meta{ID: id, Type: KindSecret, Name: name, Description: description,
		State: "active", Transitioning: "no", UUID: newUUID(), AccountID: pid,
		Created: time.Now().UTC()}, Owner: caller.User, Sealed: sealed}
	e.secrets[id] = s
	if err := e.put(s); err != nil {
		delete(e.secrets, id)
		return Secret{}, err
	}
	reply := withoutValue(s)
	setState(&reply.Meta, "creating", "")
	return reply, nil
}

// RemoveSecret removes a secret of the caller's that no service uses. Its sealed value is
// dropped with it.
func (e *Emulator) RemoveSecret(caller Caller, pid, id string) (Secret, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	s, ok := e.secrets[id]
	if !ok || s.AccountID != pid {
		return Secret{}, notFound()
	}
	if s.Owner != "" && s.Owner != caller.User {
		return Secret{}, e.refuseRemoval(s, spinDenied("you don't own secret %s", s.Name))
	}
	if s.Removed != nil {
		return withoutValue(s), nil
	}
	if svc := e.serviceUsing(id); svc != "" {
		return Secret{}, e.refuseRemoval(s, invalid("InvalidState", "", fmt.Sprintf(
			"secret %s is used by service %s; remove it from the service's secrets first",
			s.Name, svc)))
	}
	setState(&s.Meta, "removed", "")
	s.Sealed = nil
	if err := e.put(s); err != nil {
		return Secret{}, err
	}
	return withoutValue(s), nil
}

// refuseRemoval logs a refused removal and returns err. The Rancher CLI drops the body of a
// failed DELETE, so the daemon log is where `rancher rm` users find the reason.
func (e *Emulator) refuseRemoval(s *Secret, err error) error {
	e.log.Info("secret removal refused", "secret", s.Name, "id", s.ID, "reason",
		AsAPIError(err).Message)
	return err
}

// serviceUsing names (stack/service) a service that is not being removed and refers to the
// secret in a launch config, or returns "". Callers hold e.mu.
func (e *Emulator) serviceUsing(secretID string) string {
	for _, svc := range sortedValues(e.services) {
		if svc.Removed != nil || svc.State == "removing" {
			continue
		}
		configs := append([]map[string]any{svc.LaunchConfig}, svc.Secondary...)
		if up := svc.Upgrade; up != nil {
			configs = append(configs, up.LaunchConfig, up.PreviousLaunchConf)
			configs = append(configs, up.Secondary...)
			configs = append(configs, up.PreviousSecondary...)
		}
		for _, lc := range configs {
			if refersTo(lc, secretID) {
				stack := svc.StackID
				if st, ok := e.stacks[svc.StackID]; ok {
					stack = st.Name
				}
				return stack + "/" + svc.Name
			}
		}
	}
	return ""
}

// refersTo reports whether a launch config's "secrets" hold a reference to secretID.
func refersTo(lc map[string]any, secretID string) bool {
	var refs []map[string]any
	switch v := lc["secrets"].(type) {
	case []map[string]any:
		refs = v
	case []any:
		for _, r := range v {
			if m, ok := r.(map[string]any); ok {
				refs = append(refs, m)
			}
		}
	}
	for _, r := range refs {
		if id, _ := r["secretId"].(string); id == secretID {
			return true
		}
	}
	return false
}

// Secrets returns the secrets of an environment, removed ones included, by id.
func (e *Emulator) Secrets(pid string) []Secret {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []Secret
	for _, s := range sortedValues(e.secrets) {
		if s.AccountID == pid {
			out = append(out, withoutValue(s))
		}
	}
	return out
}

// Secret returns one secret of an environment, without its value.
func (e *Emulator) Secret(pid, id string) (Secret, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	s, ok := e.secrets[id]
	if !ok || s.AccountID != pid {
		return Secret{}, notFound()
	}
	return withoutValue(s), nil
}

// SecretValue decrypts a live secret for injection into a container. It exists for the
// daemon's own use: its result must never reach an API reply or a log.
func (e *Emulator) SecretValue(id string) ([]byte, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.secretValue(id)
}

// secretValue is SecretValue for callers that hold e.mu.
func (e *Emulator) secretValue(id string) ([]byte, error) {
	s, ok := e.secrets[id]
	if !ok || s.Removed != nil {
		return nil, fmt.Errorf("secret %s: %w", id, ErrNotFound)
	}
	plain, err := e.keyring.Open(s.Sealed)
	if err != nil {
		return nil, fmt.Errorf("secret %s (%s): %w", s.Name, id, err)
	}
	return plain, nil
}

// withoutValue is a copy of s without its sealed value.
func withoutValue(s *Secret) Secret {
	c := *s
	c.Sealed = nil
	return c
}

// validSecretName applies Rancher 1.6's rule for secret names: a letter or digit first, then
// letters, digits, '_', '.' and '-', never "..", at most 255 characters. Since the name
// becomes a file name under /run/secrets, '/' is refused.
func validSecretName(n string) error {
	if n == "" {
		return invalid("MissingRequired", "name", "a secret needs a name")
	}
	bad := len(n) > maxSecretName || !isAlnum(rune(n[0])) || strings.Contains(n, "..")
	for _, r := range n {
		if !isAlnum(r) && r != '_' && r != '.' && r != '-' {
			bad = true
		}
	}
	if bad {
		return invalid("InvalidCharacters", "name", fmt.Sprintf("secret name %q must start "+
			"with a letter or digit and hold only letters, digits, '_', '.' and '-' (no '/' "+
			"and no \"..\"), at most %d characters", n, maxSecretName))
	}
	return nil
}
