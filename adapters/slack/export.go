package slackadapter

import (
	"archive/zip"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"path"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/feedbackbot/feedbackbot"
)

// ImportOptions bound and describe a Slack export import.
type ImportOptions struct {
	// HomeTeam is the staff workspace; users of other teams are customers.
	HomeTeam        string
	ChannelAccounts map[string]string
	AccountNames    map[string]string
	StaffUsers      []string
	// IgnoreChannels and IgnoreUsers are never captured, as in live capture
	// (slack.ignore_channels, slack.ignore_users): their messages are skipped.
	IgnoreChannels []string
	IgnoreUsers    []string
	// TeamDomain is the workspace's Slack domain ("acme" for acme.slack.com; the
	// address https://acme.slack.com/ and acme.slack.com are read as "acme"), for the
	// link of each message to Slack (its Permalink), as live capture makes them. An
	// export does not name it: without it messages are imported without links.
	TeamDomain string
	Progress   io.Writer
	// Limits against hostile archives (zero takes the default).
	MaxFiles       int   // default 100,000 members
	MaxMemberBytes int64 // default 64 MiB per JSON member
	MaxTotalBytes  int64 // default 4 GiB uncompressed in all
	// MaxFileMessages bounds the messages of one daily file (default 100,000: a
	// channel's day; a daily file is appended whole, so its events are held at once)
	// and MaxUsers the entries of users.json, and of each channel list (default
	// 1,000,000).
	MaxFileMessages int
	MaxUsers        int
	// BatchEvents is how many events the import gathers, in whole daily files,
	// before one Append (default 2,000): a Slack export holds one small file per
	// channel and day, and an append per file would cost a durable write each.
	BatchEvents int
}

// ImportSummary is what an import did.
type ImportSummary struct {
	Files    int            `json:"files"`
	Messages int            `json:"messages"`
	Appended int            `json:"appended"`
	Skipped  map[string]int `json:"skipped"`
	Errors   []string       `json:"errors"`
	// FilesSkipped counts the daily files left out (malformed, unreadable, over the
	// caps); each is named in Errors.
	FilesSkipped int `json:"files_skipped"`
	// UsersSkipped counts the users.json entries of the wrong shape (a number for an
	// id, say) left out; the first few are named in Errors. A wrong-typed name alone
	// only loses the name.
	UsersSkipped int `json:"users_skipped"`
	// AlreadyStored counts the messages read that the store did not store anew: held
	// already (in this or a later version: left as they are, their names and links
	// too, since an import only fills in), or refused (deleted or erased since, or by
	// a person forgotten).
	AlreadyStored int `json:"already_stored"`
}

// Reasons an import skips a message or a daily file (ImportSummary.Skipped's keys).
const (
	skipInvalid       = "invalid message"
	skipUnknownFolder = "unknown channel folder"
	skipNoise         = "bot, join or other noise"
	skipDeletion      = "deletion (an import only adds)"
	skipNotMessage    = "not a message (an import reads only messages)"
	skipIgnoredChan   = "ignored channel"
	skipIgnoredUser   = "ignored user"
	skipBadChannelID  = "channel id not a Slack id"
)

// Problems counts what the import left out that a person should look at: daily
// files skipped (malformed, or in a folder no channel list names), malformed
// messages and users, and the messages of a channel whose id is no Slack id; not
// noise such as joins and bots.
func (s ImportSummary) Problems() int {
	return s.FilesSkipped + s.UsersSkipped + s.Skipped[skipInvalid] + s.Skipped[skipUnknownFolder] + s.Skipped[skipBadChannelID]
}

func (o *ImportOptions) defaults() {
	if o.MaxFiles <= 0 {
		o.MaxFiles = 100_000
	}
	if o.MaxMemberBytes <= 0 {
		o.MaxMemberBytes = 64 << 20
	}
	if o.MaxTotalBytes <= 0 {
		o.MaxTotalBytes = 4 << 30
	}
	if o.BatchEvents <= 0 {
		o.BatchEvents = 2000
	}
	if o.MaxFileMessages <= 0 {
		o.MaxFileMessages = 100_000
	}
	if o.MaxUsers <= 0 {
		o.MaxUsers = 1_000_000
	}
}

// maxReported bounds the skipped messages an import names one by one in its errors
// (the rest are counted in Skipped).
const maxReported = 20

