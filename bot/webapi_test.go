package bot

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

func TestDecodeAnswer(t *testing.T) {
	echo := `{"type":"modal","blocks":[{"type":"section","text":{"type":"mrkdwn","text":"a \"quoted\" } ] { [ text \\\\"}}],"state":{"values":{}}}`
	tests := []struct {
		name string
		in   string
		want answer
	}{
		{"post", `{"ok":true,"channel":"C1","ts":"1.2","message":{"text":"x","blocks":[{"type":"divider"}]}}`, answer{OK: true, Channel: "C1", TS: "1.2"}},
		{"echo with brackets and quotes in strings", `{"ok":true,"view":` + echo + `,"ts":"9.9"}`, answer{OK: true, TS: "9.9"}},
		{"error with metadata", `{"ok":false,"error":"invalid_blocks","response_metadata":{"messages":["[ERROR] bad block"],"warnings":["w"]}}`,
			answer{Error: "invalid_blocks", Meta: slack.ResponseMetadata{Messages: []string{"[ERROR] bad block"}, Warnings: []string{"w"}}}},
		{"scope diagnostics", `{"ok":false,"error":"missing_scope","needed":"chat:write","provided":"commands"}`, answer{Error: "missing_scope", Needed: "chat:write", Provided: "commands"}},
		{"errors list", `{"ok":false,"error":"invalid_arguments","errors":["m"]}`, answer{Error: "invalid_arguments", Errors: []slack.SlackResponseErrors{{Message: ptr("m")}}}},
		{"escapes in a string", `{"ok":true,"ts":"1\u002e2","channel":"C\\\"1"}`, answer{OK: true, TS: "1.2", Channel: `C\"1`}},
		{"space everywhere", " {\n \"ok\" : true ,\t\"ts\" : \"1.2\" , \"n\" : -1.5e3 , \"b\" : false }\n", answer{OK: true, TS: "1.2"}},
		{"null leaves a field empty", `{"ok":true,"ts":null,"warning":null}`, answer{OK: true}},
		{"keys in another case", `{"OK":true,"Ts":"1.2"}`, answer{OK: true, TS: "1.2"}},
		{"empty object", `{}`, answer{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeAnswer([]byte(tt.in))
			if err != nil {
				t.Fatalf("got error %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
			var std answer
			if err := json.Unmarshal([]byte(tt.in), &std); err != nil || !reflect.DeepEqual(got, std) {
				t.Errorf("encoding/json reads %+v (%v); the scanner %+v", std, err, got)
			}
		})
	}
	for _, in := range []string{``, `not json`, `{"ok":true`, `{"ok":tru}`, `{"ok":true,"ts":1.2}`, `{"ok" true}`, `{"ok":true}}`, `["ok"]`} {
		t.Run("rejects "+in, func(t *testing.T) {
			if a, err := decodeAnswer([]byte(in)); err == nil {
				t.Errorf("got %+v and no error for %q", a, in)
			}
		})
	}
}

// FuzzDecodeAnswer checks the scanner against encoding/json: whatever
// encoding/json reads, decodeAnswer reads the same.
func FuzzDecodeAnswer(f *testing.F) {
	for _, s := range []string{
		`{"ok":true,"channel":"C1","ts":"1.2","message":{"text":"x","blocks":[{"type":"divider"}]}}`,
		`{"ok":false,"error":"e","response_metadata":{"messages":["m"]},"errors":[{"code":"c"}]}`,
		`{"ok":true,"ts":"a\"b\\","x":[1,{"y":"}"}],"Ts":null}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var want answer
		if json.Unmarshal(b, &want) != nil {
			return
		}
		got, err := decodeAnswer(b)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("decodeAnswer(%q) = %+v, %v; encoding/json reads %+v", b, got, err, want)
		}
	})
}

func TestWebAPIPost(t *testing.T) {
	type seen struct {
		auth, ctype string
		body        []byte
	}
	got := make(chan seen, 1)
	answers := map[string]func(w http.ResponseWriter){
		"ok":      func(w http.ResponseWriter) { io.WriteString(w, `{"ok":true,"ts":"1.2","message":{"blocks":[]}}`) },
		"refused": func(w http.ResponseWriter) { io.WriteString(w, `{"ok":false,"error":"not_in_channel"}`) },
		"limited": func(w http.ResponseWriter) {
			w.Header().Set("Retry-After", "3")
			w.WriteHeader(http.StatusTooManyRequests)
		},
		"broken":  func(w http.ResponseWriter) { w.WriteHeader(http.StatusBadGateway) },
		"garbled": func(w http.ResponseWriter) { io.WriteString(w, `<html>`) },
		"bad-wait": func(w http.ResponseWriter) {
			w.Header().Set("Retry-After", "soon")
			w.WriteHeader(http.StatusTooManyRequests)
		},
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- seen{r.Header.Get("Authorization"), r.Header.Get("Content-Type"), b}
		answers[strings.TrimPrefix(r.URL.Path, "/api/")](w)
	}))
	t.Cleanup(srv.Close)
	const token = "xoxb-secret-token"
	w := &webAPI{client: srv.Client(), base: srv.URL + "/api/", token: token}
	ctx := context.Background()

	t.Run("sends JSON with the token as a bearer", func(t *testing.T) {
		a, err := w.post(ctx, "ok", []byte(`{"channel":"C1"}`))
		if err != nil || a.TS != "1.2" {
			t.Fatalf("got %+v, %v; want ts 1.2", a, err)
		}
		s := <-got
		if s.auth != "Bearer "+token || !strings.HasPrefix(s.ctype, "application/json") || string(s.body) != `{"channel":"C1"}` {
			t.Errorf("got bearer token sent %v, type %q, body %s", s.auth == "Bearer "+token, s.ctype, s.body)
		}
	})
	tests := []struct {
		method string
		check  func(error) bool
	}{
		{"refused", func(err error) bool { return slackError(err) == "not_in_channel" }},
		{"limited", func(err error) bool {
			var rl *slack.RateLimitedError
			return errors.As(err, &rl) && rl.RetryAfter == 3*time.Second
		}},
		{"broken", func(err error) bool {
			var sc slack.StatusCodeError
			return errors.As(err, &sc) && sc.Code == http.StatusBadGateway
		}},
		{"garbled", func(err error) bool { return err != nil && strings.Contains(err.Error(), "garbled: read answer") }},
		{"bad-wait", func(err error) bool { return err != nil && strings.Contains(err.Error(), "Retry-After") }},
	}
	for _, tt := range tests {
		t.Run(tt.method, func(t *testing.T) {
			_, err := w.post(ctx, tt.method, []byte(`{}`))
			<-got
			if !tt.check(err) {
				t.Errorf("got %v", err)
			}
			if err != nil && strings.Contains(err.Error(), token) {
				t.Error("the error holds the token")
			}
		})
	}
}

func TestBody(t *testing.T) {
	section := slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "<b> & \u2028", false, false), nil, nil)
	divider := slack.NewDividerBlock()
	encoded := encodeBlocks([]slack.Block{section})
	meta := slack.SlackMetadata{EventType: "jobdesc_draft", EventPayload: map[string]any{"id": "AM-1"}}
	o := newBody(0)
	o.value("channel", "C1")
	o.value("text", "line\n\"quoted\" <tag>")
	o.blocks("blocks", append(encoded, divider))
	o.value("metadata", meta)
	got, err := o.bytes()
	if err != nil {
		t.Fatal(err)
	}
	// What slack-go would have marshalled for the same message.
	wantBlocks, _ := json.Marshal([]slack.Block{section, divider})
	wantMeta, _ := json.Marshal(meta)
	want := `{"channel":"C1","text":"line\n\"quoted\" \u003ctag\u003e","blocks":` + string(wantBlocks) + `,"metadata":` + string(wantMeta) + `}`
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if !json.Valid(got) {
		t.Error("not valid JSON")
	}
	t.Run("empty", func(t *testing.T) {
		if got, _ := newBody(0).bytes(); string(got) != "{}" {
			t.Errorf("got %s, want {}", got)
		}
	})
	t.Run("a field that does not encode", func(t *testing.T) {
		o := newBody(0)
		o.value("bad", func() {})
		if _, err := o.bytes(); err == nil || !strings.Contains(err.Error(), "encode bad") {
			t.Errorf("got %v, want an error naming the field", err)
		}
	})
}

// TestModalBody holds body.modal to json.Marshal for every kind of modal the
// bot opens, with its blocks as they are and encoded once.
func TestModalBody(t *testing.T) {
	_, role := benchBot(t)
	values := role.Normalize(role.Example())
	meta := modalMeta{Channel: "C1", Role: role.ID}
	modals := map[string]slack.ModalViewRequest{
		"new draft":  draftModal(role, role.Normalize(nil), meta),
		"edit":       draftModal(role, values, modalMeta{Channel: "C1", Role: role.ID, Draft: "AM-1", Base: 2}),
		"everything": {Type: slack.VTModal, Title: plain("t"), Close: plain("c"), Submit: plain("s"), PrivateMetadata: `{"x":"<&>"}`, CallbackID: "cb", ClearOnClose: true, NotifyOnClose: true, ExternalID: "e", Blocks: slack.Blocks{BlockSet: []slack.Block{slack.NewDividerBlock()}}},
		"no blocks":  {Type: slack.VTModal, Title: plain("t")},
	}
	for name, v := range modals {
		t.Run(name, func(t *testing.T) {
			want, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			for _, encoded := range []bool{false, true} {
				if encoded {
					v.Blocks.BlockSet = encodeBlocks(v.Blocks.BlockSet)
				}
				o := newBody(0)
				o.modal("view", v)
				got, err := o.bytes()
				if err != nil {
					t.Fatal(err)
				}
				if w := `{"view":` + string(want) + `}`; string(got) != w {
					t.Errorf("encoded blocks %v:\ngot  %s\nwant %s", encoded, got, w)
				}
			}
		})
	}
	t.Run("a new draft's inputs are the modal's", func(t *testing.T) {
		bot, role := benchBot(t)
		got, _ := json.Marshal(modalView(role, meta, bot.newDraftInputs(role)))
		want, _ := json.Marshal(draftModal(role, role.Normalize(nil), meta))
		if string(got) != string(want) {
			t.Errorf("got  %s\nwant %s", got, want)
		}
		if a, b := bot.newDraftInputs(role), bot.newDraftInputs(role); &a[0] != &b[0] {
			t.Error("the inputs were built twice")
		}
	})
}
