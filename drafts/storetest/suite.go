package storetest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jobdesc/jobdesc/drafts"
)

func testCreate(t *testing.T, open Opener) {
	s, _ := openStore(t, open)
	ctx := ctxT(t)

	t.Run("valid", func(t *testing.T) {
		n := newDraft("T1", "U1")
		d, err := s.Create(ctx, n)
		if err != nil {
			t.Fatalf("Create: %v", err)
		}
		n.Values["title"] = "changed by the caller afterwards"
		got := mustGet(t, s, "T1", d.ID)
		checks := []struct {
			name      string
			got, want any
		}{
			{"id", got.ID, "AM-1"},
			{"team", got.Team, "T1"},
			{"channel", got.Channel, "C-review"},
			{"author", got.Author, "U1"},
			{"role", got.Role, "account-manager"},
			{"revision", got.Revision, 1},
			{"status", got.Status, drafts.StatusDraft},
			{"post pending", got.PostPending, true},
			{"title", got.Values["title"], "Account Manager"},
			{"revisions", len(got.Revisions), 1},
			{"revision editor", got.Revisions[0].Editor, "U1"},
			{"revision changed", strings.Join(got.Revisions[0].Changed, ","), "summary,title"},
			{"events", slices.Equal(eventKinds(got), []drafts.EventKind{drafts.EventCreated}), true},
			{"created set", got.Created.IsZero(), false},
			{"created = updated", got.Created.Equal(got.Updated), true},
			{"returned = stored created", d.Created.Equal(got.Created), true},
		}
		for _, c := range checks {
			if c.got != c.want {
				t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
			}
		}
	})

	t.Run("a key saves the same submission once", func(t *testing.T) {
		n := newDraft("TK", "U1")
		n.Key = "submit:V1:h1"
		first, err := s.Create(ctx, n)
		if err != nil {
			t.Fatalf("Create with a new key: %v", err)
		}
		if _, err := s.Create(ctx, n); !errors.Is(err, drafts.ErrDuplicate) {
			t.Errorf("Create with the same key again: got %v, want ErrDuplicate", err)
		}
		if claimed, err := s.Claim(ctx, n.Key); err != nil || claimed {
			t.Errorf("Claim of a key Create used: got %v, %v; want false (claimed with the draft)", claimed, err)
		}
		ds, _, err := s.ListByAuthor(ctx, "TK", "U1", drafts.Page{})
		if err != nil || len(ds) != 1 || ds[0].ID != first.ID {
			t.Errorf("drafts after a duplicate: %d (%v), want only %s", len(ds), err, first.ID)
		}
		n.Key = "submit:V1:h2" // the same form changed and submitted again
		if _, err := s.Create(ctx, n); err != nil {
			t.Errorf("Create with another key: %v", err)
		}
		n.Key = strings.Repeat("k", 1025)
		if _, err := s.Create(ctx, n); !errors.Is(err, drafts.ErrInvalid) {
			t.Errorf("Create with a 1025-byte key: got %v, want ErrInvalid", err)
		}
	})

	t.Run("held out of the outbox until requeued", func(t *testing.T) {
		n := newDraft("TH", "U1")
		n.Hold = true
		d := mustCreate(t, s, n)
		if d.PostPending {
			t.Errorf("held draft: PostPending true, want false")
		}
		pending, err := s.Pending(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range pending {
			if p.Team == "TH" {
				t.Errorf("held draft %s is in the outbox", p.ID)
			}
		}
		if _, err := s.Requeue(ctx, "TH", d.ID, ""); err != nil {
			t.Fatal(err)
		}
		pending, err = s.Pending(ctx)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, p := range pending {
			found = found || (p.Team == "TH" && p.ID == d.ID)
		}
		if !found {
			t.Errorf("requeued draft %s not in the outbox", d.ID)
		}
	})

	t.Run("ids are per team sequences", func(t *testing.T) {
		var ids []string
		for _, team := range []string{"T2", "T2", "T3", "T2"} {
			n := newDraft(team, "U1")
			n.Prefix = "SE"
			ids = append(ids, team+":"+mustCreate(t, s, n).ID)
		}
		want := []string{"T2:SE-1", "T2:SE-2", "T3:SE-1", "T2:SE-3"}
		if !slices.Equal(ids, want) {
			t.Errorf("ids: got %v, want %v", ids, want)
		}
	})

	invalid := []struct {
		name   string
		modify func(n *drafts.NewDraft)
	}{
		{"no team", func(n *drafts.NewDraft) { n.Team = "" }},
		{"no channel", func(n *drafts.NewDraft) { n.Channel = "" }},
		{"no author", func(n *drafts.NewDraft) { n.Author = "" }},
		{"NUL in team", func(n *drafts.NewDraft) { n.Team = "T\x001" }},
		{"long author", func(n *drafts.NewDraft) { n.Author = strings.Repeat("U", 256) }},
		{"no prefix", func(n *drafts.NewDraft) { n.Prefix = "" }},
		{"prefix with dash", func(n *drafts.NewDraft) { n.Prefix = "A-M" }},
		{"empty field id", func(n *drafts.NewDraft) { n.Values[""] = "x" }},
		{"values over 1 MiB", func(n *drafts.NewDraft) { n.Values["big"] = strings.Repeat("x", 1<<20) }},
	}
	for _, tt := range invalid {
		t.Run(tt.name, func(t *testing.T) {
			n := newDraft("T9", "U1")
			tt.modify(&n)
			_, err := s.Create(ctx, n)
			wantErr(t, "Create", err, drafts.ErrInvalid)
		})
	}
	t.Run("nothing written by invalid creates", func(t *testing.T) {
		ds, _, err := s.ListByAuthor(ctx, "T9", "U1", drafts.Page{})
		if err != nil || len(ds) != 0 {
			t.Errorf("team T9: got %d drafts, %v; want none", len(ds), err)
		}
	})
	t.Run("cancelled context", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		_, err := s.Create(cctx, newDraft("T9", "U1"))
		wantErr(t, "Create", err, context.Canceled)
	})
}

