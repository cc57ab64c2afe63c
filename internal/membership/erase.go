package membership

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"unionhall/internal/db"
	"unionhall/internal/seal"
)

// memberApplicationsOf selects, with the member's id twice, every
// application the member signed: those accepted as or linked to the member
// (applications.member_id, migration 00043) and, should one lack it, the
// one members.application_id names.
const memberApplicationsOf = `(member_id = ? OR id = (SELECT application_id FROM members WHERE id = ?))`

// MemberApplicationEraser is the member registry's eraser for the
// applications a member signed (members.Eraser; wired by internal/app and
// by the console when it builds its own registry): when a member's
// personal data is erased, every application they signed is erased in the
// same transaction — empty sealed data (keeping its language), no
// signature, PDF, notes, tokens or email index; the rows stay, accepted,
// so the trail's references resolve. The detail names the applications
// by id.
func MemberApplicationEraser(d *db.DB, keys *seal.Keyring) func(ctx context.Context, tx *sql.Tx, memberID string) (string, error) {
	return func(ctx context.Context, tx *sql.Tx, memberID string) (string, error) {
		apps, err := memberApplications(ctx, d, tx, memberID)
		if err != nil {
			return "", err
		}
		for _, app := range apps {
			if err := eraseApplication(ctx, d, keys, tx, app); err != nil {
				return "", err
			}
		}
		switch len(apps) {
		case 0:
			return "", nil
		case 1:
			return "with application " + apps[0], nil
		default:
			return "with applications " + strings.Join(apps, ", "), nil
		}
	}
}

// CountMemberApplications counts the applications erasing member id
// clears (as MemberApplicationEraser) and whether any has a signature or
// PDF, for the console's confirmation page.
func CountMemberApplications(ctx context.Context, d *db.DB, memberID string) (n int, files bool, err error) {
	var withFiles int
	err = d.QueryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN signature IS NOT NULL OR pdf IS NOT NULL THEN 1 ELSE 0 END), 0)
		FROM applications WHERE `+memberApplicationsOf, memberID, memberID).Scan(&n, &withFiles)
	if err != nil {
		return 0, false, fmt.Errorf("applications of member %s: %w", memberID, err)
	}
	return n, withFiles > 0, nil
}

// memberApplications lists the ids of every application member id signed
// (memberApplicationsOf), oldest first.
func memberApplications(ctx context.Context, d *db.DB, tx *sql.Tx, id string) ([]string, error) {
	rows, err := tx.QueryContext(ctx, d.Rebind(`SELECT id FROM applications WHERE `+memberApplicationsOf+` ORDER BY created_at, id`), id, id)
	if err != nil {
		return nil, fmt.Errorf("applications of member %s: %w", id, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var app string
		if err := rows.Scan(&app); err != nil {
			return nil, fmt.Errorf("applications of member %s: %w", id, err)
		}
		out = append(out, app)
	}
	return out, rows.Err()
}

// eraseApplication replaces an application's personal data by an empty
// record (keeping its language), and drops its signature, PDF, notes,
// tokens and the blind index of its email (an empty value: the column is
// NOT NULL, and an empty index matches no email).
func eraseApplication(ctx context.Context, d *db.DB, keys *seal.Keyring, tx *sql.Tx, appID string) error {
	var lang string
	if err := tx.QueryRowContext(ctx, d.Rebind(`SELECT lang FROM applications WHERE id = ?`), appID).Scan(&lang); err != nil {
		return fmt.Errorf("erase application %s: %w", appID, err)
	}
	plain, err := json.Marshal(Applicant{Lang: lang})
	if err != nil {
		return fmt.Errorf("erase application %s: %w", appID, err)
	}
	empty, err := keys.Seal(plain, aadData(appID))
	if err != nil {
		return fmt.Errorf("erase application %s: %w", appID, err)
	}
	for _, st := range []struct {
		q    string
		args []any
	}{
		{`UPDATE applications SET data = ?, email_bidx = ?, signature = NULL, pdf = NULL, typed_signature = ? WHERE id = ?`, []any{empty, []byte{}, false, appID}},
		{`DELETE FROM notes WHERE subject_type = 'application' AND subject_id = ?`, []any{appID}},
		{`DELETE FROM application_tokens WHERE application_id = ?`, []any{appID}},
	} {
		if _, err := tx.ExecContext(ctx, d.Rebind(st.q), st.args...); err != nil {
			return fmt.Errorf("erase application %s: %w", appID, err)
		}
	}
	return nil
}
