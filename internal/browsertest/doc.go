// Package browsertest drives a real headless Chromium (Debian's /usr/bin/chromium)
// through the DevTools protocol (github.com/chromedp/chromedp), so tests can check
// what a person sees and does: pages that work with and without JavaScript,
// keyboard use, drawing a signature, and WCAG rules checked by axe-core.
//
// Why it is built so:
//
//   - Real browser, no driver: chromedp talks to Chromium over a pipe, so there
//     is no chromedriver or browser download (neither is possible here).
//   - One browser, many tabs: starting Chromium costs about a second and a lot of
//     memory on a 2-core machine. Start returns one browser per test, unless the
//     package's TestMain calls Main, in which case every test of the package
//     shares one browser. Each Tab gets its own browser context (like a private
//     window): cookies and storage never leak between tabs, so a test can be an
//     applicant in one tab and an organiser in another.
//   - Nothing leaves the machine: every tab's browser context sends all
//     non-loopback traffic to a proxy inside the test process that refuses it and
//     records what was asked. Together with the DevTools network events this
//     proves the privacy rule "pages load nothing from other hosts"
//     (AssertNoForeignRequests) without ever contacting a real host, and a page
//     that tries fails fast instead of waiting on a network timeout.
//   - Missing parts skip locally and fail under UNIONHALL_TEST_REQUIRE_ALL=1
//     (see internal/testenv); scripts/test installs Chromium and axe-core.
//   - Helpers take testing.TB and fail the test themselves, with a time limit
//     on every action (ActionTimeout), so a broken page fails quickly and the
//     test reads as a list of user steps.
//
// A typical test:
//
//	b := browsertest.Start(t)
//	ctx := b.TabNoJS(t) // or b.Tab(t)
//	resp := browsertest.Navigate(t, ctx, srv.URL+"/en/join/")
//	browsertest.Type(t, ctx, "#email", "ana@example.org")
//	browsertest.ClickNavigate(t, ctx, "button[type=submit]")
//	browsertest.AssertAxeClean(t, ctx, "join form")
//	browsertest.AssertNoForeignRequests(t, ctx, "127.0.0.1")
package browsertest
