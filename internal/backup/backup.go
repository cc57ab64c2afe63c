package backup

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, to check a restore target is empty
	_ "modernc.org/sqlite"             // the "sqlite" driver
)

// Names inside the archive.
const (
	manifestName = "manifest.json"
	sqliteName   = "unionhall.db"
	pgDumpName   = "postgres.dump"
	// dbFileName is the SQLite database's name in a data folder
	// (db.FileName; not imported so that backup depends on no feature).
	dbFileName = "unionhall.db"
)

// Manifest describes a backup. It holds no personal data and no key: only
// what restore needs to check it has the right file and the right key.
type Manifest struct {
	Format    int       `json:"format"`
	CreatedAt time.Time `json:"created_at"`
	Dialect   string    `json:"dialect"` // "sqlite" or "postgres"
	Schema    int64     `json:"schema_version"`
	// KeyIDs are the sealing keys' ids (not the keys) the server held when
	// the backup was made: restore says which key file it needs.
	KeyIDs []string `json:"key_ids,omitempty"`
	// Version is the program version that made the backup.
	Version string `json:"version,omitempty"`
}

// Source says what to back up.
type Source struct {
	// DataDir holds unionhall.db when DatabaseURL is empty.
	DataDir     string
	DatabaseURL string
	KeyIDs      []string
	Version     string
}

// Create writes a consistent backup of src to w, encrypted as enc says, and
// returns its manifest. The server may keep running and writing: SQLite is
// copied with VACUUM INTO, which reads one snapshot inside a read
// transaction; PostgreSQL with pg_dump, which does the same with a
// repeatable-read snapshot.
func Create(ctx context.Context, w io.Writer, src Source, enc Encryption) (Manifest, error) {
	m := Manifest{Format: 1, CreatedAt: time.Now().UTC(), KeyIDs: src.KeyIDs, Version: src.Version}
	ew, err := encryptWriter(w, enc)
	if err != nil {
		return m, err
	}
	// Fastest compression: most of a database is sealed values, which do
	// not compress; the default level spent a third of a backup's time
	// (measured, BenchmarkBackupSQLite) for a few per cent of size.
	gz, _ := gzip.NewWriterLevel(ew, gzip.BestSpeed)
	tw := tar.NewWriter(gz)
	if src.DatabaseURL != "" {
		m.Dialect = "postgres"
		err = backupPostgres(ctx, tw, src.DatabaseURL, &m)
	} else {
		m.Dialect = "sqlite"
		err = backupSQLite(ctx, tw, src.DataDir, &m)
	}
	if err != nil {
		return m, err
	}
	if err := tw.Close(); err != nil {
		return m, fmt.Errorf("backup: finish archive: %w", err)
	}
	if err := gz.Close(); err != nil {
		return m, fmt.Errorf("backup: finish archive: %w", err)
	}
	if err := ew.Close(); err != nil {
		return m, fmt.Errorf("backup: write: %w", err)
	}
	return m, nil
}

func writeManifest(tw *tar.Writer, m *Manifest) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	if err := tw.WriteHeader(&tar.Header{Name: manifestName, Mode: 0o600, Size: int64(len(b)), ModTime: m.CreatedAt}); err != nil {
		return fmt.Errorf("backup: write manifest: %w", err)
	}
	_, err = tw.Write(b)
	return err
}

// addFile copies the file at path into the archive as name.
func addFile(tw *tar.Writer, name, path string, mod time.Time) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: fi.Size(), ModTime: mod}); err != nil {
		return fmt.Errorf("backup: write %s: %w", name, err)
	}
	if _, err := io.Copy(tw, f); err != nil {
		return fmt.Errorf("backup: write %s: %w", name, err)
	}
	return nil
}

