package etcd_test

import (
	"context"
	"errors"
	"maps"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/jobdesc/jobdesc/drafts"
	"github.com/jobdesc/jobdesc/drafts/etcd"
	"github.com/jobdesc/jobdesc/drafts/storetest"
)

// boltFixture is a bbolt store with drafts in every state: posted twice,
// revised, approved, held, pending, failed, in two teams.
func boltFixture(t *testing.T) *drafts.Store {
	t.Helper()
	ctx := ctxT(t)
	b, err := drafts.Open(filepath.Join(t.TempDir(), "jobdesc.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	clock := &storetest.Clock{}
	b.Now = clock.Now
	nd := func(team, author string, hold bool) drafts.Draft {
		t.Helper()
		d, err := b.Create(ctx, drafts.NewDraft{Team: team, Channel: "C-review", Author: author, Role: "account-manager", Prefix: "AM",
			Values: map[string]string{"title": "Account Manager " + author}, Hold: hold})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	must := func(_ drafts.Draft, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must2 := func(_ drafts.Draft, _ bool, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	a := nd("T1", "U1", false)
	must(b.MarkPosted(ctx, "T1", a.ID, drafts.Message{Channel: "C-review", TS: "1.1"}))
	must(b.Revise(ctx, "T1", a.ID, 1, "U2", map[string]string{"title": "Senior Account Manager"}))
	must2(b.Approve(ctx, "T1", a.ID, "U3", 1))
	must(b.Requeue(ctx, "T1", a.ID, ""))
	must(b.MarkPosted(ctx, "T1", a.ID, drafts.Message{Channel: "C-review", TS: "2.2"}))
	nd("T1", "U1", true)  // held
	nd("T1", "U2", false) // pending
	f := nd("T2", "U1", false)
	must(b.MarkPostFailed(ctx, "T2", f.ID, "not_in_channel"))
	c := nd("T2", "U4", false)
	must(b.MarkPosted(ctx, "T2", c.ID, drafts.Message{Channel: "C-review", TS: "1.1"}))
	must2(b.RequestChanges(ctx, "T2", c.ID, "U5"))
	return b
}

func walkAll(t *testing.T, s interface {
	Walk(ctx context.Context, fn func(drafts.Draft) error) error
}) map[string]drafts.Draft {
	t.Helper()
	out := map[string]drafts.Draft{}
	if err := s.Walk(ctxT(t), func(d drafts.Draft) error { out[d.Team+"/"+d.ID] = d; return nil }); err != nil {
		t.Fatalf("Walk: %v", err)
	}
	return out
}

func TestImport(t *testing.T) {
	ctx := ctxT(t)
	b := boltFixture(t)
	e := openAt(t, newPrefix(), theCluster(t).Endpoints())
	src := walkAll(t, b)
	if len(src) != 5 {
		t.Fatalf("fixture: %d drafts, want 5", len(src))
	}
	run := func(t *testing.T) map[etcd.ImportResult]int {
		t.Helper()
		got := map[etcd.ImportResult]int{}
		err := b.Walk(ctx, func(d drafts.Draft) error {
			r, err := e.Import(ctx, d)
			got[r]++
			return err
		})
		if err != nil {
			t.Fatalf("import: %v", err)
		}
		return got
	}
	t.Run("first run copies everything", func(t *testing.T) {
		if got, want := run(t), map[etcd.ImportResult]int{etcd.Imported: 5}; !maps.Equal(got, want) {
			t.Errorf("results: got %v, want %v", got, want)
		}
		if !reflect.DeepEqual(walkAll(t, e), src) {
			t.Errorf("etcd holds\n%+v\nwant\n%+v", walkAll(t, e), src)
		}
		if _, err := e.Check(ctx); err != nil {
			t.Errorf("Check: %v", err)
		}
	})
	t.Run("indexes work as in the source", func(t *testing.T) {
		for _, ts := range []string{"1.1", "2.2"} {
			if d, err := e.FindByMessage(ctx, "T1", "C-review", ts); err != nil || d.ID != "AM-1" {
				t.Errorf("FindByMessage(T1, %s): got %s, %v; want AM-1", ts, d.ID, err)
			}
		}
		ids := func(ds []drafts.Draft) []string {
			var out []string
			for _, d := range ds {
				out = append(out, d.Team+"/"+d.ID)
			}
			return out
		}
		bp, err1 := b.Pending(ctx)
		ep, err2 := e.Pending(ctx)
		if err1 != nil || err2 != nil || !slices.Equal(ids(bp), ids(ep)) {
			t.Errorf("Pending: bolt %v (%v), etcd %v (%v)", ids(bp), err1, ids(ep), err2)
		}
		bl, _, err1 := b.ListByAuthor(ctx, "T1", "U1", drafts.Page{})
		el, _, err2 := e.ListByAuthor(ctx, "T1", "U1", drafts.Page{})
		if err1 != nil || err2 != nil || !slices.Equal(ids(bl), ids(el)) {
			t.Errorf("ListByAuthor: bolt %v (%v), etcd %v (%v)", ids(bl), err1, ids(el), err2)
		}
		bc, err1 := b.CountByStatus(ctx)
		ec, err2 := e.CountByStatus(ctx)
		if err1 != nil || err2 != nil || !maps.Equal(bc, ec) {
			t.Errorf("CountByStatus: bolt %v (%v), etcd %v (%v)", bc, err1, ec, err2)
		}
		d, err := e.Create(ctx, drafts.NewDraft{Team: "T1", Channel: "C", Author: "U9", Prefix: "AM"})
		if err != nil || d.ID != "AM-4" {
			t.Errorf("next Create in T1: got %s, %v; want AM-4 (after the 3 copied)", d.ID, err)
		}
	})
	t.Run("a rerun changes nothing", func(t *testing.T) {
		before := walkAll(t, e)
		if got, want := run(t), map[etcd.ImportResult]int{etcd.Unchanged: 5}; !maps.Equal(got, want) {
			t.Errorf("results: got %v, want %v", got, want)
		}
		if !reflect.DeepEqual(walkAll(t, e), before) {
			t.Error("a rerun changed the etcd store")
		}
	})
	t.Run("a draft changed on etcd since is kept", func(t *testing.T) {
		if _, _, err := e.Approve(ctx, "T2", "AM-2", "U6", 1); err != nil {
			t.Fatal(err)
		}
		if got, want := run(t), map[etcd.ImportResult]int{etcd.Unchanged: 4, etcd.Differs: 1}; !maps.Equal(got, want) {
			t.Errorf("results: got %v, want %v", got, want)
		}
		if d, err := e.Get(ctx, "T2", "AM-2"); err != nil || len(d.Approvals) != 1 {
			t.Errorf("changed draft: got %v approvals, %v; want the approval kept", d.Approvals, err)
		}
	})
	t.Run("invalid drafts", func(t *testing.T) {
		good := src["T1/AM-1"]
		tests := []struct {
			name string
			edit func(d *drafts.Draft)
		}{
			{"id without a number", func(d *drafts.Draft) { d.ID = "AMX" }},
			{"no history", func(d *drafts.Draft) { d.ID, d.Revisions = "AM-77", nil }},
			{"no team", func(d *drafts.Draft) { d.ID, d.Team = "AM-78", "" }},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				d := good
				tt.edit(&d)
				if _, err := e.Import(ctx, d); !errors.Is(err, drafts.ErrInvalid) {
					t.Errorf("Import: got %v, want ErrInvalid", err)
				}
			})
		}
	})
}
