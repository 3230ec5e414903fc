package fakeslack

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"
)

// responseURL is an issued response_url.
type responseURL struct {
	id              string
	kind            string // "command" or "message"
	channel, user   string
	originTS        string // message interactions: the message clicked
	originEphemeral bool
	issued          time.Time
	uses            int
}

func (s *Server) newResponseURLLocked(r responseURL) string {
	r.id = randomString(24, alnum)
	r.issued = s.opts.Now()
	s.responseURLs[r.id] = &r
	return s.base + "/response/" + TeamID + "/" + r.id
}

// ResponseURLPosts returns every post to a response_url, in order (calls
// with Method "response_url").
func (s *Server) ResponseURLPosts() []Call { return s.Calls("response_url") }

// handleResponseURL answers a post to a response_url: {"text", "blocks",
// "response_type", "replace_original", "delete_original", "thread_ts"}.
func (s *Server) handleResponseURL(w http.ResponseWriter, r *http.Request) {
	if !s.enter() {
		http.Error(w, "server closed", http.StatusServiceUnavailable)
		return
	}
	defer s.wg.Done()
	start, noticed := requestArrival(r), time.Now()
	id := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxBody))
	call := Call{Method: "response_url", At: start, Noticed: noticed, Body: body, Params: map[string]string{}}
	var fields map[string]json.RawMessage
	jsonErr := json.Unmarshal(body, &fields)
	for k, raw := range fields {
		var str string
		if len(raw) > 0 && raw[0] == '"' && json.Unmarshal(raw, &str) == nil {
			call.Params[k] = str
		} else {
			call.Params[k] = string(raw)
		}
	}

	if _, answered := s.applyFault(w, r, call, "response_url"); answered {
		return
	}

	s.mu.Lock()
	status, answer := s.responseURLLocked(id, fields, jsonErr)
	call.Status = status
	call.Response = answer
	call.Duration = time.Since(start)
	var a struct {
		OK    bool   `json:"ok"`
		Error string `json:"error"`
	}
	_ = json.Unmarshal(answer, &a)
	call.OK, call.Error = a.OK, a.Error
	if answerMsgs := metadataMessages(answer); len(answerMsgs) > 0 {
		call.Messages = answerMsgs
	}
	call = s.recordCallLocked(call)
	if isValidationError(call.Error) {
		s.problemLocked("response_url post rejected as %s: %s", call.Error, strings.Join(call.Messages, "; "))
	}
	s.mu.Unlock()
	writeJSON(w, status, answer)
}

func metadataMessages(answer []byte) []string {
	var a struct {
		ResponseMetadata struct {
			Messages []string `json:"messages"`
		} `json:"response_metadata"`
	}
	_ = json.Unmarshal(answer, &a)
	return a.ResponseMetadata.Messages
}

func (s *Server) responseURLLocked(id string, fields map[string]json.RawMessage, jsonErr error) (int, []byte) {
	ru, ok := s.responseURLs[id]
	if !ok {
		return http.StatusNotFound, apiAnswer(nil, errCode("invalid_url"))
	}
	if s.opts.Now().Sub(ru.issued) > ResponseURLTTL {
		return http.StatusOK, apiAnswer(nil, errCode("expired_url"))
	}
	if ru.uses >= ResponseURLUses {
		return http.StatusOK, apiAnswer(nil, errCode("used_url"))
	}
	if jsonErr != nil {
		return http.StatusOK, apiAnswer(nil, &apiError{code: "invalid_payload", messages: []string{"[ERROR] body must be a JSON object: " + jsonErr.Error()}})
	}
	str := func(k string) string {
		var v string
		_ = json.Unmarshal(fields[k], &v)
		return v
	}
	flag := func(k string) bool {
		var v bool
		_ = json.Unmarshal(fields[k], &v)
		return v
	}
	text := str("text")
	var blocks json.RawMessage
	if raw, ok := fields["blocks"]; ok && string(raw) != "null" {
		var e *apiError
		if blocks, e = s.checkMessageBlocks(raw, "/blocks"); e != nil {
			return http.StatusOK, apiAnswer(nil, e)
		}
	}
	var orig *message
	if ru.originTS != "" {
		orig = s.findAnyMessageLocked(ru.channel, ru.originTS)
	}
	ru.uses++
	switch {
	case flag("delete_original"):
		if orig != nil {
			orig.deleted = true
			s.broadcastLocked()
		}
	case flag("replace_original") && orig != nil:
		if text == "" && blocks == nil {
			return http.StatusOK, apiAnswer(nil, errCode("no_text"))
		}
		orig.Text = text
		orig.Blocks = blocks
		orig.Edited = true
		s.broadcastLocked()
	default:
		if text == "" && blocks == nil {
			return http.StatusOK, apiAnswer(nil, errCode("no_text"))
		}
		s.showResponseLocked(ru.channel, ru.user, text, blocks, str("response_type"), str("thread_ts"), "response_url")
	}
	return http.StatusOK, apiAnswer(map[string]any{}, nil)
}
