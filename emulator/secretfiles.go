package emulator

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/spinlocal/spinlocal/emulator/engine"
)

// Secret files (cattle-semantics 7). Each secret reference of a launch config becomes a
// file /run/secrets/<target> with the reference's owner and mode (Rancher's defaults: uid
// 0, gid 0, mode 0444). The daemon writes a container's files into its own directory on a
// host tmpfs (see secretdirs.go) and binds that directory read-only at /run/secrets, so
// values never touch a disk and appear nowhere but in those files.

// secretFile is one file a container gets under /run/secrets.
type secretFile struct {
	secretID string
	target   string // the file name; empty until resolved to the secret's name
	uid, gid int
	mode     fs.FileMode
}

// Rancher's defaults for a secret file.
const defaultSecretMode fs.FileMode = 0o444

// chownFile changes a file's owner; tests replace it to play an unprivileged daemon.
var chownFile = os.Chown

// attachSecrets writes the secret files of the container cid about to be created and
// returns the spec that binds them; a launch config without secrets leaves spec as is.
func (e *Emulator) attachSecrets(ctx context.Context, spec engine.Spec, cid string) (
	engine.Spec, error) {
	files, err := secretFiles(spec.LaunchConfig["secrets"])
	if err != nil || len(files) == 0 {
		return spec, err
	}
	if err := ctx.Err(); err != nil {
		return spec, err
	}
	values, err := e.openSecrets(cid, files)
	defer func() {
		for _, v := range values {
			clear(v)
		}
	}()
	if err != nil {
		return spec, err
	}
	dir, err := e.newSecretDir(cid)
	if err != nil {
		return spec, err
	}
	for i, f := range files {
		if err := e.writeSecretFile(dir, f, values[i], spec.Name); err != nil {
			if rmErr := os.RemoveAll(dir); rmErr != nil {
				e.log.Warn("cannot remove secret files", "dir", dir, "err", rmErr)
			}
			return spec, err
		}
	}
	spec.SecretsDir = dir
	return spec, nil
}

// openSecrets fills in the targets of files and decrypts their secrets, which must be
// live secrets of the container's environment. Two files may not share a target.
func (e *Emulator) openSecrets(cid string, files []secretFile) ([][]byte, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	c, ok := e.containers[cid]
	if !ok || c.Removed != nil {
		return nil, errVolumeGone
	}
	values := make([][]byte, 0, len(files))
	seen := map[string]bool{}
	for i := range files {
		f := &files[i]
		s, ok := e.secrets[f.secretID]
		if !ok || s.AccountID != c.AccountID || s.Removed != nil {
			return values, fmt.Errorf("%s refers to secret %s, which does not exist in "+
				"this environment (removed?); create it again and upgrade the service",
				c.Name, f.secretID)
		}
		if f.target == "" {
			f.target = s.Name
		}
		if seen[f.target] {
			return values, fmt.Errorf("%s mounts two secrets as /run/secrets/%s; give "+
				"each its own target", c.Name, f.target)
		}
		seen[f.target] = true
		v, err := e.secretValue(s.ID)
		if err != nil {
			return values, err
		}
		values = append(values, v)
	}
	return values, nil
}

// writeSecretFile creates one file with its value, owner and mode. A daemon that may not
// chown (not root) leaves the file world-readable instead and says so, naming the secret.
func (e *Emulator) writeSecretFile(dir string, f secretFile, value []byte,
	container string) error {
	p := filepath.Join(dir, f.target)
	w, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, 0o600)
	if err != nil {
		return fmt.Errorf("secret file %s: %w", f.target, err)
	}
	_, werr := w.Write(value)
	if cerr := w.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return fmt.Errorf("write secret file %s: %w", f.target, werr)
	}
	mode := f.mode
	if err := chownFile(p, f.uid, f.gid); errors.Is(err, syscall.EPERM) {
		mode = defaultSecretMode
		e.log.Warn("secret file left world-readable: the daemon may not change owners "+
			"(run it as root for the uid, gid and mode asked for)", "secret", f.target,
			"container", container, "uid", f.uid, "gid", f.gid)
	} else if err != nil {
		return fmt.Errorf("chown secret file %s: %w", f.target, err)
	}
	if err := os.Chmod(p, mode); err != nil {
		return fmt.Errorf("chmod secret file %s: %w", f.target, err)
	}
	return nil
}

// secretFiles reads a launch config's "secrets" references. The target (name) must be a
// plain file name; uid and gid are numbers, mode octal digits (strings as the CLI sends
// them, or numbers).
func secretFiles(v any) ([]secretFile, error) {
	var refs []map[string]any
	switch t := v.(type) {
	case nil:
		return nil, nil
	case []map[string]any:
		refs = t
	case []any:
		for _, r := range t {
			m, ok := r.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("secrets: %v is not a secret reference", r)
			}
			refs = append(refs, m)
		}
	default:
		return nil, fmt.Errorf("secrets: want a list of secret references, got %T", v)
	}
	out := make([]secretFile, 0, len(refs))
	for _, r := range refs {
		f, err := secretFileOf(r)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

func secretFileOf(r map[string]any) (secretFile, error) {
	id, _ := r["secretId"].(string)
	if id == "" {
		return secretFile{}, errors.New("secrets: a reference has no secretId")
	}
	f := secretFile{secretID: id, target: scalar(r["name"]), mode: defaultSecretMode}
	if t := f.target; t != "" && (t == "." || t == ".." || strings.ContainsAny(t, "/\x00")) {
		return secretFile{}, fmt.Errorf("secret %s: target %q must be a plain file name "+
			"under /run/secrets (no '/', not . or ..)", id, t)
	}
	var err error
	if f.uid, err = numericID(r, "uid"); err != nil {
		return secretFile{}, fmt.Errorf("secret %s: %w", id, err)
	}
	if f.gid, err = numericID(r, "gid"); err != nil {
		return secretFile{}, fmt.Errorf("secret %s: %w", id, err)
	}
	if m := scalar(r["mode"]); m != "" {
		n, err := strconv.ParseUint(m, 8, 32)
		if err != nil || n > 0o777 {
			return secretFile{}, fmt.Errorf("secret %s: mode %q: want octal permissions "+
				"such as 400 or 0444", id, m)
		}
		f.mode = fs.FileMode(n)
	}
	return f, nil
}

// numericID reads a numeric uid or gid of a reference; missing means 0.
func numericID(r map[string]any, key string) (int, error) {
	s := scalar(r[key])
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseUint(s, 10, 31)
	if err != nil {
		return 0, fmt.Errorf("%s %q: want a number", key, s)
	}
	return int(n), nil
}

// scalar renders a string or JSON number as written, trimmed; anything else as "".
func scalar(v any) string {
	switch t := v.(type) {
	case string:
		return strings.TrimSpace(t)
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	case int:
		return strconv.Itoa(t)
	case int64:
		return strconv.FormatInt(t, 10)
	}
	return ""
}
