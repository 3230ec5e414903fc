package etcd_test

import (
	"errors"
	"strings"
	"testing"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/jobdesc/jobdesc/drafts"
)

func TestCheckFindsInconsistencies(t *testing.T) {
	c := theCluster(t)
	raw := rawClient(t, c)
	tests := []struct {
		name   string
		break_ func(t *testing.T, p string)
		want   string
	}{
		{"missing revision", func(t *testing.T, p string) { del(t, raw, p+"rev/T1/AM-1/0000000001") },
			"has 0 revision records, want 1"},
		{"dangling message", func(t *testing.T, p string) { put(t, raw, p+"msg/T1/C/9", "AM-7") },
			`points to missing draft "AM-7"`},
		{"missing index entry", func(t *testing.T, p string) { del(t, raw, p+"by-author/T1/U1/00000000000000000001") },
			"has 1 index entries, want 2"},
		{"stale outbox entry", func(t *testing.T, p string) { put(t, raw, p+"outbox/00000000000000000005/T1/AM-1", "") },
			"stale outbox entry"},
		{"stale status entry", func(t *testing.T, p string) { put(t, raw, p+"status/approved/T1/AM-1", "") },
			"stale status entry"},
		{"sequence behind", func(t *testing.T, p string) { put(t, raw, p+"seq/T1", "0") },
			"sequence behind"},
		{"unreadable record", func(t *testing.T, p string) { put(t, raw, p+"d/T1/AM-1", "{") },
			"d/T1/AM-1"},
		{"unknown key", func(t *testing.T, p string) { put(t, raw, p+"zzz", "") },
			"unknown key"},
		{"stale refresh entry", func(t *testing.T, p string) { put(t, raw, p+"refresh/T1/AM-1", "") },
			"stale refresh entry"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPrefix()
			s := openAt(t, p, c.Endpoints())
			if _, err := s.Create(ctxT(t), drafts.NewDraft{Team: "T1", Channel: "C", Author: "U1", Prefix: "AM"}); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Claim(ctxT(t), "Ev1"); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Check(ctxT(t)); err != nil {
				t.Fatalf("Check before breaking: %v", err)
			}
			tt.break_(t, p)
			_, err := s.Check(ctxT(t))
			if !errors.Is(err, drafts.ErrCorrupt) {
				t.Fatalf("Check: got %v, want ErrCorrupt", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Check error %q does not contain %q", err, tt.want)
			}
		})
	}
	t.Run("report counts", func(t *testing.T) {
		s := openAt(t, newPrefix(), c.Endpoints())
		ctx := ctxT(t)
		d, err := s.Create(ctx, drafts.NewDraft{Team: "T1", Channel: "C", Author: "U1", Prefix: "AM"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Create(ctx, drafts.NewDraft{Team: "T2", Channel: "C", Author: "U1", Prefix: "AM"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.MarkPosted(ctx, "T1", d.ID, drafts.Message{Channel: "C", TS: "1"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Claim(ctx, "Ev1"); err != nil {
			t.Fatal(err)
		}
		got, err := s.Check(ctx)
		if err != nil {
			t.Fatalf("Check: %v", err)
		}
		want := drafts.Report{Schema: 1, Teams: 2, Drafts: 2, Revisions: 2, Events: 3, Messages: 1, Pending: 1, Seen: 1}
		if got != want {
			t.Errorf("Check: got %+v, want %+v", got, want)
		}
	})
}

func del(t *testing.T, cli *clientv3.Client, k string) {
	t.Helper()
	resp, err := cli.Delete(ctxT(t), k)
	if err != nil || resp.Deleted != 1 {
		t.Fatalf("delete %s: %v, %v deleted", k, err, resp)
	}
}
