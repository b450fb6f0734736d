package slackadapter

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"net"
	"net/http"
	"regexp"
	"sync"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/feedbackbot/feedbackbot"
)

// socketOpenTimeout bounds each of Socket Mode's Web API calls
// (apps.connections.open, as it connects and reconnects).
var socketOpenTimeout = apiTimeout

// RunSocket serves Slack over Socket Mode (no public URL needed) until ctx ends.
// slack-go reconnects on its own; an envelope is acknowledged only after its event is
// durable, so an unacknowledged one is redelivered by Slack. Events are captured in
// lanes beside this loop (socketLanes), commands and buttons answered beside it too.
func (a *Adapter) RunSocket(ctx context.Context, appToken string) error {
	// (bounded as the adapter's own calls are: slack-go's default client has none,
	// and an apps.connections.open that stalled as it reconnected held Socket Mode
	// for good, no error and no events: a review's find)
	opts := []slack.Option{slack.OptionAppLevelToken(appToken), slack.OptionHTTPClient(&http.Client{Timeout: socketOpenTimeout})}
	if a.cfg.APIURL != "" {
		opts = append(opts, slack.OptionAPIURL(a.cfg.APIURL))
	}
	client := socketmode.New(slack.New(a.cfg.BotToken, opts...))
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- client.RunContext(runCtx) }()
	defer a.Close()
	lanes := a.startLanes(ctx)
	defer lanes.stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-errc:
			if ctx.Err() != nil {
				return nil
			}
			if appTokenRefused(err) {
				return fmt.Errorf("slack socket mode: %w", appTokenError(err))
			}
			return fmt.Errorf("slack socket mode: %w", err)
		case evt, ok := <-client.Events:
			if !ok {
				return nil
			}
			if err := a.socketEvent(ctx, client, lanes, evt); err != nil {
				return err
			}
		}
	}
}

