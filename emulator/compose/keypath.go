package compose

import (
	"strconv"
	"strings"
)

// lookupPath finds the value at a key path such as "services.web.ports[0]".
// Names may themselves contain dots (volume "db.MySQL"), so at each mapping
// the longest run of segments that is a key wins.
func lookupPath(data map[string]any, key string) any {
	return lookupSegments(data, splitPath(key))
}

func lookupSegments(cur any, segs []string) any {
	if len(segs) == 0 {
		return cur
	}
	switch t := cur.(type) {
	case map[string]any:
		for n := len(segs); n > 0; n-- {
			if v, ok := t[strings.Join(segs[:n], ".")]; ok {
				return lookupSegments(v, segs[n:])
			}
		}
	case []any:
		i, err := strconv.Atoi(strings.Trim(segs[0], "[]"))
		if err == nil && i >= 0 && i < len(t) && strings.HasPrefix(segs[0], "[") {
			return lookupSegments(t[i], segs[1:])
		}
	}
	return nil
}

// splitPath cuts "a.b[0].c" into "a", "b", "[0]", "c".
func splitPath(key string) []string {
	var segs []string
	for _, seg := range strings.Split(key, ".") {
		for {
			i := strings.Index(seg, "[")
			if i < 0 {
				break
			}
			if i > 0 {
				segs = append(segs, seg[:i])
			}
			j := strings.Index(seg, "]")
			if j < i {
				break
			}
			segs = append(segs, seg[i:j+1])
			seg = seg[j+1:]
		}
		if seg != "" {
			segs = append(segs, seg)
		}
	}
	return segs
}
