//! The SQLite file behind the backend: connection set-up (WAL), migrations,
//! and a small key/value `meta` table. Each backend module owns its own SQL.

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use rusqlite::{Connection, OptionalExtension, params};

use super::vault::{self, Vault, VaultError};

/// Schema migrations, applied in order; `PRAGMA user_version` records how many ran.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE device_codes (
    device_code_hash TEXT PRIMARY KEY,
    user_code TEXT NOT NULL,
    client_id TEXT NOT NULL,
    scope TEXT,
    person_id TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    interval_s INTEGER NOT NULL,
    last_poll_at INTEGER,
    status TEXT NOT NULL,
    link_id INTEGER
);
CREATE INDEX device_codes_user_code ON device_codes(user_code);
CREATE TABLE link_states (
    state TEXT PRIMARY KEY,
    device_code_hash TEXT,
    person_id TEXT NOT NULL DEFAULT '',
    code_verifier TEXT,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE links (
    id INTEGER PRIMARY KEY,
    skill_id TEXT NOT NULL,
    person_id TEXT NOT NULL DEFAULT '',
    access_token TEXT NOT NULL,
    refresh_token TEXT,
    expires_at INTEGER,
    scope TEXT,
    status TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (skill_id, person_id)
);
CREATE TABLE cards (
    id INTEGER PRIMARY KEY,
    skill_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    speech TEXT,
    created_at INTEGER NOT NULL
);
CREATE TABLE rh_users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until INTEGER
);
CREATE TABLE rh_txns (
    id TEXT PRIMARY KEY,
    csrf TEXT NOT NULL,
    client_id TEXT NOT NULL,
    redirect_uri TEXT NOT NULL,
    state TEXT,
    scope TEXT NOT NULL,
    code_challenge TEXT,
    user_id INTEGER,
    terms_accepted INTEGER NOT NULL DEFAULT 0,
    expires_at INTEGER NOT NULL
);
CREATE TABLE rh_codes (
    code_hash TEXT PRIMARY KEY,
    client_id TEXT NOT NULL,
    redirect_uri TEXT NOT NULL,
    user_id INTEGER NOT NULL,
    scope TEXT NOT NULL,
    code_challenge TEXT,
    expires_at INTEGER NOT NULL,
    used INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE rh_tokens (
    token_hash TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    user_id INTEGER NOT NULL,
    client_id TEXT NOT NULL,
    scope TEXT NOT NULL,
    expires_at INTEGER,
    revoked INTEGER NOT NULL DEFAULT 0
);
"#,
    // Why linking failed for a device code (status 'failed'), shown to the device.
    "ALTER TABLE device_codes ADD COLUMN failure TEXT;",
    // Voice-forward linking's one-time codes (the "text message" the phone page shows) and
    // the Login with Amazon emulation's tokens.
    r#"
CREATE TABLE voice_codes (
    id INTEGER PRIMARY KEY,
    skill_id TEXT NOT NULL,
    person_id TEXT NOT NULL,
    link_person_id TEXT NOT NULL,
    name TEXT NOT NULL,
    code TEXT NOT NULL,
    scope TEXT NOT NULL,
    tries INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    status TEXT NOT NULL
);
CREATE TABLE lwa_tokens (
    token_hash TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    person_id TEXT NOT NULL,
    name TEXT NOT NULL,
    client_id TEXT NOT NULL,
    scope TEXT NOT NULL,
    redirect_uri TEXT,
    expires_at INTEGER NOT NULL,
    used INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE lwa_requests (
    id TEXT PRIMARY KEY,
    client_id TEXT NOT NULL,
    redirect_uri TEXT NOT NULL,
    scope TEXT NOT NULL,
    state TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    used INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE rh_app_states (
    state TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE rh_app_links (
    user_id INTEGER PRIMARY KEY,
    amazon_token TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
"#,
    // Whether the device asked for a code with its key (the household's code, whose page makes
    // a browser the household's phone) or a public RFC 8628 client did (it links only itself).
    "ALTER TABLE device_codes ADD COLUMN household INTEGER NOT NULL DEFAULT 0;",
];

/// Sets `path`'s mode (Unix).
#[cfg(unix)]
fn private(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn private(_: &Path, _: u32) -> std::io::Result<()> {
    Ok(())
}

/// Creates an empty file only its user may read and write.
fn create_private(path: &Path) -> std::io::Result<()> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o.open(path).map(drop)
}

/// Says so on start when an existing database file is readable by others.
fn warn_if_shared(path: &Path, m: &std::fs::Metadata) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = m.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            tracing::warn!(
                "database {} is readable by others (mode {mode:o}) and holds your servers' tokens: chmod 600 {}",
                path.display(),
                path.display()
            );
        }
    }
    #[cfg(not(unix))]
    let _ = (path, m);
}

/// Tables whose rows only matter until they expire (`links` is not one of them).
const PURGED: &[&str] = &[
    "device_codes",
    "link_states",
    "rh_txns",
    "rh_codes",
    "rh_tokens",
    "voice_codes",
    "lwa_tokens",
    "lwa_requests",
    "rh_app_states",
];

/// How long an expired row is kept (so a late poll still hears `expired_token`, a replayed code
/// is still recognised as one).
pub const PURGE_GRACE_MS: i64 = 60 * 60 * 1000;

/// Errors from the database layer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database {path}: {source}")]
    Open {
        path: String,
        source: rusqlite::Error,
    },
    #[error("database: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("database: {0}")]
    Vault(#[from] VaultError),
    #[error("database directory {path}: {source}")]
    Dir {
        path: String,
        source: std::io::Error,
    },
    /// The file is there but is no linkscreen database (empty, corrupt, another program's,
    /// unreadable): nothing is touched.
    #[error(
        "database {path}: {why}; linkscreen did not change it. Move it away, or pass another --db (or `run --fresh`)"
    )]
    Unusable { path: String, why: String },
}

