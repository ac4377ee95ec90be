package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// plainResult is what the plain mode prints: how many orders it asked
// about, how many answers were good, and what went wrong.
type plainResult struct {
	Provider string   `json:"provider"`
	Orders   int      `json:"orders"`
	OK       int64    `json:"ok"`
	Errors   int64    `json:"errors"`
	Retries  int64    `json:"retries"`
	WallS    float64  `json:"wall_s"`
	Samples  []string `json:"error_samples,omitempty"`
}

// errTransient marks an answer worth asking again (5xx, "busy"), as recon's
// account retries do.
var errTransient = errors.New("transient")

// plainClient asks one provider about one order and checks the answer:
// signature verified, JSON parsed, the order found and echoed.
type plainClient interface {
	query(ctx context.Context, r ledgerRow) error
}

// runPlain is the plain mode: the same queries, signatures and parsing as a
// recon account, with nothing else: no plugin, no rules, no store.
func runPlain(args []string) error {
	fs := flag.NewFlagSet("plain", flag.ContinueOnError)
	accountsPath := fs.String("accounts", "", "accounts.json the sims mode wrote")
	provider := fs.String("provider", "", "which provider")
	ledgerPath := fs.String("ledger", "", "ledger CSV the sims mode wrote")
	conc := fs.Int("concurrency", 16, "requests in flight")
	retries := fs.Int("retries", 2, "retries of a transient failure")
	if err := fs.Parse(args); err != nil {
		return err
	}
	b, err := os.ReadFile(*accountsPath)
	if err != nil {
		return err
	}
	var accounts map[string]account
	if err := json.Unmarshal(b, &accounts); err != nil {
		return fmt.Errorf("%s: %w", *accountsPath, err)
	}
	a, ok := accounts[*provider]
	if !ok {
		return fmt.Errorf("%s: no account for provider %q", *accountsPath, *provider)
	}
	rows, err := readLedger(*ledgerPath)
	if err != nil {
		return err
	}
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		MaxIdleConns: *conc, MaxIdleConnsPerHost: *conc, IdleConnTimeout: 90 * time.Second}}
	var c plainClient
	switch *provider {
	case "upay":
		c, err = newUpay(hc, a)
	case "paypro":
		c, err = newPaypro(hc, a)
	case "vborder":
		c, err = newVborder(hc, a)
	case "edgeros":
		c, err = newEdgeros(hc, a)
	default:
		err = fmt.Errorf("no plain client for provider %q", *provider)
	}
	if err != nil {
		return err
	}
	res := plainResult{Provider: *provider, Orders: len(rows)}
	var mu sync.Mutex
	var next atomic.Int64
	ctx := context.Background()
	start := time.Now()
	var wg sync.WaitGroup
	for range *conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(rows) {
					return
				}
				var err error
				for try := 0; ; try++ {
					err = c.query(ctx, rows[i])
					if err == nil || !errors.Is(err, errTransient) || try >= *retries {
						break
					}
					atomic.AddInt64(&res.Retries, 1)
					time.Sleep(20 * time.Millisecond << try)
				}
				if err == nil {
					atomic.AddInt64(&res.OK, 1)
					continue
				}
				atomic.AddInt64(&res.Errors, 1)
				mu.Lock()
				if len(res.Samples) < 5 {
					res.Samples = append(res.Samples, rows[i].OrderNo+": "+err.Error())
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	res.WallS = time.Since(start).Seconds()
	return json.NewEncoder(os.Stdout).Encode(res)
}

func readLedger(path string) ([]ledgerRow, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(bufio.NewReader(f))
	var rows []ledgerRow
	for line := 1; ; line++ {
		rec, err := r.Read()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if line == 1 {
			continue
		}
		if len(rec) != len(ledgerHeader) {
			return nil, fmt.Errorf("%s line %d: %d fields, want %d", path, line, len(rec), len(ledgerHeader))
		}
		rows = append(rows, ledgerRow{Account: rec[0], OrderNo: rec[1], TradeNo: rec[2], Amount: rec[4], Currency: rec[5]})
	}
}

// do sends req and returns the body of a 200 answer; other statuses and
// transport errors are transient, as recon's plugins treat them.
func do(hc *http.Client, req *http.Request) ([]byte, error) {
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errTransient, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("%w: reading answer: %v", errTransient, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w: HTTP %d", errTransient, resp.StatusCode)
	}
	return body, nil
}
