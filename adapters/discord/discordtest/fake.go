// Package discordtest is a fake Discord for tests: a REST API and a gateway websocket
// on loopback that speak the real protocol (hello, identify, ready, heartbeat and its
// ack, dispatch, resume with replay of missed events, reconnect, invalid session and
// close codes), so a real discordgo session can be pointed at it. It keeps the
// messages dispatched (or added) per channel, and the bot's own posts (edited and
// deleted as asked), and serves them on GET /channels/{id}/messages as Discord
// does, and counts concurrent gateway sessions
// (Spans has when each was open). Like Discord, it invalidates a session whose client
// closed it with code 1000 or 1001: a resume of it gets op 9, and the client
// identifies afresh. A post with enforce_nonce whose nonce the bot used before in
// the channel is answered with that message, as Discord does within minutes.
//
// discordgo keeps its endpoints in package variables, so Use rewrites them for the
// duration of a test: tests that use a Server must not run in parallel.
package discordtest

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"
)

// Token is the bot token the fake accepts (sent as "Bot " + Token).
const Token = "MTA5OTk5.fake-discord.token"

// Gateway opcodes.
const (
	opDispatch       = 0
	opHeartbeat      = 1
	opIdentify       = 2
	opResume         = 6
	opReconnect      = 7
	opInvalidSession = 9
	opHello          = 10
	opHeartbeatAck   = 11
)

// Request is one REST call the fake received.
type Request struct {
	Method, Path string
	// JSON is the request's JSON body (for multipart, the payload_json part).
	JSON json.RawMessage
	// Files are the uploaded attachments by file name.
	Files map[string][]byte
	Auth  string
	// Query is the request's query string (after=, limit=...).
	Query url.Values
}

// Span is one gateway session as the fake saw it: from the identify or resume that
// opened it to the end of its connection (Closed is zero while it is open).
type Span struct {
	Opened, Closed time.Time
	Resumed        bool
}

// Identify is what a client sent in op 2.
type Identify struct {
	Token   string `json:"token"`
	Intents int    `json:"intents"`
}

// Server is a running fake Discord.
type Server struct {
	t    testing.TB
	http *httptest.Server
	up   websocket.Upgrader

	// BotID and AppID identify the bot user and its application.
	BotID, AppID string

	mu       sync.Mutex
	guilds   map[string]*discordgo.Guild
	channels map[string]*discordgo.Channel
	members  map[string]*discordgo.Member          // guild/user
	roleTags map[string]map[string]any             // role id -> its tags, as REST serves them
	messages map[string]map[string]json.RawMessage // channel -> message id -> message, as REST serves it
	// nonced: the bot's posts made with enforce_nonce, by channel and nonce
	// (Discord keeps them a few minutes; the fake for the test's length)
	nonced map[string]*discordgo.Message
	// unreadable: channels whose history the bot may not read (HideHistory)
	unreadable map[string]bool
	requests   []Request
	identifies []Identify
	resumes    int
	// gateway session
	conn      *websocket.Conn
	connMu    sync.Mutex // serialises writes to conn
	sessionID string
	seq       int64
	history   []frame // dispatches of the current session, for resume
	sessions  int
	open      int // gateway connections past identify or resume, not yet closed
	maxOpen   int
	spans     []Span
	// behaviour
	refuseIntents int  // close 4014 when an identify asks for any of these
	revoked       bool // the token no longer works (gateway 4004, REST 401)
	rateLimits    []rateLimit
	failures      []failure
	holds         []hold
	helloStalls   []time.Duration // delays before the hello of the next gateway connections
	stallAnswers  int             // stalled connections that sent a first frame after their hello
	dials         int             // gateway websocket connections accepted
	waiting       map[string]int  // requests waiting on a hold, by the hold's prefix
	nextID        int64
	connected     chan struct{}
}

type frame struct {
	Op int             `json:"op"`
	D  json.RawMessage `json:"d,omitempty"`
	S  int64           `json:"s,omitempty"`
	T  string          `json:"t,omitempty"`
}

type hold struct {
	method, prefix string
	release        chan struct{}
}

type failure struct {
	method, prefix string
	status         int
	code           int    // Discord's JSON error code (0: none)
	message        string // and its message ("": the status's text, injected)
}

type rateLimit struct {
	method, prefix string
	retryAfter     time.Duration
	global         bool
}

// New starts a fake Discord and points discordgo at it until the test ends.
func New(t testing.TB) *Server {
	t.Helper()
	s := &Server{t: t, BotID: "900000000000000001", AppID: "900000000000000002",
		guilds: map[string]*discordgo.Guild{}, channels: map[string]*discordgo.Channel{}, members: map[string]*discordgo.Member{}, roleTags: map[string]map[string]any{},
		messages: map[string]map[string]json.RawMessage{}, waiting: map[string]int{}, nonced: map[string]*discordgo.Message{}, unreadable: map[string]bool{},
		nextID: 1_300_000_000_000_000_000, connected: make(chan struct{}, 16)}
	s.http = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	s.use(t)
	return s
}

// URL is the fake's base address.
func (s *Server) URL() string { return s.http.URL }

// Close stops the server and drops the gateway connection.
func (s *Server) Close() {
	s.mu.Lock()
	c := s.conn
	s.conn = nil
	s.mu.Unlock()
	if c != nil {
		_ = c.Close()
	}
	s.http.CloseClientConnections()
	s.http.Close()
}

