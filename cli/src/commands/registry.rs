//! `alc registry audit` and `alc registry trace`: an independent auditor of the
//! authority's chain-of-liability log, and a chain-of-custody printer.
//!
//! The auditor keeps its state in a small JSON file: the log's origin, the checkpoint
//! verifier key (pinned on first use, or given with `--key`) and the last checkpoint it
//! verified. Each run verifies the new checkpoint's signature, proves it consistent with
//! the last one (a log that rewrote or removed an entry cannot), reports two different
//! checkpoints of one size as a split view, verifies inclusion of the entries asked for,
//! and only then saves the new checkpoint.

use crate::fsio::{self, Mode};
use alc_protocol::authority::AuthorityInfo;
use alc_protocol::encoding::{base64, base64_bytes};
use alc_protocol::error::ErrorBody;
use alc_registry::api::StoredEntry;
use alc_registry::audit::{check_consistency, check_leaves, check_split_view};
use alc_registry::checkpoint::{verify_checkpoint, SignedCheckpoint, VerifierKey};
use alc_registry::entry::Entry;
use alc_registry::merkle::{self, ConsistencyProof, Hash, InclusionProof};
use anyhow::{anyhow, bail, Context, Result};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// What the auditor remembers between runs.
#[derive(Debug, Serialize, Deserialize)]
struct State {
    /// The log's origin line.
    origin: String,
    /// The checkpoint verifier key (`name+id+base64`).
    key: String,
    /// The last verified checkpoint (the signed note).
    checkpoint: String,
}

/// A client of one authority's registry.
pub struct Registry {
    base: String,
    http: reqwest::Client,
    /// The log's origin line.
    pub origin: String,
    /// The pinned checkpoint key.
    pub key: VerifierKey,
}

impl Registry {
    /// Connects to the registry at `authority`, with `key` and `origin` pinned, or else
    /// learned from the authority (trust on first use: say so).
    pub async fn connect(
        authority: &str,
        pinned: Option<(String, VerifierKey)>,
    ) -> Result<(Self, bool)> {
        let base = authority.trim_end_matches('/').to_owned();
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(20))
            .build()?;
        let (origin, key, learned) = match pinned {
            Some((origin, key)) => (origin, key, false),
            None => {
                let info: AuthorityInfo = get_json(&http, &format!("{base}/v1/authority")).await?;
                let key: VerifierKey = info
                    .registry_key
                    .parse()
                    .context("the authority's registry key")?;
                (info.registry_origin, key, true)
            }
        };
        Ok((
            Self {
                base,
                http,
                origin,
                key,
            },
            learned,
        ))
    }

    async fn get<T: serde::de::DeserializeOwned>(&self, path: &str) -> Result<T> {
        get_json(&self.http, &format!("{}{path}", self.base)).await
    }

    /// The latest checkpoint, signature verified.
    pub async fn checkpoint(&self) -> Result<SignedCheckpoint> {
        let url = format!("{}/v1/registry/checkpoint", self.base);
        let resp = self
            .http
            .get(&url)
            .send()
            .await
            .with_context(|| format!("cannot reach the registry at {}", self.base))?;
        if !resp.status().is_success() {
            bail!("the registry answered {} for its checkpoint", resp.status());
        }
        let note = resp.bytes().await?;
        verify_checkpoint(&note, &self.origin, &self.key)
            .context("the registry's checkpoint does not verify under the pinned key")
    }

    /// Entry `index`: its parsed entry and leaf hash (recomputed from the leaf bytes).
    pub async fn entry(&self, index: u64) -> Result<(Entry, Hash)> {
        let v: StoredEntry = self.get(&format!("/v1/registry/entries/{index}")).await?;
        stored(&v)
    }

    /// Verifies entry `index`'s inclusion under `cp`.
    pub async fn verify_inclusion(
        &self,
        index: u64,
        leaf: &Hash,
        cp: &SignedCheckpoint,
    ) -> Result<()> {
        let c = cp.checkpoint();
        let p: InclusionProof = self
            .get(&format!(
                "/v1/registry/proof/inclusion?index={index}&size={}",
                c.size
            ))
            .await?;
        if p.leaf_index != index || p.tree_size != c.size {
            bail!("the registry answered a proof for another entry or size");
        }
        p.verify(leaf, &c.root)
            .with_context(|| format!("entry {index} is not in the tree of checkpoint {}", c.size))
    }

    /// The consistency proof between two tree sizes.
    pub async fn consistency(&self, old: u64, new: u64) -> Result<Vec<Hash>> {
        if old >= new {
            return Ok(Vec::new());
        }
        let p: ConsistencyProof = self
            .get(&format!(
                "/v1/registry/proof/consistency?from={old}&to={new}"
            ))
            .await?;
        if p.old_size != old || p.new_size != new {
            bail!("the registry answered a proof for other sizes");
        }
        Ok(p.hashes)
    }

    /// Spawn entries of a lease or agent id: (index, entry, leaf hash).
    pub async fn spawns(&self, id: &str) -> Result<Vec<(u64, Entry, Hash)>> {
        let v: Vec<StoredEntry> = self
            .get(&format!(
                "/v1/registry/spawns/{}",
                alc_protocol::encoding::path_segment(id)
            ))
            .await?;
        v.iter()
            .map(|s| {
                let index = s
                    .index
                    .parse()
                    .map_err(|_| anyhow!("the registry answered an entry without an index"))?;
                let (e, h) = stored(s)?;
                Ok((index, e, h))
            })
            .collect()
    }
}

