//! Signed checkpoints: C2SP `tlog-checkpoint` text in a C2SP `signed-note` envelope.
//!
//! # Checkpoint text (<https://c2sp.org/tlog-checkpoint>)
//!
//! ```text
//! <origin>\n                 non-empty, the log's identity
//! <tree size>\n              ASCII decimal, no leading zeros ("0" for the empty tree)
//! <base64 root hash>\n       standard base64 of the 32-byte RFC 6962/9162 root
//! [<extension line>\n ...]   optional, each non-empty
//! ```
//!
//! # Signed note (<https://c2sp.org/signed-note>)
//!
//! ```text
//! <text, ending in \n>
//! \n
//! — <key name> <base64(key ID (4 bytes, big-endian) || signature)>\n   (one or more)
//! ```
//!
//! The dash is U+2014 EM DASH followed by a space. The signed bytes are the text
//! including its final newline; the text ends at the *last* blank line. A note is UTF-8
//! without control characters other than newline. For Ed25519 (signature type `0x01`)
//!
//! ```text
//! key ID = SHA-256(key name || 0x0A || 0x01 || 32-byte public key)[0..4]
//! ```
//!
//! and the verifier key a configuration file holds is
//! `<name>+<key ID, 8 hex digits>+<base64(0x01 || public key)>` (as in
//! `golang.org/x/mod/sumdb/note`; the private form is `PRIVATE+KEY+<name>+<key ID>+<base64(0x01 || seed)>`).
//!
//! Opening a note against a known key: signature lines whose (name, key ID) pair is not
//! the known key's are ignored (other logs, witnesses, rotated keys); a signature line
//! of the known key that fails to verify rejects the whole note; at least one must
//! verify. At most [`MAX_SIGNATURES`] signature lines and [`MAX_NOTE_BYTES`] bytes.
use crate::merkle::Hash;
use alc_protocol::encoding::{base64, base64_bytes};
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};
use std::fmt;
use std::str::FromStr;
use zeroize::Zeroizing;

/// Signature type byte of Ed25519 in signed notes.
const ALG_ED25519: u8 = 0x01;
/// The prefix of a signature line: U+2014 EM DASH and a space.
const SIG_PREFIX: &str = "\u{2014} ";
/// Most signature lines in a note (C2SP asks verifiers to accept at least 16).
pub const MAX_SIGNATURES: usize = 100;
/// Largest note in bytes.
pub const MAX_NOTE_BYTES: usize = 64 * 1024;

