//! The token checks, one failing case each, against a development identity provider
//! (EdDSA), a "KYC" provider with RSA and EC keys, files and URLs.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::config::{default_algorithms, default_subject_claim};
use super::*;
use alc_devkit::idp::DevIdp;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde::Deserialize;
use std::sync::atomic::{AtomicUsize, Ordering};

const NOW: u64 = 1_700_000_000;
const LEEWAY: u64 = 30;
const AUD: &str = "alc-authority";
const DEV_ISS: &str = "https://dev-idp.example";
const KYC_ISS: &str = "https://kyc.example";

// Test-only keys, generated with `openssl genpkey` for these tests and
// used nowhere else (no RSA/EC key generation is available without new
// crates). The JWK components below are the public halves.
const RSA_PRIVATE_PEM: &str = "-----BEGIN PRIVATE KEY-----
MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQDKcJl1ZROXEtBf
uNFyJDOJmmf2+OEyqy90S1R1qe2Y556/FQm1eCP5F9U1QoIcunYACKT+CBrwUJD6
+nnbpdqUoeHlB+u4VHtf6SxB4ny4jeaPDg0C3rjkWZobYWX8DNwGFRW3gt0zw4vK
Bs+wZkPkLQc0GLwKLsxKbmkngE3jCHlGe4Sbmu16n3am793QovPSF4sL8Si4nVSf
PyASbxrVznIPX3mRDpgtPuR+nE0PUreYmDLPtnLB2ORiSijMIu9ha7lEmMVp4wQN
pykL3jLPgTqVm6SBl0Llz7lK3JXMBqkQmwIfbvWW/mqfiItvPf8rFQ1XgHuszMNC
fwiEkCbVAgMBAAECggEAU9qZTk3cc/8IjiXlp/SD3pM1TlFgItdS1EahyQ1mzCfh
E0B5IZCOwg7Ts3iFobXAzBnIkis0UWfl7fgTwt5r8JYvlmmWA+gGpL9WpEHXLLEm
mAoXbKFqD7hnw8Cv+FwxRVm1gaq0yszMmhYBMI3jwF/AdJ1sQoGJAKnEZ+bXHFt3
4+G6ryVG6yvBBbdrG3qmmtpjn0H8uOqhs3VixE0mziHO+8OdddS6N5GL+cQ9B9vM
k1T6H3Lq18CVjkJEgAAueZlk1Z0hOQWT+KVBdvapMBLwfqkpLTkGResmLEbeDYhT
S3WDnHv/oPEyGy31Bx+V38NboDrQOOPK/se5ohTEbwKBgQD/Drgye6szFcfq10Kr
60FcwcqjejfkLu7iAP7ylF286g3MXLTTpmcIJ2lJKysuPvEJfQzy52CplAfP5DOI
AgcR/nNLFlasW0iAQAwuFxnGMin9NqvhtlPwInG05a7ycIcNp0GynUhh+vzXgXAy
wx6EP6DYyVHWJgDYSM7fnUihrwKBgQDLMBq8BgzzuKXFaDs1KO2YsLvRxj6rS89+
wkOlXAGeBB1bByuzKEQGciTOizJTaSA+aLT9FvtVDqU/8IDaeOEOvgHXrD4oVS1d
H2M8lssDv0/x2hmGS3/Lk0+k/oFfGNdo3fh78uJjwElF3GOIRWb3d6Ii/ZjjkkXq
CU16Ih20uwKBgQDOprNxG6gDNPOMf6piNrL3n4A6Yezk8W3VKW9nRfSI+q4BVV+h
WGKERcJVaSeMSazrvij+qZ805l5J/yANY28tEheBz/Cbpz4fw0TbFxZn8f75TRGI
SDzMBGxSYAIWJjwWQNzHBg4+bKftR8+LIXIZPqBo5PxsYNAwbRVIMlxFuwKBgQCw
n8NNmJDft63aOS3mmwpWhaLuyj6l1sOrM6Fr99usCXWfME+LcEAZvlVCefuoSCTw
O0LBEp4tpQp+10ibISK6Fu8xFJf/pXNGlMdF3urg+ge7e9ReSfjv9MDx8w5wpP5z
OSkMTej/vyGyqc6XoYTNL2BwvDOP9xHxTF7eARQDiwKBgBe/sJAZArNpPRJ0rPnZ
v+qQrXPhdSXg18/z1L3aGvs5tm7SqVXIi3J5adhpSWc4CBJVTB4aOCUL8grCF11s
x/G0QzPqHqY8xul47JW5UpA62XyrjX5c1BQVba14IKSlDiMMduiFUvLBXuwIktsg
ebPU4YANF4EfFdt5UOqgO2yB
-----END PRIVATE KEY-----
";
const RSA_PUBLIC_PEM: &str = "-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAynCZdWUTlxLQX7jRciQz
iZpn9vjhMqsvdEtUdantmOeevxUJtXgj+RfVNUKCHLp2AAik/gga8FCQ+vp526Xa
lKHh5QfruFR7X+ksQeJ8uI3mjw4NAt645FmaG2Fl/AzcBhUVt4LdM8OLygbPsGZD
5C0HNBi8Ci7MSm5pJ4BN4wh5RnuEm5rtep92pu/d0KLz0heLC/EouJ1Unz8gEm8a
1c5yD195kQ6YLT7kfpxND1K3mJgyz7ZywdjkYkoozCLvYWu5RJjFaeMEDacpC94y
z4E6lZukgZdC5c+5StyVzAapEJsCH271lv5qn4iLbz3/KxUNV4B7rMzDQn8IhJAm
1QIDAQAB
-----END PUBLIC KEY-----
";
const RSA_N: &str = "ynCZdWUTlxLQX7jRciQziZpn9vjhMqsvdEtUdantmOeevxUJtXgj-RfVNUKCHLp2AAik_gga8FCQ-vp526XalKHh5QfruFR7X-ksQeJ8uI3mjw4NAt645FmaG2Fl_AzcBhUVt4LdM8OLygbPsGZD5C0HNBi8Ci7MSm5pJ4BN4wh5RnuEm5rtep92pu_d0KLz0heLC_EouJ1Unz8gEm8a1c5yD195kQ6YLT7kfpxND1K3mJgyz7ZywdjkYkoozCLvYWu5RJjFaeMEDacpC94yz4E6lZukgZdC5c-5StyVzAapEJsCH271lv5qn4iLbz3_KxUNV4B7rMzDQn8IhJAm1Q";
const RSA_E: &str = "AQAB";
const EC_PRIVATE_PEM: &str = "-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQguQWeLcyCL26DPU4Q
d0F0nQbfTrbqKNMh6z+OLbDenROhRANCAATy9K89kKqiucgYvY+tH/I3IbCWTuzB
hoZX9+kjfFLFs/bl/bpIjLeNE5ACTsafp17YMvGChH53h2IIRnv6hAcI
-----END PRIVATE KEY-----
";
const EC_X: &str = "8vSvPZCqornIGL2PrR_yNyGwlk7swYaGV_fpI3xSxbM";
const EC_Y: &str = "9uX9ukiMt40TkAJOxp-nXtgy8YKEfneHYghGe_qEBwg";

