//! S1: the roles table of SPEC section 1, checked over every action, role and scope.

use keyward_domain::model::{Principal, Role};
use keyward_domain::rules::access::{authorize, Action, Target};
use keyward_domain::{EnvironmentId, RefusalCode, Rule, TenantId};

use crate::support::*;

/// Who may do each action in their own scope: Operator, Tenant admin, environment Admin,
/// environment User. Written out by hand from SPEC section 1, not derived from the code.
const TABLE: &[(Action, &str)] = &[
    (Action::CreateTenant, "O..."),
    (Action::EnableFeature, "O..."),
    (Action::ReadHealth, "O..."),
    (Action::ViewTenant, "OT.."),
    (Action::ReadAudit, "OT.."),
    (Action::ReadJob, "OTA."),
    (Action::ViewKeys, ".T.."),
    (Action::ReadKeyExchangeKey, ".T.."),
    (Action::GenerateKey, ".T.."),
    (Action::UploadKey, ".T.."),
    (Action::ActivateKey, ".T.."),
    (Action::Lock, ".T.."),
    (Action::UnlockKey, ".T.."),
    (Action::CreateEnvironment, "OT.."),
    (Action::DeleteEnvironment, ".T.."),
    (Action::ViewEnvironment, "OTA."),
    (Action::ApplyKey, ".TA."),
    (Action::ReturnKey, ".TA."),
    (Action::UnlockEnvironment, ".TA."),
    (Action::Backup, ".TA."),
    (Action::Restore, ".TA."),
    (Action::Copy, ".TA."),
    (Action::Reset, ".TA."),
    (Action::ReadData, ".T.U"),
    (Action::WriteData, ".T.U"),
];

fn principal(role: Role) -> Principal {
    Principal {
        name: "caller".into(),
        role,
    }
}

struct Ids {
    contoso: TenantId,
    fabrikam: TenantId,
    prod: EnvironmentId,
    sbx: EnvironmentId,
}

fn ids() -> Ids {
    Ids {
        contoso: tenant_id("contoso"),
        fabrikam: tenant_id("fabrikam"),
        prod: env_id("prod"),
        sbx: env_id("sbx"),
    }
}

/// The roles, each with its column in [`TABLE`]; scoped roles hold contoso and prod.
fn roles(ids: &Ids) -> Vec<(char, Role)> {
    let (tenant, environment) = (ids.contoso.clone(), ids.prod.clone());
    vec![
        ('O', Role::Operator),
        (
            'T',
            Role::TenantAdmin {
                tenant: tenant.clone(),
            },
        ),
        (
            'A',
            Role::EnvironmentAdmin {
                tenant: tenant.clone(),
                environment: environment.clone(),
            },
        ),
        (
            'U',
            Role::EnvironmentUser {
                tenant,
                environment,
            },
        ),
    ]
}

/// Every target, with the roles whose scope it lies in.
fn targets(ids: &Ids) -> Vec<(Target<'_>, &'static str)> {
    let env = |tenant, environment| Target::Environment {
        tenant,
        environment,
    };
    vec![
        (Target::Service, "O"),
        (Target::Tenant(&ids.contoso), "OT"),
        (Target::Tenant(&ids.fabrikam), "O"),
        (env(&ids.contoso, &ids.prod), "OTAU"),
        (env(&ids.contoso, &ids.sbx), "OT"),
        // The same environment id under another tenant is another environment.
        (env(&ids.fabrikam, &ids.prod), "O"),
        (env(&ids.fabrikam, &ids.sbx), "O"),
    ]
}

#[test]
fn s1_the_table_covers_every_action_once() {
    assert_eq!(TABLE.len(), Action::ALL.len());
    for action in Action::ALL {
        assert_eq!(
            TABLE.iter().filter(|(a, _)| *a == action).count(),
            1,
            "{action}"
        );
    }
}

#[test]
fn s1_every_action_by_every_role_in_own_and_foreign_scopes_follows_the_table() {
    let ids = ids();
    let mut checked = 0;
    for (action, who) in TABLE {
        for (column, role) in roles(&ids) {
            for (target, in_scope) in targets(&ids) {
                let expected = who.contains(column) && in_scope.contains(column);
                let result = authorize(&principal(role.clone()), *action, target);
                assert_eq!(result.is_ok(), expected, "{action} by {role:?} on {target}");
                if let Err(refusal) = result {
                    assert_eq!(refusal.code, RefusalCode::Forbidden);
                    assert_eq!(refusal.rule(), Rule::S1);
                }
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 25 * 4 * 7);
}

#[test]
fn s1_an_operator_never_reads_data_nor_does_a_key_operation() {
    let ids = ids();
    let operator = principal(Role::Operator);
    let prod = Target::Environment {
        tenant: &ids.contoso,
        environment: &ids.prod,
    };
    for action in [
        Action::ReadData,
        Action::WriteData,
        Action::UnlockEnvironment,
    ] {
        assert!(authorize(&operator, action, prod).is_err(), "{action}");
    }
    let contoso = Target::Tenant(&ids.contoso);
    for action in [
        Action::GenerateKey,
        Action::UploadKey,
        Action::ActivateKey,
        Action::Lock,
    ] {
        assert!(authorize(&operator, action, contoso).is_err(), "{action}");
    }
    assert!(authorize(&operator, Action::UnlockKey, contoso).is_err());
}

#[test]
fn s1_a_tenant_admin_of_one_tenant_can_do_nothing_in_another() {
    let ids = ids();
    let admin = principal(Role::TenantAdmin {
        tenant: ids.contoso.clone(),
    });
    let theirs = Target::Environment {
        tenant: &ids.fabrikam,
        environment: &ids.prod,
    };
    for action in Action::ALL {
        assert!(
            authorize(&admin, action, Target::Tenant(&ids.fabrikam)).is_err(),
            "{action}"
        );
        assert!(authorize(&admin, action, theirs).is_err(), "{action}");
    }
}

#[test]
fn s1_a_forbidden_refusal_names_the_caller_the_action_and_the_target() {
    let ids = ids();
    let user = principal(Role::EnvironmentUser {
        tenant: ids.contoso.clone(),
        environment: ids.prod.clone(),
    });
    let sbx = Target::Environment {
        tenant: &ids.contoso,
        environment: &ids.sbx,
    };
    let r = authorize(&user, Action::ReadData, sbx);
    let msg = [
        "caller",
        "environment user of prod",
        "env.read_data",
        "environment sbx",
    ];
    assert_refused(r, RefusalCode::Forbidden, Rule::S1, &msg);
}