// decodeArray decodes the JSON array b element by element: fn decodes element i
// from dec (one Decode), so that a large array is never decoded into one slice. A
// Decode that fails on a type (a number where a string goes) has read the whole
// element, and fn may skip it and return nil; decodeArray stops at the first error fn
// returns, and returns a syntax error (with its byte offset) for a malformed document
// or one that is not an array.
func decodeArray(b []byte, fn func(i int, dec *json.Decoder) error) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	at := func(err error) error {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return fmt.Errorf("invalid JSON at byte %d: %w", se.Offset, err)
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return fmt.Errorf("invalid JSON: the document ends early at byte %d", dec.InputOffset())
		}
		return err
	}
	tok, err := dec.Token()
	if err != nil {
		return at(err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return fmt.Errorf("not a JSON array (starts with %s)", jsonTokenName(tok))
	}
	for i := 0; dec.More(); i++ {
		if err := fn(i, dec); err != nil {
			return at(err)
		}
	}
	if _, err := dec.Token(); err != nil {
		return at(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("invalid JSON: data after the array at byte %d", dec.InputOffset())
	}
	return nil
}

// exportUser is a users.json entry. Its names are looseStrings: a name of the wrong
// type loses only the name, not the user (whose team says who is staff).
type exportUser struct {
	ID                string      `json:"id"`
	TeamID            string      `json:"team_id"`
	Name              looseString `json:"name"`
	RealName          looseString `json:"real_name"`
	IsBot             bool        `json:"is_bot"`
	IsRestricted      bool        `json:"is_restricted"`
	IsUltraRestricted bool        `json:"is_ultra_restricted"`
	Profile           struct {
		Team        string      `json:"team"`
		DisplayName looseString `json:"display_name"`
		RealName    looseString `json:"real_name"`
	} `json:"profile"`
	// Enterprise is the user's Enterprise Grid organisation, where there is one.
	Enterprise struct {
		EnterpriseID string `json:"enterprise_id"`
	} `json:"enterprise_user"`
}

// homeEnterprise is the Enterprise Grid organisation most of the home team's
// users belong to in an export's users.json ("" for a workspace on no grid).
func homeEnterprise(home string, users map[string]userInfo) string {
	n := map[string]int{}
	for _, u := range users {
		if u.team == home && u.enterprise != "" {
			n[u.enterprise]++
		}
	}
	best := ""
	for e, c := range n {
		if c > n[best] || c == n[best] && e < best {
			best = e
		}
	}
	return best
}

// displayName is the name Slack shows for the user: the profile's display name,
// else the real name, else the user name.
func (u *exportUser) displayName() string {
	return shownName(string(u.Profile.DisplayName), string(cmp.Or(u.Profile.RealName, u.RealName)), string(u.Name))
}

// exportMessage is a daily file's element: an event, with the profile of its author
// that exports carry on each message (the only name of a Slack Connect member of
// another organisation, whom users.json often leaves out).
type exportMessage struct {
	Event
	UserProfile looseProfile `json:"user_profile"`
}

// looseProfile is a message's user_profile; one of the wrong shape is ignored (the
// message still imports, without that name).
type looseProfile struct {
	DisplayName looseString `json:"display_name"`
	RealName    looseString `json:"real_name"`
	Name        looseString `json:"name"`
}

func (p *looseProfile) UnmarshalJSON(b []byte) error {
	type plain looseProfile
	var v plain
	if json.Unmarshal(b, &v) == nil {
		*p = looseProfile(v)
	}
	return nil
}

// looseString is a JSON string, or empty for any other JSON value.
type looseString string

func (s *looseString) UnmarshalJSON(b []byte) error {
	var v string
	if len(b) > 0 && b[0] == '"' && json.Unmarshal(b, &v) == nil {
		*s = looseString(v)
	}
	return nil
}

// maxNameRunes bounds an imported person's or channel's name (Slack's own limit is
// 80): a hostile users.json cannot put megabytes of name on every message.
const maxNameRunes = 80

// shownName is the first of names (a person's, or a channel's) that is not blank,
// made one line (control characters and runs of white space become one space) and
// cut to maxNameRunes.
func shownName(names ...string) string {
	for _, n := range names {
		n = strings.Join(strings.FieldsFunc(n, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }), " ")
		if n != "" {
			return feedbackbot.CutGraphemes(n, maxNameRunes)
		}
	}
	return ""
}