func testGetAndTeamIsolation(t *testing.T, open Opener) {
	s, _ := openStore(t, open)
	ctx := ctxT(t)
	a := mustCreate(t, s, newDraft("TA", "U1"))
	nb := newDraft("TB", "U1")
	nb.Values = map[string]string{"title": "B's draft"}
	b := mustCreate(t, s, nb)
	if a.ID != b.ID {
		t.Fatalf("setup: got ids %s and %s, want the same id in both teams", a.ID, b.ID)
	}
	m := drafts.Message{Channel: "C-review", TS: "1700000000.000100"}
	if _, err := s.MarkPosted(ctx, "TA", a.ID, m); err != nil {
		t.Fatalf("MarkPosted: %v", err)
	}

	tests := []struct {
		name string
		run  func() (drafts.Draft, error)
		want string // title, or "" for drafts.ErrNotFound
	}{
		{"A gets A's", func() (drafts.Draft, error) { return s.Get(ctx, "TA", a.ID) }, "Account Manager"},
		{"B gets B's", func() (drafts.Draft, error) { return s.Get(ctx, "TB", a.ID) }, "B's draft"},
		{"unknown id", func() (drafts.Draft, error) { return s.Get(ctx, "TA", "AM-99") }, ""},
		{"unknown team", func() (drafts.Draft, error) { return s.Get(ctx, "TC", a.ID) }, ""},
		{"A finds A's message", func() (drafts.Draft, error) { return s.FindByMessage(ctx, "TA", m.Channel, m.TS) }, "Account Manager"},
		{"B does not find A's message", func() (drafts.Draft, error) { return s.FindByMessage(ctx, "TB", m.Channel, m.TS) }, ""},
		{"unknown message", func() (drafts.Draft, error) { return s.FindByMessage(ctx, "TA", m.Channel, "1.2") }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := tt.run()
			if tt.want == "" {
				wantErr(t, "lookup", err, drafts.ErrNotFound)
				return
			}
			if err != nil {
				t.Fatalf("lookup: %v", err)
			}
			if d.Values["title"] != tt.want {
				t.Errorf("title: got %q, want %q", d.Values["title"], tt.want)
			}
			if len(d.Revisions) == 0 || len(d.Events) == 0 {
				t.Errorf("history: got %d revisions and %d events, want both filled", len(d.Revisions), len(d.Events))
			}
		})
	}

	t.Run("B's writes never touch A", func(t *testing.T) {
		if _, err := s.Revise(ctx, "TB", b.ID, 1, "U2", map[string]string{"title": "B2"}); err != nil {
			t.Fatalf("Revise B: %v", err)
		}
		if _, _, err := s.Approve(ctx, "TB", b.ID, "U3", 1); err != nil {
			t.Fatalf("Approve B: %v", err)
		}
		got := mustGet(t, s, "TA", a.ID)
		if got.Revision != 1 || len(got.Approvals) != 0 || got.Values["title"] != "Account Manager" {
			t.Errorf("A after B's writes: got revision %d, approvals %v, title %q; want untouched", got.Revision, got.Approvals, got.Values["title"])
		}
	})

	t.Run("returned maps are copies", func(t *testing.T) {
		d := mustGet(t, s, "TA", a.ID)
		d.Values["title"] = "mutated"
		d.Revisions[0].Values["title"] = "mutated"
		again := mustGet(t, s, "TA", a.ID)
		if again.Values["title"] != "Account Manager" || again.Revisions[0].Values["title"] != "Account Manager" {
			t.Errorf("got %q/%q after mutating a result, want the stored values", again.Values["title"], again.Revisions[0].Values["title"])
		}
	})
}

// testCurrent: Current is Get without the history, with the count of
// events MarkShown takes, at every step of a draft's life.
func testCurrent(t *testing.T, open Opener) {
	s, _ := openStore(t, open)
	ctx := ctxT(t)
	d := mustCreate(t, s, newDraft("T1", "U1"))
	check := func(t *testing.T) {
		t.Helper()
		want := mustGet(t, s, "T1", d.ID)
		got, events, err := s.Current(ctx, "T1", d.ID)
		if err != nil {
			t.Fatalf("Current: %v", err)
		}
		if events != len(want.Events) {
			t.Errorf("events: got %d, want %d (Get's history)", events, len(want.Events))
		}
		if got.Revisions != nil || got.Events != nil {
			t.Errorf("got %d revisions and %d events, want no history", len(got.Revisions), len(got.Events))
		}
		want.Revisions, want.Events = nil, nil
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got  %+v\nwant %+v", got, want)
		}
	}
	steps := []struct {
		name string
		do   func() error
	}{
		{"created", func() error { return nil }},
		{"posted", func() error {
			_, err := s.MarkPosted(ctx, "T1", d.ID, drafts.Message{Channel: "C1", TS: "1700000000.000100"})
			return err
		}},
		{"approved", func() error { _, _, err := s.Approve(ctx, "T1", d.ID, "U2", 2); return err }},
		{"revised", func() error {
			_, err := s.Revise(ctx, "T1", d.ID, 1, "U1", map[string]string{"title": "Senior Account Manager"})
			return err
		}},
		{"changes requested", func() error { _, _, err := s.RequestChanges(ctx, "T1", d.ID, "U3"); return err }},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if err := st.do(); err != nil {
				t.Fatal(err)
			}
			check(t)
		})
	}
	t.Run("the count is what MarkShown takes", func(t *testing.T) {
		_, events, err := s.Current(ctx, "T1", d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if shown, err := s.MarkShown(ctx, "T1", d.ID, events); err != nil || !shown {
			t.Errorf("MarkShown with Current's count: got %t, %v; want true", shown, err)
		}
	})
	t.Run("unknown draft and team", func(t *testing.T) {
		_, _, err := s.Current(ctx, "T1", "AM-99")
		wantErr(t, "Current", err, drafts.ErrNotFound)
		_, _, err = s.Current(ctx, "T9", d.ID)
		wantErr(t, "Current", err, drafts.ErrNotFound)
	})
	t.Run("invalid names", func(t *testing.T) {
		_, _, err := s.Current(ctx, "", d.ID)
		wantErr(t, "Current", err, drafts.ErrInvalid)
	})
}

