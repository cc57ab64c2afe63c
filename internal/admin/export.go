package admin

import (
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"unionhall/internal/auth"
	"unionhall/internal/members"
)

// errEmpty: nothing was chosen (no export columns).
var errEmpty = errors.New("empty")

// ExportColumns are the columns a members export may hold, in order.
var ExportColumns = []string{"number", "first_name", "last_name", "email", "phone", "address", "city", "postal_code",
	"date_of_birth", "employer", "category", "joined_at", "workplaces"}

func exportValue(col string, m *members.Member, wps string) string {
	switch col {
	case "number":
		return strconv.FormatInt(m.Number, 10)
	case "first_name":
		return m.Data.FirstName
	case "last_name":
		return m.Data.LastName
	case "email":
		return m.Data.Email
	case "phone":
		return m.Data.Phone
	case "address":
		return m.Data.Address
	case "city":
		return m.Data.City
	case "postal_code":
		return m.Data.PostalCode
	case "date_of_birth":
		return m.Data.DateOfBirth
	case "employer":
		return m.Data.Company
	case "category":
		return m.Category()
	case "joined_at":
		return m.JoinedAt.Format("2006-01-02")
	case "workplaces":
		return wps
	}
	return ""
}

// safeCell defuses spreadsheet formulas: a cell starting with = + - @ or a
// control character is prefixed with an apostrophe, so a hostile name such
// as "=HYPERLINK(…)" stays text when the file is opened.
func safeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// ExportMembers writes the members of a category as CSV with the chosen
// columns and records the export in the audit trail first (an export that
// cannot be recorded is not made).
func (c *Console) ExportMembers(ctx context.Context, actor *auth.Account, category string, cols []string, w io.Writer) error {
	var chosen []string
	for _, col := range ExportColumns {
		if contains(cols, col) {
			chosen = append(chosen, col)
		}
	}
	if len(chosen) == 0 {
		return errEmpty
	}
	ms, err := c.reg.AllMembers(ctx, actor, category)
	if err != nil {
		return err
	}
	names, err := c.reg.WorkplaceNamesByMember(ctx)
	if err != nil {
		return err
	}
	if err := c.d.DB.Tx(ctx, func(tx *sql.Tx) error {
		return c.audit(ctx, tx, actor, "export.members", "", "", fmt.Sprintf("category %s, %d rows, columns: %s", category, len(ms), strings.Join(chosen, ",")))
	}); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(chosen); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	row := make([]string, len(chosen))
	for i := range ms {
		for j, col := range chosen {
			row[j] = safeCell(exportValue(col, &ms[i], strings.Join(names[ms[i].ID], "; ")))
		}
		if err := cw.Write(row); err != nil {
			return fmt.Errorf("write csv: %w", err)
		}
	}
	cw.Flush()
	return cw.Error()
}

// ExportNewsletter writes a workplace's current and new members in the
// import format common newsletter tools accept (listmonk and others):
// email,name,attributes — attributes a JSON object. The rows are the
// registry's Recipients: members without an email and those who left are
// left out.
func (c *Console) ExportNewsletter(ctx context.Context, actor *auth.Account, workplaceID string, w io.Writer) error {
	wp, err := c.reg.LoadWorkplace(ctx, actor, workplaceID)
	if err != nil {
		return err
	}
	ms, err := c.reg.Recipients(ctx, workplaceID)
	if err != nil {
		return err
	}
	if err := c.d.DB.Tx(ctx, func(tx *sql.Tx) error {
		return c.audit(ctx, tx, actor, "export.newsletter", "workplace", workplaceID, fmt.Sprintf("%d rows", len(ms)))
	}); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"email", "name", "attributes"}); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	for _, m := range ms {
		attrs, _ := json.Marshal(map[string]any{"member_number": m.Number, "workplace": wp.Name, "lang": m.Lang})
		if err := cw.Write([]string{safeCell(m.Email), safeCell(m.Name), string(attrs)}); err != nil {
			return fmt.Errorf("write csv: %w", err)
		}
	}
	cw.Flush()
	return cw.Error()
}