func backupSQLite(ctx context.Context, tw *tar.Writer, dataDir string, m *Manifest) error {
	path := filepath.Join(dataDir, dbFileName)
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("backup: no database at %s (is --data right?): %w", path, err)
	}
	// A separate connection of our own: the server keeps its one writer.
	// busy_timeout lets VACUUM INTO wait for a checkpoint in progress.
	conn, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return fmt.Errorf("backup: open %s: %w", path, err)
	}
	defer conn.Close()
	// The snapshot goes next to the database (same disk, same privacy)
	// rather than to /tmp, which may be small or shared.
	var rb [6]byte
	rand.Read(rb[:])
	tmp := filepath.Join(dataDir, ".backup-"+hex.EncodeToString(rb[:])+".db")
	defer os.Remove(tmp)
	if _, err := conn.ExecContext(ctx, "VACUUM INTO ?", tmp); err != nil {
		return fmt.Errorf("backup: snapshot with VACUUM INTO: %w", err)
	}
	if err := os.Chmod(tmp, 0o600); err != nil {
		return err
	}
	// The schema version of the snapshot itself, not of the live file.
	snap, err := sql.Open("sqlite", "file:"+tmp+"?mode=ro")
	if err != nil {
		return err
	}
	err = snap.QueryRowContext(ctx, `SELECT COALESCE(MAX(version_id), 0) FROM goose_db_version WHERE is_applied`).Scan(&m.Schema)
	snap.Close()
	if err != nil {
		return fmt.Errorf("backup: read schema version (is this a Unionhall database?): %w", err)
	}
	if err := writeManifest(tw, m); err != nil {
		return err
	}
	return addFile(tw, sqliteName, tmp, m.CreatedAt)
}

// PgDumpArgs is the pg_dump command line the backup runs (and the docs
// show): custom format (compressed, restorable table by table), no owners
// or privileges so it restores into a database owned by another role.
var PgDumpArgs = []string{"--format=custom", "--no-owner", "--no-privileges"}

// pgEnv turns a postgres:// URL into libpq environment variables, so the
// password never appears on a command line (other users can read those in
// /proc).
func pgEnv(rawURL string) ([]string, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return nil, errors.New("backup: the database URL must be postgres://… or postgresql://…")
	}
	env := os.Environ()
	set := func(k, v string) {
		if v != "" {
			env = append(env, k+"="+v)
		}
	}
	set("PGHOST", u.Hostname())
	set("PGPORT", u.Port())
	if u.User != nil {
		set("PGUSER", u.User.Username())
		if p, ok := u.User.Password(); ok {
			set("PGPASSWORD", p)
		}
	}
	set("PGDATABASE", strings.TrimPrefix(u.Path, "/"))
	q := u.Query()
	for k, e := range map[string]string{"sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT", "sslcert": "PGSSLCERT", "sslkey": "PGSSLKEY", "host": "PGHOST"} {
		set(e, q.Get(k))
	}
	return env, nil
}

// pgConnect returns the client tools' environment for dbURL and a pool
// for the command's own checks.
func pgConnect(dbURL string) ([]string, *sql.DB, error) {
	env, err := pgEnv(dbURL)
	if err != nil {
		return nil, nil, err
	}
	pool, err := sql.Open("pgx", dbURL)
	if err != nil {
		return nil, nil, errors.New("backup: open database")
	}
	return env, pool, nil
}

var pgVersion = regexp.MustCompile(`\(PostgreSQL\) (\d+)`)

// findPgTool finds pg_dump or pg_restore and checks its major version is
// at least the server's: an older pg_dump refuses a newer server, and
// saying so up front beats a cryptic failure half-way.
func findPgTool(ctx context.Context, name string, db *sql.DB) (string, error) {
	bin, err := exec.LookPath(name)
	if err != nil {
		return "", fmt.Errorf("backup: %s not found: install the PostgreSQL client (Debian: apt-get install postgresql-client) or run it yourself: see docs/backup.md", name)
	}
	out, err := exec.CommandContext(ctx, bin, "--version").Output()
	if err != nil {
		return "", fmt.Errorf("backup: %s --version: %w", name, err)
	}
	mm := pgVersion.FindSubmatch(out)
	var serverNum int
	if err := db.QueryRowContext(ctx, `SELECT current_setting('server_version_num')::int`).Scan(&serverNum); err != nil {
		return "", fmt.Errorf("backup: ask the server its version: %w", err)
	}
	if mm != nil {
		tool, _ := strconv.Atoi(string(mm[1]))
		if tool < serverNum/10000 {
			return "", fmt.Errorf("backup: %s is version %d but the server is %d: install a %s of version %d or newer", name, tool, serverNum/10000, name, serverNum/10000)
		}
	}
	return bin, nil
}

