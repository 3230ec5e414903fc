// Package fakeslack is a fake Slack workspace on loopback that speaks
// Slack's wire protocol — the Web API over HTTP and Socket Mode over a
// websocket — closely enough that a bot driven by the real slack-go client
// against it behaves as it would against Slack. End-to-end tests and
// `jobdesc demo` use it; nothing here mocks slack-go's Go types.
//
// # Starting
//
//	ws, err := fakeslack.Start(fakeslack.Options{Logf: t.Logf, Schema: schema.Load})
//	defer ws.Close()
//	api := slack.New(ws.BotToken(),
//		slack.OptionAppLevelToken(ws.AppToken()),
//		slack.OptionAPIURL(ws.APIURL())) // "http://127.0.0.1:PORT/api/"
//	sm := socketmode.New(api) // set every slack option before this line
//
// Start listens on 127.0.0.1:0; the zero Options work. APIURL is what the
// bot takes as SLACK_API_URL; AppToken and BotToken are the only valid
// tokens (random per server). Options.Now sets the clock used for trigger
// and response_url expiry and message timestamps, so expiry is tested
// without waiting; SetAckDeadline shortens the ack deadline mid-test.
//
// # The workspace
//
// Team T0TEAM ("acme"), app A0APP, bot user U0BOT ("jobdesc", bot id
// B0BOT). Users U0ALICE alice, U0BOB bob, U0CAROL carol, U0DAVE dave.
// Channels C0HIRING "hiring" (the bot is a member), C0OUTSIDE "outside"
// (the bot is not: posts fail with not_in_channel) and C0ARCHIVED
// "archived" (posts fail with is_archived). AddUser, PutUser, AddChannel
// and SetChannel change it. A user id given as a channel is that user's
// direct-message channel "D…" with the app.
//
// # Web API
//
// Tokens come from "Authorization: Bearer" or the form field "token".
// apps.connections.open needs the app-level (xapp-) token, every other
// method the bot (xoxb-) token: a missing token answers not_authed, an
// unknown one invalid_auth, the other kind not_allowed_token_type. Errors
// are HTTP 200 {"ok":false,"error":"…"} (with response_metadata.messages
// for invalid_blocks / invalid_arguments), like Slack.
//
// Implemented methods (see Methods): auth.test, apps.connections.open,
// views.open, views.push, views.update, views.publish, chat.postMessage,
// chat.update, chat.postEphemeral, chat.getPermalink, reactions.add,
// reactions.remove, users.info, conversations.info, conversations.history
// (top-level messages newest first, with message metadata when asked; no
// cursors). Any other method
// answers unknown_method and is listed by UnknownMethods.
//
// State and rules kept like Slack:
//   - message ts values are unique and strictly increasing; thread replies
//     keep thread_ts; chat.update without blocks keeps the old blocks and
//     only the bot's own messages can be updated (cant_update_message);
//     chat.postEphemeral answers message_ts; text over 40,000 characters is
//     msg_too_long; no text and no blocks is no_text.
//   - chat.getPermalink answers https://acme.slack.com/archives/C…/p…; nothing
//     serves that URL.
//   - reactions.add / reactions.remove answer already_reacted / no_reaction
//     and, unless Options.NoBotEcho, deliver the matching reaction_added /
//     reaction_removed event for the bot's own reaction, as Slack does —
//     a bot must not count its own ✅.
//   - trigger_ids work once (exchanged_trigger_id) and for 3 s after the
//     envelope carrying them was written (expired_trigger_id, measured
//     with Options.Now); unknown ones are invalid_trigger_id.
//   - views get ids (V…) and hashes; views.update takes view_id or
//     external_id and answers hash_conflict for a stale hash and not_found
//     for a closed view; views.push stacks at most 3 views
//     (push_limit_reached); external_id is unique among open views
//     (duplicate_external_id); views.publish keeps one Home view per user.
//   - Slack fills in missing block_id and action_id values with random
//     ones; so does the fake, so a bot that reads view.state.values by its
//     own ids must set them.
//   - response_url (one per slash command and message interaction) takes
//     JSON {text, blocks, response_type, replace_original,
//     delete_original, thread_ts}: ephemeral by default, "in_channel"
//     posts to the channel, replace/delete act on the message clicked. It
//     accepts 5 posts within 30 minutes (used_url, expired_url).
//
// # Validation
//
// Views and blocks are checked like Slack checks them, so a bot bug fails a
// test the way it would fail in production: views.* answer
// invalid_arguments and messages invalid_blocks (invalid_blocks_format for
// unparseable JSON), with Slack-style response_metadata.messages such as
// "[ERROR] must be less than 25 characters [json-pointer:/view/title/text]".
// Checked in code: modal title (required), submit and close plain_text of
// at most 24 characters, submit required with input blocks, at most 100
// blocks in a view and 50 in a message, section text 1–3000 characters and
// at most 10 fields of 2000, header plain_text of at most 150,
// private_metadata at most 3000, callback_id and external_id at most 255,
// views at most 250 kB, input blocks with a plain_text label and an input
// element, block_id unique on the surface, action_id unique within its
// block (Slack's documented rule), both at most 255 characters, plain_text
// where Slack requires it (titles, labels, headers, buttons, placeholders,
// select options), no "emoji" field on mrkdwn text, button text ≤ 75 and
// value ≤ 2000, option text ≤ 75 and value ≤ 150, plain_text_input
// max_length 1–3000, known block and element types per container.
//
// With Options.Schema set to schema.Load (package bot/fakeslack/schema,
// kept apart so that programs embedding the fake without it do not link a
// JSON-schema library) and the Block Kit JSON schema available, every view
// and message is also validated against it (objects are closed, so
// misspelt keys fail). Options.SchemaDir names its folder; by default the
// fake looks for shared/slack-schemas in the working directory and every
// folder above it (that finds ../shared/slack-schemas next to the module
// root). When it is absent, or Options.Schema is nil, the fake says once
// (Logf, Logger, else standard error) that schema validation is skipped;
// the checks in code still run. SchemaFile reports which file is used. Ack payloads (response_action update/push views,
// slash command responses) and response_url posts are validated too.
//
// ValidationFailures lists every rejected payload; a test of a correct bot
// asserts it is empty.
//
// # Socket Mode
//
// apps.connections.open answers ws://127.0.0.1:PORT/link/?ticket=… (a
// ticket works once; at most 10 sockets, too_many_websockets). The
// upgrader accepts slack-go's Origin: https://api.slack.com. Each socket
// gets hello (num_connections, connection_info.app_id, debug_info) and a
// ping every Options.PingInterval (default 5 s; Pongs counts the answers).
// Envelopes carry envelope_id, type, accepts_response_payload and payload;
// events_api envelopes also retry_attempt and retry_reason. Each envelope
// goes to one open socket (round robin). The app's acks are recorded with
// their payload and latency, measured from the moment the frame was
// written (Delivery.SentAt, taken holding the socket, just before the
// write, so waiting for a busy socket does not count against the app) to
// the moment the ack frame arrived: on Linux the kernel's receive time of
// its packets (SO_TIMESTAMPNS), not the later moment the fake's goroutine
// read it, which on a machine the app and the fake saturate together
// would count the fake's own scheduling against the app (Ack.Noticed and
// Call.Noticed keep that moment; Web API calls are timed the same way,
// Call.At); elsewhere the moment it was read. An ack later than Options.AckDeadline (3 s)
// is Late, listed by LateAcks and Problems, and its payload is ignored as
// Slack ignores it. With Options.Redeliver an unacked events_api envelope
// is redelivered with a new envelope_id, the same event_id and
// retry_attempt+1 (up to 3 times, immediately after each deadline rather
// than after Slack's 1 and 5 minutes). Disconnect sends a disconnect frame
// (refresh_requested, warning, link_disabled) to every socket; DropSockets
// closes them without a frame; Connections and Connects count sockets.
//
// # Story helpers
//
// Tests drive users through helpers that each send one envelope (waiting,
// up to the context, for an open socket) and return its *Delivery:
// SlashCommand, SubmitView (building view.state.values per element type as
// Slack's client does, and refusing what the client refuses), CloseView,
// ClickButton, ClickViewButton, React, Unreact, OpenHome and Redeliver.
// Delivery.WaitAck waits for the app's ack. The effects Slack gives an ack
// are applied: a view_submission ack without response_action closes the
// view, "errors" keeps it open with View.Errors, "update" replaces it,
// "push" stacks a new one, "clear" closes the stack; a slash command ack
// with text or blocks is shown to the user (ephemeral, or in_channel).
//
// # Waiting and concurrency
//
// A Server is safe for concurrent use. Tests never sleep: WaitForCall,
// WaitForCallAfter, WaitForMessage, WaitForEphemeral, WaitForView,
// WaitConnected, Delivery.WaitAck and WaitUntil block until the condition
// holds or the context ends (then they return the context's error,
// wrapped), and return ErrClosed once the server is closed. The predicates
// given to the WaitFor… methods run under the server's lock and must not
// call Server methods; the condition given to WaitUntil runs without it
// and may. The server's lock is held only to read and change the
// workspace: payloads are decoded, validated and encoded outside it, and
// views and messages keep their encoded JSON (a view its blocks', the few
// other fields written around them when read), so reading them costs
// little more than a copy.
//
// # Transcript
//
// Every call (method, parameters without the token, response, time),
// envelope, ack (payload, latency), timeout and connection event is
// recorded in order (Transcript, Calls, Acks, Deliveries, Unacked,
// ResponseURLPosts). Mark returns the latest sequence number, so
// WaitForCallAfter(ctx, mark, "chat.postMessage", nil) waits for the next
// post. WriteTranscript (and String) print it for a failing test; tokens
// never appear. A test of a correct bot can assert that UnknownMethods,
// ValidationFailures, LateAcks and Problems are empty: Problems sums up late
// and missing acks, acks of unknown or already-acked envelopes, malformed
// frames, unknown methods and rejected payloads.
//
// # Faults
//
// Inject queues failures per method ("*" for all, "response_url" for
// response URLs): HTTP 429 with Retry-After (slack-go returns
// *slack.RateLimitedError), 5xx with an HTML body (slack.StatusCodeError),
// ok:false errors, slow answers (Delay) and dropped sockets.
//
// # Not faked
//
// Real rate limits (only injected ones), OAuth and scopes (every call is
// allowed), the Events API over HTTP and request signing, message events
// and other event types than reaction_added, reaction_removed and
// app_home_opened, files, conversations.history/replies and the many other
// methods, block_suggestion (external select options), dialog and
// attachment interactions, workflow steps, Enterprise Grid, unfurls,
// mrkdwn rendering, and what Slack's clients display. The rules Slack
// does not document (views.open while a modal is open replaces the stack;
// views.push with a trigger from outside a modal starts a stack; thread_ts
// of an unknown message is accepted) follow the most lenient reading.
package fakeslack
