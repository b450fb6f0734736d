package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/feedbackbot/feedbackbot/adapters/discord/discordtest"
)

const (
	dGuild    = "100000000000000001"
	dStaff    = "300000000000000001"
	dMember   = "300000000000000003"
	dBotRole  = "300000000000000004"
	dGeneral  = "400000000000000001"
	dInternal = "400000000000000003"
	dAlice    = "200000000000000001"
	dSam      = "200000000000000003"
)

// discordFake starts a fake Discord with one guild: a public #general and a
// staff-only #cs-internal, which the bot's role may read and post to as the
// invite link's permissions let it. The fake accepts discordtest.Token only, so
// the config's token is the fake's.
func discordFake(t *testing.T) *discordtest.Server {
	return discordFakeWith(t, botPostPermissions)
}

// botPostPermissions are the invite link's permissions that posting needs.
const botPostPermissions = int64(discordgo.PermissionViewChannel | discordgo.PermissionSendMessages | discordgo.PermissionEmbedLinks |
	discordgo.PermissionAttachFiles | discordgo.PermissionReadMessageHistory)

// discordFakeWith is discordFake with the bot's role holding botPerms, and
// the overwrites more on #cs-internal.
func discordFakeWith(t *testing.T, botPerms int64, more ...*discordgo.PermissionOverwrite) *discordtest.Server {
	fake := discordtest.New(t)
	view := int64(discordgo.PermissionViewChannel | discordgo.PermissionSendMessages)
	fake.AddGuild(&discordgo.Guild{ID: dGuild, Name: "Acme Community", OwnerID: "200000000000000009", Roles: []*discordgo.Role{
		{ID: dGuild, Name: "@everyone", Permissions: view}, {ID: dStaff, Name: "Support", Permissions: view}, {ID: dMember, Name: "Member", Permissions: view},
		{ID: dBotRole, Name: "feedbackbot", Managed: true, Permissions: botPerms}}},
		&discordgo.Channel{ID: dGeneral, Name: "general", Type: discordgo.ChannelTypeGuildText},
		&discordgo.Channel{ID: dInternal, Name: "cs-internal", Type: discordgo.ChannelTypeGuildText, PermissionOverwrites: append([]*discordgo.PermissionOverwrite{
			{ID: dGuild, Type: discordgo.PermissionOverwriteTypeRole, Deny: discordgo.PermissionViewChannel},
			{ID: dStaff, Type: discordgo.PermissionOverwriteTypeRole, Allow: discordgo.PermissionViewChannel},
			{ID: dBotRole, Type: discordgo.PermissionOverwriteTypeRole, Allow: discordgo.PermissionViewChannel}}, more...)})
	fake.SetRoleTags(dBotRole, map[string]any{"bot_id": fake.BotID})
	fake.AddMember(dGuild, &discordgo.Member{User: &discordgo.User{ID: fake.BotID, Bot: true}, Roles: []string{dBotRole}})
	return fake
}