// use rewrites discordgo's endpoint variables (those computed at init) and restores them.
func (s *Server) use(t testing.TB) {
	saved := []string{discordgo.EndpointDiscord, discordgo.EndpointAPI, discordgo.EndpointGuilds, discordgo.EndpointChannels,
		discordgo.EndpointUsers, discordgo.EndpointGateway, discordgo.EndpointGatewayBot, discordgo.EndpointWebhooks,
		discordgo.EndpointApplications}
	base := s.http.URL + "/"
	discordgo.EndpointDiscord = base
	discordgo.EndpointAPI = base + "api/v" + discordgo.APIVersion + "/"
	discordgo.EndpointGuilds = discordgo.EndpointAPI + "guilds/"
	discordgo.EndpointChannels = discordgo.EndpointAPI + "channels/"
	discordgo.EndpointUsers = discordgo.EndpointAPI + "users/"
	discordgo.EndpointGateway = discordgo.EndpointAPI + "gateway"
	discordgo.EndpointGatewayBot = discordgo.EndpointGateway + "/bot"
	discordgo.EndpointWebhooks = discordgo.EndpointAPI + "webhooks/"
	discordgo.EndpointApplications = discordgo.EndpointAPI + "applications"
	t.Cleanup(func() {
		discordgo.EndpointDiscord, discordgo.EndpointAPI, discordgo.EndpointGuilds, discordgo.EndpointChannels,
			discordgo.EndpointUsers, discordgo.EndpointGateway, discordgo.EndpointGatewayBot, discordgo.EndpointWebhooks,
			discordgo.EndpointApplications = saved[0], saved[1], saved[2], saved[3], saved[4], saved[5], saved[6], saved[7], saved[8]
	})
}

// AddGuild adds a guild (with its roles) and its channels; they are sent in GUILD_CREATE
// after READY and served by the REST API.
func (s *Server) AddGuild(g *discordgo.Guild, channels ...*discordgo.Channel) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range channels {
		c.GuildID = g.ID
		s.channels[c.ID] = c
	}
	g.Channels = channels
	s.guilds[g.ID] = g
}

// SetRoleTags gives a role the tags Discord's REST API serves with it (and discordgo
// does not decode): {"bot_id": ID} for a bot's own managed role, {"premium_subscriber":
// nil} for the server's boosters', {"integration_id": ID} for an integration's
// subscribers'.
func (s *Server) SetRoleTags(role string, tags map[string]any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.roleTags[role] = tags
}

// HideHistory makes GET /channels/{id}/messages of channel answer with no
// messages (hidden true) or with them again, as Discord answers a bot that
// lacks Read Message History there: an empty list, not an error. (The fake does
// not work out the bot's permissions itself: a test hides what its roles and
// overwrites deny.)
func (s *Server) HideHistory(channel string, hidden bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.unreadable[channel] = hidden
}

// AddMember makes a member known to GET /guilds/{g}/members/{u}.
func (s *Server) AddMember(guild string, m *discordgo.Member) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m.GuildID = guild
	s.members[guild+"/"+m.User.ID] = m
}

// RefuseIntents makes the gateway close with 4014 (disallowed intents) when an identify
// asks for any of these intents, as Discord does when Message Content is not enabled.
func (s *Server) RefuseIntents(intents discordgo.Intent) {
	s.mu.Lock()
	s.refuseIntents = int(intents)
	s.mu.Unlock()
}

// RevokeToken makes the bot token invalid from now on, as a reset in the Developer
// Portal does: identify is closed with 4004, resume gets op 9, REST calls get 401.
func (s *Server) RevokeToken() {
	s.mu.Lock()
	s.revoked = true
	s.mu.Unlock()
}

func (s *Server) tokenOK(t string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return !s.revoked && t == "Bot "+Token
}

// RateLimitNext answers the next request whose method matches and whose path starts
// with prefix (after /api/v9) with HTTP 429 and this retry_after.
func (s *Server) RateLimitNext(method, prefix string, retryAfter time.Duration, global bool) {
	s.mu.Lock()
	s.rateLimits = append(s.rateLimits, rateLimit{method, prefix, retryAfter, global})
	s.mu.Unlock()
}

// RefuseNext answers the next request whose method matches and whose path
// starts with prefix with 403 and Discord's error code and message (50001
// "Missing Access": a channel the bot cannot see; 50013 "Missing Permissions").
func (s *Server) RefuseNext(method, prefix string, code int, message string) {
	s.mu.Lock()
	s.failures = append(s.failures, failure{method, prefix, http.StatusForbidden, code, message})
	s.mu.Unlock()
}

// FailNext answers the next n requests whose method matches and whose path starts
// with prefix (after /api/v9) with this HTTP status (a 500 or 503: Discord having a
// bad moment).
func (s *Server) FailNext(method, prefix string, status, n int) {
	s.mu.Lock()
	for range n {
		s.failures = append(s.failures, failure{method: method, prefix: prefix, status: status})
	}
	s.mu.Unlock()
}

// HoldNext makes the next request whose method matches and whose path starts with
// prefix wait, once received, until release is called (or the test ends); it is
// answered from what the fake holds at release, so an event dispatched meanwhile
// with DispatchRaw (which changes nothing REST serves) is missing from the answer,
// as from a page Discord served just before that event.
func (s *Server) HoldNext(method, prefix string) (release func()) {
	h := hold{method, prefix, make(chan struct{})}
	s.mu.Lock()
	s.holds = append(s.holds, h)
	s.mu.Unlock()
	var once sync.Once
	release = func() { once.Do(func() { close(h.release) }) }
	s.t.Cleanup(release)
	return release
}