fn rsa_jwk(kid: &str) -> Value {
    json!({"kty": "RSA", "n": RSA_N, "e": RSA_E, "kid": kid, "alg": "RS256", "use": "sig"})
}

fn ec_jwk(kid: &str) -> Value {
    json!({"kty": "EC", "crv": "P-256", "x": EC_X, "y": EC_Y, "kid": kid, "use": "sig"})
}

use serde_json::json;

fn b64(v: &Value) -> String {
    URL_SAFE_NO_PAD.encode(v.to_string())
}

fn claims(iss: &str) -> Value {
    json!({
        "iss": iss,
        "sub": "person-123",
        "aud": AUD,
        "iat": NOW,
        "exp": NOW + 600,
        "nonce": "nonce-abc",
    })
}

fn with(mut claims: Value, key: &str, value: Value) -> Value {
    claims
        .as_object_mut()
        .unwrap()
        .insert(key.to_owned(), value);
    claims
}

fn without(mut claims: Value, key: &str) -> Value {
    claims.as_object_mut().unwrap().remove(key);
    claims
}

fn sign_rs256(claims: &Value, kid: Option<&str>) -> String {
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    header.kid = kid.map(str::to_owned);
    let key = jsonwebtoken::EncodingKey::from_rsa_pem(RSA_PRIVATE_PEM.as_bytes()).unwrap();
    jsonwebtoken::encode(&header, claims, &key).unwrap()
}

fn sign_es256(claims: &Value, kid: Option<&str>) -> String {
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256);
    header.kid = kid.map(str::to_owned);
    let key = jsonwebtoken::EncodingKey::from_ec_pem(EC_PRIVATE_PEM.as_bytes()).unwrap();
    jsonwebtoken::encode(&header, claims, &key).unwrap()
}

fn sign_hs256(claims: &Value, kid: Option<&str>, secret: &[u8]) -> String {
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    header.kid = kid.map(str::to_owned);
    jsonwebtoken::encode(
        &header,
        claims,
        &jsonwebtoken::EncodingKey::from_secret(secret),
    )
    .unwrap()
}

/// An EdDSA token with any header, signed by `key`.
fn sign_eddsa_raw(key: &ed25519_dalek::SigningKey, header: &Value, claims: &Value) -> String {
    use ed25519_dalek::Signer as _;
    let input = format!("{}.{}", b64(header), b64(claims));
    let sig = key.sign(input.as_bytes());
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig.to_bytes()))
}

fn random_ed25519() -> ed25519_dalek::SigningKey {
    use rand::RngCore as _;
    let mut seed = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut seed);
    ed25519_dalek::SigningKey::from_bytes(&seed)
}

fn provider(issuer: &str, jwks: JwksSource) -> ProviderConfig {
    ProviderConfig {
        issuer: issuer.to_owned(),
        audience: AUD.to_owned(),
        jwks,
        algorithms: default_algorithms(),
        subject_claim: default_subject_claim(),
        link_claim: None,
    }
}

fn write_jwks(dir: &tempfile::TempDir, name: &str, jwks: &Value) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, jwks.to_string()).unwrap();
    path
}

struct Fixture {
    _dir: tempfile::TempDir,
    idp: DevIdp,
    verifier: Verifier,
}

/// A verifier trusting a DevIdp (EdDSA) and a "KYC" provider with an RSA
/// and an EC key, both from JWKS files.
async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let idp = DevIdp::generate(DEV_ISS.to_owned());
    let dev = write_jwks(&dir, "dev.json", &idp.jwks());
    let kyc = write_jwks(
        &dir,
        "kyc.json",
        &json!({"keys": [rsa_jwk("rsa-1"), ec_jwk("ec-1")]}),
    );
    let verifier = Verifier::new(
        vec![
            provider(DEV_ISS, JwksSource::File(dev)),
            provider(KYC_ISS, JwksSource::File(kyc)),
        ],
        LEEWAY,
    )
    .await
    .unwrap();
    Fixture {
        _dir: dir,
        idp,
        verifier,
    }
}

impl Fixture {
    async fn verify(&self, token: &str) -> Result<VerifiedToken, OidcError> {
        self.verifier.verify(token, NOW).await
    }
}