func testRevise(t *testing.T, open Opener) {
	ctx := ctxT(t)
	v2 := map[string]string{"title": "Senior Account Manager", "summary": "Own the book."}

	type step func(t *testing.T, s Store, id string)
	post := func(t *testing.T, s Store, id string) {
		t.Helper()
		if _, err := s.MarkPosted(ctx, "T1", id, drafts.Message{Channel: "C-review", TS: "1.1"}); err != nil {
			t.Fatalf("MarkPosted: %v", err)
		}
	}
	approve := func(user string, required int) step {
		return func(t *testing.T, s Store, id string) {
			t.Helper()
			if _, _, err := s.Approve(ctx, "T1", id, user, required); err != nil {
				t.Fatalf("Approve: %v", err)
			}
		}
	}
	requestChanges := func(t *testing.T, s Store, id string) {
		t.Helper()
		if _, _, err := s.RequestChanges(ctx, "T1", id, "U9"); err != nil {
			t.Fatalf("RequestChanges: %v", err)
		}
	}

	tests := []struct {
		name       string
		before     []step
		base       int
		values     map[string]string
		wantErr    error
		wantRev    int
		wantStatus drafts.Status
		wantNote   string // substring of the revised event's note
	}{
		{name: "never posted stays draft", base: 1, values: v2, wantRev: 2, wantStatus: drafts.StatusDraft, wantNote: "changed title"},
		{name: "posted goes to review", before: []step{post}, base: 1, values: v2, wantRev: 2, wantStatus: drafts.StatusInReview},
		{name: "approved goes back to review and says so", before: []step{post, approve("U7", 2), approve("U8", 2)}, base: 1, values: v2,
			wantRev: 2, wantStatus: drafts.StatusInReview, wantNote: "approvals reset: revision 1 was approved by U7, U8; back in review"},
		{name: "partial approvals are reset", before: []step{post, approve("U7", 2)}, base: 1, values: v2,
			wantRev: 2, wantStatus: drafts.StatusInReview, wantNote: "approvals reset: U7"},
		{name: "change requests are cleared", before: []step{post, requestChanges}, base: 1, values: v2,
			wantRev: 2, wantStatus: drafts.StatusInReview, wantNote: "change requests cleared: U9"},
		{name: "stale base is a conflict", base: 0, values: v2, wantErr: drafts.ErrConflict, wantRev: 1, wantStatus: drafts.StatusDraft},
		{name: "future base is a conflict", base: 2, values: v2, wantErr: drafts.ErrConflict, wantRev: 1, wantStatus: drafts.StatusDraft},
		{name: "same values change nothing", base: 1, values: map[string]string{"title": "Account Manager", "summary": "Own the book.", "empty": ""},
			wantRev: 1, wantStatus: drafts.StatusDraft},
		{name: "no editor", base: 1, values: v2, wantErr: drafts.ErrInvalid, wantRev: 1, wantStatus: drafts.StatusDraft},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := openStore(t, open)
			d := mustCreate(t, s, newDraft("T1", "U1"))
			for _, st := range tt.before {
				st(t, s, d.ID)
			}
			editor := "U2"
			if tt.wantErr == drafts.ErrInvalid {
				editor = ""
			}
			got, err := s.Revise(ctx, "T1", d.ID, tt.base, editor, tt.values)
			wantErr(t, "Revise", err, tt.wantErr)
			if err == nil && got.Revision != tt.wantRev {
				t.Errorf("returned revision: got %d, want %d", got.Revision, tt.wantRev)
			}
			stored := mustGet(t, s, "T1", d.ID)
			if stored.Revision != tt.wantRev || len(stored.Revisions) != tt.wantRev {
				t.Errorf("stored revision: got %d with %d records, want %d", stored.Revision, len(stored.Revisions), tt.wantRev)
			}
			if stored.Status != tt.wantStatus {
				t.Errorf("status: got %s, want %s", stored.Status, tt.wantStatus)
			}
			if tt.wantRev == 2 {
				if len(stored.Approvals)+len(stored.ChangeRequests) != 0 {
					t.Errorf("reviews after revise: got %v / %v, want none", stored.Approvals, stored.ChangeRequests)
				}
				last := stored.Revisions[1]
				if last.Editor != "U2" || !slices.Equal(last.Changed, []string{"title"}) || !maps.Equal(last.Values, v2) {
					t.Errorf("revision 2: got editor %s changed %v values %v", last.Editor, last.Changed, last.Values)
				}
				if stored.Revisions[0].Values["title"] != "Account Manager" {
					t.Errorf("revision 1 lost its values: %v", stored.Revisions[0].Values)
				}
				e := stored.Events[len(stored.Events)-1]
				if e.Kind != drafts.EventRevised || e.Revision != 2 || e.User != "U2" || !strings.Contains(e.Note, tt.wantNote) {
					t.Errorf("last event: got %+v, want revised r2 by U2 with note containing %q", e, tt.wantNote)
				}
			}
		})
	}

	t.Run("conflict error says both revisions", func(t *testing.T) {
		s, _ := openStore(t, open)
		d := mustCreate(t, s, newDraft("T1", "U1"))
		if _, err := s.Revise(ctx, "T1", d.ID, 1, "U2", v2); err != nil {
			t.Fatalf("first Revise: %v", err)
		}
		_, err := s.Revise(ctx, "T1", d.ID, 1, "U3", map[string]string{"title": "lost update"})
		wantErr(t, "second Revise on base 1", err, drafts.ErrConflict)
		if !strings.Contains(err.Error(), "revision 2") || !strings.Contains(err.Error(), "revision 1") {
			t.Errorf("error %q does not say the revisions", err)
		}
		if got := mustGet(t, s, "T1", d.ID); got.Values["title"] != v2["title"] {
			t.Errorf("title: got %q, want the first edit's (no lost update)", got.Values["title"])
		}
	})
	t.Run("unknown draft", func(t *testing.T) {
		s, _ := openStore(t, open)
		_, err := s.Revise(ctx, "T1", "AM-5", 1, "U2", v2)
		wantErr(t, "Revise", err, drafts.ErrNotFound)
	})
}

func testReviews(t *testing.T, open Opener) {
	ctx := ctxT(t)
	type op struct {
		kind        string // approve, withdraw, request, unrequest
		user        string
		required    int
		wantChanged bool
		wantStatus  drafts.Status
	}
	tests := []struct {
		name          string
		posted        bool
		ops           []op
		wantApprovals []string
		wantRequests  []string
		wantEvents    []drafts.EventKind // after created (and posted)
	}{
		{
			name: "two approvals needed", posted: true,
			ops: []op{
				{"approve", "U2", 2, true, drafts.StatusInReview},
				{"approve", "U2", 2, false, drafts.StatusInReview},
				{"approve", "U3", 2, true, drafts.StatusApproved},
			},
			wantApprovals: []string{"U2", "U3"},
			wantEvents:    []drafts.EventKind{drafts.EventApproved, drafts.EventApproved},
		},
		{
			name: "withdraw drops below required", posted: true,
			ops: []op{
				{"approve", "U2", 1, true, drafts.StatusApproved},
				{"withdraw", "U3", 1, false, drafts.StatusApproved},
				{"withdraw", "U2", 1, true, drafts.StatusInReview},
				{"withdraw", "U2", 1, false, drafts.StatusInReview},
			},
			wantEvents: []drafts.EventKind{drafts.EventApproved, drafts.EventApprovalWithdrawn},
		},
		{
			name: "change request wins over approvals", posted: true,
			ops: []op{
				{"approve", "U2", 1, true, drafts.StatusApproved},
				{"request", "U3", 0, true, drafts.StatusChangesRequested},
				{"request", "U3", 0, false, drafts.StatusChangesRequested},
				{"unrequest", "U3", 1, true, drafts.StatusApproved},
				{"unrequest", "U3", 1, false, drafts.StatusApproved},
			},
			wantApprovals: []string{"U2"},
			wantEvents:    []drafts.EventKind{drafts.EventApproved, drafts.EventChangesRequested, drafts.EventChangesWithdrawn},
		},
		{
			name: "a user's approval replaces their change request and back", posted: true,
			ops: []op{
				{"request", "U2", 0, true, drafts.StatusChangesRequested},
				{"approve", "U2", 1, true, drafts.StatusApproved},
				{"request", "U2", 0, true, drafts.StatusChangesRequested},
			},
			wantRequests: []string{"U2"},
			wantEvents:   []drafts.EventKind{drafts.EventChangesRequested, drafts.EventApproved, drafts.EventChangesRequested},
		},
		{
			name: "required below one counts as one", posted: true,
			ops:           []op{{"approve", "U2", 0, true, drafts.StatusApproved}},
			wantApprovals: []string{"U2"},
			wantEvents:    []drafts.EventKind{drafts.EventApproved},
		},
		{
			name: "not yet posted stays a draft",
			ops: []op{
				{"approve", "U2", 1, true, drafts.StatusDraft},
				{"request", "U3", 0, true, drafts.StatusDraft},
			},
			wantApprovals: []string{"U2"},
			wantRequests:  []string{"U3"},
			wantEvents:    []drafts.EventKind{drafts.EventApproved, drafts.EventChangesRequested},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := openStore(t, open)
			d := mustCreate(t, s, newDraft("T1", "U1"))
			base := []drafts.EventKind{drafts.EventCreated}
			if tt.posted {
				if _, err := s.MarkPosted(ctx, "T1", d.ID, drafts.Message{Channel: "C", TS: "1.1"}); err != nil {
					t.Fatalf("MarkPosted: %v", err)
				}
				base = append(base, drafts.EventPosted)
			}
			for i, o := range tt.ops {
				var got drafts.Draft
				var changed bool
				var err error
				switch o.kind {
				case "approve":
					got, changed, err = s.Approve(ctx, "T1", d.ID, o.user, o.required)
				case "withdraw":
					got, changed, err = s.Withdraw(ctx, "T1", d.ID, o.user, o.required)
				case "request":
					got, changed, err = s.RequestChanges(ctx, "T1", d.ID, o.user)
				case "unrequest":
					got, changed, err = s.WithdrawChangeRequest(ctx, "T1", d.ID, o.user, o.required)
				}
				if err != nil {
					t.Fatalf("op %d %s %s: %v", i, o.kind, o.user, err)
				}
				if changed != o.wantChanged || got.Status != o.wantStatus {
					t.Errorf("op %d %s %s: got changed %t status %s, want %t %s", i, o.kind, o.user, changed, got.Status, o.wantChanged, o.wantStatus)
				}
			}
			stored := mustGet(t, s, "T1", d.ID)
			if got := reviewUsers(stored.Approvals); !slices.Equal(got, tt.wantApprovals) {
				t.Errorf("approvals: got %v, want %v", got, tt.wantApprovals)
			}
			if got := reviewUsers(stored.ChangeRequests); !slices.Equal(got, tt.wantRequests) {
				t.Errorf("change requests: got %v, want %v", got, tt.wantRequests)
			}
			for _, r := range append(stored.Approvals, stored.ChangeRequests...) {
				if r.Revision != 1 || r.At.IsZero() {
					t.Errorf("review %+v: want revision 1 and a time", r)
				}
			}
			if got, want := eventKinds(stored), append(base, tt.wantEvents...); !slices.Equal(got, want) {
				t.Errorf("events: got %v, want %v", got, want)
			}
		})
	}

	t.Run("review events record user and revision", func(t *testing.T) {
		s, _ := openStore(t, open)
		d := mustCreate(t, s, newDraft("T1", "U1"))
		if _, err := s.Revise(ctx, "T1", d.ID, 1, "U1", map[string]string{"title": "x"}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Approve(ctx, "T1", d.ID, "U5", 1); err != nil {
			t.Fatal(err)
		}
		e := mustGet(t, s, "T1", d.ID).Events[2]
		if e.Kind != drafts.EventApproved || e.User != "U5" || e.Revision != 2 {
			t.Errorf("event: got %+v, want approved by U5 on revision 2", e)
		}
	})
	t.Run("unknown draft and empty user", func(t *testing.T) {
		s, _ := openStore(t, open)
		_, _, err := s.Approve(ctx, "T1", "AM-1", "U2", 1)
		wantErr(t, "Approve unknown", err, drafts.ErrNotFound)
		d := mustCreate(t, s, newDraft("T1", "U1"))
		_, _, err = s.Approve(ctx, "T1", d.ID, "", 1)
		wantErr(t, "Approve by nobody", err, drafts.ErrInvalid)
	})
}

