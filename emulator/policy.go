package emulator

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/spinlocal/spinlocal/emulator/audit"
)

// Policy is the site configuration of the daemon: audit rule levels, the NERSC users and
// groups, and the collaboration accounts users may run services as.
type Policy struct {
	Levels audit.Levels
	Users  map[string]User
	Collab []Collab
	// EnvironmentsShared lets every user see (and deploy into) the environments users
	// create; by default only the creator does.
	EnvironmentsShared bool
}

// User is a NERSC account.
type User struct {
	Name   string  `yaml:"name"`
	UID    int     `yaml:"uid"`
	Groups []Group `yaml:"groups"`
}

// Group is a Unix group a user belongs to.
type Group struct {
	Name string `yaml:"name"`
	GID  int    `yaml:"gid"`
}

// Collab is a collaboration account; members of its groups may run services as it.
type Collab struct {
	Name   string   `yaml:"name"`
	UID    int      `yaml:"uid"`
	Groups []string `yaml:"groups"`
}

// policyFile is the YAML form of a Policy.
type policyFile struct {
	Audit         map[string]string `yaml:"audit"`
	Users         []User            `yaml:"users"`
	Collaboration []Collab          `yaml:"collaboration"`
	Environments  environmentsFile  `yaml:"environments"`
}

// environmentsFile is the environments section of the daemon config.
type environmentsFile struct {
	// VisibleTo says who sees an environment a user created: owner or everyone.
	VisibleTo string `yaml:"visible_to"`
}

// LoadPolicy reads a daemon config file. A missing file gives the default policy; an
// unknown key, rule id or level is an error naming it.
func LoadPolicy(path string) (Policy, error) {
	raw, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return Policy{}, nil
	}
	if err != nil {
		return Policy{}, fmt.Errorf("read daemon config: %w", err)
	}
	var f policyFile
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil && !errors.Is(err, io.EOF) {
		msg := strings.NewReplacer("in type emulator.policyFile", "at the top level",
			"in type emulator.User", "in a user (name, uid, groups)",
			"in type emulator.Group", "in a group (name, gid)",
			"in type emulator.Collab", "in a collaboration account (name, uid, groups)",
			"in type emulator.environmentsFile", "in environments (visible_to)").
			Replace(err.Error())
		return Policy{}, fmt.Errorf("daemon config %s: %s (top-level keys: audit, users, "+
			"collaboration, environments)", path, msg)
	}
	levels, err := audit.ParseLevels(f.Audit)
	if err != nil {
		return Policy{}, fmt.Errorf("daemon config %s: audit: %w", path, err)
	}
	p := Policy{Levels: levels, Users: map[string]User{}, Collab: f.Collaboration}
	switch f.Environments.VisibleTo {
	case "", "owner":
	case "everyone":
		p.EnvironmentsShared = true
	default:
		return Policy{}, fmt.Errorf("daemon config %s: environments: visible_to is %q; use "+
			"owner (only the creator sees an environment it creates) or everyone", path,
			f.Environments.VisibleTo)
	}
	for _, u := range f.Users {
		if err := checkAccount(u.Name, u.UID); err != nil {
			return Policy{}, fmt.Errorf("daemon config %s: users: %w", path, err)
		}
		if _, dup := p.Users[u.Name]; dup {
			return Policy{}, fmt.Errorf("daemon config %s: users: %s is listed twice", path,
				u.Name)
		}
		if err := checkGroups(u); err != nil {
			return Policy{}, fmt.Errorf("daemon config %s: users: %w", path, err)
		}
		p.Users[u.Name] = u
	}
	for _, c := range f.Collaboration {
		if err := checkAccount(c.Name, c.UID); err != nil {
			return Policy{}, fmt.Errorf("daemon config %s: collaboration: %w", path, err)
		}
	}
	return p, nil
}

// checkAccount refuses a user or collaboration account without a valid name or a uid
// above 0.
func checkAccount(name string, uid int) error {
	if !validUser(name) {
		return fmt.Errorf("%q needs a valid name (letters, digits, '.', '_', '-') and a "+
			"uid above 0", name)
	}
	if uid <= 0 {
		return fmt.Errorf("%s needs a uid above 0 (uid is missing or 0)", name)
	}
	return nil
}

// checkGroups refuses a group of u without a name or without a gid above 0: a missing gid
// reads as 0, root's group, which the user would then be allowed to run as.
func checkGroups(u User) error {
	for _, g := range u.Groups {
		if g.Name == "" || g.GID <= 0 {
			return fmt.Errorf("%s: group %q needs a name and a gid above 0 (groups: "+
				"[{name: NAME, gid: GID}])", u.Name, g.Name)
		}
	}
	return nil
}

// auditConfig is the audit's view of a caller under this policy.
func (p Policy) auditConfig(caller Caller) audit.Config {
	cfg := audit.Config{Levels: p.Levels}
	u, ok := p.Users[caller.User]
	if !ok {
		return cfg
	}
	ac := &audit.Caller{Name: u.Name, UID: u.UID}
	mine := map[string]bool{}
	for _, g := range u.Groups {
		ac.GIDs = append(ac.GIDs, g.GID)
		mine[g.Name] = true
	}
	for _, c := range p.Collab {
		for _, g := range c.Groups {
			if mine[g] {
				ac.Collab = append(ac.Collab, c.UID)
				break
			}
		}
	}
	cfg.Caller = ac
	return cfg
}

// inGroup reports whether user belongs to group name.
func (p Policy) inGroup(user, group string) bool {
	for _, g := range p.Users[user].Groups {
		if g.Name == group {
			return true
		}
	}
	return false
}

// KnownUser reports whether the policy lists users and name is one of them (or the policy
// lists none, when every name is accepted).
func (p Policy) KnownUser(name string) bool {
	if len(p.Users) == 0 {
		return true
	}
	_, ok := p.Users[name]
	return ok
}
