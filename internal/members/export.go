package members

import (
	"context"
	"fmt"
	"strings"

	"unionhall/internal/auth"
	"unionhall/internal/db"
)

// AllMembers returns every member of a category ("" or CatAll: all) that
// viewer may manage, by member number, opened: the rows of the console's
// members export.
func (reg *Registry) AllMembers(ctx context.Context, viewer *auth.Account, category string) ([]Member, error) {
	f := MemberFilter{Category: category}
	where, args := f.where(viewer, auth.ManageMembers)
	return reg.queryMembers(ctx, `SELECT `+memberCols+` FROM members m WHERE `+where+` ORDER BY m.number`, args...)
}

// WorkplaceNamesByMember maps member ids to the names of their workplaces,
// each member's sorted by name. Names are sealed: each workplace is opened
// once, however many members it has.
func (reg *Registry) WorkplaceNamesByMember(ctx context.Context) (map[string][]string, error) {
	rows, err := reg.d.DB.Query(ctx, `SELECT mw.member_id, w.id, w.data FROM member_workplaces mw JOIN workplaces w ON w.id = mw.workplace_id`)
	if err != nil {
		return nil, fmt.Errorf("member workplaces: %w", err)
	}
	defer rows.Close()
	opened := map[string]string{}
	byMember := map[string][]Workplace{}
	for rows.Next() {
		var m string
		var w Workplace
		var data []byte
		if err := rows.Scan(&m, &w.ID, &data); err != nil {
			return nil, fmt.Errorf("member workplaces: %w", err)
		}
		name, ok := opened[w.ID]
		if !ok {
			if err := reg.openWorkplace(&w, data); err != nil {
				return nil, err
			}
			name = w.Name
			opened[w.ID] = name
		}
		w.Name = name
		byMember[m] = append(byMember[m], w)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("member workplaces: %w", err)
	}
	out := make(map[string][]string, len(byMember))
	for m, ws := range byMember {
		sortWorkplaces(ws)
		for _, w := range ws {
			out[m] = append(out[m], w.Name)
		}
	}
	return out, nil
}

// Recipient is a member who may be written to: who receives the union's
// email, in which language.
type Recipient struct {
	MemberID string
	Number   int64
	Email    string
	Name     string
	// Lang is the member's preferred language ("" if never chosen: the
	// sender picks its default).
	Lang string
}

// Recipients lists, by member number, the members who may receive email:
// not left, not erased, with an address; of workplace workplaceID only
// when it is not "". Newsletters, vote invitations and dues reminders
// start from this list, so "who may be written to" is decided once.
func (reg *Registry) Recipients(ctx context.Context, workplaceID string) ([]Recipient, error) {
	q := `SELECT ` + memberCols + ` FROM members m WHERE m.left_at IS NULL AND m.erased = ? AND m.email_bidx IS NOT NULL`
	args := []any{false}
	if workplaceID != "" {
		if !db.ValidID(workplaceID) {
			return nil, ErrNotFound
		}
		q += ` AND EXISTS (SELECT 1 FROM member_workplaces mw WHERE mw.member_id = m.id AND mw.workplace_id = ?)`
		args = append(args, workplaceID)
	}
	ms, err := reg.queryMembers(ctx, q+` ORDER BY m.number`, args...)
	if err != nil {
		return nil, err
	}
	out := make([]Recipient, 0, len(ms))
	for _, m := range ms {
		if strings.TrimSpace(m.Data.Email) == "" {
			continue
		}
		out = append(out, Recipient{MemberID: m.ID, Number: m.Number, Email: m.Data.Email, Name: m.Data.Name(), Lang: m.Data.Lang})
	}
	return out, nil
}