/// One SQLite connection shared by the backend. Statements are short and
/// cached, so a mutex serves thousands of requests a second on two cores.
pub struct Store {
    conn: Mutex<Connection>,
    vault: Vault,
}

/// `meta` values that are secrets to replay: sealed at rest.
const SECRET_META: &[&str] = &[
    "sample_client_secret",
    "device_key",
    "lwa_app_client_secret",
];

/// Columns holding tokens or codes that must be replayed or shown: sealed at rest, each under
/// its own name (`table.column`). The key column says which row.
const SEALED_COLUMNS: &[(&str, &str, &str)] = &[
    ("links", "id", "access_token"),
    ("links", "id", "refresh_token"),
    ("rh_app_links", "user_id", "amazon_token"),
    ("voice_codes", "id", "code"),
];

impl Store {
    /// Opens (creating if needed) the database file and runs pending migrations.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
            && !dir.exists()
        {
            // Links hold other servers' tokens: a folder linkscreen makes is its user's alone.
            std::fs::create_dir_all(dir)
                .and_then(|()| private(dir, 0o700))
                .map_err(|source| StoreError::Dir {
                    path: dir.display().to_string(),
                    source,
                })?;
        }
        let fresh = !path.exists();
        match std::fs::metadata(path) {
            Err(_) => {
                // A new database file: its user's alone from the first byte (SQLite gives its
                // -wal and -shm files the same mode).
                create_private(path).map_err(|e| StoreError::Unusable {
                    path: path.display().to_string(),
                    why: format!("cannot be created ({e})"),
                })?;
            }
            Ok(m) => warn_if_shared(path, &m),
        }
        let unusable = |why: String| StoreError::Unusable {
            path: path.display().to_string(),
            why,
        };
        match std::fs::metadata(path) {
            // SQLite would take an empty file as a new database; one it did not create is a
            // mistake (a wrong path, a truncated copy), so it is refused.
            Ok(m) if m.is_file() && m.len() == 0 && !fresh => {
                return Err(unusable(
                    "is an empty file (0 bytes), not a linkscreen database".into(),
                ));
            }
            Ok(m) if !m.is_file() => return Err(unusable("is not a file".into())),
            _ => {}
        }
        let conn = Connection::open(path).map_err(|source| StoreError::Open {
            path: path.display().to_string(),
            source,
        })?;
        Self::set_up(&conn).map_err(|e| unusable(format!("cannot be used ({e})")))?;
        // The key may be made only while nothing is sealed yet (a new database, or one from
        // before sealing): otherwise a lost key file would silently orphan every token.
        let sealed_any =
            Self::holds_sealed(&conn).map_err(|e| unusable(format!("cannot be used ({e})")))?;
        let key_file = vault::key_path(path);
        let vault = Vault::load(&key_file, !sealed_any).map_err(|e| unusable(e.to_string()))?;
        // Another database's key file loads as well as this one's, and would go on to "revoke"
        // nothing and seal new secrets no one can open with the old: checked on a sealed value.
        if !Self::key_fits(&conn, &vault).map_err(|e| unusable(format!("cannot be used ({e})")))? {
            return Err(unusable(format!(
                "was sealed with another key: {} cannot open its secrets (restore the key file made with this \
                 database, or delete both files to start over)",
                key_file.display()
            )));
        }
        let sealed_now = Self::seal_plaintext(&conn, &vault)
            .map_err(|e| unusable(format!("cannot be upgraded ({e})")))?;
        if sealed_now > 0 {
            tracing::info!(
                "database {}: sealed {sealed_now} plaintext secret(s) with its key file",
                path.display()
            );
        }
        Ok(Store {
            conn: Mutex::new(conn),
            vault,
        })
    }

    /// A database in memory with a throwaway key: for handler tests where a file adds nothing.
    pub fn in_memory() -> Result<Store, StoreError> {
        let conn = Connection::open_in_memory()?;
        Self::set_up(&conn)?;
        Ok(Store {
            conn: Mutex::new(conn),
            vault: Vault::ephemeral(),
        })
    }

    /// Whether the vault opens the database's first sealed secret (true when none is sealed).
    fn key_fits(conn: &Connection, vault: &Vault) -> Result<bool, rusqlite::Error> {
        let first: Option<(String, String)> = conn
            .query_row(
                "SELECT key, value FROM meta WHERE value LIKE 'enc1:%' ORDER BY key LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        Ok(first.is_none_or(|(k, v)| vault.open(&format!("meta.{k}"), &v).is_ok()))
    }

    /// Whether any secret in the database is sealed already.
    fn holds_sealed(conn: &Connection) -> Result<bool, rusqlite::Error> {
        let like = |table: &str, col: &str| {
            format!("SELECT 1 FROM {table} WHERE {col} LIKE 'enc1:%' LIMIT 1")
        };
        let mut q = vec![like("meta", "value")];
        q.extend(SEALED_COLUMNS.iter().map(|(t, _, c)| like(t, c)));
        for sql in q {
            if conn.query_row(&sql, [], |_| Ok(())).optional()?.is_some() {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Upgrades a database from before sealing in place: every plaintext secret is sealed, and
    /// the file is rewritten (VACUUM, WAL truncated) so no plaintext copy stays in free pages.
    fn seal_plaintext(conn: &Connection, vault: &Vault) -> Result<usize, rusqlite::Error> {
        let mut n = 0;
        let tx = conn.unchecked_transaction()?;
        for key in SECRET_META {
            let v: Option<String> = tx
                .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
                .optional()?;
            if let Some(v) = v.filter(|v| !Vault::is_sealed(v)) {
                let sealed = vault.seal(&format!("meta.{key}"), &v);
                n += tx.execute(
                    "UPDATE meta SET value = ?2 WHERE key = ?1",
                    params![key, sealed],
                )?;
            }
        }
        for (table, id, col) in SEALED_COLUMNS {
            let rows: Vec<(i64, String)> = {
                let mut st = tx.prepare(&format!(
                    "SELECT {id}, {col} FROM {table} WHERE {col} IS NOT NULL AND {col} NOT LIKE 'enc1:%'"
                ))?;
                st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect::<Result<_, _>>()?
            };
            for (rowid, plain) in rows {
                let sealed = vault.seal(&format!("{table}.{col}"), &plain);
                n += tx.execute(
                    &format!("UPDATE {table} SET {col} = ?2 WHERE {id} = ?1"),
                    params![rowid, sealed],
                )?;
            }
        }
        tx.commit()?;
        if n > 0 {
            conn.execute_batch("VACUUM;")?;
            conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        }
        Ok(n)
    }

    /// The key file's keys: seal and open secrets, sign phone sessions.
    pub fn vault(&self) -> &Vault {
        &self.vault
    }

    /// Reads a secret `meta` value (sealed at rest), creating it with `init` the first time.
    pub fn secret_or_init(
        &self,
        key: &str,
        init: impl FnOnce() -> String,
    ) -> Result<String, StoreError> {
        debug_assert!(SECRET_META.contains(&key));
        let what = format!("meta.{key}");
        let stored = self.meta_or_init(key, || self.vault.seal(&what, &init()))?;
        Ok(self.vault.open(&what, &stored)?)
    }

    /// WAL, durability, and the migrations still to run.
    fn set_up(conn: &Connection) -> Result<(), rusqlite::Error> {
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // NORMAL in WAL mode is durable across process crashes; only power loss can drop the last commits.
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        let version: usize =
            conn.pragma_query_value(None, "user_version", |r| r.get::<_, i64>(0))? as usize;
        for (i, m) in MIGRATIONS.iter().enumerate().skip(version) {
            let tx = conn.unchecked_transaction()?;
            tx.execute_batch(m)?;
            tx.pragma_update(None, "user_version", (i + 1) as i64)?;
            tx.commit()?;
        }
        Ok(())
    }

    /// Deletes what expired more than [`PURGE_GRACE_MS`] before `now`: device codes, states,
    /// sign-in transactions, codes and tokens of every emulated party, one-time voice codes. A
    /// link itself is never purged (only `linkscreen unlink` removes links). Returns the rows gone.
    pub fn purge_expired(&self, now: i64) -> Result<usize, StoreError> {
        let before = now - PURGE_GRACE_MS;
        let c = self.conn();
        let mut gone = 0;
        for table in PURGED {
            gone += c.execute(
                &format!("DELETE FROM {table} WHERE expires_at IS NOT NULL AND expires_at < ?1"),
                [before],
            )?;
        }
        Ok(gone)
    }

    /// Locks the connection. A poisoned lock is recovered: SQLite keeps its
    /// own consistency, and one panicked handler must not take the backend down.
    pub fn conn(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Reads a `meta` value, creating it with `init` the first time.
    pub fn meta_or_init(
        &self,
        key: &str,
        init: impl FnOnce() -> String,
    ) -> Result<String, StoreError> {
        let c = self.conn();
        if let Some(v) = c
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()?
        {
            return Ok(v);
        }
        let v = init();
        c.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2)",
            params![key, v],
        )?;
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_run_once_and_meta_persists() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sub/x.db");
        let a = Store::open(&p)
            .unwrap()
            .meta_or_init("k", || "v1".into())
            .unwrap();
        let b = Store::open(&p)
            .unwrap()
            .meta_or_init("k", || "v2".into())
            .unwrap();
        assert_eq!((a.as_str(), b.as_str()), ("v1", "v1"));
        let mode: String = Store::open(&p)
            .unwrap()
            .conn()
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
    }
}
