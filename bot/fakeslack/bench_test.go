package fakeslack

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/jobdesc/jobdesc/bot/fakeslack/schema"
)

func benchServer(b *testing.B, opts Options) *Server {
	b.Helper()
	if opts.Schema == nil {
		opts.Schema = schema.Load
	}
	s, err := Start(opts)
	if err != nil {
		b.Fatalf("Start: %v", err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// BenchmarkPostMessage measures one chat.postMessage with blocks through
// slack-go, with and without JSON-schema validation.
func BenchmarkPostMessage(b *testing.B) {
	for _, bc := range []struct {
		name      string
		schemaDir string
	}{{"schema", ""}, {"code-rules-only", "-"}} {
		b.Run(bc.name, func(b *testing.B) {
			s := benchServer(b, Options{SchemaDir: bc.schemaDir})
			api := newAPI(s, s.BotToken())
			blocks := slack.MsgOptionBlocks(
				slack.NewHeaderBlock(text("Account Manager")),
				section("*Role*: manage key accounts"),
				slack.NewActionBlock("review", slack.NewButtonBlockElement("approve", "d1", text("Approve"))),
			)
			ctx := context.Background()
			b.ResetTimer()
			for b.Loop() {
				if _, _, err := api.PostMessageContext(ctx, ChannelHiring, slack.MsgOptionText("draft", false), blocks); err != nil {
					b.Fatalf("PostMessage: %v", err)
				}
			}
		})
	}
}

// BenchmarkEnvelopeRoundTrip measures a slash command envelope sent to a
// slack-go Socket Mode client and its ack coming back.
func BenchmarkEnvelopeRoundTrip(b *testing.B) {
	s := benchServer(b, Options{SchemaDir: "-"})
	api := newAPI(s, s.BotToken())
	sm := socketmode.New(api)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = sm.RunContext(ctx) }()
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case evt := <-sm.Events:
				if evt.Request != nil && evt.Type == socketmode.EventTypeSlashCommand {
					_ = sm.Ack(*evt.Request)
				}
			}
		}
	}()
	if err := s.WaitConnected(ctx, 1); err != nil {
		b.Fatalf("WaitConnected: %v", err)
	}
	b.ResetTimer()
	for b.Loop() {
		d, err := s.SlashCommand(ctx, UserAlice, ChannelHiring, "/jobdesc", "account-manager")
		if err != nil {
			b.Fatalf("SlashCommand: %v", err)
		}
		if _, err := d.WaitAck(ctx); err != nil {
			b.Fatalf("WaitAck: %v", err)
		}
	}
}

// benchBody reads a testdata file: modal.json is the account-manager modal
// jobdesc opens, message-blocks.json the job description it posts.
func benchBody(b testing.TB, name string) []byte {
	b.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		b.Fatalf("read testdata: %v", err)
	}
	return raw
}