func (a *Adapter) socketEvent(ctx context.Context, client *socketmode.Client, lanes *socketLanes, evt socketmode.Event) error {
	switch evt.Type {
	case socketmode.EventTypeInvalidAuth:
		return fmt.Errorf("slack refused the app-level token (SLACK_APP_TOKEN, xapp-...): check it has connections:write")
	case socketmode.EventTypeConnectionError:
		a.socketConnectionError(evt.Data)
	case socketmode.EventTypeConnected:
		if a.socketFailures > 0 {
			a.log.Info("slack socket mode: connected", "after_failed_attempts", a.socketFailures)
		}
		a.socketFailures = 0
	case socketmode.EventTypeIncomingError:
		// (slack-go could not read a message from Slack, and keeps the
		// connection: not a connection lost, a review found)
		if e, ok := evt.Data.(error); ok && !closedByUs(e) {
			a.log.Warn("slack socket mode: a message from Slack could not be read", "err", withoutQuery(e.Error()))
		}
	case socketmode.EventTypeErrorWriteFailed:
		// An acknowledgement slack-go took (AckCtx returned nil) and then could not
		// write: the connection broke under it. Slack delivers the envelope again
		// (capture is idempotent); a command's answer that rode on it is lost. It
		// went unlogged, though the README says a failed acknowledgement is logged
		// (a review's find).
		if wf, ok := evt.Data.(*socketmode.ErrorWriteFailed); ok {
			id := ""
			if wf.Response != nil {
				id = wf.Response.EnvelopeID
			}
			a.log.Warn("slack socket mode: acknowledgement not sent; Slack will deliver the envelope again", "envelope_id", id, "err", withoutQuery(fmt.Sprint(wf.Cause)))
		}
	case socketmode.EventTypeEventsAPI:
		if evt.Request == nil {
			return nil
		}
		lanes.capture(client, evt.Request.EnvelopeID, evt.Request.Payload, evt.Request.RetryAttempt > 0)
	case socketmode.EventTypeErrorBadMessage:
		// slack-go could not parse an envelope's payload (an events_api event that is
		// not an object, say) and hands us the raw message. Acknowledge it: unacked,
		// Slack would redeliver what will never parse.
		bad, ok := evt.Data.(*socketmode.ErrorBadMessage)
		if !ok {
			return nil
		}
		var req struct {
			Type         string          `json:"type"`
			EnvelopeID   string          `json:"envelope_id"`
			Payload      json.RawMessage `json:"payload"`
			RetryAttempt int             `json:"retry_attempt"`
		}
		if json.Unmarshal(bad.Message, &req) != nil || req.EnvelopeID == "" {
			a.log.Warn("slack socket mode: unreadable message dropped", "err", bad.Cause)
			return nil
		}
		if req.Type == "events_api" && len(req.Payload) > 0 {
			// slack-go's typed parse of the event failed (a field of a type it
			// does not expect), where the adapter's own reading, as over HTTP,
			// takes what it needs: captured, not dropped (a review's find)
			lanes.capture(client, req.EnvelopeID, req.Payload, req.RetryAttempt > 0)
			return nil
		}
		a.log.Warn("slack socket mode: malformed envelope acknowledged and dropped", "type", req.Type, "envelope_id", req.EnvelopeID, "err", bad.Cause)
		a.ack(ctx, client, req.EnvelopeID, nil)
	case socketmode.EventTypeSlashCommand:
		sc, ok := evt.Data.(slack.SlashCommand)
		if !ok || evt.Request == nil {
			return nil
		}
		// Answered beside the loop: a command takes up to CommandTimeout (and the
		// staff check before it), and every envelope behind it must still be
		// acknowledged within Slack's 3 seconds.
		id := evt.Request.EnvelopeID
		a.wg.Add(1)
		go func() {
			defer a.wg.Done()
			cmd := a.slashCommand(sc)
			resp, doc := a.replyDoc(ctx, cmd, sc.TeamID, sc.EnterpriseID, sc.ResponseURL, false)
			if b, err := json.Marshal(socketmode.Response{EnvelopeID: id, Payload: resp}); err == nil && len(b) >= maxAckBytes {
				// Slack drops an acknowledgement of 20 KB or more: acknowledge with a
				// notice and send the answer to the command's response_url instead.
				a.ack(ctx, client, id, map[string]any{"response_type": "ephemeral", "text": "The answer follows in a moment."})
				if err := a.postResponse(context.WithoutCancel(ctx), sc.ResponseURL, resp); err != nil {
					a.log.Error("slack: a long command answer could not be sent", "err", err)
					a.surveyNotSent(ctx, cmd.Workspace, doc)
				}
				return
			}
			if !a.ack(ctx, client, id, resp) {
				a.surveyNotSent(ctx, cmd.Workspace, doc) // (the answer rode on the acknowledgement)
			}
		}()
	case socketmode.EventTypeInteractive:
		cb, ok := evt.Data.(slack.InteractionCallback)
		if !ok || evt.Request == nil {
			return nil
		}
		a.ack(ctx, client, evt.Request.EnvelopeID, nil)
		cmd, team, enterprise, ok := a.buttonCommand(cb)
		if !ok {
			return nil
		}
		a.wg.Add(1)
		go func() {
			defer a.wg.Done()
			a.pressed(context.WithoutCancel(ctx), cmd, team, enterprise, cb.ResponseURL)
		}()
	}
	return nil
}

// closedByUs reports whether an incoming error is the read that slack-go ended by
// closing the connection itself: as Slack asked (a disconnect envelope, every few
// hours), as its ping watchdog or a shutdown did. It read no message, and the
// connection is replaced; it was logged as a message that could not be read, on
// about half of the routine refreshes (a review's find).
func closedByUs(err error) bool {
	var ie *slack.IncomingEventError
	if errors.As(err, &ie) {
		err = ie.ErrorObj
	}
	return errors.Is(err, net.ErrClosed)
}

// appTokenRefused reports whether err is Slack refusing an app-level token
// (apps.connections.open's answer).
func appTokenRefused(err error) bool {
	var se slack.SlackErrorResponse
	if !errors.As(err, &se) {
		return false
	}
	switch se.Err {
	case "missing_scope", "invalid_auth", "not_authed", "not_allowed_token_type", "token_revoked", "token_expired", "account_inactive":
		return true
	}
	return false
}

// appTokenError says what to do about an app-level token Slack refused.
func appTokenError(err error) error {
	return fmt.Errorf("slack refused the app-level token (SLACK_APP_TOKEN, xapp-...): it needs the connections:write scope and must be this app's (Basic Information, App-Level Tokens): %w", err)
}