func testPostingAndOutbox(t *testing.T, open Opener) {
	ctx := ctxT(t)
	s, _ := openStore(t, open)
	a := mustCreate(t, s, newDraft("T1", "U1"))
	b := mustCreate(t, s, newDraft("T2", "U1"))
	c := mustCreate(t, s, newDraft("T1", "U2"))

	pendingIDs := func(t *testing.T) []string {
		t.Helper()
		ds, err := s.Pending(ctx)
		if err != nil {
			t.Fatalf("Pending: %v", err)
		}
		var ids []string
		for _, d := range ds {
			ids = append(ids, d.Team+":"+d.ID)
			if !d.PostPending {
				t.Errorf("pending draft %s has PostPending false", d.ID)
			}
		}
		return ids
	}
	if got, want := pendingIDs(t), []string{"T1:AM-1", "T2:AM-1", "T1:AM-2"}; !slices.Equal(got, want) {
		t.Fatalf("outbox after create: got %v, want %v (oldest first, all teams)", got, want)
	}

	m := drafts.Message{Channel: "C-review", TS: "1700000000.000100"}
	t.Run("mark posted", func(t *testing.T) {
		d, err := s.MarkPosted(ctx, "T1", a.ID, m)
		if err != nil {
			t.Fatalf("MarkPosted: %v", err)
		}
		if d.Message != m || d.PostPending || d.Status != drafts.StatusInReview {
			t.Errorf("got message %+v pending %t status %s, want %+v false in_review", d.Message, d.PostPending, d.Status, m)
		}
		found, err := s.FindByMessage(ctx, "T1", m.Channel, m.TS)
		if err != nil || found.ID != a.ID {
			t.Fatalf("FindByMessage: got %s, %v; want %s", found.ID, err, a.ID)
		}
		if got, want := eventKinds(found), []drafts.EventKind{drafts.EventCreated, drafts.EventPosted}; !slices.Equal(got, want) {
			t.Errorf("events: got %v, want %v", got, want)
		}
		if got, want := pendingIDs(t), []string{"T2:AM-1", "T1:AM-2"}; !slices.Equal(got, want) {
			t.Errorf("outbox: got %v, want %v", got, want)
		}
	})
	t.Run("mark posted again is a no-op", func(t *testing.T) {
		before := mustGet(t, s, "T1", a.ID)
		if _, err := s.MarkPosted(ctx, "T1", a.ID, m); err != nil {
			t.Fatalf("MarkPosted: %v", err)
		}
		after := mustGet(t, s, "T1", a.ID)
		if len(after.Events) != len(before.Events) || !after.Updated.Equal(before.Updated) {
			t.Errorf("repeat MarkPosted wrote: events %d → %d", len(before.Events), len(after.Events))
		}
	})
	t.Run("a message belongs to one draft", func(t *testing.T) {
		_, err := s.MarkPosted(ctx, "T1", c.ID, m)
		wantErr(t, "MarkPosted of another draft's message", err, drafts.ErrConflict)
		if got := mustGet(t, s, "T1", c.ID); !got.PostPending || got.Message != (drafts.Message{}) {
			t.Errorf("draft %s changed by a failed MarkPosted", c.ID)
		}
	})
	t.Run("same message in another team is fine", func(t *testing.T) {
		if _, err := s.MarkPosted(ctx, "T2", b.ID, m); err != nil {
			t.Fatalf("MarkPosted: %v", err)
		}
	})
	t.Run("post failed then requeue to another channel", func(t *testing.T) {
		d, err := s.MarkPostFailed(ctx, "T1", c.ID, "channel_not_found")
		if err != nil {
			t.Fatalf("MarkPostFailed: %v", err)
		}
		if d.PostPending || d.Status != drafts.StatusDraft {
			t.Errorf("after failure: got pending %t status %s, want false draft", d.PostPending, d.Status)
		}
		if got := pendingIDs(t); len(got) != 0 {
			t.Errorf("outbox: got %v, want empty", got)
		}
		d, err = s.Requeue(ctx, "T1", c.ID, "C-other")
		if err != nil {
			t.Fatalf("Requeue: %v", err)
		}
		if !d.PostPending || d.Channel != "C-other" {
			t.Errorf("after requeue: got pending %t channel %s, want true C-other", d.PostPending, d.Channel)
		}
		if _, err := s.Requeue(ctx, "T1", c.ID, ""); err != nil {
			t.Fatalf("second Requeue: %v", err)
		}
		if got, want := pendingIDs(t), []string{"T1:AM-2"}; !slices.Equal(got, want) {
			t.Errorf("outbox: got %v, want %v", got, want)
		}
		got := mustGet(t, s, "T1", c.ID)
		if want := []drafts.EventKind{drafts.EventCreated, drafts.EventPostFailed, drafts.EventRequeued}; !slices.Equal(eventKinds(got), want) {
			t.Errorf("events: got %v, want %v", eventKinds(got), want)
		}
		if got.Events[1].Note != "channel_not_found" {
			t.Errorf("post_failed note: got %q, want the reason", got.Events[1].Note)
		}
		for ch, want := range map[string]int{"C-review": 1, "C-other": 1} {
			ds, _, err := s.ListByChannel(ctx, "T1", ch, drafts.Page{})
			if err != nil || len(ds) != want {
				t.Errorf("ListByChannel(%s): got %d, %v; want %d", ch, len(ds), err, want)
			}
		}
	})
	t.Run("requeue a posted draft and post it again", func(t *testing.T) {
		if _, err := s.Requeue(ctx, "T1", a.ID, ""); err != nil {
			t.Fatalf("Requeue: %v", err)
		}
		m2 := drafts.Message{Channel: "C-review", TS: "1700000001.000200"}
		d, err := s.MarkPosted(ctx, "T1", a.ID, m2)
		if err != nil {
			t.Fatalf("MarkPosted: %v", err)
		}
		if d.Message != m2 || d.Status != drafts.StatusInReview {
			t.Errorf("got message %+v status %s", d.Message, d.Status)
		}
		for _, ts := range []string{m.TS, m2.TS} {
			if f, err := s.FindByMessage(ctx, "T1", "C-review", ts); err != nil || f.ID != a.ID {
				t.Errorf("FindByMessage(%s): got %s, %v; want %s", ts, f.ID, err, a.ID)
			}
		}
	})
	t.Run("invalid message", func(t *testing.T) {
		_, err := s.MarkPosted(ctx, "T1", a.ID, drafts.Message{Channel: "C"})
		wantErr(t, "MarkPosted without ts", err, drafts.ErrInvalid)
	})
}