async fn get_json<T: serde::de::DeserializeOwned>(http: &reqwest::Client, url: &str) -> Result<T> {
    let resp = http
        .get(url)
        .send()
        .await
        .with_context(|| format!("cannot reach {url}"))?;
    let status = resp.status();
    let body = resp
        .bytes()
        .await
        .with_context(|| format!("cannot read {url}"))?;
    if !status.is_success() {
        let message = serde_json::from_slice::<ErrorBody>(&body)
            .map(|e| e.message)
            .unwrap_or_default();
        bail!("{url} answered {status}: {message}");
    }
    serde_json::from_slice(&body).with_context(|| format!("unexpected answer from {url}"))
}

/// A stored entry's parsed entry and leaf hash; the entry must be what the leaf encodes.
fn stored(v: &StoredEntry) -> Result<(Entry, Hash)> {
    let leaf = base64_bytes(&v.leaf).context("an entry's leaf is not base64")?;
    let entry = Entry::from_leaf(&leaf).context("an entry's leaf is not a valid entry")?;
    if v.entry != entry {
        bail!("the registry shows an entry other than the one its leaf encodes");
    }
    Ok((entry, merkle::leaf_hash(&leaf)))
}

fn load_state(path: &Path) -> Result<Option<State>> {
    match std::fs::read_to_string(path) {
        Ok(s) => Ok(Some(serde_json::from_str(&s).with_context(|| {
            format!("{} is not an audit state file", path.display())
        })?)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

/// Writes the state atomically (the one writer: temporary file, fsync, rename).
fn save_state(path: &Path, s: &State) -> Result<()> {
    fsio::write(
        path,
        serde_json::to_string_pretty(s)?.as_bytes(),
        Mode::Public,
        true,
    )
}

/// Options of `alc registry audit`.
#[derive(clap::Args, Debug)]
pub struct AuditArgs {
    /// The authority hosting the registry.
    #[arg(
        long,
        env = "ALC_AUTHORITY_URL",
        default_value = "http://127.0.0.1:8600"
    )]
    authority: String,
    /// The auditor's state: pinned key and last verified checkpoint.
    #[arg(long, env = "ALC_AUDIT_STATE", default_value = "alc-audit.json")]
    state: PathBuf,
    /// The registry's checkpoint key (`name+id+base64`); default: the state file's,
    /// or learned from the authority on the first audit.
    #[arg(long)]
    key: Option<String>,
    /// An entry whose inclusion to verify (repeatable).
    #[arg(long = "entry")]
    entries: Vec<u64>,
    /// A checkpoint seen elsewhere (a file holding its signed note) to check against
    /// the log: a split view or a rollback is reported (repeatable).
    #[arg(long = "checkpoint")]
    checkpoints: Vec<PathBuf>,
    /// Also fetch every entry and recompute the root.
    #[arg(long)]
    full: bool,
}

/// `alc registry audit`.
pub fn audit(a: &AuditArgs) -> Result<()> {
    tokio::runtime::Runtime::new()?.block_on(audit_async(a))
}

async fn audit_async(a: &AuditArgs) -> Result<()> {
    let state = load_state(&a.state)?;
    let pinned = match (&a.key, &state) {
        (Some(k), _) => {
            let key: VerifierKey = k.parse().context("--key")?;
            let origin = state
                .as_ref()
                .map(|s| s.origin.clone())
                .unwrap_or_else(|| key.name().to_owned());
            Some((origin, key))
        }
        (None, Some(s)) => Some((
            s.origin.clone(),
            s.key.parse().context("the state file's key")?,
        )),
        (None, None) => None,
    };
    let (reg, learned) = Registry::connect(&a.authority, pinned).await?;
    if learned {
        println!(
            "first audit: pinned the registry key {} from {} (compare it with the authority's published key)",
            reg.key, a.authority
        );
    }
    let new = reg.checkpoint().await?;
    let c = new.checkpoint();
    println!("checkpoint: {} entries, root {}", c.size, base64(&c.root));
    if let Some(s) = &state {
        let old = verify_checkpoint(s.checkpoint.as_bytes(), &reg.origin, &reg.key)
            .context("the state file's checkpoint no longer verifies")?;
        let o = old.checkpoint();
        let proof = reg.consistency(o.size, c.size).await?;
        check_consistency(&old, &new, &proof).with_context(|| {
            format!(
                "the log is not an extension of the checkpoint verified before ({} entries)",
                o.size
            )
        })?;
        println!(
            "consistent with the last verified checkpoint ({} entries)",
            o.size
        );
    }
    for path in &a.checkpoints {
        let note =
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        let other = verify_checkpoint(&note, &reg.origin, &reg.key)
            .with_context(|| format!("{} does not verify", path.display()))?;
        check_split_view(&other, &new)
            .with_context(|| format!("{} against the log's checkpoint", path.display()))?;
        let s = other.checkpoint().size;
        if s > c.size {
            bail!(
                "{}: the log signed a tree of {s} entries but now serves {}: a rollback or a split view",
                path.display(),
                c.size
            );
        }
        if s < c.size {
            let p: ConsistencyProof = reg
                .get(&format!(
                    "/v1/registry/proof/consistency?from={s}&to={}",
                    c.size
                ))
                .await?;
            check_consistency(&other, &new, &p.hashes)
                .with_context(|| format!("{} against the log's checkpoint", path.display()))?;
        }
        println!("consistent with {} ({s} entries)", path.display());
    }
    for &i in &a.entries {
        if i >= c.size {
            bail!("entry {i} is beyond the checkpoint ({} entries)", c.size);
        }
        let (entry, leaf) = reg.entry(i).await?;
        reg.verify_inclusion(i, &leaf, &new).await?;
        println!("entry {i} ({}) is included", kind(&entry));
    }
    if a.full {
        let mut leaves = Vec::with_capacity(c.size as usize);
        let mut kinds: std::collections::BTreeMap<&str, u64> = Default::default();
        for i in 0..c.size {
            let (entry, leaf) = reg.entry(i).await?;
            *kinds.entry(kind(&entry)).or_default() += 1;
            leaves.push(leaf);
        }
        check_leaves(&new, &leaves).context("replaying every entry")?;
        println!("replayed all {} entries: the root matches", c.size);
        // How often licences were opened is public; whose, never (an opening names an
        // incident, a trustee and a ciphertext digest).
        let counts: Vec<String> = kinds.iter().map(|(k, n)| format!("{n} {k}")).collect();
        println!("by kind: {}", counts.join(", "));
        println!(
            "openings: {} trustee releases",
            kinds.get("opening").copied().unwrap_or(0)
        );
    }
    save_state(
        &a.state,
        &State {
            origin: reg.origin.clone(),
            key: reg.key.to_string(),
            checkpoint: new.note().to_owned(),
        },
    )?;
    println!("audit passed; state saved to {}", a.state.display());
    Ok(())
}

fn kind(e: &Entry) -> &'static str {
    match e {
        Entry::Spawn(_) => "spawn",
        Entry::Kill(_) => "kill",
        Entry::StatusEpoch(_) => "status epoch",
        Entry::Incident(_) => "incident",
        Entry::Opening(_) => "opening",
        _ => "entry",
    }
}