// CheckAppToken asks Slack whether it takes the app-level token Socket Mode
// connects with (apps.connections.open, whose connection is never opened), for
// config check: a revoked or mistyped SLACK_APP_TOKEN passed it, and run then
// stopped at once with "invalid_auth" (a review's find).
func (a *Adapter) CheckAppToken(ctx context.Context, appToken string) error {
	opts := []slack.Option{slack.OptionAppLevelToken(appToken), slack.OptionHTTPClient(&http.Client{Timeout: socketOpenTimeout})}
	if a.cfg.APIURL != "" {
		opts = append(opts, slack.OptionAPIURL(a.cfg.APIURL))
	}
	_, _, err := slack.New(a.cfg.BotToken, opts...).StartSocketModeContext(ctx)
	switch {
	case err == nil:
		return nil
	case appTokenRefused(err):
		return appTokenError(err)
	}
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		return fmt.Errorf("slack apps.connections.open: Slack answered with an error (%w); the app-level token was not refused", err)
	}
	return fmt.Errorf("slack apps.connections.open: no answer from Slack (the network, DNS, a proxy, or SLACK_API_URL; the app-level token was not checked): %s", withoutQuery(err.Error()))
}

// socketConnectionError logs a failed connection attempt, which slack-go makes
// again after a backoff, without end, for every error but invalid_auth: each was
// dropped unlogged, and a token without connections:write, or Slack failing,
// showed as "slack connected" with no event ever arriving (a review's find).
// Slack's refusals of the token are errors, with what to do; the rest warnings.
func (a *Adapter) socketConnectionError(data any) {
	a.socketFailures++
	ce, ok := data.(*slack.ConnectionErrorEvent)
	if !ok || ce.ErrorObj == nil {
		a.log.Warn("slack socket mode: could not connect; trying again", "attempt", a.socketFailures)
		return
	}
	attrs := []any{"attempt", ce.Attempt, "retry_in", ce.Backoff.Round(time.Second).String(), "err", withoutQuery(ce.ErrorObj.Error())}
	if appTokenRefused(ce.ErrorObj) {
		a.log.Error("slack socket mode: Slack refused the app-level token (SLACK_APP_TOKEN, xapp-...): it needs the connections:write scope, and must belong to this app; no events arrive until it is mended", attrs...)
		return
	}
	a.log.Warn("slack socket mode: could not connect; trying again", attrs...)
}

// urlQuery matches a URL's query (Socket Mode's websocket URL carries its
// connection ticket there).
var urlQuery = regexp.MustCompile(`((?:wss?|https?)://[^\s"?]*)\?[^\s"]*`)

// withoutQuery is s with every URL's query taken out.
func withoutQuery(s string) string { return urlQuery.ReplaceAllString(s, "$1?…") }

// maxAckBytes is Slack's limit on a Socket Mode acknowledgement: one of 20 KB or
// more is dropped (slack-go refuses to send it).
const maxAckBytes = 20 * 1024

// ack acknowledges an envelope. A failure is logged, not returned: Slack redelivers
// an envelope it did not see acknowledged (capture is idempotent), and the
// connection's own failures end RunSocket through slack-go's run loop.
func (a *Adapter) ack(ctx context.Context, client *socketmode.Client, envelopeID string, payload any) (sent bool) {
	err := client.AckCtx(ctx, envelopeID, payload)
	if err != nil && ctx.Err() == nil {
		a.log.Error("slack socket mode: acknowledgement not sent", "envelope_id", envelopeID, "err", err)
	}
	return err == nil
}

