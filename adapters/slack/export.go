package slackadapter

import (
	"archive/zip"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/feedbackbot/feedbackbot"
)

// ImportOptions bound and describe a Slack export import.
type ImportOptions struct {
	// HomeTeam is the staff workspace; users of other teams are customers.
	HomeTeam        string
	ChannelAccounts map[string]string
	AccountNames    map[string]string
	StaffUsers      []string
	Progress        io.Writer
	// Limits against hostile archives (zero takes the default).
	MaxFiles       int   // default 100,000 members
	MaxMemberBytes int64 // default 64 MiB per JSON member
	MaxTotalBytes  int64 // default 4 GiB uncompressed in all
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
}

// exportUser is a users.json entry.
type exportUser struct {
	ID                string `json:"id"`
	TeamID            string `json:"team_id"`
	Name              string `json:"name"`
	IsBot             bool   `json:"is_bot"`
	IsRestricted      bool   `json:"is_restricted"`
	IsUltraRestricted bool   `json:"is_ultra_restricted"`
	Profile           struct {
		Team string `json:"team"`
	} `json:"profile"`
}

type exportChannel struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// ImportExport reads a standard Slack workspace export (users.json, channels.json,
// groups.json, one folder per channel of daily JSON files) into sink. Hostile archives
// are refused before anything is written: absolute or "../" paths, symlinks, too many
// members, members larger than declared or than the caps (enforced while reading, so
// zip bombs stop at the cap). A malformed daily file is reported and skipped; daily
// files are appended whole, several to a batch (opts.BatchEvents), so nothing is
// half-written. Re-importing stores nothing new.
func ImportExport(ctx context.Context, zipPath string, opts ImportOptions, sink Sink) (ImportSummary, error) {
	opts.defaults()
	sum := ImportSummary{Skipped: map[string]int{}}
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		return sum, feedbackbot.Errorf(feedbackbot.EINVALID, "%s is not a readable zip archive: %v", zipPath, err)
	}
	defer zr.Close()
	if len(zr.File) > opts.MaxFiles {
		return sum, feedbackbot.Errorf(feedbackbot.EINVALID, "%s has %d members, more than the limit of %d", zipPath, len(zr.File), opts.MaxFiles)
	}
	files := map[string]*zip.File{}
	for _, f := range zr.File {
		name := f.Name
		switch {
		case f.Mode()&fs.ModeSymlink != 0:
			return sum, feedbackbot.Errorf(feedbackbot.EINVALID, "%s: member %q is a symbolic link; refusing the archive", zipPath, name)
		case strings.HasPrefix(name, "/") || strings.Contains(name, "\\") || strings.HasPrefix(name, "..") || strings.Contains(name, "/../") || strings.HasSuffix(name, "/.."):
			return sum, feedbackbot.Errorf(feedbackbot.EINVALID, "%s: member %q has an absolute or parent-directory path; refusing the archive", zipPath, name)
		case f.UncompressedSize64 > uint64(opts.MaxMemberBytes):
			return sum, feedbackbot.Errorf(feedbackbot.EINVALID, "%s: member %q declares %d bytes, more than the limit of %d", zipPath, name, f.UncompressedSize64, opts.MaxMemberBytes)
		}
		if !f.FileInfo().IsDir() {
			files[path.Clean(name)] = f
		}
	}
	var total int64
	read := func(f *zip.File) ([]byte, error) {
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
			return nil, feedbackbot.Errorf(feedbackbot.EINVALID, "%s: member %q is corrupt or inflates past its declared size (%v); refusing the archive", zipPath, f.Name, err)
		}
		if int64(len(b)) > limit {
			return nil, feedbackbot.Errorf(feedbackbot.EINVALID, "%s: member %q inflates past its declared size or the limit (a zip bomb?)", zipPath, f.Name)
		}
		if total += int64(len(b)); total > opts.MaxTotalBytes {
			return nil, feedbackbot.Errorf(feedbackbot.EINVALID, "%s: more than %d bytes uncompressed in all; refusing to go on", zipPath, opts.MaxTotalBytes)
		}
		return b, nil
	}
	a := &Adapter{cfg: Config{TeamID: opts.HomeTeam, StaffUsers: opts.StaffUsers, ChannelAccounts: opts.ChannelAccounts, AccountNames: opts.AccountNames},
		sink: sink, log: slog.New(slog.DiscardHandler), seen: map[string]time.Time{}, userTeams: map[string]userInfo{}, offline: true}
	if f, ok := files["users.json"]; ok {
		b, err := read(f)
		if err != nil {
			return sum, err
		}
		var users []exportUser
		if err := json.Unmarshal(b, &users); err != nil {
			return sum, feedbackbot.Errorf(feedbackbot.EINVALID, "%s: users.json: %v", zipPath, err)
		}
		for _, u := range users {
			a.userTeams[u.ID] = userInfo{team: cmpStr(u.TeamID, u.Profile.Team), restricted: u.IsRestricted || u.IsUltraRestricted, name: u.Name}
		}
	} else {
		return sum, feedbackbot.Errorf(feedbackbot.EINVALID, "%s has no users.json: is it a Slack workspace export?", zipPath)
	}
	if a.cfg.TeamID == "" {
		return sum, feedbackbot.Errorf(feedbackbot.EINVALID, "name the home (staff) workspace with --team: the export does not say which team is yours")
	}
	channels := map[string]string{} // folder name -> channel id
	for _, list := range []string{"channels.json", "groups.json", "mpims.json", "dms.json"} {
		f, ok := files[list]
		if !ok {
			continue
		}
		b, err := read(f)
		if err != nil {
			return sum, err
		}
		var cs []exportChannel
		if err := json.Unmarshal(b, &cs); err != nil {
			return sum, feedbackbot.Errorf(feedbackbot.EINVALID, "%s: %s: %v", zipPath, list, err)
		}
		for _, c := range cs {
			folder := c.Name
			if folder == "" {
				folder = c.ID
			}
			channels[folder] = c.ID
		}
	}
	var daily []string
	for name := range files {
		dir, file := path.Split(name)
		dir = strings.TrimSuffix(dir, "/")
		if dir != "" && !strings.Contains(dir, "/") && strings.HasSuffix(file, ".json") {
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
		n, err := sink.Append(ctx, batch...)
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
	for i, name := range daily {
		if err := ctx.Err(); err != nil {
			return sum, err
		}
		dir, _ := path.Split(name)
		folder := strings.TrimSuffix(dir, "/")
		chID, ok := channels[folder]
		if !ok {
			sum.Skipped["unknown channel folder"]++
			continue
		}
		b, err := read(files[name])
		if err != nil {
			if feedbackbot.ErrorCode(err) == feedbackbot.EINVALID {
				return sum, err
			}
			sum.Errors = append(sum.Errors, err.Error())
			continue
		}
		var msgs []Event
		if err := json.Unmarshal(b, &msgs); err != nil {
			var se *json.SyntaxError
			if errors.As(err, &se) {
				err = fmt.Errorf("invalid JSON at byte %d: %w", se.Offset, err)
			}
			sum.Errors = append(sum.Errors, fmt.Sprintf("%s: %v (file skipped)", name, err))
			continue
		}
		sum.Files++
		var events []feedbackbot.Event
		for _, ev := range msgs {
			ev.Channel = chID
			if ev.Type == "" {
				ev.Type = "message"
			}
			sum.Messages++
			es, err := a.Normalize(ctx, opts.HomeTeam, ev)
			switch {
			case err != nil:
				sum.Skipped["invalid message"]++
			case len(es) == 0:
				sum.Skipped["bot, join or other noise"]++
			default:
				events = append(events, es...)
			}
		}
		if len(events) > 0 {
			batch = append(batch, events...)
			batchFiles = append(batchFiles, name)
		}
		if len(batch) >= opts.BatchEvents || i == len(daily)-1 {
			if err := flush(); err != nil {
				return sum, err
			}
		}
		if time.Since(lastProgress) >= time.Second {
			lastProgress = time.Now()
			progress(i + 1)
		}
	}
	if err := flush(); err != nil {
		return sum, err
	}
	progress(len(daily))
	return sum, nil
}

func cmpStr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
