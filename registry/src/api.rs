//! What the registry's HTTP API (hosted by the authority, `/v1/registry/...`) answers
//! beside the types of the other modules: where a submitted entry landed, and a stored
//! entry with its leaf bytes.

use crate::entry::Entry;
use serde::{Deserialize, Serialize};

/// Where an entry landed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Appended {
    /// Its index in the log (decimal).
    pub index: String,
    /// Its leaf hash (base64).
    pub leaf_hash: String,
    /// False when an identical entry was already in the log (that index is returned).
    pub new: bool,
}

/// A stored entry.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StoredEntry {
    /// Its index (decimal).
    pub index: String,
    /// The leaf bytes (base64): what is hashed.
    pub leaf: String,
    /// The entry they encode.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub entry: Entry,
}
