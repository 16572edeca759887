//! S1: every endpoint × every role, in its own scope and in a foreign one, is allowed or
//! refused exactly as the access rules say; missing, malformed and revoked tokens are 401.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use common::{Harness, Reply};
use keyward_domain::model::Role;
use keyward_domain::{EnvironmentId, TenantId};
use serde_json::{json, Value};

/// Who may call an endpoint, in its own scope.
#[derive(Clone, Copy)]
struct Allowed {
    operator: bool,
    tenant_admin: bool,
    env_admin: bool,
    env_user: bool,
}

const fn allow(spec: &str) -> Allowed {
    let b = spec.as_bytes();
    let mut allowed = Allowed {
        operator: false,
        tenant_admin: false,
        env_admin: false,
        env_user: false,
    };
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'O' => allowed.operator = true,
            b'T' => allowed.tenant_admin = true,
            b'E' => allowed.env_admin = true,
            b'U' => allowed.env_user = true,
            _ => {}
        }
        i += 1;
    }
    allowed
}

enum Payload {
    None,
    Json(Value),
    Raw(&'static str),
}

struct Endpoint {
    method: Method,
    path: &'static str,
    payload: fn(&Fixture) -> Payload,
    allowed: Allowed,
}

/// A caller: who, its token, and whether an endpoint's allowed roles include it.
type Caller = (&'static str, String, fn(Allowed) -> bool);

/// Two tenants (a with the feature, b), environments a1 and a2 in a, b1 in b, a token
/// for each role in own and foreign scope, a victim token to revoke, and a job and a
/// backup of a1 when the endpoint needs them.
struct Fixture {
    h: Harness,
    a1: EnvironmentId,
    victim: String,
    job: String,
    backup: String,
    /// (name, token, expected when the endpoint allows the role in its own scope).
    callers: Vec<Caller>,
}

impl Fixture {
    async fn new(path: &str) -> Self {
        let h = Harness::new();
        let a = h.tenant("a", true).await;
        let b = h.tenant("b", false).await;
        let a1 = h.environment("a", "a1").await;
        let a2 = h.environment("a", "a2").await;
        h.environment("b", "b1").await;
        let env_role = |admin: bool, env: &EnvironmentId| {
            let (tenant, environment) = (a.clone(), env.clone());
            if admin {
                Role::EnvironmentAdmin {
                    tenant,
                    environment,
                }
            } else {
                Role::EnvironmentUser {
                    tenant,
                    environment,
                }
            }
        };
        let ta = |t: &TenantId| Role::TenantAdmin { tenant: t.clone() };
        let callers: Vec<Caller> = vec![
            ("tenant admin of b", h.token("tb", ta(&b)), |_| false),
            (
                "environment admin of a2",
                h.token("ea2", env_role(true, &a2)),
                |_| false,
            ),
            (
                "environment user of a2",
                h.token("eu2", env_role(false, &a2)),
                |_| false,
            ),
            (
                "environment user of a1",
                h.token("eu1", env_role(false, &a1)),
                |a| a.env_user,
            ),
            (
                "environment admin of a1",
                h.token("ea1", env_role(true, &a1)),
                |a| a.env_admin,
            ),
            ("operator", h.operator.clone(), |a| a.operator),
            ("tenant admin of a", h.token("ta", ta(&a)), |a| {
                a.tenant_admin
            }),
        ];
        let victim = h
            .service
            .issue_token("victim", env_role(false, &a1))
            .unwrap()
            .id;
        let mut fixture = Self {
            h,
            a1,
            victim,
            job: String::new(),
            backup: String::new(),
            callers,
        };
        fixture.prepare(path).await;
        fixture
    }

    /// Makes the job or backup that `path` names.
    async fn prepare(&mut self, path: &str) {
        let engine = self.h.service.engine().clone();
        if path.contains("restore") {
            self.backup = engine.backup("t", &self.a1).unwrap().id.to_string();
        }
        if path.contains("{job}") {
            let region = keyward_domain::RegionName::new("eu").unwrap();
            let scope = keyward_engine::ops::scope(&TenantId::new("a").unwrap(), &region);
            let password = keyward_keys::Password::from_bytes(b"role-matrix-pass-1");
            let risk = keyward_domain::rules::keys::Risk::Acknowledged;
            engine
                .generate_key("t", &scope, &password, Default::default(), risk)
                .unwrap();
            self.job = engine
                .apply_tenant_key("t", &self.a1)
                .unwrap()
                .id
                .to_string();
        }
    }

    fn path(&self, template: &str) -> String {
        template
            .replace("{e}", self.a1.as_str())
            .replace("{victim}", &self.victim)
            .replace("{job}", &self.job)
    }
}

fn endpoints() -> Vec<Endpoint> {
    let none = |_: &Fixture| Payload::None;
    let e = |method: Method, path, payload: fn(&Fixture) -> Payload, spec| Endpoint {
        method,
        path,
        payload,
        allowed: allow(spec),
    };
    vec![
        e(
            Method::POST,
            "/tokens",
            |f| {
                let role = json!({"role": "environment_user", "tenant": "a", "environment": f.a1});
                Payload::Json(json!({"label": "x", "role": role}))
            },
            "OT",
        ),
        e(Method::GET, "/tokens", none, "O"),
        e(Method::DELETE, "/tokens/{victim}", none, "OT"),
        e(Method::GET, "/metrics", none, "O"),
        e(
            Method::POST,
            "/tenants",
            |_| Payload::Json(json!({"id": "new", "name": "n", "regions": ["eu"]})),
            "O",
        ),
        e(Method::GET, "/tenants", none, "O"),
        e(Method::GET, "/tenants/a", none, "OT"),
        e(Method::POST, "/tenants/a/feature", none, "O"),
        e(Method::GET, "/tenants/a/regions/eu/kek", none, "T"),
        e(Method::GET, "/tenants/a/regions/eu/keys", none, "T"),
        e(
            Method::POST,
            "/tenants/a/regions/eu/keys/generate",
            |_| Payload::Json(json!({"password": "", "acknowledge_risk": true})),
            "T",
        ),
        e(
            Method::POST,
            "/tenants/a/regions/eu/keys/upload",
            |_| Payload::Json(json!({"file_base64": "AAAA", "acknowledge_risk": true})),
            "T",
        ),
        e(
            Method::POST,
            "/tenants/a/regions/eu/keys/key-none/activate",
            |_| Payload::Json(json!({"acknowledge_risk": true})),
            "T",
        ),
        e(
            Method::POST,
            "/tenants/a/regions/eu/keys/unlock",
            |_| Payload::Json(json!({"file_base64": "AAAA", "acknowledge_risk": true})),
            "T",
        ),
        e(
            Method::POST,
            "/tenants/a/regions/eu/lock/confirmation",
            none,
            "T",
        ),
        e(
            Method::POST,
            "/tenants/a/regions/eu/lock",
            |_| {
                Payload::Json(
                    json!({"file_base64": "AAAA", "confirmation": "x", "acknowledge_risk": true}),
                )
            },
            "T",
        ),
        e(
            Method::POST,
            "/tenants/a/regions/eu/environments",
            |_| Payload::Json(json!({"name": "n", "type": "trial"})),
            "OT",
        ),
        e(
            Method::GET,
            "/tenants/a/regions/eu/environments",
            none,
            "OT",
        ),
        e(Method::GET, "/environments/{e}", none, "OTEU"),
        e(Method::DELETE, "/environments/{e}", none, "T"),
        e(Method::POST, "/environments/{e}/apply-key", none, "TE"),
        e(Method::POST, "/environments/{e}/return-key", none, "TE"),
        e(Method::POST, "/environments/{e}/unlock", none, "TE"),
        e(Method::POST, "/environments/{e}/backups", none, "TE"),
        e(Method::GET, "/environments/{e}/backups", none, "TE"),
        e(
            Method::POST,
            "/environments/{e}/restore",
            |f| Payload::Json(json!({"backup": f.backup})),
            "TE",
        ),
        e(
            Method::POST,
            "/environments/{e}/copy",
            |f| Payload::Json(json!({"source": f.a1})),
            "TE",
        ),
        e(Method::POST, "/environments/{e}/reset", none, "TE"),
        e(
            Method::POST,
            "/environments/{e}/sql",
            |_| Payload::Json(json!({"sql": "select 1"})),
            "TU",
        ),
        e(Method::GET, "/environments/{e}/files", none, "TU"),
        e(
            Method::PUT,
            "/environments/{e}/files/f.txt",
            |_| Payload::Raw("hello"),
            "TU",
        ),
        e(Method::GET, "/environments/{e}/files/f.txt", none, "TU"),
        e(Method::DELETE, "/environments/{e}/files/f.txt", none, "TU"),
        e(
            Method::POST,
            "/environments/{e}/csv/t?header=true&create=true",
            |_| Payload::Raw("a,b\n1,2\n"),
            "TU",
        ),
        e(Method::GET, "/jobs/{job}", none, "OTE"),
        e(Method::GET, "/audit?tenant=a", none, "OT"),
        e(Method::GET, "/audit/verify", none, "O"),
    ]
}

async fn call(f: &Fixture, endpoint: &Endpoint, token: Option<&str>) -> Reply {
    let uri = format!("/api/v1{}", f.path(endpoint.path));
    let mut request = Request::builder().method(endpoint.method.clone()).uri(uri);
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let request = match (endpoint.payload)(f) {
        Payload::None => request.body(Body::empty()),
        Payload::Json(value) => request
            .header("content-type", "application/json")
            .body(Body::from(value.to_string())),
        Payload::Raw(text) => request.body(Body::from(text)),
    };
    f.h.send(request.unwrap()).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s1_every_endpoint_allows_exactly_the_roles_and_scopes_of_the_access_rules() {
    let mut failures = Vec::new();
    for endpoint in endpoints() {
        let f = Fixture::new(endpoint.path).await;
        let label = format!("{} {}", endpoint.method, endpoint.path);
        for (who, token, expected) in &f.callers {
            let reply = call(&f, &endpoint, Some(token)).await;
            let allowed = expected(endpoint.allowed);
            let refused = reply.status == StatusCode::FORBIDDEN;
            let ok = if allowed {
                !refused
                    && reply.status != StatusCode::UNAUTHORIZED
                    && reply.code() != "no_such_route"
            } else {
                refused && reply.code() == "forbidden" && reply.body["rule"] == "S1"
            };
            if !ok {
                failures.push(format!("{label} as {who}: {} {}", reply.status, reply.body));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_matrix_covers_every_authenticated_route() {
    let matches = |template: &str, concrete: &str| {
        let concrete = concrete.split('?').next().unwrap_or_default();
        let (t, c): (Vec<_>, Vec<_>) =
            (template.split('/').collect(), concrete.split('/').collect());
        t.len() == c.len() && t.iter().zip(&c).all(|(t, c)| t.starts_with('{') || t == c)
    };
    for route in keyward_service::ROUTES {
        if route.path == "/health" || route.path == "/openapi.json" {
            continue;
        }
        let covered = endpoints().iter().any(|e| {
            e.method.as_str().eq_ignore_ascii_case(route.method) && matches(route.path, e.path)
        });
        assert!(
            covered,
            "{} {} is not in the matrix",
            route.method, route.path
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s1_every_endpoint_but_health_and_openapi_refuses_a_missing_or_malformed_token() {
    let f = Fixture::new("{job} restore").await;
    for endpoint in endpoints() {
        for token in [None, Some("kw_nope"), Some("kw_0123456789abcdef_00")] {
            let reply = call(&f, &endpoint, token).await;
            assert_eq!(
                reply.status,
                StatusCode::UNAUTHORIZED,
                "{} {}",
                endpoint.method,
                endpoint.path
            );
            assert_eq!(reply.code(), "unauthenticated");
            assert_eq!(reply.body["rule"], "S1");
        }
    }
    for path in ["/api/v1/health", "/api/v1/openapi.json"] {
        let reply = f.h.call(Method::GET, path, None, None).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s1_a_revoked_token_is_unauthenticated() {
    let h = Harness::new();
    let reply = h
        .call(
            Method::POST,
            "/api/v1/tokens",
            Some(&h.operator),
            Some(json!({"label": "bob", "role": {"role": "operator"}})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    let token = reply.body["token"].as_str().unwrap().to_owned();
    let id = reply.body["id"].as_str().unwrap().to_owned();
    assert!(token.starts_with(&format!("kw_{id}_")));
    assert_eq!(
        h.call(Method::GET, "/api/v1/tenants", Some(&token), None)
            .await
            .status,
        StatusCode::OK
    );

    let revoked = h
        .call(
            Method::DELETE,
            &format!("/api/v1/tokens/{id}"),
            Some(&h.operator),
            None,
        )
        .await;
    assert_eq!(revoked.status, StatusCode::NO_CONTENT);
    let reply = h
        .call(Method::GET, "/api/v1/tenants", Some(&token), None)
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.code(), "unauthenticated");

    let listed = h
        .call(Method::GET, "/api/v1/tokens", Some(&h.operator), None)
        .await;
    let record = listed
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == id.as_str())
        .unwrap()
        .clone();
    assert!(record["revoked_at"].is_string());
    assert!(
        !listed.body.to_string().contains(&token),
        "a listing never shows a token"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s1_a_tenant_admin_issues_only_environment_tokens_of_its_own_tenant() {
    let h = Harness::new();
    let a = h.tenant("a", false).await;
    h.tenant("b", false).await;
    let a1 = h.environment("a", "a1").await;
    let b1 = h.environment("b", "b1").await;
    let admin = h.token("ta", Role::TenantAdmin { tenant: a });
    let issue = |role: Value| {
        let body = json!({"label": "x", "role": role});
        h.call(Method::POST, "/api/v1/tokens", Some(&admin), Some(body))
    };
    let own = issue(json!({"role": "environment_admin", "tenant": "a", "environment": a1})).await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.body);
    for role in [
        json!({"role": "operator"}),
        json!({"role": "tenant_admin", "tenant": "a"}),
        json!({"role": "environment_user", "tenant": "b", "environment": b1}),
    ] {
        let reply = issue(role.clone()).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{role}");
        assert_eq!(reply.code(), "forbidden");
    }
    let mismatched =
        issue(json!({"role": "environment_user", "tenant": "a", "environment": b1})).await;
    assert_eq!(
        mismatched.status,
        StatusCode::BAD_REQUEST,
        "{}",
        mismatched.body
    );
}
