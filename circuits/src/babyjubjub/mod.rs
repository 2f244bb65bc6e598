//! Baby Jubjub in circom's coordinates, natively.
//!
//! The twisted Edwards curve `a*x^2 + y^2 = 1 + d*x^2*y^2` over the BN254 scalar field
//! with `a = 168700`, `d = 168696` (circomlib's `babyjub`), of order `8 * l` where `l`
//! is the prime [`Scalar`] modulus (`ark_ed_on_bn254::Fr`, about `2^250.6`). The
//! generator used everywhere is circomlib's `Base8` (of order `l`).
//!
//! It is birationally equivalent to the Montgomery curve `v^2 = u^3 + 168698*u^2 + u`
//! (`B = 1`) by `u = (1 + y) / (1 - y)`, `v = u / x`, and back by `x = u / v`,
//! `y = (u - 1) / (u + 1)`. The map is defined on every point of order `l`; the
//! circuit does its incomplete additions in Montgomery form (three constraints per
//! addition instead of six) and converts back once.
//!
//! [`offset_point`] is a point of order `l` whose discrete logarithm nobody knows
//! (hash to curve, then cofactor clearing); the circuit starts its scalar
//! multiplications there so that no incomplete addition can hit an exceptional case
//! without revealing that logarithm (`docs/circuit.md`).

#[cfg(feature = "r1cs")]
pub mod constraints;

use crate::field::{encode, Fr};
use crate::tags::OFFSET_POINT_TAG;
use ark_ec::{
    models::CurveConfig,
    twisted_edwards::{Affine, MontCurveConfig, Projective, TECurveConfig},
    AffineRepr, CurveGroup,
};
use ark_ff::{AdditiveGroup, Field, MontFp};
use std::sync::OnceLock;

/// The prime-order subgroup's scalar field (`l`).
pub type Scalar = ark_ed_on_bn254::Fr;

/// Baby Jubjub with circom's coefficients.
#[derive(Clone, Default, PartialEq, Eq, Debug)]
pub struct BabyJubjub;

/// A point in affine twisted Edwards coordinates.
pub type Point = Affine<BabyJubjub>;
/// A point in projective coordinates (for arithmetic).
pub type PointProjective = Projective<BabyJubjub>;

impl CurveConfig for BabyJubjub {
    type BaseField = Fr;
    type ScalarField = Scalar;
    const COFACTOR: &'static [u64] = &[8];
    const COFACTOR_INV: Scalar =
        MontFp!("2394026564107420727433200628387514462817212225638746351800188703329891451411");
}

/// `Base8` of circomlib, the generator of the order-`l` subgroup.
pub const BASE8: Point = Point::new_unchecked(
    MontFp!("5299619240641551281634865583518297030282874472190772894086521144482721001553"),
    MontFp!("16950150798460657717958625567821834550301663161624707787222815936182638968203"),
);

impl TECurveConfig for BabyJubjub {
    const COEFF_A: Fr = MontFp!("168700");
    const COEFF_D: Fr = MontFp!("168696");
    const GENERATOR: Point = BASE8;
    type MontCurveConfig = BabyJubjub;
}

impl MontCurveConfig for BabyJubjub {
    const COEFF_A: Fr = MontFp!("168698");
    const COEFF_B: Fr = Fr::ONE;
    type TECurveConfig = BabyJubjub;
}

/// Edwards `a`.
pub const A: Fr = <BabyJubjub as TECurveConfig>::COEFF_A;
/// Edwards `d`.
pub const D: Fr = <BabyJubjub as TECurveConfig>::COEFF_D;
/// Montgomery `A` (with `B = 1`).
pub const MONT_A: Fr = <BabyJubjub as MontCurveConfig>::COEFF_A;

/// Whether `(x, y)` satisfies the curve equation.
pub fn is_on_curve(x: Fr, y: Fr) -> bool {
    let (x2, y2) = (x.square(), y.square());
    A * x2 + y2 == Fr::ONE + D * x2 * y2
}

/// A point from coordinates, checked to be on the curve and in the order-`l` subgroup.
pub fn point_in_subgroup(x: Fr, y: Fr) -> Option<Point> {
    let p = Point::new_unchecked(x, y);
    (is_on_curve(x, y) && p.is_in_correct_subgroup_assuming_on_curve()).then_some(p)
}

/// A point in Montgomery coordinates `(u, v)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Montgomery {
    /// `u = (1 + y) / (1 - y)`.
    pub u: Fr,
    /// `v = u / x`.
    pub v: Fr,
}

