package portal

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
)

// UpdateDetails saves a member's own corrections of their contact details
// and preferred language, with an audit entry naming the changed fields
// (never their values), in one transaction. A changed email is told to the
// committee address in the same transaction: the committee must be able to
// notice an account taken over through a changed address. An email another
// member has is refused (ErrEmailTaken).
func (s *Service) UpdateDetails(ctx context.Context, m *Member, c Contact, lang string) error {
	// The registry saves and audits the change in its own transaction
	// ("member.edit … (by the member)"); the notice follows in another,
	// so a notice never goes out for a change that did not happen.
	changed, err := s.d.Registry.UpdateContact(ctx, m.ID, c, lang)
	if err != nil || !slices.Contains(changed, "email") {
		return err
	}
	return s.d.DB.Tx(ctx, func(tx *sql.Tx) error {
		{
			if to := s.committee(); to != "" {
				cl := s.committeeLang()
				msg := message(cl, to, T(cl, "mail.email_changed.subject"), T(cl, "mail.email_changed.text",
					"number", strconv.FormatInt(m.Number, 10), "url", s.d.BaseURL+"/admin/members/"+m.ID))
				if err := s.d.Outbox.Enqueue(ctx, tx, msg); err != nil {
					return fmt.Errorf("queue email change notice: %w", err)
				}
			} else {
				s.log.Warn("a member changed their email and no committee address is set to tell")
			}
		}
		return nil
	})
}

// committeeLang is the language of notices to the committee: the site's
// default language.
func (s *Service) committeeLang() string {
	if s.d.Site != nil {
		if cs := s.d.Site(); cs != nil {
			return cs.DefaultLang
		}
	}
	return "en"
}
