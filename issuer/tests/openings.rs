//! Opening an incident on the record: a gateway's report carries a lease's escrow
//! ciphertext; trustees ask for an opening (an `opening` entry in the registry first),
//! then submit partial decryptions; the t-th opens the incident to the licence and
//! revokes it with an emergency status. Each step's failing twin: a partial without its
//! opening on the record, a bad partial (its trustee named), t-1 partials, a trustee
//! outside the key, a partial twice, an incident without a ciphertext, a token without
//! the `open` scope.

#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use alc_circuits::credential::HolderSecret;
use alc_circuits::escrow::{Ciphertext, Randomness};
use alc_devkit::authority::TestAuthority;
use alc_escrow::dkg::{EscrowPublic, TrusteeShare};
use alc_escrow::{deal, finish, joint_key, Params};
use alc_protocol::authority::{
    IncidentReport, NewToken, OpeningProgress, OpeningRecorded, OpeningRequest,
};
use alc_protocol::files::EscrowCiphertext;
use alc_registry::entry::Entry;
use axum::http::StatusCode;
use serde::Serialize;
use serde_json::Value;
use std::sync::Arc;

fn typed<T: Serialize>(v: &T) -> Option<Value> {
    Some(serde_json::to_value(v).unwrap())
}

/// `serial` encrypted to the escrow key the authority publishes (`info`, its
/// `/v1/authority`), as a lease's proof escrows it.
fn escrowed(info: &Value, serial: u32) -> EscrowCiphertext {
    let public =
        EscrowPublic::from_text(&serde_json::from_value(info["escrow_key"].clone()).unwrap())
            .unwrap();
    let ct = Ciphertext::encrypt(
        public.key(),
        serial,
        &Randomness::random(&mut rand::rngs::OsRng),
    );
    wire(&ct)
}

/// Three trustees' 2-of-3 key shares and the joint key.
fn trustees() -> (Vec<TrusteeShare>, EscrowPublic) {
    let params = Params::new(2, 3).unwrap();
    let rng = &mut rand::rngs::OsRng;
    let dealt: Vec<_> = (1..=3).map(|i| deal(params, i, rng).unwrap()).collect();
    let dealings: Vec<_> = dealt.iter().map(|(d, _)| d.clone()).collect();
    let shares: Vec<TrusteeShare> = (1..=3)
        .map(|me| {
            let mine: Vec<_> = dealt
                .iter()
                .flat_map(|(_, s)| s.iter().filter(|s| s.recipient == me).cloned())
                .collect();
            finish(params, me, &dealings, &mine).unwrap()
        })
        .collect();
    let public = EscrowPublic::from_text(&joint_key(params, &dealings).unwrap()).unwrap();
    (shares, public)
}

fn wire(c: &Ciphertext) -> EscrowCiphertext {
    let f = alc_escrow::text::ciphertext_file(c);
    EscrowCiphertext { c1: f.c1, c2: f.c2 }
}

struct World {
    a: TestAuthority,
    reporter: String,
    trustee: String,
    shares: Vec<TrusteeShare>,
    _keyfile: tempfile::NamedTempFile,
}

impl World {
    async fn new() -> Self {
        let (shares, public) = trustees();
        let keyfile = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(
            keyfile.path(),
            serde_json::to_string(&public.to_text()).unwrap(),
        )
        .unwrap();
        let a = TestAuthority::builder()
            .config(&format!(
                "escrow_key = {:?}\n",
                keyfile.path().to_str().unwrap()
            ))
            .start()
            .await;
        let token = |id: &str, scope: &str| NewToken {
            id: id.into(),
            scopes: vec![scope.into()],
            reason: "test".into(),
        };
        let mut w = Self {
            reporter: String::new(),
            trustee: String::new(),
            shares,
            _keyfile: keyfile,
            a,
        };
        for (id, scope) in [("gw", "report"), ("trustees", "open")] {
            let (s, v) = w
                .call("POST", "/v1/admin/tokens", None, typed(&token(id, scope)))
                .await;
            assert_eq!(s, StatusCode::OK, "{v}");
            let t = v["token"].as_str().unwrap().to_owned();
            if scope == "report" {
                w.reporter = t;
            } else {
                w.trustee = t;
            }
        }
        w
    }

