//! SPEC §6: statements that would escape the environment (attach other files, load
//! extensions, change keys, write copies elsewhere) are refused with a clear error, and the
//! environment is unchanged.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use keyward_domain::model::EnvironmentType;

#[test]
fn attach_pragma_key_vacuum_into_and_load_extension_are_refused_and_change_nothing() {
    let mut h = Harness::new();
    let scope = h.tenant("contoso");
    h.upload(&scope, &key_a());
    let tenant_env = h.tenant_environment(&scope, "tenant");
    let platform_env = h.environment(&scope, "platform", EnvironmentType::Sandbox);
    let outside = tempfile::tempdir().unwrap();
    let elsewhere = |name: &str| outside.path().join(name).display().to_string();
    let attempts = [
        format!("ATTACH DATABASE '{}' AS evil", elsewhere("attached.db")),
        "PRAGMA key = 'attacker'".to_owned(),
        "PRAGMA rekey = 'attacker'".to_owned(),
        format!("VACUUM INTO '{}'", elsewhere("vacuumed.db")),
        format!("SELECT load_extension('{}')", elsewhere("evil.so")),
        "SELECT 1; DROP TABLE t".to_owned(),
    ];

    for env in [&tenant_env, &platform_env] {
        let expected = h.seed(env, env.as_str());
        for sql in &attempts {
            let err = assert_code(h.engine.sql(ADMIN, env, sql, &[]), "statement_refused");
            let message = err.to_string();
            assert!(
                message.contains("not allowed"),
                "unclear message for {sql}: {message}"
            );
            assert_eq!(h.snapshot(env), expected, "{sql} changed the environment");
        }
        assert!(
            all_files(outside.path()).is_empty(),
            "a file was written outside"
        );
        let events = h.audit();
        let refusals = events
            .iter()
            .filter(|e| e.target == env.as_str() && e.outcome == refused("statement_refused"))
            .count();
        assert_eq!(refusals, attempts.len(), "every refusal is audited");
    }

    // The stored data keys still open both environments: no key was changed.
    let before = [h.snapshot(&tenant_env), h.snapshot(&platform_env)];
    h.restart();
    assert_eq!([h.snapshot(&tenant_env), h.snapshot(&platform_env)], before);
    h.assert_audit_verifies();
}
