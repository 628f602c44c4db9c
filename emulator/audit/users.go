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
// what triggers it is our inference). Root is the container default and
// left to the other rules. A user or group name resolves only inside the
// image, so it cannot be checked: with a caller to hold it to, a name is
// refused and the numeric id asked for.
func (c *checker) checkCallerUser(l launch) {
	cl := c.cfg.Caller
	if cl.isZero() {
		return
	}
	name := cl.Name
	if name == "" {
		name = strconv.Itoa(cl.UID)
	}
	defer c.checkGroupAdd(l, name, cl)
	user := strings.TrimSpace(str(l.lc, "user"))
	if user == "" {
		return
	}
	uids := append([]int{cl.UID}, cl.Collab...)
	u, g, hasGID := strings.Cut(user, ":")
	uid, err := strconv.Atoi(u)
	var why string
	switch {
	case err != nil || uid < 0:
		why = fmt.Sprintf("%q is not a numeric uid: a user name resolves only inside the "+
			"image, so it cannot be checked against %s's accounts; use the numeric uid; "+
			"allowed uids: %s", u, name, joinInts(uids))
	case uid == 0:
		return
	case !slices.Contains(uids, uid):
		why = fmt.Sprintf("uid %d is neither %s's uid %d nor a collaboration account %s "+
			"may use; allowed uids: %s", uid, name, cl.UID, name, joinInts(uids))
	case !hasGID || len(cl.GIDs) == 0:
		return
	default:
		gid, err := strconv.Atoi(g)
		switch {
		case err != nil || gid < 0:
			why = fmt.Sprintf("%q is not a numeric gid: a group name resolves only inside "+
				"the image, so it cannot be checked against %s's groups; use the numeric "+
				"gid; allowed gids: %s", g, name, joinInts(cl.GIDs))
		case !slices.Contains(cl.GIDs, gid):
			why = fmt.Sprintf("gid %d is not a group of %s; allowed gids: %s", gid, name,
				joinInts(cl.GIDs))
		default:
			return
		}
	}
	c.addText(ruleUserNotAllowed, l.t, "user", fmt.Sprintf(
		"you cannot run a stack with your user: %s (%s: user: %q: %s)", name, l.t, user, why))
}

// checkGroupAdd holds group_add to the same groups as user:'s gid, whatever the user: a
// numeric group the caller is not in would open that group's files; root is gid 0 in
// every image, so it is held to that too. Any other name resolves only inside the image
// and cannot be checked: group-add-name reports it, a warning by default because Spin
// documents group_add with an image group (nginx, www-data) for rootless web servers
// (spin-rules.md §7), and a site that wants the numeric gid sets it to reject.
func (c *checker) checkGroupAdd(l launch, name string, cl *Caller) {
	if len(cl.GIDs) == 0 {
		return
	}
	for _, g := range strList(l.lc, "groupAdd") {
		group := strings.TrimSpace(g)
		if group == "root" {
			group = "0"
		}
		gid, err := strconv.Atoi(group)
		switch {
		case err != nil || gid < 0:
			c.add(ruleGroupAddName, l.t, "group_add", "%q is a group name, which resolves "+
				"only inside the image, so it cannot be checked against %s's groups; use "+
				"the numeric gid; allowed gids: %s", g, name, joinInts(cl.GIDs))
		case !slices.Contains(cl.GIDs, gid):
			c.addText(ruleUserNotAllowed, l.t, "group_add", fmt.Sprintf(
				"you cannot run a stack with your user: %s (%s: group_add: %q is not a "+
					"group of %s; allowed gids: %s)", name, l.t, g, name, joinInts(cl.GIDs)))
		}
	}
}

func joinInts(list []int) string {
	s := make([]string, len(list))
	for i, n := range list {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ", ")
}