/// Errors from keys, signed notes and checkpoints.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CheckpointError {
    /// A note that breaks the signed-note syntax.
    #[error("malformed note: {0}")]
    MalformedNote(&'static str),
    /// Note text that breaks the checkpoint syntax.
    #[error("malformed checkpoint: {0}")]
    MalformedCheckpoint(&'static str),
    /// A note larger than [`MAX_NOTE_BYTES`].
    #[error("note is larger than {MAX_NOTE_BYTES} bytes")]
    TooLarge,
    /// More than [`MAX_SIGNATURES`] signature lines.
    #[error("more than {MAX_SIGNATURES} signatures")]
    TooManySignatures,
    /// A signature line of the known key that does not verify.
    #[error("invalid signature for key {name}+{key_id:08x}")]
    InvalidSignature {
        /// The key name.
        name: String,
        /// The key ID.
        key_id: u32,
    },
    /// No signature line of the known key.
    #[error("no signature from key {name}+{key_id:08x}")]
    NoValidSignature {
        /// The key name.
        name: String,
        /// The key ID.
        key_id: u32,
    },
    /// A verifier or signer key string that does not parse.
    #[error("malformed key: {0}")]
    MalformedKey(&'static str),
    /// A key string whose key ID does not match its name and key.
    #[error("key ID does not match the key")]
    KeyIdMismatch,
    /// A key of another signature type than Ed25519.
    #[error("unsupported signature type {0:#04x}")]
    UnsupportedAlgorithm(u8),
    /// A checkpoint of another log.
    #[error("checkpoint origin {found:?}, expected {expected:?}")]
    WrongOrigin {
        /// The origin the verifier expects.
        expected: String,
        /// The origin in the checkpoint.
        found: String,
    },
}

type Result<T> = std::result::Result<T, CheckpointError>;

/// Key names: non-empty, no Unicode whitespace, no `+`.
fn valid_name(name: &str) -> bool {
    !name.is_empty() && !name.chars().any(|c| c.is_whitespace() || c == '+')
}

/// `SHA-256(name || "\n" || 0x01 || public key)[0..4]`, big-endian.
fn key_id(name: &str, public: &VerifyingKey) -> u32 {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update(b"\n");
    h.update([ALG_ED25519]);
    h.update(public.as_bytes());
    let d = h.finalize();
    u32::from_be_bytes([d[0], d[1], d[2], d[3]])
}

/// Splits `<name>+<8 hex digits>+<base64>` and decodes it; checks the name and the
/// signature type. The key bytes are returned without the type byte.
fn parse_key_string(s: &str) -> Result<(&str, u32, Zeroizing<Vec<u8>>)> {
    let (name, rest) = s
        .split_once('+')
        .ok_or(CheckpointError::MalformedKey("no '+'"))?;
    let (hex_id, b64) = rest
        .split_once('+')
        .ok_or(CheckpointError::MalformedKey("no second '+'"))?;
    if !valid_name(name) {
        return Err(CheckpointError::MalformedKey("invalid key name"));
    }
    if hex_id.len() != 8 || !hex_id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(CheckpointError::MalformedKey("key ID is not 8 hex digits"));
    }
    let id =
        u32::from_str_radix(hex_id, 16).map_err(|_| CheckpointError::MalformedKey("key ID"))?;
    let raw = Zeroizing::new(
        base64_bytes(b64).map_err(|_| CheckpointError::MalformedKey("key is not base64"))?,
    );
    let (&alg, key) = raw
        .split_first()
        .ok_or(CheckpointError::MalformedKey("empty key"))?;
    if alg != ALG_ED25519 {
        return Err(CheckpointError::UnsupportedAlgorithm(alg));
    }
    if key.len() != 32 {
        return Err(CheckpointError::MalformedKey("Ed25519 key is not 32 bytes"));
    }
    Ok((name, id, Zeroizing::new(key.to_vec())))
}

fn to_32(bytes: &[u8]) -> Result<[u8; 32]> {
    bytes
        .try_into()
        .map_err(|_| CheckpointError::MalformedKey("Ed25519 key is not 32 bytes"))
}

/// A known signer's public key: name, key ID and Ed25519 key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifierKey {
    name: String,
    key_id: u32,
    key: VerifyingKey,
}

impl VerifierKey {
    /// The verifier key for `name` and an Ed25519 public key.
    pub fn new(name: &str, key: VerifyingKey) -> Result<Self> {
        if !valid_name(name) {
            return Err(CheckpointError::MalformedKey("invalid key name"));
        }
        Ok(Self {
            name: name.to_owned(),
            key_id: key_id(name, &key),
            key,
        })
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key ID.
    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// The Ed25519 public key.
    pub fn verifying_key(&self) -> &VerifyingKey {
        &self.key
    }
}

/// Parses `<name>+<hex key ID>+<base64(0x01 || public key)>`.
impl FromStr for VerifierKey {
    type Err = CheckpointError;

    fn from_str(s: &str) -> Result<Self> {
        let (name, id, key) = parse_key_string(s)?;
        let key = VerifyingKey::from_bytes(&to_32(&key)?)
            .map_err(|_| CheckpointError::MalformedKey("not an Ed25519 public key"))?;
        if key_id(name, &key) != id {
            return Err(CheckpointError::KeyIdMismatch);
        }
        Self::new(name, key)
    }
}

/// Writes `<name>+<hex key ID>+<base64(0x01 || public key)>`.
impl fmt::Display for VerifierKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut raw = vec![ALG_ED25519];
        raw.extend_from_slice(self.key.as_bytes());
        write!(f, "{}+{:08x}+{}", self.name, self.key_id, base64(&raw))
    }
}

/// A note signer: name, key ID and Ed25519 signing key. The secret is zeroised on drop
/// and never printed.
pub struct NoteSigner {
    name: String,
    key_id: u32,
    key: SigningKey,
}

impl NoteSigner {
    /// The signer for `name` from a 32-byte Ed25519 seed (the caller zeroises its copy).
    pub fn from_seed(name: &str, seed: &[u8; 32]) -> Result<Self> {
        if !valid_name(name) {
            return Err(CheckpointError::MalformedKey("invalid key name"));
        }
        let key = SigningKey::from_bytes(seed);
        Ok(Self {
            name: name.to_owned(),
            key_id: key_id(name, &key.verifying_key()),
            key,
        })
    }

