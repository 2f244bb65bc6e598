//! Two authority processes on one database (issue 18, `docs/scaling.md`), in one test
//! process: the second opens the first's data folder, as a second `alc authority serve`
//! would. Runs on SQLite, and on PostgreSQL in the test command's second pass.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use alc_circuits::credential::HolderSecret;
use alc_devkit::authority::TestAuthority;
use alc_protocol::status::StatusResponse;
use std::sync::Arc;

/// Every epoch the first process records is published by the second when it catches
/// up, an emergency as an emergency, in order, with the first's roots.
#[tokio::test]
async fn a_second_process_publishes_every_epoch_the_first_records() {
    let a = TestAuthority::start().await;
    let b = alc_issuer::service::open(a.dir.path(), Arc::new(a.clock.clone()))
        .await
        .unwrap();
    let key = a.authority.keys().status.verifying_key();
    let mut pushed = b.status().subscribe();
    let mut serials = Vec::new();
    for i in 0..2 {
        let holder = HolderSecret::generate(&mut rand::rngs::OsRng);
        serials.push(
            a.credential(&format!("op{i}"), &holder)
                .await
                .signed
                .credential
                .serial,
        );
    }
    // An emergency, then an ordinary revocation, both at the first process.
    let e1 = a.revoke(serials[0], true).await;
    let e2 = a.revoke(serials[1], false).await;
    assert_eq!(b.status().epoch(), 0, "the second has not looked yet");
    assert!(b.catch_up_status().await.unwrap());
    let got: Vec<StatusResponse> = (0..2)
        .map(|_| pushed.try_recv().unwrap().verify(&key).unwrap())
        .collect();
    assert_eq!(
        got.iter()
            .map(|r| (r.epoch, r.emergency))
            .collect::<Vec<_>>(),
        [(e1, true), (e2, false)]
    );
    let now = a.now();
    assert_eq!(
        b.status().current(now).0.root,
        a.authority.status().current(now).0.root
    );
    // The twin: nothing new, nothing published.
    assert!(!b.catch_up_status().await.unwrap());
    assert!(pushed.try_recv().is_err());
    // A revocation at the second, after it caught up, is the next epoch for both.
    let holder = HolderSecret::generate(&mut rand::rngs::OsRng);
    let third = a.credential("op2", &holder).await.signed.credential.serial;
    let req = alc_protocol::authority::RevokeRequest {
        serial: third,
        reason: "at the second process".into(),
        emergency: false,
    };
    assert_eq!(b.revoke(&req, "test").await.unwrap().epoch, e2 + 1);
    assert!(a.authority.catch_up_status().await.unwrap());
    assert_eq!(a.authority.status().epoch(), e2 + 1);
}
