package votes

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"unionhall/internal/jobs"
	"unionhall/internal/mail"
)

// JobInvite emails one batch of a vote's roll its invitations.
const JobInvite = "votes.invite"

// inviteBatch is how many invitations one job run queues: each batch
// commits its emails and the next batch's job together, so a crash resumes
// where it stopped and nobody is invited twice by a retry of a committed
// batch.
var inviteBatch = 200 // a variable for the test of several batches

type invitePayload struct {
	Vote  string `json:"vote"`
	After string `json:"after"` // the last member id invited ("" at the start)
}

func (s *Service) queueInvitations(ctx context.Context, tx *sql.Tx, voteID, after string) error {
	if s.d.Queue == nil {
		return errors.New("votes: invitations need a job queue")
	}
	b, _ := json.Marshal(invitePayload{Vote: voteID, After: after})
	_, err := s.d.Queue.Enqueue(ctx, tx, JobInvite, b, s.now())
	return err
}

// runInvite queues the invitations of the next batch of roll members (by
// member id) and the job for the batch after. Members without an address
// are skipped (they vote from the portal). A vote that is no longer open
// invites nobody more.
func (s *Service) runInvite(ctx context.Context, j jobs.Job) error {
	var p invitePayload
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		return jobs.Permanent(fmt.Errorf("votes: invite payload: %w", err))
	}
	v, err := s.Get(ctx, p.Vote)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if v.State != StateOpen || !s.now().Before(v.ClosesAt) {
		return nil
	}
	if s.d.Outbox == nil || s.d.Registry == nil {
		return jobs.Permanent(errors.New("votes: invitations need an outbox and the member registry"))
	}
	rows, err := s.d.DB.Query(ctx, `SELECT member_id FROM vote_roll WHERE vote_id = ? AND member_id > ? ORDER BY member_id LIMIT ?`, v.ID, p.After, inviteBatch)
	if err != nil {
		return fmt.Errorf("votes: invite: %w", err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if len(ids) == 0 {
		return nil
	}
	recips, err := s.d.Registry.Recipients(ctx, "")
	if err != nil {
		return fmt.Errorf("votes: invite: recipients: %w", err)
	}
	byID := make(map[string]int, len(recips))
	for i, r := range recips {
		byID[r.MemberID] = i
	}
	def, langs := siteLangs(s.site())
	var msgs []mail.Message
	for _, id := range ids {
		i, ok := byID[id]
		if !ok {
			continue
		}
		r := recips[i]
		lang := r.Lang
		if !contains(langs, lang) {
			lang = def
		}
		path := s.d.BallotPath(lang, v.ID)
		link := strings.TrimRight(s.d.BaseURL, "/") + path
		if s.d.Links != nil {
			// A sign-in link for members who never signed in; it lands
			// on the ballot and expires with the vote.
			if link, err = s.d.Links.IssueLink(ctx, id, path, v.ClosesAt); err != nil {
				return fmt.Errorf("votes: invite: link: %w", err)
			}
		}
		msgs = append(msgs, s.invitation(v, lang, def, r.Email, link))
	}
	return s.d.DB.Tx(ctx, func(tx *sql.Tx) error {
		for _, m := range msgs {
			if err := s.d.Outbox.Enqueue(ctx, tx, m); err != nil {
				return fmt.Errorf("votes: invite: %w", err)
			}
		}
		if len(ids) == inviteBatch {
			return s.queueInvitations(ctx, tx, v.ID, ids[len(ids)-1])
		}
		return nil
	})
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// pick is a text in lang, else in the default language.
func pick(m map[string]string, lang, def string) string {
	if t := m[lang]; t != "" {
		return t
	}
	return m[def]
}

// invitation is the email inviting one member. It holds the personal link
// and nothing about any ballot.
func (s *Service) invitation(v *Vote, lang, def, to, link string) mail.Message {
	title := pick(v.Title, lang, def)
	closes := v.ClosesAt.In(s.loc())
	var subject, body string
	if lang == "cs" {
		subject = "Hlasování: " + title
		body = fmt.Sprintf("Dobrý den,\n\nje otevřeno hlasování „%s“. Hlasovat můžete do %s.\n\nHlasujte zde:\n%s\n\n"+
			"Odkaz je osobní a přihlásí vás jen jednou; nepřeposílejte ho. Hlasování je tajné: nikdo, ani výbor, ani správce serveru, se nedozví, jak jste hlasovali.\n",
			title, closes.Format("2. 1. 2006 15:04"), link)
	} else {
		subject = "Vote: " + title
		body = fmt.Sprintf("Hello,\n\nthe vote \"%s\" is open. You can vote until %s.\n\nVote here:\n%s\n\n"+
			"The link is personal and signs you in once; do not forward it. The vote is secret: nobody, not the committee and not the server's operator, can learn how you voted.\n",
			title, closes.Format("2 January 2006 15:04"), link)
	}
	return mail.Message{To: to, Subject: subject, Text: body}
}