    async fn call(
        &self,
        method: &str,
        path: &str,
        bearer: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        alc_devkit::http::call(
            &self.a.app,
            method,
            path,
            Some(bearer.unwrap_or(&self.a.admin)),
            body,
        )
        .await
    }

    /// An incident reported with `escrow`.
    async fn report(&self, escrow: Option<EscrowCiphertext>) -> i64 {
        let r = IncidentReport {
            pseudonym: "123".into(),
            gateway: "gw.example".into(),
            chain: vec![],
            description: "runaway spend".into(),
            escrow,
        };
        let (s, v) = self
            .call("POST", "/v1/incidents", Some(&self.reporter), typed(&r))
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        v["id"].as_i64().unwrap()
    }

    async fn open(&self, id: i64, trustee: u32) -> (StatusCode, Value) {
        self.call(
            "POST",
            &format!("/v1/admin/incidents/{id}/openings"),
            Some(&self.trustee),
            typed(&OpeningRequest { trustee }),
        )
        .await
    }

    /// Trustee `j`'s partial decryption of `escrow`.
    fn partial(&self, j: u32, escrow: &EscrowCiphertext) -> alc_protocol::escrow::Partial {
        let c1 = alc_escrow::text::point(&escrow.c1, "c1").unwrap();
        alc_escrow::partial(&self.shares[j as usize - 1], &c1, &mut rand::rngs::OsRng)
    }

