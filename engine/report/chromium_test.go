package report

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/reconhq/recon"
)

// browser is the path of a Chromium to drive. Without one the test is
// skipped on a developer's machine and fails in CI, which installs it
// (.ci/run).
func browser(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no chromium on PATH: .ci/run installs it (apt-get install chromium)")
	}
	t.Skip("no chromium on PATH (apt-get install chromium)")
	return ""
}

// grouped is n as the page shows counts: 100,000.
func grouped(n int) string { return groupDigits(fmt.Sprint(n)) }

// The HTML report of a 100,000-row night, in a real headless Chromium:
// the summary shows what the pass counted, the findings come first, and
// filtering to one verdict and one account, searching and sorting show
// exactly the rows they should. RECON_SCREENSHOTS=dir keeps the pictures.
func TestHTMLInChromium(t *testing.T) {
	exe := browser(t)
	const n = 100_000
	dir := t.TempDir()
	db, run := syntheticRun(t, dir, n)
	page := filepath.Join(dir, "report.html")
	f, err := os.Create(page)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := Render(context.Background(), db, run, "", Outputs{HTML: f})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(page)
	t.Logf("%d rows: %s, %.1f MB", n, page, float64(st.Size())/(1<<20))

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.UserDataDir(filepath.Join(dir, "chromium")), chromedp.WindowSize(1400, 1100),
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-component-update", true))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	shot := func(name string) {
		png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		if d := os.Getenv("RECON_SCREENSHOTS"); d != "" {
			if err := os.WriteFile(filepath.Join(d, name), png, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := chromedp.Do(ctx); err != nil { // starts the browser, so that the load below is the page's alone
		t.Fatal(err)
	}

	start := time.Now()
	if err := chromedp.Do(ctx, chromedp.Navigate("file://"+page), chromedp.WaitReady(chromedp.CSS("body[data-ready]"))); err != nil {
		t.Fatal(err)
	}
	loaded := time.Since(start)
	renderMs, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`window.reconRenderMs`))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("loaded and rendered in %v (the page's own clock: %.0f ms)", loaded.Round(time.Millisecond), renderMs)
	shot("report.png")

	text := func(sel string) string {
		s, err := chromedp.Run(ctx, chromedp.TextContent(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("%s: %v", sel, err)
		}
		return s
	}
	type shownRow struct {
		Line     int    `json:"line"`
		Account  string `json:"account"`
		Order    string `json:"order"`
		Verdict  string `json:"verdict"`
		Severity string `json:"severity"`
	}
	shown := func() []shownRow {
		rows, err := chromedp.Run(ctx, chromedp.Evaluate[[]shownRow](`Array.from(document.querySelectorAll("#rows tbody tr")).map(tr => ({
			line: +tr.dataset.line, account: tr.cells[1].textContent, order: tr.cells[2].textContent,
			verdict: tr.cells[3].textContent, severity: tr.cells[4].textContent}))`))
		if err != nil {
			t.Fatal(err)
		}
		return rows
	}
	// settle waits for the count of rows shown to be want (the search box
	// waits for typing to pause).
	settle := func(want int) {
		expr := fmt.Sprintf(`document.getElementById("shown-count").textContent === %q`, grouped(want))
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(20*time.Second))); err != nil {
			t.Fatalf("waiting for %d rows shown (now %q): %v", want, text("#shown-count"), err)
		}
	}
	choose := func(sel, value string) {
		if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS(sel), value)); err != nil {
			t.Fatal(err)
		}
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf(`document.querySelector(%q).dispatchEvent(new Event("change", {bubbles: true}))`, sel))); err != nil {
			t.Fatal(err)
		}
	}

	// The summary: what the pass counted, money exact.
	if got := text("#sum-rows"); got != grouped(n) {
		t.Errorf("summary rows %q, want %q", got, grouped(n))
	}
	if got := text("#sum-findings"); got != grouped(sum.Findings) {
		t.Errorf("summary findings %q, want %q", got, grouped(sum.Findings))
	}
	for _, c := range sum.AtRisk.Currencies() {
		whole, frac, dot := strings.Cut(sum.AtRisk.Sum(c), ".")
		want := c + " " + groupDigits(whole)
		if dot {
			want += "." + frac
		}
		if got := text(fmt.Sprintf(`#summary [data-currency=%q]`, c)); got != want {
			t.Errorf("at risk in %s: %q, want %q", c, got, want)
		}
	}

	// Findings first: the default view is the findings, the gravest first.
	settle(sum.Findings)
	// Their ledger amounts, summed by the page, are the summary's money at
	// risk: an INVALID row's amount with a decimal too many is in neither.
	var risk []string
	for _, c := range sum.AtRisk.Currencies() {
		whole, frac, dot := strings.Cut(sum.AtRisk.Sum(c), ".")
		s := c + " " + groupDigits(whole)
		if dot {
			s += "." + frac
		}
		risk = append(risk, s)
	}
	if got, want := text("#shown"), "ledger amounts "+strings.Join(risk, " · "); !strings.HasSuffix(got, want) {
		t.Errorf("shown: %q, want it to end %q", got, want)
	}
	rows := shown()
	if len(rows) != 100 || rows[0].Severity != "critical" {
		t.Fatalf("default view: %d rows, first %+v", len(rows), rows[0])
	}
	if !strings.Contains(text("#collapsed"), grouped(n-sum.Findings)+" rows below warn are collapsed") {
		t.Errorf("collapsed note: %q", text("#collapsed"))
	}

	// One verdict, one account.
	const verdict, account = recon.VerdictMissedPayment, "shop-paypro"
	var want []int
	for i := range n {
		if r := synthetic(i); r.Verdict == verdict && r.Account == account {
			want = append(want, r.Line)
		}
	}
	if len(want) <= 100 {
		t.Fatalf("the fixture has %d %s rows of %s: too few to page", len(want), verdict, account)
	}
	choose("#f-verdict", string(verdict))
	choose("#f-account", account)
	settle(len(want))
	rows = shown()
	var lines []int
	for _, r := range rows {
		if r.Verdict != string(verdict) || r.Account != account {
			t.Fatalf("filtered to %s of %s, shows %+v", verdict, account, r)
		}
		lines = append(lines, r.Line)
	}
	if !slices.Equal(lines, want[:100]) {
		t.Fatalf("filtered rows' lines %v, want %v", lines, want[:100])
	}
	if got := text("#page"); got != fmt.Sprintf("page 1 of %d", (len(want)+99)/100) {
		t.Errorf("pager %q", got)
	}
	shot("filtered.png")

	// Sorted by line, descending: the last of them first.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#rows th[data-sort="line"]`)),
		chromedp.Click(chromedp.CSS(`#rows th[data-sort="line"]`))); err != nil {
		t.Fatal(err)
	}
	if rows = shown(); rows[0].Line != want[len(want)-1] {
		t.Errorf("sorted by line descending, first row %+v, want line %d", rows[0], want[len(want)-1])
	}

	// Free text: one order number among them.
	order := synthetic(want[7] - 1).OrderNo
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS("#f-search"), order)); err != nil {
		t.Fatal(err)
	}
	settle(1)
	if rows = shown(); len(rows) != 1 || rows[0].Order != order || rows[0].Line != want[7] {
		t.Fatalf("search %q shows %+v", order, rows)
	}
}

// groupDigits groups a whole number's digits by three, as the page does.
func groupDigits(s string) string {
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
