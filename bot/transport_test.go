package bot

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/slack-go/slack"
)

func TestTrimmingTransport(t *testing.T) {
	answers := map[string]string{
		"views.open":        `{"ok":true,"view":{"id":"V1","hash":"h1","blocks":[{"type":"section","text":{"type":"mrkdwn","text":"big"}}],"state":{"values":{}}}}`,
		"chat.postMessage":  `{"ok":true,"channel":"C1","ts":"1.2","message":{"text":"x","blocks":[{"type":"divider"}]}}`,
		"chat.update":       `{"ok":false,"error":"message_not_found"}`,
		"chat.getPermalink": `{"ok":true,"channel":"C1","permalink":"https://acme.slack.com/archives/C1/p12"}`,
		"views.publish":     `not json`,
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, answers[strings.TrimPrefix(r.URL.Path, "/api/")])
	}))
	defer srv.Close()
	hc := &http.Client{Transport: trimmingTransport{next: http.DefaultTransport}}
	api := slack.New("xoxb-1", slack.OptionHTTPClient(hc), slack.OptionAPIURL(srv.URL+"/api/"))
	ctx := context.Background()

	t.Run("views.open keeps id and hash, drops blocks", func(t *testing.T) {
		v, err := api.OpenViewContext(ctx, "trigger", slack.ModalViewRequest{Type: slack.VTModal})
		if err != nil || v.ID != "V1" || v.Hash != "h1" {
			t.Errorf("got %+v, %v; want V1/h1", v, err)
		}
		if len(v.Blocks.BlockSet) != 0 {
			t.Errorf("blocks were decoded: %d", len(v.Blocks.BlockSet))
		}
	})
	t.Run("chat.postMessage keeps channel and ts", func(t *testing.T) {
		ch, ts, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("x", false))
		if err != nil || ch != "C1" || ts != "1.2" {
			t.Errorf("got %q %q %v, want C1 1.2", ch, ts, err)
		}
	})
	t.Run("errors still reach the caller", func(t *testing.T) {
		_, _, _, err := api.UpdateMessageContext(ctx, "C1", "1.2", slack.MsgOptionText("x", false))
		if slackError(err) != "message_not_found" {
			t.Errorf("got %v, want message_not_found", err)
		}
	})
	t.Run("other methods are untouched", func(t *testing.T) {
		link, err := api.GetPermalinkContext(ctx, &slack.PermalinkParameters{Channel: "C1", Ts: "1.2"})
		if err != nil || link != "https://acme.slack.com/archives/C1/p12" {
			t.Errorf("got %q, %v", link, err)
		}
	})
	t.Run("an unreadable answer passes through", func(t *testing.T) {
		_, err := api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: "U1", View: slack.HomeTabViewRequest{Type: slack.VTHomeTab}})
		if err == nil {
			t.Error("a non-JSON answer decoded without error")
		}
	})
}
