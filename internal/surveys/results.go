package surveys

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"html"
	"html/template"
	"slices"
	"strconv"
	"strings"
	"time"

	"unionhall/internal/content"
)

// Result is a survey's results in one language.
type Result struct {
	Answers int
	// Suppressed: an anonymous survey with fewer than Suppress answers
	// shows nothing but the number.
	Suppressed bool
	Questions  []QuestionResult
}

// QuestionResult is one question's counts (choice and scale) or its text
// answers (short and long).
type QuestionResult struct {
	Q        content.SurveyQuestion
	Answered int
	Counts   []Count
	Texts    []string
	// Chart is the counts drawn as SVG (with a title and description;
	// the page puts the same numbers in a table beside it).
	Chart template.HTML
}

// Count is one option's (or scale value's) number of answers.
type Count struct {
	ID, Label string
	N         int
	Percent   int // of those who answered the question
}

// IsText says whether the question is answered in words.
func (q QuestionResult) IsText() bool {
	return q.Q.Kind == content.QuestionShort || q.Q.Kind == content.QuestionLong
}

// Results counts a survey's answers, with its texts in lang. texts: list
// the text answers (the console; never the public page).
func (s *Service) Results(ctx context.Context, sv *Survey, lang string, texts bool) (*Result, error) {
	_, recs, err := s.records(ctx, s.d.DB.Reader(), sv.ID)
	if err != nil {
		return nil, err
	}
	return tally(sv, lang, recs, texts), nil
}

func tally(sv *Survey, lang string, recs []record, texts bool) *Result {
	res := &Result{Answers: len(recs)}
	if sv.Anonymous() && len(recs) < Suppress {
		res.Suppressed = true
		return res
	}
	for _, q := range sv.Questions(lang) {
		qr := QuestionResult{Q: q}
		switch q.Kind {
		case content.QuestionSingle, content.QuestionMultiple:
			for _, o := range q.Options {
				qr.Counts = append(qr.Counts, Count{ID: o.ID, Label: o.Text})
			}
		case content.QuestionScale:
			for v := q.Min; v <= q.Max; v++ {
				label := strconv.Itoa(v)
				if v == q.Min && q.MinLabel != "" {
					label += " (" + q.MinLabel + ")"
				}
				if v == q.Max && q.MaxLabel != "" {
					label += " (" + q.MaxLabel + ")"
				}
				qr.Counts = append(qr.Counts, Count{ID: strconv.Itoa(v), Label: label})
			}
		}
		for _, r := range recs {
			vals, ok := r.A[q.ID]
			if !ok || len(vals) == 0 {
				continue
			}
			qr.Answered++
			if qr.IsText() {
				if texts {
					qr.Texts = append(qr.Texts, vals[0])
				}
				continue
			}
			for _, v := range vals {
				if i := slices.IndexFunc(qr.Counts, func(c Count) bool { return c.ID == v }); i >= 0 {
					qr.Counts[i].N++
				}
			}
		}
		if qr.Answered > 0 {
			for i := range qr.Counts {
				qr.Counts[i].Percent = (qr.Counts[i].N*100 + qr.Answered/2) / qr.Answered
			}
		}
		// Sorted, so the texts' order is not the order of answering.
		slices.Sort(qr.Texts)
		if !qr.IsText() {
			qr.Chart = chart(q, qr)
		}
		res.Questions = append(res.Questions, qr)
	}
	return res
}

// chart draws a question's counts as horizontal bars, an SVG of fixed
// size with role="img", a <title> and a <desc> naming every number (the
// page has the table too). Labels are escaped.
func chart(q content.SurveyQuestion, qr QuestionResult) template.HTML {
	const rowH, labelW, barW, width = 28, 220, 200, 520
	height := rowH*len(qr.Counts) + 8
	most := 1
	for _, c := range qr.Counts {
		most = max(most, c.N)
	}
	id := "chart-" + q.ID
	var b strings.Builder
	var desc []string
	for _, c := range qr.Counts {
		desc = append(desc, fmt.Sprintf("%s: %d (%d %%)", c.Label, c.N, c.Percent))
	}
	fmt.Fprintf(&b, `<svg class="survey-chart" xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-labelledby="%s-t %s-d">`, width, height, width, height, id, id)
	fmt.Fprintf(&b, `<title id="%s-t">%s</title><desc id="%s-d">%s</desc>`, id, html.EscapeString(q.Text), id, html.EscapeString(strings.Join(desc, "; ")))
	for i, c := range qr.Counts {
		y := 4 + i*rowH
		label := c.Label
		if r := []rune(label); len(r) > 32 {
			label = string(r[:31]) + "…"
		}
		w := c.N * barW / most
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end" font-size="13" fill="#222">%s</text>`, labelW-8, y+18, html.EscapeString(label))
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="20" fill="#1f5fa8"></rect>`, labelW, y+4, w)
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="13" fill="#222">%d (%d %%)</text>`, labelW+w+6, y+18, c.N, c.Percent)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// CSV writes every answer as a row: for a named survey with who answered
// (the member id, or the name and email given) and when; for an anonymous
// one the answers only, in the stored (random) order, and nothing while
// it has fewer than Suppress answers. Cells starting with = + - @ tab or
// CR get a leading quote, so a spreadsheet shows them as text instead of
// running them as formulas.
func (s *Service) CSV(ctx context.Context, sv *Survey, lang string) ([]byte, error) {
	_, recs, err := s.records(ctx, s.d.DB.Reader(), sv.ID)
	if err != nil {
		return nil, err
	}
	if sv.Anonymous() && len(recs) < Suppress {
		return nil, ErrSuppressed
	}
	qs := sv.Questions(lang)
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	head := []string{}
	if !sv.Anonymous() {
		if sv.Members() {
			head = append(head, "member")
		} else {
			head = append(head, "name", "email")
		}
		head = append(head, "lang", "answered_at")
	}
	for _, q := range qs {
		head = append(head, q.ID+": "+q.Text)
	}
	if err := w.Write(defuseAll(head)); err != nil {
		return nil, err
	}
	for _, r := range recs {
		row := []string{}
		if !sv.Anonymous() {
			if sv.Members() {
				row = append(row, r.Member)
			} else {
				row = append(row, r.Name, r.Email)
			}
			at := ""
			if !r.At.IsZero() {
				at = r.At.In(s.loc()).Format(time.DateTime)
			}
			row = append(row, r.Lang, at)
		}
		for _, q := range qs {
			var cells []string
			for _, v := range r.A[q.ID] {
				if i := optIndex(q, v); i >= 0 {
					v = q.Options[i].Text
				}
				cells = append(cells, v)
			}
			row = append(row, strings.Join(cells, "; "))
		}
		if err := w.Write(defuseAll(row)); err != nil {
			return nil, err
		}
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

// ErrSuppressed: an anonymous survey with too few answers to show.
var ErrSuppressed = fmt.Errorf("surveys: fewer than %d answers", Suppress)

// Defuse is a CSV cell safe from spreadsheet formula injection.
func Defuse(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func defuseAll(row []string) []string {
	for i := range row {
		row[i] = Defuse(row[i])
	}
	return row
}
