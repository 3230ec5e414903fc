package etcd

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jobdesc/jobdesc/drafts"
)

var lostPrefixes atomic.Int64

// errLost is the transport error loseAnswers reports.
var errLost = errors.New("injected: the answer was lost")

// roundTripFunc is an http.RoundTripper made of a function.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// loseAnswers lets the next n write transactions (those with compares)
// reach the cluster and commit, then reports a broken connection instead
// of their answer, as when a member stops between committing and
// answering.
func loseAnswers(n *atomic.Int32) func(http.RoundTripper) http.RoundTripper {
	return func(next http.RoundTripper) http.RoundTripper {
		return roundTripFunc(func(r *http.Request) (*http.Response, error) {
			var body []byte
			if r.Body != nil {
				b, err := io.ReadAll(r.Body)
				if err != nil {
					return nil, err
				}
				body = b
				r.Body = io.NopCloser(bytes.NewReader(body))
			}
			resp, err := next.RoundTrip(r)
			if err != nil || !strings.HasSuffix(r.URL.Path, "/v3/kv/txn") {
				return resp, err
			}
			var tr struct {
				Compare []json.RawMessage `json:"compare"`
			}
			if json.Unmarshal(body, &tr) == nil && len(tr.Compare) > 0 && resp.StatusCode == http.StatusOK && n.Add(-1) >= 0 {
				_ = resp.Body.Close()
				return nil, errLost
			}
			return resp, nil
		})
	}
}

// TestLostAnswers checks that a write whose transaction committed but
// whose answer was lost is retried without being applied twice: the retry
// finds the token the first attempt stored.
func TestLostAnswers(t *testing.T) {
	if testClusterErr != nil {
		t.Fatalf("etcd test cluster: %v", testClusterErr)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var lose atomic.Int32
	s, err := open(ctx, Config{Endpoints: testCluster.Endpoints(), Prefix: fmt.Sprintf("/lost/%d/", lostPrefixes.Add(1))},
		loseAnswers(&lose))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	n := drafts.NewDraft{Team: "T1", Channel: "C", Author: "U1", Prefix: "AM"}
	var d drafts.Draft
	steps := []struct {
		name string
		run  func() error
	}{
		{"Create", func() error {
			var err error
			if d, err = s.Create(ctx, n); err != nil {
				return err
			}
			if d.ID != "AM-1" {
				return fmt.Errorf("got %s, want AM-1", d.ID)
			}
			return nil
		}},
		{"Claim", func() error {
			ok, err := s.Claim(ctx, "Ev1")
			if err == nil && !ok {
				return fmt.Errorf("got false for a first claim")
			}
			return err
		}},
		{"ClaimPost", func() error {
			ok, err := s.ClaimPost(ctx, "T1", d.ID, time.Minute)
			if err == nil && !ok {
				return fmt.Errorf("got false for a first post claim")
			}
			return err
		}},
		{"MarkPosted", func() error {
			_, err := s.MarkPosted(ctx, "T1", d.ID, drafts.Message{Channel: "C", TS: "1.1"})
			return err
		}},
		{"Revise", func() error {
			got, err := s.Revise(ctx, "T1", d.ID, 1, "U1", map[string]string{"title": "v2"})
			if err == nil && got.Revision != 2 {
				return fmt.Errorf("got revision %d, want 2", got.Revision)
			}
			return err
		}},
		{"ReviewOnce", func() error {
			_, changed, first, err := s.ReviewOnce(ctx, "Ev2", "T1", d.ID, "U2", drafts.ReviewApprove, 2)
			if err == nil && (!changed || !first) {
				return fmt.Errorf("got changed %t first %t, want both", changed, first)
			}
			return err
		}},
		{"MarkShown", func() error {
			full, err := s.Get(ctx, "T1", d.ID)
			if err != nil {
				return err
			}
			ok, err := s.MarkShown(ctx, "T1", d.ID, len(full.Events))
			if err == nil && !ok {
				return fmt.Errorf("got false for a pending refresh")
			}
			return err
		}},
		{"Approve", func() error {
			_, changed, err := s.Approve(ctx, "T1", d.ID, "U3", 2)
			if err == nil && !changed {
				return fmt.Errorf("got changed false for a first approval")
			}
			return err
		}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			lose.Store(1)
			if err := st.run(); err != nil {
				t.Fatalf("%s with its answer lost: %v", st.name, err)
			}
			if left := lose.Load(); left >= 1 {
				t.Fatalf("%s: no write transaction was sent", st.name)
			}
		})
	}
	got, err := s.Get(ctx, "T1", d.ID)
	if err != nil {
		t.Fatal(err)
	}
	kinds := make([]drafts.EventKind, 0, len(got.Events))
	for _, e := range got.Events {
		kinds = append(kinds, e.Kind)
	}
	want := []drafts.EventKind{drafts.EventCreated, drafts.EventPosted, drafts.EventRevised, drafts.EventApproved, drafts.EventApproved}
	if fmt.Sprint(kinds) != fmt.Sprint(want) || got.Status != drafts.StatusApproved || len(got.Revisions) != 2 {
		t.Errorf("after lost answers: events %v, status %s, %d revisions; want %v, approved, 2", kinds, got.Status, len(got.Revisions), want)
	}
	if d2, err := s.Create(ctx, n); err != nil || d2.ID != "AM-2" {
		t.Errorf("next Create: got %s, %v; want AM-2 (no draft created twice)", d2.ID, err)
	}
	if ok, err := s.Claim(ctx, "Ev1"); err != nil || ok {
		t.Errorf("Claim(Ev1) again: got %t, %v; want false", ok, err)
	}
	if _, err := s.Check(ctx); err != nil {
		t.Errorf("Check: %v", err)
	}
}
