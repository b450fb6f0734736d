package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/feedbackbot/feedbackbot"
	discordadapter "github.com/feedbackbot/feedbackbot/adapters/discord"
	"github.com/feedbackbot/feedbackbot/config"
	"github.com/feedbackbot/feedbackbot/store"
)

func init() {
	destinationChecks = append(destinationChecks, destinationCheck{platform: "discord", check: checkDiscordDestinations})
	platformStarters["discord"] = startDiscord
	importers["discord"] = importer{flag: "discord-export", help: "the DiscordChatExporter JSON export to import, `FILE.json|DIR`: a file, or a directory of them",
		check: checkDiscordExport, run: importDiscord}
}

// checkDiscordExport refuses, before any store is opened, a --discord-export that
// cannot be one: neither a file nor a directory, a directory holding no .json
// file, or a zip archive (DiscordChatExporter writes JSON files; a Slack export is
// a zip).
func checkDiscordExport(path string, fi fs.FileInfo) error {
	switch {
	case fi.Mode().IsRegular():
		if isZipFile(path) {
			return usagef("import: --discord-export %s is a zip archive: give DiscordChatExporter's JSON export, a .json file or a directory of them "+
				"(a Slack export is imported with --slack-export)", path)
		}
		if why := notDCEExport(path); why != "" {
			return usagef("import: --discord-export %s %s: give DiscordChatExporter's JSON export, a .json file or a directory of them", path, why)
		}
		return nil
	case !fi.IsDir():
		// (never opened: a FIFO would block the open until someone writes to it)
		return usagef("import: --discord-export %s is not a regular file or a directory (a FIFO or a device): give DiscordChatExporter's .json file, "+
			"or a directory of them", path)
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // (the path is said once)
		}
		return fmt.Errorf("import: --discord-export %s: %w", path, err)
	}
	jsons, why := 0, ""
	for _, e := range entries {
		if !strings.EqualFold(filepath.Ext(e.Name()), ".json") || !e.Type().IsRegular() {
			continue
		}
		jsons++
		if why = notDCEExport(filepath.Join(path, e.Name())); why == "" {
			return nil // (one export is enough: the others are reported by the import)
		}
	}
	if jsons > 0 {
		return usagef("import: --discord-export %s holds %s, and none is DiscordChatExporter's JSON export (the last %s): export with its JSON format", path,
			feedbackbot.CountNoun(jsons, ".json file", ".json files"), why)
	}
	return usagef("import: --discord-export %s holds no .json files: export with DiscordChatExporter's JSON format, and give the file or the directory holding them", path)
}

// notDCEExport says why the file at path is no DiscordChatExporter export ("":
// it may be one, or it could not be told), reading its first 16 MiB at most:
// not a JSON object, or an object without a "messages" list. The store is
// opened after this check, and a file that was no export left an empty store
// behind (a review's find).
func notDCEExport(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return "" // (the import reports it)
	}
	defer f.Close()
	br := bufio.NewReader(io.LimitReader(f, 16<<20))
	if b, err := br.Peek(3); err == nil && string(b) == "\xef\xbb\xbf" {
		br.Discard(3)
	}
	dec := json.NewDecoder(br)
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return "is not a JSON object"
	}
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return "" // (cut at the limit, or broken further on: the import says)
		}
		if key == "messages" {
			return ""
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return ""
		}
	}
	if _, err := dec.Token(); err != nil {
		return ""
	}
	return `has no "messages" list`
}

// isZipFile reports whether the file at path begins as a zip archive does; a
// file that cannot be read is left for the import to report.
func isZipFile(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var head [4]byte
	if _, err := io.ReadFull(f, head[:]); err != nil {
		return false
	}
	return string(head[:]) == "PK\x03\x04" || string(head[:]) == "PK\x05\x06"
}

func accountNames(cfg config.Config) map[string]string {
	names := map[string]string{}
	for _, a := range cfg.Accounts {
		names[a.ID] = a.Name
	}
	return names
}

func discordConfig(cfg config.Config) discordadapter.Config {
	c := cfg.Discord
	return discordadapter.Config{Token: c.Token.Value(), Guilds: c.Guilds, Channels: c.Channels, IgnoreChannels: c.IgnoreChannels,
		StaffRoles: c.StaffRoles, StaffUsers: c.StaffUsers, RoleAccounts: c.RoleAccounts, ChannelAccounts: c.ChannelAccounts,
		AccountNames: accountNames(cfg), InternalChannels: c.InternalChannels,
		SurveyReaction: cfg.Surveys.DiscordReaction, SurveySample: cfg.Surveys.Sample, SurveyKind: cfg.Surveys.Kind}
}

// discordDestinations are the internal channels plus every digest and alert channel on Discord.
func discordDestinations(cfg config.Config) []string {
	channels := slices.Clone(cfg.Discord.InternalChannels)
	for _, d := range cfg.Digests {
		if d.Platform == "discord" && !slices.Contains(channels, d.Channel) {
			channels = append(channels, d.Channel)
		}
	}
	if cfg.Alerts.Platform == "discord" && cfg.Alerts.Channel != "" && !slices.Contains(channels, cfg.Alerts.Channel) {
		channels = append(channels, cfg.Alerts.Channel)
	}
	return channels
}

// discordLeaseTTL is how long the gateway lease lasts unrenewed: the takeover time
// when the replica holding the gateway dies without releasing it.
var discordLeaseTTL = 30 * time.Second

