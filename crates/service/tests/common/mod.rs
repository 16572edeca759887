//! Test harness: a service on a temporary data directory with a manual clock, driven
//! in-process through its router.

#![allow(dead_code)]

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use axum::Router;
use keyward_domain::model::{Job, JobState, Role};
use keyward_domain::{EnvironmentId, ManualClock, Policy, TenantId};
use keyward_engine::EngineConfig;
use keyward_keys::IterationLimits;
use keyward_service::Service;
use serde_json::{json, Value};
use tempfile::TempDir;
use tower::ServiceExt;

/// A running service, in-process.
pub struct Harness {
    pub dir: TempDir,
    pub clock: ManualClock,
    pub service: Service,
    pub router: Router,
    pub operator: String,
}

/// A response: status and JSON body (`Value::Null` when empty or not JSON).
pub struct Reply {
    pub status: StatusCode,
    pub body: Value,
}

impl Reply {
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("")
    }
}

impl Harness {
    pub fn new() -> Self {
        Self::with_policy(Policy::default())
    }

    pub fn with_policy(policy: Policy) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let clock = ManualClock::new(time::OffsetDateTime::now_utc());
        let config = EngineConfig {
            data_dir: dir.path().join("data"),
            policy,
            clock: Arc::new(clock.clone()),
            iteration_limits: IterationLimits::default(),
        };
        let service = Service::open(config, 2).unwrap();
        let operator = service.issue_token("root", Role::Operator).unwrap();
        let router = service.router();
        Self {
            dir,
            clock,
            service,
            router,
            operator: operator.token.expose().to_owned(),
        }
    }

    /// Issues a token directly (no HTTP) and returns its text.
    pub fn token(&self, label: &str, role: Role) -> String {
        let issued = self.service.issue_token(label, role).unwrap();
        issued.token.expose().to_owned()
    }

    /// Sends a request; `body` is sent as JSON when given.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let mut request = Request::builder().method(method).uri(path);
        if let Some(token) = token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        let request = match body {
            Some(body) => request
                .header("content-type", "application/json")
                .body(Body::from(serde_json::to_vec(&body).unwrap())),
            None => request.body(Body::empty()),
        };
        self.send(request.unwrap()).await
    }

    /// Sends a prepared request.
    pub async fn send(&self, request: Request<Body>) -> Reply {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Reply { status, body }
    }

    /// As the operator, with the answer required to be `expected`.
    pub async fn ok(&self, method: Method, path: &str, body: Option<Value>) -> Value {
        let reply = self.call(method, path, Some(&self.operator), body).await;
        assert!(
            reply.status.is_success(),
            "{path}: {} {}",
            reply.status,
            reply.body
        );
        reply.body
    }

    /// Creates a tenant with region `eu` (feature enabled when `feature`).
    pub async fn tenant(&self, id: &str, feature: bool) -> TenantId {
        let body = json!({"id": id, "name": id, "regions": ["eu"]});
        self.ok(Method::POST, "/api/v1/tenants", Some(body)).await;
        if feature {
            let path = format!("/api/v1/tenants/{id}/feature");
            self.ok(Method::POST, &path, None).await;
        }
        TenantId::new(id).unwrap()
    }

    /// Creates an environment in `tenant`/eu and returns its id.
    pub async fn environment(&self, tenant: &str, name: &str) -> EnvironmentId {
        let path = format!("/api/v1/tenants/{tenant}/regions/eu/environments");
        let body = json!({"name": name, "type": "sandbox"});
        let env = self.ok(Method::POST, &path, Some(body)).await;
        EnvironmentId::new(env["id"].as_str().unwrap()).unwrap()
    }

    /// Polls a job until it has finished; returns its record.
    pub async fn wait_job(&self, id: &str, token: &str) -> Job {
        for _ in 0..600 {
            let reply = self
                .call(
                    Method::GET,
                    &format!("/api/v1/jobs/{id}"),
                    Some(token),
                    None,
                )
                .await;
            let job: Job = serde_json::from_value(reply.body).unwrap();
            if job.state == JobState::Succeeded || job.state == JobState::Failed {
                return job;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("job {id} did not finish");
    }
}
