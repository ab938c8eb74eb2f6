//! Migrations that change stored data, run against a database holding data written before
//! them.

use crate::helpers::{db_url, SyncConn};
use diesel::connection::SimpleConnection;
use diesel::{Connection, QueryableByName, RunQueryDsl};
use diesel_migrations::MigrationHarness;

#[derive(QueryableByName, Debug, PartialEq)]
struct Row {
    #[diesel(sql_type = diesel::sql_types::Text)]
    id: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    balance: i64,
}

fn accounts(conn: &mut SyncConn) -> Vec<Row> {
    diesel::sql_query("SELECT id, balance FROM points_accounts ORDER BY id")
        .load(conn)
        .unwrap()
}

fn transfer_accounts(conn: &mut SyncConn) -> Vec<(String, String)> {
    #[derive(QueryableByName)]
    struct T {
        #[diesel(sql_type = diesel::sql_types::Text)]
        from_account: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        to_account: String,
    }
    let rows: Vec<T> =
        diesel::sql_query("SELECT from_account, to_account FROM points_transfers ORDER BY seq")
            .load(conn)
            .unwrap();
    rows.into_iter()
        .map(|t| (t.from_account, t.to_account))
        .collect()
}

/// Migration 8 spreads each issuer over stripes: an issuer written before it becomes its
/// community's stripe 0, with its balance and its journal entries, and going back folds the
/// stripes into one row again.
#[test]
fn issuers_written_before_the_stripes_become_stripe_zero_and_fold_back() {
    let name = format!("t_migr_{}", std::process::id());
    let mut admin = SyncConn::establish(&db_url("postgres")).unwrap();
    diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&mut admin)
        .unwrap();
    diesel::sql_query(format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .unwrap();
    let mut conn = SyncConn::establish(&db_url(&name)).unwrap();
    // Up to migration 7, as a deployment before the stripes was.
    while conn
        .applied_migrations()
        .unwrap()
        .iter()
        .all(|v| v.to_string() != "20261121000007")
    {
        conn.run_next_migration(mashang::db::MIGRATIONS).unwrap();
    }
    conn.batch_execute(
        "INSERT INTO points_accounts (id, kind, balance, version) VALUES
           ('issuer:5', 'issuer', -30, 2), ('resident:1', 'resident', 20, 1),
           ('resident:2', 'resident', 10, 1);
         INSERT INTO points_transfers (id, kind, from_account, to_account, amount, from_version,
             to_version, reason, actor, request_hash, created_at) VALUES
           ('award-0001', 'award', 'issuer:5', 'resident:1', 20, 1, 1, '清扫', 'staff:1', 'h1', now()),
           ('award-0002', 'award', 'issuer:5', 'resident:2', 10, 2, 1, '清扫', 'staff:1', 'h2', now())",
    )
    .unwrap();

    conn.run_pending_migrations(mashang::db::MIGRATIONS)
        .unwrap();
    assert_eq!(
        accounts(&mut conn),
        [
            Row {
                id: "issuer:5:0".into(),
                balance: -30
            },
            Row {
                id: "resident:1".into(),
                balance: 20
            },
            Row {
                id: "resident:2".into(),
                balance: 10
            },
        ]
    );
    assert_eq!(
        transfer_accounts(&mut conn),
        [
            ("issuer:5:0".to_owned(), "resident:1".to_owned()),
            ("issuer:5:0".to_owned(), "resident:2".to_owned())
        ]
    );
    // The old name is no longer an account name; a stripe is.
    assert!(diesel::sql_query(
        "INSERT INTO points_accounts (id, kind) VALUES ('issuer:6', 'issuer')"
    )
    .execute(&mut conn)
    .is_err());
    diesel::sql_query(
        "INSERT INTO points_accounts (id, kind, balance) VALUES ('issuer:5:3', 'issuer', -5)",
    )
    .execute(&mut conn)
    .unwrap();

    // Back (past any later migration): the stripes fold into one row per community.
    while conn
        .applied_migrations()
        .unwrap()
        .iter()
        .any(|v| v.to_string() == "20261121000008")
    {
        conn.revert_last_migration(mashang::db::MIGRATIONS).unwrap();
    }
    let folded = accounts(&mut conn);
    assert_eq!(folded[0].id, "issuer:5");
    assert_eq!(folded[0].balance, -35);
    assert_eq!(transfer_accounts(&mut conn)[0].0, "issuer:5");
    drop(conn);
    diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&mut admin)
        .unwrap();
}
