//! Redis lost mid-traffic: the app's own Redis server is killed while awards are being made
//! and started again empty (it keeps nothing on disk, like production's cache). Nothing that
//! was acknowledged is lost, the service says it is not ready while Redis is away and ready
//! again by itself when it is back, and the relay job brings Redis back to the journal.

use crate::helpers::{spawn_with, test_settings, Fixture, TestApp};
use crate::points::new_resident;
use mashang::points::{audit, Account};
use std::collections::BTreeSet;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A Redis server of this test's own, on a free port, keeping nothing on disk.
struct OwnRedis {
    port: u16,
    child: Option<Child>,
}

impl OwnRedis {
    fn start(port: u16) -> OwnRedis {
        let child = Command::new("redis-server")
            .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server (Debian package redis-server; .ci/services installs it)");
        let mut redis = OwnRedis {
            port,
            child: Some(child),
        };
        redis.wait_up();
        redis
    }

    fn wait_up(&mut self) {
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("redis-server on {} did not start", self.port);
    }

    /// Kill it at once (no save, no goodbye), as a crash would.
    fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            c.kill().unwrap();
            c.wait().unwrap();
        }
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        self.kill();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn ready(app: &TestApp) -> u16 {
    reqwest::get(app.url("/readyz"))
        .await
        .map(|r| r.status().as_u16())
        .unwrap_or(0)
}

/// Poll (up to `secs`) until `f` holds.
async fn eventually(secs: u64, mut f: impl AsyncFnMut() -> bool) -> bool {
    for _ in 0..secs * 10 {
        if f().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

#[tokio::test]
async fn awards_acknowledged_while_redis_dies_and_returns_empty_are_all_kept() {
    let port = free_port();
    let mut redis = OwnRedis::start(port);
    let (mut settings, db) = test_settings(Fixture::Demo);
    settings.redis.url = format!("redis://127.0.0.1:{port}");
    // The jobs run (the relay every second): recovery is the service's own doing here.
    settings.jobs.enabled = true;
    settings.points.job_interval_seconds = 1;
    let app = spawn_with(settings, db).await;
    let mut residents = Vec::new();
    for i in 0..8 {
        residents.push(new_resident(&app, &format!("restart-{i}@example.cn")).await);
    }

    // Traffic: a staff session awards in turn; an award counts as acknowledged only when the
    // answer says it was made (303 to the console with its id).
    let grid = app.grid_id("GY-01").await.to_string();
    let signed_in = async || {
        let client = TestApp::new_client();
        let csrf = app.login_as(&client, "admin", "mashang-admin").await;
        (client, csrf)
    };
    let traffic = |round: usize, (client, csrf): (reqwest::Client, String)| {
        let (app, residents, grid) = (&app, &residents, &grid);
        async move {
            let (mut acked, mut refused) = (Vec::new(), 0);
            for i in 0..12 {
                let key = format!("restart-r{round}-{i:03}");
                let r = residents[i % residents.len()].to_string();
                let answer = client
                    .post(app.url("/console/points/award"))
                    .form(&[
                        ("csrf", csrf.as_str()),
                        ("idempotency_key", &key),
                        ("grid_id", grid),
                        ("resident_id", &r),
                        ("amount", "3"),
                        ("kind", "award"),
                        ("reason", "清理楼道"),
                    ])
                    .send()
                    .await;
                let made = answer.is_ok_and(|a| {
                    a.status().as_u16() == 303
                        && a.headers()["location"]
                            .to_str()
                            .unwrap()
                            .starts_with("/console/points?done=")
                });
                if made {
                    acked.push(key);
                } else {
                    refused += 1;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            (acked, refused)
        }
    };
    let staff = signed_in().await;
    let (before, refused) = traffic(0, staff.clone()).await;
    assert_eq!((before.len(), refused), (12, 0));

    // Redis dies mid-traffic: a batch of awards races the kill.
    let ((during, refused), ()) = tokio::join!(traffic(1, staff), async {
        tokio::time::sleep(Duration::from_millis(120)).await;
        redis.kill();
    });
    assert!(refused > 0, "Redis died before the batch ended");
    // While it is away the service says it is not ready.
    assert_eq!(ready(&app).await, 503);

    // Back, empty: ready again by itself, and the relay refills it from the journal.
    let mut redis = OwnRedis::start(port);
    assert!(
        eventually(30, async || ready(&app).await == 200).await,
        "ready again once Redis is back"
    );
    // Its sessions went with it: staff sign in again.
    let (after, refused) = traffic(2, signed_in().await).await;
    assert_eq!((after.len(), refused), (12, 0));

    let acked: BTreeSet<String> = before.into_iter().chain(during).chain(after).collect();
    // Every acknowledged award is in the journal, once.
    let in_journal = app
        .count("SELECT count(*) AS n FROM points_transfers WHERE id LIKE 'restart-r%'")
        .await as usize;
    assert!(in_journal >= acked.len(), "{in_journal} < {}", acked.len());
    for key in &acked {
        assert_eq!(
            app.count(&format!(
                "SELECT count(*) AS n FROM points_transfers WHERE id = '{key}'"
            ))
            .await,
            1,
            "{key}"
        );
    }
    // Redis equals the journal again (the audit checks every account), with no one's help.
    let caught_up = eventually(30, async || {
        let mut conn = app.conn().await;
        audit::run(&mut conn, &app.state.redis, true)
            .await
            .map(|r| r.ok())
            .unwrap_or(false)
    })
    .await;
    assert!(caught_up, "the relay brought Redis back to the journal");
    let total: i64 = {
        let mut sum = 0;
        for r in &residents {
            sum += crate::points::redis_balance(&app, Account::Resident(*r)).await;
        }
        sum
    };
    assert_eq!(total, 3 * in_journal as i64);
    redis.kill();
}
