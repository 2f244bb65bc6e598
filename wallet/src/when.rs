//! Times for people: `2026-03-01 14:05:09 UTC`, `in 14 min 3 s`, `2 h 5 min ago`.

use alc_protocol::time::now;

/// `2026-03-01 14:05:09 UTC`.
pub fn utc(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// `in 14 min 3 s`, `2 h 5 min ago`.
pub fn relative(secs: u64) -> String {
    let n = now();
    let (d, future) = if secs >= n {
        (secs - n, true)
    } else {
        (n - secs, false)
    };
    let text = if d >= 86_400 {
        format!("{} d {} h", d / 86_400, d % 86_400 / 3600)
    } else if d >= 3600 {
        format!("{} h {} min", d / 3600, d % 3600 / 60)
    } else if d >= 60 {
        format!("{} min {} s", d / 60, d % 60)
    } else {
        format!("{d} s")
    };
    if future {
        format!("in {text}")
    } else {
        format!("{text} ago")
    }
}

/// Both: `2026-03-01 14:05:09 UTC (in 14 min 3 s)`.
pub fn when(secs: u64) -> String {
    format!("{} ({})", utc(secs), relative(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc(1_790_000_000), "2026-09-21 14:13:20 UTC");
        assert_eq!(utc(951_782_400), "2000-02-29 00:00:00 UTC");
    }
}
