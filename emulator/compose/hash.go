package compose

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
)

// hashLabel is where the CLI stores the config digest (cattle-api.md 7.12).
const hashLabel = "io.rancher.service.hash"

// hashIgnored are the keys left out of the digest at any depth, so that
// changing scale, links, selectors or the stack never triggers an upgrade.
var hashIgnored = map[string]bool{
	hashLabel:            true,
	"links":              true,
	"scale":              true,
	"selector_container": true,
	"selectorContainer":  true,
	"selector_link":      true,
	"selectorLink":       true,
	"stack_id":           true,
	"stackId":            true,
}

// Hash returns the SHA-1 hex digest of a canonical JSON encoding of v
// (object keys sorted, numbers and lists normalised through a JSON round
// trip) without the keys the CLI ignores. Equal configs give equal digests
// whatever Go types hold them; the value differs from the CLI's own digest.
func Hash(v map[string]any) string {
	b, err := json.Marshal(v)
	if err != nil {
		// A launch config is built from JSON-safe values; a value that is
		// not is still hashed, by its printed form, rather than crash.
		b = []byte(fmt.Sprint(v))
	}
	var generic any
	if err := json.Unmarshal(b, &generic); err != nil {
		generic = string(b)
	}
	canon, _ := json.Marshal(withoutIgnored(generic))
	sum := sha1.Sum(canon)
	return hex.EncodeToString(sum[:])
}

func withoutIgnored(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, val := range t {
			if !hashIgnored[k] {
				out[k] = withoutIgnored(val)
			}
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, val := range t {
			out[i] = withoutIgnored(val)
		}
		return out
	}
	return v
}
