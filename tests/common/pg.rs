//! A throwaway PostgreSQL cluster for one test (issue 17): a copy of a cluster `initdb` made
//! once (see `copy_template`) in a temporary directory, `pg_ctl start` listening on a Unix socket in that directory only (no TCP),
//! stopped (`pg_ctl stop -m immediate`) and removed on drop. Nothing mocked.
//!
//! * The binaries: `pg_config --bindir` if it holds `initdb`, else the newest
//!   `/usr/lib/postgresql/<version>/bin` (Debian's `postgresql` package; `.ci/run` installs
//!   it).
//! * `initdb` refuses to run as root. As root (CI), the cluster is made and run by the
//!   `postgres` OS account that Debian's package creates, through `runuser -u postgres`, in a
//!   directory handed to that account; otherwise as the user running the tests.
//! * Authentication is `trust` on that private socket: the tests connect as any role they
//!   set up (the operators' roles), as peer authentication would map each OS account to its
//!   role on a real host.
//! * PostgreSQL missing: under `CI=true` the test fails with the reason (CI cannot skip it);
//!   elsewhere [`Cluster::start`] prints a notice and returns `None` (the test passes empty).
#![allow(dead_code, clippy::unwrap_used, clippy::disallowed_macros)]

use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Cluster {
    _dir: tempfile::TempDir,
    data: PathBuf,
    socket: PathBuf,
    bin: PathBuf,
    /// `Some("postgres")` when running as root.
    run_as: Option<String>,
    /// The port: the socket's name (`.s.PGSQL.<port>`), and the TCP port of a TLS cluster.
    port: u16,
}

/// The files of a TLS cluster's test certificate authority (made with `openssl`).
pub struct TlsFiles {
    /// The authority that signed the server's and the client's certificates (PEM).
    pub ca: PathBuf,
    /// A client certificate for the role `nguyenvanan` (CN), and its key.
    pub client_cert: PathBuf,
    pub client_key: PathBuf,
    /// Another authority, which signed nothing of this server's.
    pub other_ca: PathBuf,
}