// Held reports whether a request is waiting on a HoldNext made with this prefix.
func (s *Server) Held(prefix string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.waiting[prefix] > 0
}

// StallNextGateway makes the next gateway connection wait d before the server sends
// its hello, as a slow or overloaded gateway does; the client's Open waits meanwhile.
func (s *Server) StallNextGateway(d time.Duration) {
	s.mu.Lock()
	s.helloStalls = append(s.helloStalls, d)
	s.mu.Unlock()
}

// GatewayDials counts the gateway websocket connections accepted so far (sessions or
// not).
func (s *Server) GatewayDials() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dials
}

// Requests returns the REST calls received so far whose path starts with prefix.
func (s *Server) Requests(prefix string) []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Request
	for _, r := range s.requests {
		if strings.HasPrefix(r.Path, prefix) {
			out = append(out, r)
		}
	}
	return out
}

// WaitRequest waits until a request with the prefix has arrived (beyond the first
// skip ones) and returns it.
func (s *Server) WaitRequest(prefix string, skip int, timeout time.Duration) (Request, bool) {
	deadline := time.Now().Add(timeout)
	for {
		if rs := s.Requests(prefix); len(rs) > skip {
			return rs[skip], true
		}
		if time.Now().After(deadline) {
			return Request{}, false
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Identifies returns the identify payloads received.
func (s *Server) Identifies() []Identify {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Identify(nil), s.identifies...)
}

// StallAnswers counts the stalled gateway connections (see StallNextGateway) whose
// client sent its identify or resume after the late hello: a client that abandoned
// the connection sends nothing.
func (s *Server) StallAnswers() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stallAnswers
}

// Resumes counts successful resumes.
func (s *Server) Resumes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.resumes
}

// WaitConnected waits for the next READY or RESUMED to be sent.
func (s *Server) WaitConnected(timeout time.Duration) bool {
	select {
	case <-s.connected:
		return true
	case <-time.After(timeout):
		return false
	}
}

// WaitConnected's signal; a test that does not wait for every connection must not
// block the gateway.
func (s *Server) signalConnected() {
	select {
	case s.connected <- struct{}{}:
	default:
	}
}

// Connections returns how many gateway sessions are open now and the most that
// were open at the same time.
func (s *Server) Connections() (open, max int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.open, s.maxOpen
}

// Spans returns every gateway session so far, in the order they opened.
func (s *Server) Spans() []Span {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.spans)
}

// Overlaps returns the pairs of sessions that were open at the same time.
func (s *Server) Overlaps() [][2]Span {
	spans := s.Spans()
	var out [][2]Span
	for i, a := range spans {
		for _, b := range spans[i+1:] {
			if a.Closed.IsZero() || b.Opened.Before(a.Closed) {
				out = append(out, [2]Span{a, b})
			}
		}
	}
	return out
}

// AddMessage records a message (a MESSAGE_CREATE payload: id, channel_id, author,
// content...) as written in its channel without dispatching it, as if it was sent
// while no gateway session was up; GET /channels/{id}/messages serves it.
func (s *Server) AddMessage(data any) {
	s.t.Helper()
	s.Offline("MESSAGE_CREATE", data)
}

// Offline changes a channel's messages as REST serves them, without dispatching:
// event is MESSAGE_CREATE, MESSAGE_UPDATE (data with the new content and
// edited_timestamp) or MESSAGE_DELETE (data with id and channel_id), as if it
// happened while no gateway session was up.
func (s *Server) Offline(event string, data any) {
	s.t.Helper()
	raw := s.marshal(event, data)
	s.mu.Lock()
	s.record(event, raw)
	s.mu.Unlock()
}

// record keeps the channel's messages as REST serves them: without guild_id and
// member, which only gateway events carry. Callers hold s.mu.
func (s *Server) record(event string, raw json.RawMessage) {
	if event != "MESSAGE_CREATE" && event != "MESSAGE_UPDATE" && event != "MESSAGE_DELETE" {
		return
	}
	var m map[string]any
	if json.Unmarshal(raw, &m) != nil {
		return
	}
	id, _ := m["id"].(string)
	ch, _ := m["channel_id"].(string)
	if id == "" || ch == "" {
		return
	}
	if event == "MESSAGE_DELETE" {
		delete(s.messages[ch], id)
		return
	}
	if _, ok := m["content"]; !ok {
		return // a partial update (an unfurl) changes nothing we serve
	}
	delete(m, "guild_id")
	delete(m, "member")
	rest, err := json.Marshal(m)
	if err != nil {
		return
	}
	if s.messages[ch] == nil {
		s.messages[ch] = map[string]json.RawMessage{}
	}
	s.messages[ch][id] = rest
}