func testList(t *testing.T, open Opener) {
	ctx := ctxT(t)
	s, _ := openStore(t, open)
	// 45 drafts by U1 in T1 (two channels), 3 by U2, 2 by U1 in T2.
	var u1 []string
	for i := range 45 {
		n := newDraft("T1", "U1")
		if i%3 == 0 {
			n.Channel = "C-other"
		}
		n.Values = map[string]string{"n": "x"}
		u1 = append(u1, mustCreate(t, s, n).ID)
	}
	for range 3 {
		n := newDraft("T1", "U2")
		n.Values = nil
		mustCreate(t, s, n)
	}
	for range 2 {
		n := newDraft("T2", "U1")
		n.Values = nil
		mustCreate(t, s, n)
	}
	slices.Reverse(u1) // newest first

	collect := func(t *testing.T, list func(drafts.Page) ([]drafts.Draft, string, error), limit int, between func()) []string {
		t.Helper()
		var ids []string
		p := drafts.Page{Limit: limit}
		for pages := 0; ; pages++ {
			ds, next, err := list(p)
			if err != nil {
				t.Fatalf("page %d: %v", pages, err)
			}
			if len(ds) > max(limit, 1) && limit != 0 {
				t.Fatalf("page %d: got %d drafts, limit %d", pages, len(ds), limit)
			}
			for _, d := range ds {
				ids = append(ids, d.ID)
				if d.Revisions != nil || d.Events != nil {
					t.Errorf("list result %s carries history", d.ID)
				}
			}
			if next == "" {
				return ids
			}
			if between != nil {
				between()
			}
			p.Cursor = next
		}
	}
	byAuthor := func(team, user string) func(drafts.Page) ([]drafts.Draft, string, error) {
		return func(p drafts.Page) ([]drafts.Draft, string, error) { return s.ListByAuthor(ctx, team, user, p) }
	}

	tests := []struct {
		name  string
		list  func(drafts.Page) ([]drafts.Draft, string, error)
		limit int
		want  []string
	}{
		{"all pages of 20", byAuthor("T1", "U1"), 20, u1},
		{"pages of 7", byAuthor("T1", "U1"), 7, u1},
		{"default limit", byAuthor("T1", "U1"), 0, u1},
		{"limit above 100 is 100", byAuthor("T1", "U1"), 500, u1},
		{"exact page", byAuthor("T1", "U2"), 3, []string{"AM-48", "AM-47", "AM-46"}},
		{"other team", byAuthor("T2", "U1"), 20, []string{"AM-2", "AM-1"}},
		{"nobody", byAuthor("T1", "U9"), 20, nil},
		{"by channel", func(p drafts.Page) ([]drafts.Draft, string, error) { return s.ListByChannel(ctx, "T1", "C-other", p) }, 4,
			[]string{"AM-43", "AM-40", "AM-37", "AM-34", "AM-31", "AM-28", "AM-25", "AM-22", "AM-19", "AM-16", "AM-13", "AM-10", "AM-7", "AM-4", "AM-1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := collect(t, tt.list, tt.limit, nil); !slices.Equal(got, tt.want) {
				t.Errorf("got %v,\nwant %v", got, tt.want)
			}
		})
	}
	t.Run("first page size", func(t *testing.T) {
		ds, next, err := s.ListByAuthor(ctx, "T1", "U1", drafts.Page{})
		if err != nil || len(ds) != 20 || next == "" {
			t.Errorf("got %d drafts, next %q, %v; want 20 and a cursor", len(ds), next, err)
		}
	})
	t.Run("drafts created between pages do not shift them", func(t *testing.T) {
		created := 0
		got := collect(t, byAuthor("T1", "U1"), 10, func() {
			mustCreate(t, s, newDraft("T1", "U1"))
			created++
		})
		if !slices.Equal(got, u1) {
			t.Errorf("got %v,\nwant %v", got, u1)
		}
		if created == 0 {
			t.Error("no drafts were created between pages")
		}
	})
	t.Run("bad page", func(t *testing.T) {
		for _, p := range []drafts.Page{{Cursor: "not a cursor!"}, {Limit: -1}} {
			_, _, err := s.ListByAuthor(ctx, "T1", "U1", p)
			wantErr(t, "ListByAuthor", err, drafts.ErrInvalid)
		}
	})
}

func testClaimAndSweep(t *testing.T, open Opener) {
	ctx := ctxT(t)
	s, c := openStore(t, open)
	claim := func(t *testing.T, key string, want bool) {
		t.Helper()
		got, err := s.Claim(ctx, key)
		if err != nil {
			t.Fatalf("Claim(%s): %v", key, err)
		}
		if got != want {
			t.Errorf("Claim(%s): got %t, want %t", key, got, want)
		}
	}
	sweep := func(t *testing.T, want int) {
		t.Helper()
		got, err := s.Sweep(ctx)
		if err != nil {
			t.Fatalf("Sweep: %v", err)
		}
		if got != want {
			t.Errorf("Sweep: got %d deleted, want %d", got, want)
		}
	}

	claim(t, "Ev1", true)
	claim(t, "Ev1", false)
	claim(t, "Ev2", true)
	c.Add(12 * time.Hour)
	claim(t, "Ev3", true)
	sweep(t, 0)
	claim(t, "Ev1", false)
	c.Add(12 * time.Hour)
	sweep(t, 2) // Ev1, Ev2 expired; Ev3 has 12h left
	claim(t, "Ev3", false)
	claim(t, "Ev1", true)
	c.Add(25 * time.Hour)
	claim(t, "Ev3", true) // expired but not swept: claimable again
	sweep(t, 1)           // Ev1 (the re-claimed Ev3 lives)
	claim(t, "Ev3", false)

	_, err := s.Claim(ctx, "")
	wantErr(t, "Claim empty", err, drafts.ErrInvalid)
	_, err = s.Claim(ctx, strings.Repeat("k", 1025))
	wantErr(t, "Claim long", err, drafts.ErrInvalid)
}

