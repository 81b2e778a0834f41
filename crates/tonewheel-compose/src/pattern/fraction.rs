//! Exact rational time: cycle positions never accumulate rounding error.

use std::cmp::Ordering;
use std::fmt;

/// A reduced fraction `num/den` with `den > 0`. Arithmetic is checked: every operation returns
/// `None` on overflow instead of wrapping or panicking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fraction {
    num: i64,
    den: i64,
}

fn gcd(mut a: i128, mut b: i128) -> i128 {
    a = a.abs();
    b = b.abs();
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

impl Fraction {
    /// Zero.
    pub const ZERO: Fraction = Fraction { num: 0, den: 1 };
    /// One.
    pub const ONE: Fraction = Fraction { num: 1, den: 1 };

    /// `num/den` reduced; None if `den` is zero or the reduced value does not fit in i64.
    pub fn new(num: i64, den: i64) -> Option<Fraction> {
        Fraction::from_i128(i128::from(num), i128::from(den))
    }

    fn from_i128(num: i128, den: i128) -> Option<Fraction> {
        if den == 0 {
            return None;
        }
        let g = gcd(num, den).max(1);
        let sign = if den < 0 { -1 } else { 1 };
        Some(Fraction {
            num: i64::try_from(sign * num / g).ok()?,
            den: i64::try_from(sign * den / g).ok()?,
        })
    }

    /// An integer.
    pub fn int(n: i64) -> Fraction {
        Fraction { num: n, den: 1 }
    }

    /// Numerator.
    pub fn num(self) -> i64 {
        self.num
    }

    /// Denominator (always positive).
    pub fn den(self) -> i64 {
        self.den
    }

    /// Checked sum.
    pub fn checked_add(self, o: Fraction) -> Option<Fraction> {
        let (a, b, c, d) = (
            i128::from(self.num),
            i128::from(self.den),
            i128::from(o.num),
            i128::from(o.den),
        );
        Fraction::from_i128(a * d + c * b, b * d)
    }

    /// Checked difference.
    pub fn checked_sub(self, o: Fraction) -> Option<Fraction> {
        self.checked_add(Fraction {
            num: o.num.checked_neg()?,
            den: o.den,
        })
    }

    /// Checked product.
    pub fn checked_mul(self, o: Fraction) -> Option<Fraction> {
        Fraction::from_i128(
            i128::from(self.num) * i128::from(o.num),
            i128::from(self.den) * i128::from(o.den),
        )
    }

    /// Checked quotient (None when dividing by zero).
    pub fn checked_div(self, o: Fraction) -> Option<Fraction> {
        Fraction::from_i128(
            i128::from(self.num) * i128::from(o.den),
            i128::from(self.den) * i128::from(o.num),
        )
    }

    /// Largest integer not above the value.
    pub fn floor(self) -> i64 {
        self.num.div_euclid(self.den)
    }

    /// Smallest integer not below the value.
    pub fn ceil(self) -> i64 {
        let f = self.floor();
        if f * self.den == self.num {
            f
        } else {
            f + 1
        }
    }

    /// Nearest f64.
    pub fn to_f64(self) -> f64 {
        self.num as f64 / self.den as f64
    }

    /// True if zero.
    pub fn is_zero(self) -> bool {
        self.num == 0
    }

    /// True if above zero.
    pub fn is_positive(self) -> bool {
        self.num > 0
    }
}

impl Ord for Fraction {
    fn cmp(&self, o: &Fraction) -> Ordering {
        (i128::from(self.num) * i128::from(o.den)).cmp(&(i128::from(o.num) * i128::from(self.den)))
    }
}

impl PartialOrd for Fraction {
    fn partial_cmp(&self, o: &Fraction) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

impl fmt::Display for Fraction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.den == 1 {
            write!(f, "{}", self.num)
        } else {
            write!(f, "{}/{}", self.num, self.den)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fr(n: i64, d: i64) -> Fraction {
        Fraction::new(n, d).unwrap()
    }

    #[test]
    fn reduces_and_orders() {
        assert_eq!(fr(2, 4), fr(1, 2));
        assert_eq!(fr(3, -6), fr(-1, 2));
        assert_eq!(fr(-1, 2).den(), 2);
        assert!(fr(1, 3) < fr(1, 2));
        assert!(fr(-1, 3) > fr(-1, 2));
        assert_eq!(Fraction::new(1, 0), None);
    }

    #[test]
    fn arithmetic_is_exact() {
        // 1/3 + 1/6 = 1/2; ten thousand additions of 1/3 give exactly 10000/3.
        assert_eq!(fr(1, 3).checked_add(fr(1, 6)), Some(fr(1, 2)));
        let mut acc = Fraction::ZERO;
        for _ in 0..10_000 {
            acc = acc.checked_add(fr(1, 3)).unwrap();
        }
        assert_eq!(acc, fr(10_000, 3));
        assert_eq!(fr(2, 3).checked_mul(fr(3, 4)), Some(fr(1, 2)));
        assert_eq!(fr(1, 2).checked_div(fr(1, 4)), Some(Fraction::int(2)));
        assert_eq!(fr(1, 2).checked_div(Fraction::ZERO), None);
        assert_eq!(fr(1, 2).checked_sub(fr(3, 4)), Some(fr(-1, 4)));
        assert_eq!((fr(7, 2).floor(), fr(7, 2).ceil()), (3, 4));
        assert_eq!((fr(-7, 2).floor(), fr(-7, 2).ceil()), (-4, -3));
        assert_eq!((Fraction::int(3).floor(), Fraction::int(3).ceil()), (3, 3));
    }

    #[test]
    fn overflow_is_reported_not_wrapped() {
        let big = Fraction::int(i64::MAX);
        assert_eq!(big.checked_add(Fraction::ONE), None);
        assert_eq!(big.checked_mul(Fraction::int(2)), None);
        assert_eq!(fr(1, i64::MAX).checked_mul(fr(1, 2)), None);
        assert_eq!(Fraction::int(i64::MIN).checked_sub(Fraction::ONE), None);
    }
}
