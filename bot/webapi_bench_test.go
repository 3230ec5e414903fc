package bot

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

// BenchmarkWebAPIPost is one chat.postMessage of a review message's size
// (7 kB) through the bot's transport to a local server answering with an
// echo of that size, with the transport's write buffer as it ships and at
// net/http's default. Allocations count both ends.
func BenchmarkWebAPIPost(b *testing.B) {
	answer := `{"ok":true,"channel":"C1","ts":"1700000000.000100","message":{"text":"` + strings.Repeat("x", 7<<10) + `"}}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.Copy(io.Discard, r.Body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(answer)))
		io.WriteString(w, answer)
	}))
	b.Cleanup(srv.Close)
	body := []byte(`{"channel":"C1","text":"` + strings.Repeat("y", 7<<10) + `"}`)
	for _, tc := range []struct {
		name string
		size int
	}{{"shipped", newTransport().WriteBufferSize}, {"default-4kB", 0}} {
		b.Run(tc.name, func(b *testing.B) {
			t := newTransport()
			t.WriteBufferSize = tc.size
			b.Cleanup(t.CloseIdleConnections)
			w := &webAPI{client: &http.Client{Transport: t}, base: srv.URL + "/", token: "xoxb-bench"}
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				a, err := w.post(ctx, "chat.postMessage", body)
				if err != nil || a.TS == "" {
					b.Fatal(a, err)
				}
			}
		})
	}
}
