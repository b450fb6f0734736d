package config

import (
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"
)

// The YAML decoder describes problems in Go terms ("field data_dri not found in type
// config.Store", "cannot unmarshal !!str `two` into int"). explainTypeError rewrites
// them in the file's terms: the section, the keys it does take, what a value should be.

var (
	unknownFieldRE = regexp.MustCompile(`^line (\d+): field (.+) not found in type (.+)$`)
	cannotDecodeRE = regexp.MustCompile("^line (\\d+): cannot unmarshal !!(\\w+)(?: `(.*)`)? into (.+)$")
	lineRE         = regexp.MustCompile(`^line (\d+): (.*)$`)
)

// secretKeys are the keys people may try for a secret in the file, and the variable
// that is the place for it.
var secretKeys = map[string]string{
	"store.redis_url":      "REDIS_URL",
	"slack.bot_token":      "SLACK_BOT_TOKEN",
	"slack.app_token":      "SLACK_APP_TOKEN",
	"slack.signing_secret": "SLACK_SIGNING_SECRET",
	"discord.token":        "DISCORD_TOKEN",
}

// explainTypeError turns one decoder message into "N: what is wrong", N the line.
func explainTypeError(msg string) string {
	if m := unknownFieldRE.FindStringSubmatch(msg); m != nil {
		line, key, typ := m[1], m[2], m[3]
		sec, ok := sections()[typ]
		if !ok {
			return fmt.Sprintf("%s: unknown key %q", line, key)
		}
		if env, ok := secretKeys[sec.path+"."+key]; ok {
			return fmt.Sprintf("%s: %s.%s: secrets never go in this file; set %s in the environment, or %s_FILE to a file holding it",
				line, sec.path, key, env, env)
		}
		where := "at the top level"
		if sec.path != "" {
			where = "in " + sec.path
		}
		out := fmt.Sprintf("%s: unknown key %q %s", line, key, where)
		if near := nearest(key, sec.keys); near != "" {
			return out + fmt.Sprintf(" (did you mean %q?)", near)
		}
		return out + " (it takes " + strings.Join(sec.keys, ", ") + ")"
	}
	if m := cannotDecodeRE.FindStringSubmatch(msg); m != nil {
		line, tag, value, into := m[1], m[2], m[3], m[4]
		want := wantedKind(into)
		switch {
		case want == "":
			return line + ": " + strings.TrimPrefix(msg, "line "+line+": ")
		case tag == "seq":
			return fmt.Sprintf("%s: a list where %s belongs", line, want)
		case tag == "map":
			return fmt.Sprintf("%s: a mapping (key: value) where %s belongs", line, want)
		}
		// The decoder cuts long values to 7 characters and "...".
		return fmt.Sprintf("%s: %q is not %s", line, value, want)
	}
	if m := lineRE.FindStringSubmatch(msg); m != nil {
		return m[1] + ": " + m[2]
	}
	return msg
}

// wantedKind names the Go type a value was decoded into the way a person would.
func wantedKind(goType string) string {
	switch {
	case strings.HasPrefix(goType, "int"), strings.HasPrefix(goType, "uint"):
		return "a whole number"
	case strings.HasPrefix(goType, "float"):
		return "a number"
	case goType == "bool":
		return "true or false"
	case goType == "string":
		return "text"
	case strings.HasPrefix(goType, "[]"), strings.HasSuffix(goType, "Taxonomy"):
		return "a list"
	case strings.HasPrefix(goType, "map["):
		return "a mapping (key: value)"
	case strings.Contains(goType, "."):
		return "a mapping (key: value)"
	}
	return ""
}

type section struct {
	path string   // e.g. "store", "digests[]", "analysis.themes[]"; "" at the top
	keys []string // the keys it takes, in file order
}

// sections maps each Go struct type of the configuration (as the decoder names it,
// e.g. "config.Store") to where it appears in the file and the keys it takes.
func sections() map[string]section {
	out := map[string]section{}
	var walk func(t reflect.Type, path string)
	walk = func(t reflect.Type, path string) {
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		switch t.Kind() {
		case reflect.Slice:
			walk(t.Elem(), path+"[]")
			return
		case reflect.Map:
			walk(t.Elem(), path+".*")
			return
		case reflect.Struct:
		default:
			return
		}
		name := t.String()
		if s, ok := out[name]; ok {
			if !slices.Contains(strings.Split(s.path, " or "), path) {
				s.path += " or " + path
				out[name] = s
			}
			return
		}
		var keys []string
		type child struct {
			t    reflect.Type
			path string
		}
		var children []child
		for i := range t.NumField() {
			f := t.Field(i)
			key, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if key == "-" || !f.IsExported() {
				continue
			}
			if key == "" {
				key = strings.ToLower(f.Name)
			}
			keys = append(keys, key)
			children = append(children, child{f.Type, strings.TrimPrefix(path+"."+key, ".")})
		}
		out[name] = section{path: path, keys: keys}
		for _, c := range children {
			walk(c.t, c.path)
		}
	}
	walk(reflect.TypeOf(Config{}), "")
	return out
}

// nearest returns the key closest to a misspelt one, if it is close enough to be
// what was meant: at most 2 edits, or 1 for short keys.
func nearest(key string, keys []string) string {
	best, bestD := "", 3
	if len(key) <= 4 {
		bestD = 2
	}
	for _, k := range keys {
		if d := EditDistance(strings.ToLower(key), k); d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

// EditDistance is the Damerau-Levenshtein distance (optimal string alignment), so a
// swap of two neighbouring letters ("claim_idel") counts as one edit. Misspelt
// configuration keys and command-line ids are matched with it.
func EditDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}
