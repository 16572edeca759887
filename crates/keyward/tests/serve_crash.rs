//! A2 and job durability through the real binary: `keyward serve` is killed with SIGKILL
//! in the middle of activating a second key over hundreds of tenant-protected
//! environments; after a restart the activation job finishes by itself and every
//! environment still answers SQL, now under the new key.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use reqwest::blocking::Client;
use serde_json::{json, Value};

/// Environments in the tenant-region: enough that the activation spans several batches.
const ENVIRONMENTS: usize = 200;

/// A `keyward serve` process and the address it listens on.
struct Server {
    child: Child,
    base: String,
}

impl Server {
    /// Starts the binary on a free loopback port and waits for its listening line.
    fn start(dir: &Path) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_keyward"))
            .arg("serve")
            .arg("--config")
            .arg(dir.join("keyward.toml"))
            .args(["--listen", "127.0.0.1:0", "--log", "warn"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (lines, listening) = mpsc::channel();
        let stderr = child.stderr.take().unwrap();
        // Keep draining stderr so the server never blocks on a full pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix("keyward: listening on ") {
                    let _ = lines.send(url.to_owned());
                }
            }
        });
        let base = listening.recv_timeout(Duration::from_secs(60)).unwrap();
        assert!(base.starts_with("http://127.0.0.1:"), "{base}");
        Self { child, base }
    }

    fn url(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.base)
    }

    /// SIGKILL: no shutdown of any kind.
    fn kill_9(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// SIGTERM, and the process must stop cleanly.
    fn stop(mut self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        assert!(self.child.wait().unwrap().success());
    }
}

struct Api<'a> {
    http: Client,
    server: &'a Server,
    token: String,
}