/// The directory holding `initdb` and `pg_ctl`, if PostgreSQL is installed.
/// `HOTRO_PG_BINDIR`, when set, is the only place looked at (PostgreSQL installed elsewhere;
/// a folder without them makes PostgreSQL count as missing).
fn bindir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("HOTRO_PG_BINDIR") {
        let dir = PathBuf::from(dir);
        return (dir.join("initdb").is_file() && dir.join("pg_ctl").is_file()).then_some(dir);
    }
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output()
        && out.status.success()
    {
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if dir.join("initdb").is_file() && dir.join("pg_ctl").is_file() {
            return Some(dir);
        }
    }
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .filter_map(|e| {
            let version: u32 = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            (bin.join("initdb").is_file() && bin.join("pg_ctl").is_file()).then_some((version, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, bin)| bin)
}

fn is_root() -> bool {
    rustix::process::geteuid().is_root()
}

/// Where a test cluster listens besides its Unix socket.
enum Listen {
    /// The socket only.
    Socket,
    /// 127.0.0.1 on this port, TLS with client certificates.
    Tls(u16),
    /// These addresses on this port, trust authentication from them.
    Tcp(u16, Vec<String>),
}

impl Cluster {
    /// Start a cluster, or `None` (with a notice) when PostgreSQL is not installed outside CI.
    /// Panics under `CI=true` when it is not installed, and whenever it fails to start.
    pub fn start() -> Option<Cluster> {
        Cluster::start_with(Listen::Socket)
    }

    /// Like [`Cluster::start`], and also listening on TCP at each of `addresses` (loopback
    /// addresses such as 127.0.0.1 and 127.0.0.2: two "hosts" on one machine) on one free
    /// port, `trust` authentication from those addresses only. Returns the cluster and its
    /// port.
    pub fn start_tcp(addresses: &[&str]) -> Option<(Cluster, u16)> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let listen = Listen::Tcp(port, addresses.iter().map(|a| a.to_string()).collect());
        Some((Cluster::start_with(listen)?, port))
    }

    /// Whether PostgreSQL is installed, without starting a cluster; when it is not, what
    /// [`Cluster::start`] does: fail under `CI=true`, else print the notice.
    pub fn available() -> bool {
        bindir().is_some() || Cluster::start().is_some()
    }

    /// Like [`Cluster::start`], and also listening on 127.0.0.1 (a free port) with TLS only
    /// (`ssl = on`; `hostssl … cert`: a client certificate signed by the test authority
    /// whose common name is the role; any other TCP connection rejected). Returns the cluster,
    /// its port and the certificate files.
    pub fn start_tls() -> Option<(Cluster, u16, TlsFiles)> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let cluster = Cluster::start_with(Listen::Tls(port))?;
        let files = TlsFiles {
            ca: cluster._dir.path().join("ca.crt"),
            client_cert: cluster._dir.path().join("client.crt"),
            client_key: cluster._dir.path().join("client.key"),
            other_ca: cluster._dir.path().join("other-ca.crt"),
        };
        Some((cluster, port, files))
    }

    fn start_with(listen: Listen) -> Option<Cluster> {
        let Some(bin) = bindir() else {
            let why = "PostgreSQL is not installed (no initdb and pg_ctl under $HOTRO_PG_BINDIR, \
                       `pg_config --bindir` or /usr/lib/postgresql/*/bin): \
                       `apt-get install postgresql` (.ci/run does)";
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("CI=true: the PostgreSQL tests cannot be skipped: {why}");
            }
            eprintln!("SKIPPED: {why}");
            return None;
        };
        let run_as = is_root().then(|| "postgres".to_string());
        // Under /tmp, not $TMPDIR: the postgres account must reach it (a TMPDIR inside root's
        // home would not do), and a socket's path must stay under 108 bytes.
        let dir = tempfile::Builder::new()
            .prefix("hotro-pg-")
            .tempdir_in("/tmp")
            .unwrap();
        let data = dir.path().join("data");
        let socket = dir.path().join("sock");
        std::fs::create_dir(&socket).unwrap();
        if let Some(user) = &run_as {
            let account = nix::unistd::User::from_name(user)
                .unwrap()
                .unwrap_or_else(|| panic!("running as root needs the `{user}` OS account (Debian's postgresql package creates it)"));
            for p in [dir.path(), socket.as_path()] {
                std::os::unix::fs::chown(p, Some(account.uid.as_raw()), Some(account.gid.as_raw()))
                    .unwrap();
            }
        }
        let cluster = Cluster {
            _dir: dir,
            data,
            socket,
            bin,
            run_as,
            port: match &listen {
                Listen::Socket => 5432,
                Listen::Tls(port) | Listen::Tcp(port, _) => *port,
            },
        };
        cluster.copy_template();
        let listen = match listen {
            Listen::Tls(port) => {
                cluster.set_up_tls();
                format!("-c listen_addresses='127.0.0.1' -c port={port}")
            }
            Listen::Tcp(port, addresses) => {
                let mut hba = "local all all trust\n".to_string();
                for a in &addresses {
                    hba.push_str(&format!("host all all {a}/32 trust\n"));
                }
                std::fs::write(cluster.data.join("pg_hba.conf"), hba).unwrap();
                format!(
                    "-c listen_addresses='{}' -c port={port}",
                    addresses.join(",")
                )
            }
            Listen::Socket => "-c listen_addresses=''".to_string(),
        };
        let options = format!(
            "{listen} -c unix_socket_directories='{}' -c fsync=off \
             -c synchronous_commit=off -c full_page_writes=off -c max_connections=60",
            cluster.socket.display()
        );
        let log = cluster.data.join("server.log");
        cluster.run(
            "pg_ctl",
            &[
                "-D",
                cluster.data.to_str().unwrap(),
                "-o",
                &options,
                "-l",
                log.to_str().unwrap(),
                "-w",
                "-t",
                "60",
                "start",
            ],
        );
        Some(cluster)
    }

    /// Fill the data directory from a cluster `initdb` made once for this machine, user and
    /// PostgreSQL (`/tmp/hotro-pg-template-<uid>-<version>`, kept between runs): `cp -a`
    /// takes a tenth of `initdb`'s time, and every test still gets a cluster of its own (roles
    /// are per cluster). The template is made under a temporary name and renamed into place,
    /// so concurrent test binaries never see half of one; a template missing the marker
    /// written last is made again.
    fn copy_template(&self) {
        static TEMPLATE: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
        let template = TEMPLATE.get_or_init(|| {
            let version = self
                .bin
                .parent()
                .and_then(|p| p.file_name())
                .map(|v| v.to_string_lossy().into_owned())
                .unwrap_or_default();
            let uid = rustix::process::geteuid().as_raw();
            let at = PathBuf::from(format!("/tmp/hotro-pg-template-{uid}-{version}"));
            let marker = "hotro-template-complete";
            if at.join(marker).is_file() {
                return at;
            }
            let making = PathBuf::from(format!("{}.{}", at.display(), std::process::id()));
            let _ = std::fs::remove_dir_all(&making);
            std::fs::create_dir(&making).unwrap();
            if let Some(user) = &self.run_as {
                let account = nix::unistd::User::from_name(user).unwrap().unwrap();
                std::os::unix::fs::chown(
                    &making,
                    Some(account.uid.as_raw()),
                    Some(account.gid.as_raw()),
                )
                .unwrap();
            }
            let data = making.join("data");
            self.run(
                "initdb",
                &[
                    "-D",
                    data.to_str().unwrap(),
                    "--auth=trust",
                    "--encoding=UTF8",
                    "--locale=C",
                    "--no-sync",
                    "-U",
                    "postgres",
                ],
            );
            std::fs::write(making.join(marker), b"").unwrap();
            if at.exists() && !at.join(marker).is_file() {
                // Left half-made by a run that was killed.
                let _ = std::fs::remove_dir_all(&at);
            }
            if std::fs::rename(&making, &at).is_err() {
                // Another test binary made it first.
                let _ = std::fs::remove_dir_all(&making);
            }
            at
        });
        let out = Command::new("cp")
            .arg("-a")
            .arg(template.join("data"))
            .arg(&self.data)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "cp -a {} {}: {}",
            template.display(),
            self.data.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// The test authority, the server's certificate (localhost, 127.0.0.1) and a client
    /// certificate for `nguyenvanan`, made with `openssl`; the server set to TLS with
    /// certificate authentication on 127.0.0.1.
    fn set_up_tls(&self) {
        let dir = self._dir.path();
        let openssl = |args: &[&str]| {
            let out = Command::new("openssl")
                .args(args)
                .current_dir(dir)
                .output()
                .expect("openssl (apt-get install openssl, as .ci/run does)");
            assert!(
                out.status.success(),
                "openssl {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        };
        for (name, cn) in [("ca", "hotro test CA"), ("other-ca", "another CA")] {
            openssl(&[
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "2",
                "-subj",
                &format!("/CN={cn}"),
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign",
                "-keyout",
                &format!("{name}.key"),
                "-out",
                &format!("{name}.crt"),
            ]);
        }
        std::fs::write(
            dir.join("server.ext"),
            "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n",
        )
        .unwrap();
        std::fs::write(dir.join("client.ext"), "extendedKeyUsage=clientAuth\n").unwrap();
        for (name, cn) in [("server", "localhost"), ("client", "nguyenvanan")] {
            openssl(&[
                "req",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-subj",
                &format!("/CN={cn}"),
                "-keyout",
                &format!("{name}.key"),
                "-out",
                &format!("{name}.csr"),
            ]);
            openssl(&[
                "x509",
                "-req",
                "-days",
                "2",
                "-in",
                &format!("{name}.csr"),
                "-CA",
                "ca.crt",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-extfile",
                &format!("{name}.ext"),
                "-out",
                &format!("{name}.crt"),
            ]);
        }
        for f in ["server.crt", "server.key", "ca.crt"] {
            let to = self.data.join(f);
            std::fs::copy(dir.join(f), &to).unwrap();
            std::fs::set_permissions(&to, std::os::unix::fs::PermissionsExt::from_mode(0o600))
                .unwrap();
            if let Some(user) = &self.run_as {
                let account = nix::unistd::User::from_name(user).unwrap().unwrap();
                std::os::unix::fs::chown(
                    &to,
                    Some(account.uid.as_raw()),
                    Some(account.gid.as_raw()),
                )
                .unwrap();
            }
        }
        let mut conf = std::fs::OpenOptions::new()
            .append(true)
            .open(self.data.join("postgresql.conf"))
            .unwrap();
        std::io::Write::write_all(
            &mut conf,
            b"\nssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\nssl_ca_file = 'ca.crt'\n",
        )
        .unwrap();
        std::fs::write(
            self.data.join("pg_hba.conf"),
            "local all all trust\nhostssl all all 127.0.0.1/32 cert\nhost all all 127.0.0.1/32 reject\n",
        )
        .unwrap();
    }

    /// Run one PostgreSQL program as the cluster's OS account; panics with its output on
    /// failure.
    fn run(&self, program: &str, args: &[&str]) {
        let exe = self.bin.join(program);
        let mut c = match &self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(&exe);
                c
            }
            None => Command::new(&exe),
        };
        let out = c
            .args(args)
            .current_dir("/")
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("{program}: {e}"));
        if !out.status.success() {
            let log = std::fs::read_to_string(self.data.join("server.log")).unwrap_or_default();
            panic!(
                "{program} {args:?} failed: {}\n{}\n{log}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }

    /// Run the SQL file `file` with psql on database `db` as the superuser, stopping at the
    /// first error; panics with psql's output on failure.
    pub fn psql_file(&self, db: &str, file: &Path) {
        let out = Command::new(self.bin.join("psql"))
            .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d"])
            .arg(self.url(db, "postgres"))
            .arg("-f")
            .arg(file)
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "psql -f {}: {}\n{}",
            file.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// The socket directory.
    pub fn socket(&self) -> &Path {
        &self.socket
    }

    /// A connection URL to database `db` as role `user`, over the socket.
    pub fn url(&self, db: &str, user: &str) -> String {
        format!(
            "postgresql:///{db}?host={}&port={}&user={user}",
            self.socket.display(),
            self.port
        )
    }

    /// A new empty database `name`, owned by the superuser `postgres`; its URL as `postgres`.
    pub fn create_db(&self, name: &str) -> String {
        let mut admin = self.superuser("postgres");
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap();
        self.url(name, "postgres")
    }

    /// A connection to `db` as the superuser.
    pub fn superuser(&self, db: &str) -> postgres::Client {
        postgres::Client::connect(&self.url(db, "postgres"), postgres::NoTls).unwrap()
    }

    /// A connection to `db` as role `user`.
    pub fn connect_as(&self, db: &str, user: &str) -> Result<postgres::Client, postgres::Error> {
        postgres::Client::connect(&self.url(db, user), postgres::NoTls)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let exe = self.bin.join("pg_ctl");
        let mut c = match &self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(&exe);
                c
            }
            None => Command::new(&exe),
        };
        let _ = c
            .args([
                "-D",
                self.data.to_str().unwrap_or("."),
                "-m",
                "immediate",
                "-w",
                "stop",
            ])
            .current_dir("/")
            .stdin(std::process::Stdio::null())
            .output();
    }
}
