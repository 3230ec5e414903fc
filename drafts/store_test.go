package drafts

import (
	"bytes"
	"context"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func TestOpen(t *testing.T) {
	t.Run("creates the file 0600 and keeps data across reopen", func(t *testing.T) {
		s, c, path := openStore(t)
		d := mustCreate(t, s, newDraft("T1", "U1"))
		mustClose(t, s)
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatalf("stat: %v", err)
		}
		if got := fi.Mode().Perm(); got != 0o600 {
			t.Errorf("file mode: got %v, want 0600", got)
		}
		s = openPath(t, path, c)
		if got := mustGet(t, s, "T1", d.ID); got.Values["title"] != "Account Manager" {
			t.Errorf("after reopen: got values %v, want the created ones", got.Values)
		}
	})

	tests := []struct {
		name    string
		prepare func(t *testing.T, path string)
		want    error
	}{
		{"a bbolt file of something else", func(t *testing.T, path string) {
			rawUpdate(t, path, func(tx *bolt.Tx) error {
				_, err := tx.CreateBucket([]byte("other"))
				return err
			})
		}, ErrCorrupt},
		{"a newer schema", func(t *testing.T, path string) {
			rawUpdate(t, path, func(tx *bolt.Tx) error {
				b, err := tx.CreateBucket(bucketMeta)
				if err != nil {
					return err
				}
				return b.Put(keySchema, []byte{schemaVersion + 1})
			})
		}, ErrSchemaTooNew},
		{"a bad schema value", func(t *testing.T, path string) {
			rawUpdate(t, path, func(tx *bolt.Tx) error {
				b, err := tx.CreateBucket(bucketMeta)
				if err != nil {
					return err
				}
				return b.Put(keySchema, []byte{0x80})
			})
		}, ErrCorrupt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "x.db")
			tt.prepare(t, path)
			s, err := Open(path)
			if err == nil {
				_ = s.Close()
			}
			wantErr(t, "Open", err, tt.want)
		})
	}

	t.Run("not a bbolt file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "x.db")
		if err := os.WriteFile(path, bytes.Repeat([]byte("not a database "), 1000), 0o600); err != nil {
			t.Fatal(err)
		}
		s, err := Open(path)
		if err == nil {
			_ = s.Close()
			t.Fatal("Open of a text file: got nil error, want one")
		}
		if !strings.Contains(err.Error(), path) {
			t.Errorf("error %q does not name the file", err)
		}
	})
}

// rawUpdate writes to a bbolt file directly, as another program would.
func rawUpdate(t *testing.T, path string, fn func(tx *bolt.Tx) error) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatalf("bolt.Open: %v", err)
	}
	defer func() { _ = db.Close() }()
	if err := db.Update(fn); err != nil {
		t.Fatalf("raw update: %v", err)
	}
}