// ---- acceptance ----

#[tokio::test]
async fn valid_eddsa_token_from_devidp_is_accepted() {
    let f = fixture().await;
    let token = f.idp.mint("person-123", AUD, Some("nonce-abc"), NOW, 600);
    let verified = f.verify(&token).await.unwrap();
    assert_eq!(
        verified,
        VerifiedToken {
            issuer: DEV_ISS.to_owned(),
            subject: "person-123".to_owned(),
            link: None,
            nonce: Some("nonce-abc".to_owned()),
            expires_at: NOW + 600,
        }
    );
    let no_nonce = f.idp.mint("person-123", AUD, None, NOW, 600);
    assert_eq!(f.verify(&no_nonce).await.unwrap().nonce, None);
}

#[tokio::test]
async fn valid_rs256_and_es256_tokens_are_accepted() {
    let f = fixture().await;
    let rs = f
        .verify(&sign_rs256(&claims(KYC_ISS), Some("rsa-1")))
        .await
        .unwrap();
    assert_eq!(
        (rs.issuer.as_str(), rs.subject.as_str()),
        (KYC_ISS, "person-123")
    );
    let es = f
        .verify(&sign_es256(&claims(KYC_ISS), Some("ec-1")))
        .await
        .unwrap();
    assert_eq!(es.nonce.as_deref(), Some("nonce-abc"));
}

#[tokio::test]
async fn audience_array_containing_the_client_id_is_accepted() {
    let f = fixture().await;
    let c = with(claims(DEV_ISS), "aud", json!(["other", AUD]));
    assert!(f.verify(&f.idp.sign_claims(&c)).await.is_ok());
    let c = with(c, "azp", json!(AUD));
    assert!(f.verify(&f.idp.sign_claims(&c)).await.is_ok());
}

#[tokio::test]
async fn token_without_kid_uses_the_only_key_of_its_type() {
    let f = fixture().await;
    // The KYC JWKS has one RSA key and one EC key: each is "the only one".
    assert!(f.verify(&sign_rs256(&claims(KYC_ISS), None)).await.is_ok());
    assert!(f.verify(&sign_es256(&claims(KYC_ISS), None)).await.is_ok());
}

#[tokio::test]
async fn token_without_kid_is_refused_when_several_keys_fit() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_jwks(
        &dir,
        "two.json",
        &json!({"keys": [rsa_jwk("a"), rsa_jwk("b")]}),
    );
    let v = Verifier::new(vec![provider(KYC_ISS, JwksSource::File(path))], LEEWAY)
        .await
        .unwrap();
    let err = v
        .verify(&sign_rs256(&claims(KYC_ISS), None), NOW)
        .await
        .unwrap_err();
    assert!(
        matches!(err, OidcError::UnknownKey { kid: None, .. }),
        "{err:?}"
    );
    // Twin: with a kid it is found.
    assert!(v
        .verify(&sign_rs256(&claims(KYC_ISS), Some("b")), NOW)
        .await
        .is_ok());
}

// ---- algorithm refusals ----

#[tokio::test]
async fn alg_none_is_refused() {
    let f = fixture().await;
    for alg in ["none", "None", "NONE"] {
        let token = format!(
            "{}.{}.",
            b64(&json!({"alg": alg, "typ": "JWT"})),
            b64(&claims(DEV_ISS))
        );
        let err = f.verify(&token).await.unwrap_err();
        assert!(
            matches!(&err, OidcError::AlgorithmRefused { alg: a } if a == alg),
            "{err:?}"
        );
        assert!(err.is_token_error());
    }
    // Even with a (meaningless) signature part.
    let token = format!(
        "{}.{}.AAAA",
        b64(&json!({"alg": "none"})),
        b64(&claims(DEV_ISS))
    );
    assert!(matches!(
        f.verify(&token).await,
        Err(OidcError::AlgorithmRefused { .. })
    ));
}

#[tokio::test]
async fn hs256_signed_with_the_public_key_is_refused() {
    let f = fixture().await;
    // The classic confusion attack: HMAC keyed with the provider's public key.
    let c = claims(KYC_ISS);
    for secret in [
        RSA_PUBLIC_PEM.as_bytes().to_vec(),
        rsa_jwk("rsa-1").to_string().into_bytes(),
        URL_SAFE_NO_PAD.decode(RSA_N).unwrap(),
    ] {
        let err = f
            .verify(&sign_hs256(&c, Some("rsa-1"), &secret))
            .await
            .unwrap_err();
        assert!(
            matches!(&err, OidcError::AlgorithmRefused { alg } if alg == "HS256"),
            "{err:?}"
        );
    }
    let ed_public = f.idp.jwks()["keys"][0]["x"].as_str().unwrap().to_owned();
    let token = sign_hs256(&claims(DEV_ISS), Some(&f.idp.kid()), ed_public.as_bytes());
    assert!(matches!(
        f.verify(&token).await,
        Err(OidcError::AlgorithmRefused { .. })
    ));
    // HS384/HS512 too, and before the issuer is even looked up.
    for alg in [
        jsonwebtoken::Algorithm::HS384,
        jsonwebtoken::Algorithm::HS512,
    ] {
        let token = jsonwebtoken::encode(
            &jsonwebtoken::Header::new(alg),
            &claims("https://unknown.example"),
            &jsonwebtoken::EncodingKey::from_secret(b"k"),
        )
        .unwrap();
        assert!(matches!(
            f.verify(&token).await,
            Err(OidcError::AlgorithmRefused { .. })
        ));
    }
}