// ParseTeamDomain reads a workspace's domain as people write it (ImportOptions.
// TeamDomain, --team-domain): "acme", "acme.slack.com" and "https://acme.slack.com/"
// are all "acme" (an Enterprise Grid workspace's "acme.enterprise" keeps its dot);
// "" is none. Anything else is refused (EINVALID): it would make broken links, or
// links to another site.
func ParseTeamDomain(s string) (string, error) {
	d := strings.ToLower(strings.TrimSpace(s))
	if d == "" {
		return "", nil
	}
	if strings.Contains(d, "://") {
		d = teamDomain(d)
	} else {
		d = strings.TrimSuffix(strings.TrimSuffix(d, "/"), ".slack.com")
	}
	// one name, or an Enterprise Grid organisation's "acme.enterprise" ("acme.com" is
	// a typo, not a Slack address)
	name, _ := strings.CutSuffix(d, ".enterprise")
	if name == "" || len(name) > 100 || strings.Trim(name, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" ||
		strings.HasPrefix(name, "-") || strings.HasSuffix(name, "-") {
		return "", feedbackbot.Errorf(feedbackbot.EINVALID, "--team-domain %q is not a Slack workspace's domain: give the name before .slack.com in its address (acme for https://acme.slack.com)", s)
	}
	// Slack's own hosts: the web client's address (https://app.slack.com/client/T01/C02),
	// pasted from the browser, named no workspace (a review's find), and an import
	// only adds, so its links could not be put right by importing again.
	switch name {
	case "app", "www", "api", "files", "status", "slack", "edgeapi":
		return "", feedbackbot.Errorf(feedbackbot.EINVALID, "--team-domain %q is Slack's own address, not your workspace's: give the name before .slack.com in the address your workspace signs in at (acme for https://acme.slack.com; Settings & administration shows it)", s)
	}
	return d, nil
}

type exportChannel struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// badChannel is a channel list's entry whose id is no Slack channel id
// (slackChannelID), and what of it the import skipped.
type badChannel struct {
	list, id, name  string
	files, messages int
}

// ImportExport reads a standard Slack workspace export (users.json, channels.json,
// groups.json, one folder per channel of daily JSON files) into sink. Archives whose
// structure is hostile are refused before anything is written: absolute or "../"
// paths, symlinks, two members of the same name, too many members, members declaring
// more than the caps, in all or one by one. A member that turns out corrupt while it
// is read (a bad checksum, inflating past its declared size: a zip bomb stops there)
// stops the import; what earlier files appended stays, and importing the repaired
// archive again stores nothing twice. A malformed daily file is reported and skipped,
// a malformed message in it too (by file and index); daily files are appended whole,
// several to a batch (opts.BatchEvents), so nothing is half-written. Re-importing
// stores nothing new.
//
// Messages keep the names the export gives: the author's as Slack shows it (from
// users.json: the display name, else the real name, else the user name; else from
// the message's own user_profile) and the channel's (from the channel lists), and
// a link to Slack when opts.TeamDomain names the workspace's domain. A message the
// store holds already is left as it is, names and link too: an import only fills
// in, and names and links are no part of a message's revision (the store takes a
// version that differs only in them for a redelivery).
func ImportExport(ctx context.Context, zipPath string, opts ImportOptions, sink Sink) (ImportSummary, error) {
	e, err := OpenExport(zipPath, opts)
	if err != nil {
		return e.summary(), err
	}
	defer e.Close()
	return e.Import(ctx, sink)
}

// Export is a Slack export whose archive passed its structural checks and whose
// users and channel lists were read (OpenExport): what ImportExport refuses
// before anything is written, it refuses before a store is even opened (a
// refused archive left a new, empty store behind, a review's find). Import
// writes it into a sink; Close closes the archive.
type Export struct {
	zipPath string
	opts    ImportOptions
	zr      *zip.ReadCloser
	sum     ImportSummary
	total   int64 // bytes read from the archive, uncompressed
	files   map[string]*zip.File
	a       *Adapter
	// names: users.json's name of each user; channels: folder -> channel id;
	// channelNames: channel id -> name; badChannels: the folders whose channel's
	// id is no Slack id (see OpenExport)
	names, channels, channelNames map[string]string
	badChannels                   map[string]*badChannel
}

// summary is what was read of the export so far (nil: nothing).
func (e *Export) summary() ImportSummary {
	if e == nil {
		return ImportSummary{Skipped: map[string]int{}}
	}
	return e.sum
}

// Close closes the export's archive.
func (e *Export) Close() error { return e.zr.Close() }

// OpenExport opens the Slack export at zipPath and runs every check ImportExport
// makes before it writes: the archive's structure (see ImportExport), its
// users.json and channel lists, and the home team (opts.HomeTeam) among its
// users. The caller closes the Export.
func OpenExport(zipPath string, opts ImportOptions) (*Export, error) {
	opts.defaults()
	sum := ImportSummary{Skipped: map[string]int{}}
	if strings.Contains(opts.HomeTeam, "/") {
		return nil, feedbackbot.Errorf(feedbackbot.EINVALID, "the home workspace %q is not a Slack team id (such as T0123ABCD)", opts.HomeTeam)
	}
	domain, err := ParseTeamDomain(opts.TeamDomain)
	if err != nil {
		return nil, err
	}
	if fi, err := os.Stat(zipPath); err == nil && !fi.Mode().IsRegular() {
		// a FIFO would block the open (and the process) until someone writes to it
		return nil, feedbackbot.Errorf(feedbackbot.EINVALID, "%s is not a regular file", zipPath)
	}
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		return nil, feedbackbot.Errorf(feedbackbot.EINVALID, "%s is not a readable zip archive: %v", zipPath, err)
	}
	e := &Export{zipPath: zipPath, opts: opts, zr: zr}
	ok := false
	defer func() {
		if !ok {
			zr.Close()
		}
	}()
	if len(zr.File) > opts.MaxFiles {
		return nil, feedbackbot.Errorf(feedbackbot.EINVALID, "%s has %d members, more than the limit of %d", zipPath, len(zr.File), opts.MaxFiles)
	}
	files := map[string]*zip.File{}
	var declared uint64
	for _, f := range zr.File {
		name := f.Name
		switch {
		case f.Mode()&fs.ModeSymlink != 0:
			return nil, feedbackbot.Errorf(feedbackbot.EINVALID, "%s: member %q is a symbolic link; refusing the archive", zipPath, name)
		case strings.HasPrefix(name, "/") || strings.Contains(name, "\\") || strings.HasPrefix(name, "..") || strings.Contains(name, "/../") || strings.HasSuffix(name, "/.."):
			return nil, feedbackbot.Errorf(feedbackbot.EINVALID, "%s: member %q has an absolute or parent-directory path; refusing the archive", zipPath, name)
		case f.UncompressedSize64 > uint64(opts.MaxMemberBytes):
			return nil, feedbackbot.Errorf(feedbackbot.EINVALID, "%s: member %q declares %d bytes, more than the limit of %d", zipPath, name, f.UncompressedSize64, opts.MaxMemberBytes)
		}
		if !f.FileInfo().IsDir() {
			clean := path.Clean(name)
			if prev, dup := files[clean]; dup {
				return nil, feedbackbot.Errorf(feedbackbot.EINVALID, "%s: members %q and %q are the same file; refusing the archive (one would hide the other)", zipPath, prev.Name, name)
			}
			files[clean] = f
			if declared += f.UncompressedSize64; declared > uint64(opts.MaxTotalBytes) {
				return nil, feedbackbot.Errorf(feedbackbot.EINVALID, "%s declares more than %d bytes uncompressed in all; refusing the archive", zipPath, opts.MaxTotalBytes)
			}
		}
	}
	// (TeamDomain: the adapter links each message to Slack as live capture does)
	a := &Adapter{cfg: Config{TeamID: opts.HomeTeam, StaffUsers: opts.StaffUsers, ChannelAccounts: opts.ChannelAccounts, AccountNames: opts.AccountNames,
		IgnoreChannels: opts.IgnoreChannels, IgnoreUsers: opts.IgnoreUsers, TeamDomain: domain},
		log: slog.New(slog.DiscardHandler), seen: map[string]seenEvent{}, userTeams: map[string]userInfo{}, offline: true}
	// what users.json names each user, as Slack shows it (see exportUser.displayName)
	names := map[string]string{}
	if f, ok := files["users.json"]; ok {
		b, err := e.read(f)
		if err != nil {
			return nil, err
		}
		n := 0
		err = decodeArray(b, func(i int, dec *json.Decoder) error {
			var u exportUser
			err := dec.Decode(&u)
			var te *json.UnmarshalTypeError
			if err != nil && !errors.As(err, &te) {
				return fmt.Errorf("user %d: %w", i, err) // malformed: the rest cannot be read
			}
			if err != nil {
				// A user of the wrong shape is left out alone (its team, and so who is
				// staff, cannot be trusted); their messages are then skipped as invalid,
				// each named, and the rest of the export imports. (A name of the wrong
				// type is no error: looseString.)
				sum.UsersSkipped++
				if sum.UsersSkipped <= maxReported {
					sum.Errors = append(sum.Errors, fmt.Sprintf("users.json: user %d: %v (user skipped: their messages are skipped too)", i, err))
				}
				return nil
			}
			if u.ID == "" {
				return nil
			}
			if n++; n > opts.MaxUsers {
				return fmt.Errorf("more than %d users", opts.MaxUsers)
			}
			guest := u.IsRestricted || u.IsUltraRestricted
			a.userTeams[u.ID] = userInfo{team: cmpStr(u.TeamID, u.Profile.Team), enterprise: u.Enterprise.EnterpriseID, restricted: guest, guest: guest, name: string(u.Name), bot: u.IsBot}
			if name := u.displayName(); name != "" {
				names[u.ID] = name
			}
			return nil
		})
		if err != nil {
			return nil, feedbackbot.Errorf(feedbackbot.EINVALID, "%s: users.json: %v", zipPath, err)
		}
	} else {
		return nil, feedbackbot.Errorf(feedbackbot.EINVALID, "%s has no users.json: is it a Slack workspace export?", zipPath)
	}
	if a.cfg.TeamID == "" {
		return nil, feedbackbot.Errorf(feedbackbot.EINVALID, "name the home (staff) workspace with --team: the export does not say which team is yours")
	}
	if err := checkHomeTeam(a.cfg.TeamID, a.userTeams); err != nil {
		return nil, err
	}
	// On an Enterprise Grid, colleagues of the organisation's other workspaces are
	// staff, as live capture files them: the home organisation is the one the home
	// workspace's users belong to (they were imported as customers of their own
	// workspace, a review found).
	a.cfg.EnterpriseID = homeEnterprise(a.cfg.TeamID, a.userTeams)
	channels := map[string]string{}     // folder name -> channel id
	channelNames := map[string]string{} // channel id -> name
	// Folders whose channel's id is no Slack id: the id goes into every message's
	// id and link (its Permalink), and "CACME|Nov 2><!channel>" made the link of
	// each quote in a digest end early and ping the channel (a review's find).
	// Their messages are skipped, counted, and the channel named once.
	badChannels := map[string]*badChannel{}
	lists := []string{"channels.json", "groups.json", "mpims.json", "dms.json"}
	if !slices.ContainsFunc(lists, func(l string) bool { return files[l] != nil }) {
		return nil, feedbackbot.Errorf(feedbackbot.EINVALID, "%s has no channels.json (nor groups.json, mpims.json or dms.json): without it no folder can be matched to its channel", zipPath)
	}
	for _, list := range lists {
		f, ok := files[list]
		if !ok {
			continue
		}
		b, err := e.read(f)
		if err != nil {
			return nil, err
		}
		// Read an entry at a time, as users.json is, at most MaxUsers of them, and an
		// entry of neither id nor name left out: 22 million "{}" in a zip of 64 KB
		// took 2.9 GB decoded whole (a review of hostile input).
		n := 0
		err = decodeArray(b, func(_ int, dec *json.Decoder) error {
			var c exportChannel
			if err := dec.Decode(&c); err != nil {
				return err
			}
			if c.ID == "" && c.Name == "" {
				return nil
			}
			if n++; n > opts.MaxUsers {
				return fmt.Errorf("more than %d channels", opts.MaxUsers)
			}
			folder := c.Name
			if folder == "" {
				folder = c.ID
			}
			if !slackChannelID(c.ID) {
				delete(channels, folder) // (a later entry for a folder wins, as below)
				badChannels[folder] = &badChannel{list: list, id: c.ID, name: shownName(c.Name)}
				return nil
			}
			delete(badChannels, folder)
			channels[folder] = c.ID
			if name := shownName(c.Name); name != "" {
				channelNames[c.ID] = name
			}
			return nil
		})
		if err != nil {
			return nil, feedbackbot.Errorf(feedbackbot.EINVALID, "%s: %s: %v", zipPath, list, err)
		}
	}
	// Daily files there are, and no channel list names a folder of them: nothing
	// would be imported, and the store was made for nothing (a review's find:
	// the import failed after it, leaving an empty store behind).
	folders, matched := map[string]bool{}, false
	for name := range files {
		dir, ok := dailyFolder(name)
		if !ok {
			continue
		}
		folders[dir] = true
		if _, ok := channels[dir]; ok || badChannels[dir] != nil {
			matched = true
			break
		}
	}
	if len(folders) > 0 && !matched {
		shown := slices.Sorted(maps.Keys(folders))
		more := ""
		if len(shown) > 5 {
			shown, more = shown[:5], ", …"
		}
		return nil, feedbackbot.Errorf(feedbackbot.EINVALID, "%s: no channel list (channels.json, groups.json, mpims.json, dms.json) names any of its %s (%s%s): nothing would be imported; are the lists from another export?",
			zipPath, feedbackbot.CountNoun(len(folders), "channel folder", "channel folders"), strings.Join(shown, ", "), more)
	}
	e.files, e.a, e.names, e.channels, e.channelNames, e.badChannels = files, a, names, channels, channelNames, badChannels
	e.sum = sum
	ok = true
	return e, nil
}