// channelMessages serves GET /channels/{id}/messages?after=&before=&limit= like
// Discord: up to limit (default 50, at most 100) messages, newest first; with
// after, the ones right after that id; otherwise the newest (before before).
func (s *Server) channelMessages(channel string, q url.Values) []json.RawMessage {
	limit := 50
	if n, err := strconv.Atoi(q.Get("limit")); err == nil && n >= 1 && n <= 100 {
		limit = n
	}
	after, before := q.Get("after"), q.Get("before")
	s.mu.Lock()
	if s.unreadable[channel] {
		s.mu.Unlock()
		return []json.RawMessage{}
	}
	var ids []string
	for id := range s.messages[channel] {
		if (after == "" || snowflakeLess(after, id)) && (before == "" || snowflakeLess(id, before)) {
			ids = append(ids, id)
		}
	}
	slices.SortFunc(ids, func(a, b string) int {
		if snowflakeLess(a, b) {
			return -1
		}
		if snowflakeLess(b, a) {
			return 1
		}
		return 0
	})
	if len(ids) > limit {
		if after != "" {
			ids = ids[:limit] // the oldest right after the id
		} else {
			ids = ids[len(ids)-limit:]
		}
	}
	out := make([]json.RawMessage, 0, len(ids))
	for i := len(ids) - 1; i >= 0; i-- {
		out = append(out, s.messages[channel][ids[i]])
	}
	s.mu.Unlock()
	return out
}

func snowflakeLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

// marshal is an event's data as JSON, failing the test when it cannot be.
func (s *Server) marshal(event string, data any) []byte {
	s.t.Helper()
	raw, err := json.Marshal(data)
	if err != nil {
		s.t.Fatalf("discordtest: marshal %s: %v", event, err)
	}
	return raw
}

// Dispatch sends an event (op 0) with the next sequence number. While no client is
// connected it is only kept in the session history, so a resume replays it.
// MESSAGE_CREATE, MESSAGE_UPDATE and MESSAGE_DELETE also change the channel's
// messages served over REST.
func (s *Server) Dispatch(event string, data any) {
	s.t.Helper()
	raw := s.marshal(event, data)
	s.mu.Lock()
	s.record(event, raw)
	s.seq++
	f := frame{Op: opDispatch, D: raw, S: s.seq, T: event}
	s.history = append(s.history, f)
	c := s.conn
	s.mu.Unlock()
	if c != nil {
		_ = s.write(c, f)
	}
}

// DispatchRaw sends a dispatch whose data is raw bytes (for malformed payloads).
func (s *Server) DispatchRaw(event string, raw []byte) {
	s.mu.Lock()
	s.seq++
	f := frame{Op: opDispatch, D: raw, S: s.seq, T: event}
	s.history = append(s.history, f)
	c := s.conn
	s.mu.Unlock()
	if c != nil {
		_ = s.write(c, f)
	}
}

// Drop cuts the gateway connection without a close frame, as a network failure would.
// The session stays resumable.
func (s *Server) Drop() {
	s.mu.Lock()
	c := s.conn
	s.conn = nil
	s.mu.Unlock()
	if c != nil {
		_ = c.UnderlyingConn().Close()
	}
}

// CloseGateway closes the connection with a close code (4004, 4014, 4000...).
func (s *Server) CloseGateway(code int, reason string) {
	s.mu.Lock()
	c := s.conn
	s.conn = nil
	s.mu.Unlock()
	if c != nil {
		s.connMu.Lock()
		_ = c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), time.Now().Add(time.Second))
		s.connMu.Unlock()
		_ = c.Close()
	}
}

// AskReconnect sends op 7: the client must reconnect and resume.
func (s *Server) AskReconnect() {
	s.mu.Lock()
	c := s.conn
	s.mu.Unlock()
	if c != nil {
		_ = s.write(c, frame{Op: opReconnect})
	}
}

func (s *Server) write(c *websocket.Conn, f frame) error {
	s.connMu.Lock()
	defer s.connMu.Unlock()
	_ = c.SetWriteDeadline(time.Now().Add(5 * time.Second))
	return c.WriteJSON(f)
}

// id is a new snowflake as Discord makes them: the millisecond since 2015 in its
// top bits, so that ids order as their times do and GET messages' after= and
// before= of a time select by time (a counter below, always rising).
func (s *Server) id() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID = max(s.nextID+1, (time.Now().UnixMilli()-1420070400000)<<22)
	return strconv.FormatInt(s.nextID, 10)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/gateway" || r.URL.Path == "/gateway/" {
		s.gateway(w, r)
		return
	}
	api := "/api/v" + discordgo.APIVersion
	path, ok := strings.CutPrefix(r.URL.Path, api)
	if !ok {
		http.NotFound(w, r)
		return
	}
	req := Request{Method: r.Method, Path: path, Auth: r.Header.Get("Authorization"), Query: r.URL.Query()}
	if err := readBody(r, &req); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"message": err.Error(), "code": 50035})
		return
	}
	if !s.tokenOK(req.Auth) && !strings.HasPrefix(path, "/interactions/") && !strings.HasPrefix(path, "/webhooks/") {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"message": "401: Unauthorized", "code": 0})
		return
	}
	s.mu.Lock()
	s.requests = append(s.requests, req)
	for i, h := range s.holds {
		if h.method == r.Method && strings.HasPrefix(path, h.prefix) {
			s.holds = slices.Delete(s.holds, i, i+1)
			s.waiting[h.prefix]++
			s.mu.Unlock()
			<-h.release
			s.mu.Lock()
			s.waiting[h.prefix]--
			break
		}
	}
	for i, f := range s.failures {
		if f.method == r.Method && strings.HasPrefix(path, f.prefix) {
			s.failures = slices.Delete(s.failures, i, i+1)
			s.mu.Unlock()
			writeJSON(w, f.status, map[string]any{"message": cmp.Or(f.message, http.StatusText(f.status)+" (injected)"), "code": f.code})
			return
		}
	}
	for i, rl := range s.rateLimits {
		if rl.method == r.Method && strings.HasPrefix(path, rl.prefix) {
			s.rateLimits = append(s.rateLimits[:i], s.rateLimits[i+1:]...)
			s.mu.Unlock()
			secs := rl.retryAfter.Seconds()
			w.Header().Set("Retry-After", strconv.FormatFloat(secs, 'f', 3, 64))
			if rl.global {
				w.Header().Set("X-RateLimit-Global", "true")
			}
			w.Header().Set("X-RateLimit-Scope", "user")
			writeJSON(w, http.StatusTooManyRequests, map[string]any{"message": "You are being rate limited.", "retry_after": secs, "global": rl.global})
			return
		}
	}
	s.mu.Unlock()
	s.rest(w, r.Method, path, req)
}

