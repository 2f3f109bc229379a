package config

import (
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// envPrefix starts every environment variable slatrack reads.
const envPrefix = "SLATRACK_"

// otherEnv are SLATRACK_ variables that are not configuration keys.
var otherEnv = map[string]bool{
	"SLATRACK_ADMIN_PASSWORD": true, // first admin's password on first serve
	"SLATRACK_ADMIN_EMAIL":    true, // first admin's address on first serve
	"SLATRACK_TEST_POSTGRES":  true, // test suite: PostgreSQL DSN
}

// envKeys maps each SLATRACK_SECTION_KEY name to its settable field and dotted key.
func (c *Config) envKeys() map[string]envField {
	out := map[string]envField{}
	var walk func(v reflect.Value, path []string)
	walk = func(v reflect.Value, path []string) {
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			tag := strings.Split(f.Tag.Get("toml"), ",")[0]
			if tag == "" || tag == "-" || !f.IsExported() {
				continue
			}
			p := append(append([]string{}, path...), tag)
			fv := v.Field(i)
			if fv.Kind() == reflect.Struct {
				walk(fv, p)
				continue
			}
			if fv.Kind() == reflect.Slice && fv.Type().Elem().Kind() != reflect.String {
				continue // tables (sla.classes) are file-only, but see below
			}
			name := envPrefix + strings.ToUpper(strings.Join(p, "_"))
			out[name] = envField{key: strings.Join(p, "."), v: fv}
		}
	}
	walk(reflect.ValueOf(c).Elem(), nil)
	// Each class's first-response target: SLATRACK_SLA_<CLASS> (a '-' in
	// the name becomes '_'), for the classes the file left in place.
	for i := range c.SLA.Classes {
		name := classEnvName(c.SLA.Classes[i].Name)
		if _, taken := out[name]; !taken && c.SLA.Classes[i].Name != "" {
			out[name] = envField{key: classKey(i, "first_response"), v: reflect.ValueOf(&c.SLA.Classes[i].FirstResponse).Elem()}
		}
	}
	return out
}

type envField struct {
	key string
	v   reflect.Value
}

// EnvNames lists every configuration environment variable, for --help and docs.
func EnvNames() []string {
	c := Default()
	var names []string
	for n := range c.envKeys() {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func (c *Config) overlayEnv(environ []string) error {
	keys := c.envKeys()
	for _, kv := range environ {
		name, val, ok := strings.Cut(kv, "=")
		if !ok || !strings.HasPrefix(name, envPrefix) || otherEnv[name] {
			continue
		}
		f, ok := keys[name]
		if !ok {
			return fmt.Errorf("config: environment variable %s is not a configuration key (known: SLATRACK_SECTION_KEY, e.g. SLATRACK_DATABASE_DSN, or SLATRACK_SLA_<CLASS> for a class's first-response target)", name)
		}
		switch f.v.Kind() {
		case reflect.String:
			f.v.SetString(val)
		case reflect.Bool:
			b, err := strconv.ParseBool(val)
			if err != nil {
				return fmt.Errorf("config: %s (%s): %q is not true or false", name, f.key, val)
			}
			f.v.SetBool(b)
		case reflect.Int, reflect.Int64:
			n, err := strconv.ParseInt(val, 10, 64)
			if err != nil {
				return fmt.Errorf("config: %s (%s): %q is not a whole number", name, f.key, val)
			}
			f.v.SetInt(n)
		case reflect.Slice:
			var items []string
			for _, s := range strings.Split(val, ",") {
				if s = strings.TrimSpace(s); s != "" {
					items = append(items, s)
				}
			}
			f.v.Set(reflect.ValueOf(items))
		}
	}
	return nil
}