    /// Parses `PRIVATE+KEY+<name>+<hex key ID>+<base64(0x01 || seed)>` and checks the
    /// key ID against the derived public key.
    pub fn parse_private_key(s: &str) -> Result<Self> {
        let rest = s
            .strip_prefix("PRIVATE+KEY+")
            .ok_or(CheckpointError::MalformedKey("no PRIVATE+KEY+ prefix"))?;
        let (name, id, seed) = parse_key_string(rest)?;
        let seed = Zeroizing::new(to_32(&seed)?);
        let signer = Self::from_seed(name, &seed)?;
        if signer.key_id != id {
            return Err(CheckpointError::KeyIdMismatch);
        }
        Ok(signer)
    }

    /// The matching verifier key.
    pub fn verifier_key(&self) -> VerifierKey {
        VerifierKey {
            name: self.name.clone(),
            key_id: self.key_id,
            key: self.key.verifying_key(),
        }
    }

    /// Signs note text (which must end in a newline and have no control characters
    /// other than newlines) and returns the signed note.
    pub fn sign_note(&self, text: &str) -> Result<String> {
        if !text.ends_with('\n') {
            return Err(CheckpointError::MalformedNote(
                "text must end with a newline",
            ));
        }
        check_note_chars(text)?;
        let mut raw = self.key_id.to_be_bytes().to_vec();
        raw.extend_from_slice(&self.key.sign(text.as_bytes()).to_bytes());
        let note = format!("{text}\n{SIG_PREFIX}{} {}\n", self.name, base64(&raw));
        if note.len() > MAX_NOTE_BYTES {
            return Err(CheckpointError::TooLarge);
        }
        Ok(note)
    }
}

impl fmt::Debug for NoteSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NoteSigner")
            .field("name", &self.name)
            .field("key_id", &format_args!("{:08x}", self.key_id))
            .finish_non_exhaustive()
    }
}

fn check_note_chars(s: &str) -> Result<()> {
    if s.chars().any(|c| c < ' ' && c != '\n') {
        return Err(CheckpointError::MalformedNote("control character"));
    }
    Ok(())
}

/// Opens a signed note: checks its syntax and that `key` signed it (module docs);
/// returns the signed text, final newline included.
pub fn open_note<'a>(note: &'a [u8], key: &VerifierKey) -> Result<&'a str> {
    if note.len() > MAX_NOTE_BYTES {
        return Err(CheckpointError::TooLarge);
    }
    let note =
        std::str::from_utf8(note).map_err(|_| CheckpointError::MalformedNote("not UTF-8"))?;
    check_note_chars(note)?;
    let split = note
        .rfind("\n\n")
        .ok_or(CheckpointError::MalformedNote("no blank line"))?;
    let (text, sigs) = (&note[..split + 1], &note[split + 2..]);
    let sigs = sigs
        .strip_suffix('\n')
        .ok_or(CheckpointError::MalformedNote(
            "signatures must end with a newline",
        ))?;
    let mut verified = false;
    for (count, line) in sigs.split('\n').enumerate() {
        if count == MAX_SIGNATURES {
            return Err(CheckpointError::TooManySignatures);
        }
        let line = line
            .strip_prefix(SIG_PREFIX)
            .ok_or(CheckpointError::MalformedNote(
                "signature line must start with an em dash",
            ))?;
        let (name, b64) = line.split_once(' ').ok_or(CheckpointError::MalformedNote(
            "signature line has no signature",
        ))?;
        if !valid_name(name) {
            return Err(CheckpointError::MalformedNote("invalid key name"));
        }
        let raw = base64_bytes(b64)
            .map_err(|_| CheckpointError::MalformedNote("signature is not base64"))?;
        if raw.len() < 5 {
            return Err(CheckpointError::MalformedNote("signature too short"));
        }
        let id = u32::from_be_bytes([raw[0], raw[1], raw[2], raw[3]]);
        if name != key.name || id != key.key_id || verified {
            // Another key (ignored), or a repeat of a signature already verified.
            continue;
        }
        let invalid = || CheckpointError::InvalidSignature {
            name: name.to_owned(),
            key_id: id,
        };
        let sig = Signature::from_slice(&raw[4..]).map_err(|_| invalid())?;
        key.key
            .verify_strict(text.as_bytes(), &sig)
            .map_err(|_| invalid())?;
        verified = true;
    }
    if !verified {
        return Err(CheckpointError::NoValidSignature {
            name: key.name.clone(),
            key_id: key.key_id,
        });
    }
    Ok(text)
}