// benchPost calls a Web API method with the bot token as slack-go does and
// returns the answer's body; it fails the benchmark on an error answer.
func benchPost(b *testing.B, client *http.Client, s *Server, method, contentType string, body []byte) []byte {
	b.Helper()
	req, err := http.NewRequest(http.MethodPost, s.APIURL()+method, bytes.NewReader(body))
	if err != nil {
		b.Fatalf("new request: %v", err)
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Authorization", "Bearer "+s.BotToken())
	resp, err := client.Do(req)
	if err != nil {
		b.Fatalf("%s: %v", method, err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		b.Fatalf("%s: read answer: %v", method, err)
	}
	if !bytes.HasPrefix(out, []byte(`{"ok":true`)) && !bytes.Contains(out, []byte(`"ok":true`)) {
		b.Fatalf("%s answered %.300s", method, out)
	}
	return out
}

// benchOpenModal opens the account-manager modal for user with a fresh
// trigger and returns the views.open answer.
func benchOpenModal(b *testing.B, client *http.Client, s *Server, user string, view []byte) []byte {
	b.Helper()
	s.mu.Lock()
	trig := s.newTriggerLocked(user, "")
	s.mu.Unlock()
	body := append(append([]byte(`{"trigger_id":"`+trig+`","view":`), view...), '}')
	return benchPost(b, client, s, "views.open", "application/json", body)
}

// BenchmarkViewsOpen measures views.open of jobdesc's 10 kB account-manager
// modal (parsing, validation in code, storing and answering the view).
func BenchmarkViewsOpen(b *testing.B) {
	s := benchServer(b, Options{SchemaDir: "-"})
	view := benchBody(b, "modal.json")
	client := &http.Client{}
	b.SetBytes(int64(len(view)))
	for b.Loop() {
		benchOpenModal(b, client, s, UserAlice, view)
	}
}

// BenchmarkPostJobDescription measures chat.postMessage of the 4 kB job
// description jobdesc posts, form-encoded as slack-go sends it.
func BenchmarkPostJobDescription(b *testing.B) {
	s := benchServer(b, Options{SchemaDir: "-"})
	form := url.Values{"channel": {ChannelHiring}, "text": {"Account Manager at Acme (draft 1)"}, "blocks": {string(benchBody(b, "message-blocks.json"))}}
	body := []byte(form.Encode())
	client := &http.Client{}
	for b.Loop() {
		benchPost(b, client, s, "chat.postMessage", "application/x-www-form-urlencoded", body)
	}
}

// BenchmarkView measures reading a view back (View), as tests and the
// load test do after views.open.
func BenchmarkView(b *testing.B) {
	s := benchServer(b, Options{SchemaDir: "-"})
	benchOpenModal(b, &http.Client{}, s, UserAlice, benchBody(b, "modal.json"))
	id := s.OpenViews(UserAlice)[0].ID
	for b.Loop() {
		if v, ok := s.View(id); !ok || len(v.Raw) == 0 {
			b.Fatalf("View(%s) = %v, %v", id, v, ok)
		}
	}
}

// rawAcker is a minimal Socket Mode app: it acks every envelope with a
// fixed payload, finding the envelope_id without decoding the frame, so a
// benchmark measures the fake rather than a client library.
func rawAcker(b *testing.B, s *Server, payload string) {
	b.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	b.Cleanup(cancel)
	api := newAPI(s, s.BotToken())
	_, link, err := api.StartSocketModeContext(ctx)
	if err != nil {
		b.Fatalf("apps.connections.open: %v", err)
	}
	ws, _, err := websocket.DefaultDialer.DialContext(ctx, link, http.Header{"Origin": {"https://api.slack.com"}})
	if err != nil {
		b.Fatalf("dial: %v", err)
	}
	b.Cleanup(func() { ws.Close() })
	go func() {
		key := []byte(`"envelope_id":"`)
		for {
			_, frame, err := ws.ReadMessage()
			if err != nil {
				return
			}
			i := bytes.Index(frame, key)
			if i < 0 {
				continue
			}
			id := frame[i+len(key):]
			id = id[:bytes.IndexByte(id, '"')]
			ack := `{"envelope_id":"` + string(id) + `"`
			if payload != "" {
				ack += `,"payload":` + payload
			}
			if err := ws.WriteMessage(websocket.TextMessage, []byte(ack+"}")); err != nil {
				return
			}
		}
	}()
	if err := s.WaitConnected(ctx, 1); err != nil {
		b.Fatalf("WaitConnected: %v", err)
	}
}

// BenchmarkSubmitView measures a view_submission of the account-manager
// modal (state built from the user's values, envelope written, ack read).
// The app answers with response_action "errors", so the modal stays open.
func BenchmarkSubmitView(b *testing.B) {
	s := benchServer(b, Options{SchemaDir: "-"})
	rawAcker(b, s, `{"response_action":"errors","errors":{"company_name":"taken"}}`)
	benchOpenModal(b, &http.Client{}, s, UserAlice, benchBody(b, "modal.json"))
	view := s.OpenViews(UserAlice)[0]
	ctx := context.Background()
	values := map[string]any{"company_name": "Acme", "job_title": "Key Account Manager"}
	defer cpuPerOp(b)()
	for b.Loop() {
		d, err := s.SubmitView(ctx, UserAlice, view, values)
		if err != nil {
			b.Fatalf("SubmitView: %v", err)
		}
		if _, err := d.WaitAck(ctx); err != nil {
			b.Fatalf("WaitAck: %v", err)
		}
	}
}

// discardWriter is an http.ResponseWriter that keeps the status and the
// answer in reused buffers, so BenchmarkAPI measures the fake's handler
// rather than a client and the network.
type discardWriter struct {
	h      http.Header
	status int
	body   []byte
}

func (w *discardWriter) Header() http.Header { return w.h }

func (w *discardWriter) WriteHeader(status int) { w.status = status }

func (w *discardWriter) Write(p []byte) (int, error) {
	w.body = append(w.body, p...)
	return len(p), nil
}

// serveAPI runs one Web API request through the fake's handler, with the
// bot token as a Bearer header, and fails the benchmark on an error
// answer.
func serveAPI(b *testing.B, s *Server, w *discardWriter, method, contentType string, body []byte) {
	b.Helper()
	u, err := url.Parse(s.APIURL() + method)
	if err != nil {
		b.Fatalf("parse URL: %v", err)
	}
	req := &http.Request{
		Method: http.MethodPost, URL: u, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        http.Header{"Content-Type": {contentType}, "Authorization": {"Bearer " + s.BotToken()}},
		Body:          io.NopCloser(bytes.NewReader(body)),
		ContentLength: int64(len(body)),
		Host:          u.Host,
	}
	clear(w.h)
	w.body, w.status = w.body[:0], 0
	s.handleAPI(w, req)
	if w.status != http.StatusOK || !bytes.Contains(w.body, []byte(`"ok":true`)) {
		b.Fatalf("%s answered %d %.300s", method, w.status, w.body)
	}
}

// messageBody is a chat.* request body as the bot sends it: a form with
// the blocks as a JSON string (slack-go), or a JSON object with the blocks
// as an array.
func messageBody(b *testing.B, jsonBody bool, fields map[string]string, blocks []byte) (contentType string, body []byte) {
	b.Helper()
	if !jsonBody {
		form := url.Values{"blocks": {string(blocks)}}
		for k, v := range fields {
			form.Set(k, v)
		}
		return "application/x-www-form-urlencoded", []byte(form.Encode())
	}
	body = []byte("{")
	for _, k := range []string{"channel", "ts", "text"} {
		if v, ok := fields[k]; ok {
			body = appendJSONString(append(appendJSONString(body, k), ':'), v)
			body = append(body, ',')
		}
	}
	body = append(append(body, `"blocks":`...), blocks...)
	if meta, ok := fields["metadata"]; ok { // JSON text, sent as an object
		body = append(append(body, `,"metadata":`...), meta...)
	}
	return "application/json; charset=utf-8", append(body, '}')
}

// BenchmarkAPI measures the fake's handler for the Web API calls jobdesc
// makes on every request, without a client or the network: views.open of
// the 10 kB account-manager modal, and chat.postMessage and chat.update of
// the 4 kB job description, form-encoded (as slack-go sends them) and as
// JSON bodies, and of the 6 kB review message as jobdesc sends it (a JSON
// body, with metadata on chat.postMessage; review-blocks.json holds its
// blocks as the bot wrote them).
func BenchmarkAPI(b *testing.B) {
	view := benchBody(b, "modal.json")
	blocks := benchBody(b, "message-blocks.json")
	review := benchBody(b, "review-blocks.json")
	b.Run("views.open", func(b *testing.B) {
		s := benchServer(b, Options{SchemaDir: "-"})
		w := &discardWriter{h: http.Header{}}
		b.SetBytes(int64(len(view)))
		defer cpuPerOp(b)()
		for b.Loop() {
			s.mu.Lock()
			trig := s.newTriggerLocked(UserAlice, "")
			s.mu.Unlock()
			body := append(append([]byte(`{"trigger_id":"`+trig+`","view":`), view...), '}')
			serveAPI(b, s, w, "views.open", "application/json; charset=utf-8", body)
		}
	})
	for _, enc := range []string{"form", "json", "review"} {
		blocks, post := blocks, map[string]string{"channel": ChannelHiring, "text": "Account Manager at Acme (draft 1)"}
		if enc == "review" {
			blocks = review
			post["metadata"] = `{"event_type":"jobdesc_review","event_payload":{"draft":"AM-1","team":"T0TEAM"}}`
		}
		b.Run("chat.postMessage/"+enc, func(b *testing.B) {
			s := benchServer(b, Options{SchemaDir: "-"})
			w := &discardWriter{h: http.Header{}}
			ctype, body := messageBody(b, enc != "form", post, blocks)
			b.SetBytes(int64(len(body)))
			defer cpuPerOp(b)()
			for b.Loop() {
				serveAPI(b, s, w, "chat.postMessage", ctype, body)
			}
		})
		b.Run("chat.update/"+enc, func(b *testing.B) {
			s := benchServer(b, Options{SchemaDir: "-"})
			w := &discardWriter{h: http.Header{}}
			m, err := s.PostUserMessage(ChannelHiring, UserAlice, "x")
			if err != nil {
				b.Fatalf("PostUserMessage: %v", err)
			}
			s.mu.Lock()
			s.messageIndex[messageKey(m.Channel, m.TS)].User = BotUserID // a message the bot may update
			s.mu.Unlock()
			ctype, body := messageBody(b, enc != "form", map[string]string{"channel": ChannelHiring, "ts": m.TS, "text": "Account Manager at Acme (approved)"}, blocks)
			b.SetBytes(int64(len(body)))
			defer cpuPerOp(b)()
			for b.Loop() {
				serveAPI(b, s, w, "chat.update", ctype, body)
			}
		})
	}
}

// cpuPerOp starts measuring the process's CPU time (user and system,
// every thread: the GC's too); the function it returns, called after the
// benchmark's loop, reports it per operation as cpu-ns/op, which the
// other programs sharing the machine disturb less than ns/op, wall time.
func cpuPerOp(b *testing.B) func() {
	start := cpuNow()
	return func() { b.ReportMetric(float64(cpuNow()-start)/float64(b.N), "cpu-ns/op") }
}

// cpuNow returns the CPU time the process used so far.
func cpuNow() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkWaitForCallAfter measures 50 waiters each waiting for its own
// chat.postMessage while the calls are recorded, as the load test's
// requests in flight do: per call recorded.
func BenchmarkWaitForCallAfter(b *testing.B) {
	const waiters = 50
	s := benchServer(b, Options{SchemaDir: "-"})
	ctx := context.Background()
	n := 0
	defer cpuPerOp(b)()
	for b.Loop() {
		mark := s.Mark()
		var wg sync.WaitGroup
		ready := make(chan struct{}, waiters)
		for i := range waiters {
			want := strconv.Itoa(n + i)
			wg.Go(func() {
				ready <- struct{}{}
				if _, err := s.WaitForCallAfter(ctx, mark, "chat.postMessage", func(c Call) bool { return c.Param("text") == want }); err != nil {
					b.Errorf("WaitForCallAfter: %v", err)
				}
			})
		}
		for range waiters {
			<-ready
		}
		for i := range waiters {
			s.mu.Lock()
			s.recordCallLocked(Call{Method: "chat.postMessage", Params: map[string]string{"text": strconv.Itoa(n + i)}, OK: true})
			s.mu.Unlock()
		}
		n += waiters
		wg.Wait()
	}
}

// BenchmarkEncodeView measures encoding the decoded account-manager modal
// as the fake echoes views (appendJSON: keys sorted, strings escaped).
func BenchmarkEncodeView(b *testing.B) {
	view := benchBody(b, "modal.json")
	v, err := decodeObject(view)
	if err != nil {
		b.Fatalf("decode: %v", err)
	}
	b.SetBytes(int64(len(view)))
	var buf []byte
	for b.Loop() {
		buf = appendJSON(buf[:0], v)
	}
}

// BenchmarkReviewBody measures the steps of a chat.postMessage of the
// review message that read its JSON body: parsing it into a jsonTree
// (treeMembers) and checking and encoding its blocks (checkBlocksTree).
func BenchmarkReviewBody(b *testing.B) {
	_, body := messageBody(b, true, map[string]string{"channel": ChannelHiring, "text": "Account Manager at Acme (draft 1)",
		"metadata": `{"event_type":"jobdesc_review","event_payload":{"draft":"AM-1","team":"T0TEAM"}}`}, benchBody(b, "review-blocks.json"))
	s := &Server{}
	b.Run("parse", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			r := &apiRequest{}
			if _, ok := r.treeMembers(body); !ok {
				b.Fatalf("treeMembers refused the review body")
			}
		}
	})
	b.Run("check", func(b *testing.B) {
		r := &apiRequest{}
		r.members, _ = r.treeMembers(body)
		v, raw, ok := r.blocksTree()
		if !ok {
			b.Fatalf("no blocks in the review body")
		}
		b.SetBytes(int64(len(raw)))
		for b.Loop() {
			if _, e := s.checkBlocksTree(v, raw, "", "/blocks"); e != nil {
				b.Fatalf("checkBlocksTree: %v", e.messages)
			}
		}
	})
}
