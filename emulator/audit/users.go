package audit

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// parseUser reads user: "UID" or "UID:GID"; ok is false for names, which
// only the image can resolve. gid is -1 when not given.
func parseUser(s string) (uid, gid int, ok bool) {
	u, g, hasGID := strings.Cut(strings.TrimSpace(s), ":")
	uid, err := strconv.Atoi(u)
	if err != nil || uid < 0 {
		return 0, 0, false
	}
	if !hasGID {
		return uid, -1, true
	}
	gid, err = strconv.Atoi(g)
	if err != nil || gid < 0 {
		return 0, 0, false
	}
	return uid, gid, true
}

func (cl *Caller) isZero() bool {
	return cl == nil || (cl.Name == "" && cl.UID == 0 && len(cl.GIDs) == 0 &&
		len(cl.Collab) == 0)
}

// checkCallerUser models Spin's user separation: a numeric user: must be
// the caller's own uid or a collaboration account the caller may use, and
// its gid one of the caller's groups (spin-rules.md §6 gives the message;
// what triggers it is our inference). Root and user names are left to the
// other rules: root is the container default, and names live in the image.
func (c *checker) checkCallerUser(l launch) {
	cl := c.cfg.Caller
	if cl.isZero() {
		return
	}
	user := str(l.lc, "user")
	uid, gid, ok := parseUser(user)
	if !ok || uid == 0 {
		return
	}
	name := cl.Name
	if name == "" {
		name = strconv.Itoa(cl.UID)
	}
	uids := append([]int{cl.UID}, cl.Collab...)
	var why string
	switch {
	case !slices.Contains(uids, uid):
		why = fmt.Sprintf("uid %d is neither %s's uid %d nor a collaboration account %s "+
			"may use; allowed uids: %s", uid, name, cl.UID, name, joinInts(uids))
	case gid >= 0 && len(cl.GIDs) > 0 && !slices.Contains(cl.GIDs, gid):
		why = fmt.Sprintf("gid %d is not a group of %s; allowed gids: %s", gid, name,
			joinInts(cl.GIDs))
	default:
		c.checkGroupAdd(l, name, cl)
		return
	}
	c.addText(ruleUserNotAllowed, l.t, "user", fmt.Sprintf(
		"you cannot run a stack with your user: %s (%s: user: %q: %s)", name, l.t, user, why))
}

// checkGroupAdd holds group_add to the same groups as user:'s gid: a numeric group the
// caller is not in would open that group's files. Group names resolve in the image and
// are left alone.
func (c *checker) checkGroupAdd(l launch, name string, cl *Caller) {
	if len(cl.GIDs) == 0 {
		return
	}
	for _, g := range strList(l.lc, "groupAdd") {
		gid, err := strconv.Atoi(g)
		if err != nil || slices.Contains(cl.GIDs, gid) {
			continue
		}
		c.addText(ruleUserNotAllowed, l.t, "group_add", fmt.Sprintf(
			"you cannot run a stack with your user: %s (%s: group_add: %q is not a group of "+
				"%s; allowed gids: %s)", name, l.t, g, name, joinInts(cl.GIDs)))
	}
}

func joinInts(list []int) string {
	s := make([]string, len(list))
	for i, n := range list {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ", ")
}
