//! Baby Jubjub gadgets: Edwards points with complete formulas, Montgomery points with
//! incomplete (cheaper) formulas, and the two scalar multiplications of EdDSA.
//!
//! Constraint costs: Edwards on-curve check 3, addition 6, doubling 5, conversion to
//! Montgomery 2; Montgomery addition 3, doubling 4, `2P + Q` 5, conversion to Edwards 2.
//!
//! The Montgomery formulas are incomplete: they divide by `u2 - u1`, and when the two
//! points are equal the slope is unconstrained. The scalar multiplications below start
//! from [`super::offset_point`] `G` (or fold it into their tables), so every
//! intermediate sum carries a non-zero multiple of `G`. Two operands of an addition can
//! then only share a `u` coordinate if the prover knows a discrete-log relation between
//! `G` and the base points, which nobody does. `docs/circuit.md` gives the argument.

use super::{Montgomery, Point, PointProjective, A, D, MONT_A};
use crate::field::Fr;
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{AdditiveGroup, Field, Zero};
use ark_r1cs_std::{
    alloc::AllocVar, boolean::Boolean, eq::EqGadget, fields::fp::FpVar, fields::FieldVar, GR1CSVar,
};
use ark_relations::gr1cs::{ConstraintSystemRef, SynthesisError};

fn witness(cs: &ConstraintSystemRef<Fr>, value: Option<Fr>) -> Result<FpVar<Fr>, SynthesisError> {
    FpVar::new_witness(cs.clone(), || {
        value.ok_or(SynthesisError::AssignmentMissing)
    })
}

/// Values of several variables, or `None` in setup mode.
fn values<const N: usize>(vars: [&FpVar<Fr>; N]) -> Result<Option<[Fr; N]>, SynthesisError> {
    let cs = vars
        .iter()
        .fold(ConstraintSystemRef::None, |cs, v| cs.or(v.cs()));
    if cs.is_in_setup_mode() {
        return Ok(None);
    }
    let mut out = [Fr::ZERO; N];
    for (o, v) in out.iter_mut().zip(vars) {
        *o = v.value()?;
    }
    Ok(Some(out))
}

fn cs_of(vars: &[&FpVar<Fr>]) -> ConstraintSystemRef<Fr> {
    vars.iter()
        .fold(ConstraintSystemRef::None, |cs, v| cs.or(v.cs()))
}

/// A point in twisted Edwards coordinates in the circuit.
#[derive(Clone, Debug)]
pub struct EdwardsVar {
    /// `x` coordinate.
    pub x: FpVar<Fr>,
    /// `y` coordinate.
    pub y: FpVar<Fr>,
}

impl EdwardsVar {
    /// A point from two coordinate variables (no check).
    pub fn new(x: FpVar<Fr>, y: FpVar<Fr>) -> Self {
        Self { x, y }
    }

    /// Allocates a point as a private witness (no check).
    pub fn new_witness(
        cs: ConstraintSystemRef<Fr>,
        p: impl FnOnce() -> Result<Point, SynthesisError>,
    ) -> Result<Self, SynthesisError> {
        let p = if cs.is_in_setup_mode() {
            None
        } else {
            Some(p()?)
        };
        Ok(Self {
            x: witness(&cs, p.map(|p| p.x))?,
            y: witness(&cs, p.map(|p| p.y))?,
        })
    }

    /// Enforces the curve equation `a*x^2 + y^2 = 1 + d*x^2*y^2` (3 constraints).
    pub fn enforce_on_curve(&self) -> Result<(), SynthesisError> {
        let xx = self.x.square()?;
        let yy = self.y.square()?;
        (&xx * D).mul_equals(&yy, &(&xx * A + &yy - Fr::ONE))
    }

    /// Complete addition (6 constraints).
    pub fn add(&self, other: &Self) -> Result<Self, SynthesisError> {
        let beta = &self.x * &other.y;
        let gamma = &self.y * &other.x;
        let delta = (&self.y - &self.x * A) * (&other.x + &other.y);
        let tau = &beta * &gamma;
        let cs = cs_of(&[&self.x, &self.y, &other.x, &other.y]);
        let v = values([&beta, &gamma, &delta, &tau])?;
        let x3 = witness(
            &cs,
            v.and_then(|[b, g, _, t]| Some((b + g) * (Fr::ONE + D * t).inverse()?)),
        )?;
        let y3 = witness(
            &cs,
            v.and_then(|[b, g, d, t]| Some((d + A * b - g) * (Fr::ONE - D * t).inverse()?)),
        )?;
        x3.mul_equals(&(FpVar::one() + &tau * D), &(&beta + &gamma))?;
        y3.mul_equals(&(FpVar::one() - &tau * D), &(&delta + &beta * A - &gamma))?;
        Ok(Self { x: x3, y: y3 })
    }