// socketEventsAPI captures an events_api envelope's payload and reports whether to
// acknowledge it: yes once it is durable, and yes for a payload that will never
// parse (as X-Slack-No-Retry does over HTTP), so Slack does not redeliver it forever;
// no when the store failed, so Slack redelivers it.
func (a *Adapter) socketEventsAPI(ctx context.Context, payload json.RawMessage, retried bool) bool {
	var env envelope
	if err := json.Unmarshal(payload, &env); err != nil {
		a.log.Warn("slack socket mode: malformed events_api payload acknowledged and dropped", "err", err)
		return true
	}
	if env.Type != "event_callback" {
		a.notice(payload, env)
		return true
	}
	switch a.claimDelivery(env.EventID, time.Now()) {
	case deliveryDone:
		return true
	case deliveryInFlight:
		return false // the first delivery is still being written; Slack redelivers
	}
	if err := a.captureEnvelope(ctx, env, retried); err != nil {
		if feedbackbot.ErrorCode(err) == feedbackbot.EINVALID {
			a.log.Warn("slack socket mode: malformed event acknowledged and dropped", "event_id", env.EventID, "err", err)
			a.delivered(env.EventID)
			return true
		}
		a.forget(env.EventID)
		if errors.Is(err, errReactionEarly) {
			a.log.Info("slack: a reaction came before its message; not acknowledged, Slack will redeliver it", "event_id", env.EventID)
			return false
		}
		a.log.Error("slack event not captured; not acknowledged, Slack will redeliver", "event_id", env.EventID, "err", err)
		return false
	}
	a.delivered(env.EventID)
	return true
}

// socketLaneCount is how many lanes capture Socket Mode's events at once, and
// socketLaneDepth how many envelopes may wait in each.
const (
	socketLaneCount = 8
	socketLaneDepth = 16
)

// socketLanes capture Socket Mode's events_api envelopes beside the loop that
// reads them, each channel's in one lane, in the order Slack sent them. Captured
// one at a time, an event that took its whole budget (its author's users.info
// slow or rate limited, a slow store) held the acknowledgement of every envelope
// queued behind it, in any channel, past Slack's 3 seconds, as HTTP's concurrent
// requests never were (a review's find). A channel's events keep their order (a
// message before its reaction, its edit and the staff answer to it), as one
// connection delivered them.
type socketLanes struct {
	a      *Adapter
	ctx    context.Context
	cancel context.CancelFunc
	lanes  []chan func()
	wg     sync.WaitGroup
}

// startLanes starts the lanes, which capture until ctx ends or stop is called.
func (a *Adapter) startLanes(ctx context.Context) *socketLanes {
	l := &socketLanes{a: a, lanes: make([]chan func(), socketLaneCount)}
	l.ctx, l.cancel = context.WithCancel(ctx)
	for i := range l.lanes {
		lane := make(chan func(), socketLaneDepth)
		l.lanes[i] = lane
		l.wg.Go(func() {
			for job := range lane {
				job()
			}
		})
	}
	return l
}

// capture captures an events_api envelope's payload in its channel's lane and
// acknowledges it where socketEventsAPI says so. An envelope still waiting when
// the lanes stop is left unacknowledged: Slack delivers it again.
func (l *socketLanes) capture(client *socketmode.Client, envelopeID string, payload json.RawMessage, retried bool) {
	ctx := l.ctx
	job := func() {
		if ctx.Err() != nil {
			return
		}
		if l.a.socketEventsAPI(ctx, payload, retried) {
			l.a.ack(ctx, client, envelopeID, nil)
		}
	}
	select {
	case l.lanes[laneOf(payload, len(l.lanes))] <- job:
	case <-ctx.Done():
	}
}

// stop cancels the captures in flight and waits for the lanes: an envelope whose
// capture that ends, and one still waiting, is not acknowledged, and Slack
// delivers it again.
func (l *socketLanes) stop() {
	l.cancel()
	for _, lane := range l.lanes {
		close(lane)
	}
	l.wg.Wait()
}

// laneOf is the lane of an events_api payload: its event's channel's (a
// reaction's, its message's channel); lane 0 for one that names none.
func laneOf(payload json.RawMessage, lanes int) int {
	var p struct {
		Event struct {
			Channel string `json:"channel"`
			Item    struct {
				Channel string `json:"channel"`
			} `json:"item"`
		} `json:"event"`
	}
	_ = json.Unmarshal(payload, &p) // (a field of another type leaves its channel "")
	channel := cmp.Or(p.Event.Channel, p.Event.Item.Channel)
	if channel == "" {
		return 0
	}
	h := fnv.New32a()
	h.Write([]byte(channel))
	return int(h.Sum32() % uint32(lanes))
}