// read reads the member f of the archive, within the limits of e.opts.
func (e *Export) read(f *zip.File) ([]byte, error) {
	zipPath, opts := e.zipPath, e.opts
	// sofar says what earlier files appended, when a member stops the import.
	sofar := func() string {
		if e.sum.Appended == 0 {
			return " (nothing was imported)"
		}
		return fmt.Sprintf(" (%d messages of earlier files were imported; importing the repaired archive again stores none of them twice)", e.sum.Appended)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.Name, err)
	}
	defer rc.Close()
	limit := min(int64(f.UncompressedSize64), opts.MaxMemberBytes)
	b, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		// archive/zip stops a member that inflates past its declared size or fails
		// its checksum: a corrupt or hostile archive, refused as a whole.
		return nil, feedbackbot.Errorf(feedbackbot.EINVALID, "%s: member %q is corrupt or inflates past its declared size (%v); stopping the import there%s", zipPath, f.Name, err, sofar())
	}
	if int64(len(b)) > limit {
		return nil, feedbackbot.Errorf(feedbackbot.EINVALID, "%s: member %q inflates past its declared size or the limit (a zip bomb?); stopping the import there%s", zipPath, f.Name, sofar())
	}
	if e.total += int64(len(b)); e.total > opts.MaxTotalBytes {
		return nil, feedbackbot.Errorf(feedbackbot.EINVALID, "%s: more than %d bytes uncompressed in all; refusing to go on", zipPath, opts.MaxTotalBytes)
	}
	return b, nil
}

