package compose

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/compose-spec/compose-go/v2/dotenv"
	interp "github.com/compose-spec/compose-go/v2/interpolation"
	"github.com/compose-spec/compose-go/v2/template"
)

// environ returns the process environment as a map.
func environ(given map[string]string) map[string]string {
	env := map[string]string{}
	if given != nil {
		for k, v := range given {
			env[k] = v
		}
		return env
	}
	for _, kv := range os.Environ() {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	return env
}

// interpolationEnv builds the variables for ${VAR}: the process
// environment, under it .env beside the first compose file (as
// docker-compose does), and over both the EnvFiles in order (as the CLI's
// -e flag does). It returns the env files it read.
func interpolationEnv(process map[string]string, dotEnv string, envFiles []string,
) (map[string]string, []string, error) {
	env := map[string]string{}
	var read []string

	if _, err := os.Stat(dotEnv); err == nil {
		vars, err := readEnvFile(dotEnv, process)
		if err != nil {
			return nil, nil, err
		}
		for k, v := range vars {
			env[k] = v
		}
		read = append(read, dotEnv)
	}
	for k, v := range process {
		env[k] = v
	}
	for _, f := range envFiles {
		vars, err := readEnvFile(f, env)
		if err != nil {
			return nil, nil, err
		}
		for k, v := range vars {
			env[k] = v
		}
		read = append(read, f)
	}
	return env, read, nil
}

func readEnvFile(path string, env map[string]string) (map[string]string, error) {
	lookup := func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	}
	vars, err := dotenv.ReadFile(path, lookup)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, &LoadError{File: path, Msg: "env file does not exist; create it or " +
				"leave it out of the env files", Err: err}
		}
		return nil, &LoadError{File: path, Msg: fmt.Sprintf("reading env file: %v", err), Err: err}
	}
	return vars, nil
}

// quietSubstitute expands variables like compose-go's default, without
// logging unset ones to the process's standard error.
func quietSubstitute(s string, m template.Mapping) (string, error) {
	return template.SubstituteWithOptions(s, m, template.WithoutLogging)
}

// interpolate expands ${VAR} in a copy of data. Failures (such as
// ${VAR:?message}) become LoadErrors pointing at the key.
func interpolate(d *yamlDoc, data map[string]any, env map[string]string,
) (map[string]any, error) {
	out, err := interp.Interpolate(deepCopy(data).(map[string]any), interp.Options{
		LookupValue: func(k string) (string, bool) {
			v, ok := env[k]
			return v, ok
		},
		Substitute: quietSubstitute,
	})
	if err != nil {
		return nil, interpolationError(d, err)
	}
	return out, nil
}

// interpolationError reports the first failing key; compose-go names it
// in the message and uses "[]" for list items.
func interpolationError(d *yamlDoc, err error) error {
	msg := strings.SplitN(err.Error(), "\n", 2)[0]
	key := ""
	const marker = "error while interpolating "
	if rest, ok := strings.CutPrefix(msg, marker); ok {
		if k, m, found := strings.Cut(rest, ": "); found {
			key, msg = k, m
		}
	} else if rest, ok := strings.CutPrefix(msg, "invalid interpolation format for "); ok {
		key = strings.TrimSuffix(rest, ".")
		msg = "invalid ${...} expression; write $$ for a literal $"
	}
	key = strings.ReplaceAll(key, ".[]", "")
	return d.errAt(key, msg, err)
}

// absFrom makes p absolute against dir, expanding nothing else.
func absFrom(dir, p string) string {
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(dir, p)
}