func testRecordExportAndCounts(t *testing.T, open Opener) {
	ctx := ctxT(t)
	s, _ := openStore(t, open)
	a := mustCreate(t, s, newDraft("T1", "U1"))
	b := mustCreate(t, s, newDraft("T1", "U1"))
	mustCreate(t, s, newDraft("T2", "U1"))
	for _, id := range []string{a.ID, b.ID} {
		if _, err := s.MarkPosted(ctx, "T1", id, drafts.Message{Channel: "C", TS: id}); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := s.Approve(ctx, "T1", a.ID, "U2", 1); err != nil {
		t.Fatal(err)
	}
	before := mustGet(t, s, "T1", a.ID)
	if err := s.RecordExport(ctx, "T1", a.ID, "U3"); err != nil {
		t.Fatalf("RecordExport: %v", err)
	}
	after := mustGet(t, s, "T1", a.ID)
	e := after.Events[len(after.Events)-1]
	if e.Kind != drafts.EventExported || e.User != "U3" || e.Revision != 1 {
		t.Errorf("last event: got %+v, want exported by U3 on revision 1", e)
	}
	if !after.Updated.Equal(before.Updated) {
		t.Errorf("Updated moved on export: %v → %v", before.Updated, after.Updated)
	}
	wantErr(t, "RecordExport unknown", s.RecordExport(ctx, "T2", "AM-9", "U3"), drafts.ErrNotFound)

	got, err := s.CountByStatus(ctx)
	if err != nil {
		t.Fatalf("CountByStatus: %v", err)
	}
	want := map[drafts.Status]int{drafts.StatusDraft: 1, drafts.StatusInReview: 1, drafts.StatusApproved: 1, drafts.StatusChangesRequested: 0}
	if !maps.Equal(got, want) {
		t.Errorf("CountByStatus: got %v, want %v", got, want)
	}
	if err := s.Ping(ctx); err != nil {
		t.Errorf("Ping: %v", err)
	}
}

func testReviewOnce(t *testing.T, open Opener) {
	ctx := ctxT(t)
	s, c := openStore(t, open)
	d := mustCreate(t, s, newDraft("T1", "U1"))
	if _, err := s.MarkPosted(ctx, "T1", d.ID, drafts.Message{Channel: "C", TS: "1.1"}); err != nil {
		t.Fatalf("MarkPosted: %v", err)
	}
	steps := []struct {
		key, user   string
		kind        drafts.ReviewKind
		wantChanged bool
		wantFirst   bool
		wantStatus  drafts.Status
	}{
		{"Ev1", "U2", drafts.ReviewApprove, true, true, drafts.StatusInReview},
		{"Ev1", "U2", drafts.ReviewApprove, false, false, drafts.StatusInReview}, // a redelivery
		{"Ev1", "U3", drafts.ReviewApprove, false, false, drafts.StatusInReview}, // the key decides, not the user
		{"Ev2", "U3", drafts.ReviewApprove, true, true, drafts.StatusApproved},
		{"Ev3", "U3", drafts.ReviewApprove, false, true, drafts.StatusApproved}, // a new event approving twice: one approval
		{"Ev4", "U3", drafts.ReviewWithdraw, true, true, drafts.StatusInReview},
		{"", "U4", drafts.ReviewRequestChanges, true, true, drafts.StatusChangesRequested},
		{"", "U4", drafts.ReviewRequestChanges, false, true, drafts.StatusChangesRequested},
		{"Ev5", "U4", drafts.ReviewWithdrawChangeRequest, true, true, drafts.StatusInReview},
	}
	for i, st := range steps {
		got, changed, first, err := s.ReviewOnce(ctx, st.key, "T1", d.ID, st.user, st.kind, 2)
		if err != nil {
			t.Fatalf("step %d ReviewOnce(%s, %s, %s): %v", i, st.key, st.user, st.kind, err)
		}
		if changed != st.wantChanged || first != st.wantFirst || got.Status != st.wantStatus {
			t.Errorf("step %d ReviewOnce(%s, %s, %s): got changed %t first %t status %s, want %t %t %s",
				i, st.key, st.user, st.kind, changed, first, got.Status, st.wantChanged, st.wantFirst, st.wantStatus)
		}
	}
	stored := mustGet(t, s, "T1", d.ID)
	if got := reviewUsers(stored.Approvals); !slices.Equal(got, []string{"U2"}) {
		t.Errorf("approvals: got %v, want [U2]", got)
	}
	wantEvents := []drafts.EventKind{drafts.EventCreated, drafts.EventPosted, drafts.EventApproved, drafts.EventApproved,
		drafts.EventApprovalWithdrawn, drafts.EventChangesRequested, drafts.EventChangesWithdrawn}
	if got := eventKinds(stored); !slices.Equal(got, wantEvents) {
		t.Errorf("events: got %v, want %v", got, wantEvents)
	}
	claims := []struct {
		key  string
		want bool
	}{{"Ev1", false}, {"Ev5", false}, {"Ev9", true}}
	for _, cl := range claims {
		if got, err := s.Claim(ctx, cl.key); err != nil || got != cl.want {
			t.Errorf("Claim(%s) after ReviewOnce: got %t, %v; want %t", cl.key, got, err, cl.want)
		}
	}

	t.Run("errors claim nothing", func(t *testing.T) {
		bad := []struct {
			name      string
			key, id   string
			user      string
			kind      drafts.ReviewKind
			want      error
			claimable bool
		}{
			{"unknown draft", "Ev6", "AM-99", "U2", drafts.ReviewApprove, drafts.ErrNotFound, true},
			{"unknown kind", "Ev7", d.ID, "U2", "like", drafts.ErrInvalid, true},
			{"no user", "Ev8", d.ID, "", drafts.ReviewApprove, drafts.ErrInvalid, true},
			{"key too long", strings.Repeat("k", 1025), d.ID, "U2", drafts.ReviewApprove, drafts.ErrInvalid, false},
		}
		for _, tt := range bad {
			t.Run(tt.name, func(t *testing.T) {
				_, _, _, err := s.ReviewOnce(ctx, tt.key, "T1", tt.id, tt.user, tt.kind, 1)
				wantErr(t, "ReviewOnce", err, tt.want)
				if !tt.claimable {
					return
				}
				if got, err := s.Claim(ctx, tt.key); err != nil || !got {
					t.Errorf("Claim(%s) after a failed ReviewOnce: got %t, %v; want true", tt.key, got, err)
				}
			})
		}
	})
	t.Run("the key expires like a Claim", func(t *testing.T) {
		c.Add(drafts.SeenTTL + time.Hour)
		got, changed, first, err := s.ReviewOnce(ctx, "Ev1", "T1", d.ID, "U5", drafts.ReviewApprove, 2)
		if err != nil || !changed || !first || got.Status != drafts.StatusApproved {
			t.Errorf("ReviewOnce(Ev1) after a day: got changed %t first %t status %s, %v; want true true approved", changed, first, got.Status, err)
		}
	})
}

func testClaimPost(t *testing.T, open Opener) {
	ctx := ctxT(t)
	s, c := openStore(t, open)
	a := mustCreate(t, s, newDraft("T1", "U1"))
	hn := newDraft("T1", "U1")
	hn.Hold = true
	held := mustCreate(t, s, hn)
	const ttl = time.Minute
	steps := []struct {
		name    string
		before  func(t *testing.T)
		team    string
		id      string
		want    bool
		wantErr error
	}{
		{name: "a pending draft", team: "T1", id: a.ID, want: true},
		{name: "claimed already", team: "T1", id: a.ID, want: false},
		{name: "held: not in the outbox", team: "T1", id: held.ID, want: false},
		{name: "another team's draft", team: "T2", id: held.ID, wantErr: drafts.ErrNotFound},
		{name: "posted: nothing to post", before: func(t *testing.T) {
			if _, err := s.MarkPosted(ctx, "T1", a.ID, drafts.Message{Channel: "C", TS: "1.1"}); err != nil {
				t.Fatal(err)
			}
		}, team: "T1", id: a.ID, want: false},
		{name: "requeued: posting released the claim", before: func(t *testing.T) {
			if _, err := s.Requeue(ctx, "T1", a.ID, ""); err != nil {
				t.Fatal(err)
			}
		}, team: "T1", id: a.ID, want: true},
		{name: "failed and requeued: failing released it", before: func(t *testing.T) {
			if _, err := s.MarkPostFailed(ctx, "T1", a.ID, "not_in_channel"); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Requeue(ctx, "T1", a.ID, "C-other"); err != nil {
				t.Fatal(err)
			}
		}, team: "T1", id: a.ID, want: true},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if st.before != nil {
				st.before(t)
			}
			got, err := s.ClaimPost(ctx, st.team, st.id, ttl)
			wantErr(t, "ClaimPost", err, st.wantErr)
			if got != st.want {
				t.Errorf("ClaimPost(%s, %s): got %t, want %t", st.team, st.id, got, st.want)
			}
		})
	}
	t.Run("invalid", func(t *testing.T) {
		_, err := s.ClaimPost(ctx, "T1", a.ID, 0)
		wantErr(t, "ClaimPost with no ttl", err, drafts.ErrInvalid)
		_, err = s.ClaimPost(ctx, "", a.ID, ttl)
		wantErr(t, "ClaimPost without team", err, drafts.ErrInvalid)
	})
	t.Run("a claim lapses after its ttl", func(t *testing.T) {
		b := mustCreate(t, s, newDraft("T1", "U1"))
		if got, err := s.ClaimPost(ctx, "T1", b.ID, time.Second); err != nil || !got {
			t.Fatalf("ClaimPost(%s, 1s): got %t, %v; want true", b.ID, got, err)
		}
		// The fake clock moves for stores that use it; a backend with
		// server-side leases lets real time pass. Wait for either.
		wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			c.Add(2 * time.Second)
			got, err := s.ClaimPost(wctx, "T1", b.ID, time.Second)
			if err != nil {
				t.Fatalf("ClaimPost(%s): %v", b.ID, err)
			}
			if got {
				return
			}
			select {
			case <-wctx.Done():
				t.Fatalf("the claim on %s never lapsed", b.ID)
			case <-tick.C:
			}
		}
	})
}

