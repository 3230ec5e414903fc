package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"
)

// webAPI sends the Web API calls the bot makes on every request
// (chat.postMessage, chat.update, views.open) as JSON bodies it writes
// itself, and reads only the fields it needs of their answers. slack-go
// sends chat.* as forms: it marshals the blocks, which encoding/json scans
// again when they are encoded once already, then URL-escapes the result;
// and it decodes the whole message or view that Slack echoes back. Under a
// burst that was a quarter of the bot's CPU. Errors are slack-go's types
// (slack.SlackErrorResponse, *slack.RateLimitedError,
// slack.StatusCodeError), so retries and error handling see no difference.
// Every other method goes through slack-go.
type webAPI struct {
	client *http.Client
	base   string // ends in "/"
	token  string
	// buffers hold answers while they are read (*[]byte): most echo a
	// 10-20 kB message or view. (Request bodies are not pooled: the
	// transport may still be reading one after the call returns.)
	buffers sync.Pool
}

// maxPooledBuffer is the largest buffer kept for reuse.
const maxPooledBuffer = 256 << 10

// buffer returns an empty buffer with room for about size bytes; give it
// back with release once nothing holds its bytes.
func (w *webAPI) buffer(size int) *[]byte {
	if p, ok := w.buffers.Get().(*[]byte); ok {
		if cap(*p) >= size {
			*p = (*p)[:0]
			return p
		}
	}
	b := make([]byte, 0, size)
	return &b
}

func (w *webAPI) release(p *[]byte) {
	if cap(*p) <= maxPooledBuffer {
		w.buffers.Put(p)
	}
}

// send builds a body with build and calls method with it through call
// (retries and metrics), returning the answer of the last attempt.
func (w *webAPI) send(ctx context.Context, call caller, method string, size int, build func(o *body)) (answer, error) {
	req, err := encodeBody(size, build)
	if err != nil {
		return answer{}, fmt.Errorf("%s: %w", method, err)
	}
	return w.sendBody(ctx, call, method, req)
}

// caller runs a Web API call with retries (Bot.call).
type caller func(ctx context.Context, method string, f func(context.Context) error) error

// sendBody is send with the body built already.
func (w *webAPI) sendBody(ctx context.Context, call caller, method string, req []byte) (answer, error) {
	var a answer
	err := call(ctx, method, func(ctx context.Context) error {
		var err error
		a, err = w.post(ctx, method, req)
		return err
	})
	return a, err
}

// encodeBody returns the JSON object build writes, sized for about size
// bytes.
func encodeBody(size int, build func(o *body)) ([]byte, error) {
	o := newBody(size)
	build(o)
	return o.bytes()
}

// answer is what the bot reads of a Web API answer.
type answer struct {
	OK       bool                        `json:"ok"`
	Error    string                      `json:"error"`
	Errors   []slack.SlackResponseErrors `json:"errors"`
	Needed   string                      `json:"needed"`
	Provided string                      `json:"provided"`
	Meta     slack.ResponseMetadata      `json:"response_metadata"`
	Channel  string                      `json:"channel"`
	TS       string                      `json:"ts"`
}

// post calls method with a JSON body. It returns the answer, and an error
// when the call failed: the transport's error, *slack.RateLimitedError for a
// 429, slack.StatusCodeError for another status, slack.SlackErrorResponse
// for ok:false, or a decoding error for an answer that is not JSON.
func (w *webAPI) post(ctx context.Context, method string, body []byte) (answer, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.base+method, bytes.NewReader(body))
	if err != nil {
		return answer{}, err
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("Authorization", "Bearer "+w.token)
	resp, err := w.client.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusTooManyRequests && resp.Header.Get("Retry-After") != "" {
		secs, err := strconv.ParseInt(resp.Header.Get("Retry-After"), 10, 64)
		if err != nil {
			return answer{}, fmt.Errorf("%s: unreadable Retry-After: %w", method, err)
		}
		return answer{}, &slack.RateLimitedError{RetryAfter: time.Duration(secs) * time.Second}
	}
	if resp.StatusCode != http.StatusOK {
		return answer{}, slack.StatusCodeError{Code: resp.StatusCode, Status: resp.Status}
	}
	p := w.buffer(int(max(resp.ContentLength, 0)) + bytes.MinRead)
	defer func() { w.release(p) }()
	buf := bytes.NewBuffer(*p)
	_, err = buf.ReadFrom(resp.Body)
	*p = buf.Bytes()
	if err != nil {
		return answer{}, err
	}
	a, err := decodeAnswer(*p) // copies what it keeps
	if err != nil {
		return answer{}, fmt.Errorf("%s: read answer: %w", method, err)
	}
	if !a.OK && a.Error != "" {
		return a, slack.SlackErrorResponse{Err: a.Error, Errors: a.Errors, ResponseMetadata: a.Meta, Needed: a.Needed, Provided: a.Provided}
	}
	return a, nil
}

// decodeAnswer reads an answer's top-level fields, skipping the echoed
// message or view (10-20 kB that encoding/json would scan byte by byte
// through its state machine). An answer the scanner can't follow is given
// to encoding/json, whose error then says what is wrong with it.
func decodeAnswer(b []byte) (answer, error) {
	if a, ok := scanAnswer(b); ok {
		return a, nil
	}
	var a answer
	err := json.Unmarshal(b, &a)
	return a, err
}