impl Montgomery {
    /// Maps an Edwards point to Montgomery form; `None` for the points where the map
    /// is undefined (the identity and the point of order 2, `x = 0`).
    pub fn from_edwards(p: &Point) -> Option<Self> {
        let u = (Fr::ONE + p.y) * (Fr::ONE - p.y).inverse()?;
        let v = u * p.x.inverse()?;
        Some(Self { u, v })
    }

    /// Maps back to Edwards form; `None` where the map is undefined (`v = 0`, `u = -1`).
    pub fn to_edwards(&self) -> Option<Point> {
        let x = self.u * self.v.inverse()?;
        let y = (self.u - Fr::ONE) * (self.u + Fr::ONE).inverse()?;
        Some(Point::new_unchecked(x, y))
    }

    /// Incomplete addition: `None` when `u` coordinates coincide.
    pub fn add(&self, other: &Self) -> Option<Self> {
        let lambda = (other.v - self.v) * (other.u - self.u).inverse()?;
        let u = lambda.square() - MONT_A - self.u - other.u;
        let v = lambda * (self.u - u) - self.v;
        Some(Self { u, v })
    }

    /// Doubling: `None` for points of order 2 (`v = 0`).
    pub fn double(&self) -> Option<Self> {
        let lambda = (Fr::from(3u64) * self.u.square() + MONT_A.double() * self.u + Fr::ONE)
            * self.v.double().inverse()?;
        let u = lambda.square() - MONT_A - self.u.double();
        let v = lambda * (self.u - u) - self.v;
        Some(Self { u, v })
    }

    /// The negation `(u, -v)`.
    pub fn neg(&self) -> Self {
        Self {
            u: self.u,
            v: -self.v,
        }
    }
}

/// The nothing-up-my-sleeve offset point: the first `x = encode(OFFSET_POINT_TAG, i)`
/// (`i = 0, 1, ...` as 4 little-endian bytes) on the curve, with the smaller square
/// root as `y`, times the cofactor 8.
pub fn offset_point() -> Point {
    static G: OnceLock<Point> = OnceLock::new();
    *G.get_or_init(|| {
        (0u32..)
            .find_map(|i| {
                let x = encode(OFFSET_POINT_TAG, &i.to_le_bytes());
                let x2 = x.square();
                let y2 = (Fr::ONE - A * x2) * (Fr::ONE - D * x2).inverse()?;
                let y = y2.sqrt()?;
                let y = if crate::field::to_biguint(&y) < crate::field::to_biguint(&-y) {
                    y
                } else {
                    -y
                };
                let p = Point::new_unchecked(x, y).mul_by_cofactor();
                (!p.is_zero()).then_some(p)
            })
            .expect("about half of all x are on the curve; the first few candidates suffice")
    })
}

/// `k * P` for a point and a little-endian integer given as 64-bit limbs.
pub fn mul(p: &Point, k: &[u64]) -> Point {
    p.mul_bigint(k).into_affine()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ec::PrimeGroup;
    use ark_ff::PrimeField;

    #[test]
    fn base8_has_order_l() {
        assert!(is_on_curve(BASE8.x, BASE8.y));
        assert!(BASE8.is_in_correct_subgroup_assuming_on_curve());
        assert_eq!(PointProjective::generator().into_affine(), BASE8);
        assert!(!BASE8.is_zero());
    }

    #[test]
    fn montgomery_round_trip_and_arithmetic_agree_with_edwards() {
        let p = mul(&BASE8, &[12345]);
        let q = mul(&BASE8, &[999]);
        let (mp, mq) = (
            Montgomery::from_edwards(&p).unwrap(),
            Montgomery::from_edwards(&q).unwrap(),
        );
        assert_eq!(mp.to_edwards().unwrap(), p);
        assert_eq!(
            mp.add(&mq).unwrap().to_edwards().unwrap(),
            (p + q).into_affine()
        );
        assert_eq!(
            mp.double().unwrap().to_edwards().unwrap(),
            (p + p).into_affine()
        );
        assert_eq!(mp.neg().to_edwards().unwrap(), -p);
        // Exceptional cases are reported, not computed.
        assert!(mp.add(&mp).is_none());
        assert!(Montgomery::from_edwards(&Point::zero()).is_none());
    }

    #[test]
    fn offset_point_is_in_subgroup_and_not_base8() {
        let g = offset_point();
        assert!(is_on_curve(g.x, g.y));
        assert!(g.is_in_correct_subgroup_assuming_on_curve());
        assert!(!g.is_zero());
        assert_ne!(g, BASE8);
        assert_eq!(Scalar::MODULUS_BIT_SIZE, 251);
    }
}
