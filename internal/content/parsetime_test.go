package content

import (
	"testing"
	"time"
)

func TestSiteParseTime(t *testing.T) {
	prague, _ := time.LoadLocation("Europe/Prague")
	wall := &Site{Location: prague}
	utc := &Site{Location: prague, TimesInUTC: true}
	yamlZ := time.Date(2024, 1, 24, 18, 30, 0, 0, time.UTC) // what yaml.v3 makes of "…T18:30:00Z"
	cases := []struct {
		s    *Site
		v    any
		want time.Time
	}{
		{wall, "2024-01-24T18:30:00Z", time.Date(2024, 1, 24, 18, 30, 0, 0, prague)},
		{wall, yamlZ, time.Date(2024, 1, 24, 18, 30, 0, 0, prague)},
		{utc, "2024-01-24T18:30:00Z", yamlZ},
		{wall, "2024-01-24T18:30:00+01:00", time.Date(2024, 1, 24, 18, 30, 0, 0, prague)},
		{wall, "2024-01-24", time.Date(2024, 1, 24, 0, 0, 0, 0, prague)},
	}
	for _, c := range cases {
		got, ok := c.s.ParseTime(c.v)
		if !ok || !got.Equal(c.want) {
			t.Errorf("ParseTime(%v, utc=%v) = %v, %v; want %v", c.v, c.s.TimesInUTC, got, ok, c.want)
		}
	}
	for _, bad := range []any{"tomorrow", "2024-13-40", 42, "<script>"} {
		if _, ok := wall.ParseTime(bad); ok {
			t.Errorf("ParseTime(%v) accepted", bad)
		}
	}
}