    /// Doubling of a point on the curve (5 constraints).
    pub fn double(&self) -> Result<Self, SynthesisError> {
        let xx = self.x.square()?;
        let yy = self.y.square()?;
        let xy = &self.x * &self.y;
        let den_x = &xx * A + &yy;
        let den_y = FpVar::constant(Fr::from(2u64)) - &den_x;
        let num_y = &yy - &xx * A;
        let cs = cs_of(&[&self.x, &self.y]);
        let v = values([&xy, &den_x, &den_y, &num_y])?;
        let x3 = witness(
            &cs,
            v.and_then(|[xy, dx, _, _]| Some(xy.double() * dx.inverse()?)),
        )?;
        let y3 = witness(&cs, v.and_then(|[_, _, dy, ny]| Some(ny * dy.inverse()?)))?;
        x3.mul_equals(&den_x, &xy.double()?)?;
        y3.mul_equals(&den_y, &num_y)?;
        Ok(Self { x: x3, y: y3 })
    }

    /// Montgomery form (2 constraints). Unsatisfiable for the identity and the point
    /// of order two, where the map is undefined.
    pub fn to_montgomery(&self) -> Result<MontgomeryVar, SynthesisError> {
        let cs = cs_of(&[&self.x, &self.y]);
        let m = values([&self.x, &self.y])?
            .map(|[x, y]| {
                Montgomery::from_edwards(&Point::new_unchecked(x, y))
                    .ok_or(SynthesisError::DivisionByZero)
            })
            .transpose()?;
        let u = witness(&cs, m.map(|m| m.u))?;
        let v = witness(&cs, m.map(|m| m.v))?;
        u.mul_equals(&(FpVar::one() - &self.y), &(FpVar::one() + &self.y))?;
        v.mul_equals(&self.x, &u)?;
        Ok(MontgomeryVar { u, v })
    }

    /// Enforces equality with another point (2 constraints).
    pub fn enforce_equal(&self, other: &Self) -> Result<(), SynthesisError> {
        self.x.enforce_equal(&other.x)?;
        self.y.enforce_equal(&other.y)
    }

    /// The point's value.
    pub fn value(&self) -> Result<Point, SynthesisError> {
        Ok(Point::new_unchecked(self.x.value()?, self.y.value()?))
    }
}

/// A point in Montgomery coordinates in the circuit.
#[derive(Clone, Debug)]
pub struct MontgomeryVar {
    /// `u` coordinate.
    pub u: FpVar<Fr>,
    /// `v` coordinate.
    pub v: FpVar<Fr>,
}

impl MontgomeryVar {
    /// A constant point.
    pub fn constant(p: Montgomery) -> Self {
        Self {
            u: FpVar::constant(p.u),
            v: FpVar::constant(p.v),
        }
    }

    fn cs(&self) -> ConstraintSystemRef<Fr> {
        cs_of(&[&self.u, &self.v])
    }

    fn value_opt(&self) -> Result<Option<Montgomery>, SynthesisError> {
        Ok(values([&self.u, &self.v])?.map(|[u, v]| Montgomery { u, v }))
    }

    /// Incomplete addition (3 constraints); see the module docs for when it is sound.
    pub fn add(&self, other: &Self) -> Result<Self, SynthesisError> {
        let cs = self.cs().or(other.cs());
        let (p, q) = (self.value_opt()?, other.value_opt()?);
        let lambda = p
            .zip(q)
            .map(|(p, q)| {
                Ok::<_, SynthesisError>(
                    (q.v - p.v)
                        * (q.u - p.u)
                            .inverse()
                            .ok_or(SynthesisError::DivisionByZero)?,
                )
            })
            .transpose()?;
        let lambda = witness(&cs, lambda)?;
        lambda.mul_equals(&(&other.u - &self.u), &(&other.v - &self.v))?;
        let u = witness(
            &cs,
            lambda
                .value()
                .ok()
                .zip(p.zip(q))
                .map(|(l, (p, q))| l.square() - MONT_A - p.u - q.u),
        )?;
        lambda.mul_equals(&lambda, &(&u + MONT_A + &self.u + &other.u))?;
        let v = witness(
            &cs,
            lambda
                .value()
                .ok()
                .zip(u.value().ok())
                .zip(p)
                .map(|((l, u), p)| l * (p.u - u) - p.v),
        )?;
        lambda.mul_equals(&(&self.u - &u), &(&v + &self.v))?;
        Ok(Self { u, v })
    }