#[tokio::test]
async fn unsupported_algorithm_is_refused_before_the_issuer() {
    let f = fixture().await;
    let token = format!(
        "{}.{}.AAAA",
        b64(&json!({"alg": "PS256", "kid": "rsa-1"})),
        b64(&claims("https://unknown.example"))
    );
    assert!(
        matches!(f.verify(&token).await, Err(OidcError::AlgorithmRefused { alg }) if alg == "PS256")
    );
}

#[tokio::test]
async fn algorithm_outside_the_provider_allow_list_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let idp = DevIdp::generate(DEV_ISS.to_owned());
    let mut jwks = idp.jwks();
    jwks["keys"].as_array_mut().unwrap().push(rsa_jwk("rsa-1"));
    let path = write_jwks(&dir, "mixed.json", &jwks);
    let mut config = provider(DEV_ISS, JwksSource::File(path));
    config.algorithms = vec!["RS256".to_owned()];
    let v = Verifier::new(vec![config], LEEWAY).await.unwrap();
    let err = v
        .verify(&idp.mint("p", AUD, None, NOW, 600), NOW)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, OidcError::AlgorithmNotAllowed { alg, .. } if alg == "EdDSA"),
        "{err:?}"
    );
    // Twin: the allowed algorithm passes.
    assert!(v
        .verify(&sign_rs256(&claims(DEV_ISS), Some("rsa-1")), NOW)
        .await
        .is_ok());
}

// ---- issuer, key and signature ----

#[tokio::test]
async fn unknown_issuer_is_refused() {
    let f = fixture().await;
    let other = DevIdp::generate("https://evil.example".to_owned());
    let err = f
        .verify(&other.mint("p", AUD, None, NOW, 600))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, OidcError::UnknownIssuer { issuer } if issuer == "https://evil.example"),
        "{err:?}"
    );
    // A near miss (trailing slash) is a different issuer.
    let c = claims(&format!("{DEV_ISS}/"));
    assert!(matches!(
        f.verify(&f.idp.sign_claims(&c)).await,
        Err(OidcError::UnknownIssuer { .. })
    ));
    let c = without(claims(DEV_ISS), "iss");
    assert!(matches!(
        f.verify(&f.idp.sign_claims(&c)).await,
        Err(OidcError::MissingClaim { claim: "iss" })
    ));
}

#[tokio::test]
async fn unknown_kid_is_refused() {
    let f = fixture().await;
    let err = f
        .verify(&sign_rs256(&claims(KYC_ISS), Some("rsa-2")))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, OidcError::UnknownKey { kid: Some(k), .. } if k == "rsa-2"),
        "{err:?}"
    );
}

#[tokio::test]
async fn kid_of_a_key_of_another_type_is_refused() {
    let f = fixture().await;
    // An ES256 token naming the RSA key.
    let err = f
        .verify(&sign_es256(&claims(KYC_ISS), Some("rsa-1")))
        .await
        .unwrap_err();
    assert!(matches!(err, OidcError::UnknownKey { .. }), "{err:?}");
}

#[tokio::test]
async fn key_embedded_in_the_header_is_ignored() {
    let f = fixture().await;
    let attacker = random_ed25519();
    let x = URL_SAFE_NO_PAD.encode(attacker.verifying_key().as_bytes());
    let header = json!({"alg": "EdDSA", "kid": "attacker",
        "jwk": {"kty": "OKP", "crv": "Ed25519", "x": x, "kid": "attacker"}});
    let token = sign_eddsa_raw(&attacker, &header, &claims(DEV_ISS));
    assert!(matches!(
        f.verify(&token).await,
        Err(OidcError::UnknownKey { .. })
    ));
}

#[tokio::test]
async fn signature_from_another_key_is_refused() {
    let f = fixture().await;
    let header = json!({"alg": "EdDSA", "typ": "JWT", "kid": f.idp.kid()});
    let forged = sign_eddsa_raw(&random_ed25519(), &header, &claims(DEV_ISS));
    assert!(matches!(
        f.verify(&forged).await,
        Err(OidcError::BadSignature)
    ));
    // Twin: the same header and claims signed by the provider pass.
    assert!(f.verify(&f.idp.sign_claims(&claims(DEV_ISS))).await.is_ok());
}

#[tokio::test]
async fn tampered_payload_is_refused() {
    let f = fixture().await;
    for token in [
        f.idp.mint("person-123", AUD, None, NOW, 600),
        sign_rs256(&claims(KYC_ISS), Some("rsa-1")),
        sign_es256(&claims(KYC_ISS), Some("ec-1")),
    ] {
        let parts: Vec<&str> = token.split('.').collect();
        let mut c = parse_claims(parts[1]).unwrap();
        c.insert("sub".to_owned(), json!("someone-else"));
        let tampered = format!("{}.{}.{}", parts[0], b64(&Value::Object(c)), parts[2]);
        assert!(matches!(
            f.verify(&tampered).await,
            Err(OidcError::BadSignature)
        ));
        assert!(f.verify(&token).await.is_ok());
    }
}

// ---- audience ----

#[tokio::test]
async fn wrong_audience_is_refused() {
    let f = fixture().await;
    let err = f
        .verify(&f.idp.mint("p", "someone-else", None, NOW, 600))
        .await
        .unwrap_err();
    assert!(matches!(err, OidcError::WrongAudience), "{err:?}");
    let c = with(claims(DEV_ISS), "aud", json!(["a", "b"]));
    assert!(matches!(
        f.verify(&f.idp.sign_claims(&c)).await,
        Err(OidcError::WrongAudience)
    ));
    let c = with(claims(DEV_ISS), "aud", json!(42));
    assert!(matches!(
        f.verify(&f.idp.sign_claims(&c)).await,
        Err(OidcError::InvalidClaim { .. })
    ));
    let c = without(claims(DEV_ISS), "aud");
    assert!(matches!(
        f.verify(&f.idp.sign_claims(&c)).await,
        Err(OidcError::MissingClaim { claim: "aud" })
    ));
}