func readBody(r *http.Request, req *Request) error {
	body, err := io.ReadAll(io.LimitReader(r.Body, 25<<20))
	if err != nil {
		return err
	}
	ct, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "multipart/form-data" {
		if len(body) > 0 {
			if !json.Valid(body) {
				return fmt.Errorf("body is not JSON")
			}
			req.JSON = body
		}
		return nil
	}
	mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	req.Files = map[string][]byte{}
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		data, err := io.ReadAll(p)
		if err != nil {
			return err
		}
		if p.FormName() == "payload_json" {
			req.JSON = data
		} else {
			req.Files[p.FileName()] = data
		}
	}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func (s *Server) rest(w http.ResponseWriter, method, path string, req Request) {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	switch {
	case method == "GET" && (path == "/gateway" || path == "/gateway/bot"):
		u := "ws" + strings.TrimPrefix(s.http.URL, "http") + "/gateway"
		writeJSON(w, 200, map[string]any{"url": u, "shards": 1,
			"session_start_limit": map[string]int{"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}})
	case method == "GET" && path == "/users/@me":
		writeJSON(w, 200, discordgo.User{ID: s.BotID, Username: "feedbackbot", Bot: true})
	case method == "GET" && len(parts) == 2 && parts[0] == "channels":
		if c, ok := s.knownChannel(w, parts[1]); ok {
			writeJSON(w, 200, c)
		}
	case method == "GET" && len(parts) == 2 && parts[0] == "guilds":
		s.mu.Lock()
		g, ok := s.guilds[parts[1]]
		s.mu.Unlock()
		if !ok {
			writeJSON(w, 404, map[string]any{"message": "Unknown Guild", "code": 10004})
			return
		}
		writeJSON(w, 200, g)
	case method == "GET" && len(parts) == 3 && parts[0] == "guilds" && parts[2] == "channels":
		s.mu.Lock()
		g := s.guilds[parts[1]]
		s.mu.Unlock()
		if g == nil {
			writeJSON(w, 404, map[string]any{"message": "Unknown Guild", "code": 10004})
			return
		}
		writeJSON(w, 200, g.Channels)
	case method == "GET" && len(parts) == 3 && parts[0] == "guilds" && parts[2] == "roles":
		s.mu.Lock()
		g := s.guilds[parts[1]]
		s.mu.Unlock()
		if g == nil {
			writeJSON(w, 404, map[string]any{"message": "Unknown Guild", "code": 10004})
			return
		}
		roles := make([]map[string]any, 0, len(g.Roles))
		for _, r := range g.Roles {
			b, _ := json.Marshal(r)
			var m map[string]any
			_ = json.Unmarshal(b, &m)
			s.mu.Lock()
			if tags, ok := s.roleTags[r.ID]; ok {
				m["tags"] = tags
			}
			s.mu.Unlock()
			roles = append(roles, m)
		}
		writeJSON(w, 200, roles)
	case method == "GET" && len(parts) == 4 && parts[0] == "guilds" && parts[2] == "members":
		s.mu.Lock()
		m, ok := s.members[parts[1]+"/"+parts[3]]
		_, inGuild := s.guilds[parts[1]]
		s.mu.Unlock()
		if !ok && inGuild && parts[3] == s.BotID {
			// (the bot is a member of every server it is in; AddMember gives it roles)
			m, ok = &discordgo.Member{GuildID: parts[1], User: &discordgo.User{ID: s.BotID, Username: "feedbackbot", Bot: true}, Roles: []string{}}, true
		}
		if !ok {
			writeJSON(w, 404, map[string]any{"message": "Unknown Member", "code": 10007})
			return
		}
		writeJSON(w, 200, m)
	case method == "GET" && len(parts) == 4 && parts[0] == "guilds" && parts[2] == "threads" && parts[3] == "active":
		s.mu.Lock()
		_, ok := s.guilds[parts[1]]
		s.mu.Unlock()
		if !ok {
			writeJSON(w, 404, map[string]any{"message": "Unknown Guild", "code": 10004})
			return
		}
		writeJSON(w, 200, s.activeThreads(parts[1]))
	case method == "GET" && len(parts) == 5 && parts[0] == "channels" && parts[2] == "threads" && parts[3] == "archived" && parts[4] == "public":
		if _, ok := s.knownChannel(w, parts[1]); ok {
			writeJSON(w, 200, s.archivedThreads(parts[1], req.Query))
		}
	case method == "GET" && len(parts) == 3 && parts[0] == "channels" && parts[2] == "messages":
		if _, ok := s.knownChannel(w, parts[1]); ok {
			writeJSON(w, 200, s.channelMessages(parts[1], req.Query))
		}
	case method == "GET" && len(parts) == 4 && parts[0] == "channels" && parts[2] == "messages":
		s.mu.Lock()
		_, ok := s.channels[parts[1]]
		m, found := s.messages[parts[1]][parts[3]]
		s.mu.Unlock()
		switch {
		case !ok:
			writeJSON(w, 404, map[string]any{"message": "Unknown Channel", "code": 10003})
		case !found:
			writeJSON(w, 404, map[string]any{"message": "Unknown Message", "code": 10008})
		default:
			writeJSON(w, 200, m)
		}
	case method == "POST" && len(parts) == 3 && parts[0] == "channels" && parts[2] == "messages":
		if _, ok := s.knownChannel(w, parts[1]); !ok {
			return
		}
		var once struct {
			Nonce        string `json:"nonce"`
			EnforceNonce bool   `json:"enforce_nonce"`
		}
		_ = json.Unmarshal(req.JSON, &once)
		key := parts[1] + "\x00" + once.Nonce
		if once.EnforceNonce && once.Nonce != "" {
			s.mu.Lock()
			m, posted := s.nonced[key]
			s.mu.Unlock()
			if posted {
				writeJSON(w, 200, m) // the message posted with this nonce, not a second
				return
			}
		}
		m := s.echoMessage(parts[1], s.id(), req)
		s.mu.Lock()
		if once.EnforceNonce && once.Nonce != "" {
			s.nonced[key] = m
		}
		s.keep(parts[1], m)
		s.mu.Unlock()
		writeJSON(w, 200, m)
	case method == "PATCH" && len(parts) == 4 && parts[0] == "channels" && parts[2] == "messages":
		m := s.echoMessage(parts[1], parts[3], req)
		s.mu.Lock()
		if _, ok := s.messages[parts[1]][parts[3]]; ok {
			// (an edit of a bot post keeps what it does not name: its attachments)
			var was discordgo.Message
			_ = json.Unmarshal(s.messages[parts[1]][parts[3]], &was)
			if len(m.Attachments) == 0 {
				m.Attachments = was.Attachments
			}
			m.Timestamp = was.Timestamp
			s.keep(parts[1], m)
		}
		s.mu.Unlock()
		writeJSON(w, 200, m)
	case method == "DELETE" && len(parts) == 4 && parts[0] == "channels" && parts[2] == "messages":
		s.mu.Lock()
		_, ok := s.messages[parts[1]][parts[3]]
		delete(s.messages[parts[1]], parts[3])
		s.mu.Unlock()
		if !ok {
			writeJSON(w, 404, map[string]any{"message": "Unknown Message", "code": 10008})
			return
		}
		w.WriteHeader(http.StatusNoContent)
	case method == "PUT" && len(parts) == 5 && parts[0] == "applications" && parts[2] == "guilds" && parts[4] == "commands":
		var cmds []*discordgo.ApplicationCommand
		if err := json.Unmarshal(req.JSON, &cmds); err != nil {
			writeJSON(w, 400, map[string]any{"message": "Invalid Form Body", "code": 50035})
			return
		}
		for _, c := range cmds {
			c.ID, c.ApplicationID, c.GuildID = s.id(), parts[1], parts[3]
		}
		writeJSON(w, 200, cmds)
	case method == "POST" && len(parts) == 4 && parts[0] == "interactions" && parts[3] == "callback":
		w.WriteHeader(http.StatusNoContent)
	case (method == "PATCH" || method == "POST") && len(parts) >= 3 && parts[0] == "webhooks":
		writeJSON(w, 200, s.echoMessage("", s.id(), req))
	case method == "DELETE" && len(parts) >= 3 && parts[0] == "webhooks":
		w.WriteHeader(http.StatusNoContent)
	default:
		writeJSON(w, 404, map[string]any{"message": "404: Not Found (fake discord has no " + method + " " + path + ")", "code": 0})
	}
}

// keep records a message the bot posted or edited in its channel's history, as
// GET /channels/{id}/messages serves it. Callers hold s.mu.
func (s *Server) keep(channel string, m *discordgo.Message) {
	raw, err := json.Marshal(m)
	if err != nil {
		return
	}
	if s.messages[channel] == nil {
		s.messages[channel] = map[string]json.RawMessage{}
	}
	s.messages[channel][m.ID] = raw
}

func (s *Server) echoMessage(channel, id string, req Request) *discordgo.Message {
	m := &discordgo.Message{}
	_ = json.Unmarshal(req.JSON, m)
	m.ID, m.ChannelID = id, channel
	m.Author = &discordgo.User{ID: s.BotID, Username: "feedbackbot", Bot: true}
	m.Timestamp = time.Now().UTC()
	for name := range req.Files {
		m.Attachments = append(m.Attachments, &discordgo.MessageAttachment{ID: s.id(), Filename: name,
			URL: s.http.URL + "/attachments/" + name, Size: len(req.Files[name])})
	}
	return m
}

// gateway speaks the gateway protocol on one websocket connection.
func (s *Server) gateway(w http.ResponseWriter, r *http.Request) {
	c, err := s.up.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer c.Close()
	counted, span := false, -1
	defer func() {
		if counted {
			s.mu.Lock()
			s.open--
			s.spans[span].Closed = time.Now()
			s.mu.Unlock()
		}
	}()
	count := func(resumed bool) {
		s.mu.Lock()
		s.open++
		s.maxOpen = max(s.maxOpen, s.open)
		span = len(s.spans)
		s.spans = append(s.spans, Span{Opened: time.Now(), Resumed: resumed})
		s.mu.Unlock()
		counted = true
	}
	s.mu.Lock()
	s.dials++
	var stall time.Duration
	if len(s.helloStalls) > 0 {
		stall, s.helloStalls = s.helloStalls[0], s.helloStalls[1:]
	}
	s.mu.Unlock()
	if stall > 0 {
		time.Sleep(stall)
	}
	hello, _ := json.Marshal(map[string]int{"heartbeat_interval": 500})
	if s.write(c, frame{Op: opHello, D: hello}) != nil {
		return
	}
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	var first struct {
		Op int             `json:"op"`
		D  json.RawMessage `json:"d"`
	}
	if err := c.ReadJSON(&first); err != nil {
		return
	}
	if stall > 0 {
		s.mu.Lock()
		s.stallAnswers++
		s.mu.Unlock()
	}
	var sid string // the session this connection carries
	switch first.Op {
	case opIdentify:
		if sid = s.identify(c, first.D, func() { count(false) }); sid == "" {
			return
		}
	case opResume:
		var rs struct {
			Token     string `json:"token"`
			SessionID string `json:"session_id"`
			Seq       int64  `json:"seq"`
		}
		_ = json.Unmarshal(first.D, &rs)
		tokenOK := s.tokenOK(rs.Token)
		s.mu.Lock()
		ok := tokenOK && rs.SessionID != "" && rs.SessionID == s.sessionID
		var missed []frame
		if ok {
			for _, f := range s.history {
				if f.S > rs.Seq {
					missed = append(missed, f)
				}
			}
			s.conn = c
			s.resumes++
		}
		s.mu.Unlock()
		if ok {
			count(true)
			sid = rs.SessionID
		}
		if !ok {
			_ = s.write(c, frame{Op: opInvalidSession, D: json.RawMessage("false")})
			// The client answers with a fresh identify on the same connection.
			if err := c.ReadJSON(&first); err != nil || first.Op != opIdentify {
				return
			}
			if sid = s.identify(c, first.D, func() { count(false) }); sid == "" {
				return
			}
			break
		}
		for _, f := range missed {
			if s.write(c, f) != nil {
				return
			}
		}
		s.mu.Lock()
		s.seq++
		f := frame{Op: opDispatch, D: json.RawMessage("{}"), S: s.seq, T: "RESUMED"}
		s.history = append(s.history, f)
		s.mu.Unlock()
		if s.write(c, f) != nil {
			return
		}
		s.signalConnected()
	default:
		s.closeWith(c, 4003, "Not authenticated.")
		return
	}
	// Read loop: heartbeats get acks; everything else is ignored.
	for {
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		var in struct {
			Op int `json:"op"`
		}
		if err := c.ReadJSON(&in); err != nil {
			// A client that closes with 1000 or 1001 ends its session for good.
			var ce *websocket.CloseError
			ended := errors.As(err, &ce) && (ce.Code == websocket.CloseNormalClosure || ce.Code == websocket.CloseGoingAway)
			s.mu.Lock()
			if s.conn == c {
				s.conn = nil
			}
			if ended && s.sessionID == sid {
				s.sessionID = ""
			}
			s.mu.Unlock()
			return
		}
		if in.Op == opHeartbeat {
			_ = s.write(c, frame{Op: opHeartbeatAck})
		}
	}
}

// identify checks an op 2 payload: a bad token closes with 4004, a refused intent
// with 4014; otherwise a new session starts, and its id is returned.
func (s *Server) identify(c *websocket.Conn, raw json.RawMessage, count func()) string {
	var id Identify
	_ = json.Unmarshal(raw, &id)
	s.mu.Lock()
	s.identifies = append(s.identifies, id)
	refuse := s.refuseIntents&id.Intents != 0
	s.mu.Unlock()
	if !s.tokenOK(id.Token) {
		s.closeWith(c, 4004, "Authentication failed.")
		return ""
	}
	if refuse {
		s.closeWith(c, 4014, "Disallowed intent(s).")
		return ""
	}
	count()
	return s.ready(c)
}

func (s *Server) closeWith(c *websocket.Conn, code int, reason string) {
	s.connMu.Lock()
	_ = c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), time.Now().Add(time.Second))
	s.connMu.Unlock()
}

// ready starts a new session: READY, then GUILD_CREATE for every guild.
func (s *Server) ready(c *websocket.Conn) string {
	s.mu.Lock()
	s.sessions++
	s.sessionID = fmt.Sprintf("fake-session-%d", s.sessions)
	s.seq = 0
	s.history = nil
	s.conn = c
	var unavailable []map[string]any
	var guilds []*discordgo.Guild
	for _, g := range s.guilds {
		unavailable = append(unavailable, map[string]any{"id": g.ID, "unavailable": true})
		guilds = append(guilds, g)
	}
	sid := s.sessionID
	s.mu.Unlock()
	s.Dispatch("READY", map[string]any{"v": 9, "session_id": sid, "resume_gateway_url": "ws" + strings.TrimPrefix(s.http.URL, "http") + "/gateway",
		"user": discordgo.User{ID: s.BotID, Username: "feedbackbot", Bot: true}, "guilds": unavailable,
		"application": map[string]any{"id": s.AppID, "flags": 0}})
	for _, g := range guilds {
		s.Dispatch("GUILD_CREATE", activeGuild(g))
	}
	s.signalConnected()
	return sid
}

// knownChannel is the channel id names, or false after answering 404 Unknown
// Channel, as Discord does for a channel it does not know.
func (s *Server) knownChannel(w http.ResponseWriter, id string) (*discordgo.Channel, bool) {
	s.mu.Lock()
	c, ok := s.channels[id]
	s.mu.Unlock()
	if !ok {
		writeJSON(w, 404, map[string]any{"message": "Unknown Channel", "code": 10003})
	}
	return c, ok
}

// UpdateChannel changes a channel as a server admin's edit does (edit changes a
// copy: its permission overwrites, its name), served by REST from then on and
// sent in GUILD_CREATE, and dispatches CHANNEL_UPDATE with it, as Discord does.
func (s *Server) UpdateChannel(id string, edit func(*discordgo.Channel)) {
	s.mu.Lock()
	c, ok := s.channels[id]
	if !ok {
		s.mu.Unlock()
		return
	}
	cp := *c
	cp.PermissionOverwrites = slices.Clone(c.PermissionOverwrites)
	edit(&cp)
	s.channels[id] = &cp
	if g := s.guilds[cp.GuildID]; g != nil {
		for i, gc := range g.Channels {
			if gc.ID == id {
				g.Channels[i] = &cp
			}
		}
	}
	sent := cp
	s.mu.Unlock()
	s.Dispatch("CHANNEL_UPDATE", &sent)
}

// UpdateRole changes a server's role as an admin's edit does (edit changes a
// copy: its permissions), served by REST from then on, and dispatches
// GUILD_ROLE_UPDATE with it, as Discord does.
func (s *Server) UpdateRole(guild, id string, edit func(*discordgo.Role)) {
	s.mu.Lock()
	g := s.guilds[guild]
	var sent *discordgo.Role
	if g != nil {
		roles := slices.Clone(g.Roles)
		for i, r := range roles {
			if r.ID == id {
				cp := *r
				edit(&cp)
				roles[i] = &cp
				sent = &cp
			}
		}
		g.Roles = roles
	}
	s.mu.Unlock()
	if sent != nil {
		s.Dispatch("GUILD_ROLE_UPDATE", map[string]any{"guild_id": guild, "role": sent})
	}
}

// ArchiveThread archives a thread (or forum post) at at: GUILD_CREATE leaves it
// out, as Discord lists active threads only, and GET
// /channels/{parent}/threads/archived/public lists it.
func (s *Server) ArchiveThread(id string, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.channels[id]
	if !ok {
		return
	}
	c.ThreadMetadata = &discordgo.ThreadMetadata{Archived: true, ArchiveTimestamp: at.UTC(), AutoArchiveDuration: 60}
}

// UnarchiveThread makes an archived thread active again, as a member's message in
// it does on Discord (which sends THREAD_UPDATE, dispatched here too): GET
// /channels/{parent}/threads/archived/public no longer lists it, and GET
// /guilds/{id}/threads/active does.
func (s *Server) UnarchiveThread(id string) {
	s.mu.Lock()
	c, ok := s.channels[id]
	if ok {
		c.ThreadMetadata = &discordgo.ThreadMetadata{AutoArchiveDuration: 60}
	}
	var cp discordgo.Channel
	if ok {
		cp = *c
	}
	s.mu.Unlock()
	if ok {
		s.Dispatch("THREAD_UPDATE", &cp)
	}
}

// activeThreads serves GET /guilds/{id}/threads/active like Discord: the guild's
// threads that are not archived.
func (s *Server) activeThreads(guild string) map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	threads := []*discordgo.Channel{}
	for _, c := range s.channels {
		if c.GuildID == guild && c.IsThread() && (c.ThreadMetadata == nil || !c.ThreadMetadata.Archived) {
			cp := *c
			threads = append(threads, &cp)
		}
	}
	slices.SortFunc(threads, func(a, b *discordgo.Channel) int { return strings.Compare(a.ID, b.ID) })
	return map[string]any{"threads": threads, "members": []any{}}
}

