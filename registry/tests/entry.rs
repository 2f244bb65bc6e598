//! Entries: canonical leaf encoding, round trips, malformed and random leaves.
#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test
use alc_registry::entry::{
    Entry, EntryError, Incident, Kill, KillTarget, Permissions, Spawn, StatusEpoch,
};
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};

const PSEUDONYM: &str =
    "12345678901234567890123456789012345678901234567890123456789012345678901234567";
/// The BN254 scalar field modulus r (not a field element).
const R: &str = "21888242871839275222246405745257275088548364400416034343698204186575808495617";
const MANIFEST: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

fn spawn() -> Spawn {
    Spawn {
        gateway: "gw.example.org".into(),
        lease_id: "lease-7f3a".into(),
        parent_lease: Some("lease-0001".into()),
        agent: "agent:planner/2".into(),
        pseudonym: PSEUDONYM.into(),
        permit_hash: String::new(),
        permissions: Permissions {
            routes: vec!["/v1/sandbox/".into(), "/v1/autonomous/search".into()],
            rate_per_min: 60,
            expires: 1_790_000_900,
            tier: 1,
            permit_tier: 0,
        },
        manifest_hash: MANIFEST.into(),
        depth: 1,
        system: None,
        at: 1_790_000_000,
    }
}

fn samples() -> Vec<Entry> {
    let root = Spawn {
        parent_lease: None,
        depth: 0,
        permit_hash: MANIFEST.into(),
        ..spawn()
    };
    vec![
        Entry::Spawn(spawn()),
        Entry::Spawn(root),
        Entry::Kill(Kill {
            gateway: "gw.example.org".into(),
            target: KillTarget::Lease("lease-7f3a".into()),
            reason: "runaway spending, r\u{e9}sum\u{e9} \"quoted\" \\ slash".into(),
            at: u64::MAX,
        }),
        Entry::Kill(Kill {
            gateway: "gw.example.org".into(),
            target: KillTarget::Pseudonym("0".into()),
            reason: String::new(),
            at: 0,
        }),
        Entry::StatusEpoch(StatusEpoch {
            epoch: 42,
            root: PSEUDONYM.into(),
            emergency: true,
            at: 1_790_000_000,
        }),
        Entry::Incident(Incident {
            id: "inc-1".into(),
            gateway: Some("gw.example.org".into()),
            lease_id: None,
            category: "data_exfiltration".into(),
            summary_hash: MANIFEST.into(),
            at: 1_790_000_000,
        }),
    ]
}

fn leaf_of_json(json: &str) -> Vec<u8> {
    [&[1u8][..], json.as_bytes()].concat()
}

#[test]
fn canonical_encoding_is_documented_form() {
    let kill = Entry::Kill(Kill {
        gateway: "gw.example".into(),
        target: KillTarget::Lease("l-42".into()),
        reason: "abuse".into(),
        at: 1_790_000_000,
    });
    let want = br#"{"kind":"kill","gateway":"gw.example","target":{"lease":"l-42"},"reason":"abuse","at":"1790000000"}"#;
    assert_eq!(kill.to_leaf().unwrap(), [&[1u8][..], want].concat());
    let spawn = String::from_utf8(Entry::Spawn(spawn()).to_leaf().unwrap()[1..].to_vec()).unwrap();
    assert_eq!(
        spawn,
        format!(
            "{{\"kind\":\"spawn\",\"gateway\":\"gw.example.org\",\"lease_id\":\"lease-7f3a\",\
             \"parent_lease\":\"lease-0001\",\"agent\":\"agent:planner/2\",\"pseudonym\":\"{PSEUDONYM}\",\
             \"permit_hash\":\"\",\"permissions\":{{\"routes\":[\"/v1/sandbox/\",\"/v1/autonomous/search\"],\
             \"rate_per_min\":60,\"expires\":\"1790000900\",\"tier\":1,\"permit_tier\":0}},\
             \"manifest_hash\":\"{MANIFEST}\",\"depth\":1,\"at\":\"1790000000\"}}"
        )
    );
}

#[test]
fn round_trip_every_kind() {
    for e in samples() {
        let leaf = e.to_leaf().unwrap();
        assert_eq!(Entry::from_leaf(&leaf).unwrap(), e);
        assert_eq!(
            e.leaf_hash().unwrap(),
            alc_registry::merkle::leaf_hash(&leaf)
        );
        // The JSON alone round-trips through serde too (what the HTTP API carries).
        let json = serde_json::to_string(&e).unwrap();
        assert_eq!(serde_json::from_str::<Entry>(&json).unwrap(), e);
    }
}