func backupPostgres(ctx context.Context, tw *tar.Writer, dbURL string, m *Manifest) error {
	env, pool, err := pgConnect(dbURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := pool.QueryRowContext(ctx, `SELECT COALESCE(MAX(version_id), 0) FROM goose_db_version WHERE is_applied`).Scan(&m.Schema); err != nil {
		return fmt.Errorf("backup: read schema version (is this a Unionhall database?): %w", err)
	}
	bin, err := findPgTool(ctx, "pg_dump", pool)
	if err != nil {
		return err
	}
	// pg_dump writes to a private temporary file first: a tar entry needs
	// its size before its bytes.
	tmp, err := os.CreateTemp("", "unionhall-pgdump-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	if err := runPg(ctx, bin, env, append(append([]string{}, PgDumpArgs...), "--file="+tmp.Name())...); err != nil {
		return err
	}
	if err := writeManifest(tw, m); err != nil {
		return err
	}
	return addFile(tw, pgDumpName, tmp.Name(), m.CreatedAt)
}

// Target says where to restore.
type Target struct {
	// DataDir must be missing or empty. The SQLite database is written
	// there; with DatabaseURL it only receives the key file (if given).
	DataDir string
	// DatabaseURL, for a PostgreSQL backup, names an empty database.
	DatabaseURL string
	// KeyFile, when set, is a sealing key file copied into DataDir after
	// its key ids are checked against the manifest's.
	KeyFile string
}

// ErrNotEmpty is returned when the restore target already holds data.
var ErrNotEmpty = errors.New("backup: the target is not empty")

// Restore unpacks the backup from r into t and returns its manifest. It
// refuses a non-empty data folder or database: restoring over live data
// would mix two histories, and a mistyped path must not destroy anything.
func Restore(ctx context.Context, r io.Reader, t Target, dec Decryption, keyIDs func(path string) ([]string, error)) (Manifest, error) {
	var m Manifest
	if err := checkEmptyDir(t.DataDir); err != nil {
		return m, err
	}
	plain, _, err := decryptReader(r, dec)
	if err != nil {
		return m, err
	}
	gz, err := gzip.NewReader(plain)
	if err != nil {
		return m, fmt.Errorf("backup: %w", corrupt(err))
	}
	tr := tar.NewReader(gz)
	h, err := tr.Next()
	if err != nil || h.Name != manifestName || h.Size > 1<<20 {
		return m, fmt.Errorf("backup: the archive does not start with its manifest: %w", corrupt(err))
	}
	if err := json.NewDecoder(io.LimitReader(tr, h.Size)).Decode(&m); err != nil || m.Format != 1 {
		return m, fmt.Errorf("backup: unreadable manifest (format %d)", m.Format)
	}
	if t.KeyFile != "" && len(m.KeyIDs) > 0 {
		ids, err := keyIDs(t.KeyFile)
		if err != nil {
			return m, err
		}
		if !covers(ids, m.KeyIDs) {
			return m, fmt.Errorf("backup: the key file holds keys %v but the backup was sealed with %v: find the key file from when the backup was made", ids, m.KeyIDs)
		}
	}
	if m.Dialect == "postgres" && t.DatabaseURL == "" {
		return m, errors.New("backup: this is a PostgreSQL backup: give --database-url of an empty database")
	}
	if m.Dialect == "sqlite" && t.DatabaseURL != "" {
		return m, errors.New("backup: this is a SQLite backup: restore it into a data folder, without --database-url")
	}
	if err := os.MkdirAll(t.DataDir, 0o700); err != nil {
		return m, fmt.Errorf("backup: create %s: %w", t.DataDir, err)
	}
	h, err = tr.Next()
	if err != nil {
		return m, fmt.Errorf("backup: the archive holds no database: %w", corrupt(err))
	}
	switch {
	case m.Dialect == "sqlite" && h.Name == sqliteName:
		err = restoreSQLite(ctx, tr, t.DataDir)
	case m.Dialect == "postgres" && h.Name == pgDumpName:
		err = restorePostgres(ctx, tr, t.DatabaseURL)
	default:
		err = fmt.Errorf("backup: unexpected entry %q in a %s backup", h.Name, m.Dialect)
	}
	if err != nil {
		return m, err
	}
	if t.KeyFile != "" {
		if err := copyKey(t.KeyFile, filepath.Join(t.DataDir, "seal.key")); err != nil {
			return m, err
		}
	}
	return m, syncDir(t.DataDir)
}

func corrupt(err error) error {
	if err == nil {
		err = errors.New("unexpected content")
	}
	if errors.Is(err, ErrDecrypt) {
		return err
	}
	return fmt.Errorf("damaged backup: %w", err)
}

func covers(have, need []string) bool {
	set := map[string]bool{}
	for _, h := range have {
		set[h] = true
	}
	for _, n := range need {
		if !set[n] {
			return false
		}
	}
	return true
}

func checkEmptyDir(dir string) error {
	if dir == "" {
		return errors.New("backup: no data folder to restore into (--data)")
	}
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("backup: read %s: %w", dir, err)
	}
	if len(entries) > 0 {
		return fmt.Errorf("%w: %s holds %d entries (first %q); restore into a new, empty folder", ErrNotEmpty, dir, len(entries), entries[0].Name())
	}
	return nil
}

