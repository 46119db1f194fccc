//! A real nginx of a test's own (Debian's nginx-light, installed by `scripts/ensure-nginx.sh`):
//! its configuration, pid and temporary files live in a directory of the test's, it listens on
//! loopback ports only, and it is stopped (and the directory removed) on drop.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use crate::redis::skip;
use crate::server::eventually_async;

const NGINX: &str = "/usr/sbin/nginx";

/// A running nginx.
pub struct Nginx {
    dir: PathBuf,
    child: Child,
}

impl Nginx {
    /// Whether nginx is installed. When it is not, says so loudly and lets the test return
    /// early; with `CI=true` that is a failure instead.
    pub fn installed() -> bool {
        if Path::new(NGINX).exists() {
            return true;
        }
        let why = "no nginx: run scripts/ensure-nginx.sh (Debian's nginx-light)";
        assert_ne!(
            std::env::var("CI").as_deref(),
            Ok("true"),
            "CI=true but {why}"
        );
        skip(why);
        false
    }

    /// Starts nginx in `dir` (created if missing) with `http_block` inside its `http {}`
    /// context, after the temp paths; resolves once `port` (where the block listens) accepts
    /// connections.
    pub async fn start(dir: PathBuf, http_block: &str, port: u16) -> Nginx {
        std::fs::create_dir_all(&dir).unwrap();
        let d = dir.display();
        let config = format!(
            "daemon off;\nworker_processes 1;\npid {d}/nginx.pid;\nerror_log {d}/error.log;\n\
             events {{ worker_connections 512; }}\n\
             http {{\n  access_log off;\n  client_body_temp_path {d}/body;\n  \
             proxy_temp_path {d}/proxy;\n  fastcgi_temp_path {d}/fastcgi;\n  \
             uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n{http_block}\n}}\n"
        );
        std::fs::write(dir.join("nginx.conf"), config).unwrap();
        let child = Command::new(NGINX)
            .arg("-p")
            .arg(&dir)
            .arg("-c")
            .arg(dir.join("nginx.conf"))
            .arg("-e")
            .arg(dir.join("error.log"))
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("nginx starts");
        let nginx = Nginx { dir, child };
        eventually_async("nginx listens", || async move {
            tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
        })
        .await;
        nginx
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
