package drafts

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// benchValues is a realistic job description: eight fields, ~1.5 KB.
func benchValues(i int) map[string]string {
	return map[string]string{
		"title":            "Account Manager",
		"level":            "senior",
		"location":         "Remote (EU)",
		"summary":          strings.Repeat("Own a book of mid-market accounts. ", 5),
		"responsibilities": strings.Repeat("Run quarterly business reviews. ", 12),
		"requirements":     strings.Repeat("Five years in B2B SaaS. ", 10),
		"salary":           "€70k–€85k",
		"rev":              fmt.Sprint(i),
	}
}

// latencies collects per-operation times and reports their p50 and p99.
type latencies []time.Duration

func (l *latencies) time(fn func()) {
	start := time.Now()
	fn()
	*l = append(*l, time.Since(start))
}

func (l latencies) report(b *testing.B) {
	if len(l) == 0 {
		return
	}
	slices.Sort(l)
	b.ReportMetric(float64(l[len(l)/2].Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(l[len(l)*99/100].Nanoseconds()), "p99-ns")
}

// populate creates n drafts by author in one transaction, posted as
// messages "m<i>"; it returns their ids, oldest first.
func populate(b *testing.B, s *Store, team, author string, n int) []string {
	b.Helper()
	ids := make([]string, 0, n)
	err := s.db.Update(func(tx *bolt.Tx) error {
		now := s.now()
		for i := range n {
			nd := newDraft(team, author)
			r, err := createTx(tx, nd, benchValues(i), now)
			if err != nil {
				return err
			}
			ids = append(ids, r.ID)
		}
		return nil
	})
	if err != nil {
		b.Fatalf("populate: %v", err)
	}
	return ids
}

func benchStore(b *testing.B) *Store {
	b.Helper()
	s, _, _ := openStore(b)
	s.Now = nil
	return s
}

func BenchmarkCreate(b *testing.B) {
	s := benchStore(b)
	ctx := context.Background()
	n := newDraft("T1", "U1")
	n.Values = benchValues(0)
	var lat latencies
	b.ReportAllocs()
	for b.Loop() {
		lat.time(func() {
			if _, err := s.Create(ctx, n); err != nil {
				b.Fatal(err)
			}
		})
	}
	lat.report(b)
}

// BenchmarkCreateParallel runs 16 goroutines creating drafts, in each write
// mode: group commit (the default), one Update per write, and bbolt's Batch.
func BenchmarkCreateParallel(b *testing.B) {
	for _, m := range []struct {
		name string
		mode writeMode
	}{{"group", modeGroup}, {"update", modeUpdate}, {"batch", modeBatch}} {
		b.Run(m.name, func(b *testing.B) {
			s := benchStore(b)
			s.mode = m.mode
			ctx := context.Background()
			b.ReportAllocs()
			b.SetParallelism(8)
			b.RunParallel(func(pb *testing.PB) {
				n := newDraft("T1", "U1")
				n.Values = benchValues(0)
				for pb.Next() {
					if _, err := s.Create(ctx, n); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

func BenchmarkRevise(b *testing.B) {
	s := benchStore(b)
	ctx := context.Background()
	id := populate(b, s, "T1", "U1", 1)[0]
	rev := 1
	var lat latencies
	b.ReportAllocs()
	for b.Loop() {
		lat.time(func() {
			d, err := s.Revise(ctx, "T1", id, rev, "U2", benchValues(rev))
			if err != nil {
				b.Fatal(err)
			}
			rev = d.Revision
		})
	}
	lat.report(b)
}

func BenchmarkApprove(b *testing.B) {
	s := benchStore(b)
	ctx := context.Background()
	ids := populate(b, s, "T1", "U1", 100)
	var lat latencies
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		lat.time(func() {
			_, changed, err := s.Approve(ctx, "T1", ids[i%len(ids)], fmt.Sprintf("U%d", i), 1000)
			if err != nil || !changed {
				b.Fatal(changed, err)
			}
		})
		i++
	}
	lat.report(b)
}

// historyDraft makes a posted draft with 3 revisions and 7 events.
func historyDraft(b *testing.B, s *Store) (string, Message) {
	b.Helper()
	ctx := context.Background()
	id := populate(b, s, "T1", "U1", 1)[0]
	m := Message{Channel: "C-review", TS: "1700000000.000100"}
	if _, err := s.MarkPosted(ctx, "T1", id, m); err != nil {
		b.Fatal(err)
	}
	for rev := 1; rev < 3; rev++ {
		if _, err := s.Revise(ctx, "T1", id, rev, "U2", benchValues(rev)); err != nil {
			b.Fatal(err)
		}
		if _, _, err := s.Approve(ctx, "T1", id, "U3", 2); err != nil {
			b.Fatal(err)
		}
	}
	if _, _, err := s.Approve(ctx, "T1", id, "U4", 2); err != nil {
		b.Fatal(err)
	}
	return id, m
}

// BenchmarkGet reads a draft with a history of three revisions: whole
// (Get), and as it is now (Current, what a review message needs).
func BenchmarkGet(b *testing.B) {
	s := benchStore(b)
	populate(b, s, "T1", "U1", 1000)
	id, _ := historyDraft(b, s)
	ctx := context.Background()
	b.Run("Get", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if d, err := s.Get(ctx, "T1", id); err != nil || len(d.Revisions) != 3 {
				b.Fatal(err)
			}
		}
	})
	b.Run("Current", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if d, n, err := s.Current(ctx, "T1", id); err != nil || d.Revision != 3 || n == 0 {
				b.Fatal(d.Revision, n, err)
			}
		}
	})
}

func BenchmarkFindByMessage(b *testing.B) {
	s := benchStore(b)
	populate(b, s, "T1", "U1", 1000)
	_, m := historyDraft(b, s)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.FindByMessage(ctx, "T1", m.Channel, m.TS); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkListByAuthor lists 50 of the author's 10 000 drafts: the first
// page, and a page from a cursor deep in the list.
func BenchmarkListByAuthor(b *testing.B) {
	s := benchStore(b)
	populate(b, s, "T1", "U1", 10000)
	ctx := context.Background()
	_, deep, err := s.ListByAuthor(ctx, "T1", "U1", Page{Limit: 100})
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < 50; i++ { // 50 pages of 100 in: the middle of the list
		_, deep, err = s.ListByAuthor(ctx, "T1", "U1", Page{Limit: 100, Cursor: deep})
		if err != nil {
			b.Fatal(err)
		}
	}
	for _, c := range []struct{ name, cursor string }{{"first-50-of-10000", ""}, {"middle-50-of-10000", deep}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				ds, _, err := s.ListByAuthor(ctx, "T1", "U1", Page{Limit: 50, Cursor: c.cursor})
				if err != nil || len(ds) != 50 {
					b.Fatal(len(ds), err)
				}
			}
		})
	}
}

func BenchmarkClaim(b *testing.B) {
	s := benchStore(b)
	ctx := context.Background()
	b.Run("new", func(b *testing.B) {
		i := 0
		b.ReportAllocs()
		for b.Loop() {
			if ok, err := s.Claim(ctx, fmt.Sprintf("Ev%08d", i)); err != nil || !ok {
				b.Fatal(ok, err)
			}
			i++
		}
	})
	b.Run("seen", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if ok, err := s.Claim(ctx, "Ev00000000"); err != nil || ok {
				b.Fatal(ok, err)
			}
		}
	})
}