/// One verified link of a chain of custody.
#[derive(Debug, Serialize)]
pub struct Link {
    /// Its index in the log.
    pub index: u64,
    /// The spawn entry.
    pub spawn: alc_registry::entry::Spawn,
}

/// The chain from `id` (an agent or lease id) up to its root lease, each link's
/// inclusion verified under one verified checkpoint.
pub async fn trace_chain(reg: &Registry, id: &str) -> Result<(Vec<Link>, SignedCheckpoint)> {
    let cp = reg.checkpoint().await?;
    let mut chain: Vec<Link> = Vec::new();
    let mut next = id.to_owned();
    loop {
        let found = reg.spawns(&next).await?;
        let Some((index, entry, leaf)) = found.into_iter().last() else {
            if chain.is_empty() {
                bail!("no agent or lease {next:?} in the registry");
            }
            bail!("the chain is broken: lease {next:?} is not in the registry");
        };
        let Entry::Spawn(spawn) = entry else {
            bail!("the registry answered a non-spawn entry for {next:?}");
        };
        if let Some(prev) = chain.last() {
            if prev.spawn.parent_lease.as_deref() != Some(spawn.lease_id.as_str())
                || prev.spawn.gateway != spawn.gateway
                || prev.spawn.depth != spawn.depth + 1
            {
                bail!("the chain is broken at lease {:?}", spawn.lease_id);
            }
        }
        if index >= cp.checkpoint().size {
            bail!("entry {index} is newer than the checkpoint: run again");
        }
        reg.verify_inclusion(index, &leaf, &cp).await?;
        let parent = spawn.parent_lease.clone();
        chain.push(Link { index, spawn });
        match parent {
            Some(p) if chain.len() <= 64 => next = p,
            Some(_) => bail!("the chain is longer than 64 links"),
            None => break,
        }
    }
    Ok((chain, cp))
}