// activeGuild is g as GUILD_CREATE sends it: its channels without the archived
// threads.
func activeGuild(g *discordgo.Guild) *discordgo.Guild {
	cp := *g
	cp.Channels = nil
	for _, c := range g.Channels {
		if c.ThreadMetadata == nil || !c.ThreadMetadata.Archived {
			cp.Channels = append(cp.Channels, c)
		}
	}
	return &cp
}

// archivedThreads serves GET /channels/{id}/threads/archived/public like
// Discord: the channel's archived public threads, the last archived first,
// those archived before ?before= (an ISO 8601 time), at most ?limit= (50 by
// default), and has_more.
func (s *Server) archivedThreads(parent string, q url.Values) map[string]any {
	limit := 50
	if n, err := strconv.Atoi(q.Get("limit")); err == nil && n >= 2 && n <= 100 {
		limit = n
	}
	var before time.Time
	if b := q.Get("before"); b != "" {
		before, _ = time.Parse(time.RFC3339, b)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var threads []*discordgo.Channel
	for _, c := range s.channels {
		m := c.ThreadMetadata
		if c.ParentID != parent || m == nil || !m.Archived || c.Type == discordgo.ChannelTypeGuildPrivateThread || !before.IsZero() && !m.ArchiveTimestamp.Before(before) {
			continue
		}
		threads = append(threads, c)
	}
	slices.SortFunc(threads, func(a, b *discordgo.Channel) int {
		return b.ThreadMetadata.ArchiveTimestamp.Compare(a.ThreadMetadata.ArchiveTimestamp)
	})
	more := len(threads) > limit
	if more {
		threads = threads[:limit]
	}
	return map[string]any{"threads": threads, "members": []any{}, "has_more": more}
}
