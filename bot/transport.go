package bot

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"path"
	"strconv"
)

// trimmedMethods are the Web API methods whose answers echo the whole view
// or message back. slack-go decodes that echo into typed blocks, which cost
// more CPU than anything else the bot does per request, and the bot reads
// none of it: only ok/error, ts and the view's id and hash. (The calls made
// on every request don't go through slack-go at all: see webAPI.)
var trimmedMethods = map[string]bool{
	"views.open": true, "views.update": true, "views.push": true, "views.publish": true,
	"chat.postMessage": true, "chat.update": true,
}

// trimmedAnswer is every field of those answers that the bot (through
// slack-go) reads; the rest is dropped before slack-go decodes it.
type trimmedAnswer struct {
	OK               bool            `json:"ok"`
	Error            string          `json:"error,omitempty"`
	Warning          string          `json:"warning,omitempty"`
	Needed           string          `json:"needed,omitempty"`
	Provided         string          `json:"provided,omitempty"`
	ResponseMetadata json.RawMessage `json:"response_metadata,omitempty"`
	Errors           json.RawMessage `json:"errors,omitempty"`
	Channel          string          `json:"channel,omitempty"`
	TS               string          `json:"ts,omitempty"`
	Text             string          `json:"text,omitempty"`
	View             *struct {
		ID         string `json:"id"`
		TeamID     string `json:"team_id,omitempty"`
		Type       string `json:"type,omitempty"`
		Hash       string `json:"hash,omitempty"`
		CallbackID string `json:"callback_id,omitempty"`
		ExternalID string `json:"external_id,omitempty"`
		RootViewID string `json:"root_view_id,omitempty"`
		AppID      string `json:"app_id,omitempty"`
		BotID      string `json:"bot_id,omitempty"`
	} `json:"view,omitempty"`
}

// trimmingTransport drops the echoed view or message from the answers of
// trimmedMethods. Anything it can't read is passed on untouched.
type trimmingTransport struct{ next http.RoundTripper }

func (t trimmingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err != nil || resp.StatusCode != http.StatusOK || !trimmedMethods[path.Base(req.URL.Path)] {
		return resp, err
	}
	body, err := readBody(resp)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	var a trimmedAnswer
	if json.Unmarshal(body, &a) == nil {
		if small, err := json.Marshal(a); err == nil {
			body = small
		}
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.Header.Set("Content-Length", strconv.Itoa(len(body)))
	return resp, nil
}

// readBody reads an answer whole, in one allocation when its length is
// known (io.ReadAll grows its slice from 512 bytes: 2-3 times the answer in
// garbage for the 10-20 kB echoes of views and messages).
func readBody(resp *http.Response) ([]byte, error) {
	if n := resp.ContentLength; n > 0 && n <= 16<<20 {
		buf := bytes.NewBuffer(make([]byte, 0, n+bytes.MinRead))
		_, err := buf.ReadFrom(resp.Body)
		return buf.Bytes(), err
	}
	return io.ReadAll(resp.Body)
}