// dailyFolder is the channel folder of an archive member that is a daily file
// (FOLDER/DAY.json, one level deep), or false.
func dailyFolder(name string) (folder string, ok bool) {
	dir, file := path.Split(name)
	dir = strings.TrimSuffix(dir, "/")
	return dir, dir != "" && !strings.Contains(dir, "/") && strings.HasSuffix(file, ".json")
}

// Import writes the export's messages into sink (see ImportExport), once.
func (e *Export) Import(ctx context.Context, sink Sink) (ImportSummary, error) {
	sum, opts, files, a := &e.sum, e.opts, e.files, e.a
	names, channels, channelNames, badChannels := e.names, e.channels, e.channelNames, e.badChannels
	a.sink = sink
	var daily []string
	for name := range files {
		if _, ok := dailyFolder(name); ok {
			daily = append(daily, name)
		}
	}
	// Day by day across channels, as the messages were written: analysis batches then
	// cover a few hours each instead of a channel's whole history, so each hour's
	// totals are updated once per batch rather than once per message.
	slices.SortFunc(daily, func(a, b string) int {
		da, db := path.Base(a), path.Base(b)
		return cmp.Or(strings.Compare(da, db), strings.Compare(a, b))
	})
	var batch []feedbackbot.Event
	var batchFiles []string
	reported := 0 // skipped messages named in sum.Errors
	// Progress: a line a second at most (one per daily file would flood a log).
	lastProgress := time.Now()
	progress := func(done int) {
		if opts.Progress != nil {
			fmt.Fprintf(opts.Progress, "imported %d/%d daily files: %d messages, %d new\n", done, len(daily), sum.Messages, sum.Appended)
		}
	}
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		n, err := a.appendImported(ctx, sink, batch)
		refused := 0
		if feedbackbot.ErrorCode(err) == feedbackbot.EINVALID && len(batch) > 1 {
			// One event the store refuses loses no other: each is appended alone,
			// and a refused one is skipped and named.
			n, err = 0, nil
			for _, ev := range batch {
				m, aerr := a.appendImported(ctx, sink, []feedbackbot.Event{ev})
				switch {
				case feedbackbot.ErrorCode(aerr) == feedbackbot.EINVALID:
					refused++
					sum.Skipped[skipInvalid]++
					sum.Errors = append(sum.Errors, fmt.Sprintf("message %s: %v (message skipped)", ev.Message.Key(), aerr))
				case aerr != nil:
					err = aerr
				default:
					n += m
				}
				if err != nil {
					break
				}
			}
		}
		if err == nil {
			sum.AlreadyStored += max(len(batch)-n-refused, 0)
		}
		if err != nil {
			what := batchFiles[0]
			if len(batchFiles) > 1 {
				what = fmt.Sprintf("%s … %s (%d daily files)", batchFiles[0], batchFiles[len(batchFiles)-1], len(batchFiles))
			}
			return fmt.Errorf("import %s: %w", what, err)
		}
		sum.Appended += n
		batch, batchFiles = batch[:0], batchFiles[:0]
		return nil
	}
	// each folder no channel list names, with its daily files: one problem line a
	// folder, after the files (a line a file could be thousands)
	unknownFolders := map[string]int{}
	for i, name := range daily {
		if err := ctx.Err(); err != nil {
			return *sum, err
		}
		dir, _ := path.Split(name)
		folder := strings.TrimSuffix(dir, "/")
		chID, ok := channels[folder]
		bad := badChannels[folder]
		if !ok && bad == nil {
			sum.Skipped[skipUnknownFolder]++
			unknownFolders[folder]++
			continue
		}
		b, err := e.read(files[name])
		if err != nil {
			if feedbackbot.ErrorCode(err) == feedbackbot.EINVALID {
				return *sum, err
			}
			sum.Errors = append(sum.Errors, err.Error())
			sum.FilesSkipped++
			continue
		}
		if bad != nil {
			// Read only to count what is skipped, element by element.
			n := 0
			err := decodeArray(b, func(_ int, dec *json.Decoder) error {
				if n++; n > opts.MaxFileMessages {
					return fmt.Errorf("more than %d messages in one daily file", opts.MaxFileMessages)
				}
				var raw json.RawMessage
				return dec.Decode(&raw)
			})
			if err != nil {
				sum.Errors = append(sum.Errors, fmt.Sprintf("%s: %v (file skipped)", name, err))
				sum.FilesSkipped++
				continue
			}
			sum.Files++
			sum.Messages += n
			sum.Skipped[skipBadChannelID] += n
			bad.files++
			bad.messages += n
			continue
		}
		// Element by element: a message of the wrong shape is skipped alone, and a
		// file of millions of tiny elements is never held decoded at once.
		var events []feedbackbot.Event
		skipped := map[string]int{}
		var problems []string
		messages := 0
		err = decodeArray(b, func(i int, dec *json.Decoder) error {
			if messages++; messages > opts.MaxFileMessages {
				return fmt.Errorf("more than %d messages in one daily file", opts.MaxFileMessages)
			}
			var em exportMessage
			err := dec.Decode(&em)
			var te *json.UnmarshalTypeError
			if err != nil && !errors.As(err, &te) {
				return err // malformed: the rest of the file cannot be read
			}
			ev := em.Event
			if err == nil {
				// A daily file holds messages only. Anything else is not applied: a
				// reaction event, say, names its message's channel itself, and would
				// let an archive change messages of other channels.
				if ev.Type != "" && ev.Type != "message" {
					skipped[skipNotMessage]++
					return nil
				}
				ev.Type, ev.Channel = "message", chID
				// The ignore lists, as live capture applies them: the channel, and the
				// author (an edit's is the edited message's).
				author := ev.User
				if ev.Subtype == "message_changed" && ev.Message != nil {
					author = ev.Message.User
				}
				switch {
				case slices.Contains(opts.IgnoreChannels, chID):
					skipped[skipIgnoredChan]++
					return nil
				case author != "" && slices.Contains(opts.IgnoreUsers, author):
					skipped[skipIgnoredUser]++
					return nil
				}
				var es []feedbackbot.Event
				es, err = a.Normalize(ctx, opts.HomeTeam, ev)
				if err == nil && len(es) == 0 {
					skipped[skipNoise]++
					return nil
				}
				for _, e := range es {
					// An import only adds: an export holds no deletions (deleted messages
					// are simply absent), and one that claims to would erase stored ones.
					if e.Kind == feedbackbot.EventDelete {
						skipped[skipDeletion]++
						continue
					}
					// Names as the export has them: the author's in users.json, else the
					// profile on the message (an edit's is its editor's: not used), and the
					// channel's in the channel lists.
					m := &e.Message
					m.AuthorName = names[m.Author]
					if m.AuthorName == "" && m.Author == ev.User && ev.Subtype != "message_changed" {
						p := em.UserProfile
						m.AuthorName = shownName(string(p.DisplayName), string(p.RealName), string(p.Name))
					}
					m.ChannelName = channelNames[chID]
					// Checked here, for this message alone: the store refused a time past
					// the year 9999 or an id of 2,000 bytes for the whole batch, and the
					// import stopped (a review's find).
					if err = m.Normalize(); err != nil {
						break
					}
					events = append(events, e)
				}
			}
			if err != nil {
				skipped[skipInvalid]++
				problems = append(problems, fmt.Sprintf("%s: message %d: %v (message skipped)", name, i, err))
			}
			return nil
		})
		if err != nil {
			sum.Errors = append(sum.Errors, fmt.Sprintf("%s: %v (file skipped)", name, err))
			sum.FilesSkipped++
			continue
		}
		sum.Files++
		sum.Messages += messages
		for k, v := range skipped {
			sum.Skipped[k] += v
		}
		for _, p := range problems {
			if reported < maxReported {
				sum.Errors = append(sum.Errors, p)
				reported++
			}
		}
		if len(events) > 0 {
			batch = append(batch, events...)
			batchFiles = append(batchFiles, name)
		}
		if len(batch) >= opts.BatchEvents || i == len(daily)-1 {
			if err := flush(); err != nil {
				return *sum, err
			}
		}
		if time.Since(lastProgress) >= time.Second {
			lastProgress = time.Now()
			progress(i + 1)
		}
	}
	if err := flush(); err != nil {
		return *sum, err
	}
	for _, f := range slices.Sorted(maps.Keys(unknownFolders)) {
		sum.Errors = append(sum.Errors, fmt.Sprintf("%s/: %s skipped: no channel list of the export (channels.json, groups.json, mpims.json, dms.json) names this folder", f, feedbackbot.CountNoun(unknownFolders[f], "daily file", "daily files")))
	}
	for _, f := range slices.Sorted(maps.Keys(badChannels)) {
		c := badChannels[f]
		what := "channel"
		if c.name != "" {
			what = fmt.Sprintf("channel %q", c.name)
		}
		why := fmt.Sprintf("its id %q is not", feedbackbot.CutGraphemes(c.id, 80))
		if c.id == "" {
			why = "it has no id, and needs"
		}
		lost := fmt.Sprintf("%s of %s in %s/ skipped", feedbackbot.CountNoun(c.messages, "message", "messages"),
			feedbackbot.CountNoun(c.files, "daily file", "daily files"), f)
		if c.files == 0 {
			lost = "it has no daily files"
		}
		sum.Errors = append(sum.Errors, fmt.Sprintf("%s: %s skipped: %s a Slack channel id (C, G or D, then capital letters and digits, at most %d in all); %s",
			c.list, what, why, maxChannelID, lost))
	}
	progress(len(daily))
	return *sum, nil
}

