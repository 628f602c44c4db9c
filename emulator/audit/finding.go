package audit

import "fmt"

// Finding is one rule broken by one service (or by the stack when Service
// is empty).
type Finding struct {
	Rule  string `json:"rule"`
	Level Level  `json:"level"`
	// Service is the compose service the finding is about: a primary
	// service, or a sidekick's launch config name.
	Service string `json:"service,omitempty"`
	// Key is the compose key to change, such as cap_add or ports.
	Key string `json:"key,omitempty"`
	// Message says what is wrong and what is allowed instead.
	Message string `json:"message"`
	// File and Line point into the compose files once Locate has run.
	File string `json:"file,omitempty"`
	Line int    `json:"line,omitempty"`
}

// Config is what the daemon (or the offline command) tells the audit.
type Config struct {
	// Levels override the default level of rules by id; see ParseLevels.
	Levels map[string]Level
	// Caller is who deploys; nil skips the user-not-allowed rule.
	Caller *Caller
}

// Caller is the NERSC account behind a request: its uid and groups, and
// the collaboration accounts (uids) it may run services as.
type Caller struct {
	Name   string
	UID    int
	GIDs   []int
	Collab []int
}

// Rejected reports whether any finding is at level reject.
func Rejected(fs []Finding) bool {
	for _, f := range fs {
		if f.Level == Reject {
			return true
		}
	}
	return false
}

// level is the level of rule under cfg.
func (cfg Config) level(rule string) Level {
	if l, ok := cfg.Levels[rule]; ok {
		return l
	}
	l, _ := defaultLevel(rule)
	return l
}

// checker collects findings at their configured levels.
type checker struct {
	cfg Config
	out []Finding
}

// add records a finding about target t; msg follows "<subject>: <key>: ".
func (c *checker) add(rule string, t target, key, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	c.addText(rule, t, key, fmt.Sprintf("%s: %s: %s", t, key, msg))
}

// addText records a finding whose message is given whole, for Spin's own
// texts that must come first.
func (c *checker) addText(rule string, t target, key, msg string) {
	level := c.cfg.level(rule)
	if level == Off || level == "" {
		return
	}
	c.out = append(c.out, Finding{Rule: rule, Level: level, Service: t.name, Key: key,
		Message: msg})
}

// target is what a finding is about: a service, a sidekick or the stack.
type target struct {
	stack   string
	name    string // compose service; empty for the stack itself
	primary string // the primary service when name is a sidekick
}

func (t target) String() string {
	switch {
	case t.name == "":
		return fmt.Sprintf("stack %q", t.stack)
	case t.primary != "":
		return fmt.Sprintf("sidekick %q of service %q", t.name, t.primary)
	}
	return fmt.Sprintf("service %q", t.name)
}