    /// `2 * self + other` in 5 constraints, as `(self + other) + self` without
    /// computing the intermediate `v` (Eisentraeger-Lauter-Montgomery).
    pub fn double_and_add(&self, other: &Self) -> Result<Self, SynthesisError> {
        let cs = self.cs().or(other.cs());
        let vals = self
            .value_opt()?
            .zip(other.value_opt()?)
            .map(|(p, q)| {
                let div = SynthesisError::DivisionByZero;
                let l1 = (q.v - p.v) * (q.u - p.u).inverse().ok_or(div)?;
                let u1 = l1.square() - MONT_A - p.u - q.u;
                let l2 = p.v.double() * (p.u - u1).inverse().ok_or(div)? - l1;
                let u2 = l2.square() - MONT_A - u1 - p.u;
                let v2 = l2 * (p.u - u2) - p.v;
                Ok::<_, SynthesisError>([l1, u1, l2, u2, v2])
            })
            .transpose()?;
        let [l1, u1, l2, u2, v2] = [0, 1, 2, 3, 4].map(|i| witness(&cs, vals.map(|v| v[i])));
        let (l1, u1, l2, u2, v2) = (l1?, u1?, l2?, u2?, v2?);
        // l1 = (v_q - v_p) / (u_q - u_p)
        l1.mul_equals(&(&other.u - &self.u), &(&other.v - &self.v))?;
        // u1 = l1^2 - A - u_p - u_q
        l1.mul_equals(&l1, &(&u1 + MONT_A + &self.u + &other.u))?;
        // (l1 + l2) (u_p - u1) = 2 v_p
        (&l1 + &l2).mul_equals(&(&self.u - &u1), &self.v.double()?)?;
        // u2 = l2^2 - A - u1 - u_p
        l2.mul_equals(&l2, &(&u2 + MONT_A + &u1 + &self.u))?;
        // v2 = l2 (u_p - u2) - v_p
        l2.mul_equals(&(&self.u - &u2), &(&v2 + &self.v))?;
        Ok(Self { u: u2, v: v2 })
    }

    /// Edwards form (2 constraints).
    pub fn to_edwards(&self) -> Result<EdwardsVar, SynthesisError> {
        let cs = self.cs();
        let p = self
            .value_opt()?
            .map(|m| m.to_edwards().ok_or(SynthesisError::DivisionByZero))
            .transpose()?;
        let x = witness(&cs, p.map(|p| p.x))?;
        let y = witness(&cs, p.map(|p| p.y))?;
        x.mul_equals(&self.v, &self.u)?;
        y.mul_equals(&(&self.u + Fr::ONE), &(&self.u - Fr::ONE))?;
        Ok(EdwardsVar { x, y })
    }

    /// The point's value.
    pub fn value(&self) -> Result<Montgomery, SynthesisError> {
        Ok(Montgomery {
            u: self.u.value()?,
            v: self.v.value()?,
        })
    }
}

/// Window width of the fixed-base multiplication.
const WINDOW: usize = 3;

/// `offset + k * base` for the little-endian bits of `k`, by 3-bit windows of constant
/// tables and incomplete Montgomery additions: about 2 constraints per bit.
pub fn fixed_base_mul(
    bits: &[Boolean<Fr>],
    base: &Point,
    offset: &Point,
) -> Result<MontgomeryVar, SynthesisError> {
    fixed_base_msm(&[(bits, base)], offset)
}

