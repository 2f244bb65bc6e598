//! The circuits' shared test fixture: an issuer, a holder, a status list with a few
//! revocations, an unrevoked credential and the v1 statement it satisfies.

#![allow(dead_code)] // each test file uses its part

use alc_circuits::credential::{permit_hash, Credential, HolderSecret, SignedCredential};
use alc_circuits::eddsa::SecretKey;
use alc_circuits::presentation::{
    encode_challenge, encode_manifest, encode_scope, Statement, Witness,
};
use alc_circuits::status::StatusList;
use alc_circuits::Fr;

pub const NOW: u64 = 1_790_000_000;

pub struct Fixture {
    pub issuer: SecretKey,
    pub secret: HolderSecret,
    pub list: StatusList,
    pub credential: Credential,
    pub statement: Statement,
}

impl Fixture {
    pub fn new() -> Self {
        let issuer = SecretKey::from_bytes([42; 32]);
        let secret = HolderSecret::from_field(Fr::from(123_456_789u64));
        let mut list = StatusList::new();
        for s in [1u32, 2, 70, 5000] {
            list.revoke(s).unwrap();
        }
        let credential = Credential {
            serial: 3,
            tier: 1,
            permit: permit_hash("permit-acme-1"),
            permit_tier: 2,
            not_before: NOW - 1000,
            expires: NOW + 1000,
            holder: secret.commitment(),
        };
        let pk = *issuer.public_key().point();
        let scope = encode_scope("gateway.example");
        let statement = Statement {
            issuer_pk_x: pk.x,
            issuer_pk_y: pk.y,
            status_root: list.root(),
            min_tier: 1,
            min_permit_tier: 2,
            now: NOW,
            scope,
            challenge: encode_challenge(&[7; 32]),
            manifest: encode_manifest(&[9; 32]),
            pseudonym: secret.pseudonym(&scope),
        };
        Self {
            issuer,
            secret,
            list,
            credential,
            statement,
        }
    }

    pub fn witness(&self) -> Witness {
        let signed = SignedCredential::sign(self.credential, &self.issuer).unwrap();
        Witness {
            credential: self.credential,
            signature: signed.signature,
            secret: self.secret.clone(),
            status: self.list.path(self.credential.serial).unwrap(),
        }
    }
}

/// Compares a constraint count with its pin in `circuit_data/{version}/constraints.txt`
/// (rewritten instead with `ALC_UPDATE_PINS=1`, after a deliberate change: a new
/// circuit version).
pub fn check_pinned_count(version: &str, constraints: usize) {
    let path = format!(
        "{}/circuit_data/{version}/constraints.txt",
        env!("CARGO_MANIFEST_DIR")
    );
    let actual = constraints.to_string();
    if std::env::var_os("ALC_UPDATE_PINS").is_some() {
        std::fs::write(&path, format!("{actual}\n")).unwrap();
    } else {
        let pinned = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            actual,
            pinned.trim(),
            "{version}'s constraint count changed: that is a new circuit version"
        );
    }
}

/// The witness variables (by index among the witnesses) that no constraint pins: for
/// each one, the honest assignment with that one variable plus one, every other kept,
/// still satisfies every R1CS constraint the variable appears in. Reads the finalized
/// matrices, so it checks the constraints a prover is held to, not arkworks' own cache.
pub fn free_witnesses(cs: &ark_relations::gr1cs::ConstraintSystemRef<Fr>) -> Vec<usize> {
    use ark_ff::One;
    use ark_relations::gr1cs::R1CS_PREDICATE_LABEL;
    cs.finalize();
    let abc = cs
        .to_matrices()
        .unwrap()
        .remove(R1CS_PREDICATE_LABEL)
        .unwrap();
    let mut z = cs.instance_assignment().unwrap();
    let instances = z.len();
    z.extend(cs.witness_assignment().unwrap());
    let eval = |row: &[(Fr, usize)], z: &[Fr]| row.iter().map(|(c, i)| *c * z[*i]).sum::<Fr>();
    let holds =
        |r: usize, z: &[Fr]| eval(&abc[0][r], z) * eval(&abc[1][r], z) == eval(&abc[2][r], z);
    let rows = abc[0].len();
    assert!(
        (0..rows).all(|r| holds(r, &z)),
        "the honest assignment must satisfy"
    );
    let mut by_column = vec![Vec::new(); z.len()];
    for m in &abc {
        for (r, row) in m.iter().enumerate() {
            for (_, i) in row {
                by_column[*i].push(r);
            }
        }
    }
    let mut free = Vec::new();
    for w in instances..z.len() {
        z[w] += Fr::one();
        if by_column[w].iter().all(|&r| holds(r, &z)) {
            free.push(w - instances);
        }
        z[w] -= Fr::one();
    }
    free
}
