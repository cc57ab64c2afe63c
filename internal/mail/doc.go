// Package mail sends Unionhall's email: a Message type, an SMTP sender, a
// file sender for laptops without SMTP, and the Outbox that makes every
// promised email eventually go out.
//
// Why it is built this way:
//
//   - Nothing is sent from a request. Outbox.Enqueue writes the message into
//     the durable job queue inside the caller's transaction, so an
//     application and its verification email commit together; a worker sends
//     it later and retries with back-off through SMTP outages and restarts.
//
//   - A queued email holds personal data (address, name, the signed PDF), so
//     the whole message is sealed (internal/seal) into the job payload, bound
//     to the job's id. A database copy shows neither the recipient nor the
//     text.
//
//   - Delivery is at least once (a crash after the SMTP server accepted the
//     message but before the job was marked done sends it again). The
//     Message-ID is fixed at enqueue time from the job id, so a repeat carries
//     the same Message-ID and receiving systems can recognise it.
//
//   - SMTPSender and FileSender build MIME the same way (github.com/wneessen/
//     go-mail), so the .eml files written on a laptop are exactly what SMTP
//     would have carried, attachments included.
//
//   - Errors never carry personal data: they are stored with the job and
//     logged. SMTP replies often echo the recipient ("550 <jana@…> unknown"),
//     so every address-looking word in an error is replaced before it leaves
//     this package. Logs name files and job ids, never recipients.
package mail