func testRefresh(t *testing.T, open Opener) {
	ctx := ctxT(t)
	s, _ := openStore(t, open)
	a := mustCreate(t, s, newDraft("T1", "U1"))
	b := mustCreate(t, s, newDraft("T2", "U1"))
	toRefresh := func(t *testing.T) []string {
		t.Helper()
		ds, err := s.ToRefresh(ctx)
		if err != nil {
			t.Fatalf("ToRefresh: %v", err)
		}
		var out []string
		for _, d := range ds {
			out = append(out, d.Team+":"+d.ID)
			if !d.RefreshPending {
				t.Errorf("ToRefresh listed %s without RefreshPending", d.ID)
			}
		}
		slices.Sort(out)
		return out
	}
	shown := func(t *testing.T, team, id string, delta int, want bool) {
		t.Helper()
		d := mustGet(t, s, team, id)
		got, err := s.MarkShown(ctx, team, id, len(d.Events)+delta)
		if err != nil {
			t.Fatalf("MarkShown(%s): %v", id, err)
		}
		if got != want {
			t.Errorf("MarkShown(%s, %+d events): got %t, want %t", id, delta, got, want)
		}
	}
	steps := []struct {
		name string
		do   func(t *testing.T)
		want []string
	}{
		{"never posted: nothing to refresh", func(t *testing.T) {}, nil},
		{"revising an unposted draft: nothing to show", func(t *testing.T) {
			if _, err := s.Revise(ctx, "T1", a.ID, 1, "U1", map[string]string{"title": "v2"}); err != nil {
				t.Fatal(err)
			}
		}, nil},
		{"posting: the post shows the state it was rendered from", func(t *testing.T) {
			d, err := s.MarkPosted(ctx, "T1", a.ID, drafts.Message{Channel: "C", TS: "1.1"})
			if err != nil || d.RefreshPending {
				t.Fatalf("MarkPosted: RefreshPending %t, %v; want false", d.RefreshPending, err)
			}
			if _, err := s.MarkPosted(ctx, "T2", b.ID, drafts.Message{Channel: "C", TS: "1.1"}); err != nil {
				t.Fatal(err)
			}
			shown(t, "T1", a.ID, 0, false)
		}, nil},
		{"revising posted drafts: their messages are to be brought up to date", func(t *testing.T) {
			d, err := s.Revise(ctx, "T1", a.ID, 2, "U1", map[string]string{"title": "v3"})
			if err != nil || !d.RefreshPending {
				t.Fatalf("Revise: RefreshPending %t, %v; want true", d.RefreshPending, err)
			}
			if _, err := s.Revise(ctx, "T2", b.ID, 1, "U1", map[string]string{"title": "v2"}); err != nil {
				t.Fatal(err)
			}
		}, []string{"T1:" + a.ID, "T2:" + b.ID}},
		{"shown from a stale read: still pending", func(t *testing.T) { shown(t, "T1", a.ID, -1, false) }, []string{"T1:" + a.ID, "T2:" + b.ID}},
		{"shown: cleared", func(t *testing.T) {
			before := mustGet(t, s, "T1", a.ID)
			shown(t, "T1", a.ID, 0, true)
			after := mustGet(t, s, "T1", a.ID)
			if after.RefreshPending || !after.Updated.Equal(before.Updated) || len(after.Events) != len(before.Events) {
				t.Errorf("after MarkShown: pending %t, updated %v → %v, %d → %d events; want cleared and nothing else", after.RefreshPending, before.Updated, after.Updated, len(before.Events), len(after.Events))
			}
			shown(t, "T1", a.ID, 0, false)
		}, []string{"T2:" + b.ID}},
		{"a review is shown by its own handler: not tracked", func(t *testing.T) {
			if _, _, err := s.Approve(ctx, "T1", a.ID, "U2", 1); err != nil {
				t.Fatal(err)
			}
		}, []string{"T2:" + b.ID}},
		{"revising it again: pending again", func(t *testing.T) {
			if _, err := s.Revise(ctx, "T1", a.ID, 3, "U1", map[string]string{"title": "v4"}); err != nil {
				t.Fatal(err)
			}
		}, []string{"T1:" + a.ID, "T2:" + b.ID}},
		{"both shown", func(t *testing.T) {
			shown(t, "T1", a.ID, 0, true)
			shown(t, "T2", b.ID, 0, true)
		}, nil},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			st.do(t)
			if got := toRefresh(t); !slices.Equal(got, st.want) {
				t.Errorf("ToRefresh: got %v, want %v", got, st.want)
			}
		})
	}
	t.Run("unknown draft", func(t *testing.T) {
		_, err := s.MarkShown(ctx, "T1", "AM-99", 1)
		wantErr(t, "MarkShown", err, drafts.ErrNotFound)
	})
}