#[tokio::test]
async fn wrong_authorized_party_is_refused() {
    let f = fixture().await;
    let c = with(claims(DEV_ISS), "aud", json!([AUD, "other"]));
    let c = with(c, "azp", json!("other"));
    assert!(matches!(
        f.verify(&f.idp.sign_claims(&c)).await,
        Err(OidcError::WrongAuthorizedParty)
    ));
}

// ---- times ----

#[tokio::test]
async fn expiry_leeway_edges() {
    let f = fixture().await;
    // exp = now - leeway + 1: still (just) valid.
    let c = with(claims(DEV_ISS), "exp", json!(NOW - LEEWAY + 1));
    let c = with(c, "iat", json!(NOW - 3600));
    assert_eq!(
        f.verify(&f.idp.sign_claims(&c)).await.unwrap().expires_at,
        NOW - LEEWAY + 1
    );
    // exp = now - leeway: expired.
    let c = with(c, "exp", json!(NOW - LEEWAY));
    let err = f.verify(&f.idp.sign_claims(&c)).await.unwrap_err();
    assert!(
        matches!(err, OidcError::Expired { exp, now: NOW, leeway: LEEWAY } if exp == NOW - LEEWAY),
        "{err:?}"
    );
}

#[tokio::test]
async fn expired_beyond_leeway_is_refused() {
    let f = fixture().await;
    let token = f.idp.mint("p", AUD, None, NOW - 7200, 600);
    assert!(matches!(
        f.verify(&token).await,
        Err(OidcError::Expired { .. })
    ));
    let c = without(claims(DEV_ISS), "exp");
    assert!(matches!(
        f.verify(&f.idp.sign_claims(&c)).await,
        Err(OidcError::MissingClaim { claim: "exp" })
    ));
    let c = with(claims(DEV_ISS), "exp", json!("tomorrow"));
    assert!(matches!(
        f.verify(&f.idp.sign_claims(&c)).await,
        Err(OidcError::InvalidClaim { .. })
    ));
    let c = with(claims(DEV_ISS), "exp", json!(-1));
    assert!(matches!(
        f.verify(&f.idp.sign_claims(&c)).await,
        Err(OidcError::InvalidClaim { .. })
    ));
    // Fractional NumericDate is fine.
    let c = with(claims(DEV_ISS), "exp", json!((NOW + 10) as f64 + 0.5));
    assert_eq!(
        f.verify(&f.idp.sign_claims(&c)).await.unwrap().expires_at,
        NOW + 10
    );
}

#[tokio::test]
async fn iat_in_the_future_beyond_leeway_is_refused() {
    let f = fixture().await;
    // iat = now + leeway: accepted.
    let c = with(claims(DEV_ISS), "iat", json!(NOW + LEEWAY));
    assert!(f.verify(&f.idp.sign_claims(&c)).await.is_ok());
    // iat = now + leeway + 1: refused.
    let c = with(c, "iat", json!(NOW + LEEWAY + 1));
    assert!(matches!(
        f.verify(&f.idp.sign_claims(&c)).await,
        Err(OidcError::IssuedInFuture { .. })
    ));
    let token = f.idp.mint("p", AUD, None, NOW + 3600, 600);
    assert!(matches!(
        f.verify(&token).await,
        Err(OidcError::IssuedInFuture { .. })
    ));
    let c = without(claims(DEV_ISS), "iat");
    assert!(matches!(
        f.verify(&f.idp.sign_claims(&c)).await,
        Err(OidcError::MissingClaim { claim: "iat" })
    ));
}

#[tokio::test]
async fn nbf_in_the_future_beyond_leeway_is_refused() {
    let f = fixture().await;
    let c = with(claims(DEV_ISS), "nbf", json!(NOW + LEEWAY));
    assert!(f.verify(&f.idp.sign_claims(&c)).await.is_ok());
    let c = with(c, "nbf", json!(NOW + LEEWAY + 1));
    assert!(matches!(
        f.verify(&f.idp.sign_claims(&c)).await,
        Err(OidcError::NotYetValid { .. })
    ));
}

// ---- subject and nonce ----

#[tokio::test]
async fn missing_subject_is_refused() {
    let f = fixture().await;
    for c in [
        without(claims(DEV_ISS), "sub"),
        with(claims(DEV_ISS), "sub", json!("")),
        with(claims(DEV_ISS), "sub", json!(123)),
        with(
            claims(DEV_ISS),
            "sub",
            json!("x".repeat(MAX_SUBJECT_BYTES + 1)),
        ),
    ] {
        let err = f.verify(&f.idp.sign_claims(&c)).await.unwrap_err();
        assert!(
            matches!(&err, OidcError::MissingSubject { claim } if claim == "sub"),
            "{err:?}"
        );
    }
}

#[tokio::test]
async fn a_link_claim_is_required_and_read() {
    let dir = tempfile::tempdir().unwrap();
    let idp = DevIdp::generate(DEV_ISS.to_owned());
    let path = write_jwks(&dir, "dev.json", &idp.jwks());
    let mut config = provider(DEV_ISS, JwksSource::File(path));
    config.link_claim = Some("national_id".to_owned());
    let v = Verifier::new(vec![config.clone()], LEEWAY).await.unwrap();
    let c = with(claims(DEV_ISS), "national_id", json!("N-1"));
    assert_eq!(
        v.verify(&idp.sign_claims(&c), NOW).await.unwrap().link,
        Some(("national_id".to_owned(), "N-1".to_owned()))
    );
    // Twins: without it, empty, or not a string, the token is refused.
    for bad in [None, Some(json!("")), Some(json!(7))] {
        let c = match bad {
            None => claims(DEV_ISS),
            Some(b) => with(claims(DEV_ISS), "national_id", b),
        };
        let err = v.verify(&idp.sign_claims(&c), NOW).await.unwrap_err();
        assert!(
            matches!(&err, OidcError::InvalidClaim { claim, .. } if claim == "national_id"),
            "{err:?}"
        );
    }
    // A link claim that is empty or the subject claim is a configuration error.
    for name in ["", "sub"] {
        let mut c = config.clone();
        c.link_claim = Some(name.to_owned());
        assert!(matches!(
            Verifier::new(vec![c], LEEWAY).await,
            Err(OidcError::Config(_))
        ));
    }
}