impl Api<'_> {
    fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut request = self
            .http
            .request(method, self.server.url(path))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().unwrap();
        let status = response.status().as_u16();
        (status, response.json().unwrap_or(Value::Null))
    }

    fn post(&self, path: &str, body: Option<Value>) -> Value {
        let (status, body) = self.call(reqwest::Method::POST, path, body);
        assert!((200..300).contains(&status), "POST {path}: {status} {body}");
        body
    }

    fn get(&self, path: &str) -> Value {
        let (status, body) = self.call(reqwest::Method::GET, path, None);
        assert_eq!(status, 200, "GET {path}: {body}");
        body
    }

    /// Polls a job until it is finished; returns its final record.
    fn wait_job(&self, id: &str, limit: Duration) -> Value {
        let started = Instant::now();
        loop {
            let job = self.get(&format!("/jobs/{id}"));
            if job["state"] == "succeeded" || job["state"] == "failed" {
                return job;
            }
            assert!(started.elapsed() < limit, "job {id} still {}", job["state"]);
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// Polls until the job has committed at least one batch but not finished; returns how
/// many data keys it had moved.
fn wait_for_progress(admin: &Api, job: &str) -> u64 {
    loop {
        let record = admin.get(&format!("/jobs/{job}"));
        let done = record["done"].as_u64().unwrap();
        assert_ne!(
            record["state"], "succeeded",
            "finished before the kill; add environments"
        );
        assert_ne!(record["state"], "failed", "{record}");
        if done > 0 {
            return done;
        }
    }
}

fn write_config(dir: &Path) {
    let config = format!(
        "data_dir = {:?}\njob_workers = 2\n\n[policy]\nactivation_cooldown_seconds = 1\n",
        dir.join("data")
    );
    std::fs::write(dir.join("keyward.toml"), config).unwrap();
}

/// Creates the tenant, its first key and the tenant-protected environments; returns the
/// tenant admin's token and the environment ids.
fn populate(server: &Server, operator: &str) -> (String, Vec<String>) {
    let op = Api {
        http: Client::new(),
        server,
        token: operator.to_owned(),
    };
    op.post(
        "/tenants",
        Some(json!({"id": "crash", "name": "Crash", "regions": ["eu"]})),
    );
    op.post("/tenants/crash/feature", None);
    let role = json!({"role": "tenant_admin", "tenant": "crash"});
    let issued = op.post(
        "/tokens",
        Some(json!({"label": "admin@crash", "role": role})),
    );
    let admin = Api {
        http: Client::new(),
        server,
        token: issued["token"].as_str().unwrap().into(),
    };

    let generate = json!({"password": "first key of crash", "acknowledge_risk": true});
    let first = admin.post("/tenants/crash/regions/eu/keys/generate", Some(generate));
    assert_eq!(first["key"]["state"], "active");
    let mut envs = Vec::new();
    let mut jobs = Vec::new();
    for i in 0..ENVIRONMENTS {
        let body = json!({"name": format!("env-{i}"), "type": "sandbox"});
        let env = admin.post("/tenants/crash/regions/eu/environments", Some(body));
        let id = env["id"].as_str().unwrap().to_owned();
        admin.post(
            &format!("/environments/{id}/sql"),
            Some(json!({"sql": "create table t (n integer)"})),
        );
        let sql = json!({"sql": "insert into t values (?)", "params": [i]});
        admin.post(&format!("/environments/{id}/sql"), Some(sql));
        jobs.push(admin.post(&format!("/environments/{id}/apply-key"), None)["id"].clone());
        envs.push(id);
    }
    for job in jobs {
        let done = admin.wait_job(job.as_str().unwrap(), Duration::from_secs(120));
        assert_eq!(done["state"], "succeeded", "{done}");
    }
    (admin.token, envs)
}

#[test]
fn a2_activation_killed_mid_job_finishes_after_restart_and_every_environment_answers() {
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path());
    let server = Server::start(dir.path());
    let operator = std::fs::read_to_string(dir.path().join("data/operator.token")).unwrap();
    let (admin_token, envs) = populate(&server, operator.trim());

    // A second key, activated once the (tiny) A3 cooldown has passed; killed at once.
    let admin = Api {
        http: Client::new(),
        server: &server,
        token: admin_token.clone(),
    };
    let generate = json!({"password": "second key of crash", "acknowledge_risk": true});
    let second = admin.post("/tenants/crash/regions/eu/keys/generate", Some(generate));
    let key = second["key"]["id"].as_str().unwrap().to_owned();
    assert_eq!(second["key"]["state"], "available");
    std::thread::sleep(Duration::from_millis(1100));
    let path = format!("/tenants/crash/regions/eu/keys/{key}/activate");
    let job = admin.post(&path, Some(json!({"acknowledge_risk": true})));
    let job_id = job["id"].as_str().unwrap().to_owned();
    assert_eq!(job["total"], ENVIRONMENTS as u64);
    let seen = wait_for_progress(&admin, &job_id);
    eprintln!("killing the server with the activation at {seen} of {ENVIRONMENTS}");
    drop(admin);
    server.kill_9();

    // Restart: the unfinished job resumes by itself.
    let server = Server::start(dir.path());
    let admin = Api {
        http: Client::new(),
        server: &server,
        token: admin_token,
    };
    let finished = admin.wait_job(&job_id, Duration::from_secs(300));
    assert_eq!(finished["state"], "succeeded", "{finished}");
    let keys = admin.get("/tenants/crash/regions/eu/keys");
    let active: Vec<&Value> = keys
        .as_array()
        .unwrap()
        .iter()
        .filter(|k| k["state"] == "active")
        .collect();
    assert_eq!(active.len(), 1);
    assert_eq!(active[0]["id"], key.as_str());

    for (i, env) in envs.iter().enumerate() {
        let record = admin.get(&format!("/environments/{env}"));
        assert_eq!(record["protector"]["key"], key.as_str(), "{record}");
        let rows = admin.post(
            &format!("/environments/{env}/sql"),
            Some(json!({"sql": "select n from t"})),
        );
        assert_eq!(rows["rows"], json!([[i]]), "{env}");
    }
    drop(admin);
    server.stop();
}