    async fn submit(&self, id: i64, p: &alc_protocol::escrow::Partial) -> (StatusCode, Value) {
        self.call(
            "POST",
            &format!("/v1/admin/incidents/{id}/partials"),
            Some(&self.trustee),
            typed(p),
        )
        .await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_of_three_trustees_open_an_incident_on_the_record_and_revoke_the_licence() {
    let w = World::new().await;
    // The published key is the trustees'.
    let (_, info) = w.call("GET", "/v1/authority", None, None).await;
    assert_eq!(info["escrow_key"]["threshold"], 2, "{info}");

    // A licence whose serial a lease's proof escrowed.
    let holder = HolderSecret::generate(&mut rand::rngs::OsRng);
    let cred = w.a.credential("alice", &holder).await;
    let serial = cred.signed.credential.serial;
    let escrow = escrowed(&info, serial);
    let id = w.report(Some(escrow.clone())).await;

    // A partial released without its opening on the record: refused.
    let (s, v) = w.submit(id, &w.partial(1, &escrow)).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    assert!(
        v["message"].as_str().unwrap().contains("on the record"),
        "{v}"
    );

    // Trustee 1 asks: the registry's `opening` entry comes first, and names no licence.
    let (s, v) = w.open(id, 1).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let recorded: OpeningRecorded = serde_json::from_value(v).unwrap();
    assert_eq!(recorded.escrow, escrow);
    let (s, entry) = w
        .call(
            "GET",
            &format!("/v1/registry/entries/{}", recorded.registry_index),
            None,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{entry}");
    let e: Entry = serde_json::from_value(entry["entry"].clone()).unwrap();
    let Entry::Opening(o) = e else {
        panic!("an opening entry: {entry}")
    };
    assert_eq!(
        (o.incident.as_str(), o.trustee),
        (id.to_string().as_str(), 1)
    );
    assert_eq!(
        o.ciphertext,
        alc_issuer::openings::ciphertext_digest(&escrow)
    );
    // Asking again gives the same entry.
    let (_, again) = w.open(id, 1).await;
    assert_eq!(again["registry_index"], recorded.registry_index);

    // A bad partial (trustee 1 claims trustee 3's share... i.e. the wrong share): named.
    let mut bad = w.partial(1, &escrow);
    bad.point = w.partial(2, &escrow).point;
    let (s, v) = w.submit(id, &bad).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v["message"].as_str().unwrap().contains("trustee 1"), "{v}");

    // t - 1 = 1 valid partial: not opened.
    let (s, v) = w.submit(id, &w.partial(1, &escrow)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let p: OpeningProgress = serde_json::from_value(v).unwrap();
    assert_eq!((p.partials, p.threshold, p.opened), (1, 2, None));
    let (s, _) = w.submit(id, &w.partial(1, &escrow)).await;
    assert_eq!(s, StatusCode::CONFLICT, "a partial twice");

    // Trustee 3 on the record, then its partial: opened, and revoked at once.
    assert_eq!(w.open(id, 3).await.0, StatusCode::OK);
    let (s, v) = w.submit(id, &w.partial(3, &escrow)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let p: OpeningProgress = serde_json::from_value(v).unwrap();
    let opened = p.opened.unwrap();
    assert_eq!(opened.serial, serial);
    let (_, status) = w.call("GET", "/v1/status", None, None).await;
    let payload = status["payload"].as_str().unwrap();
    let response: Value = serde_json::from_slice(
        &base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, payload)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(response["epoch"], opened.epoch);
    assert_eq!(response["emergency"], true);
    // The incident names the licence now; the registry counts two openings.
    let (_, list) = w.call("GET", "/v1/admin/incidents", None, None).await;
    let inc = list
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == id)
        .unwrap();
    assert_eq!(inc["openings"], serde_json::json!([1, 3]));
    assert_eq!(inc["opened"]["serial"], serial);

    // The resolution's record names the licence, its permit and the chain reported.
    let (s, v) = w
        .call(
            "POST",
            &format!("/v1/admin/incidents/{id}/resolve"),
            None,
            typed(&alc_protocol::authority::Resolution {
                resolution: "licence revoked after opening".into(),
            }),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
    let details: String = sqlx::query_scalar(
        "SELECT details FROM audit WHERE action = 'incident-resolve' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&w.a.authority.db_pool())
    .await
    .unwrap();
    let details: Value = serde_json::from_str(&details).unwrap();
    assert_eq!(details["serial"], serial, "{details}");
    assert!(
        details.get("permit").is_some() && details["chain"].is_array(),
        "{details}"
    );
    // A personal licence has no permit: no reporting channel hears of it.
    let notices: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM permit_notices")
        .fetch_one(&w.a.authority.db_pool())
        .await
        .unwrap();
    assert_eq!(notices, 0);
}

/// An incident opened to a permit's licence is reported to the permit's reporting
/// channels (through the notices outbox), naming the incident and the licence.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_opened_permit_licence_is_reported_to_the_permits_channels() {
    use alc_protocol::authority::{CredentialRequest, IdentityRef, NewOperator, NewPermit};
    let w = World::new().await;
    let (_, info) = w.call("GET", "/v1/authority", None, None).await;
    let channel = "https://fleet.example/alc/incidents";
    let p = NewPermit {
        id: "fleet".into(),
        name: "Fleet Ltd".into(),
        tier: 1,
        insurance: None,
        contacts: Vec::new(),
        incident_contact: Some("mailto:duty@fleet.example".into()),
        reporting: vec![channel.into()],
        reason: "r".into(),
    };
    w.a.authority.create_permit(&p, "test").await.unwrap();
    let id = w.a.passed("bob").await;
    let op = NewOperator {
        identity: IdentityRef {
            issuer: alc_devkit::authority::IDP.into(),
            subject: "bob".into(),
        },
        principal: false,
        reason: "r".into(),
    };
    w.a.authority
        .add_operator("fleet", &op, "test")
        .await
        .unwrap();
    let holder = HolderSecret::generate(&mut rand::rngs::OsRng).commitment();
    let req = CredentialRequest {
        holder: alc_circuits::field::to_decimal(&holder),
        permit: Some("fleet".into()),
    };
    let serial =
        w.a.authority
            .issue(&id, &req)
            .await
            .unwrap()
            .signed
            .credential
            .serial;
    let escrow = escrowed(&info, serial);
    let incident = w.report(Some(escrow.clone())).await;
    for j in [1, 2] {
        assert_eq!(w.open(incident, j).await.0, StatusCode::OK);
        let (s, v) = w.submit(incident, &w.partial(j, &escrow)).await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    let notices: Vec<(String, String)> =
        sqlx::query_as("SELECT contact, body FROM permit_notices WHERE permit_id = 'fleet'")
            .fetch_all(&w.a.authority.db_pool())
            .await
            .unwrap();
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert_eq!(notices[0].0, channel);
    let body: Value = serde_json::from_str(&notices[0].1).unwrap();
    assert_eq!(
        (
            body["event"].as_str(),
            body["incident"].as_i64(),
            body["serial"].as_u64()
        ),
        (
            Some("incident-opened"),
            Some(incident),
            Some(u64::from(serial))
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openings_are_refused_without_a_ciphertext_a_trustee_or_the_scope() {
    let w = World::new().await;
    let id = w.report(None).await;
    let (s, v) = w.open(id, 1).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .contains("no escrow ciphertext"),
        "{v}"
    );
    let (shares, public) = trustees();
    drop(shares);
    let ct = Ciphertext::encrypt(public.key(), 5, &Randomness::random(&mut rand::rngs::OsRng));
    let id = w.report(Some(wire(&ct))).await;
    assert_eq!(
        w.open(id, 4).await.0,
        StatusCode::BAD_REQUEST,
        "trustee 4 of 3"
    );
    assert_eq!(w.open(999, 1).await.0, StatusCode::NOT_FOUND);
    // The reporting gateway's token cannot open.
    let (s, _) = w
        .call(
            "POST",
            &format!("/v1/admin/incidents/{id}/openings"),
            Some(&w.reporter),
            typed(&OpeningRequest { trustee: 1 }),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // A ciphertext off the curve is refused at the report.
    let mut off = wire(&ct);
    off.c1[0] = "1".into();
    let r = IncidentReport {
        pseudonym: "1".into(),
        gateway: "g".into(),
        chain: vec![],
        description: "d".into(),
        escrow: Some(off),
    };
    let (s, _) = w
        .call("POST", "/v1/incidents", Some(&w.reporter), typed(&r))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
}

/// An escrow key whose secret is tiny (the test keys' `77 * Base8`) is refused at start:
/// anyone could open every licence's ciphertext under it. Twins: with `allow_test_keys`
/// it starts (development), and the trustees' real key starts without it.
#[tokio::test]
async fn an_escrow_key_with_a_public_secret_is_refused_unless_for_development() {
    let (_, public) = trustees();
    let mut weak = public.to_text();
    let p = *alc_devkit::keys::test_escrow_key().point();
    weak.key = [
        alc_circuits::field::to_decimal(&p.x),
        alc_circuits::field::to_decimal(&p.y),
    ];
    let start = |key: &alc_protocol::escrow::JointKey, extra: &str| {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("escrow-key.json"),
            serde_json::to_string(key).unwrap(),
        )
        .unwrap();
        std::fs::write(
            dir.path().join("authority.toml"),
            format!("escrow_key = \"escrow-key.json\"\n{extra}"),
        )
        .unwrap();
        async move {
            let clock = Arc::new(alc_protocol::time::SystemClock);
            let r = alc_issuer::service::open(dir.path(), clock).await.map(drop);
            (r, dir)
        }
    };
    let (r, _d) = start(&weak, "").await;
    let e = r.unwrap_err().to_string();
    assert!(e.contains("a test key"), "{e}");
    let (r, _d) = start(&weak, "allow_test_keys = true\n").await;
    r.unwrap();
    let (r, _d) = start(&public.to_text(), "").await;
    r.unwrap();
}
