package db

import (
	"context"
	"embed"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFiles embed.FS

// Migrations returns the embedded migration files for a dialect (the
// contents of migrations/sqlite or migrations/postgres).
func Migrations(dialect Dialect) (fs.FS, error) {
	return fs.Sub(migrationFiles, "migrations/"+dialect.String())
}

// Migrate applies every pending migration. Open calls it; so does
// `unionhall migrate`. On PostgreSQL a session advisory lock serialises
// several processes starting at once.
func (d *DB) Migrate(ctx context.Context) error {
	p, err := d.provider()
	if err != nil {
		return err
	}
	results, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("migrate %s database: %w", d.dialect, err)
	}
	for _, r := range results {
		d.log.Info("db: applied migration", "dialect", d.dialect.String(),
			"version", r.Source.Version, "file", r.Source.Path, "took", r.Duration)
	}
	return nil
}

// MigrationVersion reports the applied and the newest embedded migration
// versions, for `unionhall migrate` and health checks.
func (d *DB) MigrationVersion(ctx context.Context) (current, target int64, err error) {
	p, err := d.provider()
	if err != nil {
		return 0, 0, err
	}
	return p.GetVersions(ctx)
}

func (d *DB) provider() (*goose.Provider, error) {
	sub, err := Migrations(d.dialect)
	if err != nil {
		return nil, fmt.Errorf("migrations for %s: %w", d.dialect, err)
	}
	var gd goose.Dialect
	opts := []goose.ProviderOption{goose.WithDisableGlobalRegistry(true)}
	switch d.dialect {
	case SQLite:
		gd = goose.DialectSQLite3
	case Postgres:
		gd = goose.DialectPostgres
		l, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return nil, fmt.Errorf("migration lock: %w", err)
		}
		opts = append(opts, goose.WithSessionLocker(l))
	default:
		return nil, fmt.Errorf("migrate: unknown dialect %v", d.dialect)
	}
	p, err := goose.NewProvider(gd, d.write, sub, opts...)
	if err != nil {
		return nil, fmt.Errorf("migration provider: %w", err)
	}
	return p, nil
}
