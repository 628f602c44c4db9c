package compose

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// composeGoError turns an error from compose-go into a LoadError naming
// the file, key and line, with advice. compose-go reports a key path in
// its messages but no line; this package knows the lines.
func composeGoError(err error, files []*composeFile) error {
	msg := strings.SplitN(err.Error(), "\n", 2)[0]
	if rest, ok := strings.CutPrefix(msg, "validating "); ok {
		if _, detail, found := strings.Cut(rest, ": "); found {
			return schemaError(detail, files, err)
		}
	}
	if rest, ok := strings.CutPrefix(msg, "error while interpolating "); ok {
		return castError(rest, files, err)
	}
	for _, rule := range consistencyRules {
		if m := rule.re.FindStringSubmatch(msg); m != nil {
			key := rule.key(m)
			return docWith(files, key).errAt(key, rule.msg(m), err)
		}
	}
	return &LoadError{File: files[0].shown, Msg: msg, Err: err}
}

var additionalRE = regexp.MustCompile(`^additional properties? (.+) not allowed$`)
var mustBeRE = regexp.MustCompile(`^must be an? (.+)$`)

// schemaError explains a compose-spec schema failure: "<path> <problem>",
// the path empty for the top level.
func schemaError(detail string, files []*composeFile, err error) error {
	path, problem, _ := strings.Cut(detail, " ")
	key := specPath(path)

	if problem == "false schema" {
		// compose-go's wording when a key matches no allowed property.
		return docWith(files, key).errAt(key, unknownKeyAdvice(key), err)
	}
	if m := additionalRE.FindStringSubmatch(problem); m != nil {
		names := strings.Split(m[1], ", ")
		key = joinPath(key, strings.Trim(names[0], "'"))
		return docWith(files, key).errAt(key, unknownKeyAdvice(key), err)
	}

	doc := docWith(files, key)
	if m := mustBeRE.FindStringSubmatch(problem); m != nil {
		want := m[1]
		if isLooseString(key) && want == "string" {
			want = "string or number"
		}
		problem = "must be " + withArticle(want)
		if got := valueAt(files, key); got != nil {
			problem += ", not " + kindOf(got)
		}
	}
	return doc.errAt(key, problem, err)
}

// unknownKeyAdvice says what an unknown key should be, by where it is.
func unknownKeyAdvice(key string) string {
	switch strings.Count(key, ".") {
	case 0:
		return "unknown top-level key: a Spin compose file may have version, " +
			"services, volumes, networks and secrets; check its spelling"
	case 2:
		if strings.HasPrefix(key, "services.") {
			return "unknown service key: check its spelling; Spin accepts the " +
				"compose v1/v2 service keys and the Rancher keys"
		}
	}
	return "unknown key: check its spelling"
}

func withArticle(noun string) string {
	if noun != "" && strings.ContainsRune("aeiou", rune(noun[0])) {
		return "an " + noun
	}
	return "a " + noun
}

// castError explains a value compose-go could not convert after
// interpolation: "<path>: failed to cast to expected type: <why>".
func castError(detail string, files []*composeFile, err error) error {
	path, why, _ := strings.Cut(detail, ": ")
	key := strings.ReplaceAll(path, ".[]", "")
	why = strings.TrimPrefix(why, "failed to cast to expected type: ")
	got := ""
	if v, ok := scalarString(valueAt(files, key)); ok {
		got = fmt.Sprintf(", not %q", v)
	}
	switch {
	case strings.Contains(why, "invalid boolean"):
		why = "must be a boolean (true or false)" + got
	case strings.Contains(why, "ParseInt"), strings.Contains(why, "ParseFloat"):
		why = "must be a number" + got
	}
	return docWith(files, key).errAt(key, why, err)
}

// specPath turns compose-go's "services.web.ports.0" into
// "services.web.ports[0]".
func specPath(p string) string {
	parts := strings.Split(p, ".")
	var b strings.Builder
	for i, part := range parts {
		if _, err := strconv.Atoi(part); err == nil && i > 0 {
			fmt.Fprintf(&b, "[%s]", part)
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(part)
	}
	return b.String()
}

// isLooseString reports keys this package accepts as numbers too.
func isLooseString(key string) bool {
	parts := strings.Split(key, ".")
	if len(parts) != 3 || parts[0] != "services" {
		return false
	}
	for _, k := range stringKeysOfService {
		if k == parts[2] {
			return true
		}
	}
	return false
}

// valueAt finds a key's value in the last file that has it, as written.
func valueAt(files []*composeFile, key string) any {
	for i := len(files) - 1; i >= 0; i-- {
		if v := lookupPath(files[i].view, key); v != nil {
			return v
		}
	}
	return nil
}

// consistencyRule recognises one of compose-go's cross-reference errors.
type consistencyRule struct {
	re  *regexp.Regexp
	key func(m []string) string
	msg func(m []string) string
}

var consistencyRules = []consistencyRule{{
	re:  regexp.MustCompile(`^service "([^"]+)" depends on undefined service "?([^":]+)"?`),
	key: func(m []string) string { return "services." + m[1] + ".depends_on" },
	msg: func(m []string) string {
		return fmt.Sprintf("names service %q, which no compose file defines; define it "+
			"or remove it from depends_on", m[2])
	},
}, {
	re:  regexp.MustCompile(`^service "([^"]+)" has neither an image nor a build context`),
	key: func(m []string) string { return "services." + m[1] },
	msg: func([]string) string { return "has neither image nor build: give it an image" },
}, {
	re:  regexp.MustCompile(`^service "?([^" ]+)"? refers to undefined (\w+) ([^:]+)`),
	key: func(m []string) string { return "services." + m[1] + "." + m[2] + "s" },
	msg: func(m []string) string {
		return fmt.Sprintf("names %s %q, which is not declared at the top level; "+
			"declare it under %ss", m[2], m[3], m[2])
	},
}, {
	re:  regexp.MustCompile(`^services\.([^:]+): (.+)$`),
	key: func(m []string) string { return "services." + m[1] },
	msg: func(m []string) string { return m[2] },
}}