func TestCreate(t *testing.T) {
	s, _, _ := openStore(t)
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
			{"status", got.Status, StatusDraft},
			{"post pending", got.PostPending, true},
			{"title", got.Values["title"], "Account Manager"},
			{"revisions", len(got.Revisions), 1},
			{"revision editor", got.Revisions[0].Editor, "U1"},
			{"revision changed", strings.Join(got.Revisions[0].Changed, ","), "summary,title"},
			{"events", slices.Equal(eventKinds(got), []EventKind{EventCreated}), true},
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
		modify func(n *NewDraft)
	}{
		{"no team", func(n *NewDraft) { n.Team = "" }},
		{"no channel", func(n *NewDraft) { n.Channel = "" }},
		{"no author", func(n *NewDraft) { n.Author = "" }},
		{"NUL in team", func(n *NewDraft) { n.Team = "T\x001" }},
		{"long author", func(n *NewDraft) { n.Author = strings.Repeat("U", 256) }},
		{"no prefix", func(n *NewDraft) { n.Prefix = "" }},
		{"prefix with dash", func(n *NewDraft) { n.Prefix = "A-M" }},
		{"empty field id", func(n *NewDraft) { n.Values[""] = "x" }},
		{"values over 1 MiB", func(n *NewDraft) { n.Values["big"] = strings.Repeat("x", 1<<20) }},
	}
	for _, tt := range invalid {
		t.Run(tt.name, func(t *testing.T) {
			n := newDraft("T9", "U1")
			tt.modify(&n)
			_, err := s.Create(ctx, n)
			wantErr(t, "Create", err, ErrInvalid)
		})
	}
	t.Run("nothing written by invalid creates", func(t *testing.T) {
		ds, _, err := s.ListByAuthor(ctx, "T9", "U1", Page{})
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

func TestGetAndTeamIsolation(t *testing.T) {
	s, _, _ := openStore(t)
	ctx := ctxT(t)
	a := mustCreate(t, s, newDraft("TA", "U1"))
	nb := newDraft("TB", "U1")
	nb.Values = map[string]string{"title": "B's draft"}
	b := mustCreate(t, s, nb)
	if a.ID != b.ID {
		t.Fatalf("setup: got ids %s and %s, want the same id in both teams", a.ID, b.ID)
	}
	m := Message{Channel: "C-review", TS: "1700000000.000100"}
	if _, err := s.MarkPosted(ctx, "TA", a.ID, m); err != nil {
		t.Fatalf("MarkPosted: %v", err)
	}

	tests := []struct {
		name string
		run  func() (Draft, error)
		want string // title, or "" for ErrNotFound
	}{
		{"A gets A's", func() (Draft, error) { return s.Get(ctx, "TA", a.ID) }, "Account Manager"},
		{"B gets B's", func() (Draft, error) { return s.Get(ctx, "TB", a.ID) }, "B's draft"},
		{"unknown id", func() (Draft, error) { return s.Get(ctx, "TA", "AM-99") }, ""},
		{"unknown team", func() (Draft, error) { return s.Get(ctx, "TC", a.ID) }, ""},
		{"A finds A's message", func() (Draft, error) { return s.FindByMessage(ctx, "TA", m.Channel, m.TS) }, "Account Manager"},
		{"B does not find A's message", func() (Draft, error) { return s.FindByMessage(ctx, "TB", m.Channel, m.TS) }, ""},
		{"unknown message", func() (Draft, error) { return s.FindByMessage(ctx, "TA", m.Channel, "1.2") }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := tt.run()
			if tt.want == "" {
				wantErr(t, "lookup", err, ErrNotFound)
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

func TestRevise(t *testing.T) {
	ctx := ctxT(t)
	v2 := map[string]string{"title": "Senior Account Manager", "summary": "Own the book."}

	type step func(t *testing.T, s *Store, id string)
	post := func(t *testing.T, s *Store, id string) {
		t.Helper()
		if _, err := s.MarkPosted(ctx, "T1", id, Message{Channel: "C-review", TS: "1.1"}); err != nil {
			t.Fatalf("MarkPosted: %v", err)
		}
	}
	approve := func(user string, required int) step {
		return func(t *testing.T, s *Store, id string) {
			t.Helper()
			if _, _, err := s.Approve(ctx, "T1", id, user, required); err != nil {
				t.Fatalf("Approve: %v", err)
			}
		}
	}
	requestChanges := func(t *testing.T, s *Store, id string) {
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
		wantStatus Status
		wantNote   string // substring of the revised event's note
	}{
		{name: "never posted stays draft", base: 1, values: v2, wantRev: 2, wantStatus: StatusDraft, wantNote: "changed title"},
		{name: "posted goes to review", before: []step{post}, base: 1, values: v2, wantRev: 2, wantStatus: StatusInReview},
		{name: "approved goes back to review and says so", before: []step{post, approve("U7", 2), approve("U8", 2)}, base: 1, values: v2,
			wantRev: 2, wantStatus: StatusInReview, wantNote: "approvals reset: revision 1 was approved by U7, U8; back in review"},
		{name: "partial approvals are reset", before: []step{post, approve("U7", 2)}, base: 1, values: v2,
			wantRev: 2, wantStatus: StatusInReview, wantNote: "approvals reset: U7"},
		{name: "change requests are cleared", before: []step{post, requestChanges}, base: 1, values: v2,
			wantRev: 2, wantStatus: StatusInReview, wantNote: "change requests cleared: U9"},
		{name: "stale base is a conflict", base: 0, values: v2, wantErr: ErrConflict, wantRev: 1, wantStatus: StatusDraft},
		{name: "future base is a conflict", base: 2, values: v2, wantErr: ErrConflict, wantRev: 1, wantStatus: StatusDraft},
		{name: "same values change nothing", base: 1, values: map[string]string{"title": "Account Manager", "summary": "Own the book.", "empty": ""},
			wantRev: 1, wantStatus: StatusDraft},
		{name: "no editor", base: 1, values: v2, wantErr: ErrInvalid, wantRev: 1, wantStatus: StatusDraft},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _, _ := openStore(t)
			d := mustCreate(t, s, newDraft("T1", "U1"))
			for _, st := range tt.before {
				st(t, s, d.ID)
			}
			editor := "U2"
			if tt.wantErr == ErrInvalid {
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
				if e.Kind != EventRevised || e.Revision != 2 || e.User != "U2" || !strings.Contains(e.Note, tt.wantNote) {
					t.Errorf("last event: got %+v, want revised r2 by U2 with note containing %q", e, tt.wantNote)
				}
			}
		})
	}

	t.Run("conflict error says both revisions", func(t *testing.T) {
		s, _, _ := openStore(t)
		d := mustCreate(t, s, newDraft("T1", "U1"))
		if _, err := s.Revise(ctx, "T1", d.ID, 1, "U2", v2); err != nil {
			t.Fatalf("first Revise: %v", err)
		}
		_, err := s.Revise(ctx, "T1", d.ID, 1, "U3", map[string]string{"title": "lost update"})
		wantErr(t, "second Revise on base 1", err, ErrConflict)
		if !strings.Contains(err.Error(), "revision 2") || !strings.Contains(err.Error(), "revision 1") {
			t.Errorf("error %q does not say the revisions", err)
		}
		if got := mustGet(t, s, "T1", d.ID); got.Values["title"] != v2["title"] {
			t.Errorf("title: got %q, want the first edit's (no lost update)", got.Values["title"])
		}
	})
	t.Run("unknown draft", func(t *testing.T) {
		s, _, _ := openStore(t)
		_, err := s.Revise(ctx, "T1", "AM-5", 1, "U2", v2)
		wantErr(t, "Revise", err, ErrNotFound)
	})
}

func TestReviews(t *testing.T) {
	ctx := ctxT(t)
	type op struct {
		kind        string // approve, withdraw, request, unrequest
		user        string
		required    int
		wantChanged bool
		wantStatus  Status
	}
	tests := []struct {
		name          string
		posted        bool
		ops           []op
		wantApprovals []string
		wantRequests  []string
		wantEvents    []EventKind // after created (and posted)
	}{
		{
			name: "two approvals needed", posted: true,
			ops: []op{
				{"approve", "U2", 2, true, StatusInReview},
				{"approve", "U2", 2, false, StatusInReview},
				{"approve", "U3", 2, true, StatusApproved},
			},
			wantApprovals: []string{"U2", "U3"},
			wantEvents:    []EventKind{EventApproved, EventApproved},
		},
		{
			name: "withdraw drops below required", posted: true,
			ops: []op{
				{"approve", "U2", 1, true, StatusApproved},
				{"withdraw", "U3", 1, false, StatusApproved},
				{"withdraw", "U2", 1, true, StatusInReview},
				{"withdraw", "U2", 1, false, StatusInReview},
			},
			wantEvents: []EventKind{EventApproved, EventApprovalWithdrawn},
		},
		{
			name: "change request wins over approvals", posted: true,
			ops: []op{
				{"approve", "U2", 1, true, StatusApproved},
				{"request", "U3", 0, true, StatusChangesRequested},
				{"request", "U3", 0, false, StatusChangesRequested},
				{"unrequest", "U3", 1, true, StatusApproved},
				{"unrequest", "U3", 1, false, StatusApproved},
			},
			wantApprovals: []string{"U2"},
			wantEvents:    []EventKind{EventApproved, EventChangesRequested, EventChangesWithdrawn},
		},
		{
			name: "a user's approval replaces their change request and back", posted: true,
			ops: []op{
				{"request", "U2", 0, true, StatusChangesRequested},
				{"approve", "U2", 1, true, StatusApproved},
				{"request", "U2", 0, true, StatusChangesRequested},
			},
			wantRequests: []string{"U2"},
			wantEvents:   []EventKind{EventChangesRequested, EventApproved, EventChangesRequested},
		},
		{
			name: "required below one counts as one", posted: true,
			ops:           []op{{"approve", "U2", 0, true, StatusApproved}},
			wantApprovals: []string{"U2"},
			wantEvents:    []EventKind{EventApproved},
		},
		{
			name: "not yet posted stays a draft",
			ops: []op{
				{"approve", "U2", 1, true, StatusDraft},
				{"request", "U3", 0, true, StatusDraft},
			},
			wantApprovals: []string{"U2"},
			wantRequests:  []string{"U3"},
			wantEvents:    []EventKind{EventApproved, EventChangesRequested},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _, _ := openStore(t)
			d := mustCreate(t, s, newDraft("T1", "U1"))
			base := []EventKind{EventCreated}
			if tt.posted {
				if _, err := s.MarkPosted(ctx, "T1", d.ID, Message{Channel: "C", TS: "1.1"}); err != nil {
					t.Fatalf("MarkPosted: %v", err)
				}
				base = append(base, EventPosted)
			}
			for i, o := range tt.ops {
				var got Draft
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
		s, _, _ := openStore(t)
		d := mustCreate(t, s, newDraft("T1", "U1"))
		if _, err := s.Revise(ctx, "T1", d.ID, 1, "U1", map[string]string{"title": "x"}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Approve(ctx, "T1", d.ID, "U5", 1); err != nil {
			t.Fatal(err)
		}
		e := mustGet(t, s, "T1", d.ID).Events[2]
		if e.Kind != EventApproved || e.User != "U5" || e.Revision != 2 {
			t.Errorf("event: got %+v, want approved by U5 on revision 2", e)
		}
	})
	t.Run("unknown draft and empty user", func(t *testing.T) {
		s, _, _ := openStore(t)
		_, _, err := s.Approve(ctx, "T1", "AM-1", "U2", 1)
		wantErr(t, "Approve unknown", err, ErrNotFound)
		d := mustCreate(t, s, newDraft("T1", "U1"))
		_, _, err = s.Approve(ctx, "T1", d.ID, "", 1)
		wantErr(t, "Approve by nobody", err, ErrInvalid)
	})
}

func TestPostingAndOutbox(t *testing.T) {
	ctx := ctxT(t)
	s, _, _ := openStore(t)
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

	m := Message{Channel: "C-review", TS: "1700000000.000100"}
	t.Run("mark posted", func(t *testing.T) {
		d, err := s.MarkPosted(ctx, "T1", a.ID, m)
		if err != nil {
			t.Fatalf("MarkPosted: %v", err)
		}
		if d.Message != m || d.PostPending || d.Status != StatusInReview {
			t.Errorf("got message %+v pending %t status %s, want %+v false in_review", d.Message, d.PostPending, d.Status, m)
		}
		found, err := s.FindByMessage(ctx, "T1", m.Channel, m.TS)
		if err != nil || found.ID != a.ID {
			t.Fatalf("FindByMessage: got %s, %v; want %s", found.ID, err, a.ID)
		}
		if got, want := eventKinds(found), []EventKind{EventCreated, EventPosted}; !slices.Equal(got, want) {
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
		wantErr(t, "MarkPosted of another draft's message", err, ErrConflict)
		if got := mustGet(t, s, "T1", c.ID); !got.PostPending || got.Message != (Message{}) {
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
		if d.PostPending || d.Status != StatusDraft {
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
		if want := []EventKind{EventCreated, EventPostFailed, EventRequeued}; !slices.Equal(eventKinds(got), want) {
			t.Errorf("events: got %v, want %v", eventKinds(got), want)
		}
		if got.Events[1].Note != "channel_not_found" {
			t.Errorf("post_failed note: got %q, want the reason", got.Events[1].Note)
		}
		for ch, want := range map[string]int{"C-review": 1, "C-other": 1} {
			ds, _, err := s.ListByChannel(ctx, "T1", ch, Page{})
			if err != nil || len(ds) != want {
				t.Errorf("ListByChannel(%s): got %d, %v; want %d", ch, len(ds), err, want)
			}
		}
	})
	t.Run("requeue a posted draft and post it again", func(t *testing.T) {
		if _, err := s.Requeue(ctx, "T1", a.ID, ""); err != nil {
			t.Fatalf("Requeue: %v", err)
		}
		m2 := Message{Channel: "C-review", TS: "1700000001.000200"}
		d, err := s.MarkPosted(ctx, "T1", a.ID, m2)
		if err != nil {
			t.Fatalf("MarkPosted: %v", err)
		}
		if d.Message != m2 || d.Status != StatusInReview {
			t.Errorf("got message %+v status %s", d.Message, d.Status)
		}
		for _, ts := range []string{m.TS, m2.TS} {
			if f, err := s.FindByMessage(ctx, "T1", "C-review", ts); err != nil || f.ID != a.ID {
				t.Errorf("FindByMessage(%s): got %s, %v; want %s", ts, f.ID, err, a.ID)
			}
		}
	})
	t.Run("invalid message", func(t *testing.T) {
		_, err := s.MarkPosted(ctx, "T1", a.ID, Message{Channel: "C"})
		wantErr(t, "MarkPosted without ts", err, ErrInvalid)
	})
}

func TestList(t *testing.T) {
	ctx := ctxT(t)
	s, _, _ := openStore(t)
	// 45 drafts by U1 in T1 (two channels), 3 by U2, 2 by U1 in T2.
	var u1 []string
	if err := s.db.Update(func(tx *bolt.Tx) error {
		now := s.now()
		for i := range 45 {
			n := newDraft("T1", "U1")
			if i%3 == 0 {
				n.Channel = "C-other"
			}
			r, err := createTx(tx, n, map[string]string{"n": "x"}, now)
			if err != nil {
				return err
			}
			u1 = append(u1, r.ID)
		}
		for range 3 {
			if _, err := createTx(tx, newDraft("T1", "U2"), nil, now); err != nil {
				return err
			}
		}
		for range 2 {
			if _, err := createTx(tx, newDraft("T2", "U1"), nil, now); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatalf("setup: %v", err)
	}
	slices.Reverse(u1) // newest first

	collect := func(t *testing.T, list func(Page) ([]Draft, string, error), limit int, between func()) []string {
		t.Helper()
		var ids []string
		p := Page{Limit: limit}
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
	byAuthor := func(team, user string) func(Page) ([]Draft, string, error) {
		return func(p Page) ([]Draft, string, error) { return s.ListByAuthor(ctx, team, user, p) }
	}

	tests := []struct {
		name  string
		list  func(Page) ([]Draft, string, error)
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
		{"by channel", func(p Page) ([]Draft, string, error) { return s.ListByChannel(ctx, "T1", "C-other", p) }, 4,
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
		ds, next, err := s.ListByAuthor(ctx, "T1", "U1", Page{})
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
		for _, p := range []Page{{Cursor: "not a cursor!"}, {Limit: -1}} {
			_, _, err := s.ListByAuthor(ctx, "T1", "U1", p)
			wantErr(t, "ListByAuthor", err, ErrInvalid)
		}
	})
}

func TestClaimAndSweep(t *testing.T) {
	ctx := ctxT(t)
	s, c, _ := openStore(t)
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
	wantErr(t, "Claim empty", err, ErrInvalid)
	_, err = s.Claim(ctx, strings.Repeat("k", 1025))
	wantErr(t, "Claim long", err, ErrInvalid)
}

func TestRecordExportAndCounts(t *testing.T) {
	ctx := ctxT(t)
	s, _, _ := openStore(t)
	a := mustCreate(t, s, newDraft("T1", "U1"))
	b := mustCreate(t, s, newDraft("T1", "U1"))
	mustCreate(t, s, newDraft("T2", "U1"))
	for _, id := range []string{a.ID, b.ID} {
		if _, err := s.MarkPosted(ctx, "T1", id, Message{Channel: "C", TS: id}); err != nil {
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
	if e.Kind != EventExported || e.User != "U3" || e.Revision != 1 {
		t.Errorf("last event: got %+v, want exported by U3 on revision 1", e)
	}
	if !after.Updated.Equal(before.Updated) {
		t.Errorf("Updated moved on export: %v → %v", before.Updated, after.Updated)
	}
	wantErr(t, "RecordExport unknown", s.RecordExport(ctx, "T2", "AM-9", "U3"), ErrNotFound)

	got, err := s.CountByStatus(ctx)
	if err != nil {
		t.Fatalf("CountByStatus: %v", err)
	}
	want := map[Status]int{StatusDraft: 1, StatusInReview: 1, StatusApproved: 1, StatusChangesRequested: 0}
	if !maps.Equal(got, want) {
		t.Errorf("CountByStatus: got %v, want %v", got, want)
	}
	if err := s.Ping(ctx); err != nil {
		t.Errorf("Ping: %v", err)
	}
}

func TestBackup(t *testing.T) {
	ctx := ctxT(t)
	s, _, _ := openStore(t)
	d := mustCreate(t, s, newDraft("T1", "U1"))
	if _, err := s.Revise(ctx, "T1", d.ID, 1, "U2", map[string]string{"title": "v2"}); err != nil {
		t.Fatal(err)
	}
	verify := func(t *testing.T, path string) {
		t.Helper()
		rep, err := Check(path)
		if err != nil {
			t.Fatalf("Check(backup): %v", err)
		}
		if rep.Drafts != 1 || rep.Revisions != 2 || rep.Events != 2 {
			t.Errorf("Check(backup): got %+v, want 1 draft, 2 revisions, 2 events", rep)
		}
		ro, err := OpenReadOnly(path)
		if err != nil {
			t.Fatalf("OpenReadOnly(backup): %v", err)
		}
		defer func() { _ = ro.Close() }()
		if got, err := ro.Get(ctx, "T1", d.ID); err != nil || got.Values["title"] != "v2" {
			t.Errorf("backup Get: got %v, %v; want title v2", got.Values, err)
		}
	}
	t.Run("WriteBackup", func(t *testing.T) {
		var buf bytes.Buffer
		n, err := s.WriteBackup(&buf)
		if err != nil || n != int64(buf.Len()) || n == 0 {
			t.Fatalf("WriteBackup: got %d bytes (buffer %d), %v", n, buf.Len(), err)
		}
		path := filepath.Join(t.TempDir(), "copy.db")
		if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		verify(t, path)
	})
	t.Run("BackupToDir", func(t *testing.T) {
		dir := t.TempDir()
		path, err := s.BackupToDir(dir)
		if err != nil {
			t.Fatalf("BackupToDir: %v", err)
		}
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 1 || filepath.Join(dir, entries[0].Name()) != path || !strings.HasPrefix(entries[0].Name(), "jobdesc-") {
			t.Errorf("dir holds %v, want only %s", entries, path)
		}
		fi, err := os.Stat(path)
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("backup mode: %v, %v; want 0600", fi, err)
		}
		verify(t, path)
	})
	t.Run("BackupToDir into a missing dir", func(t *testing.T) {
		_, err := s.BackupToDir(filepath.Join(t.TempDir(), "missing"))
		if !errors.Is(err, os.ErrNotExist) {
			t.Errorf("got %v, want a not-exist error", err)
		}
	})
}

func TestReadOnly(t *testing.T) {
	ctx := ctxT(t)
	s, _, path := openStore(t)
	d := mustCreate(t, s, newDraft("T1", "U1"))
	mustClose(t, s)

	ro, err := OpenReadOnly(path)
	if err != nil {
		t.Fatalf("OpenReadOnly: %v", err)
	}
	defer func() { _ = ro.Close() }()
	if _, err := ro.Get(ctx, "T1", d.ID); err != nil {
		t.Errorf("Get: %v", err)
	}
	writes := map[string]func() error{
		"Create":      func() error { _, err := ro.Create(ctx, newDraft("T1", "U1")); return err },
		"Approve":     func() error { _, _, err := ro.Approve(ctx, "T1", d.ID, "U2", 1); return err },
		"Claim":       func() error { _, err := ro.Claim(ctx, "Ev1"); return err },
		"Sweep":       func() error { _, err := ro.Sweep(ctx); return err },
		"MarkPosted":  func() error { _, err := ro.MarkPosted(ctx, "T1", d.ID, Message{Channel: "C", TS: "1"}); return err },
		"RecordExprt": func() error { return ro.RecordExport(ctx, "T1", d.ID, "U2") },
	}
	for name, w := range writes {
		t.Run(name, func(t *testing.T) { wantErr(t, name, w(), ErrReadOnly) })
	}
	t.Run("missing file", func(t *testing.T) {
		_, err := OpenReadOnly(filepath.Join(t.TempDir(), "none.db"))
		if !errors.Is(err, os.ErrNotExist) {
			t.Errorf("got %v, want a not-exist error", err)
		}
	})
}

func TestCorruptRecords(t *testing.T) {
	ctx := ctxT(t)
	s, _, path := openStore(t)
	good := mustCreate(t, s, newDraft("T1", "U1"))
	bad := mustCreate(t, s, newDraft("T1", "U1"))
	mustClose(t, s)
	rawUpdate(t, path, func(tx *bolt.Tx) error {
		return tx.Bucket(bucketDrafts).Put(draftKey("T1", bad.ID), []byte{recV2, 2, 0, 0xff})
	})
	s = openPath(t, path, nil)

	t.Run("Get names the key", func(t *testing.T) {
		_, err := s.Get(ctx, "T1", bad.ID)
		wantErr(t, "Get", err, ErrCorrupt)
		if !strings.Contains(err.Error(), "drafts:T1/"+bad.ID) {
			t.Errorf("error %q does not name the key", err)
		}
	})
	t.Run("the good draft still reads", func(t *testing.T) {
		mustGet(t, s, "T1", good.ID)
	})
	t.Run("list and writes report it", func(t *testing.T) {
		_, _, err := s.ListByAuthor(ctx, "T1", "U1", Page{})
		wantErr(t, "ListByAuthor", err, ErrCorrupt)
		_, _, err = s.Approve(ctx, "T1", bad.ID, "U2", 1)
		wantErr(t, "Approve", err, ErrCorrupt)
	})
	t.Run("Check lists it", func(t *testing.T) {
		mustClose(t, s)
		_, err := Check(path)
		wantErr(t, "Check", err, ErrCorrupt)
		if !strings.Contains(err.Error(), "drafts:T1/"+bad.ID) {
			t.Errorf("error %q does not name the key", err)
		}
	})
}

func TestCheckFindsInconsistencies(t *testing.T) {
	tests := []struct {
		name   string
		break_ func(tx *bolt.Tx) error
		want   string
	}{
		{"missing revision", func(tx *bolt.Tx) error { return tx.Bucket(bucketRevs).Delete(histKey("T1", "AM-1", 1)) },
			"has 0 revision records, want 1"},
		{"dangling message", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketMessages).Put(messageKey("T1", Message{Channel: "C", TS: "9"}), []byte("AM-7"))
		}, `points to missing draft "AM-7"`},
		{"missing index entry", func(tx *bolt.Tx) error { return tx.Bucket(bucketAuthor).Delete(indexKey("T1", "U1", 1)) },
			"has 1 index entries, want 2"},
		{"stale outbox entry", func(tx *bolt.Tx) error { return tx.Bucket(bucketOutbox).Put(outboxKey(5, "T1", "AM-1"), nil) },
			"stale outbox entry"},
		{"sequence behind", func(tx *bolt.Tx) error { return tx.Bucket(bucketSeq).Put([]byte("T1"), make([]byte, 8)) },
			"sequence behind"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _, path := openStore(t)
			mustCreate(t, s, newDraft("T1", "U1"))
			mustClose(t, s)
			if _, err := Check(path); err != nil {
				t.Fatalf("Check before breaking: %v", err)
			}
			rawUpdate(t, path, tt.break_)
			_, err := Check(path)
			wantErr(t, "Check", err, ErrCorrupt)
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Check error %q does not contain %q", err, tt.want)
			}
		})
	}
	t.Run("report counts", func(t *testing.T) {
		s, _, path := openStore(t)
		ctx := ctxT(t)
		d := mustCreate(t, s, newDraft("T1", "U1"))
		mustCreate(t, s, newDraft("T2", "U1"))
		if _, err := s.MarkPosted(ctx, "T1", d.ID, Message{Channel: "C", TS: "1"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Claim(ctx, "Ev1"); err != nil {
			t.Fatal(err)
		}
		mustClose(t, s)
		got, err := Check(path)
		if err != nil {
			t.Fatalf("Check: %v", err)
		}
		want := Report{Schema: 2, Teams: 2, Drafts: 2, Revisions: 2, Events: 3, Messages: 1, Pending: 1, Seen: 1}
		if got != want {
			t.Errorf("Check: got %+v, want %+v", got, want)
		}
	})
}
