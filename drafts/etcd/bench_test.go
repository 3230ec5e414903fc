package etcd_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jobdesc/jobdesc/drafts"
	"github.com/jobdesc/jobdesc/drafts/etcd"
	"github.com/jobdesc/jobdesc/drafts/etcd/etcdtest"
)

// benchStore opens a store on a fresh 1-member cluster, so the figures
// measure the client and one member, not a quorum's disk and network.
func benchStore(b *testing.B) (*etcd.Store, context.Context) {
	b.Helper()
	c := etcdtest.StartT(b, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	b.Cleanup(cancel)
	s, err := etcd.Open(ctx, etcd.Config{Endpoints: c.Endpoints(), Prefix: "/bench/"})
	if err != nil {
		b.Fatalf("Open: %v", err)
	}
	b.Cleanup(func() { _ = s.Close() })
	return s, ctx
}

func benchDraft(i int) drafts.NewDraft {
	return drafts.NewDraft{Team: "T1", Channel: "C-review", Author: fmt.Sprintf("U%d", i%50), Role: "account-manager", Prefix: "AM",
		Values: map[string]string{"title": "Account Manager", "summary": "Owns a book of accounts and grows it."}}
}

// BenchmarkCreate measures a Create: a read of the sequence and one
// transaction of eight writes.
func BenchmarkCreate(b *testing.B) {
	s, ctx := benchStore(b)
	b.ResetTimer()
	for i := range b.N {
		if _, err := s.Create(ctx, benchDraft(i)); err != nil {
			b.Fatalf("Create: %v", err)
		}
	}
}

// BenchmarkApprove measures an Approve of a draft in review: a read of the
// record and one transaction writing it and an event.
func BenchmarkApprove(b *testing.B) {
	s, ctx := benchStore(b)
	ids := make([]string, b.N)
	for i := range ids {
		d, err := s.Create(ctx, benchDraft(i))
		if err != nil {
			b.Fatalf("Create: %v", err)
		}
		ids[i] = d.ID
	}
	b.ResetTimer()
	for i := range b.N {
		if _, changed, err := s.Approve(ctx, "T1", ids[i], "U-reviewer", 2); err != nil || !changed {
			b.Fatalf("Approve: changed %t, %v; want a change", changed, err)
		}
	}
}