func cmpStr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// appendImported appends an export's events. An export is a copy taken some time
// ago: it fills in what the store never held (AppendNew, where the store has it),
// and leaves alone what the store holds as new or newer (an edit captured live since
// the export was taken kept its text only so: importing put the old text back as
// the newest version). An edited message in the export is compared with the stored
// version (one read each; most messages are never edited) and taken when its edit
// is later.
func (a *Adapter) appendImported(ctx context.Context, sink Sink, batch []feedbackbot.Event) (int, error) {
	f, ok := sink.(filler)
	if !ok {
		return sink.Append(ctx, batch...)
	}
	vs, _ := sink.(versions)
	var fresh, later []feedbackbot.Event
	for _, ev := range batch {
		if ev.Kind != feedbackbot.EventPut || ev.Message.EditedAt.IsZero() || vs == nil {
			fresh = append(fresh, ev)
			continue
		}
		cur, found, err := storedVersion(ctx, vs, ev.Message.Key())
		if err != nil {
			return 0, err
		}
		switch {
		case !found:
			fresh = append(fresh, ev)
		case ev.Message.EditedAt.After(cur.EditedAt):
			later = append(later, ev)
		}
	}
	n, err := f.AppendNew(ctx, fresh...)
	if err != nil || len(later) == 0 {
		return n, err
	}
	m, err := sink.Append(ctx, later...)
	return n + m, err
}

