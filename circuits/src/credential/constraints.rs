//! The credential in the circuit: every compared field allocated directly as its bits
//! (so its range check is the allocation itself), the commitment, the holder binding
//! and the pseudonym.

use super::{Credential, HolderSecret};
use crate::field::Fr;
use crate::gadgets::{alloc_bits, from_bits_le};
use crate::poseidon::constraints::hash_var;
use crate::tags::{SERIAL_BITS, TIER_BITS, TIME_BITS};
use ark_r1cs_std::{alloc::AllocVar, boolean::Boolean, fields::fp::FpVar};
use ark_relations::gr1cs::{ConstraintSystemRef, SynthesisError};

/// A credential as private witnesses.
#[derive(Clone, Debug)]
pub struct CredentialVar {
    /// `serial`, 20 bits (the status-list capacity).
    pub serial: Vec<Boolean<Fr>>,
    /// `tier`, 8 bits.
    pub tier: Vec<Boolean<Fr>>,
    /// `permit` (not compared, so not range-checked).
    pub permit: FpVar<Fr>,
    /// `permit_tier`, 8 bits.
    pub permit_tier: Vec<Boolean<Fr>>,
    /// `not_before`, 64 bits.
    pub not_before: Vec<Boolean<Fr>>,
    /// `expires`, 64 bits.
    pub expires: Vec<Boolean<Fr>>,
    /// `pk`.
    pub holder: FpVar<Fr>,
}

impl CredentialVar {
    /// Allocates the fields as witnesses, 164 booleans (one constraint each), except
    /// `pk`, which the caller gives (the circuit passes `Poseidon(sk)`, so the holder
    /// binding costs nothing beyond that hash).
    pub fn new_witness(
        cs: ConstraintSystemRef<Fr>,
        c: impl FnOnce() -> Result<Credential, SynthesisError>,
        holder: FpVar<Fr>,
    ) -> Result<Self, SynthesisError> {
        let c = if cs.is_in_setup_mode() {
            None
        } else {
            Some(c()?)
        };
        let get = |f: fn(&Credential) -> Fr| {
            move || c.as_ref().map(f).ok_or(SynthesisError::AssignmentMissing)
        };
        Ok(Self {
            serial: alloc_bits(cs.clone(), get(|c| Fr::from(c.serial)), SERIAL_BITS)?,
            tier: alloc_bits(cs.clone(), get(|c| Fr::from(c.tier)), TIER_BITS)?,
            permit: FpVar::new_witness(cs.clone(), get(|c| c.permit))?,
            permit_tier: alloc_bits(cs.clone(), get(|c| Fr::from(c.permit_tier)), TIER_BITS)?,
            not_before: alloc_bits(cs.clone(), get(|c| Fr::from(c.not_before)), TIME_BITS)?,
            expires: alloc_bits(cs.clone(), get(|c| Fr::from(c.expires)), TIME_BITS)?,
            holder,
        })
    }

    /// The commitment `Poseidon(serial, tier, permit, permit_tier, not_before, expires, pk)`.
    pub fn commitment(&self) -> Result<FpVar<Fr>, SynthesisError> {
        hash_var(&[
            from_bits_le(&self.serial)?,
            from_bits_le(&self.tier)?,
            self.permit.clone(),
            from_bits_le(&self.permit_tier)?,
            from_bits_le(&self.not_before)?,
            from_bits_le(&self.expires)?,
            self.holder.clone(),
        ])
    }
}

/// The holder secret as a private witness.
#[derive(Clone, Debug)]
pub struct HolderSecretVar(pub FpVar<Fr>);

impl HolderSecretVar {
    /// Allocates the secret as a witness.
    pub fn new_witness(
        cs: ConstraintSystemRef<Fr>,
        sk: impl FnOnce() -> Result<Fr, SynthesisError>,
    ) -> Result<Self, SynthesisError> {
        Ok(Self(FpVar::new_witness(cs, sk)?))
    }

    /// Allocates a [`HolderSecret`] as a witness.
    pub fn from_secret(
        cs: ConstraintSystemRef<Fr>,
        sk: Option<&HolderSecret>,
    ) -> Result<Self, SynthesisError> {
        Self::new_witness(cs, || {
            sk.map(|s| *s.expose())
                .ok_or(SynthesisError::AssignmentMissing)
        })
    }

    /// `Poseidon(sk)`.
    pub fn commitment(&self) -> Result<FpVar<Fr>, SynthesisError> {
        hash_var(std::array::from_ref(&self.0))
    }

    /// `Poseidon(sk, scope)`.
    pub fn pseudonym(&self, scope: &FpVar<Fr>) -> Result<FpVar<Fr>, SynthesisError> {
        hash_var(&[self.0.clone(), scope.clone()])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credential::permit_hash;
    use ark_r1cs_std::{eq::EqGadget, GR1CSVar};
    use ark_relations::gr1cs::ConstraintSystem;

    fn sample() -> Credential {
        Credential {
            serial: (1 << 20) - 1,
            tier: 255,
            permit: permit_hash("p"),
            permit_tier: 3,
            not_before: 0,
            expires: u64::MAX,
            holder: Fr::from(17u64),
        }
    }

    #[test]
    fn commitment_equals_native_at_field_extremes() {
        let c = sample();
        let cs = ConstraintSystem::<Fr>::new_ref();
        let holder = FpVar::new_witness(cs.clone(), || Ok(c.holder)).unwrap();
        let v = CredentialVar::new_witness(cs.clone(), || Ok(c), holder).unwrap();
        assert_eq!(v.commitment().unwrap().value().unwrap(), c.commitment());
        assert!(cs.is_satisfied().unwrap());
        assert_eq!(cs.num_constraints(), 164 + 381);
    }

    #[test]
    fn holder_binding_equals_native_and_rejects_another_secret() {
        let sk = HolderSecret::from_field(Fr::from(5u64));
        let scope = Fr::from(77u64);
        let cs = ConstraintSystem::<Fr>::new_ref();
        let v = HolderSecretVar::from_secret(cs.clone(), Some(&sk)).unwrap();
        let s = FpVar::new_input(cs.clone(), || Ok(scope)).unwrap();
        assert_eq!(v.commitment().unwrap().value().unwrap(), sk.commitment());
        let nym = v.pseudonym(&s).unwrap();
        assert_eq!(nym.value().unwrap(), sk.pseudonym(&scope));
        assert!(cs.is_satisfied().unwrap());
        let other = FpVar::new_input(cs.clone(), || {
            Ok(HolderSecret::from_field(Fr::from(6u64)).pseudonym(&scope))
        })
        .unwrap();
        nym.enforce_equal(&other).unwrap();
        assert!(!cs.is_satisfied().unwrap());
    }
}
