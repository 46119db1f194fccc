//! A Redis for the cluster tests: `REDIS_URL` when set, else a `redis-server` of our own on a
//! free loopback port (killed on drop). Without either, the test skips loudly, or fails when
//! `CI=true`.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A Redis reachable at [`url`](Self::url) for the test's lifetime.
pub struct TestRedis {
    /// `redis://127.0.0.1:<port>`.
    pub url: String,
    /// The port of a `redis-server` of our own (`None` for `REDIS_URL`'s).
    pub port: Option<u16>,
    child: Option<Child>,
}

impl Drop for TestRedis {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Starts (or finds) a Redis; `None` means "skip this test" (already said loudly).
pub async fn redis() -> Option<TestRedis> {
    if let Ok(url) = std::env::var("REDIS_URL") {
        return Some(TestRedis {
            url,
            port: None,
            child: None,
        });
    }
    own_redis(&[]).await
}

/// Starts a `redis-server` of our own on a free loopback port, with `config` added to its
/// command line (`["--user", "alice", ..]`), whether or not `REDIS_URL` is set; `None` means
/// "skip this test" (already said loudly).
pub async fn own_redis(config: &[&str]) -> Option<TestRedis> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let child = Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .args(["--save", "", "--appendonly", "no"])
        .args(config)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    match child {
        Ok(child) => {
            let redis = TestRedis {
                url: format!("redis://127.0.0.1:{port}"),
                port: Some(port),
                child: Some(child),
            };
            for _ in 0..250 {
                if tokio::net::TcpStream::connect(("127.0.0.1", port))
                    .await
                    .is_ok()
                {
                    return Some(redis);
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            panic!("redis-server did not start on port {port}");
        }
        Err(e) => {
            if std::env::var("CI").as_deref() == Ok("true") {
                panic!("CI=true but no redis-server to start: {e}");
            }
            skip(&format!("no redis-server to start (install it): {e}"));
            None
        }
    }
}

/// Says loudly that a test is skipped: straight to stderr, past the test harness's capture.
pub fn skip(why: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "\n*** SKIPPED: {why} ***\n");
}