#[tokio::test]
async fn configured_subject_claim_is_used() {
    let dir = tempfile::tempdir().unwrap();
    let idp = DevIdp::generate(DEV_ISS.to_owned());
    let path = write_jwks(&dir, "dev.json", &idp.jwks());
    let mut config = provider(DEV_ISS, JwksSource::File(path));
    config.subject_claim = "uid".to_owned();
    let v = Verifier::new(vec![config], LEEWAY).await.unwrap();
    let c = with(claims(DEV_ISS), "uid", json!("kyc-777"));
    assert_eq!(
        v.verify(&idp.sign_claims(&c), NOW).await.unwrap().subject,
        "kyc-777"
    );
    // Twin: `sub` alone does not satisfy a `uid` provider.
    let err = v
        .verify(&idp.sign_claims(&claims(DEV_ISS)), NOW)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, OidcError::MissingSubject { claim } if claim == "uid"),
        "{err:?}"
    );
}

#[tokio::test]
async fn non_string_nonce_is_refused() {
    let f = fixture().await;
    let c = with(claims(DEV_ISS), "nonce", json!({"n": 1}));
    assert!(matches!(
        f.verify(&f.idp.sign_claims(&c)).await,
        Err(OidcError::InvalidClaim { .. })
    ));
}

// ---- shape ----

#[tokio::test]
async fn garbage_tokens_are_refused() {
    let f = fixture().await;
    let good = f.idp.mint("p", AUD, None, NOW, 600);
    let parts: Vec<&str> = good.split('.').collect();
    let cases = [
        String::new(),
        "garbage".to_owned(),
        "a.b".to_owned(),
        "a.b.c.d".to_owned(),
        format!("{good}.x"),
        "..".to_owned(),
        "!!!.???.***".to_owned(),
        format!("{}=.{}.{}", parts[0], parts[1], parts[2]),
        format!("YWJj.{}.{}", parts[1], parts[2]), // "abc": not JSON
        format!("e30.{}.{}", parts[1], parts[2]),  // {}: no alg
        format!("{}.{}.{}", b64(&json!([1])), parts[1], parts[2]),
        format!("{}.{}.{}", b64(&json!({"alg": 256})), parts[1], parts[2]),
        format!("{}.{}.{}", parts[0], b64(&json!("claims")), parts[2]),
        format!("{}.Zm9v.{}", parts[0], parts[2]), // "foo"
        format!(
            "{}.{}.{}",
            b64(&json!({"alg": "EdDSA", "crit": ["exp"]})),
            parts[1],
            parts[2]
        ),
    ];
    for token in &cases {
        let err = f.verify(token).await.unwrap_err();
        assert!(
            matches!(err, OidcError::Malformed { .. }),
            "{token:?}: {err:?}"
        );
    }
    let huge = format!(
        "{}.{}.{}",
        parts[0],
        "A".repeat(MAX_ID_TOKEN_BYTES),
        parts[2]
    );
    assert!(matches!(
        f.verify(&huge).await,
        Err(OidcError::TooLarge { .. })
    ));
    assert!(f.verify(&good).await.is_ok());
}

#[tokio::test]
async fn errors_quote_only_short_excerpts() {
    let f = fixture().await;
    let long_iss = format!("https://{}\n.example", "x".repeat(500));
    let token = f.idp.sign_claims(&claims(&long_iss));
    let message = f.verify(&token).await.unwrap_err().to_string();
    assert!(message.len() < 200, "{message}");
    assert!(!message.contains('\n'));
    assert!(!message.contains(&token));
}

// ---- configuration ----

#[tokio::test]
async fn provider_config_from_toml() {
    #[derive(Deserialize)]
    struct File {
        identity_providers: Vec<ProviderConfig>,
    }
    let file: File = toml::from_str(
        r#"
        [[identity_providers]]
        issuer = "https://oidc.example.gov"
        audience = "alc-authority"
        jwks = { url = "https://oidc.example.gov/jwks.json" }

        [[identity_providers]]
        issuer = "https://other.example"
        audience = "alc"
        jwks = { file = "/etc/alc/other.json" }
        algorithms = ["ES256"]
        subject_claim = "uid"
        "#,
    )
    .unwrap();
    let [a, b] = &file.identity_providers[..] else {
        panic!("two providers")
    };
    assert_eq!(
        a.jwks,
        JwksSource::Url("https://oidc.example.gov/jwks.json".to_owned())
    );
    assert_eq!(a.algorithms, ["RS256", "ES256", "EdDSA"]);
    assert_eq!(a.subject_claim, "sub");
    assert_eq!(
        b.jwks,
        JwksSource::File(PathBuf::from("/etc/alc/other.json"))
    );
    assert_eq!(b.algorithms, ["ES256"]);
    // Twins: unknown fields and unknown sources are refused.
    let typo = r#"issuer = "i"
        audience = "a"
        jwks = { url = "https://x" }
        algorithm = ["RS256"]"#;
    assert!(toml::from_str::<ProviderConfig>(typo).is_err());
    let bad_source = r#"issuer = "i"
        audience = "a"
        jwks = { inline = "{}" }"#;
    assert!(toml::from_str::<ProviderConfig>(bad_source).is_err());
}