/// A log's tree head: the body of a checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's identity.
    pub origin: String,
    /// Number of leaves.
    pub size: u64,
    /// The Merkle root of the first `size` leaves.
    pub root: Hash,
    /// Extension lines (opaque, non-empty, without newlines); usually none.
    pub extensions: Vec<String>,
}

fn check_line(line: &str, what: &'static str) -> Result<()> {
    if line.is_empty() || line.contains('\n') || line.chars().any(|c| c < ' ') {
        return Err(CheckpointError::MalformedCheckpoint(what));
    }
    Ok(())
}

impl Checkpoint {
    /// The checkpoint text (module docs).
    pub fn to_text(&self) -> Result<String> {
        check_line(&self.origin, "origin must be one non-empty line")?;
        let mut text = format!("{}\n{}\n{}\n", self.origin, self.size, base64(&self.root));
        for ext in &self.extensions {
            check_line(ext, "extension lines must be non-empty single lines")?;
            text.push_str(ext);
            text.push('\n');
        }
        Ok(text)
    }

    /// Parses checkpoint text (module docs).
    pub fn from_text(text: &str) -> Result<Self> {
        let body = text
            .strip_suffix('\n')
            .ok_or(CheckpointError::MalformedCheckpoint(
                "text must end with a newline",
            ))?;
        let lines: Vec<&str> = body.split('\n').collect();
        if lines.len() < 3 {
            return Err(CheckpointError::MalformedCheckpoint(
                "fewer than three lines",
            ));
        }
        if lines.iter().any(|l| l.is_empty()) {
            return Err(CheckpointError::MalformedCheckpoint("empty line"));
        }
        let size_line = lines[1];
        if !size_line.bytes().all(|b| b.is_ascii_digit())
            || (size_line.len() > 1 && size_line.starts_with('0'))
        {
            return Err(CheckpointError::MalformedCheckpoint(
                "tree size is not canonical decimal",
            ));
        }
        let size = size_line
            .parse()
            .map_err(|_| CheckpointError::MalformedCheckpoint("tree size out of range"))?;
        let root = crate::encoding::decode_fixed(lines[2]).ok_or(
            CheckpointError::MalformedCheckpoint("root hash is not base64 of 32 bytes"),
        )?;
        // The rules `to_text` writes by, so a parsed checkpoint prints back to the same
        // text (the `checkpoint` fuzz target found a control character let through).
        check_line(lines[0], "origin must be one non-empty line")?;
        for ext in &lines[3..] {
            check_line(ext, "extension lines must be non-empty single lines")?;
        }
        Ok(Self {
            origin: lines[0].to_owned(),
            size,
            root,
            extensions: lines[3..].iter().map(|l| (*l).to_owned()).collect(),
        })
    }
}

/// A checkpoint whose note verified under a known key, with the signed note kept as
/// evidence (an auditor can publish two of them to prove a split view).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedCheckpoint {
    checkpoint: Checkpoint,
    note: String,
}

impl SignedCheckpoint {
    /// The checkpoint.
    pub fn checkpoint(&self) -> &Checkpoint {
        &self.checkpoint
    }

    /// The whole signed note, as received.
    pub fn note(&self) -> &str {
        &self.note
    }
}

/// Signs a checkpoint: returns the signed note to publish.
pub fn sign_checkpoint(signer: &NoteSigner, checkpoint: &Checkpoint) -> Result<String> {
    signer.sign_note(&checkpoint.to_text()?)
}

/// Opens a signed checkpoint: the note must be signed by `key` and its origin must be
/// `origin`.
pub fn verify_checkpoint(note: &[u8], origin: &str, key: &VerifierKey) -> Result<SignedCheckpoint> {
    let text = open_note(note, key)?;
    let checkpoint = Checkpoint::from_text(text)?;
    if checkpoint.origin != origin {
        return Err(CheckpointError::WrongOrigin {
            expected: origin.to_owned(),
            found: checkpoint.origin,
        });
    }
    Ok(SignedCheckpoint {
        checkpoint,
        note: String::from_utf8_lossy(note).into_owned(),
    })
}