/// `offset + sum_j k_j * base_j` for the little-endian bits of each `k_j`, in one chain of
/// 3-bit windows (one accumulator for every base, so a second base costs its windows and
/// nothing more).
///
/// Window `i` of term `j` looks up `(w + 1) * 8^i * base_j` (never the identity); the
/// constant `offset - sum_{j,i} 8^i * base_j` is folded into the first window's table, so
/// the sum is exact and every partial sum is `offset + (known combination of the bases)`.
pub fn fixed_base_msm(
    terms: &[(&[Boolean<Fr>], &Point)],
    offset: &Point,
) -> Result<MontgomeryVar, SynthesisError> {
    // Every table entry, projective, window after window; converted to Montgomery form
    // together below (three field inversions in all, not three per entry: the tables
    // are rebuilt at every synthesis, proofs included).
    let mut correction = offset.into_group();
    let mut windows: Vec<&[Boolean<Fr>]> = Vec::new();
    let mut entries: Vec<PointProjective> = Vec::new();
    for (bits, base) in terms {
        let mut step = base.into_group(); // 8^i * base
        for w in bits.chunks(WINDOW) {
            let mut entry = step; // (w + 1) * 8^i * base
            for _ in 0..1 << w.len() {
                entries.push(entry);
                entry += step;
            }
            correction -= step;
            windows.push(w);
            for _ in 0..WINDOW {
                step.double_in_place();
            }
        }
    }
    let Some(first_len) = windows.first().map(|w| 1 << w.len()) else {
        return Ok(MontgomeryVar::constant(to_mont(offset)?));
    };
    // Fold the correction into the first window: its entries become
    // offset + (w + 1) * base_0 - sum of every window's unit.
    for e in &mut entries[..first_len] {
        *e += correction;
    }
    let entries = to_mont_batch(&entries)?;
    let mut tables = windows.iter().scan(0, |at, w| {
        let table = &entries[*at..*at + (1 << w.len())];
        *at += table.len();
        Some((*w, table))
    });
    let Some((first_bits, first)) = tables.next() else {
        return Err(SynthesisError::Unsatisfiable);
    };
    let mut acc = lookup(first_bits, first)?;
    for (w, table) in tables {
        acc = acc.add(&lookup(w, table)?)?;
    }
    Ok(acc)
}

/// Montgomery forms of many points with one batch normalisation and one batch
/// inversion of every `1 - y` and `x`.
fn to_mont_batch(points: &[PointProjective]) -> Result<Vec<Montgomery>, SynthesisError> {
    let affine = PointProjective::normalize_batch(points);
    let mut inverses: Vec<Fr> = affine.iter().flat_map(|p| [Fr::ONE - p.y, p.x]).collect();
    if inverses.iter().any(|d| d.is_zero()) {
        return Err(SynthesisError::DivisionByZero);
    }
    ark_ff::batch_inversion(&mut inverses);
    Ok(affine
        .iter()
        .zip(inverses.chunks_exact(2))
        .map(|(p, inv)| {
            let u = (Fr::ONE + p.y) * inv[0];
            Montgomery { u, v: u * inv[1] }
        })
        .collect())
}

fn to_mont(p: &Point) -> Result<Montgomery, SynthesisError> {
    Montgomery::from_edwards(p).ok_or(SynthesisError::DivisionByZero)
}

/// Looks up `table[w]` for the little-endian bits of `w` (at most 3): free for one bit,
/// 1 constraint for two, 3 for three.
fn lookup(bits: &[Boolean<Fr>], table: &[Montgomery]) -> Result<MontgomeryVar, SynthesisError> {
    let b: Vec<FpVar<Fr>> = bits.iter().map(|b| FpVar::from(b.clone())).collect();
    // Multilinear interpolation over two bits: c0 + b0 (c1-c0) + b1 (c2-c0) + b0b1 (c3-c2-c1+c0).
    let quad = |c: &[Fr], b01: &FpVar<Fr>| -> FpVar<Fr> {
        &b[0] * (c[1] - c[0]) + &b[1] * (c[2] - c[0]) + b01 * (c[3] - c[2] - c[1] + c[0]) + c[0]
    };
    let us: Vec<Fr> = table.iter().map(|m| m.u).collect();
    let vs: Vec<Fr> = table.iter().map(|m| m.v).collect();
    match bits.len() {
        1 => Ok(MontgomeryVar {
            u: &b[0] * (us[1] - us[0]) + us[0],
            v: &b[0] * (vs[1] - vs[0]) + vs[0],
        }),
        2 => {
            let b01 = &b[0] * &b[1];
            Ok(MontgomeryVar {
                u: quad(&us, &b01),
                v: quad(&vs, &b01),
            })
        }
        3 => {
            let b01 = &b[0] * &b[1];
            let select = |c: &[Fr]| -> Result<FpVar<Fr>, SynthesisError> {
                let (lo, hi) = (quad(&c[..4], &b01), quad(&c[4..], &b01));
                let out = FpVar::new_witness(cs_of(&[&b[2], &lo]), || {
                    Ok(if bits[2].value()? {
                        hi.value()?
                    } else {
                        lo.value()?
                    })
                })?;
                b[2].mul_equals(&(&hi - &lo), &(&out - &lo))?;
                Ok(out)
            };
            Ok(MontgomeryVar {
                u: select(&us)?,
                v: select(&vs)?,
            })
        }
        n => unreachable!("window of {n} bits"),
    }
}

