package petitions

import (
	"fmt"
	"html"
	"html/template"
	"strings"
	"time"
)

// The console's chart of confirmed signatures per day, drawn on the server
// as inline SVG: no script, nothing fetched, readable with JavaScript off.
// It is an image to assistive technology (role="img", named by its <title>
// and described by its <desc>, which states the range, the total and the
// best day); the same numbers are in the table printed beside it, which is
// what a screen-reader user reads.

// chartDay is one bar of the chart.
type chartDay struct {
	Day string // "2006-01-02"
	N   int
}

// fillDays turns the stored per-day counts (days with signatures only)
// into consecutive days from the first to last (or to today, when the
// petition is open), so the chart shows quiet days as gaps. At most
// maxChartDays are drawn: the latest ones.
func fillDays(days []DayCount, until string) []chartDay {
	if len(days) == 0 {
		return nil
	}
	byDay := map[string]int{}
	first, last := days[0].Day, days[0].Day
	for _, d := range days {
		byDay[d.Day] += d.Confirmed
		first, last = min(first, d.Day), max(last, d.Day)
	}
	if until > last {
		last = until
	}
	start, err1 := time.Parse(time.DateOnly, first)
	end, err2 := time.Parse(time.DateOnly, last)
	if err1 != nil || err2 != nil {
		// Days are written by the store in this layout; list them as they are.
		out := make([]chartDay, 0, len(days))
		for _, d := range days {
			out = append(out, chartDay{d.Day, d.Confirmed})
		}
		return out
	}
	if end.Sub(start) > maxChartDays*24*time.Hour {
		start = end.AddDate(0, 0, -(maxChartDays - 1))
	}
	var out []chartDay
	for d := start; !d.After(end); d = d.AddDate(0, 0, 1) {
		k := d.Format(time.DateOnly)
		out = append(out, chartDay{k, byDay[k]})
	}
	return out
}

// maxChartDays bounds the chart (and the table beside it) to about a year.
const maxChartDays = 400

// Chart geometry (SVG user units).
const (
	chartW, chartH = 720.0, 240.0
	chartLeft      = 44.0
	chartBottom    = 28.0
	chartTop       = 14.0
)

// dayChart draws days as an SVG bar chart; title and desc name it. All
// text it holds is escaped here (dates and numbers, and the title).
func dayChart(days []chartDay, title, desc string) template.HTML {
	if len(days) == 0 {
		return ""
	}
	peak := 1
	for _, d := range days {
		peak = max(peak, d.N)
	}
	plotW := chartW - chartLeft - 8
	plotH := chartH - chartBottom - chartTop
	slot := plotW / float64(len(days))
	// Bars no wider than 40 units: two days must not look like a wall.
	bar := min(slot*0.8, 40)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" role="img" aria-labelledby="chart-title chart-desc" viewBox="0 0 %.0f %.0f" width="100%%" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">`, chartW, chartH)
	fmt.Fprintf(&b, `<title id="chart-title">%s</title><desc id="chart-desc">%s</desc>`, html.EscapeString(title), html.EscapeString(desc))
	// Axis and the peak's gridline with its number.
	base := chartTop + plotH
	fmt.Fprintf(&b, `<g aria-hidden="true"><line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#5f6368" stroke-width="1"/>`, chartLeft, base, chartW-8, base)
	fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#c8ccd0" stroke-dasharray="4 3"/>`, chartLeft, chartTop, chartW-8, chartTop)
	fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="end" font-size="12" fill="#1a1a1a">%d</text>`, chartLeft-6, chartTop+4, peak)
	fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="end" font-size="12" fill="#1a1a1a">0</text>`, chartLeft-6, base+4)
	// A label under the first and last bar and about every seventh one in
	// between, so they never overlap.
	every := max(1, (len(days)+7)/8)
	for i, d := range days {
		x := chartLeft + float64(i)*slot + (slot-bar)/2
		h := plotH * float64(d.N) / float64(peak)
		if d.N > 0 {
			fmt.Fprintf(&b, `<rect x="%.2f" y="%.2f" width="%.2f" height="%.2f" fill="#b01c2e"/>`, x, base-h, bar, h)
		}
		if i == 0 || i == len(days)-1 || (i%every == 0 && len(days)-1-i >= every/2+1) {
			anchor := "middle"
			if i == 0 {
				anchor = "start"
			} else if i == len(days)-1 {
				anchor = "end"
			}
			lx := x + bar/2
			if anchor == "start" {
				lx = x
			} else if anchor == "end" {
				lx = x + bar
			}
			fmt.Fprintf(&b, `<text x="%.2f" y="%.1f" text-anchor="%s" font-size="11" fill="#1a1a1a">%s</text>`, lx, base+17, anchor, html.EscapeString(shortDay(d.Day)))
		}
	}
	b.WriteString(`</g></svg>`)
	return template.HTML(b.String())
}

// shortDay is "2026-06-01" as "1. 6." — a label under a bar; the table
// beside the chart has the full date.
func shortDay(day string) string {
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return day
	}
	return fmt.Sprintf("%d. %d.", t.Day(), int(t.Month()))
}