// BenchmarkSweep deletes 1000 expired seen-records among 1000 live ones.
func BenchmarkSweep(b *testing.B) {
	s := benchStore(b)
	c := newClock()
	s.Now = c.Now
	ctx := context.Background()
	claimMany := func(prefix string, n int) {
		err := s.db.Update(func(tx *bolt.Tx) error {
			now := s.now()
			for i := range n {
				key := fmt.Sprintf("%s%d", prefix, i)
				exp := now.Add(SeenTTL).UnixNano()
				if err := tx.Bucket(bucketSeen).Put([]byte(key), seenExpKey(exp, "")); err != nil {
					return err
				}
				if err := tx.Bucket(bucketSeenExp).Put(seenExpKey(exp, key), nil); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	round := 0
	for b.Loop() {
		b.StopTimer()
		claimMany(fmt.Sprintf("old%d-", round), 1000)
		c.Add(SeenTTL + time.Second)
		claimMany(fmt.Sprintf("live%d-", round), 1000)
		round++
		b.StartTimer()
		if n, err := s.Sweep(ctx); err != nil || n < 1000 {
			b.Fatal(n, err)
		}
	}
}

func BenchmarkCountByStatus(b *testing.B) {
	s := benchStore(b)
	populate(b, s, "T1", "U1", 10000)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if m, err := s.CountByStatus(ctx); err != nil || m[StatusDraft] != 10000 {
			b.Fatal(m, err)
		}
	}
}