// scanAnswer is decodeAnswer's fast path; ok is false when b is not an
// object whose fields it can read.
func scanAnswer(b []byte) (a answer, ok bool) {
	s := scanner{b: b}
	if !s.consume('{') {
		return a, false
	}
	if s.consume('}') {
		return a, s.end()
	}
	for {
		key, ok := s.str()
		if !ok || !s.consume(':') {
			return a, false
		}
		if s.null() { // encoding/json leaves a field as it was, but empties a list
			if strings.EqualFold(key, "errors") {
				a.Errors = nil
			}
			if s.consume('}') {
				return a, s.end()
			}
			if !s.consume(',') {
				return a, false
			}
			continue
		}
		switch key {
		case "ok":
			v, ok := s.boolean()
			if !ok {
				return a, false
			}
			a.OK = v
		case "error", "needed", "provided", "channel", "ts":
			v, ok := s.str()
			if !ok {
				return a, false
			}
			switch key {
			case "error":
				a.Error = v
			case "needed":
				a.Needed = v
			case "provided":
				a.Provided = v
			case "channel":
				a.Channel = v
			case "ts":
				a.TS = v
			}
		case "response_metadata", "errors":
			start := s.i
			if !s.skip() {
				return a, false
			}
			var err error
			if key == "errors" {
				err = json.Unmarshal(b[start:s.i], &a.Errors)
			} else {
				err = json.Unmarshal(b[start:s.i], &a.Meta)
			}
			if err != nil {
				return a, false
			}
		default:
			// encoding/json matches keys regardless of case: leave
			// "OK" or "Ts" to it.
			if knownKey(key) || !s.skip() {
				return a, false
			}
		}
		if s.consume('}') {
			return a, s.end()
		}
		if !s.consume(',') {
			return a, false
		}
	}
}

// knownKey reports whether k matches a field of answer regardless of case.
func knownKey(k string) bool {
	for _, f := range [...]string{"ok", "error", "needed", "provided", "channel", "ts", "response_metadata", "errors"} {
		if strings.EqualFold(k, f) {
			return true
		}
	}
	return false
}

// body builds a JSON object field by field, so blocks encoded once
// (encodedBlock) are copied in rather than marshalled and scanned again.
type body struct {
	buf []byte
	err error
}

// newBody returns a body with room for about size bytes.
func newBody(size int) *body { return &body{buf: make([]byte, 0, size)} }

func (o *body) key(k string) {
	if len(o.buf) == 0 {
		o.buf = append(o.buf, '{')
	} else {
		o.buf = append(o.buf, ',')
	}
	o.buf = strconv.AppendQuote(o.buf, k) // keys are ASCII names
	o.buf = append(o.buf, ':')
}

// value adds a field marshalled by encoding/json.
func (o *body) value(k string, v any) {
	raw, err := json.Marshal(v)
	if err != nil {
		o.err = fmt.Errorf("encode %s: %w", k, err)
		return
	}
	o.key(k)
	o.buf = append(o.buf, raw...)
}

// raw adds a field whose value is JSON already.
func (o *body) raw(k string, raw []byte) {
	o.key(k)
	o.buf = append(o.buf, raw...)
}

// modal adds a modal view: what json.Marshal(v) gives, with blocks encoded
// once (encodedBlock) copied in rather than marshalled and scanned again.
func (o *body) modal(k string, v slack.ModalViewRequest) {
	m := newBody(viewSize(v.Blocks.BlockSet))
	m.value("type", v.Type)
	if v.Title != nil {
		m.value("title", v.Title)
	}
	if v.Blocks.BlockSet == nil {
		m.raw("blocks", []byte("null"))
	} else {
		m.blocks("blocks", v.Blocks.BlockSet)
	}
	if v.Close != nil {
		m.value("close", v.Close)
	}
	if v.Submit != nil {
		m.value("submit", v.Submit)
	}
	if v.PrivateMetadata != "" {
		m.value("private_metadata", v.PrivateMetadata)
	}
	if v.CallbackID != "" {
		m.value("callback_id", v.CallbackID)
	}
	if v.ClearOnClose {
		m.value("clear_on_close", true)
	}
	if v.NotifyOnClose {
		m.value("notify_on_close", true)
	}
	if v.ExternalID != "" {
		m.value("external_id", v.ExternalID)
	}
	raw, err := m.bytes()
	if err != nil {
		o.err = fmt.Errorf("encode %s: %w", k, err)
		return
	}
	o.raw(k, raw)
}

// viewSize guesses the size of a view's JSON.
func viewSize(blocks []slack.Block) int {
	return messageSize("", blocks)
}

// blocks adds a list of blocks.
func (o *body) blocks(k string, bs []slack.Block) {
	o.key(k)
	o.buf = append(o.buf, '[')
	for i, b := range bs {
		if i > 0 {
			o.buf = append(o.buf, ',')
		}
		if e, ok := b.(encodedBlock); ok {
			o.buf = append(o.buf, e.raw...)
			continue
		}
		raw, err := json.Marshal(b)
		if err != nil {
			o.err = fmt.Errorf("encode %s block %d: %w", k, i, err)
			return
		}
		o.buf = append(o.buf, raw...)
	}
	o.buf = append(o.buf, ']')
}

// bytes returns the object, or the first error encoding a field.
func (o *body) bytes() ([]byte, error) {
	if o.err != nil {
		return nil, o.err
	}
	if len(o.buf) == 0 {
		return []byte("{}"), nil
	}
	return append(o.buf, '}'), nil
}