async fn config_error(configs: Vec<ProviderConfig>) -> OidcError {
    Verifier::new(configs, LEEWAY).await.unwrap_err()
}

#[tokio::test]
async fn forbidden_or_unsupported_algorithms_in_config_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let idp = DevIdp::generate(DEV_ISS.to_owned());
    let path = write_jwks(&dir, "dev.json", &idp.jwks());
    for algs in [
        vec!["none"],
        vec!["HS256"],
        vec!["EdDSA", "hs512"],
        vec!["PS256"],
        vec![],
    ] {
        let mut config = provider(DEV_ISS, JwksSource::File(path.clone()));
        config.algorithms = algs.iter().map(|a| (*a).to_owned()).collect();
        let err = config_error(vec![config]).await;
        assert!(matches!(err, OidcError::Config(_)), "{algs:?}: {err:?}");
        assert!(!err.is_token_error());
    }
    let mut config = provider(DEV_ISS, JwksSource::File(path));
    config.algorithms = vec!["EdDSA".to_owned(), "ES256".to_owned()];
    assert!(Verifier::new(vec![config], LEEWAY).await.is_ok());
}

#[tokio::test]
async fn invalid_provider_configs_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let idp = DevIdp::generate(DEV_ISS.to_owned());
    let path = write_jwks(&dir, "dev.json", &idp.jwks());
    let ok = provider(DEV_ISS, JwksSource::File(path));
    assert!(matches!(config_error(vec![]).await, OidcError::Config(_)));
    assert!(matches!(
        config_error(vec![ok.clone(), ok.clone()]).await,
        OidcError::Config(_)
    ));
    let mut empty_aud = ok.clone();
    empty_aud.audience.clear();
    assert!(matches!(
        config_error(vec![empty_aud]).await,
        OidcError::Config(_)
    ));
    let err = Verifier::new(vec![ok.clone()], MAX_LEEWAY_SECS + 1)
        .await
        .unwrap_err();
    assert!(matches!(err, OidcError::Config(_)));
    for url in [
        "http://kyc.example/jwks.json",
        "ftp://127.0.0.1/jwks",
        "not a url",
    ] {
        let err = config_error(vec![provider(KYC_ISS, JwksSource::Url(url.to_owned()))]).await;
        assert!(matches!(err, OidcError::Config(_)), "{url}: {err:?}");
    }
    // Twins.
    for url in [
        "https://kyc.example/jwks.json",
        "http://127.0.0.1:9/jwks.json",
        "http://localhost/j",
        "http://[::1]/j",
    ] {
        assert!(
            Verifier::new(
                vec![provider(KYC_ISS, JwksSource::Url(url.to_owned()))],
                LEEWAY
            )
            .await
            .is_ok(),
            "{url}"
        );
    }
    assert!(Verifier::new(vec![ok], LEEWAY).await.is_ok());
}

#[tokio::test]
async fn unreadable_or_malformed_jwks_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.json");
    let err = config_error(vec![provider(KYC_ISS, JwksSource::File(missing))]).await;
    assert!(matches!(err, OidcError::JwksRead { .. }), "{err:?}");
    let short_rsa = json!({"kty": "RSA", "n": URL_SAFE_NO_PAD.encode([0xffu8; 128]), "e": "AQAB"});
    for (name, body) in [
        ("garbage", "not json".to_owned()),
        ("empty", json!({"keys": []}).to_string()),
        ("nokeys", json!({"k": []}).to_string()),
        (
            "oct",
            json!({"keys": [{"kty": "oct", "k": "c2VjcmV0", "kid": "h"}]}).to_string(),
        ),
        (
            "enc",
            json!({"keys": [with(rsa_jwk("r"), "use", json!("enc"))]}).to_string(),
        ),
        (
            "p384",
            json!({"keys": [with(ec_jwk("e"), "crv", json!("P-384"))]}).to_string(),
        ),
        ("short-rsa", json!({"keys": [short_rsa]}).to_string()),
        (
            "alg-mismatch",
            json!({"keys": [with(ec_jwk("e"), "alg", json!("RS256"))]}).to_string(),
        ),
        (
            "bad-point",
            json!({"keys": [{"kty": "OKP", "crv": "Ed25519", "x": "AAAA"}]}).to_string(),
        ),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, body).unwrap();
        let err = config_error(vec![provider(KYC_ISS, JwksSource::File(path))]).await;
        assert!(
            matches!(err, OidcError::JwksMalformed { .. }),
            "{name}: {err:?}"
        );
    }
    // Twin: unusable keys are skipped when a usable one remains.
    let path = write_jwks(
        &dir,
        "mixed.json",
        &json!({"keys": [{"kty": "oct", "k": "c2VjcmV0"}, {"kty": "weird"}, rsa_jwk("rsa-1")]}),
    );
    let v = Verifier::new(vec![provider(KYC_ISS, JwksSource::File(path))], LEEWAY)
        .await
        .unwrap();
    assert!(v
        .verify(&sign_rs256(&claims(KYC_ISS), Some("rsa-1")), NOW)
        .await
        .is_ok());
}

// ---- JWKS URL ----

async fn count_jwks_requests(
    axum::extract::State(count): axum::extract::State<Arc<AtomicUsize>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    if request.uri().path() == "/jwks.json" {
        count.fetch_add(1, Ordering::SeqCst);
    }
    next.run(request).await
}

