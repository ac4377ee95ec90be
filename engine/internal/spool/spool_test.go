package spool

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/reconhq/recon"
)

func row(i int) recon.Row {
	return recon.Row{Line: i + 2, Account: "shop", Provider: "upay", Kind: recon.Payment + recon.Kind(i%2),
		OrderNo: fmt.Sprintf("O%06d", i), ProviderTradeNo: "T" + fmt.Sprint(i), RefundNo: "", Status: recon.StateSuccess,
		Amount: int64(i) * 37, Currency: "CNY", AmountText: fmt.Sprint(i),
		CreatedAt: time.Date(2026, 11, 30, 23, 0, i%60, 0, time.FixedZone("", 8*3600))}
}

// The spool keeps order and content whether rows stay in memory or go
// through the file, with a consumer that keeps up, lags, or catches up
// in the middle of a spill.
func TestFIFOThroughMemoryAndFile(t *testing.T) {
	for _, tc := range []struct {
		name     string
		mem      int
		rows     int
		lagEvery int // the consumer pauses every so many rows
	}{
		{"fits in memory", 100, 50, 0},
		{"spills", 4, 1000, 0},
		{"consumer lags", 8, 3000, 100},
		{"one row of memory", 1, 500, 7},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			s := New(tc.mem, dir)
			defer s.Release()
			go func() {
				for i := 0; i < tc.rows; i++ {
					if err := s.Push(row(i)); err != nil {
						t.Error(err)
						return
					}
				}
				s.Close()
			}()
			for i := 0; ; i++ {
				got, ok := s.Pop()
				if !ok {
					if i != tc.rows {
						t.Fatalf("popped %d rows, pushed %d (err %v)", i, tc.rows, s.Err())
					}
					break
				}
				want := row(i)
				if got.Line != want.Line || got != want && !sameRow(got, want) {
					t.Fatalf("row %d: got %+v, want %+v", i, got, want)
				}
				if tc.lagEvery > 0 && i%tc.lagEvery == 0 {
					time.Sleep(time.Millisecond)
				}
			}
			// The overflow file is unlinked: nothing is left in dir.
			if ents, _ := os.ReadDir(dir); len(ents) != 0 {
				t.Fatalf("spool left %v in its directory", ents)
			}
		})
	}
}

func sameRow(a, b recon.Row) bool {
	at, bt := a.CreatedAt, b.CreatedAt
	a.CreatedAt, b.CreatedAt = time.Time{}, time.Time{}
	_, ao := at.Zone()
	_, bo := bt.Zone()
	return a == b && at.Equal(bt) && ao == bo
}

// Memory stays bounded however far the consumer lags: a backlog of rows
// sits in the file.
func TestBacklogGoesToDisk(t *testing.T) {
	s := New(16, t.TempDir())
	defer s.Release()
	for i := 0; i < 10000; i++ {
		if err := s.Push(row(i)); err != nil {
			t.Fatal(err)
		}
	}
	s.mu.Lock()
	inMem, onDisk := len(s.mem), s.onDisk
	s.mu.Unlock()
	if inMem > 16 || onDisk != 10000-inMem {
		t.Fatalf("%d rows in memory, %d on disk: want at most 16 in memory", inMem, onDisk)
	}
	if s.Len() != 10000 {
		t.Fatalf("Len = %d", s.Len())
	}
}

// Several workers pop concurrently: every row comes out exactly once.
func TestConcurrentPop(t *testing.T) {
	s := New(8, t.TempDir())
	defer s.Release()
	const n = 5000
	var mu sync.Mutex
	seen := map[int]int{}
	var wg sync.WaitGroup
	for w := 0; w < 6; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				r, ok := s.Pop()
				if !ok {
					return
				}
				mu.Lock()
				seen[r.Line]++
				mu.Unlock()
			}
		}()
	}
	for i := 0; i < n; i++ {
		if err := s.Push(row(i)); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	wg.Wait()
	if len(seen) != n {
		t.Fatalf("%d distinct rows popped, want %d", len(seen), n)
	}
	for line, c := range seen {
		if c != 1 {
			t.Fatalf("line %d popped %d times", line, c)
		}
	}
}

// A spool whose file cannot be made says so, naming the account, and
// its workers stop rather than wait forever.
func TestUnwritableDirIsAnError(t *testing.T) {
	s := New(1, filepath.Join(t.TempDir(), "missing"))
	defer s.Release()
	if err := s.Push(row(0)); err != nil {
		t.Fatal(err)
	}
	err := s.Push(row(1))
	if err == nil {
		t.Fatal("Push to a spool without a directory succeeded")
	}
	if _, ok := s.Pop(); ok {
		t.Fatal("Pop after a failed spill returned a row")
	}
}