/// `2^n * offset + X * base` where `X = sum_i (2 c_i - 1) 2^i` for the `n` little-endian
/// bits `c_i`: a signed-digit double-and-add ladder, 6 constraints per bit.
pub fn variable_base_mul(
    bits: &[Boolean<Fr>],
    base: &MontgomeryVar,
    offset: &Point,
) -> Result<MontgomeryVar, SynthesisError> {
    let mut acc = MontgomeryVar::constant(to_mont(offset)?);
    for c in bits.iter().rev() {
        // v of (2c - 1) * base: one product c * v_base.
        let c = FpVar::from(c.clone());
        let cv = &c * &base.v;
        let q = MontgomeryVar {
            u: base.u.clone(),
            v: cv.double()? - &base.v,
        };
        acc = acc.double_and_add(&q)?;
    }
    Ok(acc)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::babyjubjub::{is_on_curve, mul, offset_point, Scalar, BASE8};
    use crate::gadgets::alloc_bits;
    use ark_ff::{BigInteger, PrimeField, UniformRand};
    use ark_relations::gr1cs::{ConstraintSystem, R1CS_PREDICATE_LABEL};

    fn point(k: u64) -> Point {
        mul(&BASE8, &[k])
    }

    /// The R1CS rows (by index) that the system's assignment violates once `edit` has
    /// changed its witnesses (indexed by witness index). Read from the finalized
    /// matrices, so these are the constraints a prover is held to; arkworks' own
    /// `is_satisfied` reads cached linear-combination values, which an edit would not
    /// update.
    pub(crate) fn violated_rows(
        cs: &ConstraintSystemRef<Fr>,
        edit: impl FnOnce(&mut [Fr]),
    ) -> Vec<usize> {
        cs.finalize();
        let abc = cs
            .to_matrices()
            .unwrap()
            .remove(R1CS_PREDICATE_LABEL)
            .unwrap();
        let mut z = cs.instance_assignment().unwrap();
        let instances = z.len();
        z.extend(cs.witness_assignment().unwrap());
        edit(&mut z[instances..]);
        let eval = |row: &[(Fr, usize)]| row.iter().map(|(c, i)| *c * z[*i]).sum::<Fr>();
        (0..abc[0].len())
            .filter(|&r| eval(&abc[0][r]) * eval(&abc[1][r]) != eval(&abc[2][r]))
            .collect()
    }

    /// The witness index of an allocated variable.
    fn witness_index(v: &FpVar<Fr>) -> usize {
        match v {
            FpVar::Var(a) if a.variable.is_witness() => a.variable.index().unwrap(),
            _ => panic!("not a witness variable"),
        }
    }

    /// Whether `v^2 = u^3 + A u^2 + u` (the Montgomery curve, `B = 1`).
    fn on_montgomery_curve(m: &Montgomery) -> bool {
        m.v.square() == m.u * (m.u.square() + MONT_A * m.u + Fr::ONE)
    }

    #[test]
    fn edwards_ops_equal_native() {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let (p, q) = (point(7), point(11));
        let pv = EdwardsVar::new_witness(cs.clone(), || Ok(p)).unwrap();
        let qv = EdwardsVar::new_witness(cs.clone(), || Ok(q)).unwrap();
        pv.enforce_on_curve().unwrap();
        let n = cs.num_constraints();
        assert_eq!(pv.add(&qv).unwrap().value().unwrap(), (p + q).into_affine());
        assert_eq!(cs.num_constraints() - n, 6);
        let n = cs.num_constraints();
        assert_eq!(pv.double().unwrap().value().unwrap(), (p + p).into_affine());
        assert_eq!(cs.num_constraints() - n, 5);
        // Complete: adding the identity works.
        let o = EdwardsVar::new_witness(cs.clone(), || Ok(Point::zero())).unwrap();
        assert_eq!(pv.add(&o).unwrap().value().unwrap(), p);
        let m = pv.to_montgomery().unwrap();
        assert_eq!(m.value().unwrap(), Montgomery::from_edwards(&p).unwrap());
        assert_eq!(m.to_edwards().unwrap().value().unwrap(), p);
        assert!(cs.is_satisfied().unwrap());
    }

    #[test]
    fn off_curve_point_is_rejected() {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let p = point(5);
        let bad =
            EdwardsVar::new_witness(cs.clone(), || Ok(Point::new_unchecked(p.x, p.y + Fr::ONE)))
                .unwrap();
        bad.enforce_on_curve().unwrap();
        assert!(!cs.is_satisfied().unwrap());
    }

    #[test]
    fn montgomery_ops_equal_native() {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let (p, q) = (point(3), point(10));
        let (mp, mq) = (
            Montgomery::from_edwards(&p).unwrap(),
            Montgomery::from_edwards(&q).unwrap(),
        );
        let pv = EdwardsVar::new_witness(cs.clone(), || Ok(p))
            .unwrap()
            .to_montgomery()
            .unwrap();
        let qv = EdwardsVar::new_witness(cs.clone(), || Ok(q))
            .unwrap()
            .to_montgomery()
            .unwrap();
        let n = cs.num_constraints();
        assert_eq!(pv.add(&qv).unwrap().value().unwrap(), mp.add(&mq).unwrap());
        assert_eq!(cs.num_constraints() - n, 3);
        let n = cs.num_constraints();
        let two_p_q = pv.double_and_add(&qv).unwrap();
        assert_eq!(cs.num_constraints() - n, 5);
        assert_eq!(two_p_q.to_edwards().unwrap().value().unwrap(), point(16));
        assert!(cs.is_satisfied().unwrap());
    }

    #[test]
    fn equal_operands_cannot_be_added_incompletely() {
        // An honest witness cannot be produced (division by zero) ...
        let cs = ConstraintSystem::<Fr>::new_ref();
        let p = EdwardsVar::new_witness(cs.clone(), || Ok(point(3)))
            .unwrap()
            .to_montgomery()
            .unwrap();
        assert!(p.add(&p).is_err());
    }

    #[test]
    fn degenerate_montgomery_addition_with_a_chosen_lambda_is_off_curve() {
        // `MontgomeryVar::add` witnesses the slope `lambda`, then `u3` and `v3`, under
        //   (row 0) lambda * (u2 - u1) = v2 - v1
        //   (row 1) lambda * lambda   = u3 + A + u1 + u2
        //   (row 2) lambda * (u1 - u3) = v3 + v1
        // Rows 1 and 2 make `(u3, v3)` a function of `lambda`; only row 0 ties `lambda` to
        // the operands, and it divides by nothing only when `u1 != u2`.
        let cs = ConstraintSystem::<Fr>::new_ref();
        let alloc = |m: Montgomery| MontgomeryVar {
            u: FpVar::new_witness(cs.clone(), || Ok(m.u)).unwrap(),
            v: FpVar::new_witness(cs.clone(), || Ok(m.v)).unwrap(),
        };
        let mont = |p: Point| Montgomery::from_edwards(&p).unwrap();
        let (p, q) = (mont(point(3)), mont(point(10)));
        let (pv, qv) = (alloc(p), alloc(q));
        let first = cs.num_witness_variables();
        let sum = pv.add(&qv).unwrap();
        assert_eq!(
            cs.num_constraints(),
            3,
            "the addition's rows are the only rows"
        );
        assert_eq!(cs.num_witness_variables(), first + 3);
        let (pu_i, pv_i, qu_i, qv_i) = (
            witness_index(&pv.u),
            witness_index(&pv.v),
            witness_index(&qv.u),
            witness_index(&qv.v),
        );
        let (lambda_i, u3_i, v3_i) = (first, witness_index(&sum.u), witness_index(&sum.v));
        assert_eq!((u3_i, v3_i), (first + 1, first + 2));
        const SLOPE_ROW: usize = 0;

        // What rows 1 and 2 make of operands `p`, `q` and a slope `lambda`.
        let output = |p: Montgomery, q: Montgomery, lambda: Fr| {
            let u = lambda.square() - MONT_A - p.u - q.u;
            Montgomery {
                u,
                v: lambda * (p.u - u) - p.v,
            }
        };
        // The assignment with those operands, that slope and its output.
        let assign = |p: Montgomery, q: Montgomery, lambda: Fr| {
            let out = output(p, q, lambda);
            move |w: &mut [Fr]| {
                (w[pu_i], w[pv_i], w[qu_i], w[qv_i]) = (p.u, p.v, q.u, q.v);
                (w[lambda_i], w[u3_i], w[v3_i]) = (lambda, out.u, out.v);
            }
        };

        // Distinct u: the honest slope is forced and gives the sum, on the curve.
        let honest = cs.witness_assignment().unwrap()[lambda_i];
        assert_eq!(sum.value().unwrap(), p.add(&q).unwrap());
        assert_eq!(
            sum.value().unwrap().to_edwards().unwrap(),
            (point(3) + point(10)).into_affine()
        );
        assert!(on_montgomery_curve(&sum.value().unwrap()));
        assert!(violated_rows(&cs, assign(p, q, honest)).is_empty());
        // The twin: any other slope (its output recomputed to fit rows 1 and 2) breaks
        // the slope row, and only it.
        for lambda in [honest + Fr::ONE, Fr::from(5u64), Fr::ZERO] {
            assert_eq!(violated_rows(&cs, assign(p, q, lambda)), [SLOPE_ROW]);
        }

        // P + P: row 0 reads lambda * 0 = 0, so every slope satisfies all three rows,
        // and the "sum" is the prover's choice: a line through P with slope lambda meets
        // the curve at P and two more points, and `u3 = lambda^2 - A - 2 u1` is the third
        // intersection only for the tangent. Off the curve (and so is its Edwards image)
        // for every other lambda but the two with `lambda^2 = A + 3 u1` (below).
        let mut outputs = Vec::new();
        for lambda in [Fr::ONE, Fr::from(5u64), honest, -honest] {
            assert!(violated_rows(&cs, assign(p, p, lambda)).is_empty());
            let out = output(p, p, lambda);
            assert!(!on_montgomery_curve(&out), "lambda {lambda}");
            let e = out.to_edwards().unwrap();
            assert!(!is_on_curve(e.x, e.y), "lambda {lambda}");
            outputs.push((out.u, out.v));
        }
        outputs.sort();
        outputs.dedup();
        assert_eq!(outputs.len(), 4, "each slope its own output");
        // The tangent slope passes too and is the one that gives 2P: the rows accept it
        // among all the others, they do not single it out.
        let tangent =
            (Fr::from(3u64) * p.u.square() + MONT_A.double() * p.u + Fr::ONE) / p.v.double();
        assert!(violated_rows(&cs, assign(p, p, tangent)).is_empty());
        assert_eq!(output(p, p, tangent), p.double().unwrap());
        // A slope with `lambda^2 = A + 3 u1` (when that is a square) gives `u3 = u1`,
        // `v3 = -v1`: -P, on the curve, and also wrong.
        let (p3, root) = (1u64..)
            .find_map(|k| {
                let m = mont(point(k));
                (MONT_A + Fr::from(3u64) * m.u).sqrt().map(|s| (m, s))
            })
            .unwrap();
        assert!(violated_rows(&cs, assign(p3, p3, root)).is_empty());
        assert_eq!(output(p3, p3, root), p3.neg());
        // P + (-P): row 0 reads lambda * 0 = -2 v1 != 0: no slope at all (a failure of
        // completeness, not of soundness).
        for lambda in [Fr::ONE, honest, tangent] {
            assert_eq!(violated_rows(&cs, assign(p, p.neg(), lambda)), [SLOPE_ROW]);
        }

        // The circuit never adds operands with equal u: every scalar multiplication
        // starts from the offset point G (the module docs), so two operands with equal u
        // would give the prover a discrete-log relation between G and the bases
        // (`docs/circuit.md`, "Incomplete additions, and why they are safe here", for
        // the ladder and for the fixed-base windows). An honest prover cannot even build
        // the witness: `equal_operands_cannot_be_added_incompletely`.
    }

    #[test]
    fn fixed_base_mul_equals_native() {
        let mut rng = ark_std::test_rng();
        for k in [
            Scalar::from(0u64),
            Scalar::from(1u64),
            -Scalar::from(1u64),
            Scalar::rand(&mut rng),
        ] {
            let cs = ConstraintSystem::<Fr>::new_ref();
            let kf = Fr::from_le_bytes_mod_order(&k.into_bigint().to_bytes_le());
            let bits = alloc_bits(cs.clone(), || Ok(kf), 251).unwrap();
            let n = cs.num_constraints();
            let out = fixed_base_mul(&bits, &BASE8, &offset_point()).unwrap();
            assert_eq!(cs.num_constraints() - n, 499);
            let expected = (offset_point() + BASE8 * k).into_affine();
            assert_eq!(out.to_edwards().unwrap().value().unwrap(), expected);
            assert!(cs.is_satisfied().unwrap());
        }
    }

    #[test]
    fn fixed_base_msm_equals_native_and_a_flipped_bit_moves_it() {
        let mut rng = ark_std::test_rng();
        let y = mul(&BASE8, &[987_654_321]);
        let (r, s) = (Scalar::rand(&mut rng), Scalar::from(0xABCDEu64));
        let as_fr = |k: Scalar| Fr::from_le_bytes_mod_order(&k.into_bigint().to_bytes_le());
        let cs = ConstraintSystem::<Fr>::new_ref();
        let rb = alloc_bits(cs.clone(), || Ok(as_fr(r)), 251).unwrap();
        let sb = alloc_bits(cs.clone(), || Ok(as_fr(s)), 20).unwrap();
        let n = cs.num_constraints();
        let out = fixed_base_msm(&[(&rb, &y), (&sb, &BASE8)], &offset_point()).unwrap();
        // 84 + 7 windows: a lookup each (3, or 1 for the 2-bit window), 90 additions.
        assert_eq!(cs.num_constraints() - n, 83 * 3 + 1 + 6 * 3 + 1 + 90 * 3);
        let expected = (offset_point() + y * r + BASE8 * s).into_affine();
        assert_eq!(out.to_edwards().unwrap().value().unwrap(), expected);
        assert!(cs.is_satisfied().unwrap());
        // The twin: one bit of `s` flipped gives another point.
        let cs = ConstraintSystem::<Fr>::new_ref();
        let rb = alloc_bits(cs.clone(), || Ok(as_fr(r)), 251).unwrap();
        let sb = alloc_bits(cs.clone(), || Ok(as_fr(s + Scalar::from(1u64))), 20).unwrap();
        let out = fixed_base_msm(&[(&rb, &y), (&sb, &BASE8)], &offset_point()).unwrap();
        assert_ne!(out.to_edwards().unwrap().value().unwrap(), expected);
        // No terms: the offset itself.
        let out = fixed_base_msm(&[], &offset_point()).unwrap();
        assert_eq!(
            out.value().unwrap(),
            Montgomery::from_edwards(&offset_point()).unwrap()
        );
    }

    #[test]
    fn variable_base_mul_equals_native() {
        let mut rng = ark_std::test_rng();
        let t = (BASE8 * Scalar::rand(&mut rng)).into_affine();
        let n_bits = 251;
        for c in [Fr::from(0u64), Fr::from(5u64), Fr::rand(&mut rng)] {
            let cs = ConstraintSystem::<Fr>::new_ref();
            let bits = alloc_bits(cs.clone(), || Ok(c), n_bits).unwrap();
            let tv = EdwardsVar::new_witness(cs.clone(), || Ok(t))
                .unwrap()
                .to_montgomery()
                .unwrap();
            let n = cs.num_constraints();
            let out = variable_base_mul(&bits, &tv, &offset_point()).unwrap();
            assert_eq!(cs.num_constraints() - n, 6 * n_bits);
            // X = 2C - (2^n - 1), with C the low n bits of c.
            let c_int = crate::field::to_biguint(&c) % (num_bigint::BigUint::from(1u8) << n_bits);
            let x = Scalar::from(c_int) * Scalar::from(2u64)
                - (Scalar::from(2u64).pow([n_bits as u64]) - Scalar::from(1u64));
            let expected =
                (offset_point() * Scalar::from(2u64).pow([n_bits as u64]) + t * x).into_affine();
            assert_eq!(out.to_edwards().unwrap().value().unwrap(), expected);
            assert!(cs.is_satisfied().unwrap());
        }
    }
}