/// Serves `router` on 127.0.0.1, counting JWKS requests.
async fn serve_counting(
    listener: tokio::net::TcpListener,
    router: axum::Router,
) -> Arc<AtomicUsize> {
    let count = Arc::new(AtomicUsize::new(0));
    let router = router.layer(axum::middleware::from_fn_with_state(
        count.clone(),
        count_jwks_requests,
    ));
    tokio::spawn(async move { axum::serve(listener, router).await });
    count
}

async fn loopback() -> (tokio::net::TcpListener, String) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    (listener, base)
}

#[tokio::test]
async fn url_jwks_is_fetched_lazily_cached_and_refetched_once_on_rotation() {
    let (listener, base) = loopback().await;
    let idp = DevIdp::generate(base.clone());
    let requests = serve_counting(listener, idp.clone().router()).await;
    let v = Verifier::new(
        vec![provider(&base, JwksSource::Url(idp.jwks_uri()))],
        LEEWAY,
    )
    .await
    .unwrap();
    assert_eq!(requests.load(Ordering::SeqCst), 0, "fetched lazily");

    let first = idp.mint("p", AUD, Some("n1"), NOW, 3600);
    assert_eq!(v.verify(&first, NOW).await.unwrap().subject, "p");
    assert!(v.verify(&first, NOW + 1).await.is_ok());
    assert_eq!(requests.load(Ordering::SeqCst), 1, "cached");

    idp.rotate_key();
    let rotated = idp.mint("q", AUD, None, NOW, 3600);
    // Within the refetch interval the new kid is unknown and nothing is fetched.
    let err = v.verify(&rotated, NOW + 2).await.unwrap_err();
    assert!(matches!(err, OidcError::UnknownKey { .. }), "{err:?}");
    assert_eq!(requests.load(Ordering::SeqCst), 1, "rate-limited");
    // After it, one refetch finds the new key.
    let later = NOW + JWKS_REFETCH_INTERVAL_SECS;
    assert_eq!(v.verify(&rotated, later).await.unwrap().subject, "q");
    assert_eq!(requests.load(Ordering::SeqCst), 2, "one refetch");
    assert!(v.verify(&rotated, later + 1).await.is_ok());
    // A made-up kid right after does not trigger another fetch.
    let header = json!({"alg": "EdDSA", "kid": "made-up"});
    let bogus = sign_eddsa_raw(&random_ed25519(), &header, &claims(&base));
    assert!(matches!(
        v.verify(&bogus, later + 2).await,
        Err(OidcError::UnknownKey { .. })
    ));
    assert_eq!(requests.load(Ordering::SeqCst), 2);
    // The old key is gone from the provider's set.
    assert!(matches!(
        v.verify(&first, later + 3).await,
        Err(OidcError::UnknownKey { .. })
    ));
}

#[tokio::test]
async fn url_jwks_fetch_failures_are_reported_and_rate_limited() {
    let (listener, base) = loopback().await;
    let router = axum::Router::new().route(
        "/jwks.json",
        axum::routing::get(|| async { (axum::http::StatusCode::INTERNAL_SERVER_ERROR, "down") }),
    );
    let requests = serve_counting(listener, router).await;
    let v = Verifier::new(
        vec![provider(
            &base,
            JwksSource::Url(format!("{base}/jwks.json")),
        )],
        LEEWAY,
    )
    .await
    .unwrap();
    let token = sign_rs256(&claims(&base), Some("rsa-1"));
    let err = v.verify(&token, NOW).await.unwrap_err();
    assert!(matches!(err, OidcError::JwksFetch { .. }), "{err:?}");
    assert!(!err.is_token_error());
    assert!(matches!(
        v.verify(&token, NOW + 1).await,
        Err(OidcError::UnknownKey { .. })
    ));
    assert_eq!(requests.load(Ordering::SeqCst), 1);
    assert!(matches!(
        v.verify(&token, NOW + 60).await,
        Err(OidcError::JwksFetch { .. })
    ));
    assert_eq!(requests.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn url_jwks_over_the_size_limit_is_refused() {
    let (listener, base) = loopback().await;
    let padding = "x".repeat(MAX_JWKS_BYTES);
    let big = json!({"keys": [rsa_jwk("rsa-1")], "padding": padding}).to_string();
    let streamed = big.clone();
    let small = json!({"keys": [rsa_jwk("rsa-1")]}).to_string();
    let router = axum::Router::new()
        .route("/big.json", axum::routing::get(move || async move { big }))
        .route(
            "/streamed.json",
            axum::routing::get(move || async move {
                // No content-length: the cap applies while reading.
                let chunks: Vec<Result<String, std::io::Error>> = streamed
                    .as_bytes()
                    .chunks(16 * 1024)
                    .map(|c| Ok(String::from_utf8_lossy(c).into_owned()))
                    .collect();
                axum::body::Body::from_stream(futures::stream::iter(chunks))
            }),
        )
        .route(
            "/small.json",
            axum::routing::get(move || async move { small }),
        );
    serve_counting(listener, router).await;
    let token = sign_rs256(&claims(&base), Some("rsa-1"));
    for path in ["big.json", "streamed.json"] {
        let v = Verifier::new(
            vec![provider(&base, JwksSource::Url(format!("{base}/{path}")))],
            LEEWAY,
        )
        .await
        .unwrap();
        let err = v.verify(&token, NOW).await.unwrap_err();
        assert!(
            matches!(&err, OidcError::JwksFetch { reason, .. } if reason.contains("limit")),
            "{path}: {err:?}"
        );
    }
    let v = Verifier::new(
        vec![provider(
            &base,
            JwksSource::Url(format!("{base}/small.json")),
        )],
        LEEWAY,
    )
    .await
    .unwrap();
    assert!(v.verify(&token, NOW).await.is_ok());
}
