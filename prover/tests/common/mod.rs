//! The prover tests' shared pins: a verifying key in `circuits/circuit_data/{version}/`.

use alc_verifier::VerifyingKey;

/// The pin folder of a circuit version.
pub fn pins(version: &str) -> String {
    format!(
        "{}/../circuits/circuit_data/{version}",
        env!("CARGO_MANIFEST_DIR")
    )
}

/// Compares `vk` with its pinned digest and encoding (rewritten instead with
/// `ALC_UPDATE_PINS=1`); returns the pinned key, decoded from its file.
pub fn check_pinned_key(version: &str, vk: &VerifyingKey) -> VerifyingKey {
    let dir = pins(version);
    if std::env::var_os("ALC_UPDATE_PINS").is_some() {
        std::fs::write(
            format!("{dir}/verifying_key.hex"),
            format!("{}\n", hex::encode(vk.to_bytes())),
        )
        .unwrap();
        std::fs::write(
            format!("{dir}/verifying_key.sha256"),
            format!("{}\n", vk.digest_hex()),
        )
        .unwrap();
    }
    let read = |f: &str| std::fs::read_to_string(format!("{dir}/{f}")).unwrap();
    assert_eq!(
        vk.digest_hex(),
        read("verifying_key.sha256").trim(),
        "the fixed-seed {version} verifying key changed"
    );
    let pinned =
        VerifyingKey::from_bytes(&hex::decode(read("verifying_key.hex").trim()).unwrap()).unwrap();
    assert_eq!(&pinned, vk);
    pinned
}