// filler is a sink that appends only what it never held (store.Filler).
type filler interface {
	AppendNew(ctx context.Context, events ...feedbackbot.Event) (int, error)
}

// checkHomeTeam refuses a home team that no user of users.json belongs to (a
// typo in --team: every staff member would count as a customer, under a
// workspace of that name), naming the teams its users belong to, most users
// first. Users of no recorded team prove nothing either way.
func checkHomeTeam(home string, users map[string]userInfo) error {
	teams := map[string]int{}
	for _, u := range users {
		if u.team != "" {
			teams[u.team]++
		}
	}
	if len(teams) == 0 || teams[home] > 0 {
		return nil
	}
	ids := slices.Collect(maps.Keys(teams))
	slices.SortFunc(ids, func(a, b string) int { return cmp.Or(teams[b]-teams[a], strings.Compare(a, b)) })
	names := make([]string, 0, min(len(ids), 5))
	for _, id := range ids[:min(len(ids), 5)] {
		names = append(names, fmt.Sprintf("%s (%s)", id, feedbackbot.Plural(teams[id], "user")))
	}
	more := ""
	if len(ids) > 5 {
		more = fmt.Sprintf(" and %d more", len(ids)-5)
	}
	return feedbackbot.Errorf(feedbackbot.EINVALID, "--team %s: no user in the export's users.json belongs to that workspace, so every "+
		"staff member would count as a customer; its users belong to %s%s. The home workspace is usually the one most of them belong to",
		home, strings.Join(names, ", "), more)
}

// jsonTokenName names a JSON token for an error: null, a string "…", the number
// 3, true, {. (Printed with %v, null read "<nil>", a review found.)
func jsonTokenName(tok json.Token) string {
	switch v := tok.(type) {
	case nil:
		return "null"
	case string:
		return fmt.Sprintf("the string %q", feedbackbot.CutGraphemes(v, 40))
	case json.Delim:
		return string(v)
	case json.Number:
		return "the number " + v.String()
	case float64:
		return fmt.Sprintf("the number %v", v)
	default:
		return fmt.Sprint(v)
	}
}
