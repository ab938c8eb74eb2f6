//! Reading the monthly leaderboards (kept in Redis by the projection): a resident's place in
//! their community, and the board of one compound (the community's board restricted to the
//! compound's residents, so no second set of counters can drift from the first).

use super::projection::board_keys;
use super::rules;
use crate::error::AppResult;
use crate::redis_store::RedisStore;
use chrono::{DateTime, Utc};

/// A resident's place on a community's board for the month of `at`: (rank from 1, points,
/// residents on the board); `None` if they earned nothing that month.
pub async fn position(
    redis: &RedisStore,
    community: i64,
    at: DateTime<Utc>,
    resident: i64,
) -> AppResult<Option<(i64, i64, i64)>> {
    let (board, _) = board_keys(redis, community, &rules::month_key(at));
    let mut c = redis.conn();
    // One slot (the board's hash tag), one round trip.
    let (rank, score, size): (Option<i64>, Option<f64>, i64) = redis::pipe()
        .cmd("ZREVRANK")
        .arg(&board)
        .arg(resident)
        .cmd("ZSCORE")
        .arg(&board)
        .arg(resident)
        .cmd("ZCARD")
        .arg(&board)
        .query_async(&mut c)
        .await?;
    Ok(match (rank, score) {
        (Some(r), Some(s)) => Some((r + 1, s as i64, size)),
        _ => None,
    })
}

/// The board of some residents (a compound's) within their community's board for the month
/// of `at`: (resident, points), best first, ties by id; residents with nothing are left out.
pub async fn among(
    redis: &RedisStore,
    community: i64,
    at: DateTime<Utc>,
    residents: &[i64],
) -> AppResult<Vec<(i64, i64)>> {
    if residents.is_empty() {
        return Ok(Vec::new());
    }
    let (board, _) = board_keys(redis, community, &rules::month_key(at));
    let mut c = redis.conn();
    let scores: Vec<Option<f64>> = redis::cmd("ZMSCORE")
        .arg(&board)
        .arg(residents)
        .query_async(&mut c)
        .await?;
    Ok(rank(
        residents
            .iter()
            .copied()
            .zip(scores)
            .filter_map(|(r, s)| Some((r, s? as i64))),
    ))
}

/// Best first, ties by id (pure).
pub fn rank(rows: impl Iterator<Item = (i64, i64)>) -> Vec<(i64, i64)> {
    let mut v: Vec<(i64, i64)> = rows.filter(|(_, p)| *p > 0).collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    v
}

/// How a resident appears on a board others see: the first character of their display
/// name, or of their address, and stars (pure).
pub fn masked_name(display_name: Option<&str>, email: &str) -> String {
    let source = display_name
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .unwrap_or(email);
    let first: String = source.chars().take(1).collect();
    format!("{first}**")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranking_is_best_first_with_ties_by_id_and_no_zeros() {
        let rows = vec![(5, 10), (3, 20), (4, 10), (9, 0)];
        assert_eq!(rank(rows.into_iter()), vec![(3, 20), (4, 10), (5, 10)]);
    }

    #[test]
    fn names_on_boards_are_masked() {
        assert_eq!(masked_name(Some("王小明"), "w@x.cn"), "王**");
        assert_eq!(masked_name(Some("  "), "wang@x.cn"), "w**");
        assert_eq!(masked_name(None, "li@x.cn"), "l**");
    }
}
