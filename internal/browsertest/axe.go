package browsertest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"unionhall/internal/testenv"
)

// AxeTags are the rule sets checked: WCAG 2.0, 2.1 and 2.2, levels A and AA,
// the product's accessibility promise.
var AxeTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"}

// Violation is one axe rule that the page breaks.
type Violation struct {
	ID      string          `json:"id"`     // rule id, e.g. "image-alt"
	Impact  string          `json:"impact"` // minor, moderate, serious, critical
	Help    string          `json:"help"`   // one-line description of the rule
	HelpURL string          `json:"helpUrl"`
	Nodes   []ViolationNode `json:"nodes"`
}

// ViolationNode is one element breaking a rule.
type ViolationNode struct {
	Target  []string `json:"target"`  // CSS selectors (" >>> " joins iframe/shadow steps)
	HTML    string   `json:"html"`    // the element's HTML, shortened by axe
	Summary string   `json:"summary"` // axe's explanation of what to fix
}

// axeSource is axe.min.js, read once per test binary.
var axeSource struct {
	once sync.Once
	src  string
	err  error
}

func loadAxe(t testing.TB) string {
	t.Helper()
	root := testenv.RepoRoot(t)
	axeSource.once.Do(func() {
		p := filepath.Join(root, "node_modules", "axe-core", "axe.min.js")
		b, err := os.ReadFile(p)
		if err != nil {
			axeSource.err = fmt.Errorf("axe-core not installed (%v): run `npm ci` in %s, or scripts/test", err, root)
			return
		}
		axeSource.src = string(b)
	})
	if axeSource.err != nil {
		testenv.SkipOrFail(t, axeSource.err.Error())
	}
	return axeSource.src
}

// axeRun maps axe's result to Violation's shape in the page, so only what
// a test reports crosses the protocol.
const axeRun = `(async () => {
  const r = await axe.run(document, {
    runOnly: {type: 'tag', values: %s},
    resultTypes: ['violations'],
  });
  const sel = (s) => Array.isArray(s) ? s.join(' >>> ') : String(s);
  return r.violations.map(v => ({
    id: v.id, impact: v.impact || '', help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map(n => ({target: n.target.map(sel), html: n.html, summary: n.failureSummary || ''})),
  }));
})()`

// Axe injects axe-core into the tab's current page and returns the WCAG 2.x
// A/AA violations (see AxeTags). Without node_modules/axe-core the test is
// skipped (or fails under UNIONHALL_TEST_REQUIRE_ALL=1). In a TabNoJS tab,
// scripts are turned on for the check and off again: page scripts that did
// not run at load do not run now either.
func Axe(t testing.TB, ctx context.Context) []Violation {
	t.Helper()
	src := loadAxe(t)
	actx, cancel := context.WithTimeout(ctx, ActionTimeout)
	defer cancel()
	if tb := tabOf(ctx); tb != nil && tb.noJS {
		setScripts(t, actx, true)
		defer setScripts(t, actx, false)
	}
	loaded, err := chromedp.Run(actx, chromedp.Evaluate[bool](`typeof window.axe === 'object'`))
	if err != nil {
		t.Fatalf("axe: check page: %v", err)
	}
	if !loaded {
		if err := chromedp.Do(actx, chromedp.Evaluate[chromedp.Void](src)); err != nil {
			t.Fatalf("axe: inject axe.min.js: %v", err)
		}
	}
	tags := `["` + strings.Join(AxeTags, `","`) + `"]`
	vs, err := chromedp.Run(actx, chromedp.Evaluate[[]Violation](fmt.Sprintf(axeRun, tags), chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("axe: run: %v", err)
	}
	return vs
}

func setScripts(t testing.TB, ctx context.Context, on bool) {
	t.Helper()
	if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled,
		emulation.SetScriptExecutionDisabledParams{Value: !on}); err != nil {
		t.Fatalf("axe: turn scripts on=%v: %v", on, err)
	}
}

// AssertAxeClean fails the test with a readable list of every WCAG violation
// on the tab's current page. page names the page in the message.
func AssertAxeClean(t testing.TB, ctx context.Context, page string) {
	t.Helper()
	if vs := Axe(t, ctx); len(vs) > 0 {
		t.Errorf("%s: %d accessibility violation(s):\n%s", page, len(vs), FormatViolations(vs))
	}
}

// FormatViolations renders violations one rule per paragraph, each element
// with its selector and HTML, for test failure messages.
func FormatViolations(vs []Violation) string {
	var b strings.Builder
	for _, v := range vs {
		fmt.Fprintf(&b, "- [%s] %s: %s (%s)\n", v.Impact, v.ID, v.Help, v.HelpURL)
		for _, n := range v.Nodes {
			fmt.Fprintf(&b, "    at %s\n       %s\n", strings.Join(n.Target, ", "), n.HTML)
			if n.Summary != "" {
				fmt.Fprintf(&b, "       %s\n", strings.ReplaceAll(n.Summary, "\n", "\n       "))
			}
		}
	}
	return b.String()
}