/// `alc registry trace`.
pub fn trace(authority: &str, id: &str, key: Option<&str>, json: bool) -> Result<()> {
    tokio::runtime::Runtime::new()?.block_on(async {
        let pinned = match key {
            Some(k) => {
                let key: VerifierKey = k.parse().context("--key")?;
                Some((key.name().to_owned(), key))
            }
            None => None,
        };
        let (reg, _) = Registry::connect(authority, pinned).await?;
        let (chain, cp) = trace_chain(&reg, id).await?;
        if json {
            println!("{}", serde_json::to_string_pretty(&chain)?);
            return Ok(());
        }
        println!(
            "chain of custody of {id} ({} links, each included in checkpoint {}):",
            chain.len(),
            cp.checkpoint().size
        );
        for (i, l) in chain.iter().enumerate() {
            let s = &l.spawn;
            let permit = if s.permit_hash.is_empty() {
                "not known to the gateway".to_owned()
            } else {
                s.permit_hash.clone()
            };
            println!(
                "{:indent$}{} agent {} lease {} (depth {}, entry {}, inclusion verified)\n{:indent$}    gateway {}, licence pseudonym {}..., permit {permit}, tier >= {}, routes {}",
                "",
                if i == 0 { "*" } else { "^" },
                s.agent,
                s.lease_id,
                s.depth,
                l.index,
                "",
                s.gateway,
                &s.pseudonym[..s.pseudonym.len().min(16)],
                s.permissions.tier,
                s.permissions.routes.join(" "),
                indent = 2 * i,
            );
        }
        Ok(())
    })
}

#[derive(clap::Subcommand)]
pub enum RegistryCommand {
    /// Verify the latest checkpoint, its consistency with the last one verified (kept in
    /// the state file), and the inclusion of chosen entries; exits non-zero on any failure.
    ///
    /// Example: alc registry audit --authority http://127.0.0.1:8600 --state audit.json --entry 3
    Audit(AuditArgs),
    /// Print the chain of custody from an agent (or lease) up to its root lease, each
    /// link's inclusion in the log verified.
    ///
    /// Example: alc registry trace agent-7 --authority http://127.0.0.1:8600
    Trace {
        /// An agent id or a lease id.
        id: String,
        /// The authority hosting the registry.
        #[arg(
            long,
            env = "ALC_AUTHORITY_URL",
            default_value = "http://127.0.0.1:8600"
        )]
        authority: String,
        /// The registry's checkpoint key (`name+id+base64`); default: learned from the authority.
        #[arg(long)]
        key: Option<String>,
        /// Print the chain as JSON.
        #[arg(long)]
        json: bool,
    },
}

impl RegistryCommand {
    /// Runs the command.
    pub fn run(self) -> Result<()> {
        match self {
            RegistryCommand::Audit(a) => audit(&a),
            RegistryCommand::Trace {
                id,
                authority,
                key,
                json,
            } => trace(&authority, &id, key.as_deref(), json),
        }
    }
}