#[test]
fn malformed_leaves_are_errors() {
    let good = Entry::Spawn(spawn()).to_leaf().unwrap();
    let json = std::str::from_utf8(&good[1..]).unwrap();
    assert_eq!(Entry::from_leaf(&[]), Err(EntryError::Empty));
    assert_eq!(Entry::from_leaf(&[2]), Err(EntryError::UnknownVersion(2)));
    assert_eq!(
        Entry::from_leaf(&[[0u8].as_slice(), &good[1..]].concat()),
        Err(EntryError::UnknownVersion(0))
    );
    assert!(matches!(Entry::from_leaf(&[1]), Err(EntryError::Json(_))));
    assert!(matches!(
        Entry::from_leaf(&good[..good.len() - 1]),
        Err(EntryError::Json(_))
    ));
    assert!(matches!(
        Entry::from_leaf(&leaf_of_json(r#"{"kind":"mint"}"#)),
        Err(EntryError::Json(_))
    ));
    assert!(matches!(
        Entry::from_leaf(&leaf_of_json("[]")),
        Err(EntryError::Json(_))
    ));
    assert!(matches!(
        Entry::from_leaf(&vec![1u8; 5000]),
        Err(EntryError::TooLarge {
            len: 5000,
            max: 4096
        })
    ));

    // Valid JSON, not canonical.
    let not_canonical = [
        json.replacen(',', ", ", 1),
        format!(" {json}"),
        format!("{json}\n"),
        json.replacen(
            r#""kind":"spawn","gateway":"gw.example.org""#,
            r#""gateway":"gw.example.org","kind":"spawn""#,
            1,
        ),
        json.replacen("\"gw.example.org\"", "\"gw.\\u0065xample.org\"", 1),
        json.replacen("\"at\":\"1790000000\"", "\"at\":\"01790000000\"", 1),
        json.replacen("\"depth\":1", "\"depth\":1.0", 1),
    ];
    for j in not_canonical {
        let r = Entry::from_leaf(&leaf_of_json(&j));
        assert!(
            matches!(r, Err(EntryError::NotCanonical) | Err(EntryError::Json(_))),
            "{j}: {r:?}"
        );
    }
    // Unknown and missing fields.
    let extra = json.replacen("\"depth\":1", "\"depth\":1,\"name\":\"Alice\"", 1);
    assert!(Entry::from_leaf(&leaf_of_json(&extra)).is_err());
    let missing = json.replacen("\"parent_lease\":\"lease-0001\",", "", 1);
    assert!(Entry::from_leaf(&leaf_of_json(&missing)).is_err());
    let null_parent = json.replacen(
        "\"parent_lease\":\"lease-0001\"",
        "\"parent_lease\":null",
        1,
    );
    assert!(matches!(
        Entry::from_leaf(&leaf_of_json(&null_parent)),
        Err(EntryError::InvalidField { field: "depth", .. })
    ));
    // JSON numbers where decimal strings belong.
    let numeric = json.replacen("\"at\":\"1790000000\"", "\"at\":1790000000", 1);
    assert!(matches!(
        Entry::from_leaf(&leaf_of_json(&numeric)),
        Err(EntryError::Json(_))
    ));
}

#[test]
fn validation_rejects_bad_fields() {
    let field_of = |e: Entry| match e.to_leaf() {
        Err(EntryError::InvalidField { field, .. }) => field,
        other => panic!("expected an invalid field, got {other:?}"),
    };
    let s = spawn;
    assert_eq!(
        field_of(Entry::Spawn(Spawn {
            gateway: String::new(),
            ..s()
        })),
        "gateway"
    );
    assert_eq!(
        field_of(Entry::Spawn(Spawn {
            gateway: "gw example".into(),
            ..s()
        })),
        "gateway"
    );
    assert_eq!(
        field_of(Entry::Spawn(Spawn {
            lease_id: "x".repeat(129),
            ..s()
        })),
        "lease_id"
    );
    assert_eq!(
        field_of(Entry::Spawn(Spawn {
            agent: "agent\u{e9}".into(),
            ..s()
        })),
        "agent"
    );
    assert_eq!(
        field_of(Entry::Spawn(Spawn {
            pseudonym: R.into(),
            ..s()
        })),
        "pseudonym"
    );
    assert_eq!(
        field_of(Entry::Spawn(Spawn {
            pseudonym: "007".into(),
            ..s()
        })),
        "pseudonym"
    );
    assert_eq!(
        field_of(Entry::Spawn(Spawn {
            pseudonym: "-1".into(),
            ..s()
        })),
        "pseudonym"
    );
    assert_eq!(
        field_of(Entry::Spawn(Spawn {
            pseudonym: String::new(),
            ..s()
        })),
        "pseudonym"
    );
    assert_eq!(
        field_of(Entry::Spawn(Spawn {
            permit_hash: "none".into(),
            ..s()
        })),
        "permit_hash"
    );
    assert_eq!(
        field_of(Entry::Spawn(Spawn {
            manifest_hash: MANIFEST.to_uppercase(),
            ..s()
        })),
        "manifest_hash"
    );
    assert_eq!(
        field_of(Entry::Spawn(Spawn {
            manifest_hash: MANIFEST[2..].into(),
            ..s()
        })),
        "manifest_hash"
    );
    assert_eq!(field_of(Entry::Spawn(Spawn { depth: 0, ..s() })), "depth");
    assert_eq!(
        field_of(Entry::Spawn(Spawn {
            parent_lease: None,
            ..s()
        })),
        "depth"
    );
    assert_eq!(
        field_of(Entry::Spawn(Spawn {
            parent_lease: Some("lease-7f3a".into()),
            ..s()
        })),
        "parent_lease"
    );
    let mut p = s();
    p.permissions.routes = vec!["v1/no-slash".into()];
    assert_eq!(field_of(Entry::Spawn(p)), "permissions.routes");
    let mut p = s();
    p.permissions.routes = vec!["/a".into(); 33];
    assert_eq!(field_of(Entry::Spawn(p)), "permissions.routes");
    let kill = |target, reason: &str| {
        Entry::Kill(Kill {
            gateway: "gw".into(),
            target,
            reason: reason.into(),
            at: 1,
        })
    };
    assert_eq!(
        field_of(kill(KillTarget::Pseudonym("abc".into()), "")),
        "target.pseudonym"
    );
    assert_eq!(
        field_of(kill(KillTarget::Lease(String::new()), "")),
        "target.lease"
    );
    assert_eq!(
        field_of(kill(KillTarget::Lease("l".into()), "line\nbreak")),
        "reason"
    );
    assert_eq!(
        field_of(kill(KillTarget::Lease("l".into()), &"x".repeat(513))),
        "reason"
    );
    assert_eq!(
        field_of(Entry::StatusEpoch(StatusEpoch {
            epoch: 1,
            root: "0x12".into(),
            emergency: false,
            at: 1
        })),
        "root"
    );
    let inc = |category: &str, summary_hash: &str| {
        Entry::Incident(Incident {
            id: "i".into(),
            gateway: None,
            lease_id: Some("l".into()),
            category: category.into(),
            summary_hash: summary_hash.into(),
            at: 1,
        })
    };
    assert!(inc("abuse", MANIFEST).to_leaf().is_ok());
    assert_eq!(field_of(inc("Abuse", MANIFEST)), "category");
    assert_eq!(field_of(inc("", MANIFEST)), "category");
    assert_eq!(field_of(inc("abuse", "")), "summary_hash");

    // The 4 KiB bound on the whole leaf.
    let mut big = s();
    big.permissions.routes = vec![format!("/{}", "a".repeat(255)); 32];
    assert!(matches!(
        Entry::Spawn(big).to_leaf(),
        Err(EntryError::TooLarge { max: 4096, .. })
    ));
}

#[test]
fn random_and_mutated_bytes_never_panic() {
    let mut rng = ChaCha20Rng::seed_from_u64(0xa1c);
    let goods: Vec<Vec<u8>> = samples().iter().map(|e| e.to_leaf().unwrap()).collect();
    let mut accepted = 0;
    for i in 0..20_000 {
        let bytes = if i % 2 == 0 {
            // Random bytes, with the right version byte half of the time.
            let mut b = vec![0u8; (rng.next_u32() % 300) as usize];
            rng.fill_bytes(&mut b);
            if i % 4 == 0 && !b.is_empty() {
                b[0] = 1;
            }
            b
        } else {
            // A valid leaf with a few bytes changed, inserted or removed.
            let mut b = goods[i % goods.len()].clone();
            for _ in 0..1 + rng.next_u32() % 3 {
                let at = (rng.next_u32() as usize) % b.len();
                match rng.next_u32() % 3 {
                    0 => b[at] = rng.next_u32() as u8,
                    1 => b.insert(at, rng.next_u32() as u8),
                    _ => {
                        b.remove(at);
                    }
                }
                if b.is_empty() {
                    break;
                }
            }
            b
        };
        if let Ok(e) = Entry::from_leaf(&bytes) {
            // Anything accepted is canonical: it re-encodes to the same bytes.
            assert_eq!(e.to_leaf().unwrap(), bytes);
            accepted += 1;
        }
    }
    // Mutations that keep a valid canonical entry exist (a digit changed) but are rare.
    assert!(accepted < 2_000, "{accepted}");
}

#[test]
fn agent_and_manifest_are_commitments_scoped_to_the_gateway_and_salted_per_lease() {
    use alc_registry::entry::{agent_commitment, manifest_commitment};
    let salt = [7u8; 32];
    let at = |gateway: &str, salt: &[u8; 32]| Spawn {
        gateway: gateway.into(),
        agent: agent_commitment(gateway, salt, "agent:planner/2"),
        manifest_hash: manifest_commitment(gateway, salt, MANIFEST),
        ..spawn()
    };
    let (a, b) = (at("gw-a.example", &salt), at("gw-b.example", &salt));
    // Valid entries of the unchanged leaf format.
    for s in [&a, &b] {
        let e = Entry::Spawn(s.clone());
        assert_eq!(Entry::from_leaf(&e.to_leaf().unwrap()).unwrap(), e);
    }
    // The same agent and manifest at two gateways, or under two salts: nothing in common.
    assert_ne!(a.agent, b.agent);
    assert_ne!(a.manifest_hash, b.manifest_hash);
    let other = at("gw-a.example", &[8; 32]);
    assert_ne!(a.agent, other.agent);
    assert_ne!(a.manifest_hash, other.manifest_hash);
    // The holder opens it with the salt; any other agent, manifest, salt or gateway fails.
    assert!(a.opens(&salt, "agent:planner/2", MANIFEST));
    assert!(a.opens(&salt, "agent:planner/2", &MANIFEST.to_uppercase()));
    assert!(!a.opens(&salt, "agent:planner/3", MANIFEST));
    assert!(!a.opens(&salt, "agent:planner/2", &MANIFEST.replace('9', "8")));
    assert!(!a.opens(&[8; 32], "agent:planner/2", MANIFEST));
    let moved = Spawn {
        gateway: "gw-b.example".into(),
        ..a.clone()
    };
    assert!(!moved.opens(&salt, "agent:planner/2", MANIFEST));
    // Pinned: the commitment's bytes are part of the registry's format.
    assert_eq!(agent_commitment("gw", &[0; 32], "a"), {
        use sha2::Digest;
        let mut h = sha2::Sha256::new();
        h.update(b"alc/v1/registry/agent\0");
        h.update(2u64.to_be_bytes());
        h.update(b"gw");
        h.update([0u8; 32]);
        h.update(1u64.to_be_bytes());
        h.update(b"a");
        hex::encode(h.finalize())
    });
}

/// A spawn's agent-system commitment is in its leaf only when present (entries without
/// one encode as before), round-trips, and must be a commitment; `"system": null` is
/// not the canonical form of its absence.
#[test]
fn a_system_commitment_is_in_the_leaf_only_when_present() {
    use alc_registry::entry::system_commitment;
    let plain = spawn();
    let leaf = Entry::Spawn(plain.clone()).to_leaf().unwrap();
    assert!(!String::from_utf8_lossy(&leaf).contains("system"));
    let system = system_commitment(&plain.gateway, &[3; 32], &"ab".repeat(16));
    assert_ne!(
        system,
        system_commitment("gw.other.org", &[3; 32], &"ab".repeat(16)),
        "unlinkable across gateways"
    );
    let with = Spawn {
        system: Some(system),
        ..plain.clone()
    };
    let leaf = Entry::Spawn(with.clone()).to_leaf().unwrap();
    assert_eq!(Entry::from_leaf(&leaf).unwrap(), Entry::Spawn(with));
    let bad = Spawn {
        system: Some("sys-1".into()),
        ..plain.clone()
    };
    assert!(Entry::Spawn(bad).validate().is_err());
    let plain_leaf = Entry::Spawn(plain).to_leaf().unwrap();
    let text = String::from_utf8(plain_leaf[1..].to_vec()).unwrap();
    let null = text.replacen(",\"at\":", ",\"system\":null,\"at\":", 1);
    assert!(Entry::from_leaf(&[&[1u8][..], null.as_bytes()].concat()).is_err());
}