// discordLeaseHolder names this replica for the gateway lease, like the scheduler's.
var discordLeaseHolder = func(replica string) string { return replica }

// The Discord adapter searches its channels for its posts (run.go's
// postFinder): the scheduler and the alerter adopt a post a replica died after.
var _ postFinder = (*discordadapter.Adapter)(nil)

// startDiscord connects to the gateway when DISCORD_TOKEN is set. A refused token or
// Message Content intent stops start-up with the explanation.
//
// With a shared store (Redis) every replica may have the token: the one holding
// the store's gateway lease connects and the others stand by (they check the token
// over REST and post digests and alerts, which needs no gateway) until the lease
// is released or expires. The embedded store is one process's, so it takes no lease:
// a restart after a crash reconnects at once instead of waiting out the old lease.
func startDiscord(ctx context.Context, env platformEnv) (*platform, error) {
	if !env.Config.Discord.Enabled() {
		return nil, nil
	}
	dc := discordConfig(env.Config)
	dc.Logger = env.Logger
	if !env.Config.Store.RedisURL.Empty() {
		dc.Lease, dc.LeaseHolder, dc.LeaseTTL = env.Store, discordLeaseHolder(env.Replica), discordLeaseTTL
	}
	a, err := discordadapter.New(dc, env.Store, env.Commands)
	if err != nil {
		return nil, err
	}
	for _, ch := range discordDestinations(env.Config) {
		err := a.CheckDestination(ctx, ch)
		if err == nil {
			// (what the bot may do there: posts say it too, so a warning)
			if err := a.CheckPostPermissions(ctx, ch); err != nil {
				dc.Logger.Warn("discord: what the bot may do in a digest or alert channel (feedbackbot config check names every problem)", "err", err)
			}
			continue
		}
		if !discordUnavailable(err) {
			return nil, fmt.Errorf("discord internal channels: %w", err)
		}
		// Every post checks its channel again, so a Discord hiccup at start-up
		// (on a standby as much as on the holder) need not stop the replica.
		dc.Logger.Warn("discord: could not check an internal channel at start-up (Discord did not answer); every post checks its channel again",
			"err", err)
	}
	if err := a.Start(ctx); err != nil {
		return nil, err
	}
	return &platform{Name: feedbackbot.PlatformDiscord, Poster: a, Run: a.Run}, nil
}

// discordUnavailable reports whether err means Discord could not answer (a network
// error, a timeout, a 5xx, a rate limit that lasted): worth retrying later, unlike a
// refusal or a configuration problem (a leaky or unknown channel, a 401 or a 403).
func discordUnavailable(err error) bool {
	if err == nil || feedbackbot.ErrorCode(err) == feedbackbot.EUNAUTHORIZED {
		return false
	}
	var re *discordgo.RESTError
	if errors.As(err, &re) && re.Response != nil {
		code := re.Response.StatusCode
		return code >= 500 || code == http.StatusTooManyRequests
	}
	var rl *discordgo.RateLimitError
	return !errors.Is(err, discordgo.ErrUnauthorized) && (errors.As(err, &rl) || !errors.As(err, &re))
}

// importDiscord imports DiscordChatExporter JSON and prints the summary. It takes
// the channels live capture takes, and no others (not the internal channels, nor
// those outside discord.channels when it is set).
func importDiscord(ctx context.Context, m *Main, st store.Store, cfg config.Config, path string, opts importOptions) error {
	imp := discordConfig(cfg).ImportOptions()
	imp.Progress = opts.Progress
	sum, err := discordadapter.ImportExport(ctx, path, imp, st)
	if err != nil {
		return importStopped{stored: sum.Appended, err: err}
	}
	fmt.Fprintf(m.Stdout, "Imported %s: %s, %s, %d new (re-imports store nothing twice).\n", path,
		feedbackbot.CountNoun(sum.Files, "file", "files"), feedbackbot.CountNoun(sum.Messages, "message", "messages"), sum.Appended)
	if sum.FilesSkipped > 0 {
		fmt.Fprintf(m.Stdout, "  skipped %s, named below\n", feedbackbot.CountNoun(sum.FilesSkipped, "file", "files"))
	}
	for _, reason := range slices.Sorted(maps.Keys(sum.Skipped)) {
		fmt.Fprintf(m.Stdout, "  skipped %d: %s\n", sum.Skipped[reason], reason)
	}
	for _, e := range sum.Errors {
		fmt.Fprintf(m.Stdout, "  problem: %s\n", printable(e))
	}
	if sum.Problems() > 0 {
		// (it named a Slack export's daily files, which a Discord export has none of)
		return importProblems{n: sum.Problems(), none: sum.Messages == 0, parts: "files or messages"}
	}
	return nil
}

// checkDiscordDestinations asks Discord who can read every channel digests and
// alerts may go to, and whether the bot may post there (CheckPostPermissions).
func checkDiscordDestinations(ctx context.Context, cfg config.Config) []error {
	if !cfg.Discord.Enabled() {
		return nil
	}
	a, err := discordadapter.New(discordConfig(cfg), nil, nil)
	if err != nil {
		return []error{err}
	}
	var errs []error
	for _, ch := range discordDestinations(cfg) {
		err := a.CheckDestination(ctx, ch)
		if err == nil {
			// (then whether the bot may post there as it does: said once per channel)
			err = a.CheckPostPermissions(ctx, ch)
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}