func writeDiscordConfig(t *testing.T, dir string, internal ...string) string {
	p := filepath.Join(dir, "feedbackbot.yaml")
	body := "discord:\n  staff_roles: [\"" + dStaff + "\"]\n  internal_channels: [\"" + strings.Join(internal, `", "`) + "\"]\n"
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestRunWithDiscord: the bot runs against the fake Discord; a member's message is
// captured and analysed, and a staff member's "/feedback account" is answered from it.
func TestRunWithDiscord(t *testing.T) {
	fake := discordFake(t)
	dir := t.TempDir()
	t.Chdir(dir)
	cfgPath := writeDiscordConfig(t, dir, dInternal)
	m, _, errb := testMain(map[string]string{"FEEDBACKBOT_DATA": dir, "DISCORD_TOKEN": discordtest.Token})
	_, cancel, done := startServe(t, m, cfgPath)
	if !fake.WaitConnected(10 * time.Second) {
		t.Fatalf("never connected:\n%s", errb)
	}
	fake.Dispatch("MESSAGE_CREATE", map[string]any{"id": "1200000000000000001", "channel_id": dGeneral, "guild_id": dGuild, "type": 0,
		"content": "we were charged twice and nobody answers", "timestamp": time.Now().Add(-time.Hour).UTC().Format(time.RFC3339Nano),
		"author": map[string]any{"id": dAlice, "username": "alice"}, "member": map[string]any{"roles": []string{dMember}}})
	var reply string
	for i := 0; i < 100 && !strings.Contains(reply, "charged twice"); i++ {
		id := "7000000000000001" + string(rune('0'+i/10)) + string(rune('0'+i%10))
		fake.Dispatch("INTERACTION_CREATE", map[string]any{"id": id, "application_id": fake.AppID, "type": 2, "token": "tok" + id,
			"guild_id": dGuild, "channel_id": dInternal,
			"member": map[string]any{"user": map[string]any{"id": dSam, "username": "sam"}, "roles": []string{dStaff}},
			"data": map[string]any{"id": "1", "name": "feedback", "type": 1, "options": []any{map[string]any{"name": "account", "type": 1,
				"options": []any{map[string]any{"name": "account", "type": 3, "value": dAlice}}}}}})
		if req, ok := fake.WaitRequest("/interactions/"+id+"/", 0, 5*time.Second); ok {
			reply = string(req.JSON)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(reply, "charged twice") || !strings.Contains(reply, `"flags":64`) {
		t.Fatalf("account reply does not show the captured message (or is not ephemeral):\n%s\nlogs:\n%s", reply, errb)
	}
	// Staff correct it by its Discord link, through /feedback correct's options.
	const cid = "7000000000000002000"
	link := "https://discord.com/channels/" + dGuild + "/" + dGeneral + "/1200000000000000001"
	fake.Dispatch("INTERACTION_CREATE", map[string]any{"id": cid, "application_id": fake.AppID, "type": 2, "token": "tok" + cid,
		"guild_id": dGuild, "channel_id": dInternal,
		"member": map[string]any{"user": map[string]any{"id": dSam, "username": "sam"}, "roles": []string{dStaff}},
		"data": map[string]any{"id": "1", "name": "feedback", "type": 1, "options": []any{map[string]any{"name": "correct", "type": 1,
			"options": []any{map[string]any{"name": "message", "type": 3, "value": link}, map[string]any{"name": "changes", "type": 3, "value": "neutral intent=question"}}}}}})
	req, ok := fake.WaitRequest("/interactions/"+cid+"/", 0, 5*time.Second)
	if got := string(req.JSON); !ok || !strings.Contains(got, "Corrected.") || !strings.Contains(got, "intent: **question** (analysis:") || !strings.Contains(got, `"flags":64`) {
		t.Errorf("correct over the gateway: %v\n%s\nlogs:\n%s", ok, got, errb)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop")
	}
}

// TestRunRefusesMissingMessageContentIntent: start-up stops with the explanation.
func TestRunRefusesMissingMessageContentIntent(t *testing.T) {
	fake := discordFake(t)
	fake.RefuseIntents(discordgo.IntentMessageContent)
	dir := t.TempDir()
	t.Chdir(dir)
	m, _, _ := testMain(map[string]string{"FEEDBACKBOT_DATA": dir, "DISCORD_TOKEN": discordtest.Token})
	_, _, done := startServe(t, m, writeDiscordConfig(t, dir, dInternal))
	if err := <-done; err == nil || !strings.Contains(err.Error(), "Message Content Intent") {
		t.Fatalf("serve = %v; want the Message Content explanation", err)
	}
}

// TestRunRefusesReadableInternalChannel: an internal channel members can read stops
// start-up before anything is posted.
func TestRunRefusesReadableInternalChannel(t *testing.T) {
	discordFake(t)
	dir := t.TempDir()
	t.Chdir(dir)
	m, _, _ := testMain(map[string]string{"FEEDBACKBOT_DATA": dir, "DISCORD_TOKEN": discordtest.Token})
	_, _, done := startServe(t, m, writeDiscordConfig(t, dir, dGeneral))
	if err := <-done; err == nil || !strings.Contains(err.Error(), "@everyone") {
		t.Fatalf("serve = %v; want a refusal naming @everyone", err)
	}
}

// TestImportDiscordExport: the import command reads DiscordChatExporter files and
// analyses them; the customer shows up in risk.
func TestImportDiscordExport(t *testing.T) {
	src, err := filepath.Abs("../../adapters/discord/testdata/dce")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	t.Chdir(dir)
	env := map[string]string{"FEEDBACKBOT_DATA": dir}
	cfgPath := filepath.Join(dir, "feedbackbot.yaml")
	os.WriteFile(cfgPath, []byte("discord:\n  staff_roles: [\""+dStaff+"\"]\n  role_accounts: {\"300000000000000002\": acme}\n"), 0o600)
	m, out, errb := testMain(env)
	if err := m.Run(context.Background(), []string{"import", "--config", cfgPath, "--discord-export", src}); err != nil {
		t.Fatalf("import: %v\n%s", err, errb)
	}
	if !strings.Contains(out.String(), "2 files, 17 messages, 13 new") || !strings.Contains(out.String(), "Analysed 13") ||
		!strings.Contains(out.String(), "skipped 1: bot message") || !strings.Contains(errb.String(), "[2/2] support-thread.json") {
		t.Fatalf("import output:\n%s\n%s", out, errb)
	}
	m2, out2, _ := testMain(env)
	if err := m2.Run(context.Background(), []string{"risk", "--config", cfgPath, "--as-of", "2026-11-21T12:00:00Z", "--json"}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out2.String(), `"id": "acme"`) {
		t.Fatalf("the imported customer account should show in risk:\n%s", out2)
	}
}

// TestImportDiscordWithProblemsFails: a truncated file and a malformed message are
// left out and named, everything else is imported and analysed, and the command
// exits with status 1.
func TestImportDiscordWithProblemsFails(t *testing.T) {
	src, err := os.ReadFile("../../adapters/discord/testdata/dce/general.json")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	exp := filepath.Join(dir, "export")
	os.Mkdir(exp, 0o700)
	os.WriteFile(filepath.Join(exp, "a.json"), src, 0o600)
	os.WriteFile(filepath.Join(exp, "b.json"), src[:len(src)/2], 0o600)
	os.WriteFile(filepath.Join(exp, "c.json"), []byte(`{"guild":{"id":"1"},"channel":{"id":"2"},"messages":[{"id":"4","type":"Default","timestamp":"yesterday","content":"x","author":{"id":"3"}},`+
		`{"id":"5","type":"Default","timestamp":"2026-11-20T10:00:00Z","content":"the sync is broken again","author":{"id":"3"}}]}`), 0o600)
	m, out, _ := testMain(map[string]string{"FEEDBACKBOT_DATA": dir})
	err = m.Run(context.Background(), []string{"import", "--discord-export", exp})
	if err == nil || !strings.Contains(err.Error(), "2 problems") || exitCode(io.Discard, err) != 1 {
		t.Fatalf("import with problems: %v; want a failure naming 2 problems, exit status 1\n%s", err, out)
	}
	for _, want := range []string{"2 files, 16 messages, 11 new", "skipped 1 file,", "problem: discord export b.json: the file ends in message #7",
		`problem: discord export c.json: message #1 (id "4") skipped: bad timestamp`, "Analysed 11 log entries"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output does not say %q:\n%s", want, out)
		}
	}
	if strings.Contains(err.Error(), "read no message") {
		t.Errorf("an import that read messages says it read none: %v", err)
	}
	// (it named a Slack export's parts: "daily files, messages or users")
	if !strings.Contains(err.Error(), "left out 2 problems: files or messages, counted") || strings.Contains(err.Error(), "daily") {
		t.Errorf("the failure names what a Discord export's problems are in as a Slack export's: %v", err)
	}
	// An import that read nothing says so, rather than that everything else was
	// imported.
	bad := filepath.Join(dir, "bad")
	os.Mkdir(bad, 0o700)
	os.WriteFile(filepath.Join(bad, "b.json"), src[:len(src)/2], 0o600)
	m2, out2, _ := testMain(map[string]string{"FEEDBACKBOT_DATA": dir})
	err = m2.Run(context.Background(), []string{"import", "--discord-export", bad})
	if err == nil || !strings.Contains(err.Error(), "read no message") || strings.Contains(err.Error(), "everything else") || exitCode(io.Discard, err) != 1 {
		t.Errorf("an import that read nothing: %v\n%s", err, out2)
	}
}

// TestConfigCheckNamesMissingDiscordPermissions: config check asks Discord
// what the bot may do in each digest and alert channel, as Discord's rules give
// it (its roles, then the channel's overwrites for @everyone, its roles and
// itself), and names each permission posting needs that it lacks, with what
// goes without it; one with them all passes. A channel the bot cannot see is
// said once.
func TestConfigCheckNamesMissingDiscordPermissions(t *testing.T) {
	for _, tc := range []struct {
		name     string
		botPerms int64
		more     []*discordgo.PermissionOverwrite
		want     []string // in the error; none: it passes
		not      []string
	}{
		{name: "every permission", botPerms: botPostPermissions},
		{name: "the role without history and files", botPerms: botPostPermissions &^ (discordgo.PermissionReadMessageHistory | discordgo.PermissionAttachFiles),
			want: []string{"#cs-internal", "lacks 2 permissions", "Attach Files (a digest's chart", "Read Message History (a digest or alert whose replica died"},
			not:  []string{"Embed Links", "Send Messages"}},
		{name: "the channel denies the bot's role embeds", botPerms: botPostPermissions,
			more: []*discordgo.PermissionOverwrite{{ID: dBotRole, Type: discordgo.PermissionOverwriteTypeRole, Deny: discordgo.PermissionEmbedLinks}},
			want: []string{"lacks 1 permission:", "Embed Links"}},
		{name: "the channel denies the bot itself sending", botPerms: botPostPermissions,
			more: []*discordgo.PermissionOverwrite{{ID: "900000000000000001", Type: discordgo.PermissionOverwriteTypeMember, Deny: discordgo.PermissionSendMessages}},
			want: []string{"lacks 1 permission:", "Send Messages (nothing can be posted there)"}},
		{name: "Administrator", botPerms: discordgo.PermissionAdministrator},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := discordFakeWith(t, tc.botPerms, tc.more...)
			if fake.BotID != "900000000000000001" {
				t.Fatalf("the fake's bot is %s; the member overwrite names another", fake.BotID)
			}
			dir := t.TempDir()
			t.Chdir(dir)
			writeDiscordConfig(t, dir, dInternal)
			m, out, _ := testMain(map[string]string{"DISCORD_TOKEN": discordtest.Token})
			err := m.Run(context.Background(), []string{"config", "check"})
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("config check: %v\n%s", err, out)
				}
				return
			}
			if err == nil {
				t.Fatalf("config check passed; want it to name %q\n%s", tc.want, out)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("config check's error lacks %q: %v", w, err)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(err.Error(), n) {
					t.Errorf("config check's error names %q, which the bot has: %v", n, err)
				}
			}
		})
	}
}

// TestConfigCheckAsksDiscordWhoCanRead: config check refuses an internal channel
// that members can read, and accepts the staff-only one.
func TestConfigCheckAsksDiscordWhoCanRead(t *testing.T) {
	discordFake(t)
	dir := t.TempDir()
	t.Chdir(dir)
	writeDiscordConfig(t, dir, dInternal, dGeneral)
	m, out, _ := testMain(map[string]string{"DISCORD_TOKEN": discordtest.Token})
	err := m.Run(context.Background(), []string{"config", "check"})
	if err == nil || !strings.Contains(err.Error(), "#general") || !strings.Contains(err.Error(), "@everyone") || strings.Contains(err.Error(), "cs-internal") {
		t.Fatalf("config check should refuse only #general: %v\n%s", err, out)
	}
	if strings.Contains(err.Error()+out.String(), discordtest.Token) {
		t.Error("config check printed the token")
	}
}
