//! `run --shard K/N`: a stable share of an inventory's vendors, so that N jobs of a scheduler
//! (a Kubernetes Indexed Job, systemd timers on several hosts) split one inventory with no
//! coordination: a vendor belongs to shard SHA-256(id) mod N, whatever the other vendors are.

use std::fmt;
use std::str::FromStr;

use serde::{Serialize, Serializer};

/// Shard `index` of `count` (0 <= index < count); in JSON and the history, the text "K/N".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

/// The largest N accepted: more shards than this would not be one inventory's jobs.
pub const MAX_SHARDS: u32 = 4096;

impl Shard {
    /// The shard a vendor id belongs to among `count`: the first 8 bytes of SHA-256 of the id,
    /// big-endian, mod `count`. Stable across versions, machines and inventory order; adding or
    /// removing other vendors never moves a vendor.
    pub fn of(vendor_id: &str, count: u32) -> u32 {
        let digest = ring::digest::digest(&ring::digest::SHA256, vendor_id.as_bytes());
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest.as_ref()[..8]);
        (u64::from_be_bytes(first) % u64::from(count.max(1))) as u32
    }

    /// Whether this shard takes the vendor `vendor_id`.
    pub fn contains(&self, vendor_id: &str) -> bool {
        Shard::of(vendor_id, self.count) == self.index
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Serialize for Shard {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Shard, String> {
        let expected = "expected K/N with 0 <= K < N, such as 0/4 (shards count from 0, like a Kubernetes Indexed Job's JOB_COMPLETION_INDEX)";
        let (k, n) = s
            .split_once('/')
            .ok_or_else(|| format!("'{s}': {expected}"))?;
        let parse = |t: &str| t.trim().parse::<u32>().ok();
        match (parse(k), parse(n)) {
            (Some(index), Some(count)) if count >= 1 && index < count && count <= MAX_SHARDS => {
                Ok(Shard { index, count })
            }
            (Some(_), Some(count)) if count > MAX_SHARDS => {
                Err(format!("'{s}': at most {MAX_SHARDS} shards"))
            }
            _ => Err(format!("'{s}': {expected}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_vendor_is_in_exactly_one_shard() {
        let ids: Vec<String> = (0..2000).map(|i| format!("vendor-{i}")).collect();
        for count in [1, 2, 3, 7, 16] {
            let shards: Vec<Shard> = (0..count).map(|index| Shard { index, count }).collect();
            let mut sizes = vec![0usize; count as usize];
            for id in &ids {
                let owners: Vec<&Shard> = shards.iter().filter(|s| s.contains(id)).collect();
                assert_eq!(owners.len(), 1, "{id} among {count}");
                sizes[owners[0].index as usize] += 1;
            }
            // A hash, not a round robin: each share is near 1/count (within 25 % here).
            let fair = ids.len() / count as usize;
            for size in sizes {
                assert!(
                    size * 4 > fair * 3 && size * 4 < fair * 5,
                    "{size} vs {fair}"
                );
            }
        }
    }

    #[test]
    fn a_vendor_keeps_its_shard_across_releases() {
        // Recorded once (Python's hashlib: first 8 bytes of SHA-256, big-endian, mod N): a
        // change of the hash would move vendors to other jobs and split their history.
        assert_eq!(Shard::of("kenshin", 4), 1);
        assert_eq!(Shard::of("kenshin", 1000), 705);
        assert_eq!(Shard::of("kenshin", 7), 0);
        assert_eq!(Shard::of("voucher-portal", 1000), 653);
        assert_eq!(Shard::of("v0000", 4), 2);
        assert_eq!(Shard::of("anything", 1), 0);
    }

    #[test]
    fn k_of_n_parses_and_bad_ones_say_what_was_expected() {
        assert_eq!("0/1".parse(), Ok(Shard { index: 0, count: 1 }));
        assert_eq!("3/4".parse(), Ok(Shard { index: 3, count: 4 }));
        for bad in ["4/4", "1/0", "0", "-1/2", "a/b", "1/2/3", ""] {
            let e = bad.parse::<Shard>().unwrap_err();
            assert!(e.contains("expected K/N"), "{bad}: {e}");
        }
        assert!("0/5000"
            .parse::<Shard>()
            .unwrap_err()
            .contains("at most 4096"));
    }
}
