package pages

import (
	"bytes"
	"html/template"
	"net/http"

	"unionhall/internal/content"
	"unionhall/internal/votes"
)

// meetingData is a meeting page's votes as the signed-in member sees them.
type meetingData struct {
	Lang     string
	Open     []voteRef
	Upcoming []voteRef
	Closed   []voteRef
	Cancel   []voteRef
}

// T is a text in the page's language.
func (d meetingData) T(key string, args ...any) string { return memberTexts.T(d.Lang, key, args...) }

// MeetingExtra is the site's hook for member-only pages
// (site.Options.MemberExtra): on a meeting page that votes name (their
// Meeting is the page's content path, its TranslationKey) it lists the
// open votes with a link to the ballot and whether the member has voted,
// the coming ones, and the results of closed ones with their boards. It
// runs per request (the member's own state) and returns "" for pages no
// vote names, which the site then serves from its cache.
func (m *MemberPages) MeetingExtra(r *http.Request, p *content.Page) template.HTML {
	if p == nil || p.TranslationKey == "" {
		return ""
	}
	vs, err := m.d.Votes.OfMeeting(r.Context(), p.TranslationKey)
	if err != nil {
		m.log.Error("votes of a meeting", "err", err)
		return template.HTML(`<p class="notice">` + template.HTMLEscapeString(memberTexts.T(p.Lang, "meeting.failed")) + `</p>`)
	}
	if len(vs) == 0 {
		return ""
	}
	memberID, err := m.d.Session.MemberID(r)
	if err != nil {
		m.log.Error("member session check failed", "err", err)
	}
	lang := p.Lang
	d := meetingData{Lang: lang}
	for i := range vs {
		v := &vs[i]
		voted, onRoll := false, false
		if v.State == votes.StateOpen && memberID != "" {
			if mv, err := m.d.Votes.Status(r.Context(), v.ID, memberID); err == nil {
				voted, onRoll = mv.Voted, mv.OnRoll
			}
		}
		ref := m.ref(v, lang, onRoll, voted)
		switch v.State {
		case votes.StateOpen:
			d.Open = append(d.Open, ref)
		case votes.StateScheduled:
			d.Upcoming = append(d.Upcoming, ref)
		case votes.StateClosed:
			d.Closed = append(d.Closed, ref)
		case votes.StateCancelled:
			d.Cancel = append(d.Cancel, ref)
		}
	}
	var buf bytes.Buffer
	if err := m.tmpl.ExecuteTemplate(&buf, "member-meeting", d); err != nil {
		m.log.Error("render meeting votes", "err", err)
		return ""
	}
	return template.HTML(buf.String())
}
