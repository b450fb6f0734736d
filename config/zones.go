package config

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// zoneRegions are the IANA database's regions: a zone's name begins with one
// ("Europe/Paris"), except for a few such as UTC.
var zoneRegions = []string{"Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe", "Indian", "Pacific", "Etc"}

// zoneDirs are where time.LoadLocation looks for the zone database on Unix
// systems ($ZONEINFO first, when it names a directory).
var zoneDirs = []string{"/usr/share/zoneinfo/", "/usr/share/lib/zoneinfo/", "/usr/lib/locale/TZ/", "/etc/zoneinfo/"}

// SuggestZone is the IANA zone most likely meant by name, a zone
// time.LoadLocation does not know, or "" when none is near enough to say: a city
// without its region ("Paris": Europe/Paris) when one zone ends with it, the name
// in other case or with spaces ("new york": America/New_York), or a typo within
// two edits of one zone's name ("Europe/Berln": Europe/Berlin). It reads the
// zone database's directory, so it runs only once a name has been refused.
func SuggestZone(name string) string {
	q := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(name), " ", "_"))
	if q == "" || len(q) > 64 || strings.Contains(q, "..") {
		return ""
	}
	names := zoneNames()
	if len(names) == 0 {
		return suggestZoneByRegion(name)
	}
	// the name itself in another case, or a zone ending with it ("paris")
	var ends []string
	for _, n := range names {
		low := strings.ToLower(n)
		if low == q {
			return n
		}
		if strings.HasSuffix(low, "/"+q) {
			ends = append(ends, n)
		}
	}
	if z := shortestUnique(ends); z != "" {
		return z
	}
	// a typo: of the whole name, or of a city's given without its region; of
	// names as near, the shortest (an alias and its zone)
	var near []string
	bestD := 3
	if len(q) <= 4 {
		bestD = 2
	}
	for _, n := range names {
		low := strings.ToLower(n)
		d := EditDistance(q, low)
		if !strings.Contains(q, "/") {
			d = min(d, EditDistance(q, low[strings.LastIndex(low, "/")+1:]))
		}
		switch {
		case d < bestD:
			near, bestD = []string{n}, d
		case d == bestD && len(near) > 0:
			near = append(near, n)
		}
	}
	return shortestUnique(near)
}

// shortestUnique is the one of zones with the fewest parts (America/Buenos_Aires
// rather than America/Argentina/Buenos_Aires: both name the zone), or "" for none
// or two of as few.
func shortestUnique(zones []string) string {
	best, tie := "", false
	for _, z := range zones {
		switch {
		case best == "" || strings.Count(z, "/") < strings.Count(best, "/"):
			best, tie = z, false
		case strings.Count(z, "/") == strings.Count(best, "/"):
			tie = true
		}
	}
	if tie {
		return ""
	}
	return best
}

// suggestZoneByRegion is SuggestZone's guess without a directory to list (a zone
// database built into the program): a city's name in each region, as given and
// with its words capitalised ("new york": America/New_York), when one region has it.
func suggestZoneByRegion(name string) string {
	words := strings.FieldsFunc(strings.TrimSpace(name), func(r rune) bool { return r == ' ' || r == '_' })
	for i, w := range words {
		words[i] = strings.ToUpper(w[:1]) + strings.ToLower(w[1:])
	}
	city := strings.Join(words, "_")
	if city == "" || strings.ContainsAny(city, "/.") {
		return ""
	}
	var found []string
	for _, r := range zoneRegions {
		if _, err := time.LoadLocation(r + "/" + city); err == nil {
			found = append(found, r+"/"+city)
		}
	}
	if len(found) == 1 {
		return found[0]
	}
	return ""
}

// zoneNames lists the zones of the first zone database directory found: those of
// its regions, and the region-less ones time.LoadLocation takes (UTC, CET…).
func zoneNames() []string {
	dirs := zoneDirs
	if z := os.Getenv("ZONEINFO"); z != "" {
		dirs = append([]string{z}, dirs...)
	}
	for _, dir := range dirs {
		top, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		var names []string
		for _, e := range top {
			if n := e.Name(); !e.IsDir() && n != "" && n[0] >= 'A' && n[0] <= 'Z' && !strings.Contains(n, ".") {
				if _, err := time.LoadLocation(n); err == nil {
					names = append(names, n)
				}
			}
		}
		for _, r := range zoneRegions {
			root := filepath.Join(dir, r)
			filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
				if err != nil || d.IsDir() {
					return nil
				}
				if rel, err := filepath.Rel(dir, path); err == nil {
					names = append(names, filepath.ToSlash(rel))
				}
				return nil
			})
		}
		if len(names) > 0 {
			slices.Sort(names)
			return names
		}
	}
	return nil
}

// zoneHint is ` (did you mean "Europe/Paris"?)` for a zone name that is not one,
// or "" when none is near.
func zoneHint(name string) string {
	if z := SuggestZone(name); z != "" {
		return ` (did you mean "` + z + `"?)`
	}
	return ""
}