func restoreSQLite(ctx context.Context, r io.Reader, dir string) error {
	final := filepath.Join(dir, dbFileName)
	tmp := final + ".restoring"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	_, err = io.Copy(f, r)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("backup: write database: %w", corrupt(err))
	}
	if err := forgetServers(ctx, "sqlite", "file:"+tmp); err != nil {
		os.Remove(tmp)
		return err
	}
	// Check before it is put in place: a damaged copy never looks restored.
	if err := integrityCheck(ctx, tmp); err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, final)
}

// integrityCheck runs PRAGMA integrity_check on a SQLite file.
func integrityCheck(ctx context.Context, path string) error {
	conn, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		return err
	}
	defer conn.Close()
	var res string
	if err := conn.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&res); err != nil || res != "ok" {
		return fmt.Errorf("backup: the restored database fails its integrity check: %v %s", err, res)
	}
	return nil
}

func restorePostgres(ctx context.Context, r io.Reader, dbURL string) error {
	env, pool, err := pgConnect(dbURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	var tables int
	if err := pool.QueryRowContext(ctx, `SELECT count(*) FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema')`).Scan(&tables); err != nil {
		return fmt.Errorf("backup: connect to the target database: %w", err)
	}
	if tables > 0 {
		return fmt.Errorf("%w: the database already has %d tables; create an empty one (createdb) and restore into it", ErrNotEmpty, tables)
	}
	bin, err := findPgTool(ctx, "pg_restore", pool)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp("", "unionhall-pgrestore-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	if _, err := io.Copy(tmp, r); err != nil {
		return fmt.Errorf("backup: unpack dump: %w", corrupt(err))
	}
	// --exit-on-error and one transaction: all of it or nothing.
	if err := runPg(ctx, bin, env, "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction", "--dbname="+strings.TrimPrefix(mustDBName(dbURL), "/"), tmp.Name()); err != nil {
		return err
	}
	return forgetServers(ctx, "pgx", dbURL)
}

// forgetServers empties seal_keyrings in a restored database: the rows name
// the processes that were running when the backup was made, and a key
// rotation on the restored system would otherwise wait for them. A backup
// from before the table existed has nothing to forget.
func forgetServers(ctx context.Context, driver, dsn string) error {
	conn, err := sql.Open(driver, dsn)
	if err != nil {
		return fmt.Errorf("backup: open the restored database: %w", err)
	}
	defer conn.Close()
	var n int
	if conn.QueryRowContext(ctx, `SELECT count(*) FROM seal_keyrings`).Scan(&n) != nil {
		return nil
	}
	if _, err := conn.ExecContext(ctx, `DELETE FROM seal_keyrings`); err != nil {
		return fmt.Errorf("backup: clear seal_keyrings in the restored database: %w", err)
	}
	return nil
}

// runPg runs a PostgreSQL client tool with the connection in env and
// returns its complaint, if any, as the error.
func runPg(ctx context.Context, bin string, env []string, args ...string) error {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = env
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("backup: %s: %v: %s", filepath.Base(bin), err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

func mustDBName(dbURL string) string {
	u, _ := url.Parse(dbURL)
	return u.Path
}

func copyKey(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return fmt.Errorf("backup: read key file: %w", err)
	}
	f, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("backup: write key file: %w", err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