func testWalk(t *testing.T, open Opener) {
	ctx := ctxT(t)
	s, _ := openStore(t, open)
	want := map[string][2]int{} // team/id → revisions, events
	for _, team := range []string{"T2", "T1", "T1"} {
		d := mustCreate(t, s, newDraft(team, "U1"))
		want[team+"/"+d.ID] = [2]int{1, 1}
	}
	if _, err := s.Revise(ctx, "T1", "AM-2", 1, "U2", map[string]string{"title": "v2"}); err != nil {
		t.Fatal(err)
	}
	want["T1/AM-2"] = [2]int{2, 2}
	got := map[string][2]int{}
	err := s.Walk(ctx, func(d drafts.Draft) error {
		got[d.Team+"/"+d.ID] = [2]int{len(d.Revisions), len(d.Events)}
		if d.Revision != len(d.Revisions) || d.Values["title"] == "" {
			t.Errorf("walked %s/%s: revision %d with %d revisions, values %v", d.Team, d.ID, d.Revision, len(d.Revisions), d.Values)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Walk: %v", err)
	}
	if !maps.Equal(got, want) {
		t.Errorf("Walk saw %v, want %v (revisions, events)", got, want)
	}
	errStop := errors.New("stop")
	calls := 0
	err = s.Walk(ctx, func(drafts.Draft) error { calls++; return errStop })
	if !errors.Is(err, errStop) || calls != 1 {
		t.Errorf("Walk with a failing fn: got %v after %d calls, want errStop after 1", err, calls)
	}
}

// Concurrent runs workers that create, revise, review (ReviewOnce with
// shared event keys too), claim and claim posts at once, spread over stores
// (handles on the same data, e.g. one per replica), and calls during (when
// not nil) while they run, e.g. to stop a cluster member. The final state
// must equal the sum of what each worker was told succeeded: ids unique,
// no lost revision, every approval counted once, each key and post claimed
// once.
func Concurrent(t *testing.T, stores []Store, during func()) {
	t.Helper()
	const (
		workers = 8
		creates = 3
		revises = 5
		claims  = 4
		events  = 4 // ReviewOnce keys, each shared by two workers
	)
	ctx := ctxT(t)
	s0 := stores[0]
	x := mustCreate(t, s0, newDraft("T1", "U-setup"))
	y := mustCreate(t, s0, newDraft("T1", "U-setup"))
	z := mustCreate(t, s0, newDraft("T1", "U-setup"))
	w := mustCreate(t, s0, newDraft("T1", "U-setup"))

	var mu sync.Mutex
	var created, revised, conflicts, approved, firsts, posts int
	claimed := map[string]int{}
	var wg sync.WaitGroup
	for g := range workers {
		s := stores[g%len(stores)]
		wg.Go(func() {
			user := fmt.Sprintf("U%d", g)
			for range creates {
				if _, err := s.Create(ctx, newDraft("T1", "U-many")); err != nil {
					t.Errorf("worker %d: Create: %v", g, err)
					continue
				}
				mu.Lock()
				created++
				mu.Unlock()
			}
			for i := range revises {
				d, err := s.Get(ctx, "T1", x.ID)
				if err != nil {
					t.Errorf("worker %d: Get: %v", g, err)
					continue
				}
				_, err = s.Revise(ctx, "T1", x.ID, d.Revision, user, map[string]string{"v": fmt.Sprintf("%d-%d", g, i)})
				mu.Lock()
				switch {
				case err == nil:
					revised++
				case errors.Is(err, drafts.ErrConflict):
					conflicts++
				default:
					t.Errorf("worker %d: Revise: %v", g, err)
				}
				mu.Unlock()
			}
			for i := range 2 {
				_, changed, err := s.Approve(ctx, "T1", y.ID, user, workers)
				if err != nil {
					t.Errorf("worker %d: Approve: %v", g, err)
					continue
				}
				if changed != (i == 0) {
					t.Errorf("worker %d: approval %d changed %t, want %t", g, i, changed, i == 0)
				}
				if changed {
					mu.Lock()
					approved++
					mu.Unlock()
				}
			}
			_, _, first, err := s.ReviewOnce(ctx, fmt.Sprintf("event:%d", g%events), "T1", z.ID, user, drafts.ReviewApprove, workers)
			if err != nil {
				t.Errorf("worker %d: ReviewOnce: %v", g, err)
			} else if first {
				mu.Lock()
				firsts++
				mu.Unlock()
			}
			if ok, err := s.ClaimPost(ctx, "T1", w.ID, time.Hour); err != nil {
				t.Errorf("worker %d: ClaimPost: %v", g, err)
			} else if ok {
				mu.Lock()
				posts++
				mu.Unlock()
			}
			for k := range claims {
				key := fmt.Sprintf("Ev%d", k)
				ok, err := s.Claim(ctx, key)
				if err != nil {
					t.Errorf("worker %d: Claim: %v", g, err)
				}
				if ok {
					mu.Lock()
					claimed[key]++
					mu.Unlock()
				}
			}
		})
	}
	if during != nil {
		during()
	}
	wg.Wait()

	var all []drafts.Draft
	p := drafts.Page{Limit: 7}
	for {
		ds, next, err := s0.ListByAuthor(ctx, "T1", "U-many", p)
		if err != nil {
			t.Fatalf("ListByAuthor: %v", err)
		}
		all = append(all, ds...)
		if next == "" {
			break
		}
		p.Cursor = next
	}
	ids := map[string]bool{}
	for _, d := range all {
		ids[d.ID] = true
	}
	if len(all) != created || len(ids) != created || created != workers*creates {
		t.Errorf("drafts: listed %d (%d distinct), want %d created", len(all), len(ids), created)
	}
	gx := mustGet(t, s0, "T1", x.ID)
	if gx.Revision != 1+revised || len(gx.Revisions) != 1+revised || len(gx.Events) != 1+revised {
		t.Errorf("revised draft: got revision %d, %d revisions, %d events; want %d (%d revises succeeded)",
			gx.Revision, len(gx.Revisions), len(gx.Events), 1+revised, revised)
	}
	if revised+conflicts != workers*revises || revised == 0 {
		t.Errorf("revises: %d succeeded + %d conflicts, want %d in all and some successes", revised, conflicts, workers*revises)
	}
	gy := mustGet(t, s0, "T1", y.ID)
	if len(gy.Approvals) != approved || approved != workers || gy.Status != drafts.StatusDraft {
		t.Errorf("approved draft: got %d approvals (status %s), %d reported; want %d", len(gy.Approvals), gy.Status, approved, workers)
	}
	gz := mustGet(t, s0, "T1", z.ID)
	if firsts != events || len(gz.Approvals) != events || len(gz.Events) != 1+events {
		t.Errorf("ReviewOnce: %d firsts, %d approvals, %d events; want %d, %d and %d", firsts, len(gz.Approvals), len(gz.Events), events, events, 1+events)
	}
	if posts != 1 {
		t.Errorf("ClaimPost of one draft by %d workers: %d claims, want 1", workers, posts)
	}
	for k := range claims {
		if n := claimed[fmt.Sprintf("Ev%d", k)]; n != 1 {
			t.Errorf("Ev%d claimed %d times, want 1", k, n)
		}
	}
}
